/* Unit tests for progress.c: the summary's wording (plurals, the rate). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "rowjob.h"

/* The summary of a run of `rows` ok rows and `requests` requests. */
static char *summary(unsigned long rows, unsigned long requests, unsigned long reads, double secs)
{
    struct tally t;
    memset(&t, 0, sizeof t);
    t.rows = t.ok = rows;
    struct run_figures f = {.requests = requests, .reads = reads, .elapsed = secs};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    progress_summary(out, &t, &f);
    fclose(out);
    return text;
}

static void test_summary_plurals(void **state)
{
    (void)state;
    char *s = summary(1, 1, 1, 2.0);
    assert_string_equal(s, "bbperm: 1 row: 1 ok, 0 failed, 0 invalid; 1 request (1 read), "
                           "0 x 429, 0.0 s paused; 2.00 s, 30 rows/min\n");
    free(s);
    s = summary(2, 3, 0, 1.0);
    assert_string_equal(s, "bbperm: 2 rows: 2 ok, 0 failed, 0 invalid; 3 requests, 0 x 429, "
                           "0.0 s paused; 1.00 s, 120 rows/min\n");
    free(s);
    s = summary(0, 0, 0, 0.5);
    assert_string_equal(s, "bbperm: 0 rows: 0 ok, 0 failed, 0 invalid; 0 requests, 0 x 429, "
                           "0.0 s paused; 0.50 s\n");
    free(s);
}

static void test_rate_never_zero(void **state)
{
    (void)state;
    char r[48];
    progress_fmt_rate(r, sizeof r, 50, 2, "row", "rows");
    assert_string_equal(r, "25 rows/s");
    progress_fmt_rate(r, sizeof r, 3, 2.04, "row", "rows");
    assert_string_equal(r, "88 rows/min");
    /* a slow --rate: rows a minute, then an hour, never "0 rows/s" */
    progress_fmt_rate(r, sizeof r, 10, 60, "row", "rows");
    assert_string_equal(r, "10 rows/min");
    progress_fmt_rate(r, sizeof r, 3, 3600, "row", "rows");
    assert_string_equal(r, "3 rows/h");
    progress_fmt_rate(r, sizeof r, 1, 3600, "row", "rows");
    assert_string_equal(r, "1 row/h");
    progress_fmt_rate(r, sizeof r, 1, 9000, "row", "rows");
    assert_string_equal(r, "");
    progress_fmt_rate(r, sizeof r, 0, 10, "row", "rows");
    assert_string_equal(r, "");
    progress_fmt_rate(r, sizeof r, 5, 0, "row", "rows");
    assert_string_equal(r, "");
}

static void test_echo_first_failures(void **state)
{
    (void)state;
    struct progress p;
    progress_init(&p, 0, 0, -1, 0);
    progress_echo_to(&p, "res.csv");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct row_job j;
    memset(&j, 0, sizeof j);
    j.res.status = ROW_OK;
    progress_echo_row(&p, out, j.line, &j.res);             /* ok rows are not named */
    for (int i = 0; i < 7; i++) {
        j.line = (unsigned long)i + 2;
        j.res.status = i % 2 ? ROW_INVALID : ROW_FAILED;
        j.res.http_status = i % 2 ? 0 : 404;
        snprintf(j.res.msg, sizeof j.res.msg, i % 2 ? "line %d: privilege: empty" : "Not\nfound", i + 2);
        progress_echo_row(&p, out, j.line, &j.res);
    }
    progress_echo_end(&p, out);
    fclose(out);
    assert_string_equal(text, "bbperm: failed: line 2: 404 Not found\n"
                              "bbperm: invalid: line 3: privilege: empty\n"
                              "bbperm: failed: line 4: 404 Not found\n"
                              "bbperm: invalid: line 5: privilege: empty\n"
                              "bbperm: failed: line 6: 404 Not found\n"
                              "bbperm: ... and 2 more in res.csv\n");
    free(text);
    /* to standard output: nothing named */
    progress_echo_to(&p, "-");
    text = NULL;
    out = open_memstream(&text, &len);
    progress_echo_row(&p, out, j.line, &j.res);
    progress_echo_end(&p, out);
    fclose(out);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_plurals),
        cmocka_unit_test(test_rate_never_zero),
        cmocka_unit_test(test_echo_first_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
