/*
 * DESIGN
 *
 * The live state is a cache of targets (a repository or a project), each
 * with two lists: its explicit group permissions and its explicit user
 * permissions. A list is read the first time a row needs it, by walking
 * the target's paginated list (pager.c), only for the subject kind the row
 * names: a target named only by group rows lists groups only. After a
 * write, and in a plan for every planned row, the cached list is updated
 * to what the row leaves, so the next row for the same permission (the
 * pool runs those one at a time, in file order) compares with the state
 * the rows before it leave.
 *
 * Bound: at most max_targets targets are kept; when a new one comes, the
 * least recently used one that no thread is using is dropped. A dropped
 * target that is needed again is listed again: correct, only costlier.
 * A list that failed is kept as failed, so the other rows of that target
 * fail with its status without spending requests on it again.
 *
 * A plan writes nothing, so a dropped target listed again would show the
 * state before the plan's own rows. In a plan (live_simulate), each target
 * keeps a note of the changes its planned rows made; when it is dropped,
 * the notes move to an overlay (a keyed hmap: a 24-byte slot and the
 * permission's key, its length + 4 bytes, per planned change of a dropped
 * target: it grows only when an ungrouped plan spans more targets than
 * the cache), which answers before a fresh list does. Notes and overlay
 * hold the keys themselves, so no permission answers for another whose key
 * has the same hash.
 *
 * Locking: one mutex guards the table, the recency list and every entry.
 * It is never held while a list is fetched: each list is loaded once
 * (once.c): the thread that fetches it lets go of the lock, the others
 * that need it meanwhile wait for its outcome. A list whose fetch was
 * cancelled is not a failed one: its waiters are told cancelled, and a
 * later row lists it again. An entry in use (users > 0) is never dropped,
 * so the fetching thread and the waiters find their entry again.
 */
#include "live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "once.h"

struct item {
    char *id;                   /* slug, account id or username (owned) */
    char *alt;                  /* a Cloud user's {uuid}, or NULL (owned) */
    char *display;              /* a user's display name as listed, or NULL (owned) */
    enum privilege priv;
    int half;                   /* a Cloud user a row added under one of
                                 * its names: the other is not known yet */
};

struct list {
    struct once once;           /* READY: items; FAILED: fail_* */
    struct item *items;         /* owned */
    unsigned n, cap;
    long fail_status;
    char *fail_msg;             /* owned, when FAILED */
};

/* A planned change: the permission's key and the value it leaves. */
struct note {
    char *key;                  /* api_key_subject (owned) */
    size_t keylen;
    enum privilege priv;
};

struct entry {
    char *key;                  /* api_target_key (owned) */
    size_t keylen;
    uint32_t hash;
    struct entry *hnext;        /* table chain */
    struct entry *newer, *older;/* recency list */
    unsigned users;             /* threads using it: never dropped meanwhile */
    struct list lists[2];       /* by enum subject_kind */
    struct note *notes;         /* planned changes, in order (owned) */
    unsigned nnotes, capnotes;
};

struct live {
    pthread_mutex_t mu;
    struct once_set loads;      /* the lists' loads, under mu */
    const struct api_ops *api;
    char *base;
    struct entry **table;
    unsigned mask;
    unsigned count, max;
    struct entry *newest, *oldest;
    struct live_stats stats;
    int simulate;               /* a plan: remember planned changes */
    struct hmap overlay;        /* planned changes of dropped targets:
                                 * api_key_subject -> enum privilege */
};

struct live *live_new(const struct api_ops *api, const char *base, unsigned max_targets)
{
    struct live *l = xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    once_set_init(&l->loads, &l->mu);
    l->api = api;
    l->base = xstrdup(base);
    l->max = max_targets ? max_targets : 1;
    unsigned size = 16;
    while (size < l->max * 2)
        size *= 2;
    l->table = xcalloc(size, sizeof(struct entry *));
    l->mask = size - 1;
    hmap_init_keys(&l->overlay, sizeof(enum privilege));
    return l;
}

static void list_clear(struct list *ls)
{
    for (unsigned i = 0; i < ls->n; i++) {
        free(ls->items[i].id);
        free(ls->items[i].alt);
        free(ls->items[i].display);
    }
    free(ls->items);
    free(ls->fail_msg);
    memset(ls, 0, sizeof *ls);
}

static void entry_free(struct entry *e)
{
    for (unsigned i = 0; i < e->nnotes; i++)
        free(e->notes[i].key);
    free(e->notes);
    list_clear(&e->lists[0]);
    list_clear(&e->lists[1]);
    free(e->key);
    free(e);
}

void live_free(struct live *l)
{
    if (!l)
        return;
    for (struct entry *e = l->newest, *next; e; e = next) {
        next = e->older;
        entry_free(e);
    }
    once_set_destroy(&l->loads);
    pthread_mutex_destroy(&l->mu);
    hmap_free(&l->overlay);
    free(l->table);
    free(l->base);
    free(l);
}

void live_simulate(struct live *l)
{
    l->simulate = 1;
}

/* mu held. What the plan left a permission of a dropped target. */
static void overlay_put(struct live *l, const char *key, size_t len, enum privilege p)
{
    *(enum privilege *)hmap_kput(&l->overlay, key, len, NULL) = p;
}

static enum privilege *overlay_get(struct live *l, const struct buf *key)
{
    return hmap_kget(&l->overlay, key->data, key->len);
}

/* mu held. */
static void unlink_recency(struct live *l, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        l->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        l->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct live *l, struct entry *e)
{
    e->older = l->newest;
    e->newer = NULL;
    if (l->newest)
        l->newest->newer = e;
    l->newest = e;
    if (!l->oldest)
        l->oldest = e;
}

static struct entry **slot_of(struct live *l, const char *key, size_t len, uint32_t h)
{
    struct entry **s = &l->table[h & l->mask];
    while (*s && ((*s)->keylen != len || memcmp((*s)->key, key, len) != 0))
        s = &(*s)->hnext;
    return s;
}

/* mu held. Drop the oldest targets nobody uses while over the bound. */
static void evict(struct live *l)
{
    struct entry *e = l->oldest;
    while (l->count > l->max && e) {
        struct entry *newer = e->newer;
        if (!e->users) {
            for (unsigned i = 0; i < e->nnotes; i++)
                overlay_put(l, e->notes[i].key, e->notes[i].keylen, e->notes[i].priv);
            struct entry **s = slot_of(l, e->key, e->keylen, e->hash);
            *s = e->hnext;
            unlink_recency(l, e);
            entry_free(e);
            l->count--;
            l->stats.evictions++;
        }
        e = newer;
    }
}

/* mu held. Find or add the entry of a key, mark it used and newest. */
static struct entry *acquire(struct live *l, const struct buf *key)
{
    uint32_t h = hash32(key->data, key->len);
    struct entry **s = slot_of(l, key->data, key->len, h);
    struct entry *e = *s;
    if (e) {
        unlink_recency(l, e);
    } else {
        e = xcalloc(1, sizeof *e);
        e->key = xmalloc(key->len + 1);
        memcpy(e->key, key->data, key->len + 1);
        e->keylen = key->len;
        e->hash = h;
        *s = e;
        l->count++;
    }
    push_newest(l, e);
    e->users++;
    return e;
}

static void release(struct live *l, struct entry *e)
{
    e->users--;
    evict(l);
}

int live_subject_is(const char *id, const char *alt, const char *subject, size_t len)
{
    if (id && strlen(id) == len && !strncasecmp(id, subject, len))
        return 1;
    return alt && strlen(alt) == len && !strncasecmp(alt, subject, len);
}

static struct item *find_item(struct list *ls, const char *subject, size_t len)
{
    for (unsigned i = 0; i < ls->n; i++)
        if (live_subject_is(ls->items[i].id, ls->items[i].alt, subject, len))
            return &ls->items[i];
    return NULL;
}

static void add_item(struct list *ls, const char *id, size_t idlen, const char *alt,
                     const char *display, enum privilege p)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 8;
        ls->items = xrealloc(ls->items, ls->cap * sizeof *ls->items);
    }
    struct item *it = &ls->items[ls->n++];
    it->id = xmalloc(idlen + 1);
    memcpy(it->id, id, idlen);
    it->id[idlen] = '\0';
    it->alt = alt ? xstrdup(alt) : NULL;
    it->display = display && display[0] && strcmp(display, it->id) != 0 ? xstrdup(display) : NULL;
    it->priv = p;
    it->half = 0;
}

struct walk {
    const struct api_ops *api;
    enum subject_kind kind;
    struct list got;            /* filled without the lock, moved in after */
};

static int on_item(void *ctx, const cJSON *item)
{
    struct walk *w = ctx;
    struct api_perm p;
    if (w->api->perm_item(item, w->kind, &p) == 0 && p.priv != PRIV_NONE)
        add_item(&w->got, p.id, strlen(p.id), p.alt_id,
                 w->kind == SUBJECT_USER ? p.display : NULL, p.priv);
    return 0;
}

/* mu held on entry and on return; released while fetching. The caller is
 * the list's loader (once_begin said so); the list is published here. */
static void load(struct live *l, struct entry *e, const struct request *req,
                 const struct pager_fetch *f)
{
    enum subject_kind kind = req->subject;
    struct list *ls = &e->lists[kind];
    l->stats.lists++;
    pthread_mutex_unlock(&l->mu);

    struct buf url = {0};
    buf_adds(&url, l->base);
    l->api->perm_list(&url, req, kind);
    struct walk w = {.api = l->api, .kind = kind};
    struct pager_error err;
    unsigned pages = 0;
    int rc = pager_walk(l->api, url.data, f, on_item, &w, &pages, &err);
    buf_free(&url);

    pthread_mutex_lock(&l->mu);
    l->stats.pages += pages;
    enum once_state end;
    if (rc < 0 && err.cancelled) {
        list_clear(&w.got);
        end = ONCE_CANCELLED;       /* an interrupted list is not a failed one */
    } else if (rc < 0) {
        list_clear(&w.got);
        ls->fail_status = err.status;
        ls->fail_msg = xstrdup(err.msg);
        end = ONCE_FAILED;
    } else {
        ls->items = w.got.items;
        ls->n = w.got.n;
        ls->cap = w.got.cap;
        end = ONCE_READY;
    }
    once_end(&l->loads, &ls->once, end);
}

/* mu held. The list of the target's subject kind, loaded (through f) when
 * it is not; -1 with err when it cannot be. */
static int ensure_list(struct live *l, struct entry *e, const struct request *req,
                       const struct pager_fetch *f, struct pager_error *err)
{
    struct list *ls = &e->lists[req->subject];
    enum once_state st = once_begin(&l->loads, &ls->once);
    if (st == ONCE_LOADING) {
        load(l, e, req, f);
        st = ls->once.state;
    }
    if (st == ONCE_CANCELLED) {
        memset(err, 0, sizeof *err);
        err->cancelled = 1;
        msg_printf(err->msg, sizeof err->msg, "not sent: the run was interrupted");
        return -1;
    }
    if (st == ONCE_FAILED) {
        memset(err, 0, sizeof *err);
        err->status = ls->fail_status;
        msg_printf(err->msg, sizeof err->msg, "%s", ls->fail_msg ? ls->fail_msg : "");
        return -1;
    }
    return 0;
}

int live_each(struct live *l, const struct request *target, enum subject_kind kind,
              const struct pager_fetch *f,
              void (*fn)(void *ctx, const char *id, const char *alt, const char *display,
                         enum privilege p),
              void *ctx, struct pager_error *err)
{
    struct request req = *target;
    req.subject = kind;
    struct buf key = {0};
    api_target_key(&key, &req);
    pthread_mutex_lock(&l->mu);
    struct entry *e = acquire(l, &key);
    int rc = ensure_list(l, e, &req, f, err);
    struct list *ls = &e->lists[kind];
    for (unsigned i = 0; rc == 0 && i < ls->n; i++)
        if (ls->items[i].priv != PRIV_NONE)
            fn(ctx, ls->items[i].id, ls->items[i].alt, ls->items[i].display, ls->items[i].priv);
    release(l, e);
    pthread_mutex_unlock(&l->mu);
    buf_free(&key);
    return rc;
}

int live_get(struct live *l, const struct request *req, const char *subject, size_t len,
             const struct pager_fetch *f, enum privilege *now, struct pager_error *err)
{
    struct buf key = {0};
    api_target_key(&key, req);
    pthread_mutex_lock(&l->mu);
    struct entry *e = acquire(l, &key);
    struct list *ls = &e->lists[req->subject];
    int rc = ensure_list(l, e, req, f, err);
    if (rc == 0 && ls->once.state == ONCE_READY) {
        struct item *it = find_item(ls, subject, len);
        *now = it ? it->priv : PRIV_NONE;
        if (l->simulate) {
            struct buf pk = {0};
            api_key_subject(&pk, req, subject, len);
            enum privilege *n = overlay_get(l, &pk);
            if (n)
                *now = *n;     /* planned before the target was dropped */
            buf_free(&pk);
        }
    }
    release(l, e);
    pthread_mutex_unlock(&l->mu);
    buf_free(&key);
    return rc;
}

void live_set(struct live *l, const struct request *req, const char *subject, size_t len,
              enum privilege p)
{
    struct buf key = {0};
    api_target_key(&key, req);
    pthread_mutex_lock(&l->mu);
    struct entry *e = *slot_of(l, key.data, key.len, hash32(key.data, key.len));
    struct list *ls = e ? &e->lists[req->subject] : NULL;
    if (l->simulate) {
        struct buf pk = {0};
        api_key_subject(&pk, req, subject, len);
        if (e) {
            if (e->nnotes == e->capnotes) {
                e->capnotes = e->capnotes ? e->capnotes * 2 : 4;
                e->notes = xrealloc(e->notes, e->capnotes * sizeof *e->notes);
            }
            struct note *nt = &e->notes[e->nnotes++];
            nt->key = xmalloc(pk.len + 1);
            memcpy(nt->key, pk.data, pk.len + 1);
            nt->keylen = pk.len;
            nt->priv = p;
        }
        /* the overlay keeps the latest value of what it holds; a target no
         * longer cached leaves its change there */
        if (!e || overlay_get(l, &pk))
            overlay_put(l, pk.data, pk.len, p);
        buf_free(&pk);
    }
    if (ls && ls->once.state == ONCE_READY) {
        struct item *it = find_item(ls, subject, len);
        if (it && p == PRIV_NONE) {
            free(it->id);
            free(it->alt);
            free(it->display);
            *it = ls->items[--ls->n];
        } else if (it) {
            it->priv = p;
        } else if (p != PRIV_NONE) {
            add_item(ls, subject, len, NULL, NULL, p);
            ls->items[ls->n - 1].half = l->api->user_path && req->subject == SUBJECT_USER;
        }
    }
    pthread_mutex_unlock(&l->mu);
    buf_free(&key);
}

/* mu held. The cached, loaded list of the row's target and subject kind. */
static struct list *loaded_list(struct live *l, const struct request *req)
{
    struct buf key = {0};
    api_target_key(&key, req);
    struct entry *e = *slot_of(l, key.data, key.len, hash32(key.data, key.len));
    buf_free(&key);
    struct list *ls = e ? &e->lists[req->subject] : NULL;
    return ls && ls->once.state == ONCE_READY ? ls : NULL;
}

int live_half_known(struct live *l, const struct request *req)
{
    int half = 0;
    pthread_mutex_lock(&l->mu);
    struct list *ls = loaded_list(l, req);
    for (unsigned i = 0; ls && i < ls->n && !half; i++)
        half = ls->items[i].half;
    pthread_mutex_unlock(&l->mu);
    return half;
}

void live_pair(struct live *l, const struct request *req, const char *account_id,
               const char *uuid)
{
    if (!account_id || !uuid || !strcasecmp(account_id, uuid))
        return;
    pthread_mutex_lock(&l->mu);
    struct list *ls = loaded_list(l, req);
    struct item *a = ls ? find_item(ls, account_id, strlen(account_id)) : NULL;
    struct item *u = ls ? find_item(ls, uuid, strlen(uuid)) : NULL;
    if (a && u && a != u) {
        /* rows added the one user under both names before they were known
         * as one: the item added last holds the later value */
        size_t kk = (size_t)((a > u ? a : u) - ls->items);
        size_t kd = (size_t)((a > u ? u : a) - ls->items);
        free(ls->items[kd].id);
        free(ls->items[kd].alt);
        size_t last = --ls->n;
        if (kd != last) {           /* the last item fills the hole */
            ls->items[kd] = ls->items[last];
            if (kk == last)
                kk = kd;
        }
        a = &ls->items[kk];
    } else if (!a) {
        a = u;
    }
    if (a) {
        free(a->id);
        free(a->alt);
        a->id = xstrdup(account_id);
        a->alt = xstrdup(uuid);
        a->half = 0;
    }
    pthread_mutex_unlock(&l->mu);
}

int live_other_name(struct live *l, const struct request *req, const char *subject,
                    size_t len, char *out, size_t outsz)
{
    int found = 0;
    pthread_mutex_lock(&l->mu);
    struct list *ls = loaded_list(l, req);
    struct item *it = ls ? find_item(ls, subject, len) : NULL;
    if (it && it->alt) {
        const char *other = live_subject_is(it->id, NULL, subject, len) ? it->alt : it->id;
        size_t n = strlen(other);
        if (n < outsz) {
            memcpy(out, other, n + 1);
            found = 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return found;
}

int live_display(struct live *l, const struct request *req, const char *subject, size_t len,
                 char *out, size_t outsz)
{
    int found = 0;
    pthread_mutex_lock(&l->mu);
    struct list *ls = loaded_list(l, req);
    struct item *it = ls ? find_item(ls, subject, len) : NULL;
    if (it && it->display) {
        msg_printf(out, outsz, "%s", it->display);
        found = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return found;
}

void live_stats(struct live *l, struct live_stats *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->stats;
    pthread_mutex_unlock(&l->mu);
}

enum row_change live_change(enum privilege now, enum privilege want)
{
    if (now == want)
        return CH_UNCHANGED;
    if (want == PRIV_NONE)
        return CH_REVOKE;
    if (now == PRIV_NONE)
        return CH_GRANT;
    return CH_CHANGE;
}

void live_describe(enum row_change c, enum privilege now, enum privilege want, char *out,
                   size_t outsz)
{
    switch (c) {
    case CH_GRANT: snprintf(out, outsz, "grant %s", privilege_name(want)); break;
    case CH_CHANGE:
        snprintf(out, outsz, "change %s to %s", privilege_name(now), privilege_name(want));
        break;
    case CH_REVOKE: snprintf(out, outsz, "revoke %s", privilege_name(now)); break;
    case CH_UNCHANGED:
    case CH_NONE: snprintf(out, outsz, "unchanged"); break;
    }
}
