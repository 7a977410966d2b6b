#ifndef BBPERM_SWEEP_H
#define BBPERM_SWEEP_H

#include "config.h"
#include "exec.h"
#include "job.h"
#include "outcome.h"
#include "pool.h"
#include "progress.h"
#include "result.h"
#include "ring.h"
#include "ringhost.h"
#include "session.h"
#include "walk.h"

/* The main-thread side of a command that sweeps targets and writes what it
 * finds, target by target, in listing order: export and access. See the
 * DESIGN comment in sweep.c. The command supplies the pool's callbacks (a
 * worker fills j->rows for one target), the header and its words. */

/* One listed target on its way to the output. The core (job.h) is the
 * ring's and the pool's; data, req and the core's key are set by
 * sweep_target; res, rows, nrows and pages by the worker that reads it;
 * sweep.c's clear hook resets them when the ring hands out the slot. */
struct sweep_job {
    struct job core;            /* first: the ring's and the pool's */
    struct buf data;            /* the target's names (owned, reused) */
    struct request req;         /* the target, views into data */
    struct target_result res;
    struct buf rows;            /* its CSV lines (owned, reused) */
    unsigned nrows;             /* lines in rows */
    unsigned pages;             /* list pages read */
};

_Static_assert(offsetof(struct sweep_job, core) == 0, "the core comes first");

/* What a worker does with one target: read it through ex (the worker's
 * client) and fill j->res, j->rows, j->nrows and j->pages. ctx: the command's. */
typedef void sweep_run_fn(void *ctx, struct exec_worker *ex, struct sweep_job *j);

struct sweep {
    /* Set by sweep_init, read-only afterwards. */
    const struct bb_config *cfg;    /* frozen */
    const char *cmd;                /* "export", "access": messages, progress line */
    const char *noun, *nouns;       /* "target", "targets" */
    /* NULL, or called on each target just before its rows are written
     * (access --compare writes the rows of what is gone before it). */
    void (*before_write)(void *ctx, const struct sweep_job *j);
    void *ctx;
    sweep_run_fn *run;              /* set by sweep_start */
    void *run_ctx;

    /* Main thread. */
    struct session ses;
    struct ringhost host;           /* the ring, the output, the progress line, fatal */
    unsigned long targets;          /* handed to the pool */
    unsigned long rows;             /* written */
    unsigned long done;             /* targets read and written */
    unsigned long unreadable;       /* targets and listings that could not be read */
    unsigned long cancelled;        /* targets the run's stop left unread */
    unsigned long listed_pages;
    /* the command's target callback and its ctx, during sweep_walk */
    void (*walk_target)(void *ctx, enum target_kind kind, const char *ws, const char *project,
                        const char *slug);
    void *walk_ctx;
    int listing_done;               /* targets is final */
    double started;
};

void sweep_init(struct sweep *s, const struct bb_config *cfg, const char *cmd,
                const char *noun, const char *nouns);
/* The session (with the check before the first row) and the output file.
 * Returns 0, or -1 after a line on stderr. */
int sweep_open(struct sweep *s);
/* Start the pool: each worker has its own client and runs `run`; a target
 * dropped by a stop is 'not read'. Returns 0 or -1. */
int sweep_start(struct sweep *s, sweep_run_fn *run, void *ctx);
/* Write the header (its commas in the output's delimiter) and flush it, so
 * a dead output stops the command before any listing. extra: NULL, or one
 * more column. */
void sweep_header(struct sweep *s, const char *header, const char *extra);
/* The output's delimiter: --delimiter, else a comma. */
char sweep_delimiter(const struct sweep *s);

/* List every scope (cfg->scopes; none: the whole Data Center) through w,
 * whose ses, cmd, before_message and stop sweep_walk sets; w->target and
 * w->ctx are the command's (sweep_target, or one that calls it), called
 * with that ctx. */
void sweep_walk(struct sweep *s, struct walk_lister *w);
/* A listed target: into the ring and on to the pool. */
void sweep_target(struct sweep *s, enum target_kind kind, const char *ws, const char *project,
                  const char *slug);
/* Write rows straight to the output (main thread). */
void sweep_write(struct sweep *s, const struct buf *rows);
/* Clear the progress line before a line on stderr (ctx: the sweep). */
void sweep_clear_line(void *ctx);

/* The listing is over: write every target, flush, clear the line. */
void sweep_finish(struct sweep *s);
/* Close the output (renamed from its .partial name when the sweep ended
 * whole), stop the pool, free; the exit code (failed: a target or
 * something else the command counts could not be read). */
int sweep_close(struct sweep *s, int failed);
/* Set-up failed: free what sweep_open made; the exit code (2, or 130
 * after a signal). */
int sweep_abort(struct sweep *s);

#endif
