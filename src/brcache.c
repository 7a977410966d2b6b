/*
 * DESIGN
 *
 * The branch restrictions of each target a run touches, read once: the
 * first row of a target that needs them walks the target's list
 * (branch_read: every page, a restriction that cannot be read fails the
 * whole list); the others wait for that read and take its outcome
 * (once.c: "load once, others wait"; a cancelled read is not a failed one,
 * a later row reads it again). A failed read is kept as failed, so the
 * other rows of the target fail with its status without more requests.
 *
 * Rows of one restriction (target, rule, branch) run one at a time, in
 * file order (the pool's order key), so each compares with what the rows
 * before it left: after a write the restriction is recorded as the server
 * answered it (brcache_set), a failed write records nothing (the cache
 * stays as the server is), and a plan records what each planned row would
 * leave. Restrictions of other rules or branches of the same target run
 * concurrently: every access copies under the lock.
 *
 * A saved plan's check (stale.c) asks what each of its rows finds after
 * the plan's earlier rows, before anything is written: brcache_sim_set
 * records what a checked row leaves in a copy of the target's set (made at
 * its first use), which brcache_sim_get reads; the live set stays as the
 * server has it, for the rows that then run.
 *
 * The marks (brcache_first) are the undo file's "first state wins": per
 * target, strings naming a restriction or one subject of it; the undo rows
 * of a restriction are written only the first time.
 *
 * Bound: targets are kept for the whole run (a few restrictions each);
 * a target is found by the hash of its key, and the key is compared.
 *
 * Locking: one mutex guards the table and every entry; it is never held
 * during a request.
 */
#include "brcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_branch.h"
#include "branch.h"
#include "once.h"

struct target {
    char *key;                  /* api_target_key (owned) */
    struct once once;           /* READY: set; FAILED: fail_* */
    struct brestr_set set;      /* the restrictions that exist (owned) */
    struct brestr_set sim;      /* a saved plan's check: what its rows leave (owned) */
    int simulated;              /* sim holds the target's set (brcache_sim_set) */
    long fail_status;
    char *fail_msg;             /* owned, when FAILED */
    char **marks;               /* brcache_first's (owned) */
    size_t nmarks, capmarks;
    struct target *next;        /* same hash */
};

struct brcache {
    const struct api_ops *api;
    char *base;                 /* owned */
    pthread_mutex_t mu;
    struct once_set loads;
    struct hmap tab;            /* hash64(key) -> struct target * (first of the chain) */
    struct brcache_stats stats;
};

struct brcache *brcache_new(const struct api_ops *api, const char *base)
{
    struct brcache *c = xcalloc(1, sizeof *c);
    c->api = api;
    c->base = xstrdup(base);
    pthread_mutex_init(&c->mu, NULL);
    once_set_init(&c->loads, &c->mu);
    hmap_init(&c->tab, sizeof(struct target *));
    return c;
}

void brcache_free(struct brcache *c)
{
    if (!c)
        return;
    size_t pos = 0;
    struct target **slot;
    while ((slot = hmap_next(&c->tab, &pos, NULL))) {
        struct target *t = *slot;
        while (t) {
            struct target *next = t->next;
            free(t->key);
            brestr_set_free(&t->set);
            brestr_set_free(&t->sim);
            free(t->fail_msg);
            for (size_t i = 0; i < t->nmarks; i++)
                free(t->marks[i]);
            free(t->marks);
            free(t);
            t = next;
        }
    }
    hmap_free(&c->tab);
    once_set_destroy(&c->loads);
    pthread_mutex_destroy(&c->mu);
    free(c->base);
    free(c);
}

/* mu held. The entry of a target, made when new. */
static struct target *find(struct brcache *c, const struct request *req, int make)
{
    struct buf key = {0};
    api_target_key(&key, req);
    buf_addc(&key, '\0');
    uint64_t h = hash64(key.data, key.len);
    struct target **slot = hmap_get(&c->tab, h), *t = slot ? *slot : NULL;
    while (t && strcmp(t->key, key.data) != 0)
        t = t->next;
    if (!t && make) {
        t = xcalloc(1, sizeof *t);
        t->key = xstrdup(key.data);
        int added;
        slot = hmap_put(&c->tab, h, &added);
        t->next = added ? NULL : *slot;
        *slot = t;
    }
    buf_free(&key);
    return t;
}

/* mu held on entry and on return; released while reading. */
static void load(struct brcache *c, struct target *t, const struct request *req,
                 const struct pager_fetch *f)
{
    c->stats.lists++;
    pthread_mutex_unlock(&c->mu);
    struct brestr_set got = {0};
    struct pager_error err;
    unsigned pages = 0;
    int rc = branch_read(c->api, c->base, f, req, &got, &pages, &err);
    pthread_mutex_lock(&c->mu);
    c->stats.pages += pages;
    enum once_state end;
    if (rc < 0 && err.cancelled) {
        brestr_set_free(&got);
        end = ONCE_CANCELLED;
    } else if (rc < 0) {
        brestr_set_free(&got);
        t->fail_status = err.status;
        free(t->fail_msg);
        t->fail_msg = xstrdup(err.msg);
        end = ONCE_FAILED;
    } else {
        brestr_set_free(&t->set);
        t->set = got;
        end = ONCE_READY;
    }
    once_end(&c->loads, &t->once, end);
}

/* mu held. The index of the restriction in the set s, or -1. */
static long find_in(const struct brcache *c, const struct brestr_set *s, const char *rule,
                    const struct brule_branch *b)
{
    struct buf want = {0}, have = {0};
    branch_restriction_key(c->api->flavour, rule, b, &want);
    long at = -1;
    for (size_t i = 0; at < 0 && i < s->n; i++) {
        have.len = 0;
        branch_restriction_key(c->api->flavour, s->v[i].rule, &s->v[i].branch, &have);
        if (have.len == want.len && memcmp(have.data, want.data, want.len) == 0)
            at = (long)i;
    }
    buf_free(&want);
    buf_free(&have);
    return at;
}

/* mu held. Record r in the set s: exists, or gone. */
static void set_in(const struct brcache *c, struct brestr_set *s, const struct brestr *r,
                   int exists)
{
    long at = find_in(c, s, r->rule, &r->branch);
    if (exists && at < 0) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 8;
            s->v = xrealloc(s->v, s->cap * sizeof *s->v);
        }
        brestr_init(&s->v[s->n]);
        at = (long)s->n++;
    }
    if (exists)
        brestr_copy(&s->v[at], r);
    else if (at >= 0) {
        brestr_free(&s->v[at]);
        s->v[at] = s->v[--s->n];
    }
}

/* mu held on entry and on return. The target's entry, its list read
 * (through f; NULL: only when read already): the entry, or NULL with err. */
static struct target *loaded(struct brcache *c, const struct request *req,
                             const struct pager_fetch *f, struct pager_error *err)
{
    memset(err, 0, sizeof *err);
    struct target *t = find(c, req, 1);
    enum once_state st = t->once.state;
    if (f || st == ONCE_READY || st == ONCE_FAILED) {
        st = once_begin(&c->loads, &t->once);
        if (st == ONCE_LOADING && f) {
            load(c, t, req, f);
            st = t->once.state;
        }
    }
    if (st == ONCE_READY)
        return t;
    if (st == ONCE_FAILED) {
        err->status = t->fail_status;
        msg_printf(err->msg, sizeof err->msg, "%s", t->fail_msg ? t->fail_msg : "");
    } else {
        err->cancelled = 1;
        msg_printf(err->msg, sizeof err->msg, "not sent: the run was interrupted");
    }
    return NULL;
}

int brcache_list(struct brcache *c, const struct request *req, const struct pager_fetch *f,
                 struct brestr_set *out, struct pager_error *err)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = loaded(c, req, f, err);
    if (t && out) {
        brestr_set_clear(out);
        for (size_t i = 0; i < t->set.n; i++) {
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 8;
                out->v = xrealloc(out->v, out->cap * sizeof *out->v);
            }
            brestr_init(&out->v[out->n]);
            brestr_copy(&out->v[out->n++], &t->set.v[i]);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return t ? 0 : -1;
}

/* The restriction (rule, b) of target t in the set s (see brcache_get). */
static int get_in(struct brcache *c, const struct request *req, const char *rule,
                  const struct brule_branch *b, const struct pager_fetch *f, struct brestr *out,
                  int *exists, struct pager_error *err, int sim)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = loaded(c, req, f, err);
    int rc = 0;
    if (!t) {
        rc = -1;
    } else {
        const struct brestr_set *s = sim && t->simulated ? &t->sim : &t->set;
        long at = find_in(c, s, rule, b);
        *exists = at >= 0;
        if (at >= 0)
            brestr_copy(out, &s->v[at]);
        else {
            brestr_free(out);
            msg_printf(out->rule, sizeof out->rule, "%s", rule);
            out->branch = *b;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int brcache_get(struct brcache *c, const struct request *req, const char *rule,
                const struct brule_branch *b, const struct pager_fetch *f, struct brestr *out,
                int *exists, struct pager_error *err)
{
    return get_in(c, req, rule, b, f, out, exists, err, 0);
}

int brcache_sim_get(struct brcache *c, const struct request *req, const char *rule,
                    const struct brule_branch *b, const struct pager_fetch *f, struct brestr *out,
                    int *exists, struct pager_error *err)
{
    return get_in(c, req, rule, b, f, out, exists, err, 1);
}

void brcache_set(struct brcache *c, const struct request *req, const struct brestr *r,
                 int exists)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = find(c, req, 0);
    if (t && t->once.state == ONCE_READY)
        set_in(c, &t->set, r, exists);
    pthread_mutex_unlock(&c->mu);
}

void brcache_sim_set(struct brcache *c, const struct request *req, const struct brestr *r,
                     int exists)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = find(c, req, 0);
    if (t && t->once.state == ONCE_READY) {
        if (!t->simulated) {
            t->simulated = 1;
            for (size_t i = 0; i < t->set.n; i++)
                set_in(c, &t->sim, &t->set.v[i], 1);
        }
        set_in(c, &t->sim, r, exists);
    }
    pthread_mutex_unlock(&c->mu);
}

int brcache_first(struct brcache *c, const struct request *req, const char *const *marks,
                  size_t n)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = find(c, req, 1);
    int first = 1;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < t->nmarks && first; i++)
            if (!strcasecmp(t->marks[i], marks[k]))
                first = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = 0;
        while (i < t->nmarks && strcasecmp(t->marks[i], marks[k]) != 0)
            i++;
        if (i < t->nmarks)
            continue;
        if (t->nmarks == t->capmarks) {
            t->capmarks = t->capmarks ? 2 * t->capmarks : 8;
            t->marks = xrealloc(t->marks, t->capmarks * sizeof *t->marks);
        }
        t->marks[t->nmarks++] = xstrdup(marks[k]);
    }
    pthread_mutex_unlock(&c->mu);
    return first;
}

int brcache_marked(struct brcache *c, const struct request *req, const char *mark)
{
    pthread_mutex_lock(&c->mu);
    struct target *t = find(c, req, 0);
    int found = 0;
    for (size_t i = 0; t && i < t->nmarks && !found; i++)
        found = !strcasecmp(t->marks[i], mark);
    pthread_mutex_unlock(&c->mu);
    return found;
}

void brcache_stats(struct brcache *c, struct brcache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}
