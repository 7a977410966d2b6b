/*
 * DESIGN
 *
 * A fixed set of worker threads takes jobs from one FIFO queue guarded by
 * one mutex and one condition variable (work_cv). The main thread submits
 * jobs and is the only reader of results; a second condition variable
 * (done_cv) wakes it when a job is done.
 *
 * Jobs of one key (rows that change the same permission) must never be in
 * flight together and must run in submission order. A table maps each key
 * (the owner's bytes, hashed here) to the last submitted job for it that is
 * not done yet. A new job whose key is in
 * the table is not queued: it is chained behind that job (same_next) and
 * takes its place in the table. When a job is done, its successor, if any,
 * goes to the back of the queue; otherwise the job leaves the table. So at
 * most one job per key is queued or running, and chains run in order.
 *
 * Bounds: the main thread never has more than `keys` jobs outstanding (its
 * ring), so the queue, the chains and the table are bounded by it, and the
 * reader blocks when the ring is full.
 *
 * Locking: the mutex guards the queue, the table and the chain links. It is
 * never held while a job runs: a worker pops a job, unlocks, runs it
 * (network I/O), then locks again to publish it. A job's result is written
 * by the worker before it stores done (release); the owner reads the result
 * only after it loaded done (acquire), so the result needs no lock.
 *
 * Start-up waits until every worker has run worker_init; shutdown sets
 * `stopping`, wakes everyone, and joins every thread once the queue is empty.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct worker {
    struct pool *pool;
    pthread_t tid;
    int index;
    int started;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;     /* queue not empty, or stopping */
    pthread_cond_t done_cv;     /* a job is done, or a worker started */
    struct pool_node *head, *tail;  /* the queue */
    struct pool_node **table;   /* key -> last outstanding job, chained */
    unsigned table_mask;
    const struct pool_node *waiting;    /* the job the main thread waits for, or NULL */
    int stopping;
    int cancelled;
    int nthreads, nstarted, nfailed;
    struct worker *workers;
    struct pool_ops ops;
};

static void enqueue(struct pool *p, struct pool_node *j)
{
    j->qnext = NULL;
    if (p->tail)
        p->tail->qnext = j;
    else
        p->head = j;
    p->tail = j;
}

static struct pool_node **table_slot(struct pool *p, const struct pool_node *j)
{
    struct pool_node **s = &p->table[j->hash & p->table_mask];
    while (*s && ((*s)->keylen != j->keylen || memcmp((*s)->key, j->key, j->keylen) != 0))
        s = &(*s)->hnext;
    return s;
}

void pool_submit(struct pool *p, struct pool_node *j, const char *key, size_t len)
{
    j->key = key;
    j->keylen = len;
    j->hash = hash32(key, len);
    atomic_store_explicit(&j->done, 0, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    j->same_next = NULL;
    j->hnext = NULL;
    struct pool_node **s = table_slot(p, j);
    if (*s) {
        /* held back behind the outstanding job of the same key */
        struct pool_node *prev = *s;
        prev->same_next = j;
        j->hnext = prev->hnext;
        *s = j;
    } else {
        *s = j;
        enqueue(p, j);
        pthread_cond_signal(&p->work_cv);
    }
    pthread_mutex_unlock(&p->mu);
}

/* mu held. The job is done: release its successor or leave the table. */
static void publish(struct pool *p, struct pool_node *j)
{
    int waited = j == p->waiting;
    if (j->same_next) {
        enqueue(p, j->same_next);
        pthread_cond_signal(&p->work_cv);
    } else {
        struct pool_node **s = table_slot(p, j);
        if (*s == j)
            *s = j->hnext;
    }
    /* the last touch of the node: once done, the owner may reuse it */
    atomic_store_explicit(&j->done, 1, memory_order_release);
    if (waited)
        pthread_cond_signal(&p->done_cv);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    void *ctx = p->ops.worker_init ? p->ops.worker_init(p->ops.arg, w->index) : NULL;

    pthread_mutex_lock(&p->mu);
    p->nstarted++;
    if (p->ops.worker_init && !ctx)
        p->nfailed++;
    pthread_cond_broadcast(&p->done_cv);
    /* Lock rule: mu is held only to take a job and to publish it. */
    while (ctx || !p->ops.worker_init) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work_cv, &p->mu);
        struct pool_node *j = p->head;
        if (!j)
            break;
        p->head = j->qnext;
        if (!p->head)
            p->tail = NULL;
        int cancelled = p->cancelled;
        pthread_mutex_unlock(&p->mu);

        if (cancelled)
            p->ops.cancelled(p->ops.arg, j);
        else
            p->ops.run(ctx, j);

        pthread_mutex_lock(&p->mu);
        publish(p, j);
    }
    pthread_mutex_unlock(&p->mu);
    if (ctx && p->ops.worker_fini)
        p->ops.worker_fini(ctx);
    return NULL;
}

struct pool *pool_new(int nthreads, unsigned keys, const struct pool_ops *ops)
{
    struct pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    cond_init_mono(&p->done_cv);
    p->ops = *ops;
    unsigned size = 16;
    while (size < keys * 2)
        size *= 2;
    p->table = xcalloc(size, sizeof(struct pool_node *));
    p->table_mask = size - 1;
    p->workers = xcalloc((size_t)nthreads, sizeof *p->workers);
    int created = 0;
    for (int i = 0; i < nthreads; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]) != 0)
            break;
        p->workers[i].started = 1;
        created++;
    }
    p->nthreads = created;
    pthread_mutex_lock(&p->mu);
    while (p->nstarted < created)
        pthread_cond_wait(&p->done_cv, &p->mu);
    int failed = p->nfailed || created < nthreads;
    pthread_mutex_unlock(&p->mu);
    if (failed) {
        pool_free(p);
        return NULL;
    }
    return p;
}

int pool_node_done(const struct pool_node *n)
{
    return atomic_load_explicit(&n->done, memory_order_acquire);
}

void pool_wait(struct pool *p, const struct pool_node *j, double timeout)
{
    struct timespec ts;
    mono_timespec(&ts, now_mono() + timeout);
    pthread_mutex_lock(&p->mu);
    p->waiting = j;
    while (!pool_node_done(j)) {
        if (pthread_cond_timedwait(&p->done_cv, &p->mu, &ts) != 0)
            break;
    }
    p->waiting = NULL;
    pthread_mutex_unlock(&p->mu);
}

void pool_cancel(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->cancelled = 1;
    pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        if (p->workers[i].started)
            pthread_join(p->workers[i].tid, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    free(p->table);
    free(p->workers);
    free(p);
}
