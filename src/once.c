/*
 * DESIGN
 *
 * Load once, others wait (single flight). Four caches of a run share one
 * shape: an entry that the first thread to need it reads from the server,
 * while the other threads that need it wait for that read instead of
 * sending their own: the live state's lists (live.c), the members of a
 * Data Center group (members.c), a project's grants in the access review
 * (access.c) and the accounts of email addresses (people.c).
 *
 * An entry is EMPTY, LOADING, READY, FAILED or CANCELLED. once_begin, with
 * the owner's mutex held, makes the first caller of an EMPTY entry its
 * loader (LOADING); the loader lets go of the mutex for its requests (no
 * lock is held during I/O), takes it back, stores what it read in the
 * owner's struct and calls once_end with the outcome, which wakes every
 * waiter. A caller that finds the entry LOADING waits on the set's
 * condition variable, which releases the mutex, so a waiter holds no lock
 * either. The loader never waits on anything while it holds the mutex,
 * and a waiter waits only for a loader that holds none: this cannot
 * deadlock.
 *
 * Cancelled is not failed. A load that the run's cancellation stopped (a
 * signal, a failed output, an early stop: cancel.c, session_cancel) ends
 * CANCELLED; its waiters are told CANCELLED, so their rows are cancelled,
 * not failed, and a repository is "cancelled", not "could not be read".
 * FAILED is kept (a list that failed is not asked again), but a CANCELLED
 * entry is loaded again by the next caller: a cancellation says nothing
 * about the resource. Once the run itself is cancelled (once_cancel) no
 * load starts any more: every waiter returns CANCELLED at once, without
 * waiting for the loader's request in flight, and an entry that is not
 * loaded answers CANCELLED. A published READY or FAILED entry still
 * answers as it is.
 *
 * Memory: the owner allocates and frees its entries; once only reads and
 * writes `state` and `waiters` under the owner's mutex. A waiter returns
 * from once_begin still pointing at its entry, so an owner that drops
 * entries (people.c's bound) keeps those that once_busy says are in use
 * (live.c holds its own count of users).
 *
 * Locks: once_cancel_all walks every set under this file's list lock and
 * takes each set's mutex in turn: the list lock comes first, and no one
 * takes it while holding a set's mutex (sets join and leave the list
 * without it).
 */
#include "once.h"

#include <assert.h>
#include <stddef.h>

static pthread_mutex_t sets_mu = PTHREAD_MUTEX_INITIALIZER;
static struct once_set *sets;           /* guarded by sets_mu */

void once_set_init(struct once_set *s, pthread_mutex_t *mu)
{
    s->mu = mu;
    pthread_cond_init(&s->cv, NULL);
    s->cancelled = 0;
    pthread_mutex_lock(&sets_mu);
    s->prev = NULL;
    s->next = sets;
    if (sets)
        sets->prev = s;
    sets = s;
    pthread_mutex_unlock(&sets_mu);
}

void once_set_destroy(struct once_set *s)
{
    pthread_mutex_lock(&sets_mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        sets = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    pthread_mutex_unlock(&sets_mu);
    pthread_cond_destroy(&s->cv);
}

enum once_state once_begin(struct once_set *s, struct once *o)
{
    for (;;) {
        switch (o->state) {
        case ONCE_READY:
        case ONCE_FAILED:
            return o->state;
        case ONCE_EMPTY:
        case ONCE_CANCELLED:
            if (s->cancelled)
                return ONCE_CANCELLED;
            o->state = ONCE_LOADING;
            return ONCE_LOADING;
        case ONCE_LOADING:
            break;
        }
        if (s->cancelled)
            return ONCE_CANCELLED;
        o->waiters++;
        pthread_cond_wait(&s->cv, s->mu);
        o->waiters--;
        /* the load ended: its outcome, whatever a later caller made of it */
        if (o->state == ONCE_CANCELLED)
            return ONCE_CANCELLED;
    }
}

void once_end(struct once_set *s, struct once *o, enum once_state result)
{
    assert(o->state == ONCE_LOADING);
    assert(result == ONCE_READY || result == ONCE_FAILED || result == ONCE_CANCELLED);
    o->state = result;
    pthread_cond_broadcast(&s->cv);
}

int once_busy(const struct once *o)
{
    return o->state == ONCE_LOADING || o->waiters > 0;
}

void once_cancel(struct once_set *s)
{
    pthread_mutex_lock(s->mu);
    s->cancelled = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(s->mu);
}

void once_cancel_all(void)
{
    pthread_mutex_lock(&sets_mu);
    for (struct once_set *s = sets; s; s = s->next)
        once_cancel(s);
    pthread_mutex_unlock(&sets_mu);
}
