/* Unit tests for markdown.c: a cell's text cannot end the cell, start a
 * line, or make a link, an image, HTML, an entity or a mention; and the
 * --max-prune limit of prune.c, which has no rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_escapes_what_makes_markup),
        cmocka_unit_test(test_cell_has_no_line_break),
        cmocka_unit_test(test_cell_keeps_names_readable),
        cmocka_unit_test(test_max_prune_no_rounding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
