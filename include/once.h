#ifndef BBPERM_ONCE_H
#define BBPERM_ONCE_H

#include <pthread.h>

/* Load once, others wait: the first thread that needs an entry (a list, a
 * project, a group, an address) loads it; the others wait for that load
 * and take its outcome. A cancelled load is not a failed one. See the
 * DESIGN comment in once.c. */

enum once_state {
    ONCE_EMPTY = 0,             /* not loaded: the next caller loads it */
    ONCE_LOADING,               /* one caller loads it; the others wait */
    ONCE_READY,                 /* loaded: the owner's data is published */
    ONCE_FAILED,                /* the load failed; kept: nobody loads it again */
    ONCE_CANCELLED,             /* the run stopped the load; the next caller
                                 * loads it again (unless the run is cancelled) */
};

/* One entry, inside the owner's own struct; all zero is EMPTY. Guarded by
 * the mutex of its set. */
struct once {
    enum once_state state;
    unsigned waiters;           /* threads waiting in once_begin on it */
};

/* The entries that one mutex of the owner guards, and the condition
 * variable their waiters share. */
struct once_set {
    pthread_mutex_t *mu;        /* the owner's; not owned */
    pthread_cond_t cv;
    int cancelled;              /* guarded by *mu: once_cancel came */
    struct once_set *prev, *next; /* every live set (once.c's lock) */
};

/* mu: the owner's mutex, which guards every entry of the set. Not called
 * with mu held (the set joins the list that once_cancel_all walks). */
void once_set_init(struct once_set *s, pthread_mutex_t *mu);
/* No thread in once_begin any more; mu not held. */
void once_set_destroy(struct once_set *s);

/* mu held. Returns ONCE_LOADING when the caller must load the entry: it
 * is the caller's until once_end, and the caller lets go of mu before any
 * request and takes it again to store what it read and call once_end.
 * Otherwise returns the outcome: ONCE_READY or ONCE_FAILED (published; the
 * owner's data may be read), or ONCE_CANCELLED (that load, or the run, was
 * cancelled; the entry may still be loading: read nothing of it). Waits,
 * with mu released, while another caller loads, until its once_end or
 * until the run is cancelled. The entry stays allocated while the caller
 * waits only if the owner keeps it (see once_busy). */
enum once_state once_begin(struct once_set *s, struct once *o);

/* mu held, by the loader: publish the outcome (ONCE_READY, ONCE_FAILED or
 * ONCE_CANCELLED) and wake every waiter. */
void once_end(struct once_set *s, struct once *o, enum once_state result);

/* mu held. 1 while the entry is loading or a thread waits on it: an owner
 * that frees entries must keep it. */
int once_busy(const struct once *o);

/* The run is cancelled: every waiter of the set returns ONCE_CANCELLED now,
 * and no new load starts (once_begin answers ONCE_CANCELLED for an entry
 * that is not loaded). Loads in progress end on their own and publish as
 * usual. Any thread, mu not held. */
void once_cancel(struct once_set *s);
/* once_cancel on every set that exists now (cancel.c, session_cancel). */
void once_cancel_all(void);

#endif
