/* The branch rules of one target: read, sorted, and written as export rows
 * (see branch.h). */
#include "branch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_branch.h"
#include "csvout.h"
#include "export.h"

void brestr_set_clear(struct brestr_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        brestr_free(&s->v[i]);
    s->n = 0;
}

void brestr_set_free(struct brestr_set *s)
{
    brestr_set_clear(s);
    free(s->v);
    memset(s, 0, sizeof *s);
}

struct read_ctx {
    const struct branch_api *b;
    struct brestr_set *out;
    int bad;
};

static int on_item(void *ctx, const cJSON *item)
{
    struct read_ctx *c = ctx;
    struct brestr_set *s = c->out;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    brestr_init(&s->v[s->n]);
    if (c->b->item(item, &s->v[s->n]) != 0) {
        brestr_free(&s->v[s->n]);
        c->bad = 1;
        return 1;
    }
    s->n++;
    return 0;
}

/* Sorting: the branch as its cell reads, then the rule. */
static int by_branch_rule(const void *pa, const void *pb, void *flavour)
{
    const struct brestr *a = pa, *b = pb;
    enum api_flavour f = *(const enum api_flavour *)flavour;
    struct buf ca = {0}, cb = {0};
    brule_branch_cell(f, &a->branch, &ca);
    brule_branch_cell(f, &b->branch, &cb);
    buf_addc(&ca, '\0');
    buf_addc(&cb, '\0');
    int c = strcmp(ca.data, cb.data);
    buf_free(&ca);
    buf_free(&cb);
    return c ? c : strcmp(a->rule, b->rule);
}

static int by_name(const void *pa, const void *pb)
{
    const struct brestr_name *a = pa, *b = pb;
    int c = strcasecmp(a->id, b->id);
    return c ? c : strcmp(a->id, b->id);
}

int branch_read(const struct api_ops *api, const char *base, const struct pager_fetch *f,
                const struct request *t, struct brestr_set *out, unsigned *pages,
                struct pager_error *err)
{
    const struct branch_api *b = branch_api_for(api->flavour);
    struct buf url = {0};
    buf_adds(&url, base);
    b->list(&url, t);
    buf_addc(&url, '\0');
    struct read_ctx c = {b, out, 0};
    brestr_set_clear(out);
    int rc = pager_walk(api, url.data, f, on_item, &c, pages, err);
    buf_free(&url);
    if (rc == 1 && c.bad) {
        memset(err, 0, sizeof *err);
        msg_printf(err->msg, sizeof err->msg,
                   "a branch restriction of the list cannot be read");
        brestr_set_clear(out);
        return -1;
    }
    if (rc < 0) {
        brestr_set_clear(out);
        return -1;
    }
    enum api_flavour flavour = api->flavour;
    if (out->n > 1)
        qsort_r(out->v, out->n, sizeof *out->v, by_branch_rule, &flavour);
    for (size_t i = 0; i < out->n; i++) {
        if (out->v[i].users.n > 1)
            qsort(out->v[i].users.v, out->v[i].users.n, sizeof *out->v[i].users.v, by_name);
        if (out->v[i].groups.n > 1)
            qsort(out->v[i].groups.v, out->v[i].groups.n, sizeof *out->v[i].groups.v, by_name);
    }
    return 0;
}

const char *branch_export_header(const struct api_ops *api)
{
    return api->flavour == API_DATACENTER
               ? "workspace,repo,project,branch,rule,group,user,privilege,value,email,access_keys"
               : "workspace,repo,project,branch,rule,group,user,privilege,value";
}

static void one_row(struct buf *out, const struct api_ops *api, const struct request *t,
                    const struct brestr *r, enum brestr_subject kind,
                    const struct brestr_name *n, char delim)
{
    csvout_target(out, t, delim);
    struct buf cell = {0};
    brule_branch_cell(api->flavour, &r->branch, &cell);
    csvout_name_cell(out, cell.data, cell.len, delim);
    buf_free(&cell);
    buf_addc(out, delim);
    csvout_name_cell(out, r->rule, strlen(r->rule), delim);
    buf_addc(out, delim);
    if (kind == BRS_GROUP)
        csvout_name_cell(out, n->id, strlen(n->id), delim);
    buf_addc(out, delim);
    if (kind == BRS_USER)
        csvout_name_cell(out, n->id, strlen(n->id), delim);
    buf_addc(out, delim);               /* privilege: empty, the rule is there */
    buf_addc(out, delim);
    if (r->value >= 0) {
        char v[32];
        int k = snprintf(v, sizeof v, "%ld", r->value);
        buf_add(out, v, (size_t)k);
    }
    if (api->flavour == API_DATACENTER) {
        buf_addc(out, delim);
        if (kind == BRS_USER && n->email)
            csvout_name_cell(out, n->email, strlen(n->email), delim);
        /* the keys the restriction exempts, on each of its rows: rows never
         * name them, and a carry to Cloud says they are not carried */
        buf_addc(out, delim);
        for (size_t k = 0; k < r->nkeys; k++) {
            char v[32];
            int len = snprintf(v, sizeof v, "%s%ld", k ? " " : "", r->keys[k]);
            if (len > 0 && (size_t)len < sizeof v)
                buf_add(out, v, (size_t)len);
        }
    }
    buf_addc(out, '\n');
}

unsigned branch_export_rows(struct buf *out, const struct api_ops *api, const struct request *t,
                            const struct brestr_set *s, char delim)
{
    unsigned rows = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct brestr *r = &s->v[i];
        for (size_t k = 0; k < r->groups.n; k++, rows++)
            one_row(out, api, t, r, BRS_GROUP, &r->groups.v[k], delim);
        for (size_t k = 0; k < r->users.n; k++, rows++)
            one_row(out, api, t, r, BRS_USER, &r->users.v[k], delim);
        if (!r->groups.n && !r->users.n) {
            one_row(out, api, t, r, BRS_NONE, NULL, delim);
            rows++;
        }
    }
    return rows;
}

/* ---- the branch-rule kind's export (its table's .export) ---------------- */

static int branch_chosen(const struct bb_config *cfg)
{
    return cfg->branch_rules;
}

/* One target's restrictions as rows (--user and --revoke are refused with
 * --branch-rules: cli_check). */
static long branch_rows(const struct export_ctx *x, const struct pager_fetch *f,
                        const struct request *t, struct buf *out, unsigned *pages,
                        struct pager_error *err)
{
    struct brestr_set set = {0};
    long rows = -1;
    if (branch_read(x->api, x->base, f, t, &set, pages, err) == 0)
        rows = branch_export_rows(out, x->api, t, &set, x->delim);
    brestr_set_free(&set);
    return rows;
}

static int branch_on_projects(const struct api_ops *api)
{
    return branch_api_for(api->flavour)->on_projects;
}

const struct kind_export export_branch = {
    .chosen = branch_chosen,
    .header = branch_export_header,
    .rows = branch_rows,
    .on_projects = branch_on_projects,
};
