/* Unit tests for ring.c: jobs settled by the main thread and jobs run by a
 * pool come out in input order, each exactly once, however the workers
 * finish them; a full ring waits; a failed output stops the writing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "outcome.h"
#include "pool.h"
#include "ring.h"

/* The test's own job: the ring's core first, a payload after it. */
struct tjob {
    struct job core;
    struct row_result res;
};

#define MANY (RING_SIZE * 2 + 100)

/* What the ring's callbacks saw. */
static struct seen {
    uint64_t next;              /* the seq the next write must have */
    unsigned long writes, out_of_order, idles, polls;
    int fail_after;             /* writes before the output "fails"; -1 never */
    int failed;
} S;

static int reset(void **state)
{
    (void)state;
    memset(&S, 0, sizeof S);
    S.fail_after = -1;
    return 0;
}

static void on_write(void *ctx, struct job *j)
{
    (void)ctx;
    if (j->seq != S.next)
        S.out_of_order++;
    S.next = j->seq + 1;
    S.writes++;
    if (S.fail_after >= 0 && S.writes >= (unsigned long)S.fail_after)
        S.failed = 1;
}

static void on_idle(void *ctx)
{
    (void)ctx;
    S.idles++;
}

static void on_poll(void *ctx)
{
    (void)ctx;
    S.polls++;
}

static int on_failed(void *ctx)
{
    (void)ctx;
    return S.failed;
}

/* The payload of a slot just taken: cleared by its owner, here the test. */
static void on_clear(void *ctx, struct job *core)
{
    (void)ctx;
    struct tjob *j = JOB_OF(core, struct tjob);
    memset(&j->res, 0, sizeof j->res);
    j->res.status = ROW_PENDING;
    j->res.prev = -1;
}

static const struct ring_ops ops = {on_write, on_idle, on_poll, on_failed, on_clear, NULL, NULL};

/* A worker that takes a little time, longer for some rows, so they finish
 * out of order. */
static void slow_run(void *wctx, struct pool_node *n)
{
    (void)wctx;
    struct tjob *j = JOB_OF(POOL_JOB(n, struct job, node), struct tjob);
    usleep((useconds_t)((j->core.seq * 7919) % 700));
    j->res.status = ROW_OK;
}

static void drop(void *arg, struct pool_node *n)
{
    (void)arg;
    JOB_OF(POOL_JOB(n, struct job, node), struct tjob)->res.status = ROW_CANCELLED;
}

static const struct pool_ops slow_ops = {NULL, NULL, slow_run, drop, NULL};

static void test_settled_jobs_written_at_once_in_order(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, &ops, sizeof(struct tjob));
    for (int i = 0; i < 5; i++) {
        struct tjob *j = JOB_OF(ring_take(&r), struct tjob);
        assert_non_null(j);
        assert_int_equal(j->core.seq, (uint64_t)i);
        j->res.status = ROW_INVALID;
        ring_settle(&r, &j->core);
        assert_int_equal(S.writes, (unsigned long)i + 1);    /* no pool: written now */
    }
    assert_int_equal(S.out_of_order, 0);
    ring_free(&r);
}

/* Rows settled by the main thread (invalid ones, say) between rows the pool
 * runs, more than the ring holds: every row once, in order. */
static void test_pool_and_settled_rows_keep_input_order(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, &ops, sizeof(struct tjob));
    struct pool *p = pool_new(4, RING_SIZE, &slow_ops);
    assert_non_null(p);
    r.pool = p;
    char key[32];
    for (unsigned i = 0; i < MANY; i++) {
        struct tjob *j = JOB_OF(ring_take(&r), struct tjob);
        assert_non_null(j);
        if (i % 5 == 4) {
            j->res.status = ROW_INVALID;
            ring_settle(&r, &j->core);
            continue;
        }
        /* one key in three is shared: those rows also run one at a time */
        int n = snprintf(key, sizeof key, "k%u", i % 3 ? i : i % 7);
        assert_true(n > 0 && (size_t)n < sizeof key);
        j->core.key.len = 0;
        buf_adds(&j->core.key, key);
        ring_submit(&r, &j->core);
    }
    ring_drain(&r, r.next_seq);
    assert_int_equal(S.writes, MANY);
    assert_int_equal(S.out_of_order, 0);
    assert_int_equal(r.next_out, MANY);
    pool_free(p);
    ring_free(&r);
}

/* Once the output failed, nothing more is written and no slot is handed
 * out. */
static void test_failed_output_stops_writing(void **state)
{
    (void)state;
    S.fail_after = 3;
    struct ring r;
    ring_init(&r, &ops, sizeof(struct tjob));
    struct tjob *j = NULL;
    for (int i = 0; i < 3; i++) {
        j = JOB_OF(ring_take(&r), struct tjob);
        assert_non_null(j);
        ring_settle(&r, &j->core);
    }
    assert_int_equal(S.writes, 3);
    assert_null(ring_take(&r));
    ring_free(&r);
}

/* A slot is reused with its core reset and its payload cleared (the
 * owner's clear hook). */
static void test_take_clears_the_result(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, &ops, sizeof(struct tjob));
    for (unsigned i = 0; i < RING_SIZE + 1; i++) {
        struct tjob *j = JOB_OF(ring_take(&r), struct tjob);
        assert_non_null(j);
        assert_int_equal(j->res.status, ROW_PENDING);
        assert_int_equal(j->res.prev, -1);
        assert_int_equal(j->res.msg[0], '\0');
        assert_int_equal(j->core.settled, 0);
        j->res.status = ROW_FAILED;
        j->res.prev = 2;
        snprintf(j->res.msg, sizeof j->res.msg, "row %u", i);
        ring_settle(&r, &j->core);
    }
    assert_int_equal(S.writes, RING_SIZE + 1);
    ring_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_settled_jobs_written_at_once_in_order, reset),
        cmocka_unit_test_setup(test_pool_and_settled_rows_keep_input_order, reset),
        cmocka_unit_test_setup(test_failed_output_stops_writing, reset),
        cmocka_unit_test_setup(test_take_clears_the_result, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
