/*
 * DESIGN
 *
 * plan --prune asks, for a row whose subject holds no permission on its
 * target, whether Bitbucket knows that subject at all. A mistyped group
 * ("contractrs" for "contractors") would otherwise be planned as a grant,
 * and the group it stands for pruned. Which question is asked is the
 * flavour's (api_ops): Cloud reads the 1.0 groups list of a workspace once
 * (members.c, as access reads it) and asks for one user at a time
 * (user_find: GET /workspaces/{w}/members/{id}, as --user does); Data
 * Center searches groups and users by name (group_find, user_find:
 * /admin/groups?filter=, /users?filter=) and compares the names whole.
 *
 * One entry per question, kept for the run: a workspace's groups (Cloud),
 * or one subject. Each is asked once (once.c): the first worker that needs
 * it asks with the lock dropped, the others wait for its answer; a question
 * the run's cancellation cut short is not an answer, and no failure.
 *
 * An entry is found through an hmap from the hash of its key to its index;
 * a hash hit compares the key itself. What could not be asked (an error
 * answer, the 1.0 resource gone) is counted per kind with its first reason;
 * the main thread says so once (subjects_report).
 */
#include "subjects.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "members.h"
#include "once.h"

struct entry {
    char *key;                  /* kind, '\x1f', workspace, '\x1f', name (lowercase) */
    struct once once;           /* READY: 1 or 0 in answer; FAILED: cannot tell */
    int answer;                 /* 1 known, 0 not */
    struct members *groups;     /* Cloud groups of a workspace, or NULL */
};

struct subjects {
    const struct api_ops *api;
    char *base;
    pthread_mutex_t mu;
    struct once_set asks;       /* the entries' questions, under mu */
    struct hmap index;          /* hash of key -> size_t index + 1; guarded by mu */
    struct entry **e;           /* guarded by mu; an entry never moves */
    size_t n, cap;
    unsigned long cannot[2];    /* questions not answered, per subject kind */
    char why[2][300];           /* the first reason of each */
};

struct subjects *subjects_new(const struct api_ops *api, const char *base)
{
    struct subjects *s = xcalloc(1, sizeof *s);
    s->api = api;
    s->base = xstrdup(base);
    pthread_mutex_init(&s->mu, NULL);
    once_set_init(&s->asks, &s->mu);
    hmap_init(&s->index, sizeof(size_t));
    return s;
}

void subjects_free(struct subjects *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        members_free(s->e[i]->groups);
        free(s->e[i]->key);
        free(s->e[i]);
    }
    free(s->e);
    hmap_free(&s->index);
    free(s->base);
    once_set_destroy(&s->asks);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* mu held. The entry of key, added when new. */
static struct entry *entry_for(struct subjects *s, const char *key)
{
    uint64_t h = hash64(key, strlen(key));
    int added;
    size_t *at = hmap_put(&s->index, h, &added);
    if (!added) {
        struct entry *e = s->e[*at - 1];
        if (!strcmp(e->key, key))
            return e;
        for (size_t i = 0; i < s->n; i++)   /* two keys, one hash: compare them all */
            if (!strcmp(s->e[i]->key, key))
                return s->e[i];
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->e = xrealloc(s->e, s->cap * sizeof(struct entry *));
    }
    struct entry *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    s->e[s->n++] = e;
    if (added)
        *at = s->n;
    return e;
}

static void note_cannot(struct subjects *s, enum subject_kind kind, const struct pager_error *err)
{
    pthread_mutex_lock(&s->mu);
    if (s->cannot[kind]++ == 0) {
        if (err->status)
            msg_printf(s->why[kind], sizeof s->why[kind], "%ld %s", err->status, err->msg);
        else
            msg_printf(s->why[kind], sizeof s->why[kind], "%s", err->msg);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Cloud: the groups of a workspace, read once. No lock held. */
static int ask_groups(struct subjects *s, struct entry *e, const char *ws,
                      const struct pager_fetch *f, struct pager_error *err)
{
    e->groups = members_new(s->api, s->base, ws);
    if (members_load_all(e->groups, f, err) != 0)
        return -1;
    return 1;
}

/* Cloud: one member by {uuid} or account id. No lock held. */
static int ask_member(struct subjects *s, const char *ws, const char *id,
                      const struct pager_fetch *f, struct pager_error *err)
{
    struct buf url = {0};
    buf_adds(&url, s->base);
    s->api->user_find(&url, ws, id);
    buf_addc(&url, '\0');
    const char *body;
    size_t len;
    memset(err, 0, sizeof *err);
    int rc = f->fn(f->ctx, url.data, &body, &len, err);
    buf_free(&url);
    if (rc == 0)
        return 1;
    return err->status == 404 ? 0 : -1;
}

struct search {
    const struct api_ops *api;
    enum subject_kind kind;
    const char *name;
    int found;
};

static int on_found(void *ctx, const cJSON *item)
{
    struct search *q = ctx;
    struct api_reach r;     /* a group ({"name","deletable"}) and a user both say "name" */
    if (q->api->member_item(item, &r) == 0 && !strcasecmp(r.id, q->name)) {
        q->found = 1;
        return 1;           /* stop: the name is there */
    }
    return 0;
}

/* Data Center: a search by name, every page until the name is found. */
static int ask_search(struct subjects *s, enum subject_kind kind, const char *name,
                      const struct pager_fetch *f, struct pager_error *err)
{
    struct buf url = {0};
    buf_adds(&url, s->base);
    if (kind == SUBJECT_GROUP)
        s->api->group_find(&url, name);
    else
        s->api->user_find(&url, "", name);
    buf_addc(&url, '\0');
    struct search q = {s->api, kind, name, 0};
    int rc = pager_walk(s->api, url.data, f, on_found, &q, NULL, err);
    buf_free(&url);
    return rc < 0 ? -1 : q.found;
}

/* The answer of entry key: the first asker asks, the others wait. */
static struct entry *answer(struct subjects *s, const char *key, enum subject_kind kind,
                            const char *ws, const char *name, const struct pager_fetch *f,
                            enum once_state *outcome)
{
    pthread_mutex_lock(&s->mu);
    struct entry *e = entry_for(s, key);
    *outcome = once_begin(&s->asks, &e->once);
    pthread_mutex_unlock(&s->mu);
    if (*outcome != ONCE_LOADING)
        return e;

    /* no lock while asking; e is ours until once_end */
    struct pager_error err;
    memset(&err, 0, sizeof err);
    int a;
    if (s->api->members_all && kind == SUBJECT_GROUP)
        a = ask_groups(s, e, ws, f, &err);
    else if (kind == SUBJECT_USER && s->api->user_find && !s->api->user_find_lists)
        a = ask_member(s, ws, name, f, &err);
    else if (kind == SUBJECT_USER ? s->api->user_find != NULL : s->api->group_find != NULL)
        a = ask_search(s, kind, name, f, &err);
    else
        a = -1;                 /* nothing to ask: cannot tell */
    if (a < 0 && !err.cancelled)
        note_cannot(s, kind, &err);

    pthread_mutex_lock(&s->mu);
    if (a < 0 && err.cancelled) {
        members_free(e->groups);
        e->groups = NULL;
        *outcome = ONCE_CANCELLED;     /* not an answer: a later asker asks again */
    } else {
        e->answer = a;
        *outcome = a < 0 ? ONCE_FAILED : ONCE_READY;
    }
    once_end(&s->asks, &e->once, *outcome);
    pthread_mutex_unlock(&s->mu);
    return e;
}

static void key_of(struct buf *k, char kind, const char *ws, size_t wl, const char *name,
                   size_t nl)
{
    k->len = 0;
    buf_addc(k, kind);
    buf_addc(k, '\x1f');
    for (size_t i = 0; i < wl; i++)
        buf_addc(k, (char)(ws[i] >= 'A' && ws[i] <= 'Z' ? ws[i] + 32 : ws[i]));
    buf_addc(k, '\x1f');
    for (size_t i = 0; i < nl; i++)
        buf_addc(k, (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]));
    buf_addc(k, '\0');
}

int subjects_check(struct subjects *s, const struct request *req, const char *subject,
                   size_t len, const struct pager_fetch *f)
{
    if (!s || !f)
        return -1;
    char ws[300], name[600];
    if (req->workspace_len >= sizeof ws || len >= sizeof name)
        return -1;
    memcpy(ws, req->workspace, req->workspace_len);
    ws[req->workspace_len] = '\0';
    memcpy(name, subject, len);
    name[len] = '\0';
    struct buf key = {0};
    int groups_at_once = s->api->members_all && req->subject == SUBJECT_GROUP;
    if (groups_at_once)
        key_of(&key, 'G', ws, strlen(ws), "", 0);
    else
        key_of(&key, req->subject == SUBJECT_GROUP ? 'g' : 'u', ws, strlen(ws), name, len);
    enum once_state outcome;
    struct entry *e = answer(s, key.data, req->subject, ws, name, f, &outcome);
    buf_free(&key);
    if (outcome != ONCE_READY)
        return -1;
    if (groups_at_once)
        return members_listed(e->groups, name);
    return e->answer;
}

void subjects_report(struct subjects *s, void (*say)(void *ctx, const char *line), void *ctx)
{
    if (!s)
        return;
    static const char *const what[2] = {"groups", "users"};
    char lines[2][1600];
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (int k = 0; k < 2; k++) {
        if (!s->cannot[k])
            continue;
        char why[4 * sizeof s->why[k]];
        str_printable(why, sizeof why, s->why[k]);
        msg_printf(lines[n++], sizeof lines[0], "plan could not check the %s the file grants to "
                   "(%s); a %s Bitbucket does not know is planned as a grant, and apply --prune "
                   "still prunes nothing in a scope where such a write fails", what[k], why,
                   k == SUBJECT_GROUP ? "group" : "user");
    }
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < n; i++)     /* no lock held while it is written */
        say(ctx, lines[i]);
}
