#ifndef BBPERM_APPLY_H
#define BBPERM_APPLY_H

#include "api.h"
#include "exec.h"
#include "rowjob.h"
#include "live.h"
#include "people.h"
#include "prune.h"
#include "subjects.h"
#include "undo.h"

/* What a worker does with one row of apply or plan: resolve an email to
 * its account, read the target's live state (plan, --diff), compare, write
 * the undo row ahead, send the write. These are the pool's callbacks. */

struct apply_shared {
    struct exec_shared *ex;
    const struct api_ops *api;
    const char *base;               /* API root without a trailing '/' */
    struct live *live;              /* NULL: writes go out blind */
    struct people *people;          /* NULL: no email rows can come */
    struct undo *undo;              /* NULL: no --undo-file */
    int plan;                       /* compare only; never write */
    struct subjects *subjects;      /* plan --prune: check a subject new to its
                                     * target; else NULL */
    const struct prune *prune;      /* with subjects: which rows may stop a scope */
    /* a job that is a target to read, not a row (prune's walk); NULL when
     * none can come */
    void (*read_target)(void *ctx, struct row_job *j, const struct pager_fetch *f);
    void *read_ctx;
    void *kstate[4];                /* each kind's shared state (kind.h), or NULL */
    const struct bb_config *cfg;    /* frozen */
};

/* One worker's: its shared state and its connection. */
struct apply_worker {
    struct apply_shared *sh;
    struct exec_worker *ex;
};

void *apply_worker_init(void *shared, int index);
void apply_worker_fini(void *wctx);
void apply_run(void *wctx, struct pool_node *n);
void apply_cancelled(void *arg, struct pool_node *n);
/* Fill the result of a row that is not sent because the run was stopped,
 * saying why (sh may be NULL: then a signal). */
void apply_cancel_row(const struct apply_shared *sh, struct row_job *j);

/* The permission kind's run of one row (kind.c's table). */
void apply_permission_row(struct apply_worker *w, struct row_job *j);
/* Its check of a saved plan's row (stale.c): the level its subject holds
 * now, into j->res.prev, and the names of its permission in res.named. */
void apply_permission_check(struct apply_worker *w, struct row_job *j);

/* Helpers for a kind's run of a row. A Cloud email row: its account (and
 * {uuid}, or ""), with "EMAIL is account ID" in note. Returns 0, or -1 with
 * the row failed (or cancelled) and its message set. */
int apply_resolve_email(struct apply_worker *w, struct row_job *j, char *account, size_t accountsz,
                        char *uuid, size_t uuidsz, char *note, size_t notesz);
/* A lookup (a list, a members query) did not answer: the row fails with it,
 * or is cancelled. */
void apply_lookup_failed(struct row_job *j, const struct pager_error *err, const char *what);
/* plan --prune: a row that may fall in a scope and would add subject (the
 * name its write sends; not an email) where its target does not have it:
 * when Bitbucket says it knows no such subject (subjects.c), the row fails,
 * marked unresolved (it stops its scope's prune), and 1 is returned. */
int apply_unknown_subject(struct apply_worker *w, struct row_job *j, const char *subject,
                          size_t sublen);
/* Append "; note" (or note) to the row's message, cut if need be. */
void apply_add_note(struct row_job *j, const char *note);

#endif
