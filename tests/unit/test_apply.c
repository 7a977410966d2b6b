/* Unit tests for apply.c: a row that is not sent says why (a signal, or
 * which early stop), the same words exec.c gives a request it holds back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "apply.h"

static void test_cancelled_row_says_why(void **state)
{
    (void)state;
    static struct row_job j;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct exec_shared ex;
    exec_shared_init(&ex, &cfg, NULL, NULL);
    struct apply_shared sh = {.ex = &ex};

    apply_cancel_row(&sh, &j);
    assert_int_equal(j.res.status, ROW_CANCELLED);
    assert_string_equal(j.res.msg, "not sent: the run was interrupted");

    atomic_store(&ex.errors_stop, 1);
    apply_cancel_row(&sh, &j);
    assert_string_equal(j.res.msg, "not sent: the run was stopped: rows in a row got no answer "
                                   "from the server (--fail-after-errors)");

    atomic_store(&ex.auth_stop, 1);     /* the 401 stop names itself first */
    apply_cancel_row(&sh, &j);
    assert_string_equal(j.res.msg, "not sent: the run was stopped: its first answers were all 401 "
                                   "(--fail-after-401)");

    apply_cancel_row(NULL, &j);         /* no workers (a dry run): a signal */
    assert_string_equal(j.res.msg, "not sent: the run was interrupted");
    assert_string_equal(exec_stop_reason(NULL), "the run was interrupted");
}

/* The pool's callback finds the row around its node and the shared state
 * in its argument. */
static void test_pool_callback(void **state)
{
    (void)state;
    static struct row_job j;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct exec_shared ex;
    exec_shared_init(&ex, &cfg, NULL, NULL);
    atomic_store(&ex.errors_stop, 1);
    struct apply_shared sh = {.ex = &ex};
    apply_cancelled(&sh, &j.core.node);
    assert_int_equal(j.res.status, ROW_CANCELLED);
    assert_non_null(strstr(j.res.msg, "--fail-after-errors"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancelled_row_says_why),
        cmocka_unit_test(test_pool_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
