/*
 * DESIGN
 *
 * The branch-rule kind (kind.h's table for rows with a rule cell): what a
 * worker does with one such row, plan or apply.
 *   1. A Cloud user named by email becomes the member's account (people.c).
 *   2. The row's restriction (target, rule, branch) is read from the
 *      target's restrictions (brcache.c: read once per target per run,
 *      always, plan or apply), and the row applied to a copy of it
 *      (brestr_row_apply); the difference is the write (brestr_diff):
 *      none (unchanged), create, update (the lists or the value), delete.
 *   3. A plan describes the change and records it in the cache, so the rows
 *      after it (the pool runs the rows of one restriction one at a time, in
 *      file order: the order key is target + restriction key) compare with
 *      what it would leave.
 *   4. --undo-file: the rows that put the restriction back are written
 *      ahead, first state wins: the first write of a restriction records
 *      it whole (absent: a row that deletes it; present: a row per subject
 *      it lists, or one without a subject, with its value), and the first
 *      write of a subject it did not list records the subject's removal.
 *      The marks (brcache_first) fold every spelling of a user the run
 *      learns (a {uuid} and an account id, an email's account), so a
 *      restriction gets one row set however the rows name a user.
 *   5. The write goes out through the flavour's table (api_branch.c): Cloud
 *      POST, PUT .../{id}, DELETE .../{id}; Data Center has no update: a
 *      POST of the restriction with its new lists, and when the answer
 *      names another id than the old one, a DELETE of the old one, only
 *      once the new one is in place (the branch is never unprotected in
 *      between). The answer is what the cache records (it names a Cloud
 *      user under both names); a write that fails records nothing, so the
 *      cache stays as the server is.
 */
#include "brapply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_branch.h"
#include "brcache.h"
#include "brreport.h"
#include "csvout.h"
#include "export.h"
#include "kind.h"
#include "stale.h"

#define BRANCH_SLOT 1

/* ---- what a row says ------------------------------------------------------ */

static void row_of(const struct row_job *j, const char *subject, size_t len, const char *alt,
                   struct brestr_row *row)
{
    memset(row, 0, sizeof *row);
    row->kind = !j->br.has_subject ? BRS_NONE
              : j->req.subject == SUBJECT_GROUP ? BRS_GROUP : BRS_USER;
    row->name = subject;
    row->len = len;
    row->alt = alt && alt[0] ? alt : NULL;
    row->remove = j->br.remove;
    row->value = j->br.value;
}

/* Apply the row to want (its subject as resolved) and write what it found
 * into the result's previous cell. */
static void row_apply(struct row_job *j, const char *subject, size_t len, const char *alt,
                      struct brestr *want, int *exists, struct brestr_row *row)
{
    row_of(j, subject, len, alt, row);
    struct buf prev = {0};
    brestr_row_apply(want, exists, row, &prev);
    buf_addc(&prev, '\0');
    msg_printf(j->res.previous, sizeof j->res.previous, "%s", prev.data);
    buf_free(&prev);
}

/* The target's restrictions could not be read: the row fails (or is
 * cancelled) with why. */
static void restrictions_unread(struct row_job *j, const struct pager_error *err)
{
    char where[200], what[300];
    api_target_label(&j->req, where, sizeof where);
    snprintf(what, sizeof what, "cannot read the branch restrictions of %s", where);
    apply_lookup_failed(j, err, what);
}

/* "push on main" */
static void restriction_label(enum api_flavour f, const struct brestr *r, struct buf *out)
{
    buf_adds(out, r->rule);
    buf_adds(out, " on ");
    brule_branch_cell(f, &r->branch, out);
}

/* The plan's words for a change, and what it counts as. */
static enum row_change describe(enum api_flavour f, enum brestr_op op, const struct brestr *live,
                                const struct brestr *want, const struct brestr_row *row,
                                char *out, size_t outsz)
{
    struct buf b = {0}, what = {0};
    restriction_label(f, want, &what);
    buf_addc(&what, '\0');
    const char *kind = row->kind == BRS_GROUP ? "group" : "user";
    char v[40] = "";
    if (want->value >= 0)
        snprintf(v, sizeof v, " value %ld", want->value);
    enum row_change c = CH_CHANGE;
    switch (op) {
    case BROP_NONE:
        msg_printf(out, outsz, "unchanged");
        c = CH_UNCHANGED;
        break;
    case BROP_CREATE:
        if (row->kind != BRS_NONE)
            msg_printf(out, outsz, "create %s with %s %.*s%s", what.data, kind, (int)row->len,
                       row->name, v);
        else
            msg_printf(out, outsz, "create %s%s%s", what.data, v[0] ? " with" : "", v);
        c = CH_GRANT;
        break;
    case BROP_DELETE:
        msg_printf(out, outsz, "delete %s", what.data);
        c = CH_REVOKE;
        break;
    case BROP_UPDATE:
        if (row->kind != BRS_NONE && row->remove) {
            msg_printf(out, outsz, "remove %s %.*s from %s", kind, (int)row->len, row->name,
                       what.data);
            c = CH_REVOKE;
        } else if (row->kind != BRS_NONE && !row->remove &&
                   want->users.n + want->groups.n > live->users.n + live->groups.n) {
            msg_printf(out, outsz, "add %s %.*s to %s", kind, (int)row->len, row->name,
                       what.data);
            c = CH_GRANT;
        } else if (want->value != live->value) {
            if (live->value >= 0)
                msg_printf(out, outsz, "set value %ld (was %ld) on %s", want->value, live->value,
                           what.data);
            else
                msg_printf(out, outsz, "set value %ld on %s", want->value, what.data);
        } else
            msg_printf(out, outsz, "update %s", what.data);
        break;
    }
    buf_free(&b);
    buf_free(&what);
    return c;
}

/* ---- the table's entries -------------------------------------------------- */

static int br_claims(const struct colmap *m, const char *const *cells, const size_t *lens,
                     unsigned n)
{
    return row_is_branch_rule(m, cells, lens, n);
}

static int br_validate(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n, struct row_job *j, char *msg, size_t msgsz)
{
    return brrow_validate(m, cells, lens, n, &j->req, &j->br, msg, msgsz);
}

/* target, then the restriction: its rows run one at a time, in file order */
static void br_order_key(struct buf *key, const struct api_ops *api, const struct row_job *j)
{
    buf_adds(key, "b\x1f");
    api_target_key(key, &j->req);
    buf_addc(key, '\x1f');
    branch_restriction_key(api->flavour, j->br.rule->name, &j->br.branch, key);
}

/* The restriction (target, branch, rule), the subject, add or remove and
 * the value, as the row spells them; 'b' first: never a permission's key. */
static int br_resume_key(const struct colmap *m, const char *const *cells, const size_t *lens,
                         unsigned n, int any_repo, struct request *req, struct buf *key)
{
    struct brow br;
    char why[580], v[32];
    if (brrow_validate(m, cells, lens, n, req, &br, why, sizeof why) != 0)
        return -1;
    struct request q = *req;
    buf_adds(key, any_repo ? "b*" : "b=");
    if (any_repo)
        q.target_len = 0;
    if (br.has_subject)
        api_key(key, &q);
    else
        api_target_key(key, &q);
    buf_addc(key, '\x1f');
    branch_restriction_key(m->api, br.rule->name, &br.branch, key);
    snprintf(v, sizeof v, "\x1f%c%c\x1f%ld", br.has_subject ? 's' : '-', br.remove ? '-' : '+',
             br.value);
    buf_adds(key, v);
    return 0;
}

/* A saved plan's row (stale.c): valid, not a pattern, what it saw. */
static int br_plan_row(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n, struct stale_check *chk)
{
    struct request req;
    struct brow br;
    char why[580];
    memset(chk, 0, sizeof *chk);
    if (brrow_validate(m, cells, lens, n, &req, &br, why, sizeof why) != 0 ||
        req.target_is_pattern)
        return STALE_SKIP;
    enum stale_row k = stale_text_row(m, cells, lens, n, chk);
    struct buf what = {0};
    buf_adds(&what, br.rule->name);
    buf_adds(&what, " on ");
    brule_branch_cell(m->api, &br.branch, &what);
    buf_addc(&what, '\0');
    if (br.has_subject)
        msg_printf(chk->what, sizeof chk->what, "%s %s %.*s", what.data,
                   req.subject == SUBJECT_GROUP ? "group" : "user", (int)req.subject_len,
                   req.subject_name);
    else
        msg_printf(chk->what, sizeof chk->what, "%s", what.data);
    buf_free(&what);
    return (int)k;
}

/* Worker: what a saved plan's row finds now, after the plan's earlier rows
 * of its restriction (they ran before it: the order key), into
 * j->res.previous; what it leaves is recorded for the next (not a held
 * row: it was not to be sent). Nothing is written. */
static void br_plan_check(struct apply_worker *w, struct row_job *j)
{
    struct apply_shared *sh = w->sh;
    struct brcache *c = sh->kstate[BRANCH_SLOT];
    const struct request *req = &j->req;
    const char *subject = req->subject_name;
    size_t sublen = req->subject_len;
    char account[256], uuid[128] = "", note[400];
    struct pager_error err;
    j->res.prev = -1;
    j->res.previous[0] = '\0';
    if (j->br.has_subject && req->subject_is_email) {
        if (apply_resolve_email(w, j, account, sizeof account, uuid, sizeof uuid, note,
                                sizeof note) != 0)
            return;
        subject = account;
        sublen = strlen(account);
    }
    struct brestr want;
    brestr_init(&want);
    int exists;
    if (brcache_sim_get(c, req, j->br.rule->name, &j->br.branch, exec_pager(w->ex), &want,
                        &exists, &err) != 0) {
        restrictions_unread(j, &err);
        brestr_free(&want);
        return;
    }
    struct brestr_row row;
    row_apply(j, subject, sublen, uuid, &want, &exists, &row);
    if (!j->check.held)
        brcache_sim_set(c, req, &want, exists);
    j->res.status = ROW_OK;
    brestr_free(&want);
}

/* --dry-run reads nothing: the request for the restriction as the row
 * alone would make it, and what differs when it exists. */
static void br_dry_run(const struct api_ops *api, const char *base, struct row_job *j)
{
    (void)base;
    const struct branch_api *b = branch_api_for(api->flavour);
    const struct request *req = &j->req;
    struct brestr none, want;
    brestr_init(&none);
    brestr_init(&want);
    msg_printf(none.rule, sizeof none.rule, "%s", j->br.rule->name);
    none.branch = j->br.branch;
    brestr_copy(&want, &none);
    struct brestr_row row;
    row_of(j, req->subject_name, req->subject_len, NULL, &row);
    int exists = 0;
    struct buf prev = {0}, body = {0}, what = {0};
    restriction_label(api->flavour, &want, &what);
    buf_addc(&what, '\0');
    j->url.len = 0;
    const char *ct;
    const char *email = req->subject_is_email ? " (the email is resolved to an account when applied)" : "";
    if (!j->br.remove) {
        brestr_row_apply(&want, &exists, &row, &prev);
        enum branch_method m = b->write(&j->url, &body, &ct, req, BROP_CREATE, &none, &want);
        buf_addc(&body, '\0');
        buf_addc(&j->url, '\0');
        msg_printf(j->res.msg, sizeof j->res.msg, "%s %s %s%s (when %s exists: its lists and value "
                   "are updated instead)", branch_method_name(m), j->url.data, body.data, email,
                   what.data);
    } else {
        none.id = 1;            /* any: the URL shows where the id goes */
        enum branch_method m = b->write(&j->url, &body, &ct, req, BROP_DELETE, &none, &none);
        buf_addc(&j->url, '\0');
        char *slash = strrchr(j->url.data, '/');
        if (slash)
            *slash = '\0';
        if (row.kind == BRS_NONE)
            msg_printf(j->res.msg, sizeof j->res.msg, "%s %s/{id of %s} (when it exists)",
                       branch_method_name(m), j->url.data, what.data);
        else
            msg_printf(j->res.msg, sizeof j->res.msg, "the write of %s without %s %.*s%s, "
                       "when it lists them (%s %s...)", what.data,
                       req->subject == SUBJECT_GROUP ? "group" : "user", (int)req->subject_len,
                       req->subject_name, email, b->on_projects ? "POST" : "PUT", j->url.data);
    }
    j->res.status = ROW_PLANNED;
    buf_free(&prev);
    buf_free(&body);
    buf_free(&what);
    brestr_free(&none);
    brestr_free(&want);
}

static void br_submitted(struct apply_shared *sh, const struct row_job *j)
{
    const struct request *req = &j->req;
    if (sh && sh->people && j->br.has_subject && req->subject_is_email)
        people_note(sh->people, req->workspace, req->workspace_len, req->subject_name,
                    req->subject_len);
}

static void *br_state_new(struct apply_shared *sh)
{
    return brcache_new(sh->api, sh->base);
}

static void br_state_free(void *state)
{
    brcache_free(state);
}

/* ---- undo ------------------------------------------------------------------ */

/* One undo row: target cells, the subject (kind 'g', 'u' or none), add or
 * remove, branch, rule, value. */
static void undo_line(struct buf *out, enum api_flavour f, const struct request *t,
                      const struct brestr *r, char kind, const char *name, int remove, long value)
{
    int repo = t->target == TARGET_REPO;
    csvout_cell(out, t->workspace, t->workspace_len, ',');
    buf_addc(out, ',');
    if (repo)
        csvout_cell(out, t->target_name, t->target_len, ',');
    buf_addc(out, ',');
    if (repo)
        csvout_cell(out, t->project, t->project_len, ',');
    else
        csvout_cell(out, t->target_name, t->target_len, ',');
    buf_addc(out, ',');
    if (kind == 'g')
        csvout_name_cell(out, name, strlen(name), ',');
    buf_addc(out, ',');
    if (kind == 'u')
        csvout_name_cell(out, name, strlen(name), ',');
    buf_addc(out, ',');
    buf_adds(out, remove ? "none" : "");
    buf_addc(out, ',');
    struct buf cell = {0};
    brule_branch_cell(f, &r->branch, &cell);
    csvout_cell(out, cell.data, cell.len, ',');
    buf_free(&cell);
    buf_addc(out, ',');
    buf_adds(out, r->rule);
    buf_addc(out, ',');
    if (value >= 0 && !remove) {
        char v[32];
        snprintf(v, sizeof v, "%ld", value);
        buf_adds(out, v);
    }
    buf_addc(out, '\n');
}

/* "R<key>", or "S<key>\x1f<g|u>\x1f<name>" */
static char *mark(const char *rkey, char kind, const char *name, size_t len)
{
    struct buf b = {0};
    buf_addc(&b, kind ? 'S' : 'R');
    buf_adds(&b, rkey);
    if (kind) {
        buf_addc(&b, '\x1f');
        buf_addc(&b, kind);
        buf_addc(&b, '\x1f');
        buf_add(&b, name, len);
    }
    buf_addc(&b, '\0');
    return b.data;
}

/* The marks of every subject of a list, made. */
static void mark_listed(struct brcache *c, const struct request *t, const char *rkey, char kind,
                        const struct brestr_names *l)
{
    for (size_t i = 0; i < l->n; i++) {
        char *m[2] = {mark(rkey, kind, l->v[i].id, strlen(l->v[i].id)),
                      l->v[i].alt ? mark(rkey, kind, l->v[i].alt, strlen(l->v[i].alt)) : NULL};
        brcache_first(c, t, (const char *const *)m, m[1] ? 2 : 1);
        free(m[0]);
        free(m[1]);
    }
}

/* Write ahead the rows that put the restriction back (see DESIGN, 4).
 * Returns 0, or -1 with errno. */
static int write_undo(struct apply_shared *sh, struct brcache *c, const struct row_job *j,
                      const struct brestr *live, int exists, const struct brestr_row *row)
{
    enum api_flavour f = sh->api->flavour;
    const struct request *t = &j->req;
    struct buf key = {0}, lines = {0};
    branch_restriction_key(f, live->rule, &live->branch, &key);
    buf_addc(&key, '\0');
    char *rm = mark(key.data, 0, NULL, 0);
    char absent_mark[] = "A";   /* + key: the restriction was absent first */
    char *am = xmalloc(strlen(key.data) + sizeof absent_mark);
    snprintf(am, strlen(key.data) + sizeof absent_mark, "%s%s", absent_mark, key.data);
    if (brcache_first(c, t, (const char *const *)&rm, 1)) {
        if (!exists) {
            undo_line(&lines, f, t, live, 0, NULL, 1, -1);
            brcache_first(c, t, (const char *const *)&am, 1);
        } else {
            for (size_t i = 0; i < live->groups.n; i++)
                undo_line(&lines, f, t, live, 'g', live->groups.v[i].id, 0, live->value);
            for (size_t i = 0; i < live->users.n; i++)
                undo_line(&lines, f, t, live, 'u', live->users.v[i].id, 0, live->value);
            if (!live->groups.n && !live->users.n)
                undo_line(&lines, f, t, live, 0, NULL, 0, live->value);
            mark_listed(c, t, key.data, 'g', &live->groups);
            mark_listed(c, t, key.data, 'u', &live->users);
        }
    }
    if (row->kind != BRS_NONE && !brcache_marked(c, t, am)) {
        /* a subject the restriction did not list first: its removal, once,
         * under every name of it the run knows */
        char k = row->kind == BRS_GROUP ? 'g' : 'u';
        const struct brestr_names *l = k == 'g' ? &live->groups : &live->users;
        long at = brestr_names_find(l, row->name, row->len);
        if (at < 0 && row->alt)
            at = brestr_names_find(l, row->alt, strlen(row->alt));
        char *m[4] = {mark(key.data, k, row->name, row->len), NULL, NULL, NULL};
        size_t n = 1;
        if (row->alt)
            m[n++] = mark(key.data, k, row->alt, strlen(row->alt));
        if (at >= 0) {
            m[n++] = mark(key.data, k, l->v[at].id, strlen(l->v[at].id));
            if (l->v[at].alt)
                m[n++] = mark(key.data, k, l->v[at].alt, strlen(l->v[at].alt));
        }
        if (brcache_first(c, t, (const char *const *)m, n)) {
            char *name = at >= 0 ? xstrdup(l->v[at].id) : xmalloc(row->len + 1);
            if (at < 0) {
                memcpy(name, row->name, row->len);
                name[row->len] = '\0';
            }
            undo_line(&lines, f, t, live, k, name, at < 0, at < 0 ? -1 : live->value);
            free(name);
        }
        for (size_t i = 0; i < n; i++)
            free(m[i]);
    }
    int rc = lines.len ? undo_append(sh->undo, lines.data, lines.len) : 0;
    free(rm);
    free(am);
    buf_free(&key);
    buf_free(&lines);
    return rc;
}

/* ---- the run of one row ------------------------------------------------------ */

/* Send one write; the outcome into the row's result (attempts added). */
static enum exec_outcome send_write(struct apply_worker *w, struct row_job *j, enum brestr_op op,
                              const struct brestr *live, const struct brestr *want,
                              struct exec_result *res)
{
    const struct branch_api *b = branch_api_for(w->sh->api->flavour);
    struct buf body = {0};
    const char *ct;
    j->url.len = 0;
    buf_adds(&j->url, w->sh->base);
    enum branch_method m = b->write(&j->url, &body, &ct, &j->req, op, live, want);
    buf_addc(&j->url, '\0');
    if (body.len)
        buf_addc(&body, '\0');
    enum exec_outcome o = exec_request_typed(w->ex, branch_method_name(m), j->url.data,
                                             body.len ? body.data : NULL, ct, res);
    buf_free(&body);
    j->res.attempts = res->attempts;
    j->res.http_status = res->http_status;
    return o;
}

/* What the server answered a create or an update: the restriction as it
 * now is, into got (0), or -1 when the answer cannot be read. */
static int answered(const struct api_ops *api, const struct exec_result *res, struct brestr *got)
{
    const struct branch_api *b = branch_api_for(api->flavour);
    cJSON *root = cJSON_ParseWithLength(res->body, res->body_len);
    const cJSON *item = cJSON_IsArray(root) && cJSON_GetArraySize(root) == 1
                        ? cJSON_GetArrayItem(root, 0) : root;
    brestr_free(got);
    int rc = item && cJSON_IsObject(item) && b->item(item, got) == 0 ? 0 : -1;
    cJSON_Delete(root);
    return rc;
}

static void failed(struct row_job *j, enum exec_outcome o, const struct exec_result *res,
                   const char *before)
{
    if (o == EXEC_FAILED) {
        j->res.status = ROW_FAILED;
        j->res.no_answer = res->http_status == 0;
    } else {
        j->res.status = ROW_CANCELLED;
        if (o == EXEC_ABORTED)
            j->res.http_status = 0;
    }
    msg_printf(j->res.msg, sizeof j->res.msg, "%s%s", before, res->msg);
}

static void br_run(struct apply_worker *w, struct row_job *j)
{
    struct apply_shared *sh = w->sh;
    struct brcache *c = sh->kstate[BRANCH_SLOT];
    const struct request *req = &j->req;
    enum api_flavour f = sh->api->flavour;
    const char *subject = req->subject_name;
    size_t sublen = req->subject_len;
    char account[256], uuid[128] = "", note[400] = "";
    struct pager_error err;

    j->res.attempts = 0;
    j->res.http_status = 0;
    j->res.msg[0] = '\0';
    j->res.previous[0] = '\0';
    j->res.prev = -1;
    j->res.change = CH_NONE;
    j->res.no_answer = 0;

    if (j->br.has_subject && req->subject_is_email) {
        if (apply_resolve_email(w, j, account, sizeof account, uuid, sizeof uuid, note,
                                sizeof note) != 0)
            return;
        subject = account;
        sublen = strlen(account);
        /* the names the row's subject goes by (prune: what the file names) */
        msg_printf(j->res.named[0], sizeof j->res.named[0], "%s", account);
        msg_printf(j->res.named[1], sizeof j->res.named[1], "%s", uuid);
    }

    struct brestr live, want, got;
    brestr_init(&live);
    brestr_init(&want);
    brestr_init(&got);
    int exists;
    if (brcache_get(c, req, j->br.rule->name, &j->br.branch, exec_pager(w->ex), &live, &exists,
                    &err) != 0) {
        restrictions_unread(j, &err);
        goto out;
    }
    brestr_copy(&want, &live);
    int wexists = exists;
    struct brestr_row row;
    row_apply(j, subject, sublen, uuid, &want, &wexists, &row);
    enum brestr_op op = brestr_diff(&live, exists, &want, wexists);
    j->res.change = describe(f, op, &live, &want, &row, j->res.msg, sizeof j->res.msg);

    if (op == BROP_NONE) {
        j->res.status = ROW_OK;
        apply_add_note(j, note);
        goto out;
    }
    if (sh->plan && row.kind != BRS_NONE && !row.remove && !req->subject_is_email &&
        brestr_names_find(row.kind == BRS_GROUP ? &live.groups : &live.users, subject,
                          sublen) < 0 &&
        apply_unknown_subject(w, j, subject, sublen)) {
        j->res.change = CH_NONE;
        goto out;
    }
    if (sh->plan) {
        j->res.status = ROW_PLANNED;
        apply_add_note(j, note);
        brcache_set(c, req, &want, wexists);
        goto out;
    }
    if (sh->undo && write_undo(sh, c, j, &live, exists, &row) != 0) {
        j->res.status = ROW_FAILED;
        j->res.change = CH_NONE;
        msg_printf(j->res.msg, sizeof j->res.msg, "not sent: cannot write the undo file: %s",
                   strerror(errno));
        goto out;
    }

    struct exec_result res = {.attempts = 0};
    enum exec_outcome o = send_write(w, j, op, &live, &want, &res);
    if (o != EXEC_OK) {
        failed(j, o, &res, "");
        apply_add_note(j, note);
        goto out;
    }
    if (op == BROP_DELETE) {
        brcache_set(c, req, &want, 0);
    } else {
        if (answered(sh->api, &res, &got) != 0) {
            /* the write went through; what it left is what was sent */
            brestr_copy(&got, &want);
            got.id = 0;
        }
        long old = live.id;
        brcache_set(c, req, &got, 1);
        if (op == BROP_UPDATE && got.id && got.id != old) {
            /* a new restriction took the old one's place: the old one goes
             * now that the new one is in place */
            char before[200];
            msg_printf(before, sizeof before, "the new restriction %ld is in place, but the "
                       "old one %ld was not deleted: ", got.id, old);
            struct exec_result del = {.attempts = res.attempts};
            o = send_write(w, j, BROP_DELETE, &live, &live, &del);
            if (o != EXEC_OK) {
                failed(j, o, &del, before);
                apply_add_note(j, note);
                goto out;
            }
        }
    }
    j->res.status = ROW_OK;
    apply_add_note(j, note);
out:
    brestr_free(&live);
    brestr_free(&want);
    brestr_free(&got);
}

const struct kind_ops kind_branch = {
    .name = "branch rule",
    .slot = BRANCH_SLOT,
    .claims = br_claims,
    .validate = br_validate,
    .order_key = br_order_key,
    .dry_run = br_dry_run,
    .submitted = br_submitted,
    .run = br_run,
    .resume_key = br_resume_key,
    .plan_row = br_plan_row,
    .plan_check = br_plan_check,
    .report = &brreport_markdown,
    .export = &export_branch,
    .state_new = br_state_new,
    .state_free = br_state_free,
};

struct brcache *brapply_cache(const struct apply_shared *sh)
{
    return sh->kstate[BRANCH_SLOT];
}
