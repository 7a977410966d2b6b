/* Unit tests for pool.c: the worker pool and its ordering guarantees, with
 * fake run callbacks (no network). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "util.h"

#define NJOBS 200
#define RING 64
#define NSHARED 5
#define NKEYS (NSHARED + NJOBS + 8)
#define DEADLINE 20.0               /* seconds: only to turn a hang into a failure */

/* A job of the tests' own: the pool knows only its node. */
struct tjob {
    uint64_t seq;
    char key[64];
    int ok;                         /* 1 ran, 2 cancelled */
    char msg[64];
    struct pool_node node;
};

static struct tjob *tjob_of(struct pool_node *n)
{
    return POOL_JOB(n, struct tjob, node);
}

/* What the fake callbacks saw. One instance, reset before every test. */
static struct tracker {
    pthread_mutex_t mu;
    int keyidx[NJOBS];              /* key of each sequence number (read-only while running) */
    int block[NKEYS];               /* jobs of these keys wait for `release` */
    /* guarded by mu */
    int inflight[NKEYS];
    int started_any[NKEYS];
    uint64_t last_started[NKEYS];
    int overlaps, order_violations;
    int running, max_running;
    /* atomics */
    atomic_int runs[NJOBS];
    atomic_int cancels[NJOBS];
    atomic_int started;
    atomic_int release;
    atomic_int inits, finis, init_mask, fail_index;
    atomic_int bad_ctx;             /* callbacks that got the wrong context */
    void *arg_seen;                 /* guarded by mu */
} T;

static int reset(void **state)
{
    (void)state;
    memset(&T, 0, sizeof T);
    pthread_mutex_init(&T.mu, NULL);
    for (int i = 0; i < NJOBS; i++) {
        atomic_init(&T.runs[i], 0);
        atomic_init(&T.cancels[i], 0);
    }
    atomic_init(&T.started, 0);
    atomic_init(&T.release, 0);
    atomic_init(&T.inits, 0);
    atomic_init(&T.finis, 0);
    atomic_init(&T.init_mask, 0);
    atomic_init(&T.fail_index, -1);
    atomic_init(&T.bad_ctx, 0);
    return 0;
}

static int cleanup(void **state)
{
    (void)state;
    pthread_mutex_destroy(&T.mu);
    /* checked here, on the main thread: cmocka asserts are not for workers */
    assert_int_equal(atomic_load(&T.bad_ctx), 0);
    return 0;
}

static void *fake_init(void *arg, int index)
{
    pthread_mutex_lock(&T.mu);
    T.arg_seen = arg;               /* same value from every worker */
    pthread_mutex_unlock(&T.mu);
    atomic_fetch_add(&T.inits, 1);
    atomic_fetch_or(&T.init_mask, 1 << index);
    if (index == atomic_load(&T.fail_index))
        return NULL;
    return &T;
}

static void fake_fini(void *wctx)
{
    if (wctx != &T)
        atomic_fetch_add(&T.bad_ctx, 1);
    atomic_fetch_add(&T.finis, 1);
}

static void fake_run(void *wctx, struct pool_node *n)
{
    struct tjob *j = tjob_of(n);
    if (wctx != &T)
        atomic_fetch_add(&T.bad_ctx, 1);
    uint64_t seq = j->seq;
    int k = T.keyidx[seq];

    pthread_mutex_lock(&T.mu);
    if (T.inflight[k])
        T.overlaps++;
    T.inflight[k] = 1;
    if (T.started_any[k] && T.last_started[k] >= seq)
        T.order_violations++;
    T.started_any[k] = 1;
    T.last_started[k] = seq;
    if (++T.running > T.max_running)
        T.max_running = T.running;
    pthread_mutex_unlock(&T.mu);
    atomic_fetch_add(&T.started, 1);

    if (T.block[k]) {
        while (!atomic_load(&T.release))
            usleep(1000);
    } else {
        usleep((useconds_t)(200 + (seq * 7919) % 1800));
    }

    pthread_mutex_lock(&T.mu);
    T.inflight[k] = 0;
    T.running--;
    pthread_mutex_unlock(&T.mu);

    j->ok = 1;
    snprintf(j->msg, sizeof j->msg, "ran %llu", (unsigned long long)seq);
    atomic_fetch_add(&T.runs[seq], 1);
}

static void fake_cancelled(void *arg, struct pool_node *n)
{
    (void)arg;
    struct tjob *j = tjob_of(n);
    j->ok = 2;
    snprintf(j->msg, sizeof j->msg, "cancelled %llu", (unsigned long long)j->seq);
    atomic_fetch_add(&T.cancels[j->seq], 1);
}

static const struct pool_ops fake_ops = {
    .worker_init = fake_init,
    .worker_fini = fake_fini,
    .run = fake_run,
    .cancelled = fake_cancelled,
    .arg = (void *)&fake_ops,
};

/* Fill ring slot seq % RING for key index k and submit it. */
static struct tjob *submit(struct pool *p, struct tjob *ring, uint64_t seq, int k)
{
    struct tjob *j = &ring[seq % RING];
    T.keyidx[seq] = k;
    j->seq = seq;
    j->ok = 0;
    j->msg[0] = '\0';
    int n = snprintf(j->key, sizeof j->key, "r\x1f" "acme\x1f" "repo-%d\x1fg\x1f" "devs", k);
    assert_true(n > 0 && (size_t)n < sizeof j->key);
    pool_submit(p, &j->node, j->key, (size_t)n);
    return j;
}

static void ring_free(struct tjob *ring)
{
    free(ring);
}

/* How many jobs from ring[first] on are done in a row (at most max). */
static unsigned done_run(struct tjob *ring, uint64_t first, unsigned max)
{
    unsigned n = 0;
    while (n < max && pool_node_done(&ring[(first + n) % RING].node))
        n++;
    return n;
}

/* Take the run of finished jobs that comes next, checking each. */
static unsigned take_done(struct tjob *ring, uint64_t *next_out, uint64_t submitted)
{
    uint64_t pending = submitted - *next_out;
    if (!pending)
        return 0;
    unsigned n = done_run(ring, *next_out, (unsigned)pending);
    assert_true(n <= pending);
    for (unsigned i = 0; i < n; i++) {
        uint64_t seq = *next_out + i;
        struct tjob *j = &ring[seq % RING];
        assert_int_equal(j->seq, seq);
        assert_int_equal(atomic_load(&T.runs[seq]) + atomic_load(&T.cancels[seq]), 1);
    }
    *next_out += n;
    return n;
}

static void run_many(int collide)
{
    /* collide: a key table of the smallest size, so keys share buckets */
    struct pool *p = pool_new(4, collide ? 1 : RING, &fake_ops);
    assert_non_null(p);
    struct tjob *ring = xcalloc(RING, sizeof *ring);
    uint64_t next_out = 0;
    double t0 = now_mono();

    for (uint64_t seq = 0; seq < NJOBS; seq++) {
        /* three rows in four touch one of a few permissions */
        int k = seq % 4 != 3 ? (int)(seq % NSHARED) : NSHARED + (int)seq;
        while (seq - next_out >= RING) {
            if (!take_done(ring, &next_out, seq) && seq - next_out >= RING)
                pool_wait(p, &ring[next_out % RING].node, 0.5);
            if (now_mono() - t0 > DEADLINE)
                fail_msg("stuck waiting for row %llu", (unsigned long long)next_out);
        }
        submit(p, ring, seq, k);
        take_done(ring, &next_out, seq + 1);
    }
    while (next_out < NJOBS) {
        if (!take_done(ring, &next_out, NJOBS) && next_out < NJOBS)
            pool_wait(p, &ring[next_out % RING].node, 0.5);
        if (now_mono() - t0 > DEADLINE)
            fail_msg("stuck waiting for row %llu", (unsigned long long)next_out);
    }
    pool_free(p);

    assert_int_equal(next_out, NJOBS);
    for (int i = 0; i < NJOBS; i++) {
        if (atomic_load(&T.runs[i]) != 1)
            fail_msg("job %d ran %d times", i, atomic_load(&T.runs[i]));
        assert_int_equal(atomic_load(&T.cancels[i]), 0);
    }
    assert_int_equal(T.overlaps, 0);
    assert_int_equal(T.order_violations, 0);
    assert_true(T.max_running <= 4);
    assert_int_equal(atomic_load(&T.inits), 4);
    assert_int_equal(atomic_load(&T.finis), 4);
    /* the last slot of each ring position holds its last job's result */
    for (unsigned i = 0; i < RING; i++) {
        struct tjob *j = &ring[i];
        assert_int_equal(j->ok, 1);
        char want[64];
        snprintf(want, sizeof want, "ran %llu", (unsigned long long)j->seq);
        assert_string_equal(j->msg, want);
    }
    ring_free(ring);
}

static void test_same_key_never_overlaps_and_keeps_order(void **state)
{
    (void)state;
    run_many(0);
}

static void test_same_key_order_with_colliding_hashes(void **state)
{
    (void)state;
    /* every key in one hash bucket: keys must still be told apart */
    run_many(1);
}

static void test_distinct_keys_run_in_parallel(void **state)
{
    (void)state;
    struct pool *p = pool_new(4, RING, &fake_ops);
    assert_non_null(p);
    struct tjob *ring = xcalloc(RING, sizeof *ring);
    for (int k = 0; k < 4; k++)
        T.block[k] = 1;
    for (uint64_t seq = 0; seq < 4; seq++)
        submit(p, ring, seq, (int)seq);
    /* all four block until released: they can only all start if they run
     * side by side */
    double t0 = now_mono();
    while (atomic_load(&T.started) < 4 && now_mono() - t0 < DEADLINE)
        usleep(1000);
    assert_int_equal(atomic_load(&T.started), 4);
    atomic_store(&T.release, 1);
    uint64_t next_out = 0;
    while (next_out < 4 && now_mono() - t0 < DEADLINE)
        if (!take_done(ring, &next_out, 4))
            pool_wait(p, &ring[next_out % RING].node, 0.5);
    assert_int_equal(next_out, 4);
    pool_free(p);
    assert_int_equal(T.max_running, 4);
    ring_free(ring);
}

static void test_done_run_stops_at_first_unfinished(void **state)
{
    (void)state;
    struct pool *p = pool_new(2, RING, &fake_ops);
    assert_non_null(p);
    struct tjob *ring = xcalloc(RING, sizeof *ring);
    T.block[0] = 1;
    submit(p, ring, 0, 0);                      /* blocks */
    for (uint64_t seq = 1; seq < 6; seq++)
        submit(p, ring, seq, (int)seq);
    double t0 = now_mono();
    int ran = 0;
    while (now_mono() - t0 < DEADLINE) {
        ran = 0;
        for (int i = 1; i < 6; i++)
            ran += atomic_load(&T.runs[i]);
        if (ran == 5 && done_run(ring, 1, 5) == 5)
            break;
        usleep(1000);
    }
    assert_int_equal(ran, 5);
    assert_int_equal(done_run(ring, 0, 6), 0);
    assert_int_equal(done_run(ring, 1, 5), 5);
    

    /* pool_wait gives up after its timeout */
    double w0 = now_mono();
    pool_wait(p, &ring[0].node, 0.1);
    double waited = now_mono() - w0;
    if (!(waited >= 0.05 && waited < 3.0))
        fail_msg("pool_wait(0.1) on an unfinished job took %.3f s", waited);
    assert_int_equal(done_run(ring, 0, 1), 0);

    atomic_store(&T.release, 1);
    pool_wait(p, &ring[0].node, DEADLINE);
    assert_int_equal(done_run(ring, 0, 6), 6);
    pool_free(p);
    ring_free(ring);
}

static void test_cancel_drops_jobs_not_started(void **state)
{
    (void)state;
    struct pool *p = pool_new(2, RING, &fake_ops);
    assert_non_null(p);
    struct tjob *ring = xcalloc(RING, sizeof *ring);
    T.block[0] = T.block[1] = 1;
    submit(p, ring, 0, 0);
    submit(p, ring, 1, 1);
    double t0 = now_mono();
    while (atomic_load(&T.started) < 2 && now_mono() - t0 < DEADLINE)
        usleep(1000);
    assert_int_equal(atomic_load(&T.started), 2);
    /* both workers are busy: everything below waits, queued or chained
     * behind a running job of the same key */
    for (uint64_t seq = 2; seq < 22; seq++)
        submit(p, ring, seq, seq % 3 == 0 ? (int)(seq % 2) : NSHARED + (int)seq);
    pool_cancel(p);
    atomic_store(&T.release, 1);
    uint64_t next_out = 0;
    while (next_out < 22 && now_mono() - t0 < DEADLINE)
        if (!take_done(ring, &next_out, 22))
            pool_wait(p, &ring[next_out % RING].node, 0.5);
    assert_int_equal(next_out, 22);
    pool_free(p);

    for (int i = 0; i < 2; i++) {
        assert_int_equal(atomic_load(&T.runs[i]), 1);
        assert_int_equal(ring[i].ok, 1);
    }
    for (int i = 2; i < 22; i++) {
        if (atomic_load(&T.cancels[i]) != 1 || atomic_load(&T.runs[i]) != 0)
            fail_msg("job %d: ran %d, cancelled %d; want cancelled once", i,
                     atomic_load(&T.runs[i]), atomic_load(&T.cancels[i]));
        assert_int_equal(ring[i].ok, 2);
    }
    ring_free(ring);
}

static void test_workers_init_and_fini(void **state)
{
    (void)state;
    struct pool *p = pool_new(3, 16, &fake_ops);
    assert_non_null(p);
    /* pool_new returns once every worker ran worker_init */
    assert_int_equal(atomic_load(&T.inits), 3);
    assert_int_equal(atomic_load(&T.init_mask), 7);
    pthread_mutex_lock(&T.mu);
    void *arg = T.arg_seen;
    pthread_mutex_unlock(&T.mu);
    assert_ptr_equal(arg, &fake_ops);
    assert_int_equal(atomic_load(&T.finis), 0);
    pool_free(p);
    assert_int_equal(atomic_load(&T.finis), 3);
}

static void test_worker_init_failure(void **state)
{
    (void)state;
    atomic_store(&T.fail_index, 1);
    struct pool *p = pool_new(3, 16, &fake_ops);
    assert_null(p);
    assert_int_equal(atomic_load(&T.inits), 3);
    /* the workers that did start were stopped and cleaned up */
    assert_int_equal(atomic_load(&T.finis), 2);
}

static void test_free_drains_queue(void **state)
{
    (void)state;
    struct pool *p = pool_new(2, RING, &fake_ops);
    assert_non_null(p);
    struct tjob *ring = xcalloc(RING, sizeof *ring);
    for (uint64_t seq = 0; seq < 30; seq++)
        submit(p, ring, seq, (int)(seq % 3));
    pool_free(p);                   /* waits for the queue and the chains */
    for (int i = 0; i < 30; i++)
        assert_int_equal(atomic_load(&T.runs[i]), 1);
    assert_int_equal(T.overlaps, 0);
    assert_int_equal(T.order_violations, 0);
    ring_free(ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_key_never_overlaps_and_keeps_order, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_same_key_order_with_colliding_hashes, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_distinct_keys_run_in_parallel, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_done_run_stops_at_first_unfinished, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_cancel_drops_jobs_not_started, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_workers_init_and_fini, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_worker_init_failure, reset, cleanup),
        cmocka_unit_test_setup_teardown(test_free_drains_queue, reset, cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
