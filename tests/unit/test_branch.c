/* Unit tests for branch.c: a target's restrictions read over pages (both
 * flavours), sorted, and written as export rows that read back as the same
 * restrictions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "branch.h"
#include "fake_fetch.h"

static struct fake_server srv;

static struct request target(const char *ws, const char *project, const char *slug)
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

static char *rows_of(const struct api_ops *api, const struct request *t,
                     const struct brestr_set *s, unsigned *n)
{
    static struct buf out;
    out.len = 0;
    *n = branch_export_rows(&out, api, t, s, ',');
    buf_addc(&out, '\0');
    return out.data;
}

static void test_cloud_read_and_rows(void **state)
{
    (void)state;
    fake_reset(&srv);
    fake_add(&srv, "https://a.test/2.0/repositories/acme/api/branch-restrictions?pagelen=100", 200,
             "{\"size\":3,\"values\":["
             "{\"id\":3,\"kind\":\"require_approvals_to_merge\",\"branch_match_kind\":\"glob\","
             "\"pattern\":\"main\",\"value\":2,\"users\":[],\"groups\":[]},"
             "{\"id\":1,\"kind\":\"push\",\"branch_match_kind\":\"glob\",\"pattern\":\"main\","
             "\"users\":[{\"uuid\":\"{b}\",\"account_id\":\"557058:b\"},"
             "{\"uuid\":\"{a}\",\"account_id\":\"557058:a\"}],"
             "\"groups\":[{\"slug\":\"=cmd\"}]}],"
             "\"next\":\"https://a.test/2.0/repositories/acme/api/branch-restrictions?pagelen=100&page=2\"}");
    fake_add(&srv, "https://a.test/2.0/repositories/acme/api/branch-restrictions?pagelen=100&page=2", 200,
             "{\"size\":3,\"values\":[{\"id\":7,\"kind\":\"delete\","
             "\"branch_match_kind\":\"branching_model\",\"branch_type\":\"release\","
             "\"users\":[],\"groups\":[]}]}");
    struct pager_fetch f = {fake_fetch, &srv};
    struct request t = target("acme", "", "api");
    struct brestr_set s = {0};
    struct pager_error err;
    unsigned pages = 0, n;
    assert_int_equal(branch_read(&api_cloud, "https://a.test/2.0", &f, &t, &s, &pages, &err), 0);
    assert_int_equal(pages, 2);
    assert_int_equal(s.n, 3);
    assert_string_equal(rows_of(&api_cloud, &t, &s, &n),
        "acme,api,,main,push,'=cmd,,,\n"
        "acme,api,,main,push,,557058:a,,\n"
        "acme,api,,main,push,,557058:b,,\n"
        "acme,api,,main,require_approvals_to_merge,,,,2\n"
        "acme,api,,model:release,delete,,,,\n");
    assert_int_equal(n, 5);
    brestr_set_free(&s);
}

static void test_dc_read_and_rows(void **state)
{
    (void)state;
    fake_reset(&srv);
    fake_add(&srv, "http://h/rest/branch-permissions/latest/projects/PRJ/repos/web/restrictions"
                   "?limit=100", 200,
             "{\"size\":2,\"isLastPage\":true,\"start\":0,\"limit\":100,\"values\":["
             "{\"id\":2,\"type\":\"read-only\",\"matcher\":{\"id\":\"release/*\","
             "\"displayId\":\"release/*\",\"type\":{\"id\":\"PATTERN\"}},"
             "\"users\":[{\"name\":\"bob\",\"slug\":\"bob\",\"emailAddress\":\"bob@x.io\"}],"
             "\"groups\":[],\"accessKeys\":[]},"
             "{\"id\":1,\"type\":\"no-deletes\",\"matcher\":{\"id\":\"ANY_REF_MATCHER_ID\","
             "\"type\":{\"id\":\"ANY_REF\"}},\"users\":[],\"groups\":[],"
             "\"accessKeys\":[{\"key\":{\"id\":4}},{\"key\":{\"id\":5}}]}]}");
    struct pager_fetch f = {fake_fetch, &srv};
    struct request t = target("", "PRJ", "web");
    struct brestr_set s = {0};
    struct pager_error err;
    unsigned n;
    assert_int_equal(branch_read(&api_datacenter, "http://h/rest/api/latest", &f, &t, &s, NULL,
                                 &err), 0);
    assert_string_equal(rows_of(&api_datacenter, &t, &s, &n),
        ",web,PRJ,*,no-deletes,,,,,,4 5\n"        /* the keys it exempts */
        ",web,PRJ,release/*,read-only,,bob,,,bob@x.io,\n");
    brestr_set_free(&s);
}

/* A list with an item bbperm cannot read, or a page that fails, is a failed
 * read with nothing in it: a restriction never reads as absent. */
static void test_read_failures(void **state)
{
    (void)state;
    fake_reset(&srv);
    fake_add(&srv, "https://a.test/2.0/repositories/acme/api/branch-restrictions?pagelen=100", 200,
             "{\"values\":[{\"id\":1,\"kind\":\"push\",\"pattern\":\"main\"},"
             "{\"id\":2,\"pattern\":\"x\"}]}");
    struct pager_fetch f = {fake_fetch, &srv};
    struct request t = target("acme", "", "api");
    struct brestr_set s = {0};
    struct pager_error err;
    assert_int_equal(branch_read(&api_cloud, "https://a.test/2.0", &f, &t, &s, NULL, &err), -1);
    assert_int_equal(s.n, 0);
    assert_non_null(strstr(err.msg, "cannot be read"));

    fake_reset(&srv);
    fake_add(&srv, "https://a.test/2.0/repositories/acme/api/branch-restrictions?pagelen=100", 403,
             "{\"type\":\"error\",\"error\":{\"message\":\"no\"}}");
    assert_int_equal(branch_read(&api_cloud, "https://a.test/2.0", &f, &t, &s, NULL, &err), -1);
    assert_int_equal(err.status, 403);
    assert_int_equal(s.n, 0);
    brestr_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_read_and_rows),
        cmocka_unit_test(test_dc_read_and_rows),
        cmocka_unit_test(test_read_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
