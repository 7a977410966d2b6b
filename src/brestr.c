/* One branch restriction and what rows do to it (see brestr.h). */
#include "brestr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void brestr_init(struct brestr *r)
{
    memset(r, 0, sizeof *r);
    r->value = -1;
}

static void names_free(struct brestr_names *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].alt);
        free(l->v[i].email);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

void brestr_free(struct brestr *r)
{
    names_free(&r->users);
    names_free(&r->groups);
    free(r->keys);
    brestr_init(r);
}

static void names_copy(struct brestr_names *dst, const struct brestr_names *src)
{
    for (size_t i = 0; i < src->n; i++)
        brestr_names_email(dst, brestr_names_add(dst, src->v[i].id, src->v[i].alt),
                           src->v[i].email);
}

void brestr_copy(struct brestr *dst, const struct brestr *src)
{
    brestr_free(dst);
    dst->id = src->id;
    memcpy(dst->rule, src->rule, sizeof dst->rule);
    dst->branch = src->branch;
    dst->value = src->value;
    names_copy(&dst->users, &src->users);
    names_copy(&dst->groups, &src->groups);
    if (src->nkeys) {
        dst->keys = xmalloc(src->nkeys * sizeof *dst->keys);
        memcpy(dst->keys, src->keys, src->nkeys * sizeof *dst->keys);
        dst->nkeys = src->nkeys;
    }
}

static int name_is(const char *have, const char *name, size_t len)
{
    return have && strlen(have) == len && strncasecmp(have, name, len) == 0;
}

long brestr_names_find(const struct brestr_names *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (name_is(l->v[i].id, name, len) || name_is(l->v[i].alt, name, len))
            return (long)i;
    return -1;
}

void brestr_names_email(struct brestr_names *l, size_t i, const char *email)
{
    free(l->v[i].email);
    l->v[i].email = email && email[0] ? xstrdup(email) : NULL;
}

size_t brestr_names_add(struct brestr_names *l, const char *id, const char *alt)
{
    long at = brestr_names_find(l, id, strlen(id));
    if (at < 0 && alt)
        at = brestr_names_find(l, alt, strlen(alt));
    if (at >= 0) {
        if (alt && !l->v[at].alt && !name_is(l->v[at].id, alt, strlen(alt)))
            l->v[at].alt = xstrdup(alt);
        return (size_t)at;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].id = xstrdup(id);
    l->v[l->n].alt = alt ? xstrdup(alt) : NULL;
    l->v[l->n].email = NULL;
    return l->n++;
}

void brestr_names_del(struct brestr_names *l, size_t i)
{
    if (i >= l->n)
        return;
    free(l->v[i].id);
    free(l->v[i].alt);
    free(l->v[i].email);
    memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
    l->n--;
}

static void add_value(struct buf *previous, const struct brestr *r)
{
    if (r->value >= 0) {
        char v[32];
        snprintf(v, sizeof v, " value %ld", r->value);
        buf_adds(previous, v);
    }
}

void brestr_row_apply(struct brestr *want, int *exists, const struct brestr_row *row,
                      struct buf *previous)
{
    int subject = row->kind != BRS_NONE;
    struct brestr_names *l = row->kind == BRS_USER ? &want->users : &want->groups;
    long at = -1;
    if (subject) {
        at = brestr_names_find(l, row->name, row->len);
        if (at < 0 && row->alt)
            at = brestr_names_find(l, row->alt, strlen(row->alt));
    }
    if (!*exists)
        buf_adds(previous, "absent");
    else {
        buf_adds(previous, !subject ? "present" : at >= 0 ? "listed" : "not listed");
        add_value(previous, want);
    }

    if (row->remove) {
        if (!subject) {                 /* the restriction goes */
            if (*exists) {
                long id = want->id;
                char rule[sizeof want->rule];
                struct brule_branch branch = want->branch;
                memcpy(rule, want->rule, sizeof rule);
                brestr_free(want);
                want->id = id;
                memcpy(want->rule, rule, sizeof rule);
                want->branch = branch;
            }
            *exists = 0;
        } else if (*exists && at >= 0)  /* the subject goes; the restriction stays */
            brestr_names_del(l, (size_t)at);
        return;
    }
    *exists = 1;
    if (subject && at < 0) {
        char *name = xmalloc(row->len + 1);
        memcpy(name, row->name, row->len);
        name[row->len] = '\0';
        brestr_names_add(l, name, row->alt);
        free(name);
    }
    if (row->value >= 0)
        want->value = row->value;
}

/* One list holds every name of the other (by either name). */
static int names_cover(const struct brestr_names *a, const struct brestr_names *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (brestr_names_find(a, b->v[i].id, strlen(b->v[i].id)) < 0 &&
            (!b->v[i].alt || brestr_names_find(a, b->v[i].alt, strlen(b->v[i].alt)) < 0))
            return 0;
    return 1;
}

static int keys_same(const struct brestr *a, const struct brestr *b)
{
    if (a->nkeys != b->nkeys)
        return 0;
    for (size_t i = 0; i < a->nkeys; i++) {
        size_t j = 0;
        while (j < b->nkeys && b->keys[j] != a->keys[i])
            j++;
        if (j == b->nkeys)
            return 0;
    }
    return 1;
}

int brestr_same(const struct brestr *a, const struct brestr *b)
{
    return a->value == b->value && a->users.n == b->users.n && a->groups.n == b->groups.n &&
           names_cover(&a->users, &b->users) && names_cover(&b->users, &a->users) &&
           names_cover(&a->groups, &b->groups) && names_cover(&b->groups, &a->groups) &&
           keys_same(a, b);
}

enum brestr_op brestr_diff(const struct brestr *live, int live_exists, const struct brestr *want,
                           int want_exists)
{
    if (!live_exists)
        return want_exists ? BROP_CREATE : BROP_NONE;
    if (!want_exists)
        return BROP_DELETE;
    return brestr_same(live, want) ? BROP_NONE : BROP_UPDATE;
}
