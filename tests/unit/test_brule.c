/* Unit tests for brule.c: branch cells, rule names, values, and the carrying
 * of Data Center rules to Cloud. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "brule.h"

static struct brule_branch parse_ok(enum api_flavour f, const char *cell)
{
    struct brule_branch b;
    char msg[256] = "";
    if (brule_branch_parse(f, cell, strlen(cell), &b, msg, sizeof msg) != 0)
        fail_msg("'%s': %s", cell, msg);
    return b;
}

static void test_branch_cells_datacenter(void **state)
{
    (void)state;
    struct brule_branch b = parse_ok(API_DATACENTER, "main");
    assert_int_equal(b.match, BM_BRANCH);
    assert_string_equal(b.value, "refs/heads/main");
    assert_string_equal(brule_dc_matcher_type(&b), "BRANCH");

    b = parse_ok(API_DATACENTER, "release/*");
    assert_int_equal(b.match, BM_PATTERN);
    assert_string_equal(b.value, "release/*");

    b = parse_ok(API_DATACENTER, "pattern:hotfix");
    assert_int_equal(b.match, BM_PATTERN);
    assert_string_equal(b.value, "hotfix");

    b = parse_ok(API_DATACENTER, "*");
    assert_int_equal(b.match, BM_ANY);
    assert_string_equal(brule_dc_matcher_type(&b), "ANY_REF");

    b = parse_ok(API_DATACENTER, "model:production");
    assert_int_equal(b.match, BM_MODEL_BRANCH);
    assert_string_equal(brule_dc_matcher_type(&b), "MODEL_BRANCH");

    b = parse_ok(API_DATACENTER, "Model:Feature");
    assert_int_equal(b.match, BM_MODEL_CATEGORY);
    assert_string_equal(b.value, "feature");
    struct buf id = {0};
    brule_dc_matcher_id(&b, &id);
    buf_addc(&id, '\0');
    assert_string_equal(id.data, "FEATURE");
    buf_free(&id);

    b = parse_ok(API_DATACENTER, "refs/tags/v1");
    assert_int_equal(b.match, BM_BRANCH);
    assert_string_equal(b.value, "refs/tags/v1");
}

static void test_branch_cells_cloud(void **state)
{
    (void)state;
    struct brule_branch b = parse_ok(API_CLOUD, "main");
    assert_int_equal(b.match, BM_BRANCH);
    assert_string_equal(b.value, "main");
    assert_false(brule_cloud_is_model(&b));

    b = parse_ok(API_CLOUD, "*");
    assert_int_equal(b.match, BM_PATTERN);
    assert_string_equal(b.value, "*");

    b = parse_ok(API_CLOUD, "model:development");
    assert_true(brule_cloud_is_model(&b));
    assert_string_equal(b.value, "development");
}

static void test_branch_cells_refused(void **state)
{
    (void)state;
    struct brule_branch b;
    char msg[256];
    assert_int_equal(brule_branch_parse(API_CLOUD, "", 0, &b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "empty"));
    assert_int_equal(brule_branch_parse(API_CLOUD, "model:trunk", 11, &b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "production"));
    assert_int_equal(brule_branch_parse(API_DATACENTER, "ma\nin", 5, &b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "control"));
    char big[400];
    memset(big, 'a', sizeof big);
    assert_int_equal(brule_branch_parse(API_DATACENTER, big, sizeof big, &b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "longer"));
}

/* Every branch an export can meet is written as a cell that reads back as
 * the same branch. */
static void test_branch_cells_round_trip(void **state)
{
    (void)state;
    static const struct { const char *type, *id; } dc[] = {
        {"BRANCH", "refs/heads/main"},
        {"BRANCH", "refs/heads/model:production"}, {"BRANCH", "refs/tags/v1"},
        {"BRANCH", "refs/heads/pattern:x"}, {"BRANCH", "refs/heads/refs/heads/x"},
        {"PATTERN", "release/*"}, {"PATTERN", "hotfix"}, {"PATTERN", "*"},
        {"PATTERN", "model:feature"}, {"ANY_REF", "ANY_REF_MATCHER_ID"},
        {"MODEL_BRANCH", "production"}, {"MODEL_CATEGORY", "BUGFIX"},
    };
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; i++) {
        struct brule_branch b, back;
        assert_int_equal(brule_dc_matcher_parse(dc[i].type, dc[i].id, &b), 0);
        struct buf cell = {0};
        brule_branch_cell(API_DATACENTER, &b, &cell);
        char msg[128];
        if (brule_branch_parse(API_DATACENTER, cell.data, cell.len, &back, msg, sizeof msg))
            fail_msg("%s %s: %s", dc[i].type, dc[i].id, msg);
        assert_int_equal(back.match, b.match);
        assert_string_equal(back.value, b.value);
        buf_free(&cell);
    }
    static const char *const cloud[] = {"main", "*", "rel/*", "model:x", "pattern:y"};
    for (size_t i = 0; i < sizeof cloud / sizeof cloud[0]; i++) {
        struct brule_branch b = {.match = BM_PATTERN}, back;
        snprintf(b.value, sizeof b.value, "%s", cloud[i]);
        struct buf cell = {0};
        brule_branch_cell(API_CLOUD, &b, &cell);
        char msg[128];
        assert_int_equal(brule_branch_parse(API_CLOUD, cell.data, cell.len, &back, msg,
                                            sizeof msg), 0);
        assert_string_equal(back.value, cloud[i]);
        buf_free(&cell);
    }
    struct brule_branch b;
    assert_int_equal(brule_dc_matcher_parse("TAG", "v1", &b), -1);
    assert_int_equal(brule_dc_matcher_parse("MODEL_BRANCH", "trunk", &b), -1);
}

static void test_rules(void **state)
{
    (void)state;
    char msg[1024];
    size_t n;
    brule_rules(API_CLOUD, &n);
    assert_int_equal(n, 18);
    brule_rules(API_DATACENTER, &n);
    assert_int_equal(n, 5);

    const struct brule_rule *r = brule_rule_parse(API_CLOUD, "push", 4, msg, sizeof msg);
    assert_non_null(r);
    assert_true(r->flags & BR_SUBJECTS);
    r = brule_rule_parse(API_CLOUD, "require_approvals_to_merge", 26, msg, sizeof msg);
    assert_non_null(r);
    assert_true(r->flags & BR_VALUE);
    assert_false(r->flags & BR_SUBJECTS);
    r = brule_rule_parse(API_CLOUD, "delete", 6, msg, sizeof msg);
    assert_int_equal(r->flags, 0);

    /* a rule of the other flavour: the message lists this flavour's */
    assert_null(brule_rule_parse(API_CLOUD, "read-only", 9, msg, sizeof msg));
    assert_non_null(strstr(msg, "'read-only' is not a branch rule of Cloud"));
    assert_non_null(strstr(msg, "restrict_merges"));
    assert_null(brule_rule_parse(API_DATACENTER, "push", 4, msg, sizeof msg));
    assert_non_null(strstr(msg, "read-only, no-deletes, fast-forward-only"));
    r = brule_rule_parse(API_DATACENTER, "Read-Only", 9, msg, sizeof msg);
    assert_non_null(r);
    assert_string_equal(r->name, "read-only");

    /* a hostile cell is shown printable and cut */
    assert_null(brule_rule_parse(API_CLOUD, "\x1b[2Jx", 5, msg, sizeof msg));
    assert_null(strchr(msg, '\x1b'));
}

static void test_values(void **state)
{
    (void)state;
    long v = -1;
    assert_int_equal(brule_value_parse("2", 1, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(brule_value_parse("0", 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(brule_value_parse("", 0, &v), -1);
    assert_int_equal(brule_value_parse("-1", 2, &v), -1);
    assert_int_equal(brule_value_parse("2.5", 3, &v), -1);
    assert_int_equal(brule_value_parse("99999999999", 11, &v), -1);
    assert_int_equal(brule_value_parse("1000001", 7, &v), -1);
}

static void test_carry(void **state)
{
    (void)state;
    struct brule_carry c;
    assert_int_equal(brule_carry_rule("read-only", &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.rule[0], "push");
    assert_string_equal(c.rule[1], "restrict_merges");
    assert_true(c.keeps_subjects);
    assert_int_equal(brule_carry_rule("pull-request-only", &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.rule[0], "push");
    assert_true(c.keeps_subjects);
    assert_int_equal(brule_carry_rule("fast-forward-only", &c), 0);
    assert_string_equal(c.rule[0], "force");
    assert_false(c.keeps_subjects);
    assert_int_equal(brule_carry_rule("no-deletes", &c), 0);
    assert_string_equal(c.rule[0], "delete");
    assert_false(c.keeps_subjects);
    assert_int_equal(brule_carry_rule("no-creates", &c), 0);
    assert_int_equal(c.n, 0);
    assert_string_equal(c.why_not, "Cloud has no branch-creation restriction");
    assert_int_equal(brule_carry_rule("push", &c), -1);

    char msg[128];
    struct brule_branch dc, cloud;
    assert_int_equal(brule_dc_matcher_parse("BRANCH", "refs/heads/main", &dc), 0);
    assert_int_equal(brule_carry_branch(&dc, &cloud, msg, sizeof msg), 0);
    assert_string_equal(cloud.value, "main");
    assert_int_equal(brule_dc_matcher_parse("ANY_REF", "ANY_REF_MATCHER_ID", &dc), 0);
    assert_int_equal(brule_carry_branch(&dc, &cloud, msg, sizeof msg), 0);
    assert_string_equal(cloud.value, "*");
    assert_int_equal(brule_dc_matcher_parse("MODEL_CATEGORY", "HOTFIX", &dc), 0);
    assert_int_equal(brule_carry_branch(&dc, &cloud, msg, sizeof msg), 0);
    assert_true(brule_cloud_is_model(&cloud));
    assert_string_equal(cloud.value, "hotfix");
    assert_int_equal(brule_dc_matcher_parse("BRANCH", "refs/tags/v1", &dc), 0);
    assert_int_equal(brule_carry_branch(&dc, &cloud, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "refs/tags/v1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_branch_cells_datacenter),
        cmocka_unit_test(test_branch_cells_cloud),
        cmocka_unit_test(test_branch_cells_refused),
        cmocka_unit_test(test_branch_cells_round_trip),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_carry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
