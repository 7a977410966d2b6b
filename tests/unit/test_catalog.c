/* Unit tests for catalog.c: repository patterns and the listings they are
 * matched against. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "api.h"
#include "catalog.h"
#include "util.h"
#include "fake_fetch.h"

#define CLOUD "https://api.bitbucket.org/2.0"
#define DC "https://bb.example.com/rest/api/latest"

/* ---- catalog_match ------------------------------------------------------ */

struct match_case {
    const char *pattern, *name;
    bool want;
};

static void check_matches(const struct match_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!catalog_match(c[i].pattern, c[i].name) != !c[i].want)
            fail_msg("catalog_match(\"%s\", \"%s\") is not %s", c[i].pattern, c[i].name,
                     c[i].want ? "true" : "false");
}

#define CHECK_MATCHES(cases) check_matches(cases, sizeof cases / sizeof *cases)

static void test_match_star(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"*", "web", true},
        {"*", "", true},
        {"web-*", "web-", true},
        {"web-*", "web-app", true},
        {"web-*", "web", false},
        {"web-*", "api-web-app", false},
        {"*-app", "web-app", true},
        {"*web*", "my-web-app", true},
        {"*", ".hidden", true},
    };
    CHECK_MATCHES(cases);
}

static void test_match_question(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"we?", "web", true},
        {"we?", "we", false},
        {"we?", "webs", false},
        {"a?c?e", "abcde", true},
    };
    CHECK_MATCHES(cases);
}

static void test_match_bracket(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"[a-c]pi", "api", true},
        {"[a-c]pi", "cpi", true},
        {"[a-c]pi", "dpi", false},
        {"api-[0-9]", "api-7", true},
        {"api-[0-9]", "api-x", false},
        {"[!a]pi", "bpi", true},
        {"[!a]pi", "api", false},
    };
    CHECK_MATCHES(cases);
}

static void test_match_case_insensitive(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"WEB-*", "web-app", true},
        {"web-*", "Web-App", true},
        {"[A-C]PI", "api", true},
        {"Api", "aPI", true},
        {"api", "apis", false},
    };
    CHECK_MATCHES(cases);
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

/* A catalog over the fake server, and what catalog_repos gave back. */
struct listing {
    struct pager_fetch f;
    struct catalog *c;
    char *const *slugs;
    size_t n;
    struct pager_error err;
};

static void listing_open(struct listing *x, const struct api_ops *api, const char *base)
{
    memset(x, 0, sizeof *x);
    x->f = fake_fetcher(&srv);
    x->c = catalog_new(api, base);
}

static int list_repos(struct listing *x, const char *ws, const char *project)
{
    memset(&x->err, 0, sizeof x->err);
    return catalog_repos(x->c, ws, project, &x->f, &x->slugs, &x->n, &x->err);
}

/* The slugs of the last listing, in order. */
static void assert_slugs(const struct listing *x, const char *const *want, size_t n)
{
    assert_int_equal(x->n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(x->slugs[i], want[i]);
}

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
    struct listing x;
    listing_open(&x, &api_cloud, CLOUD);
    assert_int_equal(list_repos(&x, "acme", "PROJ"), 0);
    static const char *const want[] = {"api", "core", "web"};
    assert_slugs(&x, want, 3);
    /* the same listing again, in another case: from memory */
    assert_int_equal(list_repos(&x, "ACME", "proj"), 0);
    assert_int_equal(x.n, 3);
    assert_int_equal(srv.calls, 2);
    unsigned long lists, pages;
    catalog_stats(x.c, &lists, &pages);
    assert_int_equal(lists, 1);
    assert_int_equal(pages, 2);
    assert_int_equal(srv.unknown, 0);
    catalog_free(x.c);
}

static void test_repos_workspace_wide_is_another_listing(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_ALL, 200, "{\"values\":[{\"slug\":\"b\"},{\"slug\":\"a\"}]}");
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[{\"slug\":\"a\"}]}");
    struct listing x;
    listing_open(&x, &api_cloud, CLOUD);
    assert_int_equal(list_repos(&x, "acme", NULL), 0);
    assert_int_equal(x.n, 2);
    assert_string_equal(x.slugs[0], "a");
    assert_int_equal(list_repos(&x, "acme", "PROJ"), 0);
    assert_int_equal(x.n, 1);
    assert_int_equal(fake_calls(&srv, REPOS_ALL), 1);
    assert_int_equal(fake_calls(&srv, REPOS_PROJ), 1);
    catalog_free(x.c);
}

static void test_repos_failure_is_kept(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_PROJ, 403, "Forbidden");
    struct listing x;
    listing_open(&x, &api_cloud, CLOUD);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(list_repos(&x, "acme", "PROJ"), -1);
        assert_int_equal(x.err.status, 403);
        assert_string_equal(x.err.msg, "Forbidden");
    }
    assert_int_equal(srv.calls, 1);
    catalog_free(x.c);
}

static void test_repos_cancelled_is_not_kept(void **state)
{
    (void)state;
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[{\"slug\":\"a\"}]}");
    struct listing x;
    listing_open(&x, &api_cloud, CLOUD);
    srv.cancel = 1;
    assert_int_equal(list_repos(&x, "acme", "PROJ"), -1);
    assert_int_equal(x.err.cancelled, 1);
    srv.cancel = 0;
    assert_int_equal(list_repos(&x, "acme", "PROJ"), 0);
    assert_int_equal(x.n, 1);
    catalog_free(x.c);
}

static void test_repos_datacenter(void **state)
{
    (void)state;
    fake_add(&srv, DC "/projects/PRJ/repos?limit=1000", 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":["
             "{\"slug\":\"zeta\",\"project\":{\"key\":\"PRJ\"}},{\"slug\":\"api\",\"project\":{\"key\":\"PRJ\"}}]}");
    fake_add(&srv, DC "/projects/PRJ/repos?limit=1000&start=2", 200,
             "{\"start\":2,\"isLastPage\":true,\"values\":[{\"slug\":\"mid\",\"project\":{\"key\":\"PRJ\"}}]}");
    struct listing x;
    listing_open(&x, &api_datacenter, DC);
    assert_int_equal(list_repos(&x, "", "PRJ"), 0);
    static const char *const want[] = {"api", "mid", "zeta"};
    assert_slugs(&x, want, 3);
    assert_int_equal(srv.unknown, 0);
    catalog_free(x.c);
}

static void test_repos_empty_listing(void **state)
{
    (void)state;
    /* a project without repositories: an empty list, not an error */
    fake_add(&srv, REPOS_PROJ, 200, "{\"values\":[]}");
    struct listing x;
    listing_open(&x, &api_cloud, CLOUD);
    x.n = 99;
    assert_int_equal(list_repos(&x, "acme", "PROJ"), 0);
    assert_int_equal(x.n, 0);
    assert_int_equal(list_repos(&x, "acme", "PROJ"), 0);
    assert_int_equal(srv.calls, 1);
    catalog_free(x.c);
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
