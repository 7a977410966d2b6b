/* Unit tests for catalog.c: repository patterns and the listings they are
 * matched against. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api.h"
#include "catalog.h"
#include "util.h"
#include "fake_fetch.h"

#define CLOUD "https://api.bitbucket.org/2.0"
#define DC "https://bb.example.com/rest/api/latest"

/* ---- catalog_match ------------------------------------------------------ */

static void test_match_star(void **state)
{
    (void)state;
    assert_true(catalog_match("*", "web"));
    assert_true(catalog_match("*", ""));
    assert_true(catalog_match("web-*", "web-"));
    assert_true(catalog_match("web-*", "web-app"));
    assert_false(catalog_match("web-*", "web"));
    assert_false(catalog_match("web-*", "api-web-app"));
    assert_true(catalog_match("*-app", "web-app"));
    assert_true(catalog_match("*web*", "my-web-app"));
    assert_true(catalog_match("*", ".hidden"));
}

static void test_match_question(void **state)
{
    (void)state;
    assert_true(catalog_match("we?", "web"));
    assert_false(catalog_match("we?", "we"));
    assert_false(catalog_match("we?", "webs"));
    assert_true(catalog_match("a?c?e", "abcde"));
}

static void test_match_bracket(void **state)
{
    (void)state;
    assert_true(catalog_match("[a-c]pi", "api"));
    assert_true(catalog_match("[a-c]pi", "cpi"));
    assert_false(catalog_match("[a-c]pi", "dpi"));
    assert_true(catalog_match("api-[0-9]", "api-7"));
    assert_false(catalog_match("api-[0-9]", "api-x"));
    assert_true(catalog_match("[!a]pi", "bpi"));
    assert_false(catalog_match("[!a]pi", "api"));
}

static void test_match_case_insensitive(void **state)
{
    (void)state;
    assert_true(catalog_match("WEB-*", "web-app"));
    assert_true(catalog_match("web-*", "Web-App"));
    assert_true(catalog_match("[A-C]PI", "api"));
    assert_true(catalog_match("Api", "aPI"));
    assert_false(catalog_match("api", "apis"));
}

/* ---- catalog_repos ------------------------------------------------------ */

static struct fake_server srv;

static int setup_srv(void **state)
{
    (void)state;
    fake_reset(&srv);
    return 0;
}

#define REPOS_ALL CLOUD "/repositories/acme?pagelen=100&sort=slug&fields=next%2Cvalues.slug%2Cvalues.project.key"
#define REPOS_PROJ REPOS_ALL "&q=project.key%3D%22PROJ%22"

static void test_repos_listed_once_and_sorted(void **state)
{
    (void)state;
    const char *p2 = CLOUD "/repositories/acme?page=2&pagelen=100";
    static char b1[512];
    snprintf(b1, sizeof b1,
             "{\"values\":[{\"slug\":\"web\",\"project\":{\"key\":\"PROJ\"}},"
             "{\"slug\":\"api\",\"project\":{\"key\":\"PROJ\"}}],\"next\":\"%s\"}", p2);
    fake_add(&srv, REPOS_PROJ, 200, b1);
    fake_add(&srv, p2, 200, "{\"values\":[{\"slug\":\"core\"},{\"name\":\"no slug\"}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_cloud, CLOUD);
    char *const *slugs = NULL;
    size_t n = 0;
    struct pager_error err;
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(slugs[0], "api");
    assert_string_equal(slugs[1], "core");
    assert_string_equal(slugs[2], "web");
    /* the same listing again, in another case: from memory */
    assert_int_equal(catalog_repos(c, "ACME", "proj", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(srv.calls, 2);
    unsigned long lists, pages;
    catalog_stats(c, &lists, &pages);
    assert_int_equal(lists, 1);
    assert_int_equal(pages, 2);
    assert_int_equal(srv.unknown, 0);
    catalog_free(c);
}

static void test_repos_workspace_wide_is_another_listing(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_ALL, 200, "{\"values\":[{\"slug\":\"b\"},{\"slug\":\"a\"}]}");
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[{\"slug\":\"a\"}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_cloud, CLOUD);
    char *const *slugs;
    size_t n;
    struct pager_error err;
    assert_int_equal(catalog_repos(c, "acme", NULL, &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(slugs[0], "a");
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fake_calls(&srv, REPOS_ALL), 1);
    assert_int_equal(fake_calls(&srv, REPOS_PROJ), 1);
    catalog_free(c);
}

static void test_repos_failure_is_kept(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_PROJ, 403, "Forbidden");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_cloud, CLOUD);
    char *const *slugs;
    size_t n;
    struct pager_error err;
    for (int i = 0; i < 3; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), -1);
        assert_int_equal(err.status, 403);
        assert_string_equal(err.msg, "Forbidden");
    }
    assert_int_equal(srv.calls, 1);
    catalog_free(c);
}

static void test_repos_cancelled_is_not_kept(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[{\"slug\":\"a\"}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_cloud, CLOUD);
    char *const *slugs;
    size_t n;
    struct pager_error err;
    srv.cancel = 1;
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), -1);
    assert_int_equal(err.cancelled, 1);
    srv.cancel = 0;
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 1);
    catalog_free(c);
}

static void test_repos_datacenter(void **state)
{
    (void)state;
    fake_add(&srv, DC "/projects/PRJ/repos?limit=1000", 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":["
             "{\"slug\":\"zeta\",\"project\":{\"key\":\"PRJ\"}},{\"slug\":\"api\",\"project\":{\"key\":\"PRJ\"}}]}");
    fake_add(&srv, DC "/projects/PRJ/repos?limit=1000&start=2", 200,
             "{\"start\":2,\"isLastPage\":true,\"values\":[{\"slug\":\"mid\",\"project\":{\"key\":\"PRJ\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_datacenter, DC);
    char *const *slugs;
    size_t n;
    struct pager_error err;
    assert_int_equal(catalog_repos(c, "", "PRJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(slugs[0], "api");
    assert_string_equal(slugs[1], "mid");
    assert_string_equal(slugs[2], "zeta");
    assert_int_equal(srv.unknown, 0);
    catalog_free(c);
}

static void test_repos_empty_listing(void **state)
{
    (void)state;
    /* a project without repositories: an empty list, not an error */
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct catalog *c = catalog_new(&api_cloud, CLOUD);
    char *const *slugs = NULL;
    size_t n = 99;
    struct pager_error err;
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(catalog_repos(c, "acme", "PROJ", &f, &slugs, &n, &err), 0);
    assert_int_equal(srv.calls, 1);
    catalog_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_star),
        cmocka_unit_test(test_match_question),
        cmocka_unit_test(test_match_bracket),
        cmocka_unit_test(test_match_case_insensitive),
        cmocka_unit_test_setup(test_repos_listed_once_and_sorted, setup_srv),
        cmocka_unit_test_setup(test_repos_workspace_wide_is_another_listing, setup_srv),
        cmocka_unit_test_setup(test_repos_cancelled_is_not_kept, setup_srv),
        cmocka_unit_test_setup(test_repos_datacenter, setup_srv),
        /* last: under UBSan these two stop the binary (qsort of NULL, see
         * catalog.c) and every test after them would count as failed */
        cmocka_unit_test_setup(test_repos_empty_listing, setup_srv),
        cmocka_unit_test_setup(test_repos_failure_is_kept, setup_srv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
