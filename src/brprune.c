/*
 * DESIGN
 *
 * What --prune needs of the branch-rule kind (prkind.h's table).
 *
 * A branch row names its restriction (target, rule, branch: the key the
 * pool orders its rows by) and, when it has a subject, that subject of it,
 * under every name the run knows (a Cloud email's account id and {uuid}),
 * whatever its privilege. Names compare ignoring ASCII case, as Bitbucket
 * compares them; a restriction's key keeps case (branches are Git names).
 *
 * The walk reads a target's restrictions through the run's branch cache
 * (brcache.c), which the file's rows filled: a target the rows touched is
 * not read again, and what the walk finds is what the rows left (in a
 * plan, what the planned rows would leave). A restriction the file does
 * not name is deleted (one row without a subject); in one it names, each
 * group and user it does not name is taken off (one row each). Data
 * Center's access keys are left alone: no row can name them. The guard
 * counts restrictions: the ones a scope's rows would delete or change,
 * against the ones read in the scope.
 *
 * A failed branch row may be a typo when Bitbucket did not know what it
 * named: its target's list answered 404, or, the list read, its write
 * answered 404 or 400 (Cloud and Data Center answer 400 to a user or
 * group they do not know) on a row with a subject.
 */
#include "prkind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_branch.h"
#include "branch.h"
#include "brcache.h"
#include "brrow.h"

static int br_holds(const struct api_ops *api, enum target_kind t)
{
    return t == TARGET_REPO || branch_api_for(api->flavour)->on_projects;
}

/* The key of a restriction of target t. */
static void restriction_key(struct buf *k, const struct api_ops *api, const struct request *t,
                            const char *rule, const struct brule_branch *b)
{
    buf_addc(k, '\x1e');
    api_target_key(k, t);
    buf_addc(k, '\x1f');
    branch_restriction_key(api->flavour, rule, b, k);
}

/* The key of one subject of the restriction whose key is rkey[0..rlen). */
static void subject_key(struct buf *k, const char *rkey, size_t rlen, char sub, const char *name,
                        size_t len)
{
    buf_add(k, rkey, rlen);
    buf_addc(k, '\x1f');
    buf_addc(k, sub);
    buf_addc(k, '\x1f');
    for (size_t i = 0; i < len; i++)
        buf_addc(k, (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]));
}

static void br_names(const struct api_ops *api, const struct request *req, const void *own,
                     const struct row_result *res, struct buf *keys)
{
    const struct brow *b = own;
    struct buf rk = {0};
    restriction_key(&rk, api, req, b->rule->name, &b->branch);
    buf_add(keys, rk.data, rk.len);
    buf_addc(keys, '\0');
    if (b->has_subject) {
        char sub = req->subject == SUBJECT_GROUP ? 'g' : 'u';
        const char *names[3] = {req->subject_name, res->named[0], res->named[1]};
        size_t lens[3] = {req->subject_len, strlen(res->named[0]), strlen(res->named[1])};
        for (int i = 0; i < 3; i++) {
            if (!lens[i])
                continue;
            subject_key(keys, rk.data, rk.len, sub, names[i], lens[i]);
            buf_addc(keys, '\0');
        }
    }
    buf_free(&rk);
}

static enum prune_unknown br_unknown(const void *own, const struct row_result *res)
{
    const struct brow *b = own;
    if (res->status != ROW_FAILED)
        return PRUNE_KNOWN;
    long s = res->http_status;
    if (!res->previous[0])          /* the target's list was not read */
        return s == 404 ? PRUNE_TARGET_UNKNOWN : PRUNE_KNOWN;
    return b->has_subject && (s == 404 || s == 400) ? PRUNE_SUBJECT_UNKNOWN : PRUNE_KNOWN;
}

static int br_read(void *state, const struct request *t, const struct pager_fetch *f,
                   struct pager_error *err)
{
    return brcache_list(state, t, f, NULL, err);
}

/* Export's order: by branch cell, then rule. */
struct sorted {
    char *cell;                 /* the branch cell (owned) */
    const struct brestr *r;
};

static int by_cell(const void *a, const void *b)
{
    const struct sorted *x = a, *y = b;
    int c = strcmp(x->cell, y->cell);
    return c ? c : strcmp(x->r->rule, y->r->rule);
}

/* A name in the lists that no row could hold, or NULL. */
static const char *bad_name(const struct api_ops *api, const struct brestr_set *s, char *why,
                            size_t whysz)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct brestr_names *l[2] = {&s->v[i].groups, &s->v[i].users};
        for (int k = 0; k < 2; k++)
            for (size_t e = 0; e < l[k]->n; e++) {
                const char *names[2] = {l[k]->v[e].id, l[k]->v[e].alt};
                for (int a = 0; a < 2; a++) {
                    const char *problem;
                    if (!names[a] || !(problem = row_subject_problem(api->flavour,
                            k ? SUBJECT_USER : SUBJECT_GROUP, names[a], strlen(names[a]))))
                        continue;
                    char shown[4 * 300];
                    str_printable(shown, sizeof shown, names[a]);
                    msg_printf(why, whysz, "the server lists a %s '%s' in %s on its branch "
                               "rules, whose name %s; it is not removed",
                               k ? "user" : "group", shown, s->v[i].rule, problem);
                    return why;
                }
            }
    }
    return NULL;
}

/* 1 when the entry is named under any of its names. */
static int entry_named(int (*named)(void *, const char *, size_t), void *ctx, const char *rkey,
                       size_t rlen, char sub, const struct brestr_name *n)
{
    const char *names[3] = {n->id, n->alt, n->email};
    int hit = 0;
    for (int i = 0; i < 3 && !hit; i++) {
        if (!names[i] || !names[i][0])
            continue;
        struct buf k = {0};
        subject_key(&k, rkey, rlen, sub, names[i], strlen(names[i]));
        hit = named(ctx, k.data, k.len);
        buf_free(&k);
    }
    return hit;
}

static long br_walk(void *state, const struct api_ops *api, const struct request *t,
                    int (*named)(void *ctx, const char *key, size_t len),
                    void (*found)(void *ctx, const struct prune_item *it), void *ctx, char *why,
                    size_t whysz)
{
    struct brestr_set s = {0};
    struct pager_error err;
    if (brcache_list(state, t, NULL, &s, &err) != 0) {
        msg_printf(why, whysz, "its branch rules could not be read: %s", err.msg);
        brestr_set_free(&s);
        return -1;
    }
    if (bad_name(api, &s, why, whysz)) {
        brestr_set_free(&s);
        return -1;
    }
    struct sorted *order = xcalloc(s.n ? s.n : 1, sizeof *order);
    for (size_t i = 0; i < s.n; i++) {
        struct buf c = {0};
        brule_branch_cell(api->flavour, &s.v[i].branch, &c);
        buf_addc(&c, '\0');
        order[i].cell = c.data;
        order[i].r = &s.v[i];
    }
    if (s.n > 1)
        qsort(order, s.n, sizeof *order, by_cell);
    struct buf rk = {0}, label = {0}, what = {0};
    for (size_t i = 0; i < s.n; i++) {
        const struct brestr *r = order[i].r;
        const char *cell = order[i].cell;
        rk.len = label.len = 0;
        restriction_key(&rk, api, t, r->rule, &r->branch);
        buf_adds(&label, r->rule);
        buf_adds(&label, " on ");
        buf_adds(&label, cell);
        buf_addc(&label, '\0');
        char value[40] = "";
        if (r->value >= 0)
            snprintf(value, sizeof value, " value %ld", r->value);
        char previous[64];
        struct prune_item it = {.branch = cell, .rule = r->rule, .value = r->value,
                                .label = label.data, .previous = previous, .counts = 1};
        if (!named(ctx, rk.data, rk.len)) {
            what.len = 0;
            buf_adds(&what, "delete ");
            buf_adds(&what, label.data);
            buf_addc(&what, '\0');
            it.id = "";
            it.what = what.data;
            snprintf(previous, sizeof previous, "present%s", value);
            found(ctx, &it);
            continue;
        }
        snprintf(previous, sizeof previous, "listed%s", value);
        const struct brestr_names *l[2] = {&r->groups, &r->users};
        for (int k = 0; k < 2; k++)
            for (size_t e = 0; e < l[k]->n; e++) {
                char sub = k ? 'u' : 'g';
                if (entry_named(named, ctx, rk.data, rk.len, sub, &l[k]->v[e]))
                    continue;
                what.len = 0;
                buf_adds(&what, k ? "remove user " : "remove group ");
                buf_adds(&what, l[k]->v[e].id);
                buf_adds(&what, " from ");
                buf_adds(&what, label.data);
                buf_addc(&what, '\0');
                it.sub = sub;
                it.id = l[k]->v[e].id;
                it.what = what.data;
                found(ctx, &it);
                it.counts = 0;          /* one restriction, however many subjects */
            }
    }
    long n = (long)s.n;
    for (size_t i = 0; i < s.n; i++)
        free(order[i].cell);
    free(order);
    buf_free(&rk);
    buf_free(&label);
    buf_free(&what);
    brestr_set_free(&s);
    return n;
}

static void br_sent(struct row_result *res)
{
    size_t n = strlen(res->msg);
    if (res->status == ROW_OK && res->change == CH_REVOKE)
        snprintf(res->msg + n, sizeof res->msg - n, ": not in the file");
    else if (res->status == ROW_OK && res->change == CH_UNCHANGED)
        msg_printf(res->msg, sizeof res->msg, "unchanged: not in the file, and gone since "
                   "the walk read it");
}

const struct prune_kind prune_branch = {
    .kind = &kind_branch,
    .items = "restrictions",
    .holds = br_holds,
    .names = br_names,
    .unknown = br_unknown,
    .read = br_read,
    .walk = br_walk,
    .sent = br_sent,
};
