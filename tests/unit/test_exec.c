/* Unit tests for exec.c: what to do after one answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "apply.h"
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

static void test_classify_tls_errors_fail(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_PEER_FAILED_VERIFICATION, 0), V_FAIL);
    assert_int_equal(exec_classify(CURLE_SSL_CACERT_BADFILE, 0), V_FAIL);
    assert_int_equal(exec_classify(CURLE_SSL_CERTPROBLEM, 0), V_FAIL);
    assert_int_equal(exec_classify(CURLE_UNSUPPORTED_PROTOCOL, 0), V_FAIL);
}

static void test_classify_aborted(void **state)
{
    (void)state;
    assert_int_equal(exec_classify(CURLE_ABORTED_BY_CALLBACK, 0), V_ABORTED);
}

/* --fail-after-errors 3: only rows in a row with no answer count; the
 * third stops the run through the gate. */
static void test_rows_without_answer_stop_the_run(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fail_after_errors = 3;
    struct gate gate;
    gate_init(&gate, 0.01, 1, 0, 0, 42);
    struct exec_shared sh;
    exec_shared_init(&sh, &cfg, &gate, NULL);
    exec_row_done(&sh, 1);
    exec_row_done(&sh, 1);
    exec_row_done(&sh, 0);      /* an answer: the count starts again */
    exec_row_done(&sh, 1);
    exec_row_done(&sh, 1);
    assert_int_equal(atomic_load(&sh.errors_stop), 0);
    struct gate_ticket t;
    assert_int_equal(gate_enter(&gate, &t), 0);
    gate_report(&gate, &t, GATE_OK, -1);
    exec_row_done(&sh, 1);
    assert_int_equal(atomic_load(&sh.errors_stop), 1);
    assert_int_not_equal(gate_enter(&gate, &t), 0);
    gate_destroy(&gate);

    cfg.fail_after_errors = 0;  /* never */
    gate_init(&gate, 0.01, 1, 0, 0, 42);
    exec_shared_init(&sh, &cfg, &gate, NULL);
    for (int i = 0; i < 50; i++)
        exec_row_done(&sh, 1);
    assert_int_equal(atomic_load(&sh.errors_stop), 0);
    gate_destroy(&gate);
}

static void test_cancelled_fills_result(void **state)
{
    (void)state;
    static struct row_job j;
    memset(&j, 0, sizeof j);
    apply_cancel_row(NULL, &j);
    assert_int_equal(j.res.status, ROW_CANCELLED);
    assert_string_equal(j.res.msg, "not sent: the run was interrupted");
}

/* A cancelled run sends nothing: exec_request and exec_fetch report it
 * without a request going out (nothing listens at the URL anyway). */
static void test_request_after_cancel_sends_nothing(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timeout = 5;
    cfg.retries = 3;
    cfg.max_backoff = 1;
    cfg.backoff_base = 0.01;
    cfg.fail_after_401 = 5;
    cfg.base_url = "http://127.0.0.1:9";
    assert_int_equal(http_global_init(), 0);
    struct http_share *share = http_share_new();
    assert_non_null(share);
    struct gate gate;
    gate_init(&gate, 0.01, 1, 0, 0, 42);
    struct exec_shared sh;
    exec_shared_init(&sh, &cfg, &gate, share);
    struct exec_worker *w = exec_worker_new(&sh, 0);
    assert_non_null(w);
    gate_cancel(&gate);

    struct exec_result res;
    memset(&res, 0, sizeof res);
    res.attempts = 2;           /* added to, not reset */
    assert_int_equal(exec_request(w, "PUT", "http://127.0.0.1:9/x", "{}", &res), EXEC_CANCELLED);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(res.http_status, 0);
    assert_string_equal(res.msg, "not sent: the run was interrupted");
    assert_int_equal(atomic_load(&sh.requests), 0);

    const char *body = NULL;
    size_t len = 0;
    struct pager_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(exec_fetch(w, "http://127.0.0.1:9/list", &body, &len, &err), -1);
    assert_int_equal(err.cancelled, 1);
    assert_int_equal(err.status, 0);
    assert_string_equal(err.msg, "not sent: the run was interrupted");
    assert_int_equal(atomic_load(&sh.reads), 0);

    exec_worker_free(w);
    gate_destroy(&gate);
    http_share_free(share);
    http_global_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_success),
        cmocka_unit_test(test_classify_rate_limited),
        cmocka_unit_test(test_classify_server_errors_retry),
        cmocka_unit_test(test_classify_client_errors_fail),
        cmocka_unit_test(test_classify_network_errors_retry),
        cmocka_unit_test(test_classify_tls_errors_fail),
        cmocka_unit_test(test_classify_aborted),
        cmocka_unit_test(test_rows_without_answer_stop_the_run),
        cmocka_unit_test(test_cancelled_fills_result),
        cmocka_unit_test(test_request_after_cancel_sends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
