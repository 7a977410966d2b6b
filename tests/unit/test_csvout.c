/* Unit tests for csvout.c: cell quoting and message sanitising. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "csvout.h"
#include "row.h"
#include "util.h"

static void assert_cell(const char *in, size_t len, char delim, const char *want)
{
    struct buf b = {0};
    buf_adds(&b, "");
    csvout_cell(&b, in, len, delim);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    buf_free(&b);
}

#define CELL(in, delim, want) assert_cell(in, strlen(in), delim, want)

static void sanitize(const char *in, char *out)
{
    memset(out, 'X', CSVOUT_MSG_MAX + 1);
    csvout_sanitize(in, out);
}

static void assert_sanitized(const char *in, const char *want)
{
    char out[CSVOUT_MSG_MAX + 1];
    sanitize(in, out);
    assert_string_equal(out, want);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* ---- csvout_cell -------------------------------------------------------- */

static void test_cell_plain_unquoted(void **state)
{
    (void)state;
    CELL("abc", ',', "abc");
    CELL("a b", ',', "a b");
    CELL("a;b|c\td", ',', "a;b|c\td");
    CELL("caf\xc3\xa9", ',', "caf\xc3\xa9");
}

static void test_cell_empty(void **state)
{
    (void)state;
    CELL("", ',', "");
    CELL("", ';', "");
}

static void test_cell_comma_quoted(void **state)
{
    (void)state;
    CELL("a,b", ',', "\"a,b\"");
    CELL(",", ',', "\",\"");
}

static void test_cell_quotes_doubled(void **state)
{
    (void)state;
    CELL("say \"hi\"", ',', "\"say \"\"hi\"\"\"");
    CELL("\"", ',', "\"\"\"\"");
    CELL("\"\"", ',', "\"\"\"\"\"\"");
}

static void test_cell_cr_lf_quoted(void **state)
{
    (void)state;
    CELL("a\rb", ',', "\"a\rb\"");
    CELL("a\nb", ',', "\"a\nb\"");
    CELL("line1\r\nline2", ',', "\"line1\r\nline2\"");
}

static void test_cell_leading_trailing_space_quoted(void **state)
{
    (void)state;
    CELL(" a", ',', "\" a\"");
    CELL("a ", ',', "\"a \"");
    CELL(" ", ',', "\" \"");
    CELL("a  b", ',', "a  b");
}

static void test_cell_semicolon_delimiter(void **state)
{
    (void)state;
    CELL("a,b", ';', "a,b");
    CELL("a;b", ';', "\"a;b\"");
    CELL("x \"y\"", ';', "\"x \"\"y\"\"\"");
}

static void test_cell_tab_delimiter(void **state)
{
    (void)state;
    CELL("a,b", '\t', "a,b");
    CELL("a;b", '\t', "a;b");
    CELL("a\tb", '\t', "\"a\tb\"");
}

static void test_cell_uses_length(void **state)
{
    (void)state;
    assert_cell("abc,def", 3, ',', "abc");
}

static void test_cell_appends(void **state)
{
    (void)state;
    struct buf b = {0};
    csvout_cell(&b, "a", 1, ',');
    buf_addc(&b, ',');
    csvout_cell(&b, "b,c", 3, ',');
    buf_addc(&b, ',');
    csvout_cell(&b, "", 0, ',');
    assert_string_equal(b.data, "a,\"b,c\",");
    assert_int_equal(b.len, 8);
    buf_free(&b);
}

/* Text from the server in export, access and undo cells: no raw control
 * character, everything else as csvout_cell writes it. */
static void test_text_cell(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"developers", "developers"}, {"", ""}, {"=1", "=1"}, {"a,b", "\"a,b\""},
        {"ops\x1b[31mx", "ops\xef\xbf\xbd[31mx"}, {"a\r\nb", "a\xef\xbf\xbd\xef\xbf\xbd" "b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b = {0};
        buf_adds(&b, "");
        csvout_text_cell(&b, cases[i][0], strlen(cases[i][0]), ',');
        assert_string_equal(b.data, cases[i][1]);
        buf_free(&b);
    }
}

/* ---- csvout_sanitize ---------------------------------------------------- */

/* Names from the server: a leading ' where a spreadsheet would see a formula. */
static void test_name_cell_neutralised(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"Plain Name", "Plain Name"}, {"", ""}, {"=1+1", "'=1+1"}, {"+1", "'+1"},
        {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"},
        /* a control character is never written raw: U+FFFD stands for it */
        {"\tTab", "'\xef\xbf\xbd" "Tab"}, {"\rCR", "'\xef\xbf\xbd" "CR"},
        {"=a,b", "\"'=a,b\""}, {"a=b", "a=b"},
        {"Ann\x1b]0;x\a", "Ann\xef\xbf\xbd]0;x\xef\xbf\xbd"}, {"a\nb,c", "\"a\xef\xbf\xbd" "b,c\""},
        {"del\x7f", "del\xef\xbf\xbd"}, {"caf\xc3\xa9", "caf\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b = {0};
        buf_adds(&b, "");
        csvout_name_cell(&b, cases[i][0], strlen(cases[i][0]), ',');
        assert_string_equal(b.data, cases[i][1]);
        buf_free(&b);
    }
}

/* The guard is one-to-one: every name comes back from the cell it becomes
 * (csvout_name_unguard), so an export read back as input is unchanged, and
 * a name that starts with ' before something else keeps its '. */
static void test_name_cell_guard_round_trips(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"=cmd", "'=cmd"}, {"-x", "'-x"}, {"@team", "'@team"}, {"+1", "'+1"},
        {"'abc", "'abc"}, {"'", "'"}, {"''", "''"}, {"it's", "it's"},
        {"'=x", "''=x"}, {"''-y", "'''-y"}, {"'a=b", "'a=b"}, {"plain", "plain"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b = {0};
        buf_adds(&b, "");
        csvout_name_cell(&b, cases[i][0], strlen(cases[i][0]), ',');
        assert_string_equal(b.data, cases[i][1]);
        const char *s = b.data;
        size_t len = b.len;
        csvout_name_unguard(&s, &len);
        assert_int_equal(len, strlen(cases[i][0]));
        assert_memory_equal(s, cases[i][0], len);
        buf_free(&b);
    }
}

/* The permission cells of an export or undo row: every name guarded. */
static void test_permission_cells_guarded(void **state)
{
    (void)state;
    struct request t = {.target = TARGET_REPO, .workspace = "", .project = "@P", .project_len = 2,
                        .target_name = "-web", .target_len = 4};
    struct buf b = {0};
    csvout_permission(&b, &t, SUBJECT_GROUP, "=cmd", 4, PRIV_READ, ',');
    assert_string_equal(b.data, ",'-web,'@P,'=cmd,,read");
    b.len = 0;
    csvout_permission(&b, &t, SUBJECT_USER, "+1", 2, PRIV_NONE, ',');
    assert_string_equal(b.data, ",'-web,'@P,,'+1,none");
    buf_free(&b);
}

static void test_sanitize_unchanged(void **state)
{
    (void)state;
    assert_sanitized("Repository not found", "Repository not found");
    assert_sanitized("", "");
    assert_sanitized("a=b+c-d@e", "a=b+c-d@e");
}

static void test_sanitize_line_breaks_and_tabs(void **state)
{
    (void)state;
    assert_sanitized("line one\nline two", "line one line two");
    assert_sanitized("a\r\nb", "a b");
    assert_sanitized("a\tb", "a b");
    assert_sanitized("a\rb", "a b");
    assert_sanitized("a\r\n\r\n\tb", "a b");
    assert_sanitized("a \n b", "a b");
    assert_sanitized("x\x01y\x7fz", "x y z");
}

static void test_sanitize_formula_prefix(void **state)
{
    (void)state;
    assert_sanitized("=SUM(A1:A9)", "'=SUM(A1:A9)");
    assert_sanitized("+1 555", "'+1 555");
    assert_sanitized("-1", "'-1");
    assert_sanitized("@user", "'@user");
    /* what the cell would start with after leading blanks are dropped */
    assert_sanitized("  \n=cmd", "'=cmd");
}

static void test_sanitize_trims_blanks(void **state)
{
    (void)state;
    assert_sanitized("abc   ", "abc");
    assert_sanitized("abc\r\n", "abc");
    assert_sanitized("   abc", "abc");
    assert_sanitized(" \t\n ", "");
}

static void test_sanitize_long_ascii_truncated(void **state)
{
    (void)state;
    char in[2001], out[CSVOUT_MSG_MAX + 1];
    memset(in, 'a', 2000);
    in[2000] = '\0';
    sanitize(in, out);
    size_t n = strlen(out);
    assert_true(n <= CSVOUT_MSG_MAX);
    assert_true(ends_with(out, "..."));
    assert_int_equal(n, CSVOUT_MSG_MAX);
    for (size_t i = 0; i < n - 3; i++)
        assert_int_equal(out[i], 'a');
}

static void test_sanitize_long_two_byte_utf8_cut_on_boundary(void **state)
{
    (void)state;
    char in[2001], out[CSVOUT_MSG_MAX + 1];
    for (size_t i = 0; i < 2000; i += 2)
        memcpy(in + i, "\xc3\xa9", 2);                 /* e-acute */
    in[2000] = '\0';
    sanitize(in, out);
    size_t n = strlen(out);
    assert_true(n <= CSVOUT_MSG_MAX);
    assert_true(n >= CSVOUT_MSG_MAX - 4);
    assert_true(ends_with(out, "..."));
    assert_null(utf8_problem(out, n));
    assert_int_equal((n - 3) % 2, 0);
    assert_memory_equal(out, in, n - 3);
}

static void test_sanitize_long_three_byte_utf8_cut_on_boundary(void **state)
{
    (void)state;
    char in[2101], out[CSVOUT_MSG_MAX + 1];
    for (size_t i = 0; i < 2100; i += 3)
        memcpy(in + i, "\xe2\x82\xac", 3);             /* euro sign */
    in[2100] = '\0';
    sanitize(in, out);
    size_t n = strlen(out);
    assert_true(n <= CSVOUT_MSG_MAX);
    assert_true(n >= CSVOUT_MSG_MAX - 5);
    assert_true(ends_with(out, "..."));
    assert_null(utf8_problem(out, n));
    assert_int_equal((n - 3) % 3, 0);
    assert_memory_equal(out, in, n - 3);
}

static void test_sanitize_long_with_offset_multibyte(void **state)
{
    (void)state;
    /* one ASCII byte first, so the cut point falls elsewhere in a sequence */
    for (size_t lead = 0; lead < 4; lead++) {
        char in[2200], out[CSVOUT_MSG_MAX + 1];
        memset(in, 'x', lead);
        size_t i = lead;
        while (i + 4 < 2100) {
            memcpy(in + i, "\xf0\x9f\x98\x80", 4);      /* 4-byte emoji */
            i += 4;
        }
        in[i] = '\0';
        sanitize(in, out);
        size_t n = strlen(out);
        assert_true(n <= CSVOUT_MSG_MAX);
        assert_true(ends_with(out, "..."));
        assert_null(utf8_problem(out, n));
    }
}

static void test_sanitize_exactly_max_kept_whole(void **state)
{
    (void)state;
    char in[CSVOUT_MSG_MAX + 1], out[CSVOUT_MSG_MAX + 1];
    memset(in, 'b', CSVOUT_MSG_MAX);
    in[CSVOUT_MSG_MAX] = '\0';
    sanitize(in, out);
    assert_int_equal(strlen(out), CSVOUT_MSG_MAX);
    assert_string_equal(out, in);
}

static void test_sanitize_one_over_max_truncated(void **state)
{
    (void)state;
    char in[CSVOUT_MSG_MAX + 2], out[CSVOUT_MSG_MAX + 1];
    memset(in, 'b', CSVOUT_MSG_MAX + 1);
    in[CSVOUT_MSG_MAX + 1] = '\0';
    sanitize(in, out);
    assert_int_equal(strlen(out), CSVOUT_MSG_MAX);
    assert_true(ends_with(out, "..."));
}

static void test_sanitize_exactly_max_then_newline_kept_whole(void **state)
{
    (void)state;
    /* the trailing line break is dropped anyway, so 500 bytes fit as they are */
    char in[CSVOUT_MSG_MAX + 3], out[CSVOUT_MSG_MAX + 1];
    memset(in, 'c', CSVOUT_MSG_MAX);
    memcpy(in + CSVOUT_MSG_MAX, "\n", 2);
    sanitize(in, out);
    assert_int_equal(strlen(out), CSVOUT_MSG_MAX);
    assert_memory_equal(out, in, CSVOUT_MSG_MAX);
}

static void test_sanitize_formula_prefix_counts_toward_max(void **state)
{
    (void)state;
    char in[1001], out[CSVOUT_MSG_MAX + 1];
    in[0] = '=';
    memset(in + 1, 'd', 999);
    in[1000] = '\0';
    sanitize(in, out);
    assert_true(strlen(out) <= CSVOUT_MSG_MAX);
    assert_int_equal(out[0], '\'');
    assert_int_equal(out[1], '=');
    assert_true(ends_with(out, "..."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_plain_unquoted),
        cmocka_unit_test(test_name_cell_neutralised),
        cmocka_unit_test(test_text_cell),
        cmocka_unit_test(test_name_cell_guard_round_trips),
        cmocka_unit_test(test_permission_cells_guarded),
        cmocka_unit_test(test_cell_empty),
        cmocka_unit_test(test_cell_comma_quoted),
        cmocka_unit_test(test_cell_quotes_doubled),
        cmocka_unit_test(test_cell_cr_lf_quoted),
        cmocka_unit_test(test_cell_leading_trailing_space_quoted),
        cmocka_unit_test(test_cell_semicolon_delimiter),
        cmocka_unit_test(test_cell_tab_delimiter),
        cmocka_unit_test(test_cell_uses_length),
        cmocka_unit_test(test_cell_appends),
        cmocka_unit_test(test_sanitize_unchanged),
        cmocka_unit_test(test_sanitize_line_breaks_and_tabs),
        cmocka_unit_test(test_sanitize_formula_prefix),
        cmocka_unit_test(test_sanitize_trims_blanks),
        cmocka_unit_test(test_sanitize_long_ascii_truncated),
        cmocka_unit_test(test_sanitize_long_two_byte_utf8_cut_on_boundary),
        cmocka_unit_test(test_sanitize_long_three_byte_utf8_cut_on_boundary),
        cmocka_unit_test(test_sanitize_long_with_offset_multibyte),
        cmocka_unit_test(test_sanitize_exactly_max_kept_whole),
        cmocka_unit_test(test_sanitize_one_over_max_truncated),
        cmocka_unit_test(test_sanitize_exactly_max_then_newline_kept_whole),
        cmocka_unit_test(test_sanitize_formula_prefix_counts_toward_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
