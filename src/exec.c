#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

struct exec_worker {
    struct exec_shared *sh;
    struct http_client http;
    uint64_t rng;
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
}

void *exec_worker_init(void *shared, int index)
{
    struct exec_worker *w = xcalloc(1, sizeof *w);
    w->sh = shared;
    w->rng = (uint64_t)time(NULL) * 2654435761u + (uint64_t)index * 0x9e3779b97f4a7c15ULL + 1;
    if (http_client_init(&w->http, w->sh->cfg, w->sh->share, &w->sh->abort) != 0) {
        http_client_cleanup(&w->http);
        free(w);
        return NULL;
    }
    return w;
}

void exec_worker_fini(void *wctx)
{
    struct exec_worker *w = wctx;
    http_client_cleanup(&w->http);
    free(w);
}

enum verdict exec_classify(CURLcode code, long status)
{
    if (code == CURLE_ABORTED_BY_CALLBACK)
        return V_ABORTED;
    if (code != CURLE_OK)
        return V_RETRY;             /* refused, reset, no answer, timeout */
    if (status >= 200 && status < 300)
        return V_OK;
    if (status == 429)
        return V_RATE_LIMITED;
    if (status == 500 || status == 502 || status == 503 || status == 504)
        return V_RETRY;
    return V_FAIL;
}

void exec_cancelled(struct job *j)
{
    j->status = ROW_CANCELLED;
    snprintf(j->msg, sizeof j->msg, "not sent: the run was interrupted");
}

/* Fill the message of an answer that is not a success. */
static void answer_message(struct job *j, const struct http_response *r)
{
    if (r->code != CURLE_OK) {
        snprintf(j->msg, sizeof j->msg, "%s", r->error);
        return;
    }
    char m[600];
    api_error_message(r->body, r->body_len, m, sizeof m);
    if (m[0])
        snprintf(j->msg, sizeof j->msg, "%s", m);
    else
        snprintf(j->msg, sizeof j->msg, "HTTP %ld with no message", r->status);
}

/* Put a prefix in front of the message (cut at the end if need be). */
static void prefix_msg(struct job *j, const char *prefix)
{
    size_t p = strlen(prefix), m = strlen(j->msg);
    if (p >= sizeof j->msg)
        p = sizeof j->msg - 1;
    if (p + m >= sizeof j->msg)
        m = sizeof j->msg - 1 - p;
    memmove(j->msg + p, j->msg, m);
    memcpy(j->msg, prefix, p);
    j->msg[p + m] = '\0';
}

/* The run was cancelled before the row's next request went out. */
static void cancel_before_retry(struct job *j)
{
    if (!j->attempts) {
        exec_cancelled(j);
        return;
    }
    j->status = ROW_CANCELLED;
    prefix_msg(j, "interrupted before a retry; last answer: ");
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

void exec_run(void *wctx, struct job *j)
{
    struct exec_worker *w = wctx;
    struct exec_shared *sh = w->sh;
    const struct bb_config *cfg = sh->cfg;
    unsigned retries = 0;       /* retries spent on faults (not on 429s) */
    struct http_response r;

    j->attempts = 0;
    j->http_status = 0;
    j->msg[0] = '\0';
    for (;;) {
        struct gate_ticket t;
        if (gate_enter(sh->gate, &t) != 0) {
            cancel_before_retry(j);
            return;
        }
        if (cfg->verbose)
            fprintf(stderr, "bbperm: > %s %s\n", j->method, j->url.data);
        http_send(&w->http, j->method, j->url.data, j->body, &r);
        j->attempts += r.sent;
        atomic_fetch_add(&sh->requests, r.sent);
        if (cfg->verbose) {
            if (r.code == CURLE_OK)
                fprintf(stderr, "bbperm: < %ld %s %s (%.0f ms)\n", r.status, j->method,
                        j->url.data, r.elapsed * 1000);
            else
                fprintf(stderr, "bbperm: < no answer %s %s: %s\n", j->method, j->url.data, r.error);
        }
        enum verdict v = exec_classify(r.code, r.status);
        if (r.code == CURLE_OK)
            note_answer(sh, r.status);
        gate_report(sh->gate, &t, v == V_OK ? GATE_OK : v == V_RATE_LIMITED ? GATE_RATE_LIMITED : GATE_OTHER,
                    r.retry_after);
        j->http_status = r.code == CURLE_OK ? r.status : 0;
        switch (v) {
        case V_OK:
            j->status = ROW_OK;
            j->msg[0] = '\0';
            return;
        case V_RATE_LIMITED:
            answer_message(j, &r);
            continue;           /* the gate holds every worker back */
        case V_ABORTED:
            j->status = ROW_CANCELLED;
            j->http_status = 0;
            snprintf(j->msg, sizeof j->msg,
                     "aborted in flight by a second signal: the change may or may not be applied");
            return;
        case V_RETRY:
            answer_message(j, &r);
            if (retries < (unsigned)cfg->retries) {
                retries++;
                /* a 503 from a proxy may say how long to wait: honour it */
                double wait = r.retry_after >= 0 ? r.retry_after
                            : backoff_jitter(cfg->backoff_base, cfg->max_backoff, retries,
                                             rng_unit(&w->rng));
                if (wait > cfg->max_backoff)
                    wait = cfg->max_backoff;
                if (cfg->verbose)
                    fprintf(stderr, "bbperm: retry %u of %d for %s in %.2f s (%s%s)\n", retries,
                            cfg->retries, j->url.data, wait,
                            r.code == CURLE_OK ? "server error" : "network error",
                            r.retry_after >= 0 ? ", Retry-After" : "");
                if (gate_sleep(sh->gate, wait) != 0) {
                    cancel_before_retry(j);
                    return;
                }
                continue;
            }
            j->status = ROW_FAILED;
            if (retries) {
                char what[64];
                snprintf(what, sizeof what, "gave up after %u retries: ", retries);
                prefix_msg(j, what);
            }
            return;
        case V_FAIL:
            answer_message(j, &r);
            j->status = ROW_FAILED;
            return;
        }
    }
}
