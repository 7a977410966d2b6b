#ifndef BBPERM_WALK_H
#define BBPERM_WALK_H

#include "catalog.h"
#include "live.h"
#include "pager.h"
#include "session.h"
#include "util.h"

/* The walk of a scope: its targets (projects, then repositories) as the
 * server lists them, and each target's explicit permissions. export writes
 * what it finds; prune compares it with the permissions a file names;
 * access joins it with who can reach each repository. See the DESIGN
 * comment in walk.c. */

/* One explicit permission of a walked target. */
struct walk_perm {
    enum subject_kind kind;
    char *id;                   /* group slug/name, user account id / username (owned) */
    char *alt;                  /* a Cloud user's {uuid}, or NULL (owned) */
    char *display, *email;      /* "" when not read (owned) */
    enum privilege priv;
};

/* A target's permissions in export's order: groups, then users, by id. */
struct walk_perms {
    struct walk_perm *v;        /* owned, reused */
    size_t n, cap;
};

void walk_perms_clear(struct walk_perms *p);
void walk_perms_free(struct walk_perms *p);

/* Read the explicit permissions of target t (groups, then users) into out,
 * sorted as export writes them. With live, through its cache (a list it
 * holds is not read again; email is then "", display a user's name as
 * listed); else straight from the server through f. pages (may be NULL) counts the pages read.
 * Returns 0, or -1 with err. Any thread. */
int walk_read(const struct api_ops *api, const char *base, struct live *live,
              const struct pager_fetch *f, const struct request *t, struct walk_perms *out,
              unsigned *pages, struct pager_error *err);

/* A listed target as a request: kind, workspace, project (NULL or a
 * repository's project key) and slug (or project key) are copied into data,
 * which t views; key is set to the target's key (the pool's ordering key of
 * a job that reads it). */
void walk_fill_target(struct buf *data, struct request *t, struct buf *key,
                      enum target_kind kind, const char *ws, const char *project,
                      const char *slug);

/* The listing of scopes, on the main thread. */
struct walk_lister {
    struct session *ses;
    const char *cmd;            /* "export", "prune": starts its stderr lines */
    /* a target, in listing order; project is a repository's project key
     * (NULL for a project target); the strings live during the call */
    void (*target)(void *ctx, enum target_kind kind, const char *ws, const char *project,
                   const char *slug);
    void (*before_message)(void *ctx);  /* clear a progress line; may be NULL */
    void (*said)(void *ctx, const char *text); /* a line written on stderr, without its
                                                * "bbperm: CMD: "; may be NULL */
    int (*stop)(void *ctx);             /* nonzero: stop listing */
    void *ctx;
    int repos_only;             /* hand over repositories only, not projects (access) */
    int sorted;                 /* projects by key, repositories by slug (a flavour
                                 * whose listings are sorted, api_ops.lists_sorted,
                                 * is not held) */
    /* prune: the listings the file's pattern rows read (NULL: none). A
     * scope's repositories are taken from the one of the same workspace or
     * project; one the server lists later that an earlier listing lacks
     * appeared since, and is not handed over (late counts it). */
    const struct catalog *catalog;
    unsigned long pages;        /* listing pages read */
    unsigned long unreadable;   /* listings that failed, names refused */
    unsigned long late;         /* repositories listed after a pattern's listing */
};

/* List the targets of one scope, as export spells it: Cloud WORKSPACE
 * (its projects, then its repositories) or WORKSPACE/PROJECT_KEY (the
 * project, then its repositories); Data Center PROJECT_KEY (the project,
 * then its repositories), or NULL: every project, each followed by its
 * repositories. Failures are named on stderr and counted. */
void walk_scope(struct walk_lister *w, const char *scope);

#endif
