/*
 * DESIGN
 *
 * Every request goes out through exec_request, from any thread, each with
 * its own libcurl handle (one exec_worker per thread, never shared). One
 * request is a loop:
 *   1. gate_enter: wait for the gate (the --rate pace, a pause after a 429
 *      that holds every thread back); a cancelled gate ends the loop with
 *      nothing sent;
 *   2. send, classify the answer (exec_classify, pure);
 *   3. report to the gate: a 429 pauses everyone and the loop goes back to
 *      1 (up to --max-wait in all); a 5xx or a network fault is retried
 *      after this request's own backoff (up to the worker's retries); a TLS
 *      or certificate error, any other 4xx and every 2xx end the loop.
 * A second signal sets the shared abort flag that every transfer's
 * progress callback reads (http.c), so requests in flight end at once.
 *
 * exec_shared counts what every thread sends (atomics, no lock) and holds
 * the two early stops: the first --fail-after-401 answers all 401, and
 * --fail-after-errors rows in a row without an answer. Either cancels the
 * gate so no thread sends again; the main thread says why (session.c).
 */
#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "util.h"

struct exec_worker {
    struct exec_shared *sh;
    struct http_client http;
    uint64_t rng;
    int retries;                /* for 5xx and network faults: cfg->retries */
    struct pager_fetch fetch;   /* exec_fetch on this worker */
};

void exec_shared_init(struct exec_shared *s, const struct bb_config *cfg,
                      struct gate *gate, struct http_share *share)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->gate = gate;
    s->share = share;
    atomic_init(&s->abort, 0);
    atomic_init(&s->auth_stop, 0);
    atomic_init(&s->answers, 0);
    atomic_init(&s->leading_401, 0);
    atomic_init(&s->requests, 0);
    atomic_init(&s->reads, 0);
    atomic_init(&s->silent_rows, 0);
    atomic_init(&s->errors_stop, 0);
    atomic_init(&s->waited_out, 0);
}

void exec_row_done(struct exec_shared *sh, int no_answer)
{
    int limit = sh->cfg->fail_after_errors;
    if (!no_answer) {
        atomic_store(&sh->silent_rows, 0);
        return;
    }
    if (limit > 0 && atomic_fetch_add(&sh->silent_rows, 1) + 1 == (unsigned)limit) {
        /* stop every worker now; the main thread writes the message */
        atomic_store(&sh->errors_stop, 1);
        gate_cancel(sh->gate);
    }
}

void exec_worker_retries(struct exec_worker *w, int retries)
{
    w->retries = retries;
}

struct exec_worker *exec_worker_new(struct exec_shared *sh, int index)
{
    struct exec_worker *w = xcalloc(1, sizeof *w);
    w->sh = sh;
    w->fetch.fn = exec_fetch;
    w->fetch.ctx = w;
    w->retries = sh->cfg->retries;
    w->rng = (uint64_t)time(NULL) * 2654435761u + (uint64_t)(index + 1) * 0x9e3779b97f4a7c15ULL + 1;
    if (http_client_init(&w->http, sh->cfg, sh->share, &sh->abort) != 0) {
        http_client_cleanup(&w->http);
        free(w);
        return NULL;
    }
    w->http.name_header = api_ops_for(sh->cfg->api)->caller_header;
    return w;
}

void exec_worker_free(struct exec_worker *w)
{
    if (!w)
        return;
    http_client_cleanup(&w->http);
    free(w);
}

enum verdict exec_classify(CURLcode code, long status)
{
    if (code == CURLE_ABORTED_BY_CALLBACK)
        return V_ABORTED;
    switch (code) {
    case CURLE_OK:
        break;
    /* no retry makes a certificate or a CA file good, or a URL readable */
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CIPHER:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return V_FAIL;
    default:
        return V_RETRY;             /* refused, reset, no answer, timeout */
    }
    if (status >= 200 && status < 300)
        return V_OK;
    if (status == 429)
        return V_RATE_LIMITED;
    if (status == 500 || status == 502 || status == 503 || status == 504)
        return V_RETRY;
    return V_FAIL;
}

/* Fill the message of an answer that is not a success. */
static void answer_message(struct exec_result *res, const struct http_response *r)
{
    if (r->code != CURLE_OK) {
        msg_printf(res->msg, sizeof res->msg, "%s", r->error);
        return;
    }
    char m[600];
    api_error_message(r->body, r->body_len, m, sizeof m);
    if (m[0])
        msg_printf(res->msg, sizeof res->msg, "%s", m);
    else
        msg_printf(res->msg, sizeof res->msg, "HTTP %ld with no message", r->status);
}

/* Put a prefix in front of the message (cut at the end if need be). */
static void prefix_msg(struct exec_result *res, const char *prefix)
{
    size_t p = strlen(prefix), m = strlen(res->msg);
    if (p >= sizeof res->msg)
        p = sizeof res->msg - 1;
    if (p + m >= sizeof res->msg)
        m = sizeof res->msg - 1 - p;
    memmove(res->msg + p, res->msg, m);
    memcpy(res->msg, prefix, p);
    res->msg[p + m] = '\0';
}

/* The run was cancelled before the next request went out. */
const char *exec_stop_reason(const struct exec_shared *sh)
{
    if (sh && atomic_load(&sh->auth_stop))
        return "the run was stopped: its first answers were all 401 (--fail-after-401)";
    if (sh && atomic_load(&sh->errors_stop))
        return "the run was stopped: rows in a row got no answer from the server "
               "(--fail-after-errors)";
    return "the run was interrupted";
}

static enum exec_outcome cancel_before_retry(const struct exec_shared *sh, struct exec_result *res,
                                             unsigned sent_before)
{
    char what[160];
    if (res->attempts == sent_before) {
        msg_printf(res->msg, sizeof res->msg, "not sent: %s", exec_stop_reason(sh));
    } else if (snprintf(what, sizeof what, "%s before a retry; last answer: ",
                        exec_stop_reason(sh)) < (int)sizeof what) {
        prefix_msg(res, what);
    }
    return EXEC_CANCELLED;
}

/* The row has waited out 429s for --max-wait: it fails with the last
 * answer (a 429), and the run is told. */
static enum exec_outcome waited_out(struct exec_shared *sh, struct exec_result *res)
{
    char what[128];
    snprintf(what, sizeof what, "waited %g s (--max-wait) for the rate limit and gave up; last answer: ",
             sh->cfg->max_wait);
    prefix_msg(res, what);
    atomic_fetch_add(&sh->waited_out, 1);
    return EXEC_FAILED;
}

static void note_answer(struct exec_shared *sh, long status)
{
    unsigned n = atomic_fetch_add(&sh->answers, 1) + 1;
    int limit = sh->cfg->fail_after_401;
    if (limit <= 0 || n > (unsigned)limit)
        return;
    if (status == 401) {
        if (atomic_fetch_add(&sh->leading_401, 1) + 1 == (unsigned)limit) {
            /* stop every worker now; the main thread writes the message */
            atomic_store(&sh->auth_stop, 1);
            gate_cancel(sh->gate);
        }
    }
}

enum exec_outcome exec_request(struct exec_worker *w, const char *method, const char *url,
                               const char *body, struct exec_result *res)
{
    return exec_request_typed(w, method, url, body, NULL, res);
}

enum exec_outcome exec_request_typed(struct exec_worker *w, const char *method, const char *url,
                                     const char *body, const char *content_type,
                                     struct exec_result *res)
{
    struct exec_shared *sh = w->sh;
    const struct bb_config *cfg = sh->cfg;
    unsigned retries = 0;       /* retries spent on faults (not on 429s) */
    unsigned sent_before = res->attempts;
    int get = !strcmp(method, "GET");
    double limit_until = 0;     /* after the row's first 429: when it gives up */
    struct http_response r;

    res->http_status = 0;
    res->msg[0] = '\0';
    res->body = "";
    res->body_len = 0;
    res->named = NULL;
    for (;;) {
        struct gate_ticket t;
        int entered = gate_enter_by(sh->gate, &t, limit_until);
        if (entered == -2)
            return waited_out(sh, res);
        if (entered != 0)
            return cancel_before_retry(sh, res, sent_before);
        char shown[4 * 1024 + 1];
        if (cfg->verbose)
            fprintf(stderr, "bbperm: > %s %s\n", method, str_printable(shown, sizeof shown, url));
        http_send_typed(&w->http, method, url, body, content_type, &r);
        res->attempts += r.sent;
        atomic_fetch_add(&sh->requests, r.sent);
        if (get)
            atomic_fetch_add(&sh->reads, r.sent);
        if (cfg->verbose) {
            char why[4 * CURL_ERROR_SIZE + 1];
            if (r.code == CURLE_OK)
                fprintf(stderr, "bbperm: < %ld %s %s (%.0f ms)\n", r.status, method, shown,
                        r.elapsed * 1000);
            else
                fprintf(stderr, "bbperm: < no answer %s %s: %s\n", method, shown,
                        str_printable(why, sizeof why, r.error));
        }
        enum verdict v = exec_classify(r.code, r.status);
        if (r.code == CURLE_OK)
            note_answer(sh, r.status);
        gate_report(sh->gate, &t, v == V_OK ? GATE_OK : v == V_RATE_LIMITED ? GATE_RATE_LIMITED : GATE_OTHER,
                    r.retry_after);
        res->http_status = r.code == CURLE_OK ? r.status : 0;
        res->body = r.body;
        res->body_len = r.body_len;
        res->named = r.named;
        switch (v) {
        case V_OK:
            res->msg[0] = '\0';
            return EXEC_OK;
        case V_RATE_LIMITED:
            answer_message(res, &r);
            if (cfg->max_wait > 0) {
                double now = now_mono();
                if (limit_until == 0)
                    limit_until = now + cfg->max_wait;
                else if (now >= limit_until)
                    return waited_out(sh, res);
            }
            continue;           /* the gate holds every worker back */
        case V_ABORTED:
            res->http_status = 0;
            msg_printf(res->msg, sizeof res->msg,
                     get ? "aborted in flight by a second signal"
                         : "aborted in flight by a second signal: the change may or may not be applied");
            return EXEC_ABORTED;
        case V_RETRY:
            answer_message(res, &r);
            if (retries < (unsigned)w->retries) {
                retries++;
                /* a 503 from a proxy may say how long to wait: honour it */
                double wait = r.retry_after >= backoff_floor(cfg->backoff_base) ? r.retry_after
                            : backoff_jitter(cfg->backoff_base, cfg->max_backoff, retries,
                                             rng_unit(&w->rng));
                if (wait > cfg->max_backoff)
                    wait = cfg->max_backoff;
                if (cfg->verbose)
                    fprintf(stderr, "bbperm: retry %u of %d for %s in %.2f s (%s%s)\n", retries,
                            w->retries, shown, wait,
                            r.code == CURLE_OK ? "server error" : "network error",
                            r.retry_after >= backoff_floor(cfg->backoff_base) ? ", Retry-After" : "");
                if (gate_sleep(sh->gate, wait) != 0)
                    return cancel_before_retry(sh, res, sent_before);
                continue;
            }
            if (retries) {
                char what[64];
                snprintf(what, sizeof what, "gave up after %u %s: ", retries, retries == 1 ? "retry" : "retries");
                prefix_msg(res, what);
            }
            return EXEC_FAILED;
        case V_FAIL:
            answer_message(res, &r);
            return EXEC_FAILED;
        }
    }
}

int exec_fetch(void *ctx, const char *url, const char **body, size_t *len,
               struct pager_error *err)
{
    struct exec_worker *w = ctx;
    struct exec_result res = {.attempts = 0};
    enum exec_outcome o = exec_request(w, "GET", url, NULL, &res);
    if (o == EXEC_OK) {
        *body = res.body;
        *len = res.body_len;
        return 0;
    }
    err->status = res.http_status;
    err->cancelled = o == EXEC_CANCELLED || o == EXEC_ABORTED;
    msg_printf(err->msg, sizeof err->msg, "%.399s", res.msg);
    return -1;
}

const struct pager_fetch *exec_pager(struct exec_worker *w)
{
    return &w->fetch;
}
