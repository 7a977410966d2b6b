#ifndef BBPERM_RING_H
#define BBPERM_RING_H

#include <stddef.h>
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
    /* the command's payload of a slot just taken: reset it (its buffers kept) */
    void (*clear)(void *ctx, struct job *j);
    /* the command's payload of a slot: free what it owns (ring_free) */
    void (*release)(struct job *j);
    void *ctx;
};

struct ring {
    unsigned char *slots;           /* RING_SIZE slots of slot_size bytes, each a
                                     * command's job with its core first (owned, reused) */
    size_t slot_size;
    uint64_t next_seq;              /* sequence number of the next job */
    uint64_t next_out;              /* next job to write */
    struct pool *pool;              /* NULL: every job is settled by the main thread */
    struct ring_ops ops;
    double last_idle;
};

/* slot_size: the size of the command's job, whose first member is its
 * struct job (job.h). */
void ring_init(struct ring *r, const struct ring_ops *ops, size_t slot_size);
void ring_free(struct ring *r);
/* The slot for the next job, with its seq set and its payload cleared (ops.clear).
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
