/*
 * DESIGN
 *
 * The main thread turns each input row (or each export target) into a job
 * in a ring of RING_SIZE slots, and either settles it at once or submits
 * it to the pool. It is the only thread that writes the output: after
 * every job, and whenever it has to wait, it writes the longest run of
 * finished jobs that follows the last one written, so results come out in
 * input order whatever order the workers finish them in. A job whose slot
 * is still taken (the job RING_SIZE before it is not written yet) makes the
 * main thread wait; that is what bounds memory, whatever the size of the
 * input.
 *
 * The ring knows a job's core only (job.h: its sequence, the pool's key and
 * node, settled): a slot is the host's job, of the size the host gives, with
 * the core first. Taking a slot resets the core and calls the host's clear
 * hook for the rest, so no module resets another's fields.
 *
 * While it waits, the owner's idle callback flushes the output when a wait
 * goes on longer than SHORT_WAIT, and at least every FLUSH_EVERY seconds,
 * so a killed run leaves every row whose turn came but the last few
 * milliseconds' worth.
 */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FLUSH_EVERY 0.2
#define SHORT_WAIT 0.005

/* The core of slot i. */
static struct job *slot(const struct ring *r, uint64_t i)
{
    return (struct job *)(void *)(r->slots + (size_t)(i % RING_SIZE) * r->slot_size);
}

void ring_init(struct ring *r, const struct ring_ops *ops, size_t slot_size)
{
    r->slot_size = slot_size;
    r->slots = xcalloc(RING_SIZE, slot_size);
    r->next_seq = r->next_out = 0;
    r->ops = *ops;
    r->last_idle = now_mono();
}

void ring_free(struct ring *r)
{
    for (unsigned i = 0; r->slots && i < RING_SIZE; i++) {
        struct job *j = slot(r, i);
        if (r->ops.release)
            r->ops.release(j);
        buf_free(&j->key);
    }
    free(r->slots);
    r->slots = NULL;
}

/* The job is done: settled here, or run by the pool. */
static int job_done(const struct job *j)
{
    return j->settled || pool_node_done(&j->node);
}

static void idle(struct ring *r)
{
    r->ops.idle(r->ops.ctx);
    r->last_idle = now_mono();
}

void ring_drain(struct ring *r, uint64_t until)
{
    for (;;) {
        uint64_t pending = r->next_seq - r->next_out;
        unsigned n;
        if (!pending) {
            n = 0;
        } else {
            n = 0;
            while (n < pending && n < RING_SIZE && job_done(slot(r, r->next_out + n)))
                n++;
        }
        for (unsigned i = 0; i < n && !r->ops.failed(r->ops.ctx); i++)
            r->ops.write(r->ops.ctx, slot(r, r->next_out + i));
        r->next_out += n;
        if (r->ops.failed(r->ops.ctx))
            return;
        if (r->next_out >= until)
            break;
        if (!r->pool) {
            /* nothing runs elsewhere: a job not done now never will be */
            break;
        }
        /* Wait for the last row needed, not the next one: rows finish
         * roughly in order, so the main thread wakes once per batch instead
         * of once per row. That row is usually done within a few
         * milliseconds: wait that long first, and go idle only when the
         * wait goes on, so a busy run writes in blocks while an idle one
         * still shows every row at once. */
        uint64_t last = (until > r->next_out + 1 ? until : r->next_out + 1) - 1;
        struct job *target = slot(r, last);
        if (target->settled)    /* then wait for the first not done: the pool's */
            target = slot(r, r->next_out);
        pool_wait(r->pool, &target->node, SHORT_WAIT);
        if (!job_done(slot(r, r->next_out))) {
            idle(r);
            pool_wait(r->pool, &target->node, 0.1);
        }
        r->ops.poll(r->ops.ctx);
    }
    if (now_mono() - r->last_idle >= FLUSH_EVERY)
        idle(r);
}

struct job *ring_take(struct ring *r)
{
    if (r->next_seq - r->next_out >= RING_SIZE)
        ring_drain(r, r->next_seq - RING_SIZE + RING_SIZE / 4);   /* a quarter free */
    if (r->ops.failed(r->ops.ctx))
        return NULL;
    struct job *j = slot(r, r->next_seq);
    j->seq = r->next_seq++;
    j->settled = 0;
    atomic_store(&j->node.done, 0);
    r->ops.clear(r->ops.ctx, j);
    return j;
}

void ring_settle(struct ring *r, struct job *j)
{
    j->settled = 1;
    ring_drain(r, 0);
}

void ring_submit(struct ring *r, struct job *j)
{
    pool_submit(r->pool, &j->node, j->key.data, j->key.len);
    if ((j->seq & 63) == 0)
        ring_drain(r, 0);
}
