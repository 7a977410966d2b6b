/*
 * DESIGN
 *
 * Every worker passes through one gate before each request. The gate has
 * two jobs.
 *
 * Rate limits. A 429 never fails a row. The first worker that sees one
 * closes the gate: open_at moves to now + the wait, and the epoch is bumped.
 * The wait is the server's Retry-After when it sent one, else full jitter
 * under base * 2^(level-1), capped by --max-backoff. A Retry-After shorter
 * than the backoff's own shortest wait (a tenth of the base: in practice 0
 * or a date already past) is no wait at all, so the backoff decides then:
 * a server answering "Retry-After: 0" to every request never makes the
 * workers spin. A row waits out 429s for --max-wait in all, then fails. Requests that were
 * already in flight when the gate closed carry the old epoch; their 429s
 * count, but do not escalate or extend the wait, since they tell nothing
 * new. When the gate reopens it is half-open: one request (the probe) goes
 * first; if it succeeds the gate opens for all, if it earns another 429 the
 * level rises and the gate closes again. Every few successes in a row bring
 * the level down by one, so the waits shrink back after a burst.
 *
 * Pacing. With --rate the gate also hands out start times one interval
 * apart (a burst of one), so a run can stay under a known budget instead
 * of running into 429s.
 *
 * Locking: one mutex guards all gate state. Nobody holds it while a request
 * is in flight; waits use pthread_cond_timedwait, which releases it.
 * gate_cancel wakes every waiter so that SIGINT never waits out a backoff.
 */
#include "backoff.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define SHRINK_AFTER 8          /* successes that bring the level down by one */
#define LEVEL_MAX 30

double backoff_ceiling(double base, double cap, unsigned level)
{
    if (level == 0)
        return 0;
    if (level > LEVEL_MAX)
        level = LEVEL_MAX;
    double c = base * ldexp(1.0, (int)level - 1);
    return c < cap ? c : cap;
}

double backoff_jitter(double base, double cap, unsigned level, double u)
{
    double c = backoff_ceiling(base, cap, level);
    double w = c * u;
    return w < c / 10 ? c / 10 : w;
}

double backoff_floor(double base)
{
    return backoff_jitter(base, base, 1, 0);
}

static int month_of(const char *m)
{
    static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(m, names[i], 3))
            return i;
    return -1;
}

double retry_after_parse(const char *v, time_t now)
{
    if (!v)
        return -1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        errno = 0;
        long long s = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (errno || *end || s < 0)
            return -1;
        return s > 604800LL ? 604800.0 : (double)s;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char wd[16], mon[8], tz[8];
    int d, y, h, mi, s, n = 0;
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (sscanf(v, "%15[A-Za-z], %d %3s %d %d:%d:%d %7s%n", wd, &d, mon, &y, &h, &mi, &s, tz, &n) == 8 ||
        /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
        sscanf(v, "%15[A-Za-z], %d-%3s-%d %d:%d:%d %7s%n", wd, &d, mon, &y, &h, &mi, &s, tz, &n) == 8) {
        if (strcmp(tz, "GMT") != 0 && strcmp(tz, "UTC") != 0)
            return -1;
    } else if (sscanf(v, "%15[A-Za-z] %3s %d %d:%d:%d %d%n", wd, mon, &d, &h, &mi, &s, &y, &n) == 7) {
        /* asctime: Sun Nov  6 08:49:37 1994 */
    } else {
        return -1;
    }
    const char *rest = v + n;
    while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n')
        rest++;
    if (*rest)
        return -1;
    int m = month_of(mon);
    if (m < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0)
        return -1;
    if (y < 100)
        y += y < 70 ? 2000 : 1900;
    tm.tm_year = y - 1900;
    tm.tm_mon = m;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t when = timegm(&tm);
    if (when == (time_t)-1)
        return -1;
    double wait = difftime(when, now);
    if (wait < 0)
        return 0;
    return wait > 86400.0 * 7 ? 86400.0 * 7 : wait;
}

void pacer_init(struct pacer *p, double per_second)
{
    p->interval = per_second > 0 ? 1.0 / per_second : 0;
    p->next = 0;
}

double pacer_reserve(struct pacer *p, double now)
{
    if (p->interval <= 0)
        return now;
    double t = p->next > now ? p->next : now;
    p->next = t + p->interval;
    return t;
}

void gate_init(struct gate *g, double base, double cap, double rate, int verbose, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    cond_init_mono(&g->cv);
    g->base = base;
    g->cap = cap;
    g->verbose = verbose;
    g->rng = seed ? seed : 0x853c49e6748fea9bULL;
    pacer_init(&g->pacer, rate);
}

void gate_destroy(struct gate *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

/* Wait on the condition until deadline; mu is held. */
static void wait_until(struct gate *g, double deadline)
{
    struct timespec ts;
    mono_timespec(&ts, deadline);
    pthread_cond_timedwait(&g->cv, &g->mu, &ts);
}

int gate_enter(struct gate *g, struct gate_ticket *t)
{
    return gate_enter_by(g, t, 0);
}

int gate_enter_by(struct gate *g, struct gate_ticket *t, double deadline)
{
    pthread_mutex_lock(&g->mu);
    for (;;) {
        if (g->cancelled) {
            pthread_mutex_unlock(&g->mu);
            return -1;
        }
        double now = now_mono();
        if (now < g->open_at) {
            if (deadline > 0 && g->open_at > deadline) {
                /* the gate stays closed past it: say so without waiting */
                pthread_mutex_unlock(&g->mu);
                return -2;
            }
            wait_until(g, g->open_at);
            continue;
        }
        if (g->half_open && g->probe_out) {
            /* the probe decides; it broadcasts when it is back */
            wait_until(g, now + 1.0);
            continue;
        }
        break;
    }
    t->epoch = g->epoch;
    t->probe = 0;
    if (g->half_open) {
        g->probe_out = 1;
        t->probe = 1;
    }
    double start = pacer_reserve(&g->pacer, now_mono());
    while (!g->cancelled && now_mono() < start)
        wait_until(g, start);
    int rc = g->cancelled ? -1 : 0;
    if (rc && t->probe)
        g->probe_out = 0;
    pthread_mutex_unlock(&g->mu);
    return rc;
}

void gate_report(struct gate *g, const struct gate_ticket *t, enum gate_outcome o,
                 double retry_after)
{
    double logged = -1;
    pthread_mutex_lock(&g->mu);
    double now = now_mono();
    if (o == GATE_RATE_LIMITED) {
        g->n429++;
        if (t->epoch == g->epoch || t->probe) {
            if (g->level < LEVEL_MAX)
                g->level++;
            g->successes = 0;
            double wait = retry_after >= backoff_floor(g->base) ? retry_after
                        : backoff_jitter(g->base, g->cap, g->level, rng_unit(&g->rng));
            if (wait > g->cap)
                wait = g->cap;
            g->open_at = now + wait;
            g->epoch++;
            g->half_open = 1;
            g->probe_out = 0;
            /* count pause time once even when pauses overlap */
            double from = now > g->paused_until ? now : g->paused_until;
            if (g->open_at > from)
                g->paused += g->open_at - from;
            if (g->open_at > g->paused_until)
                g->paused_until = g->open_at;
            logged = wait;
            pthread_cond_broadcast(&g->cv);
        }
    } else {
        if (t->probe) {
            g->half_open = 0;
            g->probe_out = 0;
            pthread_cond_broadcast(&g->cv);
        }
        if (o == GATE_OK && g->level > 0 && ++g->successes >= SHRINK_AFTER) {
            g->level--;
            g->successes = 0;
        }
    }
    int verbose = g->verbose;
    pthread_mutex_unlock(&g->mu);
    if (verbose && logged >= 0)
        fprintf(stderr, "bbperm: 429 rate limited: pausing all requests for %.2f s (%s)\n",
                logged, retry_after >= backoff_floor(g->base) ? "Retry-After" : "backoff");
}

int gate_sleep(struct gate *g, double seconds)
{
    pthread_mutex_lock(&g->mu);
    double deadline = now_mono() + seconds;
    while (!g->cancelled && now_mono() < deadline)
        wait_until(g, deadline);
    int rc = g->cancelled ? -1 : 0;
    pthread_mutex_unlock(&g->mu);
    return rc;
}

void gate_cancel(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->cancelled = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

void gate_stats(struct gate *g, unsigned long *n429, double *paused)
{
    pthread_mutex_lock(&g->mu);
    *n429 = g->n429;
    *paused = g->paused;
    pthread_mutex_unlock(&g->mu);
}
