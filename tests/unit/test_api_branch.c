/* Unit tests for api_branch.c: both flavours' branch restriction URLs,
 * list items and write bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api_branch.h"

static struct request repo(const char *ws, const char *project, const char *slug)
{
    struct request r = {0};
    r.target = TARGET_REPO;
    r.workspace = ws;
    r.workspace_len = strlen(ws);
    r.project = project;
    r.project_len = strlen(project);
    r.target_name = slug;
    r.target_len = strlen(slug);
    return r;
}

static char *cstr(struct buf *b)
{
    buf_addc(b, '\0');
    b->len--;
    return b->data;
}

static void test_urls(void **state)
{
    (void)state;
    struct request t = repo("acme", "", "api/x");
    struct buf url = {0};
    buf_adds(&url, "https://api.bitbucket.org/2.0");
    branch_api_cloud.list(&url, &t);
    assert_string_equal(cstr(&url),
        "https://api.bitbucket.org/2.0/repositories/acme/api%2Fx/branch-restrictions?pagelen=100");
    buf_free(&url);

    t = repo("", "PRJ", "web");
    buf_adds(&url, "https://bb.example.com/ctx/rest/api/latest");
    branch_api_datacenter.list(&url, &t);
    assert_string_equal(cstr(&url), "https://bb.example.com/ctx/rest/branch-permissions/latest"
                                    "/projects/PRJ/repos/web/restrictions?limit=100");
    buf_free(&url);

    struct request p = {0};
    p.target = TARGET_PROJECT;
    p.target_name = "PRJ";
    p.target_len = 3;
    buf_adds(&url, "http://127.0.0.1:7990/rest/api/1.0");
    branch_api_datacenter.list(&url, &p);
    assert_string_equal(cstr(&url), "http://127.0.0.1:7990/rest/branch-permissions/latest"
                                    "/projects/PRJ/restrictions?limit=100");
    buf_free(&url);
}

static void test_cloud_item_and_writes(void **state)
{
    (void)state;
    cJSON *item = cJSON_Parse(
        "{\"id\":12,\"kind\":\"push\",\"branch_match_kind\":\"glob\",\"pattern\":\"main\","
        "\"value\":null,\"users\":[{\"uuid\":\"{u-1}\",\"account_id\":\"557058:aa\"}],"
        "\"groups\":[{\"slug\":\"devs\",\"name\":\"Devs\"}]}");
    struct brestr r;
    brestr_init(&r);
    assert_int_equal(branch_api_cloud.item(item, &r), 0);
    assert_int_equal(r.id, 12);
    assert_string_equal(r.rule, "push");
    assert_int_equal(r.branch.match, BM_BRANCH);
    assert_string_equal(r.branch.value, "main");
    assert_int_equal(r.value, -1);
    assert_int_equal(r.users.n, 1);
    assert_string_equal(r.users.v[0].id, "557058:aa");
    assert_string_equal(r.users.v[0].alt, "{u-1}");
    assert_int_equal(r.groups.n, 1);
    cJSON_Delete(item);

    struct request t = repo("acme", "", "api");
    struct buf url = {0}, body = {0};
    const char *ct;
    buf_adds(&url, "B");
    assert_int_equal(branch_api_cloud.write(&url, &body, &ct, &t, BROP_UPDATE, &r, &r), BRM_PUT);
    assert_string_equal(cstr(&url), "B/repositories/acme/api/branch-restrictions/12");
    assert_string_equal(ct, "application/json");
    assert_string_equal(cstr(&body),
        "{\"type\":\"branchrestriction\",\"kind\":\"push\",\"branch_match_kind\":\"glob\","
        "\"pattern\":\"main\",\"users\":[{\"type\":\"user\",\"uuid\":\"{u-1}\","
        "\"account_id\":\"557058:aa\"}],\"groups\":[{\"type\":\"group\",\"slug\":\"devs\"}]}");
    url.len = body.len = 0;
    buf_adds(&url, "B");
    assert_int_equal(branch_api_cloud.write(&url, &body, &ct, &t, BROP_DELETE, &r, &r),
                     BRM_DELETE);
    assert_string_equal(cstr(&url), "B/repositories/acme/api/branch-restrictions/12");
    assert_int_equal(body.len, 0);
    assert_null(ct);

    /* a kind that takes a value and no one: no lists in the body */
    struct brestr w;
    brestr_init(&w);
    snprintf(w.rule, sizeof w.rule, "require_approvals_to_merge");
    w.branch.match = BM_MODEL_BRANCH;
    snprintf(w.branch.value, sizeof w.branch.value, "production");
    w.value = 2;
    url.len = body.len = 0;
    buf_adds(&url, "B");
    assert_int_equal(branch_api_cloud.write(&url, &body, &ct, &t, BROP_CREATE, NULL, &w),
                     BRM_POST);
    assert_string_equal(cstr(&url), "B/repositories/acme/api/branch-restrictions");
    assert_string_equal(cstr(&body),
        "{\"type\":\"branchrestriction\",\"kind\":\"require_approvals_to_merge\","
        "\"branch_match_kind\":\"branching_model\",\"branch_type\":\"production\","
        "\"pattern\":\"\",\"value\":2}");
    buf_free(&url);
    buf_free(&body);
    brestr_free(&w);
    brestr_free(&r);

    cJSON *answer = cJSON_Parse("{\"id\":40,\"kind\":\"force\"}");
    assert_int_equal(branch_api_cloud.written_id(answer), 40);
    cJSON_Delete(answer);
}

static void test_cloud_items_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"kind\":\"push\",\"pattern\":\"main\"}",                       /* no id */
        "{\"id\":1,\"pattern\":\"main\"}",                                /* no kind */
        "{\"id\":1,\"kind\":\"push\",\"branch_match_kind\":\"glob\"}",    /* no pattern */
        "{\"id\":1,\"kind\":\"push\",\"branch_match_kind\":\"branching_model\","
        "\"branch_type\":\"trunk\"}",
        "{\"id\":1,\"kind\":\"push\",\"pattern\":\"m\",\"users\":[{}]}",
        "{\"id\":1,\"kind\":\"push\",\"pattern\":\"m\",\"groups\":[{\"name\":\"x\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *item = cJSON_Parse(bad[i]);
        struct brestr r;
        brestr_init(&r);
        if (branch_api_cloud.item(item, &r) != -1)
            fail_msg("read: %s", bad[i]);
        brestr_free(&r);
        cJSON_Delete(item);
    }
}

static void test_dc_item_and_writes(void **state)
{
    (void)state;
    cJSON *item = cJSON_Parse(
        "{\"id\":3,\"scope\":{\"type\":\"REPOSITORY\",\"resourceId\":1},\"type\":\"read-only\","
        "\"matcher\":{\"id\":\"refs/heads/main\",\"displayId\":\"main\","
        "\"type\":{\"id\":\"BRANCH\",\"name\":\"Branch\"},\"active\":true},"
        "\"users\":[{\"name\":\"Alice\",\"slug\":\"alice\",\"emailAddress\":\"a@x\"}],"
        "\"groups\":[\"devs\"],\"accessKeys\":[{\"key\":{\"id\":9,\"text\":\"ssh-rsa\"}}]}");
    struct brestr r;
    brestr_init(&r);
    assert_int_equal(branch_api_datacenter.item(item, &r), 0);
    cJSON_Delete(item);
    assert_int_equal(r.id, 3);
    assert_string_equal(r.rule, "read-only");
    assert_int_equal(r.branch.match, BM_BRANCH);
    assert_string_equal(r.branch.value, "refs/heads/main");
    assert_string_equal(r.users.v[0].id, "Alice");
    assert_string_equal(r.users.v[0].alt, "alice");
    assert_string_equal(r.users.v[0].email, "a@x");
    assert_string_equal(r.groups.v[0].id, "devs");
    assert_int_equal(r.nkeys, 1);
    assert_int_equal(r.keys[0], 9);

    struct request t = repo("", "PRJ", "web");
    struct buf url = {0}, body = {0};
    const char *ct;
    buf_adds(&url, "http://h/rest/api/latest");
    assert_int_equal(branch_api_datacenter.write(&url, &body, &ct, &t, BROP_UPDATE, &r, &r),
                     BRM_POST);
    assert_string_equal(cstr(&url),
                        "http://h/rest/branch-permissions/latest/projects/PRJ/repos/web/restrictions");
    assert_string_equal(ct, "application/vnd.atl.bitbucket.bulk+json");
    assert_string_equal(cstr(&body),
        "[{\"type\":\"read-only\",\"matcher\":{\"id\":\"refs/heads/main\",\"displayId\":\"main\","
        "\"type\":{\"id\":\"BRANCH\"}},\"userSlugs\":[\"alice\"],\"groupNames\":[\"devs\"],"
        "\"accessKeyIds\":[9]}]");
    url.len = body.len = 0;
    buf_adds(&url, "http://h/rest/api/latest");
    assert_int_equal(branch_api_datacenter.write(&url, &body, &ct, &t, BROP_DELETE, &r, &r),
                     BRM_DELETE);
    assert_string_equal(cstr(&url), "http://h/rest/branch-permissions/latest/projects/PRJ/repos/"
                                    "web/restrictions/3");
    buf_free(&url);
    buf_free(&body);
    brestr_free(&r);

    cJSON *answer = cJSON_Parse("[{\"id\":41}]");
    assert_int_equal(branch_api_datacenter.written_id(answer), 41);
    cJSON_Delete(answer);
    answer = cJSON_Parse("{\"id\":42}");
    assert_int_equal(branch_api_datacenter.written_id(answer), 42);
    cJSON_Delete(answer);
    answer = cJSON_Parse("[{\"id\":1},{\"id\":2}]");
    assert_int_equal(branch_api_datacenter.written_id(answer), 0);
    cJSON_Delete(answer);
}

static void test_keys(void **state)
{
    (void)state;
    struct brule_branch a = {BM_BRANCH, "main"}, b = {BM_PATTERN, "main"};
    struct buf ka = {0}, kb = {0};
    /* on Cloud a branch and a wildcard-free pattern are one glob */
    branch_restriction_key(API_CLOUD, "push", &a, &ka);
    branch_restriction_key(API_CLOUD, "push", &b, &kb);
    assert_int_equal(ka.len, kb.len);
    assert_memory_equal(ka.data, kb.data, ka.len);
    /* on Data Center they are two matchers */
    ka.len = kb.len = 0;
    branch_restriction_key(API_DATACENTER, "read-only", &a, &ka);
    branch_restriction_key(API_DATACENTER, "read-only", &b, &kb);
    assert_false(ka.len == kb.len && memcmp(ka.data, kb.data, ka.len) == 0);
    buf_free(&ka);
    buf_free(&kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_cloud_item_and_writes),
        cmocka_unit_test(test_cloud_items_refused),
        cmocka_unit_test(test_dc_item_and_writes),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
