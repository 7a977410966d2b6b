#ifndef BBPERM_RINGHOST_H
#define BBPERM_RINGHOST_H

#include <stddef.h>
#include "progress.h"
#include "result.h"
#include "ring.h"
#include "session.h"

/* The main thread's host of a ring: the output, the progress line, the
 * rule of a failed output, the flushes and the signals, shared by the
 * commands that stream jobs through a ring (run.c: apply and plan;
 * sweep.c: export and access). See the DESIGN comment in ringhost.c.
 * Main thread only. */

struct ringhost_hooks {
    /* a finished job, in order: write it (through ringhost_output or
     * result_row into h->res) */
    void (*write)(void *ctx, struct job *j);
    /* the progress line; force: draw it now whatever the last one was */
    void (*draw)(void *ctx, int force);
    /* NULL, or the ring is about to wait (before the flush) */
    void (*idle)(void *ctx);
    /* NULL, or a flush succeeded: what was written is in the file */
    void (*flushed)(void *ctx);
    /* the command's payload of a slot just taken / freed (ring.h) */
    void (*clear)(void *ctx, struct job *j);
    void (*release)(struct job *j);
    void *ctx;
};

struct ringhost {
    struct session *ses;        /* the command's: cancelled when the output fails */
    struct ring ring;
    struct result res;          /* the output */
    struct progress progress;   /* the progress line (progress.c) */
    struct ringhost_hooks hooks;
    int fatal;                  /* the output (or the input) failed: exit 2,
                                 * message printed; nothing new starts */
};

/* The ring's slots are the command's jobs of slot_size bytes (ring.h). */
void ringhost_init(struct ringhost *h, struct session *ses, const struct ringhost_hooks *hooks,
                   size_t slot_size);
void ringhost_free(struct ringhost *h);
/* The output (or something the run cannot go on without) failed: no new
 * request starts (the pool drops the queued jobs; requests in flight end
 * on their own), and the exit code is 2. Once. */
void ringhost_fail(struct ringhost *h);
/* Write out what is buffered; then the flushed hook, unless it failed. */
void ringhost_flush(struct ringhost *h);
/* Bytes straight to the output (the progress line first out of the way). */
void ringhost_output(struct ringhost *h, const struct buf *bytes);
/* The ring goes idle: the idle hook, a flush, the progress line (the
 * ring's idle callback, and a command's own waits). */
void ringhost_idle(struct ringhost *h);
/* Signals: session_poll with the progress line cleared before a message. */
void ringhost_poll(struct ringhost *h);
/* Clear the progress line before a line on stderr (ctx: the host). */
void ringhost_clear_line(void *ctx);

#endif
