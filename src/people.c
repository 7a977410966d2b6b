/*
 * DESIGN
 *
 * Addresses are resolved in batches of up to API_EMAILS_PER_QUERY with one
 * members query each (GET /workspaces/{ws}/members?q=user.email IN (...)).
 * The main thread reads ahead of the workers (the ring holds RING_SIZE
 * rows) and notes every address it meets as PENDING before it submits the
 * row. A worker that needs a PENDING address takes it, and up to a full
 * batch of other PENDING addresses of the same workspace, marks them
 * INFLIGHT and sends one query. It waits for a fuller batch only while the
 * main thread is still reading (not waiting) and for at most BATCH_WAIT, so
 * a pause in a piped input sends a smaller batch instead of holding rows.
 * Each address is loaded once (once.c): PENDING is an address not loaded
 * (EMPTY, or CANCELLED and noted again), INFLIGHT is LOADING, and threads
 * that need an INFLIGHT address wait for the query to end. A query that
 * the run's cancellation stopped answers nothing: its addresses are
 * PENDING again and their waiters are told cancelled.
 *
 * Every address is kept with its answer (an account, no member, or a failed
 * query) in a table of at most PEOPLE_CACHE_MAX addresses; beyond that the
 * oldest answered ones that no thread waits on are dropped and would be
 * asked again. Addresses are compared case-insensitively, per workspace.
 *
 * Locking: one mutex guards the table and the pending list; it is never
 * held during a query.
 */
#include "people.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "once.h"

#define BATCH_WAIT 0.05         /* seconds a worker waits for a fuller batch */

struct addr {
    char *key;                  /* lowercase "ws\x1femail" (owned) */
    size_t wslen;               /* the workspace is key[0..wslen) */
    uint32_t hash;
    struct once once;           /* EMPTY or CANCELLED: pending; LOADING: in
                                 * flight; READY: found (account) or no
                                 * member; FAILED: status, msg */
    char *account;              /* READY and found (owned) */
    char *uuid;                 /* found: the account's {uuid}, or NULL (owned) */
    long status;                /* FAILED */
    char *msg;                  /* FAILED (owned) */
    struct addr *hnext;
    struct addr *next_pending;  /* pending: the pending list */
    struct addr *next_done, *prev_done; /* answered: oldest first */
};

struct people {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a query ended, an address was noted, or the reader waits */
    struct once_set loads;      /* the addresses' queries, under mu */
    const struct api_ops *api;
    char *base;
    struct addr **table;
    unsigned mask, count;
    struct addr *pending;       /* newest first */
    struct addr *done_oldest, *done_newest;
    unsigned done_count;
    int reader_waiting;
    unsigned long lookups, addresses;
};

struct people *people_new(const struct api_ops *api, const char *base)
{
    struct people *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    cond_init_mono(&p->cv);
    once_set_init(&p->loads, &p->mu);
    p->api = api;
    p->base = xstrdup(base);
    p->mask = 4095;
    p->table = xcalloc(p->mask + 1, sizeof(struct addr *));
    return p;
}

static void addr_free(struct addr *a)
{
    free(a->key);
    free(a->account);
    free(a->uuid);
    free(a->msg);
    free(a);
}

void people_free(struct people *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i <= p->mask; i++) {
        for (struct addr *a = p->table[i], *n; a; a = n) {
            n = a->hnext;
            addr_free(a);
        }
    }
    once_set_destroy(&p->loads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->table);
    free(p->base);
    free(p);
}

static void make_key(struct buf *k, const char *ws, size_t wslen, const char *email, size_t len)
{
    k->len = 0;
    for (size_t i = 0; i < wslen; i++)
        buf_addc(k, (char)tolower((unsigned char)ws[i]));
    buf_addc(k, '\x1f');
    for (size_t i = 0; i < len; i++)
        buf_addc(k, (char)tolower((unsigned char)email[i]));
}

static struct addr **slot_of(struct people *p, const struct buf *k, uint32_t h)
{
    struct addr **s = &p->table[h & p->mask];
    while (*s && (strlen((*s)->key) != k->len || memcmp((*s)->key, k->data, k->len) != 0))
        s = &(*s)->hnext;
    return s;
}

static void grow(struct people *p)
{
    unsigned size = (p->mask + 1) * 2;
    struct addr **t = xcalloc(size, sizeof(struct addr *));
    for (unsigned i = 0; i <= p->mask; i++) {
        for (struct addr *a = p->table[i], *n; a; a = n) {
            n = a->hnext;
            a->hnext = t[a->hash & (size - 1)];
            t[a->hash & (size - 1)] = a;
        }
    }
    free(p->table);
    p->table = t;
    p->mask = size - 1;
}

/* mu held. Find the address, or add it pending. */
static struct addr *find_or_add(struct people *p, const struct buf *k, size_t wslen)
{
    uint32_t h = hash32(k->data, k->len);
    struct addr **s = slot_of(p, k, h);
    struct addr *a = *s;
    if (a)
        return a;
    a = xcalloc(1, sizeof *a);
    a->key = xmalloc(k->len + 1);
    memcpy(a->key, k->data, k->len);
    a->key[k->len] = '\0';
    a->wslen = wslen;
    a->hash = h;
    *s = a;
    a->next_pending = p->pending;
    p->pending = a;
    if (++p->count > (p->mask + 1) / 2)
        grow(p);
    return a;
}

/* mu held. An answered address joins the answered list; the oldest answered
 * ones that no thread waits on are dropped beyond the bound. */
static void answered(struct people *p, struct addr *a)
{
    a->prev_done = p->done_newest;
    a->next_done = NULL;
    if (p->done_newest)
        p->done_newest->next_done = a;
    else
        p->done_oldest = a;
    p->done_newest = a;
    p->done_count++;
    for (struct addr *old = p->done_oldest, *next; old && p->done_count > PEOPLE_CACHE_MAX;
         old = next) {
        next = old->next_done;
        if (once_busy(&old->once))
            continue;           /* a waiter still looks at it */
        if (old->prev_done)
            old->prev_done->next_done = old->next_done;
        else
            p->done_oldest = old->next_done;
        if (old->next_done)
            old->next_done->prev_done = old->prev_done;
        else
            p->done_newest = old->prev_done;
        p->done_count--;
        struct buf k = {.data = old->key, .len = strlen(old->key)};
        struct addr **s = slot_of(p, &k, old->hash);
        *s = old->hnext;
        p->count--;
        addr_free(old);
    }
}

void people_note(struct people *p, const char *ws, size_t wslen, const char *email, size_t len)
{
    struct buf k = {0};
    make_key(&k, ws, wslen, email, len);
    pthread_mutex_lock(&p->mu);
    find_or_add(p, &k, wslen);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    buf_free(&k);
}

void people_reader_waiting(struct people *p, int waiting)
{
    pthread_mutex_lock(&p->mu);
    if (p->reader_waiting != waiting) {
        p->reader_waiting = waiting;
        if (waiting)
            pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

static int same_ws(const struct addr *a, const struct addr *b)
{
    return a->wslen == b->wslen && !memcmp(a->key, b->key, a->wslen);
}

/* mu held. How many addresses of a's workspace are pending. */
static unsigned pending_of(struct people *p, const struct addr *a)
{
    unsigned n = 0;
    for (struct addr *q = p->pending; q && n < API_EMAILS_PER_QUERY; q = q->next_pending)
        if (same_ws(q, a))
            n++;
    return n;
}

/* mu held; the caller loads a (once_begin said so). Take up to a batch of
 * pending addresses of its workspace with it, the oldest noted first. */
static unsigned take_batch(struct people *p, struct addr *a, struct addr **batch)
{
    unsigned n = 0;
    batch[n++] = a;
    struct addr **link = &p->pending;
    struct addr *keep = NULL, **keep_tail = &keep;
    /* the pending list is newest first: collect every candidate, then take
     * from the oldest end */
    size_t nc = 0, cap = 0;
    for (struct addr *q = p->pending; q; q = q->next_pending)
        cap++;
    struct addr **cand = xmalloc((cap ? cap : 1) * sizeof(struct addr *));
    for (struct addr *q = p->pending; q; q = q->next_pending)
        if (q != a && same_ws(q, a))
            cand[nc++] = q;
    /* a pending address is not loading: once_begin makes it ours at once */
    for (size_t i = nc; i-- > 0 && n < API_EMAILS_PER_QUERY;)
        if (once_begin(&p->loads, &cand[i]->once) == ONCE_LOADING)
            batch[n++] = cand[i];
    free(cand);
    /* unlink every address that is no longer pending */
    while (*link) {
        struct addr *q = *link;
        *link = q->next_pending;
        q->next_pending = NULL;
        if (q->once.state != ONCE_LOADING) {
            *keep_tail = q;
            keep_tail = &q->next_pending;
        }
    }
    p->pending = keep;
    return n;
}

struct query {
    struct addr **batch;
    unsigned n;
    char bad[300];              /* an account id that cannot be a path segment */
};

static int on_member(void *ctx, const cJSON *item)
{
    struct query *q = ctx;
    struct api_member m;
    if (api_member_item(item, &m) != 0)
        return 0;
    for (unsigned i = 0; i < q->n; i++) {
        struct addr *a = q->batch[i];
        const char *email = a->key + a->wslen + 1;
        if (!a->account && !strcasecmp(email, m.email)) {
            /* the id goes into the write's URL path: refuse what would
             * change that path (.., a '/', a control character) */
            const char *why = api_name_problem(m.account_id, strlen(m.account_id));
            if (why) {
                char shown[200];
                str_printable(shown, sizeof shown, m.account_id);
                snprintf(q->bad, sizeof q->bad, "the server named the account of %s '%s', which %s",
                         email, shown, why);
                return 1;
            }
            a->account = xstrdup(m.account_id);
            a->uuid = m.uuid && strcmp(m.uuid, m.account_id) != 0 ? xstrdup(m.uuid) : NULL;
        }
    }
    return 0;
}

/* Send the query of a batch (mu not held) and record the answers. Returns
 * -1 when it was cancelled (the addresses are pending again). */
static int query_batch(struct people *p, struct addr **batch, unsigned n,
                        const struct pager_fetch *f)
{
    const char *emails[API_EMAILS_PER_QUERY];
    char ws[1100];
    size_t wslen = batch[0]->wslen < sizeof ws - 1 ? batch[0]->wslen : sizeof ws - 1;
    memcpy(ws, batch[0]->key, wslen);
    ws[wslen] = '\0';
    for (unsigned i = 0; i < n; i++)
        emails[i] = batch[i]->key + batch[i]->wslen + 1;
    struct buf url = {0};
    buf_adds(&url, p->base);
    api_members_by_email(&url, ws, emails, n);
    struct query q = {.batch = batch, .n = n, .bad = ""};
    struct pager_error err;
    /* accounts are written by this thread only, while the batch is loading */
    int rc = pager_walk(p->api, url.data, f, on_member, &q, NULL, &err);
    buf_free(&url);
    if (q.bad[0]) {
        rc = -1;
        err.status = 0;
        err.cancelled = 0;
        msg_printf(err.msg, sizeof err.msg, "%s", q.bad);
    }

    pthread_mutex_lock(&p->mu);
    p->lookups++;
    for (unsigned i = 0; i < n; i++) {
        struct addr *a = batch[i];
        if (rc < 0 && err.cancelled) {
            free(a->account);
            free(a->uuid);
            a->account = NULL;
            a->uuid = NULL;
            once_end(&p->loads, &a->once, ONCE_CANCELLED); /* not answered */
            a->next_pending = p->pending;
            p->pending = a;
            continue;
        }
        if (rc < 0) {
            a->status = err.status;
            a->msg = xstrdup(err.msg);
            free(a->account);
            free(a->uuid);
            a->account = NULL;
            a->uuid = NULL;
        }
        once_end(&p->loads, &a->once, rc < 0 ? ONCE_FAILED : ONCE_READY);
        p->addresses++;
        answered(p, a);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return rc < 0 && err.cancelled ? -1 : 0;
}

/* Copy s into out when it fits. */
static int fits(char *out, size_t outsz, const char *s)
{
    size_t n = strlen(s);
    if (n >= outsz)
        return 0;
    memcpy(out, s, n + 1);
    return 1;
}

int people_resolve(struct people *p, const char *ws, size_t wslen, const char *email,
                   size_t len, const struct pager_fetch *f, char *out, size_t outsz,
                   char *uuid, size_t uuidsz, struct pager_error *err)
{
    struct buf k = {0};
    make_key(&k, ws, wslen, email, len);
    memset(err, 0, sizeof *err);
    pthread_mutex_lock(&p->mu);
    double waited_since = now_mono();
    int rc;
    for (;;) {
        struct addr *a = find_or_add(p, &k, wslen);
        enum once_state st = a->once.state;
        if (st == ONCE_READY && a->account) {
            rc = 0;
            if (!fits(out, outsz, a->account) || (uuid && !fits(uuid, uuidsz, a->uuid ? a->uuid : "")))
                rc = -1;
            if (rc < 0)
                msg_printf(err->msg, sizeof err->msg, "the account id of %.*s is too long",
                         (int)len, email);
            break;
        }
        if (st == ONCE_READY) {
            rc = 1;
            break;
        }
        if (st == ONCE_FAILED) {
            err->status = a->status;
            msg_printf(err->msg, sizeof err->msg, "%s", a->msg ? a->msg : "");
            rc = -1;
            break;
        }
        if (st != ONCE_LOADING) {
            /* pending: wait a little for a fuller batch */
            double now = now_mono();
            if (!p->reader_waiting && pending_of(p, a) < API_EMAILS_PER_QUERY &&
                now - waited_since < BATCH_WAIT) {
                struct timespec ts;
                mono_timespec(&ts, waited_since + BATCH_WAIT);
                pthread_cond_timedwait(&p->cv, &p->mu, &ts);
                continue;
            }
        }
        /* load it with a batch, or wait for the query that has it */
        st = once_begin(&p->loads, &a->once);
        int cancelled = st == ONCE_CANCELLED;
        if (st == ONCE_LOADING) {
            struct addr *batch[API_EMAILS_PER_QUERY];
            unsigned n = take_batch(p, a, batch);
            pthread_mutex_unlock(&p->mu);
            cancelled = query_batch(p, batch, n, f) < 0;
            pthread_mutex_lock(&p->mu);
        }
        if (cancelled) {
            err->cancelled = 1;
            msg_printf(err->msg, sizeof err->msg, "not sent: the run was interrupted");
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    buf_free(&k);
    return rc;
}

void people_stats(struct people *p, unsigned long *lookups, unsigned long *addresses)
{
    pthread_mutex_lock(&p->mu);
    *lookups = p->lookups;
    *addresses = p->addresses;
    pthread_mutex_unlock(&p->mu);
}
