/* Unit tests for resume.c: --resume-from matches the rows of an earlier
 * result by what they ask for (target, subject, privilege), not by their
 * position; each ok row stands for one input row; an earlier result that
 * matches no row of the input is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "resume.h"

static char dir[] = "/tmp/test_resume.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[16][256];
    static int k;
    char *p = path[k++ % 16];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static struct bb_config cloud_cfg(void)
{
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.api = API_CLOUD;
    return cfg;
}

static const char prev_text[] =
    "workspace,repo,group,privilege,status,http_status,attempts,message,previous\n"
    "acme,api,developers,write,ok,200,1,,\n"
    "acme,web,developers,write,failed,404,1,no such group,\n"
    "acme,docs,qa,read,ok,200,1,,\n"
    "acme,docs,qa,read,ok,200,1,,\n"
    "ACME,Tools,Admins,admin,ok,200,1,,\n"
    "acme,torn,developers,write\n";

static struct request repo_row(const char *ws, const char *repo, const char *group, enum privilege p)
{
    return mkreq(TARGET_REPO, SUBJECT_GROUP, p, ws, NULL, repo, group);
}

static void test_matches_rows_not_positions(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("prev.csv", prev_text), &cfg), 0);
    /* another order than PREV's */
    struct request docs = repo_row("acme", "docs", "qa", PRIV_READ);
    struct request web = repo_row("acme", "web", "developers", PRIV_WRITE);
    struct request api = repo_row("acme", "api", "developers", PRIV_WRITE);
    assert_int_equal(resume_done(&r, &web), 0);         /* failed before: sent */
    assert_int_equal(resume_done(&r, &api), 1);
    assert_int_equal(resume_done(&r, &docs), 1);
    /* each ok row of PREV stands for one input row */
    assert_int_equal(resume_done(&r, &api), 0);
    assert_int_equal(resume_done(&r, &docs), 1);        /* PREV has it twice */
    assert_int_equal(resume_done(&r, &docs), 0);
    resume_free(&r);
}

static void test_what_counts_as_the_same_row(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("prev.csv", prev_text), &cfg), 0);
    /* another privilege, subject, target or workspace: not done */
    struct request other[] = {
        repo_row("acme", "api", "developers", PRIV_READ),
        repo_row("acme", "api", "qa", PRIV_WRITE),
        repo_row("acme", "apix", "developers", PRIV_WRITE),
        repo_row("other", "api", "developers", PRIV_WRITE),
        mkreq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", NULL, "api", "developers"),
        mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_WRITE, "acme", NULL, "api", "developers"),
        repo_row("acme", "torn", "developers", PRIV_WRITE),   /* its line ends before its status */
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_int_equal(resume_done(&r, &other[i]), 0);
    /* names compare as Bitbucket compares them: case-insensitively */
    struct request tools = repo_row("acme", "tools", "admins", PRIV_ADMIN);
    assert_int_equal(resume_done(&r, &tools), 1);
    resume_free(&r);
}

static void test_data_center_project_counts(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    cfg.api = API_DATACENTER;
    struct resume r;
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("dc.csv",
        "project,repo,group,privilege,status\nPRJ,api,devs,write,ok\n"), &cfg), 0);
    struct request same = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "PRJ", "api", "devs");
    struct request other = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "", "OPS", "api", "devs");
    assert_int_equal(resume_done(&r, &other), 0);
    assert_int_equal(resume_done(&r, &same), 1);
    resume_free(&r);
}

static void test_check_input(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    const char *prev = write_file("prev.csv", prev_text);
    cfg.resume_from = prev;
    assert_int_equal(resume_load(&r, prev, &cfg), 0);
    /* another input altogether: refused */
    assert_int_equal(resume_check_input(&r, write_file("other.csv",
        "workspace,repo,group,privilege\nacme,x,y,read\nacme,api,developers,admin\n"), &cfg), -1);
    /* one row in common, even a failed one: the same input */
    assert_int_equal(resume_check_input(&r, write_file("same.csv",
        "workspace,repo,group,privilege\nacme,x,y,read\nacme,web,developers,write\n"), &cfg), 0);
    /* a pattern row that may have become a row of PREV */
    assert_int_equal(resume_check_input(&r, write_file("pattern.csv",
        "workspace,repo,group,privilege\nacme,d*,qa,read\n"), &cfg), 0);
    assert_int_equal(resume_check_input(&r, write_file("pattern2.csv",
        "workspace,repo,group,privilege\nacme,d*,qa,write\n"), &cfg), -1);
    resume_free(&r);
    /* an earlier result without rows (killed before its first) refuses nothing */
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("empty.csv",
        "workspace,repo,group,privilege,status\n"), &cfg), 0);
    assert_int_equal(resume_check_input(&r, write_file("other.csv",
        "workspace,repo,group,privilege\nacme,x,y,read\n"), &cfg), 0);
    resume_free(&r);
}

static void test_not_a_result(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("in.csv",
        "workspace,repo,group,privilege\nacme,x,y,read\n"), &cfg), -1);
    resume_free(&r);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_rows_not_positions),
        cmocka_unit_test(test_what_counts_as_the_same_row),
        cmocka_unit_test(test_data_center_project_counts),
        cmocka_unit_test(test_check_input),
        cmocka_unit_test(test_not_a_result),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
