#ifndef BBPERM_ROWJOB_H
#define BBPERM_ROWJOB_H

#include <stddef.h>
#include "brrow.h"
#include "job.h"
#include "outcome.h"
#include "row.h"
#include "stale.h"
#include "util.h"
#include "walk.h"

/* One input row of apply or plan on its way to the output, or a job that
 * run.c's ring carries for prune (a target to read, a revocation row) or
 * for a plan's check (stale.c). The core (job.h) is the ring's and the
 * pool's; the rest is filled by run.c (the cells, the kind), the kind's
 * validate (req or br), and the worker that runs it (url, body, res).
 * run.c's clear hook resets role and res when the ring hands out the slot;
 * the buffers are reused, so a steady run allocates nothing per row. */

/* What a job of run.c's ring is. */
enum row_role {
    ROLE_ROW = 0,               /* an input row */
    ROLE_TARGET,                /* prune: a target to read, not an input row */
    ROLE_PRUNED,                /* prune: a revocation prune appended */
    ROLE_CHECK                  /* stale.c: a plan's row read to check it, not written */
};

struct kind_ops;

struct row_job {
    struct job core;            /* first: the ring's and the pool's */

    /* Set by the main thread before the job is settled or submitted;
     * read-only afterwards, until the job is written. */
    enum row_role role;
    unsigned long line;         /* input line the record starts on */
    struct buf data;            /* the cells, NUL-separated (owned, reused) */
    size_t *off;                /* cell offsets into data (owned, reused) */
    size_t *lens;               /* cell lengths (owned, reused) */
    unsigned n, cap;            /* cells in use, allocated */
    const struct kind_ops *kind; /* what the row is (kind.h); NULL: not valid */
    struct request req;         /* views into data */
    struct brow br;             /* a branch rule's own payload (brrow.h) */
    struct stale_check check;   /* ROLE_CHECK only (stale.h) */

    /* Written by whoever runs the job, read after it is done. */
    struct buf url;             /* the write's URL (owned, reused) */
    const char *body;           /* NULL or static (api_json_body) */
    struct row_result res;
    struct walk_perms perms;    /* ROLE_TARGET: its permissions (owned, reused) */
};

_Static_assert(offsetof(struct row_job, core) == 0, "the core comes first");

#define ROW_JOB(c) JOB_OF(c, struct row_job)

/* The job's cells as a view (row.h). */
static inline struct row_cells row_job_cells(const struct row_job *j)
{
    struct row_cells c = {j->data.data, j->off, j->lens, j->n};
    return c;
}

/* The kind's own payload of the row, for the views its modules read (the
 * report's struct report_row, prune's table): each kind reads it as its
 * own type (the branch-rule kind: struct brow). A new kind's payload
 * member is returned here too. Never NULL. */
static inline const void *row_job_own(const struct row_job *j)
{
    return &j->br;
}

/* The pool's node back to the row job that embeds it. */
#define ROW_JOB_OF_NODE(n) ROW_JOB(POOL_JOB(n, struct job, node))

#endif
