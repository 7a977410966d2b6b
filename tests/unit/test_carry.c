/* Unit tests for carry.c: which rows are Data Center rows carried to Cloud,
 * and the Cloud records each becomes (every line of docs/datacenter.md's
 * table), with the notes and refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "carry.h"
#include "config.h"
#include "row.h"
#include "helpers.h"

#define HEADER "workspace,repo,project,branch,rule,group,user,privilege,value,email,access_keys"


static struct bb_config cfg;
static struct cellv hdr, row;
static struct colmap map;
static struct carry carry;
static struct csvin_record rec;
static char msg[600];

/* A run: its flavour, --workspace (or NULL), --map user=email when map_user. */
static void start(enum api_flavour api, const char *ws, int map_user)
{
    memset(&cfg, 0, sizeof cfg);
    cfg.api = api;
    cfg.workspace = ws;
    if (map_user) {
        cfg.nmap = 1;
        cfg.map_name[0] = "user";
        cfg.map_column[0] = "email";
    }
    char err[512];
    split(&hdr, HEADER);
    assert_int_equal(colmap_build(&map, hdr.cells, hdr.lens, hdr.n, &cfg, err, sizeof err), 0);
    carry_free(&carry);
    memset(&carry, 0, sizeof carry);
    carry_start(&carry, &map, hdr.cells, hdr.lens, hdr.n, &cfg);
}

static int carry_of(const char *line)
{
    split(&row, line);
    memset(&rec, 0, sizeof rec);
    rec.cells = row.cells;
    rec.lens = row.lens;
    rec.n = row.n;
    rec.line = 2;
    msg[0] = '\0';
    if (!carry_claims(&carry, &rec))
        return -2;
    return carry_record(&carry, &rec, msg, sizeof msg);
}

/* Cell c of record k, as a string. */
static const char *cell(int k, int c)
{
    static char v[256];
    snprintf(v, sizeof v, "%.*s", (int)carry.rec[k].lens[c], carry.rec[k].cells[c]);
    return v;
}

enum { WS, REPO, PROJECT, BRANCH, RULE, GROUP, USER, PRIV, VALUE, EMAIL, KEYS };

static void test_claims(void **state)
{
    (void)state;
    start(API_CLOUD, "acme", 1);
    assert_int_equal(carry_of(",api,PRJ,main,push,admins,,,,,"), -2);        /* Cloud's */
    assert_int_equal(carry_of(",api,PRJ,main,,admins,,write,,,"), -2);       /* a permission */
    assert_int_not_equal(carry_of(",api,PRJ,main,Read-Only,admins,,,,,"), -2);
    start(API_DATACENTER, "acme", 1);                                     /* Data Center's run */
    assert_int_equal(carry_of(",api,PRJ,main,read-only,admins,,,,,"), -2);
}

static void test_no_workspace(void **state)
{
    (void)state;
    start(API_CLOUD, NULL, 1);
    assert_int_equal(carry_of(",api,PRJ,main,read-only,admins,,,,,"), -1);
    assert_non_null(strstr(msg, "rule: read-only is a Data Center rule; to carry Data Center "
                                "branch rules to Cloud, give --workspace W"));
    assert_non_null(strstr(msg, "Cloud's rules are push, delete, force,"));
}

static void test_read_only(void **state)
{
    (void)state;
    start(API_CLOUD, "acme", 1);
    /* a project row: both Cloud rules, over the project's repositories */
    assert_int_equal(carry_of(",,PRJ,*,read-only,admins,,,,,"), 2);
    assert_string_equal(cell(0, RULE), "push");
    assert_string_equal(cell(1, RULE), "restrict_merges");
    for (int k = 0; k < 2; k++) {
        assert_string_equal(cell(k, REPO), "PRJ/*");
        assert_string_equal(cell(k, BRANCH), "*");
        assert_string_equal(cell(k, GROUP), "admins");
        assert_string_equal(cell(k, PROJECT), "PRJ");
    }
    assert_string_equal(carry.note, "");
    /* a user by the email column; a key named */
    assert_int_equal(carry_of(",api,PRJ,main,read-only,,jdoe,,,j@x.org,7 9"), 2);
    assert_string_equal(cell(1, EMAIL), "j@x.org");
    assert_string_equal(cell(1, REPO), "api");
    assert_string_equal(cell(1, BRANCH), "main");
    assert_string_equal(carry.note, "Data Center access keys 7 9 are not carried (Cloud exempts "
                                    "users and groups only)");
}

static void test_each_rule(void **state)
{
    (void)state;
    start(API_CLOUD, "acme", 1);
    assert_int_equal(carry_of(",api,PRJ,model:feature,pull-request-only,devs,,,,,"), 1);
    assert_string_equal(cell(0, RULE), "push");
    assert_string_equal(cell(0, BRANCH), "model:feature");
    assert_string_equal(cell(0, GROUP), "devs");

    assert_int_equal(carry_of(",api,PRJ,release/*,fast-forward-only,,ann,,,ann@x.org,"), 1);
    assert_string_equal(cell(0, RULE), "force");
    assert_string_equal(cell(0, BRANCH), "release/*");
    assert_string_equal(cell(0, USER), "");
    assert_string_equal(cell(0, EMAIL), "");
    assert_string_equal(carry.note, "the exemption of user ann is dropped: Cloud's force exempts "
                                    "no one");

    assert_int_equal(carry_of(",api,PRJ,model:production,no-deletes,admins,,,,,3"), 1);
    assert_string_equal(cell(0, RULE), "delete");
    assert_string_equal(cell(0, BRANCH), "model:production");
    assert_string_equal(cell(0, GROUP), "");
    assert_string_equal(carry.note, "the exemption of group admins is dropped: Cloud's delete "
                                    "exempts no one; Data Center access keys 3 are not carried "
                                    "(Cloud exempts users and groups only)");

    assert_int_equal(carry_of(",api,PRJ,pattern:hotfix,no-deletes,,,,,,"), 1);
    assert_string_equal(cell(0, BRANCH), "pattern:hotfix");
    assert_string_equal(carry.note, "");

    assert_int_equal(carry_of(",api,PRJ,main,no-creates,,,,,,"), -1);
    assert_string_equal(msg, "rule: no-creates is not carried: Cloud has no branch-creation "
                             "restriction");
}

static void test_refused(void **state)
{
    (void)state;
    start(API_CLOUD, "acme", 0);            /* no --map user */
    assert_int_equal(carry_of(",api,PRJ,main,read-only,,jdoe,,,j@x.org,"), -1);
    assert_string_equal(msg, "user: 'jdoe' is a Data Center username; carry users to Cloud by "
                             "email: --map user=email (the export's email column)");
    assert_int_equal(carry_of(",api,PRJ,main,read-only,admins,,,,,"), 2);   /* groups by name */
    start(API_CLOUD, "acme", 1);
    assert_int_equal(carry_of(",api,PRJ,main,read-only,,nomail,,,,"), -1);
    assert_non_null(strstr(msg, "email: empty: the Data Center user 'nomail' has no email"));
    /* removing an exemption Cloud's kind does not have is not a deletion */
    assert_int_equal(carry_of(",api,PRJ,main,fast-forward-only,,ann,none,,ann@x.org,"), -1);
    assert_non_null(strstr(msg, "removing the exemption of user ann from fast-forward-only"));
    assert_int_equal(carry_of(",api,PRJ,main,fast-forward-only,,,none,,,"), 1);
    assert_string_equal(cell(0, PRIV), "none");
    assert_int_equal(carry_of(",api,PRJ,main,no-deletes,admins,ann,,,ann@x.org,"), -1);
    assert_string_equal(msg, "group and email: both are set; give exactly one");
    /* a ref Cloud cannot restrict */
    assert_int_equal(carry_of(",api,PRJ,refs/tags/v1,read-only,,,,,,"), -1);
    assert_string_equal(msg, "branch: Cloud restricts branches only, not refs/tags/v1");
    assert_int_equal(carry_of(",api,PRJ,,read-only,,,,,,"), -1);
    assert_non_null(strstr(msg, "branch: empty"));
}

static int teardown(void **state)
{
    (void)state;
    carry_free(&carry);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_no_workspace),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
