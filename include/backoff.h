#ifndef BBPERM_BACKOFF_H
#define BBPERM_BACKOFF_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* The shared gate in front of every request: rate-limit backoff (429) and
 * pacing (--rate). See the DESIGN comment in backoff.c. */

/* Pure arithmetic, unit-tested on its own. */

/* Upper bound of the wait after `level` consecutive escalations (level >= 1):
 * base * 2^(level-1), capped by cap. */
double backoff_ceiling(double base, double cap, unsigned level);
/* Full jitter: uniform in [0, ceiling) drawn from u in [0, 1), but never less
 * than a tenth of the ceiling, so a wait is never zero. */
double backoff_jitter(double base, double cap, unsigned level, double u);
/* The shortest wait of the backoff (a tenth of base): a Retry-After below
 * it is not taken as the wait, the backoff's own is. */
double backoff_floor(double base);
/* Parse a Retry-After value: delta-seconds or an HTTP-date (IMF-fixdate, RFC
 * 850 or asctime form). Returns seconds to wait (>= 0; a date in the past is
 * 0), or -1 when the value is neither. */
double retry_after_parse(const char *value, time_t now);

/* A pacing schedule with a burst of one: request k may start at
 * start + k / rate. */
struct pacer {
    double interval;            /* seconds between requests; 0 = no cap */
    double next;                /* monotonic time the next request may start */
};
void pacer_init(struct pacer *p, double per_second);
/* Reserve the next start time at or after now; returns it. */
double pacer_reserve(struct pacer *p, double now);

struct gate_ticket {
    unsigned epoch;             /* gate epoch when the request was let through */
    int probe;                  /* the one request sent to test a reopened gate */
};

enum gate_outcome { GATE_OK, GATE_RATE_LIMITED, GATE_OTHER };

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* signalled when the gate opens or on cancel */
    /* everything below is guarded by mu */
    double open_at;             /* no request starts before this monotonic time */
    unsigned level;             /* consecutive 429 escalations */
    unsigned epoch;             /* bumped every time the gate closes */
    int half_open;              /* reopened after a 429: one probe at a time */
    int probe_out;              /* the probe is in flight */
    unsigned successes;         /* since the last escalation */
    struct pacer pacer;
    uint64_t rng;
    double base, cap;
    int verbose;
    int cancelled;              /* set by gate_cancel: every wait returns */
    /* counters for the summary */
    unsigned long n429;
    double paused;              /* seconds the gate was closed */
    double paused_until;        /* end of the pause counted so far */
};

void gate_init(struct gate *g, double base, double cap, double rate, int verbose, uint64_t seed);
void gate_destroy(struct gate *g);
/* Block until a request may start. Returns 0 with a ticket, or -1 when the
 * run was cancelled. */
int gate_enter(struct gate *g, struct gate_ticket *t);
/* The same, but returns -2 at once when the gate stays closed past the
 * monotonic deadline (0: none). */
int gate_enter_by(struct gate *g, struct gate_ticket *t, double deadline);
/* Report how the request of a ticket ended. retry_after < 0: none given. */
void gate_report(struct gate *g, const struct gate_ticket *t, enum gate_outcome o,
                 double retry_after);
/* Sleep for seconds unless cancelled first. Returns -1 when cancelled. */
int gate_sleep(struct gate *g, double seconds);
/* Wake every waiter; later waits return at once. */
void gate_cancel(struct gate *g);
/* Snapshot of the counters. */
void gate_stats(struct gate *g, unsigned long *n429, double *paused);

#endif
