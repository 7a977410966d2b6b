/* Unit tests for once.c: load once, others wait, with real threads. One
 * loader and N waiters; a failed load; a cancelled load; waiters woken by
 * the run's cancellation (once_cancel_all, and a real SIGINT through
 * cancel.c); many threads on many entries load each entry once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cancel.h"
#include "once.h"
#include "util.h"

#define NWAIT 8
#define DEADLINE 10.0               /* seconds: only to turn a hang into a failure */

/* An owner of its own: one mutex, a set, entries with data. */
struct owner {
    pthread_mutex_t mu;
    struct once_set set;
    struct once e;
    int data;                       /* READY: 42 */
    atomic_int loads;               /* times a caller was made the loader */
};

static struct owner O;

static int setup(void **state)
{
    (void)state;
    memset(&O, 0, sizeof O);
    pthread_mutex_init(&O.mu, NULL);
    once_set_init(&O.set, &O.mu);
    alarm((unsigned)DEADLINE * 2);  /* a hang kills the test binary */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    once_set_destroy(&O.set);
    pthread_mutex_destroy(&O.mu);
    return 0;
}

/* What a waiter got, and whether it read the owner's data. */
struct waiter {
    pthread_t tid;
    enum once_state got;
    int data;
    int loaded;                     /* it was made the loader */
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    pthread_mutex_lock(&O.mu);
    w->got = once_begin(&O.set, &O.e);
    if (w->got == ONCE_LOADING) {   /* not expected here: give the entry back */
        w->loaded = 1;
        once_end(&O.set, &O.e, ONCE_FAILED);
    } else if (w->got == ONCE_READY) {
        w->data = O.data;
    }
    pthread_mutex_unlock(&O.mu);
    return NULL;
}

/* mu not held: wait until n threads wait on the entry. */
static void until_waiting(unsigned n)
{
    double end = now_mono() + DEADLINE;
    for (;;) {
        pthread_mutex_lock(&O.mu);
        unsigned w = O.e.waiters;
        pthread_mutex_unlock(&O.mu);
        if (w == n)
            return;
        assert_true(now_mono() < end);
        usleep(1000);
    }
}

/* The caller becomes the loader, then NWAIT threads wait on the entry. */
static void loader_and_waiters(struct waiter *w)
{
    pthread_mutex_lock(&O.mu);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_LOADING);
    assert_true(once_busy(&O.e));
    pthread_mutex_unlock(&O.mu);    /* the loader's request: no lock held */
    for (int i = 0; i < NWAIT; i++)
        assert_int_equal(pthread_create(&w[i].tid, NULL, wait_thread, &w[i]), 0);
    until_waiting(NWAIT);
}

static void join_all(struct waiter *w)
{
    for (int i = 0; i < NWAIT; i++)
        pthread_join(w[i].tid, NULL);
}

static void test_one_loader_n_waiters(void **state)
{
    (void)state;
    struct waiter w[NWAIT];
    memset(w, 0, sizeof w);
    loader_and_waiters(w);
    /* the waiters hold no lock while they wait: the loader takes it */
    pthread_mutex_lock(&O.mu);
    O.data = 42;
    once_end(&O.set, &O.e, ONCE_READY);
    pthread_mutex_unlock(&O.mu);
    join_all(w);
    for (int i = 0; i < NWAIT; i++) {
        assert_int_equal(w[i].got, ONCE_READY);
        assert_int_equal(w[i].data, 42);
        assert_int_equal(w[i].loaded, 0);
    }
    pthread_mutex_lock(&O.mu);
    assert_int_equal(O.e.waiters, 0);
    assert_false(once_busy(&O.e));
    /* a later caller takes the published outcome without loading */
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_READY);
    pthread_mutex_unlock(&O.mu);
}

static void test_loader_fails(void **state)
{
    (void)state;
    struct waiter w[NWAIT];
    memset(w, 0, sizeof w);
    loader_and_waiters(w);
    pthread_mutex_lock(&O.mu);
    once_end(&O.set, &O.e, ONCE_FAILED);
    pthread_mutex_unlock(&O.mu);
    join_all(w);
    for (int i = 0; i < NWAIT; i++) {
        assert_int_equal(w[i].got, ONCE_FAILED);
        assert_int_equal(w[i].loaded, 0);
    }
    /* a failure is kept: nobody loads it again */
    pthread_mutex_lock(&O.mu);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_FAILED);
    pthread_mutex_unlock(&O.mu);
}

static void test_loader_cancelled(void **state)
{
    (void)state;
    struct waiter w[NWAIT];
    memset(w, 0, sizeof w);
    loader_and_waiters(w);
    pthread_mutex_lock(&O.mu);
    once_end(&O.set, &O.e, ONCE_CANCELLED);
    pthread_mutex_unlock(&O.mu);
    join_all(w);
    /* the waiters are told cancelled, not failed, and none loads it */
    for (int i = 0; i < NWAIT; i++) {
        assert_int_equal(w[i].got, ONCE_CANCELLED);
        assert_int_equal(w[i].loaded, 0);
    }
    /* the run goes on: a later caller loads it again */
    pthread_mutex_lock(&O.mu);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_LOADING);
    O.data = 42;
    once_end(&O.set, &O.e, ONCE_READY);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_READY);
    pthread_mutex_unlock(&O.mu);
}

/* The run is cancelled while the loader's request is in flight: the
 * waiters return at once; the loader still owns the entry and publishes
 * it later; nothing new loads. cancel: how the run is cancelled. */
static void waiters_woken(void (*cancel)(void))
{
    struct waiter w[NWAIT];
    memset(w, 0, sizeof w);
    struct once other = {0};
    loader_and_waiters(w);
    cancel();
    join_all(w);
    for (int i = 0; i < NWAIT; i++) {
        assert_int_equal(w[i].got, ONCE_CANCELLED);
        assert_int_equal(w[i].loaded, 0);
    }
    pthread_mutex_lock(&O.mu);
    assert_int_equal(O.e.state, ONCE_LOADING);      /* still the loader's */
    assert_int_equal(O.e.waiters, 0);
    /* no new load starts, and a loading entry is not waited for */
    assert_int_equal(once_begin(&O.set, &other), ONCE_CANCELLED);
    assert_int_equal(other.state, ONCE_EMPTY);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_CANCELLED);
    /* the loader's request ends and publishes as usual */
    once_end(&O.set, &O.e, ONCE_READY);
    assert_int_equal(once_begin(&O.set, &O.e), ONCE_READY);
    pthread_mutex_unlock(&O.mu);
}

static void cancel_every_set(void)
{
    once_cancel_all();
}

static void test_waiters_woken_by_cancel(void **state)
{
    (void)state;
    waiters_woken(cancel_every_set);
}

/* SIGINT, through cancel.c's signal thread (cancel_init ran in main). */
static void send_sigint(void)
{
    kill(getpid(), SIGINT);
}

static void test_waiters_woken_by_sigint(void **state)
{
    (void)state;
    waiters_woken(send_sigint);
    assert_int_equal(cancel_signals(), 1);
}

/* Many threads, many entries: each entry is loaded once, its outcome is
 * what every caller saw. */
#define NENT 64
#define NTHREADS 8
static struct {
    pthread_mutex_t mu;
    struct once_set set;
    struct once e[NENT];
    int data[NENT];
    atomic_int loads[NENT];
    atomic_int bad;
} M;

static void *many_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int round = 0; round < 4 * NENT; round++) {
        int k = (int)(rand_r(&seed) % NENT);
        pthread_mutex_lock(&M.mu);
        enum once_state st = once_begin(&M.set, &M.e[k]);
        if (st == ONCE_LOADING) {
            atomic_fetch_add(&M.loads[k], 1);
            pthread_mutex_unlock(&M.mu);
            usleep(200);            /* the request */
            pthread_mutex_lock(&M.mu);
            M.data[k] = k + 1000;
            once_end(&M.set, &M.e[k], k % 7 == 0 ? ONCE_FAILED : ONCE_READY);
        } else if ((st == ONCE_READY && M.data[k] != k + 1000) ||
                   st != (k % 7 == 0 ? ONCE_FAILED : ONCE_READY)) {
            atomic_fetch_add(&M.bad, 1);
        }
        pthread_mutex_unlock(&M.mu);
    }
    return NULL;
}

static void test_many_threads_load_each_once(void **state)
{
    (void)state;
    memset(&M, 0, sizeof M);
    pthread_mutex_init(&M.mu, NULL);
    once_set_init(&M.set, &M.mu);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, many_thread, (void *)(uintptr_t)(i + 1)), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    for (int k = 0; k < NENT; k++)
        assert_true(atomic_load(&M.loads[k]) <= 1);
    assert_int_equal(atomic_load(&M.bad), 0);
    once_set_destroy(&M.set);
    pthread_mutex_destroy(&M.mu);
}

int main(void)
{
    /* before any thread: SIGINT goes to cancel.c's thread */
    if (cancel_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_loader_n_waiters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_threads_load_each_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiters_woken_by_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiters_woken_by_sigint, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
