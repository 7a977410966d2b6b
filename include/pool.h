#ifndef BBPERM_POOL_H
#define BBPERM_POOL_H

#include "job.h"

/* A fixed pool of worker threads fed from one queue. See the DESIGN comment
 * in pool.c. */

struct pool_ops {
    /* Per-worker set-up and tear-down, run on the worker's own thread. */
    void *(*worker_init)(void *arg, int index);
    void (*worker_fini)(void *wctx);
    /* Do the work of one job; fill its result fields. No pool lock held. */
    void (*run)(void *wctx, struct job *j);
    /* Fill the result of a job that is dropped because the run was
     * cancelled before it started. */
    void (*cancelled)(struct job *j);
    void *arg;
};

struct pool;

/* Start nthreads workers; returns once every worker has run worker_init.
 * `keys` bounds how many jobs may be outstanding (the ring size). Returns
 * NULL if a worker failed to start. */
struct pool *pool_new(int nthreads, unsigned keys, const struct pool_ops *ops);
/* Queue a job (main thread). Its key must be set. A job whose key matches
 * an earlier job that is not done yet is held back until that one is done,
 * so jobs for one permission run one at a time, in submission order. */
void pool_submit(struct pool *p, struct job *j);
/* How many jobs from the ring, starting at ring[first], are done in a row
 * (at most max). `ring` has `size` entries; job seq maps to seq % size. */
unsigned pool_done_run(struct pool *p, struct job *ring, unsigned size,
                       uint64_t first, unsigned max);
/* Wait until ring[seq % size] is done or timeout seconds pass. */
void pool_wait(struct pool *p, struct job *j, double timeout);
/* From now on, jobs not yet started are dropped (ops.cancelled). */
void pool_cancel(struct pool *p);
/* Wait for the queue to drain, stop and join every worker, free. */
void pool_free(struct pool *p);

#endif
