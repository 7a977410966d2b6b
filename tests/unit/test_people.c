/* Unit tests for people.c: emails resolved to accounts in batches, through
 * a fake members endpoint. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "people.h"
#include "util.h"
#include "fake_fetch.h"

#define CLOUD "https://api.bitbucket.org/2.0"

static struct fake_server srv;

static int setup_srv(void **state)
{
    (void)state;
    fake_reset(&srv);
    return 0;
}

/* The members URL for a list of addresses, as the batch sends them. */
static const char *members_url(const char *ws, const char *const *emails, unsigned n)
{
    static char out[4096];
    struct buf b = {0};
    buf_adds(&b, CLOUD);
    api_members_by_email(&b, ws, emails, n);
    snprintf(out, sizeof out, "%s", b.data);
    buf_free(&b);
    return out;
}

static int resolve(struct people *p, const char *ws, const char *email, const struct pager_fetch *f,
                   char *out, size_t outsz, struct pager_error *err)
{
    return people_resolve(p, ws, strlen(ws), email, strlen(email), f, out, outsz, NULL, 0, err);
}

static void test_batch_of_noted_addresses(void **state)
{
    (void)state;
    const char *batch[] = {"a@x.com", "b@y.com", "c@x.com"};
    fake_add(&srv, members_url("acme", batch, 3), 200,
             "{\"values\":["
             "{\"type\":\"workspace_membership\",\"user\":{\"email\":\"a@x.com\",\"account_id\":\"557058:a\",\"uuid\":\"{ua}\"}},"
             "{\"type\":\"workspace_membership\",\"user\":{\"email\":\"B@Y.com\",\"uuid\":\"{ub}\"}}"
             "]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct people *p = people_new(&api_cloud, CLOUD);
    people_note(p, "acme", 4, "a@x.com", 7);
    people_note(p, "acme", 4, "B@y.com", 7);
    people_note(p, "acme", 4, "c@x.com", 7);
    people_note(p, "ACME", 4, "A@X.COM", 7);     /* the same address again */
    people_reader_waiting(p, 1);

    char acct[128];
    struct pager_error err;
    assert_int_equal(resolve(p, "acme", "a@x.com", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "557058:a");
    assert_int_equal(srv.calls, 1);
    assert_int_equal(srv.unknown, 0);
    /* the rest came with the same query */
    assert_int_equal(resolve(p, "acme", "b@y.com", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "{ub}");
    assert_int_equal(resolve(p, "Acme", "C@x.com", &f, acct, sizeof acct, &err), 1);
    assert_int_equal(resolve(p, "acme", "A@x.COM", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "557058:a");
    assert_int_equal(srv.calls, 1);
    unsigned long lookups, addresses;
    people_stats(p, &lookups, &addresses);
    assert_int_equal(lookups, 1);
    assert_int_equal(addresses, 3);
    people_free(p);
}

static void test_unnoted_address_alone(void **state)
{
    (void)state;
    const char *one[] = {"z@x.com"};
    fake_add(&srv, members_url("acme", one, 1), 200,
             "{\"values\":[{\"user\":{\"email\":\"z@x.com\",\"account_id\":\"557058:z\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct people *p = people_new(&api_cloud, CLOUD);
    people_reader_waiting(p, 1);
    char acct[64];
    struct pager_error err;
    assert_int_equal(resolve(p, "acme", "z@x.com", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "557058:z");
    assert_int_equal(srv.calls, 1);
    assert_int_equal(srv.unknown, 0);
    people_free(p);
}

static void test_workspaces_apart(void **state)
{
    (void)state;
    const char *e[] = {"a@x.com"};
    fake_add(&srv, members_url("one", e, 1), 200,
             "{\"values\":[{\"user\":{\"email\":\"a@x.com\",\"account_id\":\"557058:1\"}}]}");
    fake_add(&srv, members_url("two", e, 1), 200, "{\"values\":[]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct people *p = people_new(&api_cloud, CLOUD);
    people_note(p, "one", 3, "a@x.com", 7);
    people_note(p, "two", 3, "a@x.com", 7);
    people_reader_waiting(p, 1);
    char acct[64];
    struct pager_error err;
    assert_int_equal(resolve(p, "one", "a@x.com", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "557058:1");
    /* a member of one workspace is not one of another */
    assert_int_equal(resolve(p, "two", "a@x.com", &f, acct, sizeof acct, &err), 1);
    assert_int_equal(srv.calls, 2);
    assert_int_equal(srv.unknown, 0);
    people_free(p);
}

static void test_failed_query_reported_once(void **state)
{
    (void)state;
    const char *batch[] = {"a@x.com", "b@x.com"};
    fake_add(&srv, members_url("acme", batch, 2), 403,
             "Only workspace admins may filter members by email");
    struct pager_fetch f = fake_fetcher(&srv);
    struct people *p = people_new(&api_cloud, CLOUD);
    people_note(p, "acme", 4, "a@x.com", 7);
    people_note(p, "acme", 4, "b@x.com", 7);
    people_reader_waiting(p, 1);
    char acct[64];
    struct pager_error err;
    assert_int_equal(resolve(p, "acme", "a@x.com", &f, acct, sizeof acct, &err), -1);
    assert_int_equal(err.status, 403);
    assert_int_equal(err.cancelled, 0);
    assert_non_null(strstr(err.msg, "admins"));
    memset(&err, 0, sizeof err);
    assert_int_equal(resolve(p, "acme", "b@x.com", &f, acct, sizeof acct, &err), -1);
    assert_int_equal(err.status, 403);
    assert_int_equal(srv.calls, 1);
    people_free(p);
}

static void test_cancelled_query_asked_again(void **state)
{
    (void)state;
    const char *one[] = {"a@x.com"};
    fake_add(&srv, members_url("acme", one, 1), 200,
             "{\"values\":[{\"user\":{\"email\":\"a@x.com\",\"account_id\":\"557058:a\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct people *p = people_new(&api_cloud, CLOUD);
    people_reader_waiting(p, 1);
    char acct[64];
    struct pager_error err;
    srv.cancel = 1;
    assert_int_equal(resolve(p, "acme", "a@x.com", &f, acct, sizeof acct, &err), -1);
    assert_int_equal(err.cancelled, 1);
    srv.cancel = 0;
    assert_int_equal(resolve(p, "acme", "a@x.com", &f, acct, sizeof acct, &err), 0);
    assert_string_equal(acct, "557058:a");
    assert_int_equal(srv.calls, 2);
    people_free(p);
}

/* Any members URL: an empty page; the URLs are kept. */
struct any {
    unsigned calls;
    unsigned emails[8];         /* addresses in each query */
};

static int any_fetch(void *ctx, const char *url, const char **body, size_t *len,
                     struct pager_error *err)
{
    (void)err;
    struct any *a = ctx;
    unsigned n = 0;
    for (const char *s = url; (s = strstr(s, "%40")); s++)
        n++;
    if (a->calls < 8)
        a->emails[a->calls] = n;
    a->calls++;
    *body = "{\"values\":[]}";
    *len = strlen(*body);
    return 0;
}

static void test_batches_hold_at_most_the_limit(void **state)
{
    (void)state;
    struct any a = {0};
    struct pager_fetch f = {.fn = any_fetch, .ctx = &a};
    struct people *p = people_new(&api_cloud, CLOUD);
    enum { N = API_EMAILS_PER_QUERY + 5 };
    char emails[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(emails[i], sizeof emails[i], "u%d@x.com", i);
        people_note(p, "acme", 4, emails[i], strlen(emails[i]));
    }
    people_reader_waiting(p, 1);
    char acct[64];
    struct pager_error err;
    for (int i = 0; i < N; i++)
        assert_int_equal(resolve(p, "acme", emails[i], &f, acct, sizeof acct, &err), 1);
    assert_int_equal(a.calls, 2);
    assert_int_equal(a.emails[0], API_EMAILS_PER_QUERY);
    assert_int_equal(a.emails[1], 5);
    unsigned long lookups, addresses;
    people_stats(p, &lookups, &addresses);
    assert_int_equal(lookups, 2);
    assert_int_equal(addresses, N);
    people_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_batch_of_noted_addresses, setup_srv),
        cmocka_unit_test_setup(test_unnoted_address_alone, setup_srv),
        cmocka_unit_test_setup(test_workspaces_apart, setup_srv),
        cmocka_unit_test_setup(test_failed_query_reported_once, setup_srv),
        cmocka_unit_test_setup(test_cancelled_query_asked_again, setup_srv),
        cmocka_unit_test(test_batches_hold_at_most_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
