#ifndef BBPERM_POOL_H
#define BBPERM_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A fixed pool of worker threads fed from one queue, that runs jobs of one
 * key one at a time, in submission order. See the DESIGN comment in
 * pool.c. The pool knows nothing of what a job is: its owner embeds a
 * struct pool_node in each job and gets the job back with POOL_JOB. */

/* The pool's bookkeeping of one job. Private to pool.c: the owner only
 * embeds it, and reads it through pool_node_done. */
struct pool_node {
    const char *key;            /* the owner's bytes, unchanged until done */
    size_t keylen;
    uint32_t hash;              /* of key */
    atomic_int done;            /* set by the pool (release) when the job ended */
    struct pool_node *qnext;    /* work queue link (under the pool mutex) */
    struct pool_node *same_next;/* next job of the same key, held back (mutex) */
    struct pool_node *hnext;    /* key table chain (mutex) */
};

/* The job that embeds node n as its member `member`. */
#define POOL_JOB(n, type, member) ((type *)(void *)((char *)(n) - offsetof(type, member)))

struct pool_ops {
    /* Per-worker set-up and tear-down, run on the worker's own thread. */
    void *(*worker_init)(void *arg, int index);
    void (*worker_fini)(void *wctx);
    /* Do the work of one job; fill its result. No pool lock held. */
    void (*run)(void *wctx, struct pool_node *n);
    /* Fill the result of a job that is dropped because the run was
     * cancelled before it started (arg: as for worker_init). */
    void (*cancelled)(void *arg, struct pool_node *n);
    void *arg;
};

struct pool;

/* Start nthreads workers; returns once every worker has run worker_init.
 * `keys` bounds how many jobs may be outstanding at once (it sizes the key
 * table). Returns NULL if a worker failed to start. */
struct pool *pool_new(int nthreads, unsigned keys, const struct pool_ops *ops);
/* Queue a job (main thread) under key[0..len), which must stay unchanged
 * until the job is done. A job whose key equals that of an earlier job not
 * done yet is held back until that one is done, so jobs of one key run one
 * at a time, in submission order. */
void pool_submit(struct pool *p, struct pool_node *n, const char *key, size_t len);
/* 1 once the job ended: its result may be read (any thread; acquire). */
int pool_node_done(const struct pool_node *n);
/* Wait until the job is done or timeout seconds pass (main thread). */
void pool_wait(struct pool *p, const struct pool_node *n, double timeout);
/* From now on, jobs not yet started are dropped (ops.cancelled). Any thread. */
void pool_cancel(struct pool *p);
/* Wait for the queue to drain, stop and join every worker, free. */
void pool_free(struct pool *p);

#endif
