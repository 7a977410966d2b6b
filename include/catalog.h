#ifndef BBPERM_CATALOG_H
#define BBPERM_CATALOG_H

#include <stddef.h>
#include "api.h"
#include "pager.h"

/* The repositories of a workspace (or of one project), for repo cells that
 * are patterns. Each listing is fetched once per run and held, sorted by
 * slug, while the run goes on: a pointer and the slug per repository (0.6
 * MiB per 10,000 repositories, measured). Main thread only. */

struct catalog;

struct catalog *catalog_new(const struct api_ops *api, const char *base);
void catalog_free(struct catalog *c);

/* The sorted slugs of the repositories of ws, or of project when it is not
 * NULL (on Data Center ws is ignored and project is required). Returns 0
 * with the list (owned by the catalog), or -1 with err. */
int catalog_repos(struct catalog *c, const char *ws, const char *project,
                  const struct pager_fetch *f, char *const **slugs, size_t *n,
                  struct pager_error *err);

/* The listing of ws (project NULL) or of ws/project that this run made
 * already (a pattern row's): 1 with its sorted slugs, else 0 (none, or it
 * failed). Nothing is fetched. catalog_project_of(slug): the project key
 * the listing gave that repository ("" when none). One listing per scope
 * per run: the prune's walk takes its repositories from here. */
int catalog_held(const struct catalog *c, const char *ws, const char *project,
                 char *const **slugs, size_t *n);
const char *catalog_project_of(const char *slug);
/* 1 when a listing this run made of ws, or of ws/project, does not hold
 * slug: the repository appeared after it (so this run neither granted it
 * what a pattern names nor may prune it). c may be NULL: 0. */
int catalog_listed_late(const struct catalog *c, const char *ws, const char *project,
                        const char *slug);

/* Pure: 1 when slug matches a shell-style pattern (fnmatch, case-insensitive). */
int catalog_match(const char *pattern, const char *slug);

/* Repositories and pages listed so far. */
void catalog_stats(const struct catalog *c, unsigned long *lists, unsigned long *pages);

#endif
