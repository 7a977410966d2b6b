/* Unit tests for markdown.c: a cell's text cannot end the cell, start a
 * line, or make a link, an image, HTML, an entity or a mention; and the
 * --max-prune limit of prune.c, which has no rounding; the report's row
 * limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "markdown.h"
#include "prune.h"

static char *cell(const char *s)
{
    struct buf b = {0};
    markdown_cell(&b, s, strlen(s));
    buf_addc(&b, '\0');
    return b.data;
}

/* 1 when c occurs in s without a backslash before it. */
static int bare(const char *s, char c)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == c)
            return 1;
    }
    return 0;
}

static void test_cell_escapes_what_makes_markup(void **state)
{
    (void)state;
    char *t = cell("a|b<img src=x>[l](http://x) ![i](y) @all &amp; `c` *e* _u_ \\ #h");
    const char *specials = "|<>[]()!@&`*_#:";
    for (const char *c = specials; *c; c++)
        assert_false(bare(t, *c));
    assert_null(strstr(t, "http://"));
    free(t);
}

static void test_cell_has_no_line_break(void **state)
{
    (void)state;
    char *t = cell("one\ntwo\r\n| three\t");
    assert_null(strchr(t, '\n'));
    assert_null(strchr(t, '\r'));
    assert_null(strchr(t, '\t'));
    assert_string_equal(t, "one two  \\| three ");
    free(t);
}

static void test_cell_keeps_names_readable(void **state)
{
    (void)state;
    char *t = cell("acme/api-gateway");
    assert_string_equal(t, "acme/api-gateway");
    free(t);
    t = cell("www.example.com");
    assert_string_equal(t, "www\\.example\\.com");      /* no autolink */
    free(t);
    t = cell("Zoë ünïcode");
    assert_string_equal(t, "Zoë ünïcode");
    free(t);
}

static void test_max_prune_no_rounding(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_prune = 25;
    cfg.max_prune_pct = 1;
    assert_false(prune_over_limit(&cfg, 1, 4));     /* 25% of 4 is 1 */
    assert_true(prune_over_limit(&cfg, 2, 7));      /* 1.75 allowed: 2 is over */
    assert_false(prune_over_limit(&cfg, 1, 7));
    assert_true(prune_over_limit(&cfg, 1, 3));      /* 0.75 allowed */
    cfg.max_prune_pct = 0;
    cfg.max_prune = 3;
    assert_false(prune_over_limit(&cfg, 3, 4));
    assert_true(prune_over_limit(&cfg, 4, 100));
}

/* At most MARKDOWN_MAX_ROWS table rows over all tables, then one line
 * that says how many more the result CSV holds. */
static void test_report_stops_at_the_row_limit(void **state)
{
    (void)state;
    char path[] = "/tmp/bbperm-md-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);                   /* markdown_open makes it */
    struct markdown *md = markdown_open(path);
    assert_non_null(md);
    struct colmap m;
    colmap_positional(&m, 4, NULL);
    static struct job j;
    enum { ROWS = MARKDOWN_MAX_ROWS + 205 };
    for (int i = 0; i < ROWS; i++) {
        memset(&j.res, 0, sizeof j.res);
        j.req = (struct request){0};
        j.req.target = TARGET_REPO;
        j.req.workspace = "acme";
        j.req.workspace_len = 4;
        j.req.target_name = "api";
        j.req.target_len = 3;
        j.req.subject_name = "devs";
        j.req.subject_len = 4;
        j.req.priv = PRIV_WRITE;
        j.res.status = ROW_FAILED;
        j.res.http_status = 404;
        snprintf(j.res.msg, sizeof j.res.msg, "row %d", i);
        markdown_row(md, &m, &j);
    }
    struct tally t;
    memset(&t, 0, sizeof t);
    t.failed = ROWS;
    assert_int_equal(markdown_close(md, &t, 1), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    int rows = 0, more = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "| row "))
            rows++;
        if (strstr(line, "and 205 more (see the result CSV)"))
            more++;
    }
    fclose(f);
    unlink(path);
    assert_int_equal(rows, MARKDOWN_MAX_ROWS);
    assert_int_equal(more, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_escapes_what_makes_markup),
        cmocka_unit_test(test_cell_has_no_line_break),
        cmocka_unit_test(test_cell_keeps_names_readable),
        cmocka_unit_test(test_max_prune_no_rounding),
        cmocka_unit_test(test_report_stops_at_the_row_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
