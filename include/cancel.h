#ifndef BBPERM_CANCEL_H
#define BBPERM_CANCEL_H

#include <stdatomic.h>

/* Cancellation by SIGINT/SIGTERM, through one thread that waits for them.
 * See the DESIGN comment in cancel.c. */

struct gate;
struct pool;

/* Block SIGINT and SIGTERM in this thread and every thread made after it,
 * ignore SIGPIPE, and start the thread that waits for the two. Call first,
 * before any other thread exists. Returns 0, or -1 (message printed). */
int cancel_init(void);

/* What a signal stops: the gate (no request leaves it any more), the pool
 * (queued jobs are dropped) and the abort flag (requests in flight end).
 * Any may be NULL. Binding when signals came already applies them now.
 * Main thread; unbind before freeing any of them. */
void cancel_bind(struct gate *g, struct pool *p, atomic_int *abort_flag);
void cancel_unbind(void);

/* Signals received so far (0, 1, 2 or more). Any thread. */
int cancel_signals(void);

/* A descriptor that becomes readable at the first signal and stays so, for
 * a poll(2) that must end when a signal comes. Never read it. -1 before
 * cancel_init (poll then ignores it). Any thread. */
int cancel_fd(void);

#endif
