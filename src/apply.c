/*
 * What a worker does with one row of apply or plan (apply_run), in order:
 *   1. an email (Cloud) becomes the member's account (people.c, batched);
 *   2. with the live state (plan, --diff, --undo-file, --prune), the row is
 *      compared with what its target holds now (live_get, live_change): an
 *      unchanged row is done, a plan's row is described and recorded as
 *      what the rows after it will find (live_set);
 *   3. the undo row is written ahead of the write (undo.c), once per
 *      permission however the rows spell its user;
 *   4. the write goes out (exec.c) and its outcome is recorded: in the live
 *      state, and for the undo file (a refused write changed nothing).
 * plan --prune asks, before it plans a grant to a subject its target does
 * not hold, whether Bitbucket knows that subject (subjects.c): a row naming
 * one it does not know fails, marked unresolved, and stops its scope's
 * prune.
 * A Cloud user has two names, {uuid} and account id; the pool runs every
 * user row of a target one at a time (api_order_key), and the live state
 * learns which names are one user from the email lookup, the PUT's answer
 * or GET /users/{id} (learn_other_name), so each row compares with what the
 * rows before it left.
 */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"

void *apply_worker_init(void *shared, int index)
{
    struct apply_shared *sh = shared;
    struct exec_worker *ex = exec_worker_new(sh->ex, index);
    if (!ex)
        return NULL;
    struct apply_worker *w = xcalloc(1, sizeof *w);
    w->sh = sh;
    w->ex = ex;
    return w;
}

void apply_worker_fini(void *wctx)
{
    struct apply_worker *w = wctx;
    exec_worker_free(w->ex);
    free(w);
}

void apply_cancel_row(const struct apply_shared *sh, struct row_job *j)
{
    j->res.status = ROW_CANCELLED;
    msg_printf(j->res.msg, sizeof j->res.msg, "not sent: %s", exec_stop_reason(sh ? sh->ex : NULL));
}

void apply_add_note(struct row_job *j, const char *note)
{
    if (!note[0])
        return;
    size_t n = strlen(j->res.msg);
    snprintf(j->res.msg + n, sizeof j->res.msg - n, "%s%s", n ? "; " : "", note);
}

void apply_lookup_failed(struct row_job *j, const struct pager_error *err, const char *what)
{
    if (err->cancelled) {
        j->res.status = ROW_CANCELLED;
        msg_printf(j->res.msg, sizeof j->res.msg, "%s", err->msg);
        return;
    }
    j->res.status = ROW_FAILED;
    j->res.http_status = err->status > 0 ? err->status : 0;
    j->res.no_answer = err->status <= 0;
    msg_printf(j->res.msg, sizeof j->res.msg, "%.200s: %.390s", what, err->msg);
}

/* A Cloud user row, after its target's user list was read. The user may be
 * one that rows before it added under its other name ({uuid} or account
 * id): learn both names (from the email lookup, else GET /users/{id}) and
 * tell the live state they are one. Returns 1 when it learnt something. */
static int learn_other_name(struct apply_worker *w, const struct request *req,
                            const char *subject, const char *uuid_known)
{
    struct apply_shared *sh = w->sh;
    if (!sh->api->user_path || req->subject != SUBJECT_USER || !live_half_known(sh->live, req))
        return 0;
    if (uuid_known && uuid_known[0]) {
        live_pair(sh->live, req, subject, uuid_known);
        return 1;
    }
    struct buf url = {0};
    buf_adds(&url, sh->base);
    sh->api->user_path(&url, subject, strlen(subject));
    struct exec_result res = {.attempts = 0};
    enum exec_outcome o = exec_request(w->ex, "GET", url.data, NULL, &res);
    buf_free(&url);
    if (o != EXEC_OK)
        return 0;       /* the row goes on with what the list says */
    cJSON *root = cJSON_ParseWithLength(res.body, res.body_len);
    const char *account, *uuid;
    api_user_names(root, "", &account, &uuid);
    live_pair(sh->live, req, account, uuid);
    cJSON_Delete(root);
    return account && uuid;
}

/* After a Cloud user PUT: its answer names the user under both names. */
static void learn_from_answer(struct apply_shared *sh, const struct request *req,
                              const char *body, size_t len)
{
    if (!sh->api->user_path || req->subject != SUBJECT_USER || !body || !len)
        return;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *account, *uuid;
    api_user_names(root, "user", &account, &uuid);
    live_pair(sh->live, req, account, uuid);
    cJSON_Delete(root);
}

/* plan --prune: a row that may fall in a scope and would grant to a
 * subject its target does not hold, when Bitbucket says it knows no such
 * subject, fails (unresolved: it stops its scope). Returns 1 then. An email
 * row resolved to a member already. */
int apply_unknown_subject(struct apply_worker *w, struct row_job *j, const char *subject,
                          size_t sublen)
{
    const struct request *req = &j->req;
    if (!w->sh->subjects || req->subject_is_email || !prune_may_fall_in(w->sh->prune, req) ||
        subjects_check(w->sh->subjects, req, subject, sublen, exec_pager(w->ex)) != 0)
        return 0;
    j->res.status = ROW_FAILED;
    j->res.unresolved = 1;
    if (req->subject == SUBJECT_GROUP)
        msg_printf(j->res.msg, sizeof j->res.msg, "no such group: %.*s", (int)sublen, subject);
    else if (w->sh->api->has_workspaces)
        msg_printf(j->res.msg, sizeof j->res.msg, "not a member of %.*s: %.*s",
                   (int)req->workspace_len, req->workspace, (int)sublen, subject);
    else
        msg_printf(j->res.msg, sizeof j->res.msg, "no such user: %.*s", (int)sublen, subject);
    return 1;
}

void apply_cancelled(void *arg, struct pool_node *n)
{
    apply_cancel_row(arg, ROW_JOB_OF_NODE(n));
}

void apply_run(void *wctx, struct pool_node *n)
{
    struct apply_worker *w = wctx;
    struct row_job *j = ROW_JOB_OF_NODE(n);
    if (j->role == ROLE_TARGET) {
        w->sh->read_target(w->sh->read_ctx, j, exec_pager(w->ex));
        return;
    }
    if (j->role == ROLE_CHECK) {
        j->kind->plan_check(w, j);
        return;
    }
    /* a job made by the run itself (prune's rows) is a permission row */
    const struct kind_ops *kind = j->kind ? j->kind : &kind_permission;
    kind->run(w, j);
    /* rows that end without any answer from the server, in a row, stop the run */
    if (j->res.status == ROW_FAILED || j->res.status == ROW_OK || j->res.status == ROW_PLANNED)
        exec_row_done(w->sh->ex, j->res.status == ROW_FAILED && j->res.no_answer);
}

int apply_resolve_email(struct apply_worker *w, struct row_job *j, char *account, size_t accountsz,
                        char *uuid, size_t uuidsz, char *note, size_t notesz)
{
    struct apply_shared *sh = w->sh;
    const struct request *req = &j->req;
    const char *subject = req->subject_name;
    size_t sublen = req->subject_len;
    char what[300];
    struct pager_error err;
    int rc = people_resolve(sh->people, req->workspace, req->workspace_len, subject, sublen,
                            exec_pager(w->ex), account, accountsz, uuid, uuidsz, &err);
    if (rc < 0) {
        snprintf(what, sizeof what, "cannot look up %.*s in workspace %.*s", (int)sublen,
                 subject, (int)req->workspace_len, req->workspace);
        apply_lookup_failed(j, &err, what);
        j->res.unresolved = 1;
        return -1;
    }
    if (rc > 0) {
        j->res.status = ROW_FAILED;
        j->res.unresolved = 1;
        msg_printf(j->res.msg, sizeof j->res.msg, "no member of the workspace %.*s has the email %.*s",
                 (int)req->workspace_len, req->workspace, (int)sublen, subject);
        return -1;
    }
    snprintf(note, notesz, "%.*s is account %s", (int)sublen, subject, account);
    return 0;
}

/* What a row and a plan check share, up to the comparison. The row's
 * subject as the server knows it (an email resolved into account, with its
 * {uuid} in uuid and a note), then, with the live state, the level it
 * holds now. Returns 0, or -1 with the result filled (failed, cancelled). */
struct subject_now {
    const char *subject;
    size_t sublen;
    char account[256], uuid[128], note[400];
    enum privilege now;
};

static int read_subject_now(struct apply_worker *w, struct row_job *j, struct subject_now *sn)
{
    struct apply_shared *sh = w->sh;
    const struct request *req = &j->req;
    char what[300], where[200];
    struct pager_error err;
    sn->subject = req->subject_name;
    sn->sublen = req->subject_len;
    sn->uuid[0] = sn->note[0] = '\0';
    sn->now = PRIV_NONE;
    if (req->subject_is_email) {
        if (apply_resolve_email(w, j, sn->account, sizeof sn->account, sn->uuid, sizeof sn->uuid,
                                sn->note, sizeof sn->note) != 0)
            return -1;
        /* the permission the row names, under both of the user's names */
        _Static_assert(sizeof sn->account <= JOB_NAMED_MAX && sizeof sn->uuid <= JOB_NAMED_MAX,
                       "the names fit the job");
        memcpy(j->res.named[0], sn->account, sizeof sn->account);
        memcpy(j->res.named[1], sn->uuid, sizeof sn->uuid);
        sn->subject = sn->account;
        sn->sublen = strlen(sn->account);
    }
    if (!sh->live)
        return 0;
    if (live_get(sh->live, req, sn->subject, sn->sublen, exec_pager(w->ex), &sn->now, &err) != 0) {
        api_target_label(req, where, sizeof where);
        snprintf(what, sizeof what, "cannot read the permissions of %s", where);
        apply_lookup_failed(j, &err, what);
        return -1;
    }
    if (sn->now == PRIV_NONE && learn_other_name(w, req, sn->subject, sn->uuid) &&
        live_get(sh->live, req, sn->subject, sn->sublen, exec_pager(w->ex), &sn->now, &err) != 0) {
        api_target_label(req, where, sizeof where);
        snprintf(what, sizeof what, "cannot read the permissions of %s", where);
        apply_lookup_failed(j, &err, what);
        return -1;
    }
    if (req->subject == SUBJECT_USER)   /* for the report, where the list names the user */
        live_display(sh->live, req, sn->subject, sn->sublen, j->res.display, sizeof j->res.display);
    return 0;
}

/* A plan's row, checked before any write (stale.c): the level its subject
 * holds now, and the keys of its permission under each name known. */
void apply_permission_check(struct apply_worker *w, struct row_job *j)
{
    struct subject_now sn;
    j->res.prev = -1;
    if (read_subject_now(w, j, &sn) != 0)
        return;
    j->res.status = ROW_OK;
    j->res.prev = (int)sn.now;
    /* named[0] stays "": the row's own subject (outcome.h) */
    if (!j->req.subject_is_email)
        live_other_name(w->sh->live, &j->req, sn.subject, sn.sublen, j->res.named[1],
                        sizeof j->res.named[1]);
}

/* The work of one permission row; fills its result. */
void apply_permission_row(struct apply_worker *w, struct row_job *j)
{
    struct apply_shared *sh = w->sh;
    const struct request *req = &j->req;
    struct subject_now sn;
    char other[256] = "";

    j->res.attempts = 0;
    j->res.http_status = 0;
    j->res.msg[0] = '\0';
    j->res.prev = -1;
    j->res.change = CH_NONE;
    j->res.no_answer = 0;

    if (read_subject_now(w, j, &sn) != 0)
        return;
    const char *subject = sn.subject;
    size_t sublen = sn.sublen;
    const char *uuid = sn.uuid, *note = sn.note;

    if (sh->live) {
        enum privilege now = sn.now;
        j->res.prev = (int)now;
        j->res.change = live_change(now, req->priv);
        if (j->res.change == CH_UNCHANGED) {
            j->res.status = ROW_OK;
            msg_printf(j->res.msg, sizeof j->res.msg, "unchanged");
            apply_add_note(j, note);
            return;
        }
        if (sh->plan && now == PRIV_NONE && req->priv != PRIV_NONE &&
            apply_unknown_subject(w, j, subject, sublen))
            return;
        if (sh->plan) {
            j->res.status = ROW_PLANNED;
            live_describe(j->res.change, now, req->priv, j->res.msg, sizeof j->res.msg);
            apply_add_note(j, note);
            /* the rows after it compare with what it would leave */
            live_set(sh->live, req, subject, sublen, req->priv);
            if (uuid[0])
                live_pair(sh->live, req, subject, uuid);
            return;
        }
        if (sh->undo && !live_other_name(sh->live, req, subject, sublen, other, sizeof other))
            other[0] = '\0';
        if (sh->undo && undo_record(sh->undo, req, subject, sublen, other[0] ? other : NULL,
                                    now) != 0) {
            j->res.status = ROW_FAILED;
            msg_printf(j->res.msg, sizeof j->res.msg, "not sent: cannot write the undo file: %s",
                     strerror(errno));
            return;
        }
    }

    j->url.len = 0;
    buf_adds(&j->url, sh->base);
    const char *method = sh->api->write(&j->url, req, subject, sublen, &j->body);
    struct exec_result res = {.attempts = 0};
    enum exec_outcome o = exec_request(w->ex, method, j->url.data, j->body, &res);
    j->res.attempts = res.attempts;
    j->res.http_status = res.http_status;
    /* a 4xx answer changed nothing: its undo row is withdrawn */
    if (sh->undo && (o == EXEC_OK || (o == EXEC_FAILED && res.http_status >= 400 &&
                                      res.http_status < 500)))
        undo_outcome(sh->undo, req, subject, sublen, other[0] ? other : NULL, o == EXEC_OK);
    switch (o) {
    case EXEC_OK:
        j->res.status = ROW_OK;
        if (sh->live) {
            live_set(sh->live, req, subject, sublen, req->priv);
            if (uuid[0])
                live_pair(sh->live, req, subject, uuid);
            else
                learn_from_answer(sh, req, res.body, res.body_len);
        }
        apply_add_note(j, note);
        return;
    case EXEC_FAILED:
        j->res.status = ROW_FAILED;
        j->res.no_answer = res.http_status == 0;
        break;
    case EXEC_CANCELLED:
    case EXEC_ABORTED:
        j->res.status = ROW_CANCELLED;
        if (o == EXEC_ABORTED)
            j->res.http_status = 0;
        break;
    }
    msg_printf(j->res.msg, sizeof j->res.msg, "%s", res.msg);
    apply_add_note(j, note);
}
