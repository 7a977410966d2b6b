#ifndef BBPERM_WALK_H
#define BBPERM_WALK_H

#include "job.h"
#include "row.h"
#include "session.h"

/* The walk of targets that export and access share: the listings of the
 * scopes (Cloud: a workspace's projects and repositories, or one project's
 * repositories; Data Center: every project, or one, and their
 * repositories), each listed name checked before it becomes a URL path.
 * Main thread only. A listing that fails is named on stderr and counted. */

struct walk_ops {
    const char *command;        /* "export", "access": in messages */
    /* One target (a project when project is NULL and kind is
     * TARGET_PROJECT). The strings are valid during the call. */
    void (*target)(void *ctx, enum target_kind kind, const char *ws, const char *project,
                   const char *slug);
    void (*clear)(void *ctx);   /* before a line on stderr (progress) */
    int (*stop)(void *ctx);     /* after each item: nonzero ends the walk */
    void *ctx;
};

struct walk {
    struct session *ses;
    struct walk_ops ops;
    int projects;               /* hand projects over as targets too (export) */
    int sorted;                 /* Data Center: projects by key, repositories by slug
                                 * (Cloud lists them sorted by slug already) */
    unsigned long pages;        /* listing pages fetched */
    unsigned long unreadable;   /* listings and names that could not be read */
};

/* Walk one scope: WORKSPACE or WORKSPACE/PROJECT_KEY (Cloud), PROJECT_KEY
 * or NULL for every project (Data Center). */
void walk_scope(struct walk *w, const char *scope);

/* Fill a job for one target: the strings are copied into it, its request
 * points at them, and its key is the target's. */
void walk_fill_job(struct job *j, enum target_kind kind, const char *ws, const char *project,
                   const char *slug);

#endif
