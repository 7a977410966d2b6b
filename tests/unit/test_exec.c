/* Unit tests for exec.c: what to do after one answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "exec.h"
#include "job.h"

static void test_classify_success(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_OK, 200), V_OK);
    assert_int_equal(exec_classify(CURLE_OK, 201), V_OK);
    assert_int_equal(exec_classify(CURLE_OK, 204), V_OK);
}

static void test_classify_rate_limited(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_OK, 429), V_RATE_LIMITED);
}

static void test_classify_server_errors_retry(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_OK, 500), V_RETRY);
    assert_int_equal(exec_classify(CURLE_OK, 502), V_RETRY);
    assert_int_equal(exec_classify(CURLE_OK, 503), V_RETRY);
    assert_int_equal(exec_classify(CURLE_OK, 504), V_RETRY);
}

static void test_classify_client_errors_fail(void **state)
{
    (void)state;
    const long codes[] = {400, 401, 402, 403, 404, 409};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (exec_classify(CURLE_OK, codes[i]) != V_FAIL)
            fail_msg("HTTP %ld should fail the row", codes[i]);
}

static void test_classify_network_errors_retry(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_COULDNT_CONNECT, 0), V_RETRY);
    assert_int_equal(exec_classify(CURLE_GOT_NOTHING, 0), V_RETRY);
    assert_int_equal(exec_classify(CURLE_OPERATION_TIMEDOUT, 0), V_RETRY);
    assert_int_equal(exec_classify(CURLE_RECV_ERROR, 0), V_RETRY);
}

static void test_classify_aborted(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_ABORTED_BY_CALLBACK, 0), V_ABORTED);
}

static void test_cancelled_fills_result(void **state)
{
    (void)state;
    static struct job j;
    memset(&j, 0, sizeof j);
    exec_cancelled(&j);
    assert_int_equal(j.status, ROW_CANCELLED);
    assert_true(j.msg[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_success),
        cmocka_unit_test(test_classify_rate_limited),
        cmocka_unit_test(test_classify_server_errors_retry),
        cmocka_unit_test(test_classify_client_errors_fail),
        cmocka_unit_test(test_classify_network_errors_retry),
        cmocka_unit_test(test_classify_aborted),
        cmocka_unit_test(test_cancelled_fills_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
