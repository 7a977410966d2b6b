#ifndef BBPERM_SESSION_H
#define BBPERM_SESSION_H

#include "api.h"
#include "backoff.h"
#include "config.h"
#include "exec.h"
#include "pager.h"
#include "pool.h"

/* What every command that talks to the server shares: the API flavour and
 * base URL, the gate, the libcurl share, the request engine's shared state,
 * a client for the main thread's own requests (listings), the pool once the
 * command starts it, and the handling of signals. Main thread only, but for
 * what exec_shared says. */

struct session {
    const struct bb_config *cfg;        /* frozen */
    const struct api_ops *api;
    struct buf base;                    /* API root without a trailing '/' */
    int online;                         /* gate, share and ex are set up */
    struct gate gate;
    struct http_share *share;
    struct exec_shared ex;
    struct exec_worker *main_worker;    /* the main thread's client: set when online */
    struct pool *pool;                  /* NULL until started (and in a dry run) */
    int cancel_level;                   /* signals acted on */
    int auth_stopped;                   /* the first answers were all 401 */
    int errors_stopped;                 /* --fail-after-errors rows had no answer */
    int told_waited_out;                /* the --max-wait line is printed */
    /* the account the run authenticates as (session_caller): Cloud's
     * account id and {uuid}, a Data Center user name; NULL or malloced,
     * freed by session_free */
    char *caller_id, *caller_alt;
    int caller_known;                   /* session_caller decided */
};

/* Base URL and flavour; with online, libcurl, the gate and the main
 * thread's client. Sends nothing. Returns 0, or -1 after one line on
 * stderr. */
int session_init(struct session *s, const struct bb_config *cfg, int online);
/* The check before the first row (--check-auth, on unless
 * --no-check-auth): one cheap authenticated request, made after the checks
 * that need none (options, credentials, the input's header). Returns 0; -1
 * after one line on stderr (a refused credential, a wrong base URL, TLS, an
 * unreachable host: exit 2); -2 when a signal stopped it (the session is
 * cancelled: exit 130). */
int session_check(struct session *s);
/* Start the worker pool with these callbacks. Returns 0 or -1 (message printed). */
int session_start_pool(struct session *s, const struct pool_ops *ops);
/* Stop the pool and free everything. */
void session_free(struct session *s);

/* The main thread's fetch for paged lists. Only for a session set up
 * online (session_init with online = 1). */
const struct pager_fetch *session_fetch(struct session *s);

/* Act on signals and on a run stopped by 401s: the first signal (or the
 * 401 stop) drops queued jobs and wakes every waiter, a second one aborts
 * requests in flight. before_message runs before a line is printed (to
 * clear a progress line). Returns 1 when a cancel began now. */
int session_poll(struct session *s, void (*before_message)(void *), void *ctx);
/* Cancel as the first signal would (output or input failed). */
void session_cancel(struct session *s, int abort_in_flight);

/* The exit code of a command, the same rule for all: 2 when the run failed
 * as a whole (fatal: output, input or set-up; or stopped by 401s or rows
 * without answers), 130 when a signal stopped it, 1 when a row failed
 * (failed), else 0; with plan --detailed-exitcode, 3 instead of 0 when the
 * plan changes something (changes). */
int session_exit_code(struct session *s, int fatal, int failed, int changes);

/* Who the run authenticates as: the Basic user where that is the caller's
 * name (Data Center), else what the check before the first row learnt
 * (Cloud's GET /user, Data Center's X-AUSERNAME), else one GET of the
 * flavour's caller resource (main thread). Once decided, it is kept.
 * Returns 0 with the names (owned by the session; either may be NULL),
 * -1 when no person can be named (a refused answer, a project or
 * repository token), -2 when a signal stopped the request. */
int session_caller(struct session *s, const char **id, const char **alt);

/* Requests, 429s and pause for the summary. */
void session_figures(struct session *s, unsigned long *requests, unsigned long *reads,
                     unsigned long *n429, double *paused);

#endif
