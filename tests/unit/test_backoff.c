/* Unit tests for backoff.c: backoff arithmetic, Retry-After, pacing, gate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "util.h"

#define EPS 1e-9

/* 1994-11-06 08:49:00 UTC, 37 seconds before the RFC 9110 example date. */
static time_t example_now(void)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 1994 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 6;
    tm.tm_hour = 8;
    tm.tm_min = 49;
    tm.tm_sec = 0;
    return timegm(&tm);
}

/* ---- backoff_ceiling / backoff_jitter ----------------------------------- */

static void test_ceiling_doubles(void **state)
{
    (void)state;
    assert_float_equal(backoff_ceiling(1, 300, 1), 1, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 2), 2, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 3), 4, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 4), 8, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 5), 16, EPS);
    assert_float_equal(backoff_ceiling(0.5, 300, 3), 2, EPS);
}

static void test_ceiling_capped(void **state)
{
    (void)state;
    assert_float_equal(backoff_ceiling(1, 300, 9), 256, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 10), 300, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 50), 300, EPS);
    assert_float_equal(backoff_ceiling(1, 300, 4000000000u), 300, EPS);
    assert_float_equal(backoff_ceiling(2, 5, 3), 5, EPS);
}

static void check_jitter(double base, double cap, unsigned level)
{
    double c = backoff_ceiling(base, cap, level);
    const double us[] = {0, 0.5, 0.999};
    for (size_t i = 0; i < 3; i++) {
        double w = backoff_jitter(base, cap, level, us[i]);
        if (!(w >= c / 10 - EPS && w < c))
            fail_msg("jitter(%g, %g, %u, %g) = %g not in [%g, %g)", base, cap, level, us[i], w,
                     c / 10, c);
    }
}

static void test_jitter_within_bounds(void **state)
{
    (void)state;
    for (unsigned level = 1; level <= 12; level++)
        check_jitter(1, 300, level);
    check_jitter(0.25, 10, 3);
}

static void test_jitter_values(void **state)
{
    (void)state;
    assert_float_equal(backoff_jitter(1, 300, 4, 0), 0.8, EPS);      /* floor: a tenth */
    assert_float_equal(backoff_jitter(1, 300, 4, 0.5), 4, EPS);
    assert_float_equal(backoff_jitter(1, 300, 4, 0.999), 7.992, EPS);
    assert_float_equal(backoff_jitter(1, 300, 4, 0.05), 0.8, EPS);
    assert_float_equal(backoff_jitter(1, 300, 20, 0.5), 150, EPS);
}

/* ---- retry_after_parse -------------------------------------------------- */

static void test_retry_after_seconds(void **state)
{
    (void)state;
    time_t now = example_now();
    assert_float_equal(retry_after_parse("120", now), 120, EPS);
    assert_float_equal(retry_after_parse(" 5 ", now), 5, EPS);
    assert_float_equal(retry_after_parse("0", now), 0, EPS);
    assert_float_equal(retry_after_parse("7\r\n", now), 7, EPS);
}

static void test_retry_after_imf_fixdate(void **state)
{
    (void)state;
    time_t now = example_now();
    assert_float_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", now), 37, EPS);
    assert_float_equal(retry_after_parse("Sun, 06 Nov 1994 09:49:00 GMT", now), 3600, EPS);
    assert_float_equal(retry_after_parse("Mon, 07 Nov 1994 08:49:00 GMT", now), 86400, EPS);
}

static void test_retry_after_rfc850(void **state)
{
    (void)state;
    time_t now = example_now();
    assert_float_equal(retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", now), 37, EPS);
}

static void test_retry_after_asctime(void **state)
{
    (void)state;
    time_t now = example_now();
    assert_float_equal(retry_after_parse("Sun Nov  6 08:49:37 1994", now), 37, EPS);
}

static void test_retry_after_past_date_is_zero(void **state)
{
    (void)state;
    time_t now = example_now();
    assert_float_equal(retry_after_parse("Sun, 06 Nov 1994 08:48:00 GMT", now), 0, EPS);
    assert_float_equal(retry_after_parse("Thu, 01 Jan 1970 00:00:00 GMT", now), 0, EPS);
    assert_float_equal(retry_after_parse("Sun Nov  6 08:00:00 1994", now), 0, EPS);
}

static void test_retry_after_garbage(void **state)
{
    (void)state;
    time_t now = example_now();
    const char *bad[] = {"soon", "-5", "12abc", "", "   ", "Sun, 06 Nov 1994 08:49:37 PST",
                         "1.5", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                         "Sun, 06 Nov 1994 08:49:37 GMT trailing"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v = retry_after_parse(bad[i], now);
        if (v != -1)
            fail_msg("retry_after_parse('%s') = %g, want -1", bad[i], v);
    }
    assert_float_equal(retry_after_parse(NULL, now), -1, EPS);
}

/* ---- pacer -------------------------------------------------------------- */

static void test_pacer_spaces_reservations(void **state)
{
    (void)state;
    struct pacer p;
    pacer_init(&p, 20);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.00, 1e-9);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.05, 1e-9);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.10, 1e-9);
    assert_float_equal(pacer_reserve(&p, 100.01), 100.15, 1e-9);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.20, 1e-9);
}

static void test_pacer_later_now_resets(void **state)
{
    (void)state;
    struct pacer p;
    pacer_init(&p, 20);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.0, 1e-9);
    assert_float_equal(pacer_reserve(&p, 100.0), 100.05, 1e-9);
    assert_float_equal(pacer_reserve(&p, 200.0), 200.0, 1e-9);
    assert_float_equal(pacer_reserve(&p, 200.0), 200.05, 1e-9);
}

static void test_pacer_rate_zero_is_uncapped(void **state)
{
    (void)state;
    struct pacer p;
    pacer_init(&p, 0);
    assert_float_equal(pacer_reserve(&p, 5.0), 5.0, 1e-12);
    assert_float_equal(pacer_reserve(&p, 5.0), 5.0, 1e-12);
    assert_float_equal(pacer_reserve(&p, 4.0), 4.0, 1e-12);
}

static void test_pacer_slow_rate(void **state)
{
    (void)state;
    struct pacer p;
    pacer_init(&p, 1000.0 / 3600.0);        /* 1000/h */
    assert_float_equal(pacer_reserve(&p, 10.0), 10.0, 1e-9);
    assert_float_equal(pacer_reserve(&p, 10.0), 13.6, 1e-9);
}

/* ---- gate --------------------------------------------------------------- */

static void test_gate_open_enters_at_once(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t;
    double t0 = now_mono();
    for (int i = 0; i < 10; i++)
        assert_int_equal(gate_enter(&g, &t), 0);
    assert_true(now_mono() - t0 < 1.0);
    assert_int_equal(t.probe, 0);
    unsigned long n429;
    double paused;
    gate_stats(&g, &n429, &paused);
    assert_int_equal(n429, 0);
    assert_float_equal(paused, 0, EPS);
    gate_destroy(&g);
}

static void test_gate_429_pauses_everyone(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t1, t2;
    assert_int_equal(gate_enter(&g, &t1), 0);
    gate_report(&g, &t1, GATE_RATE_LIMITED, 0.2);
    double t0 = now_mono();
    assert_int_equal(gate_enter(&g, &t2), 0);
    double waited = now_mono() - t0;
    if (!(waited >= 0.15 && waited < 3.0))
        fail_msg("gate_enter waited %.3f s after a 429 with Retry-After 0.2", waited);
    assert_int_equal(t2.probe, 1);          /* the reopened gate sends a probe first */
    unsigned long n429;
    double paused;
    gate_stats(&g, &n429, &paused);
    assert_int_equal(n429, 1);
    assert_float_equal(paused, 0.2, 1e-6);
    gate_report(&g, &t2, GATE_OK, -1);
    /* the probe succeeded: the gate is open again */
    struct gate_ticket t3;
    t0 = now_mono();
    assert_int_equal(gate_enter(&g, &t3), 0);
    assert_true(now_mono() - t0 < 1.0);
    assert_int_equal(t3.probe, 0);
    gate_destroy(&g);
}

static void test_gate_stale_429_does_not_extend(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t1, t2, t3;
    /* two requests in flight under the same epoch */
    assert_int_equal(gate_enter(&g, &t1), 0);
    assert_int_equal(gate_enter(&g, &t2), 0);
    gate_report(&g, &t1, GATE_RATE_LIMITED, 0.2);
    /* the second one's 429 was earned before the gate closed */
    gate_report(&g, &t2, GATE_RATE_LIMITED, 10);
    double t0 = now_mono();
    assert_int_equal(gate_enter(&g, &t3), 0);
    double waited = now_mono() - t0;
    if (!(waited >= 0.15 && waited < 3.0))
        fail_msg("gate_enter waited %.3f s; a stale 429 must not extend the 0.2 s pause", waited);
    unsigned long n429;
    double paused;
    gate_stats(&g, &n429, &paused);
    assert_int_equal(n429, 2);              /* counted, not escalated */
    assert_float_equal(paused, 0.2, 1e-6);
    gate_destroy(&g);
}

static void test_gate_retry_after_capped(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 0.01, 0.2, 0, 0, 42);
    struct gate_ticket t1, t2;
    assert_int_equal(gate_enter(&g, &t1), 0);
    gate_report(&g, &t1, GATE_RATE_LIMITED, 3600);   /* capped by --max-backoff */
    double t0 = now_mono();
    assert_int_equal(gate_enter(&g, &t2), 0);
    double waited = now_mono() - t0;
    if (!(waited >= 0.15 && waited < 3.0))
        fail_msg("gate_enter waited %.3f s, want about the 0.2 s cap", waited);
    gate_destroy(&g);
}

static void test_gate_retry_after_zero_is_no_wait(void **state)
{
    (void)state;
    /* Retry-After: 0 (or a date gone by) on every answer: the gate waits
     * its own backoff, never nothing */
    assert_float_equal(backoff_floor(1), 0.1, 1e-12);
    struct gate g;
    gate_init(&g, 0.2, 10, 0, 0, 42);
    struct gate_ticket t;
    double t0 = now_mono();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(gate_enter(&g, &t), 0);
        gate_report(&g, &t, GATE_RATE_LIMITED, 0);
    }
    assert_int_equal(gate_enter(&g, &t), 0);
    double waited = now_mono() - t0;
    /* at least a tenth of 0.2, 0.4 and 0.8 s */
    if (waited < 0.13)
        fail_msg("three 429s with Retry-After: 0 cost %.3f s, want at least 0.14", waited);
    gate_destroy(&g);
}

static void test_gate_enter_by_deadline(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t;
    assert_int_equal(gate_enter(&g, &t), 0);
    gate_report(&g, &t, GATE_RATE_LIMITED, 30);     /* closed for 30 s */
    double t0 = now_mono();
    assert_int_equal(gate_enter_by(&g, &t, t0 + 1), -2);
    assert_true(now_mono() - t0 < 0.5);             /* at once, no wait */
    gate_destroy(&g);
}

static void test_gate_paces_requests(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 20, 0, 42);       /* 20 requests per second */
    struct gate_ticket t;
    double t0 = now_mono();
    for (int i = 0; i < 4; i++)
        assert_int_equal(gate_enter(&g, &t), 0);
    double took = now_mono() - t0;
    if (!(took >= 0.14 && took < 3.0))
        fail_msg("4 paced entries at 20/s took %.3f s, want about 0.15 s", took);
    gate_destroy(&g);
}

struct waiter {
    struct gate *g;
    int use_sleep;
    int rc;
    double took;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    double t0 = now_mono();
    if (w->use_sleep) {
        w->rc = gate_sleep(w->g, 30);
    } else {
        struct gate_ticket t;
        w->rc = gate_enter(w->g, &t);
    }
    w->took = now_mono() - t0;
    return NULL;
}

static void test_gate_cancel_wakes_enter(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t;
    assert_int_equal(gate_enter(&g, &t), 0);
    gate_report(&g, &t, GATE_RATE_LIMITED, 30);     /* closed for 30 s */
    struct waiter w = {.g = &g, .use_sleep = 0, .rc = 99};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, waiter_main, &w), 0);
    usleep(50000);
    gate_cancel(&g);
    pthread_join(tid, NULL);
    assert_int_equal(w.rc, -1);
    if (w.took >= 3.0)
        fail_msg("gate_enter took %.3f s to see the cancel", w.took);
    /* later waits return at once */
    double t0 = now_mono();
    assert_int_equal(gate_enter(&g, &t), -1);
    assert_true(now_mono() - t0 < 1.0);
    gate_destroy(&g);
}

static void test_gate_cancel_wakes_sleep(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct waiter w = {.g = &g, .use_sleep = 1, .rc = 99};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, waiter_main, &w), 0);
    usleep(50000);
    gate_cancel(&g);
    pthread_join(tid, NULL);
    assert_int_equal(w.rc, -1);
    if (w.took >= 3.0)
        fail_msg("gate_sleep took %.3f s to see the cancel", w.took);
    double t0 = now_mono();
    assert_int_equal(gate_sleep(&g, 30), -1);
    assert_true(now_mono() - t0 < 1.0);
    gate_destroy(&g);
}

struct prober {
    struct gate *g;
    atomic_int entered;
    int rc;
};

static void *prober_main(void *arg)
{
    struct prober *w = arg;
    struct gate_ticket t;
    w->rc = gate_enter(w->g, &t);
    atomic_store(&w->entered, 1);
    return NULL;
}

static void test_gate_half_open_waits_for_probe(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    struct gate_ticket t1, probe;
    assert_int_equal(gate_enter(&g, &t1), 0);
    gate_report(&g, &t1, GATE_RATE_LIMITED, 0.05);
    assert_int_equal(gate_enter(&g, &probe), 0);
    assert_int_equal(probe.probe, 1);
    /* while the probe is out, nobody else goes */
    struct prober w = {.g = &g, .rc = 99};
    atomic_init(&w.entered, 0);
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, prober_main, &w), 0);
    usleep(200000);
    assert_int_equal(atomic_load(&w.entered), 0);
    /* the probe came back fine: the gate opens for all */
    double t0 = now_mono();
    gate_report(&g, &probe, GATE_OK, -1);
    while (!atomic_load(&w.entered) && now_mono() - t0 < 5.0)
        usleep(1000);
    pthread_join(tid, NULL);
    assert_int_equal(w.rc, 0);
    if (now_mono() - t0 >= 3.0)
        fail_msg("the waiter took %.3f s to pass after the probe succeeded", now_mono() - t0);
    gate_destroy(&g);
}

static void test_gate_sleep_sleeps(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g, 1, 60, 0, 0, 42);
    double t0 = now_mono();
    assert_int_equal(gate_sleep(&g, 0.1), 0);
    double took = now_mono() - t0;
    if (!(took >= 0.09 && took < 3.0))
        fail_msg("gate_sleep(0.1) took %.3f s", took);
    gate_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_doubles),
        cmocka_unit_test(test_ceiling_capped),
        cmocka_unit_test(test_jitter_within_bounds),
        cmocka_unit_test(test_jitter_values),
        cmocka_unit_test(test_retry_after_seconds),
        cmocka_unit_test(test_retry_after_imf_fixdate),
        cmocka_unit_test(test_retry_after_rfc850),
        cmocka_unit_test(test_retry_after_asctime),
        cmocka_unit_test(test_retry_after_past_date_is_zero),
        cmocka_unit_test(test_retry_after_garbage),
        cmocka_unit_test(test_pacer_spaces_reservations),
        cmocka_unit_test(test_pacer_later_now_resets),
        cmocka_unit_test(test_pacer_rate_zero_is_uncapped),
        cmocka_unit_test(test_pacer_slow_rate),
        cmocka_unit_test(test_gate_open_enters_at_once),
        cmocka_unit_test(test_gate_429_pauses_everyone),
        cmocka_unit_test(test_gate_stale_429_does_not_extend),
        cmocka_unit_test(test_gate_retry_after_capped),
        cmocka_unit_test(test_gate_retry_after_zero_is_no_wait),
        cmocka_unit_test(test_gate_enter_by_deadline),
        cmocka_unit_test(test_gate_paces_requests),
        cmocka_unit_test(test_gate_cancel_wakes_enter),
        cmocka_unit_test(test_gate_cancel_wakes_sleep),
        cmocka_unit_test(test_gate_half_open_waits_for_probe),
        cmocka_unit_test(test_gate_sleep_sleeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
