/*
 * DESIGN
 *
 * Held in memory for the whole run: one entry per group that was read,
 * with its members (four strings each: id, {uuid}, display name, email;
 * about 100 bytes a member). A repository's group grant is explained by
 * the members of the group, and the same groups hold grants on many
 * repositories, so reading them once and keeping them is what keeps the
 * request budget at one read per group.
 *
 * Cloud: members_load_all reads the 1.0 groups resource once, before any
 * worker runs; afterwards the table is only read. Data Center: each
 * group is loaded once (once.c): the first worker that needs it drops the
 * lock, walks the members' pages, then takes the lock again to publish
 * them; the others wait for that. A read that the run's cancellation
 * stopped is cancelled, not unknown: it is neither counted nor kept. A
 * published group never changes, so its members are read without the
 * lock.
 */
#include "members.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "once.h"

struct group {
    char *name;
    struct once once;           /* Cloud: READY from the start */
    char *why;                  /* could not be read (not cancelled): why; owned */
    struct reach_member *m;
    size_t n, cap;
};

struct members {
    const struct api_ops *api;
    char *base, *ws;
    pthread_mutex_t mu;
    struct once_set loads;      /* Data Center: the groups' loads, under mu */
    struct group **g;           /* guarded by mu */
    size_t n, cap;
    int all_unknown;            /* Cloud: the groups resource failed */
    unsigned long requests, entries, failed;
    char err_msg[400];
};

static char *dup_or_null(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

static void group_add_member(struct group *g, const struct api_reach *r)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->m = xrealloc(g->m, g->cap * sizeof *g->m);
    }
    struct reach_member *x = &g->m[g->n++];
    x->id = xstrdup(r->id);
    x->alt = dup_or_null(r->alt_id);
    x->display = dup_or_null(r->display);
    x->email = dup_or_null(r->email);
}

static void group_clear(struct group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free((char *)g->m[i].id);
        free((char *)g->m[i].alt);
        free((char *)g->m[i].display);
        free((char *)g->m[i].email);
    }
    free(g->m);
    g->m = NULL;
    g->n = g->cap = 0;
}

static void group_free(struct group *g)
{
    group_clear(g);
    free(g->name);
    free(g->why);
    free(g);
}

/* mu held (or no other thread yet). */
static struct group *find(struct members *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcasecmp(m->g[i]->name, name))
            return m->g[i];
    return NULL;
}

static struct group *insert(struct members *m, const char *name, enum once_state state)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->g = xrealloc(m->g, m->cap * sizeof(struct group *));
    }
    struct group *g = xcalloc(1, sizeof *g);
    g->name = xstrdup(name);
    g->once.state = state;
    m->g[m->n++] = g;
    return g;
}

struct members *members_new(const struct api_ops *api, const char *base, const char *ws)
{
    struct members *m = xcalloc(1, sizeof *m);
    m->api = api;
    m->base = xstrdup(base);
    m->ws = xstrdup(ws ? ws : "");
    pthread_mutex_init(&m->mu, NULL);
    once_set_init(&m->loads, &m->mu);
    return m;
}

void members_free(struct members *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        group_free(m->g[i]);
    free(m->g);
    free(m->base);
    free(m->ws);
    once_set_destroy(&m->loads);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int members_load_all(struct members *m, const struct pager_fetch *f, struct pager_error *err)
{
    struct buf url = {0};
    buf_adds(&url, m->base);
    m->api->members_list(&url, m->ws, NULL);
    buf_addc(&url, '\0');
    const char *body = NULL;
    size_t len = 0;
    memset(err, 0, sizeof *err);
    int rc = f->fn(f->ctx, url.data, &body, &len, err);
    buf_free(&url);
    m->requests++;
    m->all_unknown = 1;
    if (rc != 0)
        return -1;
    cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsArray(doc) || cJSON_GetArraySize(doc) == 0) {
        msg_printf(err->msg, sizeof err->msg, "%s",
                 !len ? "an empty answer" : cJSON_IsArray(doc) ? "no groups ([])" : "not a list of groups");
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, doc) {
        const char *slug;
        const cJSON *mem;
        if (m->api->group_item(item, &slug, &mem) != 0)
            continue;
        struct group *g = find(m, slug);
        if (!g)
            g = insert(m, slug, ONCE_READY);
        const cJSON *x;
        cJSON_ArrayForEach(x, mem) {
            struct api_reach r;
            if (m->api->member_item(x, &r) == 0) {
                group_add_member(g, &r);
                m->entries++;
            }
        }
    }
    cJSON_Delete(doc);
    m->all_unknown = 0;
    return 0;
}

/* "STATUS message" or "message", malloced. */
static char *failure_text(const struct pager_error *err)
{
    char text[sizeof err->msg + 32];
    if (err->status)
        msg_printf(text, sizeof text, "%ld %s", err->status, err->msg);
    else
        msg_printf(text, sizeof text, "%s", err->msg);
    return xstrdup(text);
}

struct load {
    struct members *m;
    struct group *g;
};

static int on_dc_member(void *ctx, const cJSON *item)
{
    struct load *l = ctx;
    struct api_reach r;
    if (l->m->api->member_item(item, &r) == 0)
        group_add_member(l->g, &r);
    return 0;
}

int members_get(struct members *m, const char *group, const struct pager_fetch *f,
                const struct reach_member **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&m->mu);
    if (m->api->members_all) {
        /* Cloud: read once before the workers; a group not listed has no members */
        struct group *g = m->all_unknown ? NULL : find(m, group);
        int unknown = m->all_unknown;
        pthread_mutex_unlock(&m->mu);
        if (g) {
            *out = g->m;
            *n = g->n;
        }
        return unknown ? -1 : 0;
    }
    struct group *g = find(m, group);
    if (!g)
        g = insert(m, group, ONCE_EMPTY);
    enum once_state st = once_begin(&m->loads, &g->once);
    pthread_mutex_unlock(&m->mu);
    if (st == ONCE_READY) {
        *out = g->m;
        *n = g->n;
        return 0;
    }
    if (st != ONCE_LOADING)
        return st == ONCE_CANCELLED ? MEMBERS_CANCELLED : -1;

    /* no lock while the pages are read; g is ours until it is published */
    struct buf url = {0};
    buf_adds(&url, m->base);
    m->api->members_list(&url, m->ws, group);
    buf_addc(&url, '\0');
    struct load l = {m, g};
    struct pager_error err;
    unsigned pages = 0;
    int rc = pager_walk(m->api, url.data, f, on_dc_member, &l, &pages, &err);
    buf_free(&url);

    pthread_mutex_lock(&m->mu);
    m->requests += pages;
    enum once_state end = rc >= 0 ? ONCE_READY : err.cancelled ? ONCE_CANCELLED : ONCE_FAILED;
    if (end == ONCE_FAILED) {
        free(g->why);
        g->why = failure_text(&err);
    }
    if (end == ONCE_FAILED && m->failed++ == 0) {
        if (err.status)
            msg_printf(m->err_msg, sizeof m->err_msg, "%ld %s", err.status, err.msg);
        else
            msg_printf(m->err_msg, sizeof m->err_msg, "%s", err.msg);
    }
    if (end == ONCE_READY) {
        m->entries += g->n;
        *out = g->m;
        *n = g->n;
    } else {
        group_clear(g);         /* a later read starts afresh */
    }
    once_end(&m->loads, &g->once, end);
    pthread_mutex_unlock(&m->mu);
    return end == ONCE_READY ? 0 : end == ONCE_CANCELLED ? MEMBERS_CANCELLED : -1;
}

int members_listed(struct members *m, const char *group)
{
    pthread_mutex_lock(&m->mu);
    int rc = m->all_unknown ? -1 : find(m, group) != NULL;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void members_stats(struct members *m, unsigned long *requests, unsigned long *groups,
                   unsigned long *entries, unsigned long *failed, char *err_msg, size_t errsz)
{
    pthread_mutex_lock(&m->mu);
    *requests = m->requests;
    *groups = m->n;
    *entries = m->entries;
    *failed = m->failed;
    if (err_msg && errsz && snprintf(err_msg, errsz, "%s", m->err_msg) < 0)
        err_msg[0] = '\0';
    pthread_mutex_unlock(&m->mu);
}

int members_failed_group(struct members *m, size_t *pos, const char **name, const char **why)
{
    int found = 0;
    pthread_mutex_lock(&m->mu);
    while (*pos < m->n && !found) {
        const struct group *g = m->g[(*pos)++];
        if (g->why) {
            *name = g->name;
            *why = g->why;
            found = 1;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return found;
}
