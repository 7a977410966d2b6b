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

/* resume_done for one input record: header and line split at commas. */
static int done_with(struct resume *r, const struct bb_config *cfg, const char *header,
                     const char *line)
{
    char hb[512], lb[512], err[256];
    const char *hc[16], *lc[16];
    size_t hl[16], ll[16];
    unsigned hn = 0, ln = 0;
    snprintf(hb, sizeof hb, "%s", header);
    snprintf(lb, sizeof lb, "%s", line);
    for (char *p = hb, *c; p && hn < 16; p = c ? c + 1 : NULL) {
        c = strchr(p, ',');
        if (c)
            *c = '\0';
        hc[hn] = p;
        hl[hn++] = strlen(p);
    }
    for (char *p = lb, *c; p && ln < 16; p = c ? c + 1 : NULL) {
        c = strchr(p, ',');
        if (c)
            *c = '\0';
        lc[ln] = p;
        ll[ln++] = strlen(p);
    }
    struct colmap m;
    assert_int_equal(colmap_build(&m, hc, hl, hn, cfg, err, sizeof err), 0);
    return resume_done(r, &m, lc, ll, ln);
}

static int done(struct resume *r, const char *line)
{
    struct bb_config cfg = cloud_cfg();
    return done_with(r, &cfg, "workspace,repo,project,group,user,privilege", line);
}

static void test_matches_rows_not_positions(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    assert_int_equal(resume_load(&r, write_file("prev.csv", prev_text), &cfg), 0);
    /* another order than PREV's */
    const char *docs = "acme,docs,,qa,,read";
    const char *web = "acme,web,,developers,,write";
    const char *api = "acme,api,,developers,,write";
    assert_int_equal(done(&r, web), 0);         /* failed before: sent */
    assert_int_equal(done(&r, api), 1);
    assert_int_equal(done(&r, docs), 1);
    /* each ok row of PREV stands for one input row */
    assert_int_equal(done(&r, api), 0);
    assert_int_equal(done(&r, docs), 1);        /* PREV has it twice */
    assert_int_equal(done(&r, docs), 0);
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
    const char *other[] = {
        "acme,api,,developers,,read",
        "acme,api,,qa,,write",
        "acme,apix,,developers,,write",
        "other,api,,developers,,write",
        "acme,api,,,developers,write",
        "acme,,api,developers,,write",
        "acme,torn,,developers,,write",   /* its line ends before its status */
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_int_equal(done(&r, other[i]), 0);
    /* names compare as Bitbucket compares them: case-insensitively */
    assert_int_equal(done(&r, "acme,tools,,admins,,admin"), 1);
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
    assert_int_equal(done_with(&r, &cfg, "project,repo,group,privilege", "OPS,api,devs,write"), 0);
    assert_int_equal(done_with(&r, &cfg, "project,repo,group,privilege", "PRJ,api,devs,write"), 1);
    resume_free(&r);
}

/* Branch-rule rows are matched by their own key (target, restriction,
 * subject, add or remove, value), never with a permission row. */
static void test_branch_rows(void **state)
{
    (void)state;
    struct bb_config cfg = cloud_cfg();
    struct resume r;
    memset(&r, 0, sizeof r);
    static const char h[] = "workspace,repo,branch,rule,group,user,privilege,value";
    assert_int_equal(resume_load(&r, write_file("prevb.csv",
        "workspace,repo,branch,rule,group,user,privilege,value,status\n"
        "acme,api,main,push,developers,,,,ok\n"
        "acme,api,model:production,require_approvals_to_merge,,,,2,ok\n"
        "acme,api,main,delete,,,none,,failed\n"
        "acme,web,,,developers,,write,,ok\n"), &cfg), 0);
    const char *other[] = {
        "acme,api,main,push,developers,,none,",             /* remove, not add */
        "acme,api,main,push,,developers,,",                 /* a user, not the group */
        "acme,api,main,restrict_merges,developers,,,",      /* another rule */
        "acme,api,dev,push,developers,,,",                  /* another branch */
        "acme,web,main,push,developers,,,",                 /* another repository */
        "acme,api,model:production,require_approvals_to_merge,,,,3",   /* another value */
        "acme,api,main,delete,,,none,",                     /* failed before: sent */
        "acme,api,main,push,,,,",                           /* the restriction alone */
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_int_equal(done_with(&r, &cfg, h, other[i]), 0);
    /* a permission row of the group on api: not the branch row of it */
    assert_int_equal(done_with(&r, &cfg, h, "acme,api,,,developers,,write,"), 0);
    assert_int_equal(done_with(&r, &cfg, h, "ACME,API,main,push,Developers,,,"), 1);
    assert_int_equal(done_with(&r, &cfg, h, "acme,api,main,push,developers,,,"), 0);
    assert_int_equal(done_with(&r, &cfg, h,
                               "acme,api,model:production,require_approvals_to_merge,,,,2"), 1);
    assert_int_equal(done_with(&r, &cfg, h, "acme,web,,,developers,,write,"), 1);
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
        cmocka_unit_test(test_branch_rows),
        cmocka_unit_test(test_check_input),
        cmocka_unit_test(test_not_a_result),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
