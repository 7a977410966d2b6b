#ifndef BBPERM_EXEC_H
#define BBPERM_EXEC_H

#include <stdatomic.h>
#include "backoff.h"
#include "config.h"
#include "http.h"
#include "pager.h"

/* Sending one request the way every request goes out: through the gate,
 * classified on its answer, retried when a retry is worth it (429 through
 * the gate, 5xx and network faults with backoff). Rows (apply.c), lists
 * (live.c, people.c, catalog.c) and exports all send through here.
 * exec_shared is what every thread shares; an exec_worker is one thread's
 * (its libcurl handle). */

struct exec_shared {
    const struct bb_config *cfg;    /* frozen */
    struct gate *gate;
    struct http_share *share;
    atomic_int abort;               /* second signal: abort transfers in flight */
    atomic_int auth_stop;           /* the first N answers were all 401 */
    atomic_uint answers;            /* HTTP answers received */
    atomic_uint leading_401;        /* 401s among the first answers, while all are 401 */
    atomic_ulong requests;          /* requests sent */
    atomic_ulong reads;             /* of which GETs (lists, lookups) */
    atomic_uint silent_rows;        /* rows in a row that failed with no answer */
    atomic_int errors_stop;         /* silent_rows reached --fail-after-errors */
    atomic_ulong waited_out;        /* rows that failed after --max-wait of 429s */
};

void exec_shared_init(struct exec_shared *s, const struct bb_config *cfg,
                      struct gate *gate, struct http_share *share);

struct exec_worker;
/* NULL when libcurl cannot set up a handle. */
struct exec_worker *exec_worker_new(struct exec_shared *sh, int index);
void exec_worker_free(struct exec_worker *w);
/* Why requests are not sent any more: "the run was interrupted", or which
 * early stop (--fail-after-401, --fail-after-errors) stopped it. sh may be
 * NULL. */
const char *exec_stop_reason(const struct exec_shared *sh);

/* Retries for 5xx and network faults on this worker (default --retries). */
void exec_worker_retries(struct exec_worker *w, int retries);

/* A row ended: failed with no answer from the server (no_answer = 1), or
 * anything else that is not a cancel. --fail-after-errors such rows in a
 * row stop the run as --fail-after-401 does (errors_stop, gate cancelled). */
void exec_row_done(struct exec_shared *sh, int no_answer);

enum exec_outcome {
    EXEC_OK,            /* 2xx */
    EXEC_FAILED,        /* a final answer that is not 2xx, or retries exhausted */
    EXEC_CANCELLED,     /* the run was interrupted before the next request */
    EXEC_ABORTED        /* a second signal aborted it in flight */
};

struct exec_result {
    long http_status;           /* of the last answer; 0: none */
    unsigned attempts;          /* requests sent, added to */
    char msg[600];              /* why it failed or was cancelled */
    const char *body;           /* the last answer's body, valid until the
                                 * worker's next request */
    size_t body_len;
    const char *named;          /* the last answer's header that names the caller
                                 * (api_ops.caller_header), or NULL; valid as body */
};

/* Send one request. res->attempts is added to, everything else set. */
enum exec_outcome exec_request(struct exec_worker *w, const char *method, const char *url,
                               const char *body, struct exec_result *res);
/* The same with the body's content type (NULL: application/json; Data
 * Center's bulk writes are application/vnd.atl.bitbucket.bulk+json). */
enum exec_outcome exec_request_typed(struct exec_worker *w, const char *method, const char *url,
                                     const char *body, const char *content_type,
                                     struct exec_result *res);

/* A pager_fetch_fn over exec_request (ctx: the exec_worker). */
int exec_fetch(void *ctx, const char *url, const char **body, size_t *len,
               struct pager_error *err);
/* The worker's fetch for pager_walk: exec_fetch on this worker. */
const struct pager_fetch *exec_pager(struct exec_worker *w);

/* What to do after one answer (pure, unit-tested). */
enum verdict { V_OK, V_RATE_LIMITED, V_RETRY, V_FAIL, V_ABORTED };
enum verdict exec_classify(CURLcode code, long status);

#endif
