/*
 * DESIGN
 *
 * One repository at a time. Every grant that applies to it (the
 * repository's and its project's explicit permissions, the workspace
 * owners or Data Center's global admins, the project default) becomes one
 * source per user it reaches: a group grant is expanded through the
 * membership the caller passes in. The sources are sorted per user in the
 * fixed order of `via`, and the level is joined:
 *   - Cloud: the level is what Bitbucket reports. Only users Bitbucket
 *     lists get a row; a listed user whose level is higher than every
 *     source ends `via` with "unexplained". When a group's members are
 *     unknown, the group stands, marked '?', for every user whose level
 *     it matches.
 *   - Data Center: the level is the highest source; the project default
 *     is one row for '*' and ends the sources of every named user. A group
 *     whose members are unknown is a candidate, marked '?', of every user
 *     known from other sources, and does not count in the level; the
 *     caller learns the highest level such groups grant (unsure_rank), so
 *     that an earlier row they could explain is not called gone.
 * Held in memory: this repository's sources and rows only, freed by the
 * caller after they are written. Nothing here outlives one repository.
 */
#include "reach.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct src {
    enum reach_src kind;
    const char *group;          /* groups: the slug or name */
    const char *label;          /* REACH_GLOBAL */
    enum privilege priv;
    int unsure;                 /* membership unknown: '?' */
};

struct pair {
    size_t user;                /* Cloud: index into reported; DC: set after sorting */
    const char *id, *alt, *display, *email;
    struct src s;
};

struct pairs {
    struct pair *p;
    size_t n, cap;
};

int reach_rank(enum privilege p)
{
    switch (p) {
    case PRIV_READ: return 1;
    case PRIV_WRITE: case PRIV_CREATE_REPO: return 2;
    case PRIV_ADMIN: return 3;
    default: return 0;
    }
}

static enum privilege rank_level(int r)
{
    return r >= 3 ? PRIV_ADMIN : r == 2 ? PRIV_WRITE : PRIV_READ;
}

int reach_cmp_id(const char *a, const char *b)
{
    int c = strcasecmp(a, b);
    return c ? c : strcmp(a, b);
}

static void pairs_add(struct pairs *ps, const struct pair *p)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 32;
        ps->p = xrealloc(ps->p, ps->cap * sizeof *ps->p);
    }
    ps->p[ps->n++] = *p;
}

static int cmp_src(const struct src *x, const struct src *y)
{
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->label && y->label) {
        int c = strcmp(x->label, y->label);
        if (c)
            return c;
    }
    if (x->group && y->group) {
        int c = reach_cmp_id(x->group, y->group);
        if (c)
            return c;
    }
    return reach_rank(y->priv) - reach_rank(x->priv);
}

static int cmp_pair_user(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return cmp_src(&x->s, &y->s);
}

static int cmp_pair_id(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = reach_cmp_id(x->id, y->id);
    return c ? c : cmp_src(&x->s, &y->s);
}

static void src_text(struct buf *b, const struct src *s)
{
    static const char *const words[] = {
        [REACH_REPO_USER] = "repository user ", [REACH_REPO_GROUP] = "repository group ",
        [REACH_PROJECT_USER] = "project user ", [REACH_PROJECT_GROUP] = "project group ",
        [REACH_PROJECT_DEFAULT] = "project default ",
    };
    if (s->kind == REACH_GLOBAL) {
        buf_adds(b, s->label ? s->label : "admin");
        if (s->unsure && s->group) {
            /* a global group of unknown members: "global ADMIN group admins?" */
            buf_adds(b, " group ");
            buf_adds(b, s->group);
            buf_addc(b, '?');
        }
        return;
    }
    buf_adds(b, words[s->kind]);
    if (s->group) {
        buf_adds(b, s->group);
        buf_addc(b, ' ');
    }
    buf_adds(b, privilege_name(s->priv));
    if (s->unsure)
        buf_addc(b, '?');
}

/* Append one user's sorted sources as `via`, dropping repeats; returns the
 * highest rank among them. */
static int add_via(struct buf *via, const struct pair *p, size_t n, int count_unsure)
{
    int best = 0;
    size_t start = via->len;
    struct buf one = {0};
    for (size_t i = 0; i < n; i++) {
        one.len = 0;
        src_text(&one, &p[i].s);
        buf_addc(&one, '\0');
        /* a repeat is the same text already written (sorted, so adjacent) */
        if (i > 0) {
            struct buf prev = {0};
            src_text(&prev, &p[i - 1].s);
            buf_addc(&prev, '\0');
            int same = !strcmp(prev.data, one.data);
            buf_free(&prev);
            if (same)
                continue;
        }
        if (via->len > start)
            buf_adds(via, "; ");
        buf_adds(via, one.data);
        int r = reach_rank(p[i].s.priv);
        if (r > best && (count_unsure || !p[i].s.unsure))
            best = r;
    }
    buf_free(&one);
    return best;
}

static struct reach_row *row_add(struct reach_out *o)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 16;
        o->rows = xrealloc(o->rows, o->cap * sizeof *o->rows);
    }
    struct reach_row *r = &o->rows[o->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* Cloud: the reported user a source names (by account id or {uuid}), or
 * (size_t)-1. Linear over the repository's users: a few hundred at most. */
static size_t find_reported(const struct reach_input *in, const char *id, const char *alt)
{
    for (size_t i = 0; i < in->nreported; i++) {
        const struct reach_level *l = &in->reported[i];
        if ((id && ((l->id && !strcmp(l->id, id)) || (l->alt && !strcmp(l->alt, id)))) ||
            (alt && ((l->id && !strcmp(l->id, alt)) || (l->alt && !strcmp(l->alt, alt)))))
            return i;
    }
    return (size_t)-1;
}

static void add_source(const struct reach_input *in, struct pairs *ps, const char *id,
                       const char *alt, const char *display, const char *email,
                       const struct src *s)
{
    struct pair p = {0, id, alt, display, email, *s};
    if (!in->computed) {
        p.user = find_reported(in, id, alt);
        if (p.user == (size_t)-1)
            return;             /* Bitbucket does not list them: no row */
    }
    pairs_add(ps, &p);
}

static int cmp_row(const void *a, const void *b)
{
    const struct reach_row *x = a, *y = b;
    return reach_cmp_id(x->id, y->id);
}

void reach_join(const struct reach_input *in, struct reach_out *out)
{
    for (size_t i = 0; i < out->n; i++)
        buf_free(&out->rows[i].via);
    out->n = 0;
    out->unknown_groups = 0;
    out->unsure_rank = 0;
    out->unsure_via.len = 0;
    struct pairs ps = {0};
    const struct reach_grant *deflt = NULL;
    const struct reach_grant **unsure = NULL;
    size_t nunsure = 0;
    for (size_t g = 0; g < in->ngrants; g++) {
        const struct reach_grant *gr = &in->grants[g];
        struct src s = {gr->src, gr->group ? gr->id : NULL, gr->label, gr->priv, 0};
        if (gr->src == REACH_PROJECT_DEFAULT) {
            if (!deflt || reach_rank(gr->priv) > reach_rank(deflt->priv))
                deflt = gr;
            continue;
        }
        if (!gr->group) {
            add_source(in, &ps, gr->id, gr->alt, gr->display, gr->email, &s);
            continue;
        }
        const struct reach_member *m = NULL;
        size_t nm = 0;
        if (!in->members || in->members(in->ctx, gr->id, &m, &nm) != 0) {
            out->unknown_groups = 1;
            unsure = xrealloc(unsure, (nunsure + 1) * sizeof(const struct reach_grant *));
            unsure[nunsure++] = gr;
            continue;
        }
        for (size_t k = 0; k < nm; k++)
            add_source(in, &ps, m[k].id, m[k].alt, m[k].display, m[k].email, &s);
    }

    if (!in->computed) {
        /* a group whose members are unknown stands for every user at its level */
        for (size_t u = 0; u < in->nreported; u++) {
            for (size_t k = 0; k < nunsure; k++) {
                const struct reach_grant *gr = unsure[k];
                if (reach_rank(gr->priv) != reach_rank(in->reported[u].priv))
                    continue;
                struct pair p = {u, in->reported[u].id, in->reported[u].alt, NULL, NULL,
                                 {gr->src, gr->id, NULL, gr->priv, 1}};
                pairs_add(&ps, &p);
            }
        }
        if (ps.n > 1)
            qsort(ps.p, ps.n, sizeof *ps.p, cmp_pair_user);
        size_t i = 0;
        for (size_t u = 0; u < in->nreported; u++) {
            const struct reach_level *l = &in->reported[u];
            int lr = reach_rank(l->priv);
            if (lr == 0)
                continue;
            size_t j = i;
            while (j < ps.n && ps.p[j].user == u)
                j++;
            struct reach_row *r = row_add(out);
            r->id = l->id;
            r->display = nz(l->display);
            r->email = "";
            r->level = rank_level(lr);
            int best = add_via(&r->via, ps.p + i, j - i, 1);
            if (lr > best) {
                r->unexplained = 1;
                buf_adds(&r->via, r->via.len ? "; unexplained" : "unexplained");
            }
            i = j;
        }
    } else {
        if (ps.n > 1)
            qsort(ps.p, ps.n, sizeof *ps.p, cmp_pair_id);
        if (nunsure) {
            /* a group whose members are unknown: a candidate ('?') of every
             * user known from other sources, not counted in the level; and
             * what the caller needs to tell that earlier rows may stand */
            size_t known = ps.n;
            for (size_t i = 0; i < known;) {
                size_t j = i + 1;
                while (j < known && !strcasecmp(ps.p[j].id, ps.p[i].id))
                    j++;
                for (size_t k = 0; k < nunsure; k++) {
                    struct pair p = ps.p[i];
                    p.s = (struct src){unsure[k]->src, unsure[k]->id, unsure[k]->label, unsure[k]->priv, 1};
                    pairs_add(&ps, &p);
                }
                i = j;
            }
            if (ps.n > 1)
                qsort(ps.p, ps.n, sizeof *ps.p, cmp_pair_id);
            struct pair *cand = xmalloc(nunsure * sizeof *cand);
            for (size_t k = 0; k < nunsure; k++) {
                cand[k] = (struct pair){0, "", NULL, NULL, NULL,
                                        {unsure[k]->src, unsure[k]->id, unsure[k]->label, unsure[k]->priv, 1}};
                if (reach_rank(unsure[k]->priv) > out->unsure_rank)
                    out->unsure_rank = reach_rank(unsure[k]->priv);
            }
            if (nunsure > 1)
                qsort(cand, nunsure, sizeof *cand, cmp_pair_id);
            add_via(&out->unsure_via, cand, nunsure, 0);
            free(cand);
        }
        if (deflt) {
            struct reach_row *r = row_add(out);
            r->id = "*";
            r->display = "";
            r->email = "";
            struct src s = {REACH_PROJECT_DEFAULT, NULL, NULL, deflt->priv, 0};
            struct pair p = {0, "*", NULL, NULL, NULL, s};
            r->level = rank_level(add_via(&r->via, &p, 1, 0));
        }
        for (size_t i = 0; i < ps.n;) {
            size_t j = i + 1;
            while (j < ps.n && !strcasecmp(ps.p[j].id, ps.p[i].id))
                j++;
            if (deflt) {
                /* the default ends the sources of every named user */
                struct pair p = ps.p[i];
                p.s = (struct src){REACH_PROJECT_DEFAULT, NULL, NULL, deflt->priv, 0};
                pairs_add(&ps, &p);     /* at the end: after j, read below */
                struct pair *grp = xmalloc((j - i + 1) * sizeof *grp);
                memcpy(grp, ps.p + i, (j - i) * sizeof *grp);
                grp[j - i] = ps.p[ps.n - 1];
                ps.n--;
                struct reach_row *r = row_add(out);
                r->id = grp[0].id;
                for (size_t k = 0; k <= j - i; k++) {
                    if (!r->display && grp[k].display)
                        r->display = grp[k].display;
                    if (!r->email && grp[k].email)
                        r->email = grp[k].email;
                }
                r->display = nz(r->display);
                r->email = nz(r->email);
                r->level = rank_level(add_via(&r->via, grp, j - i + 1, 0));
                free(grp);
            } else {
                struct reach_row *r = row_add(out);
                r->id = ps.p[i].id;
                for (size_t k = i; k < j; k++) {
                    if (!r->display && ps.p[k].display)
                        r->display = ps.p[k].display;
                    if (!r->email && ps.p[k].email)
                        r->email = ps.p[k].email;
                }
                r->display = nz(r->display);
                r->email = nz(r->email);
                r->level = rank_level(add_via(&r->via, ps.p + i, j - i, 0));
            }
            i = j;
        }
    }
    if (out->n > 1)
        qsort(out->rows, out->n, sizeof *out->rows, cmp_row);
    free(ps.p);
    free(unsure);
}

void reach_out_free(struct reach_out *o)
{
    buf_free(&o->unsure_via);
    for (size_t i = 0; i < o->n; i++)
        buf_free(&o->rows[i].via);
    free(o->rows);
    memset(o, 0, sizeof *o);
}
