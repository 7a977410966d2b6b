/* Unit tests for brrow.c (branch-rule rows), row.c's header rules for a
 * file with a rule column, and kind.c's choice of a row's kind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "brrow.h"
#include "config.h"
#include "kind.h"
#include "row.h"
#include "helpers.h"



#define CLOUD_HEADER "workspace,repo,project,branch,rule,group,user,privilege,value"
#define DC_HEADER "repo,project,branch,rule,group,user,privilege,value"

static struct cellv hdr_cells, row_cells;
static struct colmap map;

static void header(const char *hdr, enum api_flavour api)
{
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.api = api;
    char err[512];
    split(&hdr_cells, hdr);
    assert_int_equal(colmap_build(&map, hdr_cells.cells, hdr_cells.lens, hdr_cells.n, &cfg, err,
                                  sizeof err), 0);
}

static int validate(const char *row, struct request *req, struct brow *b, char *msg,
                    size_t msgsz)
{
    split(&row_cells, row);
    memset(req, 0, sizeof *req);
    msg[0] = '\0';
    return brrow_validate(&map, row_cells.cells, row_cells.lens, row_cells.n, req, b, msg, msgsz);
}

static void assert_invalid(const char *row, const char *n1, const char *n2)
{
    struct request req;
    struct brow b;
    char msg[600];
    assert_int_equal(validate(row, &req, &b, msg, sizeof msg), -1);
    if (!strstr(msg, n1) || (n2 && !strstr(msg, n2)))
        fail_msg("message '%s' lacks '%s' / '%s'", msg, n1, n2 ? n2 : "");
}

static void test_header_needs_no_subject_or_privilege(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.api = API_CLOUD;
    char err[512];
    struct cellv v;
    split(&v, "workspace,repo,branch,rule");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), 0);
    assert_int_equal(map.col[COL_BRANCH], 2);
    assert_int_equal(map.col[COL_RULE], 3);
    assert_int_equal(map.col[COL_VALUE], -1);
    /* without a rule column they are still required */
    split(&v, "workspace,repo,branch");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "'privilege'"));
    /* --map finds the rule column under another name */
    cfg.nmap = 1;
    cfg.map_column[0] = "kind";
    cfg.map_name[0] = "rule";
    split(&v, "workspace,repo,branch,kind");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), 0);
    assert_int_equal(map.col[COL_RULE], 3);
    assert_string_equal(map.label[COL_RULE], "kind");
}

static void test_permission_row_in_a_rule_file(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[512], msg[400];
    struct cellv v;
    struct request req;
    split(&v, "workspace,repo,branch,rule");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), 0);
    split(&row_cells, "acme,api,,");
    assert_ptr_equal(kind_of(&map, row_cells.cells, row_cells.lens, row_cells.n), &kind_permission);
    assert_int_equal(row_validate(&map, row_cells.cells, row_cells.lens, row_cells.n, &req, msg,
                                  sizeof msg), -1);
    assert_non_null(strstr(msg, "group and user: the header has neither column"));
    split(&v, "workspace,repo,group,branch,rule");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), 0);
    split(&row_cells, "acme,api,devs,,");
    assert_int_equal(row_validate(&map, row_cells.cells, row_cells.lens, row_cells.n, &req, msg,
                                  sizeof msg), -1);
    assert_non_null(strstr(msg, "privilege: the header has no such column"));
}

static void test_kind_of(void **state)
{
    (void)state;
    header(CLOUD_HEADER, API_CLOUD);
    split(&row_cells, "acme,api,,main,push,devs,,,");
    assert_ptr_equal(kind_of(&map, row_cells.cells, row_cells.lens, row_cells.n), &kind_branch);
    split(&row_cells, "acme,api,,main,  ,devs,,write,");
    assert_ptr_equal(kind_of(&map, row_cells.cells, row_cells.lens, row_cells.n), &kind_permission);
    assert_true(kind_header_has_others(&map));
    struct cellv v;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[256];
    split(&v, "workspace,repo,group,privilege");
    assert_int_equal(colmap_build(&map, v.cells, v.lens, v.n, &cfg, err, sizeof err), 0);
    assert_false(kind_header_has_others(&map));
}

static void test_cloud_valid(void **state)
{
    (void)state;
    header(CLOUD_HEADER, API_CLOUD);
    struct request req;
    struct brow b;
    char msg[600];
    assert_int_equal(validate("acme,api,,main,push,devs,,,", &req, &b, msg, sizeof msg), 0);
    assert_string_equal(b.rule->name, "push");
    assert_int_equal(b.branch.match, BM_BRANCH);
    assert_string_equal(b.branch.value, "main");
    assert_true(b.has_subject);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_false(b.remove);
    assert_int_equal(b.value, -1);
    assert_int_equal(req.priv, PRIV_READ);

    assert_int_equal(validate("acme,api,,release/*,Restrict_Merges,,557058:ann,REVOKE,", &req, &b,
                              msg, sizeof msg), 0);
    assert_string_equal(b.rule->name, "restrict_merges");
    assert_int_equal(b.branch.match, BM_PATTERN);
    assert_true(b.remove);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.priv, PRIV_NONE);

    assert_int_equal(validate("acme,api,,model:production,require_approvals_to_merge,,,, 2 ", &req,
                              &b, msg, sizeof msg), 0);
    assert_int_equal(b.value, 2);
    assert_false(b.has_subject);
    assert_int_equal(b.branch.match, BM_MODEL_BRANCH);

    assert_int_equal(validate("acme,api,,main,push,,ann@example.com,,", &req, &b, msg, sizeof msg), 0);
    assert_true(req.subject_is_email);

    /* a KEY/PATTERN in the repo cell expands as permission rows' do */
    assert_int_equal(validate("acme,PROJ/*,,main,delete,,,none,", &req, &b, msg, sizeof msg), 0);
    assert_true(req.target_is_pattern);
    assert_int_equal(req.target, TARGET_REPO);

    /* an export's '=name is the group =name */
    assert_int_equal(validate("acme,api,,main,push,'=ops,,,", &req, &b, msg, sizeof msg), 0);
    assert_int_equal(req.subject_len, 4);
    assert_memory_equal(req.subject_name, "=ops", 4);
}

static void test_cloud_invalid(void **state)
{
    (void)state;
    header(CLOUD_HEADER, API_CLOUD);
    assert_invalid("acme,api,,,push,devs,,,", "branch: empty", NULL);
    assert_invalid("acme,api,,main,read-only,devs,,,", "rule: 'read-only' is not a branch rule of Cloud",
                   "push, ");
    assert_invalid("acme,api,,main,push,devs,557058:ann,,", "group and user: both are set", NULL);
    assert_invalid("acme,api,,main,delete,devs,,,", "group: the rule delete lists no users or groups",
                   NULL);
    assert_invalid("acme,api,,main,force,,557058:ann,,", "user: the rule force lists no users", NULL);
    assert_invalid("acme,api,,main,push,devs,,write,", "privilege: 'write' is not a branch rule's",
                   "none");
    assert_invalid("acme,api,,main,push,,,,2", "value: '2': the rule push takes no value", NULL);
    assert_invalid("acme,api,,main,require_approvals_to_merge,,,,two", "value: 'two' is not a whole number",
                   NULL);
    assert_invalid("acme,api,,main,require_approvals_to_merge,,,,-1", "value: '-1'", NULL);
    assert_invalid("acme,api,,main,require_approvals_to_merge,,,none,2", "value: '2': a row that removes",
                   NULL);
    assert_invalid("acme,,PROJ,main,push,,,,", "project: Cloud has no project-level branch restrictions",
                   "'PROJ/*' in the repo cell");
    assert_invalid("acme,api,,main,push,,aaaaaaaa-0000-0000-0000-000000000001,,", "user:", "braces");
    assert_invalid(",api,,main,push,,,,", "workspace: empty", NULL);
    assert_invalid("acme,api,,main,push", "record has 5 cells", NULL);
    assert_invalid("acme,api,,model:nightly,push,,,,", "branch:", NULL);
}

static void test_dc(void **state)
{
    (void)state;
    header(DC_HEADER, API_DATACENTER);
    struct request req;
    struct brow b;
    char msg[600];
    assert_int_equal(validate(",PRJ,*,no-deletes,,,,", &req, &b, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_PROJECT);
    assert_int_equal(b.branch.match, BM_ANY);
    assert_int_equal(validate("api,PRJ,main,read-only,,jdoe,,", &req, &b, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_false(req.subject_is_email);
    assert_int_equal(validate("api,PRJ,main,no-creates,admins,,none,", &req, &b, msg, sizeof msg), 0);
    assert_true(b.remove);
    assert_invalid("api,PRJ,main,push,,,,", "rule: 'push' is not a branch rule of Data Center",
                   "read-only, no-deletes, fast-forward-only, pull-request-only, no-creates");
    assert_invalid("api,PRJ,main,read-only,,,,3", "value: '3': the rule read-only takes no value", NULL);
    assert_invalid("api,,main,read-only,,,,", "project: empty; a Data Center repository row", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_needs_no_subject_or_privilege),
        cmocka_unit_test(test_permission_row_in_a_rule_file),
        cmocka_unit_test(test_kind_of),
        cmocka_unit_test(test_cloud_valid),
        cmocka_unit_test(test_cloud_invalid),
        cmocka_unit_test(test_dc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
