/* Unit tests for undo.c: the undo rows, and the undo file written ahead. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "row.h"
#include "undo.h"
#include "util.h"
#include "helpers.h"

static void assert_format(const struct request *r, const char *subject, enum privilege before,
                          const char *want)
{
    struct buf b = {0};
    buf_adds(&b, "");
    undo_format(&b, r, subject, strlen(subject), before);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    buf_free(&b);
}

/* ---- undo_format -------------------------------------------------------- */

/* A request, the subject its write went to, the privilege before it, and
 * the undo row that brings that privilege back. */
struct format_case {
    enum target_kind target;
    enum subject_kind subject;
    enum privilege priv;
    const char *ws, *project, *target_name, *cell;
    const char *given;
    enum privilege before;
    const char *want;
};

static void check_formats(const struct format_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct request r = mkreq(c[i].target, c[i].subject, c[i].priv, c[i].ws, c[i].project,
                                 c[i].target_name, c[i].cell);
        assert_format(&r, c[i].given, c[i].before, c[i].want);
    }
}

static void test_format_cloud(void **state)
{
    (void)state;
    static const struct format_case cases[] = {
        {TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "acme", "", "web", "devs", "devs", PRIV_WRITE,
         "acme,web,,devs,,write\n"},
        /* a repository row that names its project keeps it */
        {TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "acme", "PROJ", "web", "devs", "devs", PRIV_READ,
         "acme,web,PROJ,devs,,read\n"},
        {TARGET_REPO, SUBJECT_USER, PRIV_NONE, "acme", "", "web",
         "{11111111-2222-3333-4444-555555555555}", "{11111111-2222-3333-4444-555555555555}",
         PRIV_ADMIN, "acme,web,,,{11111111-2222-3333-4444-555555555555},admin\n"},
        {TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "acme", "PROJ", "PROJ", "devs", "devs",
         PRIV_CREATE_REPO, "acme,,PROJ,devs,,create-repo\n"},
        /* a grant is undone by a revoke */
        {TARGET_PROJECT, SUBJECT_USER, PRIV_WRITE, "acme", "PROJ", "PROJ", "557058:abc",
         "557058:abc", PRIV_NONE, "acme,,PROJ,,557058:abc,none\n"},
    };
    check_formats(cases, sizeof cases / sizeof *cases);
}

static void test_format_uses_the_subject_given(void **state)
{
    (void)state;
    /* an email row: the undo names the account the write went to */
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", "", "web", "a@x.com");
    r.subject_is_email = 1;
    assert_format(&r, "557058:resolved", PRIV_NONE, "acme,web,,,557058:resolved,none\n");
}

static void test_format_datacenter(void **state)
{
    (void)state;
    /* no workspace on Data Center: the cell stays empty */
    static const struct format_case cases[] = {
        {TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "PRJ", "api", "dev-team", "dev-team",
         PRIV_READ, ",api,PRJ,dev-team,,read\n"},
        {TARGET_REPO, SUBJECT_USER, PRIV_NONE, "", "PRJ", "api", "jdoe", "jdoe", PRIV_ADMIN,
         ",api,PRJ,,jdoe,admin\n"},
        {TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "", "PRJ", "PRJ", "dev-team", "dev-team",
         PRIV_CREATE_REPO, ",,PRJ,dev-team,,create-repo\n"},
        {TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "", "PRJ", "PRJ", "jdoe", "jdoe", PRIV_NONE,
         ",,PRJ,,jdoe,none\n"},
    };
    check_formats(cases, sizeof cases / sizeof *cases);
}

static void test_format_quotes_values(void **state)
{
    (void)state;
    static const struct format_case cases[] = {
        {TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "x", "a,b", PRIV_READ,
         "acme,web,,\"a,b\",,read\n"},
        {TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "x", "say \"hi\"", PRIV_READ,
         "acme,web,,\"say \"\"hi\"\"\",,read\n"},
        {TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "x", "two words", PRIV_READ,
         "acme,web,,two words,,read\n"},
        {TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "my,ws", "P,Q", "r\"s", "u", "u", PRIV_NONE,
         "\"my,ws\",\"r\"\"s\",\"P,Q\",,u,none\n"},
        {TARGET_PROJECT, SUBJECT_GROUP, PRIV_WRITE, "", "K,1", "K,1", "caf\xc3\xa9", "caf\xc3\xa9",
         PRIV_ADMIN, ",,\"K,1\",caf\xc3\xa9,,admin\n"},
    };
    check_formats(cases, sizeof cases / sizeof *cases);
}

static void test_format_uses_lengths_not_nul(void **state)
{
    (void)state;
    const char *cells = "acmeXwebYdevsZ";
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "", "", "");
    r.workspace = cells;
    r.workspace_len = 4;
    r.target_name = cells + 5;
    r.target_len = 3;
    struct buf b = {0};
    undo_format(&b, &r, cells + 9, 4, PRIV_READ);
    assert_string_equal(b.data, "acme,web,,devs,,read\n");
    buf_free(&b);
}

static void test_format_appends(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "devs");
    struct buf b = {0};
    buf_adds(&b, "head\n");
    undo_format(&b, &r, "devs", 4, PRIV_READ);
    undo_format(&b, &r, "ops", 3, PRIV_NONE);
    assert_string_equal(b.data, "head\nacme,web,,devs,,read\nacme,web,,ops,,none\n");
    buf_free(&b);
}

/* ---- the undo file ------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void temp_path(char *path, size_t sz)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, sz, "%s/bbperm-undo-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* A new undo file at a fresh temporary path (path holds 256 bytes). */
static struct undo *open_temp(char *path)
{
    temp_path(path, 256);
    struct undo *u = undo_open(path, stderr);
    assert_non_null(u);
    return u;
}

/* undo_open of path with its messages captured in *msgs (to free). */
static struct undo *open_capturing(const char *path, char **msgs)
{
    size_t len = 0;
    *msgs = NULL;
    FILE *err = open_memstream(msgs, &len);
    assert_non_null(err);
    struct undo *u = undo_open(path, err);
    fclose(err);
    return u;
}

/* A file size limit of cur bytes, with SIGXFSZ ignored (writes past it fail
 * with EFBIG), until fsize_restore. */
struct fsize_limit {
    struct rlimit old;
    void (*oldsig)(int);
};

static void fsize_limit(struct fsize_limit *fl, rlim_t cur)
{
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &fl->old), 0);
    fl->oldsig = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = fl->old;
    lim.rlim_cur = cur;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void fsize_restore(const struct fsize_limit *fl)
{
    setrlimit(RLIMIT_FSIZE, &fl->old);
    signal(SIGXFSZ, fl->oldsig);
}

static void test_file_header_only(void **state)
{
    (void)state;
    char path[256];
    /* an empty existing file (mktemp's) is taken */
    struct undo *u = open_temp(path);
    assert_int_equal(undo_close(u), 0);
    assert_string_equal(slurp(path), "workspace,repo,project,group,user,privilege\n");
    assert_string_equal(UNDO_HEADER, "workspace,repo,project,group,user,privilege");
    /* one with content is the way back from an earlier run: never overwritten */
    FILE *devnull = fopen("/dev/null", "w");
    assert_null(undo_open(path, devnull));
    fclose(devnull);
    assert_string_equal(slurp(path), "workspace,repo,project,group,user,privilege\n");
    unlink(path);
}

static void test_file_first_value_wins(void **state)
{
    (void)state;
    char path[256];
    struct undo *u = open_temp(path);

    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "acme", "", "web", "devs");
    struct request ops = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "acme", "", "web", "ops");
    struct request udevs = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "web", "devs");
    struct request pdevs = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "acme", "web", "web", "devs");
    struct request other = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme2", "", "web", "devs");

    assert_int_equal(undo_record(u, &devs, "devs", 4, NULL, PRIV_READ), 0);
    /* the same permission again, as a later row changes it once more: the
     * undo must bring back the value before the run, so it is not recorded */
    assert_int_equal(undo_record(u, &devs, "devs", 4, NULL, PRIV_ADMIN), 0);
    /* names compare case-insensitively, as Bitbucket does */
    struct request devs_uc = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ACME", "", "WEB", "DEVS");
    assert_int_equal(undo_record(u, &devs_uc, "DEVS", 4, NULL, PRIV_WRITE), 0);
    /* different permissions each get their row */
    assert_int_equal(undo_record(u, &ops, "ops", 3, NULL, PRIV_WRITE), 0);
    assert_int_equal(undo_record(u, &udevs, "devs", 4, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_record(u, &pdevs, "devs", 4, NULL, PRIV_CREATE_REPO), 0);
    assert_int_equal(undo_record(u, &other, "devs", 4, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_record(u, &ops, "ops", 3, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_close(u), 0);

    assert_string_equal(slurp(path),
                        "workspace,repo,project,group,user,privilege\n"
                        "acme,web,,devs,,read\n"
                        "acme,web,,ops,,write\n"
                        "acme,web,,,devs,none\n"
                        "acme,,web,devs,,create-repo\n"
                        "acme2,web,,devs,,none\n");
    unlink(path);
}

/* An input with a rule column: the header has the branch-rule columns,
 * a permission row gets them empty, and a kind's own rows go as given. */
static void test_file_branch_columns(void **state)
{
    (void)state;
    char path[256];
    struct undo *u = open_temp(path);
    assert_int_equal(undo_start(u, 1), 0);
    assert_int_equal(undo_start(u, 0), 0);     /* once: the first says */
    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "acme", "", "web", "devs");
    assert_int_equal(undo_record(u, &devs, "devs", 4, NULL, PRIV_READ), 0);
    const char *rows = "acme,web,,,,none,main,push,\n";
    assert_int_equal(undo_append(u, rows, strlen(rows)), 0);
    assert_int_equal(undo_close(u), 0);
    assert_string_equal(slurp(path),
                        UNDO_HEADER_BRANCH "\n"
                        "acme,web,,devs,,read,,,\n"
                        "acme,web,,,,none,main,push,\n");
    assert_string_equal(UNDO_HEADER_BRANCH, "workspace,repo,project,group,user,privilege,branch,rule,value");
    unlink(path);
}

/* One Cloud user written under both of its names is one permission: the
 * first write knew both names, the later one only its own spelling (a
 * revoked user leaves the live list, and with it the pair): one row, the
 * value before the first write, and outcomes reach it under either name. */
static void test_file_one_user_two_spellings(void **state)
{
    (void)state;
    char path[256];
    struct undo *u = open_temp(path);
    const char *uuid = "{bbbbbbbb-0000-0000-0000-000000000001}", *acct = "557058:bob";
    struct request byuuid = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "acme", "", "web", uuid);
    struct request byacct = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", "", "web", acct);
    assert_int_equal(undo_record(u, &byuuid, uuid, strlen(uuid), acct, PRIV_ADMIN), 0);
    undo_outcome(u, &byuuid, uuid, strlen(uuid), acct, 1);
    assert_int_equal(undo_record(u, &byacct, acct, strlen(acct), NULL, PRIV_NONE), 0);
    undo_outcome(u, &byacct, acct, strlen(acct), NULL, 0);  /* refused: the row stays */
    /* a refused first write under one name, accepted under the other */
    struct request g1 = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "api", acct);
    struct request g2 = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "acme", "", "api", uuid);
    assert_int_equal(undo_record(u, &g1, acct, strlen(acct), uuid, PRIV_WRITE), 0);
    undo_outcome(u, &g1, acct, strlen(acct), uuid, 0);
    assert_int_equal(undo_record(u, &g2, uuid, strlen(uuid), NULL, PRIV_WRITE), 0);
    undo_outcome(u, &g2, uuid, strlen(uuid), NULL, 1);
    assert_int_equal(undo_close(u), 0);
    assert_string_equal(slurp(path),
                        "workspace,repo,project,group,user,privilege\n"
                        "acme,web,,,{bbbbbbbb-0000-0000-0000-000000000001},admin\n"
                        "acme,api,,,557058:bob,write\n");
    unlink(path);
}

/* Rows of writes the server refused are dropped at close; rows of accepted
 * writes and of writes whose outcome is unknown stay. */
static void test_file_refused_rows_dropped(void **state)
{
    (void)state;
    char path[256];
    struct undo *u = open_temp(path);
    struct request ok = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "acme", "", "web", "devs");
    struct request gone = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "nosuch");
    struct request unknown = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "api", "qa");
    struct request again = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "acme", "P", "P", "qa");
    struct request later = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "docs", "qa");

    assert_int_equal(undo_record(u, &ok, "devs", 4, NULL, PRIV_READ), 0);
    undo_outcome(u, &ok, "devs", 4, NULL, 1);
    assert_int_equal(undo_record(u, &gone, "nosuch", 6, NULL, PRIV_NONE), 0);
    undo_outcome(u, &gone, "nosuch", 6, NULL, 0);
    assert_int_equal(undo_record(u, &unknown, "qa", 2, NULL, PRIV_NONE), 0);
    /* refused, then written again and accepted: it stays */
    assert_int_equal(undo_record(u, &again, "qa", 2, NULL, PRIV_NONE), 0);
    undo_outcome(u, &again, "qa", 2, NULL, 0);
    assert_int_equal(undo_record(u, &again, "qa", 2, NULL, PRIV_NONE), 0);
    undo_outcome(u, &again, "qa", 2, NULL, 1);
    /* accepted, then a later write of it refused: it stays */
    assert_int_equal(undo_record(u, &later, "qa", 2, NULL, PRIV_WRITE), 0);
    undo_outcome(u, &later, "qa", 2, NULL, 1);
    assert_int_equal(undo_record(u, &later, "qa", 2, NULL, PRIV_READ), 0);
    undo_outcome(u, &later, "qa", 2, NULL, 0);
    /* until close, every row is there (written ahead) */
    assert_non_null(strstr(slurp(path), "acme,web,,nosuch,,none\n"));
    assert_int_equal(undo_close(u), 0);
    assert_string_equal(slurp(path),
                        "workspace,repo,project,group,user,privilege\n"
                        "acme,web,,devs,,read\n"
                        "acme,api,,qa,,none\n"
                        "acme,,P,qa,,none\n"
                        "acme,docs,,qa,,write\n");
    unlink(path);
}

static void test_file_datacenter_projects_apart(void **state)
{
    (void)state;
    char path[256];
    struct undo *u = open_temp(path);
    /* the same slug in two projects: two repositories, two rows */
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "PRJ", "api", "dev-team");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "OTHER", "api", "dev-team");
    assert_int_equal(undo_record(u, &a, "dev-team", 8, NULL, PRIV_READ), 0);
    assert_int_equal(undo_record(u, &b, "dev-team", 8, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_record(u, &a, "dev-team", 8, NULL, PRIV_WRITE), 0);
    assert_int_equal(undo_close(u), 0);
    assert_string_equal(slurp(path),
                        "workspace,repo,project,group,user,privilege\n"
                        ",api,PRJ,dev-team,,read\n"
                        ",api,OTHER,dev-team,,none\n");
    unlink(path);
}

static void test_file_many_permissions(void **state)
{
    (void)state;
    /* past the first table size: every permission recorded once */
    char path[256];
    struct undo *u = open_temp(path);
    enum { N = 3000 };
    char names[N][16];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(names[i], sizeof names[i], "g%d", i);
            struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web",
                                     names[i]);
            assert_int_equal(undo_record(u, &r, names[i], strlen(names[i]), NULL,
                                         round ? PRIV_ADMIN : PRIV_READ), 0);
        }
    }
    assert_int_equal(undo_close(u), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[128];
    int lines = 0, admin = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, ",admin"))
            admin++;
    }
    fclose(f);
    assert_int_equal(lines, N + 1);
    assert_int_equal(admin, 0);
    unlink(path);
}

static void test_open_fails_cleanly(void **state)
{
    (void)state;
    char *buf;
    struct undo *u = open_capturing("/nonexistent-dir-bbperm/undo.csv", &buf);
    assert_null(u);
    assert_non_null(strstr(buf, "/nonexistent-dir-bbperm/undo.csv"));
    assert_non_null(strstr(buf, "--undo-file"));
    free(buf);
    assert_int_equal(undo_close(NULL), 0);
}

static void test_open_header_failure(void **state)
{
    (void)state;
    /* /dev/full takes the open and refuses every write: no undo file */
    if (access("/dev/full", W_OK) != 0)
        skip();
    char *buf;
    struct undo *u = open_capturing("/dev/full", &buf);
    assert_null(u);
    assert_non_null(strstr(buf, "/dev/full"));
    free(buf);
}

static void test_record_reports_write_failure(void **state)
{
    (void)state;
    /* a file size limit right at the end of the header: the header goes
     * in, the first row cannot (EFBIG, with SIGXFSZ ignored) */
    char path[256];
    struct undo *u = open_temp(path);
    struct fsize_limit fl;
    fsize_limit(&fl, sizeof UNDO_HEADER);   /* the header and its line feed */

    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "devs");
    errno = 0;
    int rc1 = undo_record(u, &r, "devs", 4, NULL, PRIV_READ);
    int e1 = errno;
    /* not recorded: the same permission is tried again */
    int rc2 = undo_record(u, &r, "devs", 4, NULL, PRIV_READ);

    fsize_restore(&fl);
    assert_int_equal(rc1, -1);
    assert_int_not_equal(e1, 0);
    assert_int_equal(rc2, -1);
    /* a later permission that can be written is; the close reports the
     * file incomplete */
    struct request o = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "ops");
    assert_int_equal(undo_record(u, &o, "ops", 3, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_record(u, &r, "devs", 4, NULL, PRIV_READ), 0);
    assert_int_equal(undo_close(u), -1);
    assert_string_equal(slurp(path),
                        "workspace,repo,project,group,user,privilege\n"
                        "acme,web,,ops,,none\n"
                        "acme,web,,devs,,read\n");
    unlink(path);
}

static void test_partial_line_does_not_spoil_later_rows(void **state)
{
    (void)state;
    /* a disk that fills up in the middle of a line: write(2) takes part of
     * it. The record fails; the rows recorded after it must still be rows
     * of their own, not glued to the broken piece (an undo file is read
     * back as input: a glued line is a wrong or invalid row) */
    char path[256];
    struct undo *u = open_temp(path);
    struct fsize_limit fl;
    fsize_limit(&fl, sizeof UNDO_HEADER + 10); /* 10 bytes of the next line fit */
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "devs");
    int rc = undo_record(u, &r, "devs", 4, NULL, PRIV_READ);
    fsize_restore(&fl);
    assert_int_equal(rc, -1);

    struct request o = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "ops");
    assert_int_equal(undo_record(u, &o, "ops", 3, NULL, PRIV_NONE), 0);
    assert_int_equal(undo_close(u), -1);
    const char *text = slurp(path);
    if (!strstr(text, "\nacme,web,,ops,,none\n"))
        fail_msg("the row after a partial write is not a line of its own:\n%s", text);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_cloud),
        cmocka_unit_test(test_format_uses_the_subject_given),
        cmocka_unit_test(test_format_datacenter),
        cmocka_unit_test(test_format_quotes_values),
        cmocka_unit_test(test_format_uses_lengths_not_nul),
        cmocka_unit_test(test_format_appends),
        cmocka_unit_test(test_file_header_only),
        cmocka_unit_test(test_file_first_value_wins),
        cmocka_unit_test(test_file_branch_columns),
        cmocka_unit_test(test_file_refused_rows_dropped),
        cmocka_unit_test(test_file_one_user_two_spellings),
        cmocka_unit_test(test_file_datacenter_projects_apart),
        cmocka_unit_test(test_file_many_permissions),
        cmocka_unit_test(test_open_fails_cleanly),
        cmocka_unit_test(test_open_header_failure),
        cmocka_unit_test(test_record_reports_write_failure),
        cmocka_unit_test(test_partial_line_does_not_spoil_later_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
