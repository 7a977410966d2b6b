#ifndef BBPERM_EXEC_H
#define BBPERM_EXEC_H

#include <stdatomic.h>
#include "backoff.h"
#include "config.h"
#include "http.h"
#include "job.h"

/* Running one row: send its request through the gate, classify the answer,
 * retry what is worth retrying, and fill the row's result. These are the
 * pool's callbacks; exec_shared is what all workers share. */

struct exec_shared {
    const struct bb_config *cfg;    /* frozen */
    struct gate *gate;
    struct http_share *share;
    atomic_int abort;               /* second signal: abort transfers in flight */
    atomic_int auth_stop;           /* the first N answers were all 401 */
    atomic_uint answers;            /* HTTP answers received */
    atomic_uint leading_401;        /* 401s among the first answers, while all are 401 */
    atomic_ulong requests;          /* requests sent */
};

void exec_shared_init(struct exec_shared *s, const struct bb_config *cfg,
                      struct gate *gate, struct http_share *share);

void *exec_worker_init(void *shared, int index);
void exec_worker_fini(void *wctx);
void exec_run(void *wctx, struct job *j);
void exec_cancelled(struct job *j);

/* What to do after one answer (pure, unit-tested). */
enum verdict { V_OK, V_RATE_LIMITED, V_RETRY, V_FAIL, V_ABORTED };
enum verdict exec_classify(CURLcode code, long status);

#endif
