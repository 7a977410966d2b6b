/* Unit tests for markdown.c: a cell's text cannot end the cell, start a
 * line, or make a link, an image, HTML, an entity or a mention; and the
 * --max-prune limit of prune.c, which has no rounding; the report's row
 * limit; branch rules in their own section (brreport.c), counted per
 * kind, their failures in the one failures table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kind.h"
#include "markdown.h"
#include "prune.h"
#include "rowjob.h"

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

/* The view run.c makes of a job for the report. */
static void report_job(struct markdown *md, const struct colmap *m, const struct row_job *j)
{
    struct report_row r = {row_job_cells(j), j->kind, &j->req, row_job_own(j), &j->res};
    markdown_row(md, m, &r);
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
    static struct row_job j;
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
        report_job(md, &m, &j);
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

/* ---- a report of rows of both kinds ---------------------------------- */

#define MIXED_HEADER "workspace,repo,project,branch,rule,group,user,privilege,value,ticket"

static char md_path[] = "/tmp/bbperm-md-XXXXXX";
static struct colmap md_map;
static struct row_job md_job;

static struct markdown *report_open(const char *header)
{
    strcpy(md_path, "/tmp/bbperm-md-XXXXXX");
    int fd = mkstemp(md_path);
    assert_true(fd >= 0);
    close(fd);
    struct markdown *md = markdown_open(md_path);
    assert_non_null(md);
    /* the header's cells, split at commas */
    const char *cells[16];
    size_t lens[16];
    unsigned n = 0;
    for (const char *p = header;; n++) {
        assert_true(n < 16);
        const char *comma = strchr(p, ',');
        cells[n] = p;
        lens[n] = comma ? (size_t)(comma - p) : strlen(p);
        if (!comma) {
            n++;
            break;
        }
        p = comma + 1;
    }
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.api = API_CLOUD;
    char err[256];
    assert_int_equal(colmap_build(&md_map, cells, lens, n, &cfg, err, sizeof err), 0);
    markdown_header(md, cells, lens, n);
    return md;
}

/* One row as run.c writes it: its cells, its kind and validation, then
 * what its run found. kind_set 0: the run set no kind (a record that could
 * not be read). */
static void report_row(struct markdown *md, const char *line, enum row_status st,
                       enum row_change ch, const char *previous, int prev, int kind_set)
{
    struct row_job *j = &md_job;
    j->data.len = 0;
    unsigned n = 0;
    for (const char *p = line;; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n == j->cap) {
            j->cap = j->cap ? j->cap * 2 : 16;
            j->off = realloc(j->off, j->cap * sizeof *j->off);
            j->lens = realloc(j->lens, j->cap * sizeof *j->lens);
        }
        j->off[n] = j->data.len;
        j->lens[n] = len;
        buf_add(&j->data, p, len);
        buf_addc(&j->data, '\0');
        if (!comma) {
            n++;
            break;
        }
        p = comma + 1;
    }
    j->n = n;
    const char *cells[16];
    assert_true(n <= 16);
    for (unsigned i = 0; i < n; i++)
        cells[i] = j->data.data + j->off[i];
    memset(&j->res, 0, sizeof j->res);
    memset(&j->req, 0, sizeof j->req);
    memset(&j->br, 0, sizeof j->br);
    j->kind = kind_of(&md_map, cells, j->lens, n);
    char why[512];
    int valid = j->kind->validate(&md_map, cells, j->lens, n, j, why, sizeof why) == 0;
    assert_int_equal(valid, st != ROW_INVALID);
    if (!kind_set)
        j->kind = NULL;
    j->res.status = st;
    j->res.change = ch;
    j->res.prev = prev;
    snprintf(j->res.previous, sizeof j->res.previous, "%s", previous);
    if (!valid)
        snprintf(j->res.msg, sizeof j->res.msg, "%s", why);
    else if (st == ROW_FAILED)
        snprintf(j->res.msg, sizeof j->res.msg, "403 forbidden");
    report_job(md, &md_map, j);
}

static char *report_close(struct markdown *md, const struct tally *t, int plan)
{
    assert_int_equal(markdown_close(md, t, plan), 0);
    FILE *f = fopen(md_path, "r");
    assert_non_null(f);
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(md_path);
    return text;
}

/* got starts with want; else both are shown */
static void expect_prefix(const char *got, const char *want)
{
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("the report:\n%s\nexpected it to start with:\n%s", got, want);
}

static void report_free_job(void)
{
    buf_free(&md_job.data);
    free(md_job.off);
    free(md_job.lens);
    memset(&md_job, 0, sizeof md_job);
}

/* A plan of a file of both kinds: one line of counts per kind, the
 * permissions' changes, then the branch rules' (per target: created,
 * subjects added and removed, a value set, deleted), and the failed and
 * invalid rows of both kinds in one table, in file order. */
static void test_branch_rules_are_their_own_section(void **state)
{
    (void)state;
    struct markdown *md = report_open(MIXED_HEADER);
    report_row(md, "acme,web,,main,push,developers,,,,T-1", ROW_PLANNED, CH_GRANT, "not listed", -1, 1);
    report_row(md, "acme,api,,,,developers,,write,,T-2", ROW_PLANNED, CH_GRANT, "", -1, 1);
    report_row(md, "acme,api,,main,push,,557058:ann,none,,T-3", ROW_PLANNED, CH_REVOKE, "listed", -1, 1);
    report_row(md, "acme,api,,model:production,require_approvals_to_merge,,,,3,T-4", ROW_PLANNED,
               CH_CHANGE, "present value 2", -1, 1);
    report_row(md, "acme,api,,release/*,delete,,,none,,T-5", ROW_PLANNED, CH_REVOKE, "present", -1, 1);
    report_row(md, "acme,web,,v?.x,force,,,,,T-6", ROW_PLANNED, CH_GRANT, "absent", -1, 1);
    report_row(md, "acme,web,,main,restrict_merges,admins,,,,T-7", ROW_PLANNED, CH_GRANT, "absent", -1, 1);
    report_row(md, "acme,api,,main,push,admins,,,,T-8", ROW_OK, CH_UNCHANGED, "listed", -1, 1);
    report_row(md, "acme,api,,main,nope,,,,,T-9", ROW_INVALID, CH_NONE, "", -1, 1);
    report_row(md, "acme,infra,,main,push,developers,,none,,T-10", ROW_FAILED, CH_NONE, "", -1, 1);
    report_row(md, "acme,api,,,,old-team,,writ,,T-11", ROW_INVALID, CH_NONE, "", -1, 1);
    struct tally t;
    memset(&t, 0, sizeof t);
    const char *got = report_close(md, &t, 1);
    const char *want =
        "## bbperm plan\n\n"
        "| kind | to grant | to change | to revoke | unchanged | failed | invalid | held |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| permissions | 1 | 0 | 0 | 0 | 0 | 1 | 0 |\n"
        "| branch rules | 3 | 1 | 2 | 1 | 1 | 1 | 0 |\n\n"
        "### Permission changes\n\n"
        "#### acme/api\n\n"
        "| subject | previous | new | ticket | status |\n"
        "|---|---|---|---|---|\n"
        "| developers | none | write | T-2 | planned |\n\n"
        "### Branch rule changes\n\n"
        "#### acme/api\n\n"
        "| branch | rule | change | subject | value | previous | ticket | status |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| main | push | remove user | 557058\\:ann |  | listed | T-3 | planned |\n"
        "| model\\:production | require\\_approvals\\_to\\_merge | set value |  | 3 | present value 2 | T-4 | planned |\n"
        "| release/\\* | delete | delete |  |  | present | T-5 | planned |\n\n"
        "#### acme/web\n\n"
        "| branch | rule | change | subject | value | previous | ticket | status |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| main | push | add group | developers |  | not listed | T-1 | planned |\n"
        "| v\\?\\.x | force | create |  |  | absent | T-6 | planned |\n"
        "| main | restrict\\_merges | create with group | admins |  | absent | T-7 | planned |\n\n"
        "### Failed, invalid and held rows\n\n"
        "| target | subject | privilege or rule | ticket | status | message |\n"
        "|---|---|---|---|---|---|\n";
    expect_prefix(got, want);
    const char *fails = got + strlen(want);
    assert_non_null(strstr(fails, "| acme/api |  | nope on main | T-9 | invalid | rule\\: \\'nope\\' is not"));
    assert_non_null(strstr(fails, "| acme/infra | developers | push on main\\, none | T-10 | failed | 403 forbidden |\n"));
    assert_non_null(strstr(fails, "| acme/api | old-team | writ | T-11 | invalid | privilege\\: "));
    /* in file order */
    assert_true(strstr(fails, "T-9") < strstr(fails, "T-10"));
    assert_true(strstr(fails, "T-10") < strstr(fails, "T-11"));
    report_free_job();
}

/* A file of permissions only: the report as it always was (the run's
 * counts, no kind column), the failures' column named "privilege". */
static void test_permission_file_keeps_its_report(void **state)
{
    (void)state;
    struct markdown *md = report_open("workspace,repo,group,user,privilege,ticket");
    report_row(md, "acme,api,developers,,write,T-1", ROW_OK, CH_GRANT, "", -1, 1);
    report_row(md, "acme,api,admins,,admin,T-2", ROW_OK, CH_UNCHANGED, "", PRIV_ADMIN, 1);
    report_row(md, "acme,api,old-team,,writ,T-3", ROW_INVALID, CH_NONE, "", -1, 1);
    struct tally t;
    memset(&t, 0, sizeof t);
    t.granted = 1;
    t.unchanged = 1;
    t.invalid = 1;
    const char *got = report_close(md, &t, 0);
    const char *want =
        "## bbperm apply\n\n"
        "| granted | changed | revoked | unchanged | failed | invalid | held | cancelled |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| 1 | 0 | 0 | 1 | 0 | 1 | 0 | 0 |\n\n"
        "### Permission changes\n\n"
        "#### acme/api\n\n"
        "| subject | previous | new | ticket | status |\n"
        "|---|---|---|---|---|\n"
        "| developers | none | write | T-1 | ok |\n\n"
        "### Failed, invalid and held rows\n\n"
        "| target | subject | privilege | ticket | status | message |\n"
        "|---|---|---|---|---|---|\n"
        "| acme/api | old-team | writ | T-3 | invalid | privilege\\: ";
    expect_prefix(got, want);
    report_free_job();
}

/* An apply of branch rules only: their counts (ok rows by what they
 * changed, cancelled), a row the run set no kind for (a record that could
 * not be read) counted as the kind its cells say, the failures' column
 * named "rule". */
static void test_branch_apply_counts(void **state)
{
    (void)state;
    struct markdown *md = report_open(MIXED_HEADER);
    report_row(md, "acme,api,,main,push,,557058:bob,,,T-1", ROW_OK, CH_GRANT, "not listed", -1, 1);
    report_row(md, "acme,api,,main,push,,,none,,T-2", ROW_OK, CH_REVOKE, "present", -1, 1);
    report_row(md, "acme,api,,main,force,,,,,T-3", ROW_CANCELLED, CH_NONE, "", -1, 1);
    report_row(md, "acme,api,,main,nope,,,,,T-4", ROW_INVALID, CH_NONE, "", -1, 0);
    struct tally t;
    memset(&t, 0, sizeof t);
    const char *got = report_close(md, &t, 0);
    const char *want =
        "## bbperm apply\n\n"
        "| kind | granted | changed | revoked | unchanged | failed | invalid | held | cancelled |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| branch rules | 1 | 0 | 1 | 0 | 0 | 1 | 0 | 1 |\n\n"
        "### Branch rule changes\n\n"
        "#### acme/api\n\n"
        "| branch | rule | change | subject | value | previous | ticket | status |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| main | push | add user | 557058\\:bob |  | not listed | T-1 | ok |\n"
        "| main | push | delete |  |  | present | T-2 | ok |\n\n"
        "### Failed, invalid and held rows\n\n"
        "| target | subject | rule | ticket | status | message |\n"
        "|---|---|---|---|---|---|\n"
        "| acme/api |  | nope on main | T-4 | invalid | rule\\: ";
    expect_prefix(got, want);
    report_free_job();
}

/* --dry-run reads nothing: a branch row says what it asks ("create if
 * absent", "add group"), its previous cell empty. */
static void test_branch_dry_run_says_what_a_row_asks(void **state)
{
    (void)state;
    struct markdown *md = report_open(MIXED_HEADER);
    report_row(md, "acme,api,,main,push,devs,,,,T-1", ROW_PLANNED, CH_NONE, "", -1, 1);
    report_row(md, "acme,api,,main,force,,,,,T-2", ROW_PLANNED, CH_NONE, "", -1, 1);
    report_row(md, "acme,api,,main,force,,,none,,T-3", ROW_PLANNED, CH_NONE, "", -1, 1);
    struct tally t;
    memset(&t, 0, sizeof t);
    const char *got = report_close(md, &t, 1);
    assert_non_null(strstr(got, "| main | push | add group | devs |  |  | T-1 | planned |\n"));
    assert_non_null(strstr(got, "| main | force | create if absent |  |  |  | T-2 | planned |\n"));
    assert_non_null(strstr(got, "| main | force | delete |  |  |  | T-3 | planned |\n"));
    report_free_job();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_escapes_what_makes_markup),
        cmocka_unit_test(test_cell_has_no_line_break),
        cmocka_unit_test(test_cell_keeps_names_readable),
        cmocka_unit_test(test_max_prune_no_rounding),
        cmocka_unit_test(test_report_stops_at_the_row_limit),
        cmocka_unit_test(test_branch_rules_are_their_own_section),
        cmocka_unit_test(test_permission_file_keeps_its_report),
        cmocka_unit_test(test_branch_apply_counts),
        cmocka_unit_test(test_branch_dry_run_says_what_a_row_asks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
