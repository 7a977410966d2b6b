/*
 * DESIGN
 *
 * A session is what every command that talks to the server shares, set up
 * in one order: the base URL and API flavour; then, online, the libcurl
 * share, the gate (backoff.c: pacing and the shared pause after a 429),
 * the request engine's shared state (exec.c), the main thread's own client
 * (for listings: a pattern's repositories, an export's targets), and the
 * check before the first row (preflight), which stops what no retry can
 * fix before a single row is read. The command then starts the pool with
 * its own callbacks.
 *
 * The caller (who the run authenticates as, whose own access prune keeps)
 * is learnt at the lowest cost the flavour allows (api_ops): the Basic user
 * where that is the caller's name, else the answer already received from
 * the check (Cloud's GET /user body, Data Center's X-AUSERNAME header),
 * else one request to the resource that names the caller. A credential
 * that names no person (a Data Center project or repository token) leaves
 * it unknown, and the command must not revoke on its strength.
 *
 * Stopping: cancel.c stops the gate and the pool from its signal thread;
 * a worker stops them itself when the first answers are all 401 or rows
 * in a row get no answer (exec.c). Either way the main thread learns of it
 * in session_poll, prints the one line that says why, and the command's
 * exit code comes from session_exit_code, the one rule for every command.
 *
 * Threads: the session belongs to the main thread. What workers touch is
 * exec_shared (atomics), the gate (its own mutex) and the share (libcurl's
 * lock callbacks).
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cancel.h"
#include "http.h"
#include "once.h"
#include "ring.h"

#define RATE_MARGIN 0.98

/* What a right base URL looks like, for the message of a 404. */
static const char *base_url_hint(const struct session *s)
{
    return s->api->has_workspaces
               ? "a Cloud base URL is https://api.bitbucket.org/2.0"
               : "a Data Center base URL is https://HOST[:PORT][/CONTEXT]/rest/api/latest";
}

/* One cheap authenticated request before the first row (--check-auth, on
 * unless --no-check-auth). What no retry can fix stops the run here: a
 * refused credential, a base URL that is not the API's, a certificate or
 * CA file that TLS refuses, a host that cannot be resolved or reached.
 * Other answers (a 403 for a token without the scope of this request, a
 * 5xx) are noted and the run goes on. Returns 0, -1 (message printed), or
 * -2 when a signal interrupted it. */
static int preflight(struct session *s)
{
    struct exec_worker *w = s->main_worker;
    /* one more try for a network blip, not the whole retry budget */
    exec_worker_retries(w, s->cfg->retries < 1 ? s->cfg->retries : 1);
    struct buf url = {0};
    buf_add(&url, s->base.data, s->base.len);
    buf_adds(&url, s->api->whoami_path);
    struct exec_result res = {.attempts = 0};
    enum exec_outcome o = exec_request(w, "GET", url.data, NULL, &res);
    int rc = 0;
    if (o == EXEC_OK) {
        /* who the caller is, when the answer says: no request of its own */
        s->api->caller_read(s->api->check_names_caller ? res.body : NULL, res.body_len,
                            res.named, &s->caller_id, &s->caller_alt);
        if (s->cfg->verbose)
            fprintf(stderr, "bbperm: --check-auth: credentials from %s accepted\n", s->cfg->auth_source);
    } else if (o == EXEC_CANCELLED || o == EXEC_ABORTED) {
        rc = -2;
    } else if (res.http_status == 401) {
        fprintf(stderr, "bbperm: the credentials from %s were refused (401 Unauthorized) "
                        "by GET %s\n", s->cfg->auth_source, url.data);
        rc = -1;
    } else if (res.http_status == 404) {
        fprintf(stderr, "bbperm: GET %s answered 404: the base URL '%s' looks wrong (%s)\n",
                url.data, s->base.data, base_url_hint(s));
        rc = -1;
    } else if (res.http_status) {
        char msg[4 * sizeof res.msg];   /* server text: shown escaped */
        str_printable(msg, sizeof msg, res.msg);
        if (s->cfg->check_auth > 1) {
            fprintf(stderr, "bbperm: --check-auth: GET %s answered %ld: %s\n", url.data,
                    res.http_status, msg);
            rc = -1;
        } else {
            fprintf(stderr, "bbperm: note: the check before the run, GET %s, answered %ld: %s; "
                            "going on (--check-auth makes this stop the run)\n",
                    url.data, res.http_status, msg);
        }
    } else {
        char msg[4 * sizeof res.msg];
        str_printable(msg, sizeof msg, res.msg);
        fprintf(stderr, "bbperm: cannot reach %s: %s\n", url.data, msg);
        rc = -1;
    }
    /* the check is not part of the run's counts */
    atomic_store(&s->ex.requests, 0);
    atomic_store(&s->ex.reads, 0);
    atomic_store(&s->ex.answers, 0);
    atomic_store(&s->ex.leading_401, 0);
    buf_free(&url);
    exec_worker_retries(w, s->cfg->retries);
    return rc;
}

int session_init(struct session *s, const struct bb_config *cfg, int online)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->api = api_ops_for(cfg->api);
    buf_adds(&s->base, cfg->base_url);
    while (s->base.len && s->base.data[s->base.len - 1] == '/')
        s->base.data[--s->base.len] = '\0';
    if (!online)
        return 0;
    s->share = http_share_new();
    if (!s->share) {
        fprintf(stderr, "bbperm: cannot set up libcurl\n");
        return -1;
    }
    /* Pace 2% under --rate: a server counting a sliding window sees the
     * requests with network jitter, and pacing at exactly its allowance
     * would push a window over now and then. */
    gate_init(&s->gate, cfg->backoff_base, cfg->max_backoff, cfg->rate * RATE_MARGIN, cfg->verbose,
              (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20);
    exec_shared_init(&s->ex, cfg, &s->gate, s->share);
    s->online = 1;
    cancel_bind(&s->gate, NULL, &s->ex.abort);
    s->main_worker = exec_worker_new(&s->ex, -1);
    if (!s->main_worker) {
        fprintf(stderr, "bbperm: cannot set up libcurl (is --cacert readable?)\n");
        return -1;
    }
    return 0;
}

int session_check(struct session *s)
{
    if (!s->online || !s->cfg->check_auth)
        return 0;
    int rc = preflight(s);
    if (rc == -2)
        session_cancel(s, 0);       /* a signal: exit 130, not 2 */
    return rc;
}

int session_start_pool(struct session *s, const struct pool_ops *ops)
{
    s->pool = pool_new(s->cfg->jobs, RING_SIZE, ops);
    if (!s->pool) {
        fprintf(stderr, "bbperm: cannot start %d worker threads\n", s->cfg->jobs);
        return -1;
    }
    cancel_bind(NULL, s->pool, NULL);
    return 0;
}

/* Rows failed after --max-wait of 429s: say so once, on stderr. */
static void tell_waited_out(struct session *s, void (*before_message)(void *), void *ctx)
{
    if (!s->online || s->told_waited_out || !atomic_load(&s->ex.waited_out))
        return;
    s->told_waited_out = 1;
    if (before_message)
        before_message(ctx);
    fprintf(stderr, "bbperm: the server kept answering 429: a row waited %g s (--max-wait) "
                    "for the rate limit and failed\n", s->cfg->max_wait);
}

void session_free(struct session *s)
{
    tell_waited_out(s, NULL, NULL);
    cancel_unbind();
    if (s->pool)
        pool_free(s->pool);
    s->pool = NULL;
    exec_worker_free(s->main_worker);
    s->main_worker = NULL;
    if (s->online) {
        http_share_free(s->share);
        gate_destroy(&s->gate);
        s->online = 0;
    }
    buf_free(&s->base);
    free(s->caller_id);
    free(s->caller_alt);
    s->caller_id = s->caller_alt = NULL;
}

int session_caller(struct session *s, const char **id, const char **alt)
{
    const struct bb_config *cfg = s->cfg;
    if (!s->caller_known && s->api->basic_user_is_caller && cfg->auth == AUTH_BASIC &&
        cfg->user && cfg->user[0]) {
        /* the Basic user, and the server's name for it when that differs */
        char *named = s->caller_id;
        s->caller_id = xstrdup(cfg->user);
        if (named && strcasecmp(named, cfg->user) != 0 && !s->caller_alt)
            s->caller_alt = named;
        else
            free(named);
    }
    if (!s->caller_known && !s->caller_id && !s->caller_alt && s->online) {
        struct buf url = {0};
        s->api->caller_url(&url, s->base.data);
        struct exec_result res = {.attempts = 0};
        enum exec_outcome o = exec_request(s->main_worker, "GET", url.data, NULL, &res);
        if (o == EXEC_CANCELLED || o == EXEC_ABORTED) {
            buf_free(&url);
            return -2;
        }
        if (o == EXEC_OK)
            s->api->caller_read(res.body, res.body_len, res.named, &s->caller_id, &s->caller_alt);
        else if (res.named)     /* a refusal may still name the user */
            s->api->caller_read(NULL, 0, res.named, &s->caller_id, &s->caller_alt);
        buf_free(&url);
    }
    s->caller_known = 1;
    *id = s->caller_id;
    *alt = s->caller_alt;
    return s->caller_id || s->caller_alt ? 0 : -1;
}

const struct pager_fetch *session_fetch(struct session *s)
{
    return exec_pager(s->main_worker);
}

void session_cancel(struct session *s, int abort_in_flight)
{
    if (s->cancel_level < 1) {
        s->cancel_level = 1;
        if (s->pool)
            pool_cancel(s->pool);
        if (s->online)
            gate_cancel(&s->gate);
        once_cancel_all();
    }
    if (abort_in_flight && s->online) {
        s->cancel_level = 2;
        atomic_store(&s->ex.abort, 1);
    }
}

int session_poll(struct session *s, void (*before_message)(void *), void *ctx)
{
    int seen = cancel_signals(), began = 0;
    tell_waited_out(s, before_message, ctx);
    if (s->online && !s->auth_stopped && atomic_load(&s->ex.auth_stop)) {
        s->auth_stopped = 1;
        if (before_message)
            before_message(ctx);
        fprintf(stderr, "bbperm: stopping: the first %d answers were all 401 Unauthorized; "
                        "check the credentials from %s\n",
                s->cfg->fail_after_401, s->cfg->auth_source);
        began = s->cancel_level < 1;
        session_cancel(s, 0);
    }
    if (s->online && !s->errors_stopped && atomic_load(&s->ex.errors_stop)) {
        s->errors_stopped = 1;
        if (before_message)
            before_message(ctx);
        fprintf(stderr, "bbperm: stopping: %d rows in a row failed without an answer from "
                        "the server; check --base-url and the network (--fail-after-errors)\n",
                s->cfg->fail_after_errors);
        began = s->cancel_level < 1;
        session_cancel(s, 0);
    }
    if (seen >= 1 && s->cancel_level < 1) {
        if (before_message)
            before_message(ctx);
        fprintf(stderr, "bbperm: interrupted: finishing the requests in flight "
                        "(interrupt again to abort them)\n");
        session_cancel(s, 0);
        began = 1;
    }
    if (seen >= 2 && s->cancel_level < 2)
        session_cancel(s, 1);
    return began;
}

int session_exit_code(struct session *s, int fatal, int failed, int changes)
{
    session_poll(s, NULL, NULL);
    if (fatal || s->auth_stopped || s->errors_stopped)
        return 2;
    if (s->cancel_level > 0)
        return 130;
    if (failed)
        return 1;
    return changes && s->cfg->detailed_exitcode ? 3 : 0;
}

void session_figures(struct session *s, unsigned long *requests, unsigned long *reads,
                     unsigned long *n429, double *paused)
{
    *requests = *reads = *n429 = 0;
    *paused = 0;
    if (!s->online)
        return;
    *requests = atomic_load(&s->ex.requests);
    *reads = atomic_load(&s->ex.reads);
    gate_stats(&s->gate, n429, paused);
}
