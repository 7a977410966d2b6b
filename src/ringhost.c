/*
 * DESIGN
 *
 * One host for the ring (ring.c), as a program has one event loop: apply
 * and plan (run.c) and export and access (sweep.c) differ in what a job is
 * and how it is written, not in how the output is kept. So the ring's
 * callbacks are here, once: a finished job goes to the command's write
 * hook, and a write that failed makes the output failed; when the ring
 * waits, the command's idle hook runs, the output is flushed (a flush that
 * succeeded runs the flushed hook: run.c counts only rows in the file as
 * done) and the command draws its progress line; after a wait, signals
 * are polled. A failed output stops the command the same way everywhere:
 * the session is cancelled once (nothing new starts), the ring writes
 * nothing more, and the exit code is 2.
 *
 * The command keeps its job (its payload after the ring's core), its
 * per-row write, its progress line and its summary.
 */
#include "ringhost.h"

#include <stdio.h>
#include <string.h>

static void on_write(void *ctx, struct job *j)
{
    struct ringhost *h = ctx;
    h->hooks.write(h->hooks.ctx, j);
    if (h->res.failed)
        ringhost_fail(h);
}

static void on_idle(void *ctx)
{
    ringhost_idle(ctx);
}

static void on_poll(void *ctx)
{
    ringhost_poll(ctx);
}

static int on_failed(void *ctx)
{
    const struct ringhost *h = ctx;
    return h->fatal;
}

static void on_clear(void *ctx, struct job *j)
{
    struct ringhost *h = ctx;
    h->hooks.clear(h->hooks.ctx, j);
}

void ringhost_init(struct ringhost *h, struct session *ses, const struct ringhost_hooks *hooks,
                   size_t slot_size)
{
    h->ses = ses;
    h->hooks = *hooks;
    h->fatal = 0;
    struct ring_ops ops = {on_write, on_idle, on_poll, on_failed, on_clear, hooks->release, h};
    ring_init(&h->ring, &ops, slot_size);
}

void ringhost_free(struct ringhost *h)
{
    ring_free(&h->ring);
}

void ringhost_fail(struct ringhost *h)
{
    if (!h->fatal)
        session_cancel(h->ses, 0);
    h->fatal = 1;
}

void ringhost_flush(struct ringhost *h)
{
    if (result_flush(&h->res) != 0)
        ringhost_fail(h);
    if (!h->fatal && h->hooks.flushed)
        h->hooks.flushed(h->hooks.ctx);
}

void ringhost_output(struct ringhost *h, const struct buf *bytes)
{
    if (h->res.failed || !bytes->len)
        return;
    /* rows and the progress line on one terminal: the line goes first */
    progress_before_output(&h->progress, stderr);
    if (fwrite(bytes->data, 1, bytes->len, h->res.out) != bytes->len)
        result_flush(&h->res);
    if (h->res.failed)
        ringhost_fail(h);
}

void ringhost_idle(struct ringhost *h)
{
    if (h->hooks.idle)
        h->hooks.idle(h->hooks.ctx);
    ringhost_flush(h);
    h->hooks.draw(h->hooks.ctx, 0);
}

void ringhost_clear_line(void *ctx)
{
    struct ringhost *h = ctx;
    progress_clear(&h->progress, stderr);
}

void ringhost_poll(struct ringhost *h)
{
    session_poll(h->ses, ringhost_clear_line, h);
}
