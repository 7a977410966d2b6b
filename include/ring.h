#ifndef BBPERM_RING_H
#define BBPERM_RING_H

#include <stdint.h>
#include "job.h"
#include "pool.h"

/* The ring of jobs between the main thread and the pool, and the writing of
 * finished jobs in order. See the DESIGN comment in ring.c. Main thread only. */

#define RING_SIZE 2048u

struct ring_ops {
    void (*write)(void *ctx, struct job *j);    /* a finished job, in order */
    void (*idle)(void *ctx);        /* about to wait, or FLUSH_EVERY passed: flush, progress */
    void (*poll)(void *ctx);        /* after a wait: signals */
    int (*failed)(void *ctx);       /* nonzero: stop writing (output failed) */
    void *ctx;
};

struct ring {
    struct job *jobs;               /* RING_SIZE slots, owned, reused */
    uint64_t next_seq;              /* sequence number of the next job */
    uint64_t next_out;              /* next job to write */
    struct pool *pool;              /* NULL: every job is settled by the main thread */
    struct ring_ops ops;
    double last_idle;
};

void ring_init(struct ring *r, const struct ring_ops *ops);
void ring_free(struct ring *r);
/* The slot for the next job, with its seq set and its result cleared.
 * Waits (writing what is done) while the ring is full. NULL when writing
 * failed. */
struct job *ring_take(struct ring *r);
/* The job is settled by the main thread: mark it done, write what can be. */
void ring_settle(struct ring *r, struct job *j);
/* Hand the job (its key set) to the pool. */
void ring_submit(struct ring *r, struct job *j);
/* Write every finished job that is next in order; with until, wait until
 * every job before sequence number until is written. */
void ring_drain(struct ring *r, uint64_t until);

#endif
