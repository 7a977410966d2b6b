/* The kinds of resource a row may be (see kind.h), and the permission
 * kind's table, over row.c, api.c and apply.c. */
#include "kind.h"

#include <stdio.h>

#include "apply.h"
#include "export.h"
#include "markdown.h"
#include "stale.h"

/* Every kind but the permission one, which takes the rows no other claims. */
static const struct kind_ops *const others[] = {&kind_branch};

const struct kind_ops *kind_of(const struct colmap *m, const char *const *cells,
                               const size_t *lens, unsigned n)
{
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i]->claims(m, cells, lens, n))
            return others[i];
    return &kind_permission;
}

const struct kind_ops *kind_exported(const struct bb_config *cfg)
{
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i]->export && others[i]->export->chosen && others[i]->export->chosen(cfg))
            return others[i];
    return &kind_permission;
}

int kind_header_has_others(const struct colmap *m)
{
    return m->col[COL_RULE] >= 0;
}

static const struct kind_ops *const all[] = {&kind_permission, &kind_branch};

void kind_states_new(struct apply_shared *sh)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]->state_new)
            sh->kstate[all[i]->slot] = all[i]->state_new(sh);
}

void kind_states_free(struct apply_shared *sh)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i]->state_free)
            all[i]->state_free(sh->kstate[all[i]->slot]);
        sh->kstate[all[i]->slot] = NULL;
    }
}

/* ---- permissions ---------------------------------------------------------- */

static int perm_claims(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n)
{
    (void)m, (void)cells, (void)lens, (void)n;
    return 1;
}

static int perm_validate(const struct colmap *m, const char *const *cells, const size_t *lens,
                         unsigned n, struct row_job *j, char *msg, size_t msgsz)
{
    return row_validate(m, cells, lens, n, &j->req, msg, msgsz);
}

/* the permission and the privilege */
static int perm_resume_key(const struct colmap *m, const char *const *cells, const size_t *lens,
                           unsigned n, int any_repo, struct request *req, struct buf *key)
{
    char why[540];
    if (row_validate(m, cells, lens, n, req, why, sizeof why) != 0)
        return -1;
    struct request q = *req;
    buf_addc(key, any_repo ? '*' : '=');
    if (any_repo)
        q.target_len = 0;
    api_key(key, &q);
    buf_addc(key, '\x1f');
    buf_adds(key, privilege_name(q.priv));
    return 0;
}

static void perm_order_key(struct buf *key, const struct api_ops *api, const struct row_job *j)
{
    api_order_key(key, api, &j->req);
}

static void perm_dry_run(const struct api_ops *api, const char *base, struct row_job *j)
{
    const struct request *req = &j->req;
    const char *body;
    j->res.status = ROW_PLANNED;
    j->url.len = 0;
    (void)base;
    const char *method = api->write(&j->url, req, req->subject_name, req->subject_len, &body);
    msg_printf(j->res.msg, sizeof j->res.msg, "%s %s%s%s%s", method, j->url.data, body ? " " : "",
               body ? body : "", req->subject_is_email ? " (the email is resolved to an account when applied)" : "");
}

static void perm_submitted(struct apply_shared *sh, const struct row_job *j)
{
    const struct request *req = &j->req;
    if (sh && req->subject_is_email)
        people_note(sh->people, req->workspace, req->workspace_len, req->subject_name,
                    req->subject_len);
}

/* --markdown: subject, the level before, the level the row asks for. */
static void perm_report_cells(const struct colmap *m, const char *const *cells,
                              const struct report_row *r, struct buf *out)
{
    markdown_subject(m, cells, r, out);
    buf_addc(out, '\0');
    buf_adds(out, r->res->prev >= 0 ? privilege_name((enum privilege)r->res->prev) : "none");
    buf_addc(out, '\0');
    buf_adds(out, privilege_name(r->req->priv));
    buf_addc(out, '\0');
}

static void perm_report_what(const struct colmap *m, const char *const *cells,
                             const struct report_row *r, struct buf *out)
{
    if (r->res->status != ROW_INVALID) {
        buf_adds(out, privilege_name(r->req->priv));
        return;
    }
    const char *s;
    size_t len;
    row_cell(m, COL_PRIVILEGE, cells, r->cells.lens, r->cells.n, &s, &len);
    buf_add(out, s, len);
}

static const struct markdown_kind perm_report = {
    .heading = "Permission changes",
    .plural = "permissions",
    .columns = "subject | previous | new",
    .ncols = 3,
    .what_column = "privilege",
    .cells = perm_report_cells,
    .what = perm_report_what,
};

const struct kind_ops kind_permission = {
    .name = "permission",
    .slot = 0,
    .claims = perm_claims,
    .validate = perm_validate,
    .order_key = perm_order_key,
    .dry_run = perm_dry_run,
    .submitted = perm_submitted,
    .run = apply_permission_row,
    .resume_key = perm_resume_key,
    .plan_row = stale_permission_row,
    .plan_check = apply_permission_check,
    .report = &perm_report,
    .export = &export_permission,
};
