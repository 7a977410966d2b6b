#ifndef BBPERM_JOB_H
#define BBPERM_JOB_H

#include <stddef.h>
#include <stdint.h>
#include "pool.h"
#include "util.h"

/* The core of a job: what the ring (ring.c) and the pool know of one input
 * row or one target on its way to the output. It is the first member of
 * the command's own job (struct row_job in rowjob.h: apply and plan;
 * struct sweep_job in sweep.h: export and access), which the command gets
 * back with JOB_OF; the payload after it is the command's alone. The ring
 * owns the slots and resets the core when a slot is taken; the command's
 * clear hook resets its payload. */
struct job {
    uint64_t seq;               /* input order, from 0 (the ring's) */
    struct buf key;             /* the pool's ordering key (owned, reused; set by
                                 * the command before the job is submitted) */
    int settled;                /* done by the main thread (the ring's) */
    struct pool_node node;      /* the pool's bookkeeping (pool.c) */
};

/* The command's job whose core is c (NULL stays NULL). The core is the first
 * member, so the ring may hand out slots of the command's size. */
#define JOB_OF(c, type) ((type *)(void *)(c))

#endif
