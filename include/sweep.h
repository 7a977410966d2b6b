#ifndef BBPERM_SWEEP_H
#define BBPERM_SWEEP_H

#include "config.h"
#include "exec.h"
#include "job.h"
#include "pool.h"
#include "progress.h"
#include "result.h"
#include "ring.h"
#include "session.h"
#include "walk.h"

/* The main-thread side of a command that sweeps targets and writes what it
 * finds, target by target, in listing order: export and access. See the
 * DESIGN comment in sweep.c. The command supplies the pool's callbacks (a
 * worker fills j->exp.rows for one target), the header and its words. */

/* What a worker does with one target: read it through ex (the worker's
 * client) and fill j->res and j->exp. ctx: the command's. */
typedef void sweep_run_fn(void *ctx, struct exec_worker *ex, struct job *j);

struct sweep {
    /* Set by sweep_init, read-only afterwards. */
    const struct bb_config *cfg;    /* frozen */
    const char *cmd;                /* "export", "access": messages, progress line */
    const char *noun, *nouns;       /* "target", "targets" */
    /* NULL, or called on each target just before its rows are written
     * (access --compare writes the rows of what is gone before it). */
    void (*before_write)(void *ctx, const struct job *j);
    void *ctx;
    sweep_run_fn *run;              /* set by sweep_start */
    void *run_ctx;

    /* Main thread. */
    struct session ses;
    struct ring ring;
    struct result res;
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
    int fatal;                      /* the output failed (exit 2) */
    double started;
    struct progress progress;       /* the progress line (progress.c) */
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
