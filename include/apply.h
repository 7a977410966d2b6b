#ifndef BBPERM_APPLY_H
#define BBPERM_APPLY_H

#include "api.h"
#include "exec.h"
#include "job.h"
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
    void (*read_target)(void *ctx, struct job *j, const struct pager_fetch *f);
    void *read_ctx;
};

void *apply_worker_init(void *shared, int index);
void apply_worker_fini(void *wctx);
void apply_run(void *wctx, struct pool_node *n);
void apply_cancelled(void *arg, struct pool_node *n);
/* Fill the result of a row that is not sent because the run was stopped,
 * saying why (sh may be NULL: then a signal). */
void apply_cancel_row(const struct apply_shared *sh, struct job *j);

#endif
