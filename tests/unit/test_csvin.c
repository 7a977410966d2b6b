/* Unit tests for csvin.c: delimiter detection and the streaming reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"

/* ---- csvin_detect_delimiter --------------------------------------------- */

static char detect(const char *s)
{
    return csvin_detect_delimiter(s, strlen(s));
}

static void test_detect_each_candidate(void **state)
{
    (void)state;
    assert_int_equal(detect("workspace,repo,group,privilege\n"), ',');
    assert_int_equal(detect("workspace;repo;group;privilege\n"), ';');
    assert_int_equal(detect("workspace\trepo\tgroup\tprivilege\n"), '\t');
    assert_int_equal(detect("workspace|repo|group|privilege\n"), '|');
}

static void test_detect_most_frequent_wins(void **state)
{
    (void)state;
    assert_int_equal(detect("a;b;c,d\n"), ';');
    assert_int_equal(detect("a|b|c|d,e;f\n"), '|');
}

static void test_detect_ignores_quoted(void **state)
{
    (void)state;
    assert_int_equal(detect("\"a;b;c;d\",x,y\n"), ',');
    assert_int_equal(detect("\"x,y,z\";\"1,2\";b\n"), ';');
}

static void test_detect_first_line_only(void **state)
{
    (void)state;
    assert_int_equal(detect("a;b\nc,d,e,f,g\n"), ';');
    assert_int_equal(detect("a;b\r\nc,d,e,f,g\r\n"), ';');
    /* a quoted line break does not end the first line */
    assert_int_equal(detect("\"x\ny,z,w\";a;b\n1,2,3,4,5,6\n"), ';');
}

static void test_detect_default_comma(void **state)
{
    (void)state;
    assert_int_equal(detect("workspace\n"), ',');
    assert_int_equal(detect(""), ',');
    assert_int_equal(csvin_detect_delimiter("a;b", 1), ',');   /* length honoured */
}

/* ---- the reader --------------------------------------------------------- */

struct rec {
    unsigned n;
    char **cells;
    size_t *lens;
    unsigned long line;
    int has_problem;
    char problem[200];
};

struct got {
    struct rec *recs;
    size_t n, cap;
    size_t stop_after;      /* 0: never ask to stop */
    int rc;
    char delim;
    int crlf;
    int bom;
    char sep;
};

/* What the current test read; global so that teardown frees it even when
 * an assertion cut the test short. */
static struct got g;

static int collect(void *ctx, const struct csvin_record *r)
{
    struct got *out = ctx;
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 8;
        out->recs = realloc(out->recs, out->cap * sizeof *out->recs);
        assert_non_null(out->recs);
    }
    struct rec *c = &out->recs[out->n++];
    c->n = r->n;
    c->line = r->line;
    c->has_problem = r->problem != NULL;
    snprintf(c->problem, sizeof c->problem, "%s", r->problem ? r->problem : "");
    c->cells = calloc(r->n ? r->n : 1, sizeof *c->cells);
    c->lens = calloc(r->n ? r->n : 1, sizeof *c->lens);
    assert_non_null(c->cells);
    assert_non_null(c->lens);
    for (unsigned i = 0; i < r->n; i++) {
        c->lens[i] = r->lens[i];
        c->cells[i] = malloc(r->lens[i] + 1);
        assert_non_null(c->cells[i]);
        memcpy(c->cells[i], r->cells[i], r->lens[i]);
        c->cells[i][r->lens[i]] = '\0';
        /* the copies the reader hands over are NUL-terminated */
        assert_int_equal(r->cells[i][r->lens[i]], '\0');
    }
    return out->stop_after && out->n >= out->stop_after;
}

static void got_free(struct got *out)
{
    for (size_t i = 0; i < out->n; i++) {
        for (unsigned k = 0; k < out->recs[i].n; k++)
            free(out->recs[i].cells[k]);
        free(out->recs[i].cells);
        free(out->recs[i].lens);
    }
    free(out->recs);
    memset(out, 0, sizeof *out);
}

static int teardown(void **state)
{
    (void)state;
    got_free(&g);
    return 0;
}

/* Read everything from fd into g. */
static void run_fd(int fd, char delim, struct got *out)
{
    struct csvin *in = csvin_open(fd, delim);
    assert_non_null(in);
    out->rc = csvin_run(in, collect, out, NULL);
    out->delim = csvin_delimiter(in);
    out->crlf = csvin_crlf(in);
    out->bom = csvin_bom(in);
    out->sep = csvin_sep(in);
    csvin_close(in);
}

/* Write bytes to a temporary file and read it back through csvin. */
static void run_bytes(const char *data, size_t len, char delim, struct got *out)
{
    got_free(out);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fflush(f), 0);
    int fd = fileno(f);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    run_fd(fd, delim, out);
    fclose(f);
}

static void run_str(const char *data, struct got *out)
{
    run_bytes(data, strlen(data), 0, out);
}

static void check_rec(const struct got *got, size_t i, unsigned long line, unsigned n, va_list ap)
{
    if (i >= got->n)
        fail_msg("record %zu missing (%zu records)", i, got->n);
    const struct rec *r = &got->recs[i];
    if (r->line != line)
        fail_msg("record %zu: line %lu, want %lu", i, r->line, line);
    if (r->n != n)
        fail_msg("record %zu: %u cells, want %u", i, r->n, n);
    for (unsigned k = 0; k < n; k++) {
        const char *want = va_arg(ap, const char *);
        if (r->lens[k] != strlen(want) || memcmp(r->cells[k], want, r->lens[k]) != 0)
            fail_msg("record %zu cell %u: '%s', want '%s'", i, k, r->cells[k], want);
    }
}

/* Record i starts on `line`, has no problem and holds the n cells given. */
static void assert_rec(const struct got *got, size_t i, unsigned long line, unsigned n, ...)
{
    va_list ap;
    va_start(ap, n);
    check_rec(got, i, line, n, ap);
    va_end(ap);
    assert_int_equal(got->recs[i].has_problem, 0);
}

/* The same for a record handed over with a problem that starts with `why`. */
static void assert_bad_rec(const struct got *got, size_t i, unsigned long line, const char *why,
                           unsigned n, ...)
{
    va_list ap;
    va_start(ap, n);
    check_rec(got, i, line, n, ap);
    va_end(ap);
    if (strncmp(got->recs[i].problem, why, strlen(why)) != 0)
        fail_msg("record %zu: problem '%s', want '%s...'", i, got->recs[i].problem, why);
}

static void test_reader_lf(void **state)
{
    (void)state;
    run_str("workspace,repo\nacme,web\nacme,api\n", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 3);
    assert_rec(&g, 0, 1, 2, "workspace", "repo");
    assert_rec(&g, 1, 2, 2, "acme", "web");
    assert_rec(&g, 2, 3, 2, "acme", "api");
    assert_int_equal(g.crlf, 0);
    assert_int_equal(g.delim, ',');
    got_free(&g);
}

static void test_reader_crlf(void **state)
{
    (void)state;
    run_str("workspace,repo\r\nacme,web\r\nacme,api\r\n", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 3);
    assert_rec(&g, 0, 1, 2, "workspace", "repo");
    assert_rec(&g, 1, 2, 2, "acme", "web");
    assert_rec(&g, 2, 3, 2, "acme", "api");
    assert_int_equal(g.crlf, 1);
    got_free(&g);
}

static void test_reader_bom_skipped(void **state)
{
    (void)state;
    run_str("\xEF\xBB\xBFworkspace;repo\r\nacme;web\r\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 1, 2, "workspace", "repo");
    assert_rec(&g, 1, 2, 2, "acme", "web");
    assert_int_equal(g.delim, ';');
    assert_int_equal(g.bom, 1);
    got_free(&g);
}

static void test_reader_excel_sep_line(void **state)
{
    (void)state;
    /* Excel's sep= line names the delimiter and is no record; line numbers
     * count it */
    run_str("sep=;\r\nworkspace;repo,x\r\nacme;web\r\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 2, 2, "workspace", "repo,x");
    assert_rec(&g, 1, 3, 2, "acme", "web");
    assert_int_equal(g.delim, ';');
    assert_int_equal(g.sep, ';');
    assert_int_equal(g.crlf, 1);
    assert_int_equal(g.bom, 0);
    got_free(&g);
    run_str("\xEF\xBB\xBFsep=|\nworkspace|repo\n", &g);
    assert_int_equal(g.n, 1);
    assert_rec(&g, 0, 2, 2, "workspace", "repo");
    assert_int_equal(g.sep, '|');
    assert_int_equal(g.bom, 1);
    got_free(&g);
    /* a header that only starts with sep= is a header */
    run_str("sep=x,repo\na,b\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 1, 2, "sep=x", "repo");
    assert_int_equal(g.sep, 0);
    got_free(&g);
}

static void test_reader_last_line_without_newline(void **state)
{
    (void)state;
    run_str("a,b\nc,d", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 1, 2, 2, "c", "d");
    got_free(&g);
    run_str("only,line", &g);
    assert_int_equal(g.n, 1);
    assert_rec(&g, 0, 1, 2, "only", "line");
    got_free(&g);
}

static void test_reader_quoted_crlf_and_doubled_quotes(void **state)
{
    (void)state;
    run_str("h1,h2\r\n\"x\r\ny \"\"q\"\"\",z\r\nnext,1\r\n", &g);
    assert_int_equal(g.n, 3);
    assert_rec(&g, 0, 1, 2, "h1", "h2");
    assert_rec(&g, 1, 2, 2, "x\r\ny \"q\"", "z");
    assert_rec(&g, 2, 4, 2, "next", "1");
    assert_int_equal(g.crlf, 1);
    got_free(&g);
}

static void test_reader_quoted_delimiter_and_empty(void **state)
{
    (void)state;
    run_str("a,b,c\n\"1,2\",\"\",\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 1, 2, 3, "1,2", "", "");
    got_free(&g);
}

static void test_reader_blank_lines_skipped(void **state)
{
    (void)state;
    run_str("\na,b\n\n\nc,d\n\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 2, 2, "a", "b");
    assert_rec(&g, 1, 5, 2, "c", "d");
    got_free(&g);
    run_str("a,b\r\n\r\n\r\nc,d\r\n", &g);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 1, 2, "a", "b");
    assert_rec(&g, 1, 4, 2, "c", "d");
    got_free(&g);
}

static void test_reader_line_numbers_count_quoted_lines(void **state)
{
    (void)state;
    run_str("h1,h2\n\"one\ntwo\nthree\",x\n\nlast,\"a\nb\"\nafter,z\n", &g);
    assert_int_equal(g.n, 4);
    assert_rec(&g, 0, 1, 2, "h1", "h2");
    assert_rec(&g, 1, 2, 2, "one\ntwo\nthree", "x");
    assert_rec(&g, 2, 6, 2, "last", "a\nb");
    assert_rec(&g, 3, 8, 2, "after", "z");
    got_free(&g);
}

static void test_reader_spaces_kept(void **state)
{
    (void)state;
    run_str("  a , b  ,\" c \",\td\t\n", &g);
    assert_int_equal(g.n, 1);
    assert_rec(&g, 0, 1, 4, "  a ", " b  ", " c ", "\td\t");
    got_free(&g);
}

static void test_reader_semicolon_detected(void **state)
{
    (void)state;
    run_str("workspace;repo;group\nacme;web,app;devs\n", &g);
    assert_int_equal(g.delim, ';');
    assert_int_equal(g.n, 2);
    assert_rec(&g, 1, 2, 3, "acme", "web,app", "devs");
    got_free(&g);
}

static void test_reader_given_delimiter(void **state)
{
    (void)state;
    const char *s = "a;b,c\n";
    run_bytes(s, strlen(s), ',', &g);
    assert_int_equal(g.delim, ',');
    assert_rec(&g, 0, 1, 2, "a;b", "c");
    got_free(&g);
}

static void test_reader_tab_delimiter(void **state)
{
    (void)state;
    run_str("workspace\trepo\nacme\tweb, app\n", &g);
    assert_int_equal(g.delim, '\t');
    assert_rec(&g, 1, 2, 2, "acme", "web, app");
    got_free(&g);
}

static void test_reader_nul_byte_kept(void **state)
{
    (void)state;
    run_bytes("a,b\nx\0y,z\n", 10, 0, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.recs[1].lens[0], 3);
    assert_memory_equal(g.recs[1].cells[0], "x\0y", 3);
    got_free(&g);
}

static void test_reader_empty_input(void **state)
{
    (void)state;
    run_str("", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 0);
    got_free(&g);
}

/* Header, then a record with one huge cell, then a normal record. */
static char *big_input(size_t cell, int quoted, int newline_every, size_t *len)
{
    size_t cap = cell + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = 0;
    n += (size_t)sprintf(s + n, "workspace,repo,group\nacme,");
    if (quoted)
        s[n++] = '"';
    for (size_t i = 0; i < cell; i++)
        s[n++] = newline_every && i % (size_t)newline_every == (size_t)newline_every - 1 ? '\n' : 'x';
    if (quoted)
        s[n++] = '"';
    n += (size_t)sprintf(s + n, ",devs\nacme,web,ops\n");
    *len = n;
    return s;
}

static void test_reader_overlong_cell(void **state)
{
    (void)state;
    size_t len;
    char *s = big_input(70000, 0, 0, &len);
    run_bytes(s, len, 0, &g);
    free(s);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 3);
    assert_rec(&g, 0, 1, 3, "workspace", "repo", "group");
    assert_int_equal(g.recs[1].has_problem, 1);
    assert_int_equal(g.recs[1].line, 2);
    assert_rec(&g, 2, 3, 3, "acme", "web", "ops");
    got_free(&g);
}

static void test_reader_overlong_quoted_cell_spanning_chunks(void **state)
{
    (void)state;
    /* 200,000 bytes: longer than two reads, with a line break every 1000 */
    size_t len;
    char *s = big_input(200000, 1, 1000, &len);
    run_bytes(s, len, 0, &g);
    free(s);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.recs[1].has_problem, 1);
    assert_rec(&g, 2, 2 + 200 + 1, 3, "acme", "web", "ops");
    got_free(&g);
}

static void test_reader_overlong_quoted_first_cell_line(void **state)
{
    (void)state;
    /* The huge multi-line cell is the first of its record: the record
     * still starts on line 2. */
    size_t cell = 200000, n = 0;
    char *s = malloc(cell + 64);
    assert_non_null(s);
    n += (size_t)sprintf(s, "h1,h2\n\"");
    for (size_t i = 0; i < cell; i++)
        s[n++] = i % 1000 == 999 ? '\n' : 'y';
    n += (size_t)sprintf(s + n, "\",b\nc,d\n");
    run_bytes(s, n, 0, &g);
    free(s);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.recs[1].has_problem, 1);
    if (g.recs[1].line != 2)
        fail_msg("the overlong record starts on line 2, reported as line %lu", g.recs[1].line);
    assert_rec(&g, 2, 2 + 200 + 1, 2, "c", "d");
    got_free(&g);
}

static void test_reader_unterminated_quote_at_eof(void **state)
{
    (void)state;
    run_str("a,b\nc,\"never closed\nmore\n", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 2);
    assert_rec(&g, 0, 1, 2, "a", "b");
    assert_int_equal(g.recs[1].has_problem, 1);
    assert_int_equal(g.recs[1].line, 2);
    got_free(&g);
}

static void test_reader_stray_quote_is_a_problem(void **state)
{
    (void)state;
    /* strict: a quote out of place is not repaired into a plausible name;
     * the record keeps its cells and the next records are read as usual */
    run_str("a,b,c\nacme,\"ap\"i3\",devs\nacme,x\"y,devs\nacme,api,devs\n"
            "\"a\"b,\"c\"d,e\nlast,one,row\n", &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 6);
    assert_rec(&g, 0, 1, 3, "a", "b", "c");
    assert_bad_rec(&g, 1, 2, "column 2: a quote inside the cell; quote the whole cell and "
                   "double each quote in it (\"a\"\"b\")", 3, "acme", "ap\"i3\"", "devs");
    assert_bad_rec(&g, 2, 3, "column 2: a quote", 3, "acme", "x\"y", "devs");
    assert_rec(&g, 3, 4, 3, "acme", "api", "devs");
    assert_bad_rec(&g, 4, 5, "column 1: a quote", 3, "a\"b", "c\"d", "e");
    assert_rec(&g, 5, 6, 3, "last", "one", "row");
    got_free(&g);
}

static void test_reader_callback_stops(void **state)
{
    (void)state;
    got_free(&g);
    g.stop_after = 2;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("a\nb\nc\nd\n", f);
    fflush(f);
    int fd = fileno(f);
    lseek(fd, 0, SEEK_SET);
    run_fd(fd, 0, &g);
    fclose(f);
    assert_int_equal(g.rc, 1);
    assert_int_equal(g.n, 2);
    got_free(&g);
}

struct writer {
    int fd;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    /* the first line arrives in pieces: detection must wait for all of it */
    const char *parts[] = {"\xEF\xBB", "\xBFwork", "space;re", "po\nacme;", "web\n", "x;y"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        ssize_t k = write(w->fd, parts[i], strlen(parts[i]));
        (void)k;
        usleep(5000);
    }
    close(w->fd);
    return NULL;
}

static void test_reader_pipe_in_pieces(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct writer w = {.fd = p[1]};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, writer_main, &w), 0);
    got_free(&g);
    run_fd(p[0], 0, &g);
    pthread_join(tid, NULL);
    close(p[0]);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.delim, ';');
    assert_int_equal(g.n, 3);
    assert_rec(&g, 0, 1, 2, "workspace", "repo");
    assert_rec(&g, 1, 2, 2, "acme", "web");
    assert_rec(&g, 2, 3, 2, "x", "y");
    got_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_each_candidate),
        cmocka_unit_test(test_detect_most_frequent_wins),
        cmocka_unit_test(test_detect_ignores_quoted),
        cmocka_unit_test(test_detect_first_line_only),
        cmocka_unit_test(test_detect_default_comma),
        cmocka_unit_test_teardown(test_reader_lf, teardown),
        cmocka_unit_test_teardown(test_reader_crlf, teardown),
        cmocka_unit_test_teardown(test_reader_bom_skipped, teardown),
        cmocka_unit_test_teardown(test_reader_excel_sep_line, teardown),
        cmocka_unit_test_teardown(test_reader_last_line_without_newline, teardown),
        cmocka_unit_test_teardown(test_reader_quoted_crlf_and_doubled_quotes, teardown),
        cmocka_unit_test_teardown(test_reader_quoted_delimiter_and_empty, teardown),
        cmocka_unit_test_teardown(test_reader_blank_lines_skipped, teardown),
        cmocka_unit_test_teardown(test_reader_line_numbers_count_quoted_lines, teardown),
        cmocka_unit_test_teardown(test_reader_spaces_kept, teardown),
        cmocka_unit_test_teardown(test_reader_semicolon_detected, teardown),
        cmocka_unit_test_teardown(test_reader_given_delimiter, teardown),
        cmocka_unit_test_teardown(test_reader_tab_delimiter, teardown),
        cmocka_unit_test_teardown(test_reader_nul_byte_kept, teardown),
        cmocka_unit_test_teardown(test_reader_empty_input, teardown),
        cmocka_unit_test_teardown(test_reader_overlong_cell, teardown),
        cmocka_unit_test_teardown(test_reader_overlong_quoted_cell_spanning_chunks, teardown),
        cmocka_unit_test_teardown(test_reader_overlong_quoted_first_cell_line, teardown),
        cmocka_unit_test_teardown(test_reader_unterminated_quote_at_eof, teardown),
        cmocka_unit_test_teardown(test_reader_stray_quote_is_a_problem, teardown),
        cmocka_unit_test_teardown(test_reader_callback_stops, teardown),
        cmocka_unit_test_teardown(test_reader_pipe_in_pieces, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
