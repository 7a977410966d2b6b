/* Unit tests for pager.c and the flavours' next_page: walking paginated
 * lists through a fake server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "pager.h"
#include "util.h"
#include "fake_fetch.h"

static struct fake_server srv;

static int setup_srv(void **state)
{
    (void)state;
    fake_reset(&srv);
    return 0;
}

/* Collects the "id" of every item it is handed; stops at stop_at. */
struct collect {
    char ids[64][32];
    unsigned n;
    const char *stop_at;
};

static int on_item(void *ctx, const cJSON *item)
{
    struct collect *c = ctx;
    const char *id = api_json_string(item, "id");
    assert_true(c->n < 64);
    snprintf(c->ids[c->n++], sizeof c->ids[0], "%s", id ? id : "?");
    return c->stop_at && id && !strcmp(id, c->stop_at);
}

static int walk(const struct api_ops *ops, const char *first, struct collect *c,
                unsigned *pages, struct pager_error *err)
{
    struct pager_fetch f = fake_fetcher(&srv);
    memset(err, 0, sizeof *err);
    return pager_walk(ops, first, &f, on_item, c, pages, err);
}

/* ---- Cloud -------------------------------------------------------------- */

#define C1 "https://api.bitbucket.org/2.0/repositories/acme?pagelen=100"

static void test_cloud_single_page(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"pagelen\":100,\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    struct collect c = {0};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ids[0], "a");
    assert_string_equal(c.ids[1], "b");
    assert_int_equal(pages, 1);
    assert_int_equal(srv.calls, 1);
    assert_int_equal(err.status, 0);
}

static void test_cloud_next_null_and_empty_values_end(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"values\":[],\"next\":null}");
    struct collect c = {0};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(pages, 1);
}

static void test_cloud_next_followed_verbatim(void **state)
{
    (void)state;
    /* opaque tokens: encoded characters, odd order, another path: as given */
    const char *p2 = "https://api.bitbucket.org/2.0/repositories/acme?page=ZXlKaElqb3hmUT09%3D%3D&pagelen=100";
    const char *p3 = "https://api.bitbucket.org/2.0/repositories/acme?pagelen=100&after=a%2Fb%2Bc%20d&page=3";
    static char b1[512], b2[512];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", p2);
    snprintf(b2, sizeof b2, "{\"values\":[{\"id\":\"2\"}],\"next\":\"%s\",\"page\":2}", p3);
    fake_add(&srv, C1, 200, b1);
    fake_add(&srv, p2, 200, b2);
    fake_add(&srv, p3, 200, "{\"values\":[{\"id\":\"3\"}]}");
    struct collect c = {0};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.ids[2], "3");
    assert_int_equal(pages, 3);
    assert_int_equal(srv.unknown, 0);
    assert_string_equal(srv.log[1], p2);
    assert_string_equal(srv.log[2], p3);
}

static void test_cloud_pages_counter_adds(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"values\":[{\"id\":\"1\"}]}");
    struct collect c = {0};
    unsigned pages = 5;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), 0);
    assert_int_equal(pages, 6);
    /* NULL: not counted, no crash */
    c.n = 0;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), 0);
    assert_int_equal(c.n, 1);
}

static void test_cloud_page_naming_itself_is_error(void **state)
{
    (void)state;
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", C1);
    fake_add(&srv, C1, 200, b1);
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 1);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(err.cancelled, 0);
}

static void test_cloud_non_json_page_is_error(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "<html><head><title>Sign in</title></head></html>");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "JSON"));
    assert_int_equal(c.n, 0);
}

static void test_page_without_values_is_error(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"type\":\"paginated\",\"size\":0}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    fake_reset(&srv);
    fake_add(&srv, C1, 200, "{\"values\":{\"id\":\"1\"}}");
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    fake_reset(&srv);
    fake_add(&srv, C1, 200, "[{\"id\":\"1\"}]");
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
}

static void test_cloud_bad_next_is_error(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"values\":[],\"next\":42}",
        "{\"values\":[],\"next\":\"\"}",
        "{\"values\":[],\"next\":\"/repositories/acme?page=2\"}",     /* not absolute */
        "{\"values\":[],\"next\":\"ftp://api.bitbucket.org/2.0/x\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fake_reset(&srv);
        fake_add(&srv, C1, 200, bad[i]);
        struct collect c = {0};
        struct pager_error err;
        if (walk(&api_cloud, C1, &c, NULL, &err) != -1)
            fail_msg("page %s was accepted", bad[i]);
        assert_int_equal(srv.calls, 1);
    }
}

static void test_cloud_https_to_http_refused(void **state)
{
    (void)state;
    const char *down = "http://api.bitbucket.org/2.0/repositories/acme?page=2";
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", down);
    fake_add(&srv, C1, 200, b1);
    fake_add(&srv, down, 200, "{\"values\":[{\"id\":\"2\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    /* the credentials never went over plain http */
    assert_int_equal(fake_calls(&srv, down), 0);
    assert_int_equal(srv.calls, 1);
}

static void test_cloud_http_loopback_pages(void **state)
{
    (void)state;
    /* a test server on loopback over plain http names http pages of its
     * own origin */
    const char *first = "http://127.0.0.1:8080/2.0/repositories/acme?pagelen=100";
    const char *p2 = "http://127.0.0.1:8080/2.0/repositories/acme?page=2";
    const char *p3 = "http://127.0.0.1:8080/2.0/repositories/acme?page=3";
    static char b1[256], b2[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", p2);
    snprintf(b2, sizeof b2, "{\"values\":[{\"id\":\"2\"}],\"next\":\"%s\"}", p3);
    fake_add(&srv, first, 200, b1);
    fake_add(&srv, p2, 200, b2);
    fake_add(&srv, p3, 200, "{\"values\":[{\"id\":\"3\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, first, &c, NULL, &err), 0);
    assert_int_equal(c.n, 3);
}

static void test_cloud_next_to_other_origin_refused(void **state)
{
    (void)state;
    /* credentials go with every request: a next page on another host, port
     * or scheme is not followed */
    const char *first = "https://api.bitbucket.org/2.0/repositories/acme?pagelen=100";
    const char *others[] = {"https://evil.example/2.0/repositories/acme?page=2",
                            "https://api.bitbucket.org:8443/2.0/repositories/acme?page=2",
                            "http://api.bitbucket.org/2.0/repositories/acme?page=2"};
    for (unsigned i = 0; i < 3; i++) {
        static char b1[256];
        snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", others[i]);
        fake_reset(&srv);
        fake_add(&srv, first, 200, b1);
        struct collect c = {0};
        struct pager_error err;
        assert_int_equal(walk(&api_cloud, first, &c, NULL, &err), -1);
        assert_int_equal(srv.calls, 1);
    }
}

static void test_cloud_next_loopback_alias(void **state)
{
    (void)state;
    /* a server on loopback may name itself localhost where the client said
     * 127.0.0.1: the same port on loopback is the same place */
    const char *first = "http://127.0.0.1:8080/2.0/repositories/acme?pagelen=100";
    const char *p2 = "http://localhost:8080/2.0/repositories/acme?page=tok";
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", p2);
    fake_add(&srv, first, 200, b1);
    fake_add(&srv, p2, 200, "{\"values\":[{\"id\":\"2\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, first, &c, NULL, &err), 0);
    assert_int_equal(c.n, 2);
    /* but not another port, nor a host that is not loopback */
    const char *others[] = {"http://localhost:8081/2.0/repositories/acme?page=tok",
                            "http://example.com:8080/2.0/repositories/acme?page=tok"};
    for (unsigned i = 0; i < 2; i++) {
        snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", others[i]);
        fake_reset(&srv);
        fake_add(&srv, first, 200, b1);
        assert_int_equal(walk(&api_cloud, first, &c, NULL, &err), -1);
    }
}

static void test_fetch_failure_keeps_status(void **state)
{
    (void)state;
    const char *p2 = "https://api.bitbucket.org/2.0/repositories/acme?page=2";
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", p2);
    fake_add(&srv, C1, 200, b1);
    fake_add(&srv, p2, 403, "Forbidden");
    struct collect c = {0};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), -1);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.msg, "Forbidden");
    assert_int_equal(c.n, 1);
    assert_int_equal(pages, 1);         /* the failed page is not counted */
}

static void test_fetch_cancelled_is_reported(void **state)
{
    (void)state;
    srv.cancel = 1;
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_int_equal(err.cancelled, 1);
}

static void test_item_callback_stops_walk(void **state)
{
    (void)state;
    const char *p2 = "https://api.bitbucket.org/2.0/repositories/acme?page=2";
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"},{\"id\":\"2\"},{\"id\":\"3\"}],\"next\":\"%s\"}", p2);
    fake_add(&srv, C1, 200, b1);
    fake_add(&srv, p2, 200, "{\"values\":[{\"id\":\"4\"}]}");
    struct collect c = {.stop_at = "2"};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, &pages, &err), 1);
    assert_int_equal(c.n, 2);           /* "3" was not handed over */
    assert_int_equal(pages, 1);
    assert_int_equal(fake_calls(&srv, p2), 0);
}

/* ---- Data Center -------------------------------------------------------- */

#define D1 "https://bb.example.com/rest/api/latest/projects?limit=1000"

static void test_dc_start_limit_paging(void **state)
{
    (void)state;
    /* the server clamps limit to 2 and says where the next page starts */
    fake_add(&srv, D1, 200,
             "{\"size\":2,\"limit\":2,\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,"
             "\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    fake_add(&srv, D1 "&start=2", 200,
             "{\"size\":2,\"limit\":2,\"start\":2,\"isLastPage\":false,\"nextPageStart\":4,"
             "\"values\":[{\"id\":\"c\"},{\"id\":\"d\"}]}");
    fake_add(&srv, D1 "&start=4", 200,
             "{\"size\":1,\"limit\":2,\"start\":4,\"isLastPage\":true,\"values\":[{\"id\":\"e\"}]}");
    struct collect c = {0};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, &pages, &err), 0);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.ids[4], "e");
    assert_int_equal(pages, 3);
    assert_int_equal(srv.unknown, 0);
    /* every page is built from the first URL, not from the one before */
    assert_string_equal(srv.log[2], D1 "&start=4");
}

static void test_dc_first_url_without_query(void **state)
{
    (void)state;
    const char *first = "https://bb.example.com/rest/api/latest/projects";
    fake_add(&srv, first, 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":25,\"values\":[{\"id\":\"a\"}]}");
    fake_add(&srv, "https://bb.example.com/rest/api/latest/projects?start=25", 200,
             "{\"start\":25,\"isLastPage\":true,\"values\":[{\"id\":\"b\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, first, &c, NULL, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(srv.unknown, 0);
}

static void test_dc_next_start_not_moving_is_error(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":0,\"values\":[{\"id\":\"a\"}]}",
        "{\"start\":10,\"isLastPage\":false,\"nextPageStart\":5,\"values\":[{\"id\":\"a\"}]}",
        "{\"start\":0,\"isLastPage\":false,\"values\":[{\"id\":\"a\"}]}",           /* no nextPageStart */
        "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":-3,\"values\":[]}",
        "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":\"25\",\"values\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fake_reset(&srv);
        fake_add(&srv, D1, 200, bad[i]);
        struct collect c = {0};
        struct pager_error err;
        if (walk(&api_datacenter, D1, &c, NULL, &err) != -1)
            fail_msg("page %s was accepted", bad[i]);
        assert_int_equal(srv.calls, 1);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_dc_second_page_not_moving_is_error(void **state)
{
    (void)state;
    fake_add(&srv, D1, 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":[{\"id\":\"a\"}]}");
    fake_add(&srv, D1 "&start=2", 200,
             "{\"start\":2,\"isLastPage\":false,\"nextPageStart\":2,\"values\":[{\"id\":\"b\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 2);
}

static void test_dc_non_json_page_is_error(void **state)
{
    (void)state;
    fake_add(&srv, D1, 200, "Bitbucket is starting up");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "JSON"));
}

static void test_dc_callback_stops_walk(void **state)
{
    (void)state;
    fake_add(&srv, D1, 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":1,\"values\":[{\"id\":\"a\"}]}");
    fake_add(&srv, D1 "&start=1", 200,
             "{\"start\":1,\"isLastPage\":false,\"nextPageStart\":2,\"values\":[{\"id\":\"b\"}]}");
    fake_add(&srv, D1 "&start=2", 200,
             "{\"start\":2,\"isLastPage\":true,\"values\":[{\"id\":\"c\"}]}");
    struct collect c = {.stop_at = "b"};
    unsigned pages = 0;
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, &pages, &err), 1);
    assert_int_equal(c.n, 2);
    assert_int_equal(pages, 2);
    assert_int_equal(fake_calls(&srv, D1 "&start=2"), 0);
}

/* ---- a hostile or broken server ----------------------------------------- */

static void test_next_with_user_info_refused(void **state)
{
    (void)state;
    /* a hand-written split stops at the first ':' and sees host 127.0.0.1
     * and port 8080; libcurl connects to 127.0.0.2:8081 */
    const char *first = "http://127.0.0.1:8080/2.0/repositories/acme?pagelen=100";
    const char *others[] = {"http://127.0.0.1:8080@127.0.0.2:8081/2.0/repositories/acme?page=2",
                            "http://user:pw@127.0.0.1:8080/2.0/repositories/acme?page=2",
                            "http://user@127.0.0.1:8080/2.0/repositories/acme?page=2",
                            "http://:pw@127.0.0.1:8080/2.0/repositories/acme?page=2",
                            "http://0127.0.0.1:8080/2.0/repositories/acme?page=2"};
    for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (api_same_origin(first, others[i]))
            fail_msg("'%s' passed as the origin of '%s'", others[i], first);
    }
    assert_true(api_same_origin(first, "http://127.0.0.1:8080/2.0/x?page=2"));
    /* libcurl reads 0x7f.0.0.1 as 127.0.0.1, and connects there too */
    assert_true(api_same_origin(first, "http://0x7f.0.0.1:8080/2.0/x?page=2"));
    assert_true(api_same_origin("https://h.example/2.0/x", "https://H.EXAMPLE:443/2.0/x?page=2"));
    assert_false(api_same_origin("https://h.example/2.0/x", "https://h.example:444/2.0/x?page=2"));
    assert_true(api_same_origin("http://[::1]:9/x", "http://localhost:9/x?page=2"));
    assert_false(api_same_origin("http://[::1]:9/x", "http://[::2]:9/x?page=2"));
    /* a page that names such a next is not followed */
    static char b1[256];
    snprintf(b1, sizeof b1, "{\"values\":[{\"id\":\"1\"}],\"next\":\"%s\"}", others[0]);
    fake_add(&srv, first, 200, b1);
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, first, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 1);
}

#define CP(n) "https://api.bitbucket.org/2.0/repositories/acme?page=" n

static void test_cloud_loop_back_to_seen_page(void **state)
{
    (void)state;
    /* A -> B -> A: the walk stops before fetching A again */
    fake_add(&srv, C1, 200, "{\"values\":[{\"id\":\"a\"}],\"next\":\"" CP("b") "\"}");
    fake_add(&srv, CP("b"), 200, "{\"values\":[{\"id\":\"b\"}],\"next\":\"" C1 "\"}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 2);
    assert_non_null(strstr(err.msg, "already"));
}

static void test_cloud_page_number_not_advancing(void **state)
{
    (void)state;
    /* a next that changes only a dummy parameter, page 1 again */
    fake_add(&srv, C1, 200, "{\"page\":1,\"values\":[{\"id\":\"a\"}],\"next\":\"" CP("1&x=1") "\"}");
    fake_add(&srv, CP("1&x=1"), 200, "{\"page\":1,\"values\":[{\"id\":\"a\"}],\"next\":\"" CP("1&x=2") "\"}");
    fake_add(&srv, CP("1&x=2"), 200, "{\"page\":1,\"values\":[{\"id\":\"a\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 2);
    assert_non_null(strstr(err.msg, "does not advance"));
}

static void test_empty_page_with_next_is_error(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"values\":[],\"next\":\"" CP("2") "\"}");
    fake_add(&srv, CP("2"), 200, "{\"values\":[]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 1);
    assert_non_null(strstr(err.msg, "empty"));
}

static void test_dc_page_claiming_earlier_start(void **state)
{
    (void)state;
    /* page 2 says it starts at 0 again and names 1 as the next: the walk
     * would go back and forth between start=1 and start=2 for ever */
    fake_add(&srv, D1, 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":[{\"id\":\"a\"}]}");
    fake_add(&srv, D1 "&start=2", 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":1,\"values\":[{\"id\":\"b\"}]}");
    fake_add(&srv, D1 "&start=1", 200,
             "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":[{\"id\":\"c\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 2);
    assert_int_equal(fake_calls(&srv, D1 "&start=1"), 0);
}

static void test_dc_empty_page_not_last_is_error(void **state)
{
    (void)state;
    fake_add(&srv, D1, 200, "{\"start\":0,\"isLastPage\":false,\"nextPageStart\":25,\"values\":[]}");
    fake_add(&srv, D1 "&start=25", 200, "{\"start\":25,\"isLastPage\":true,\"values\":[]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, NULL, &err), -1);
    assert_int_equal(srv.calls, 1);
}

/* ---- next_page on its own ----------------------------------------------- */

static int next_of(const struct api_ops *ops, const char *page, const char *first,
                   const char *url, struct buf *next)
{
    cJSON *p = cJSON_Parse(page);
    assert_non_null(p);
    next->len = 0;
    int rc = ops->next_page(p, first, url, next);
    cJSON_Delete(p);
    return rc;
}


/* ---- a list that ends before the count it gives ------------------------ */

static void test_cloud_list_shorter_than_size_is_error(void **state)
{
    (void)state;
    /* size says 3; one page of 2 and no next */
    fake_add(&srv, C1, 200, "{\"pagelen\":100,\"size\":3,\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "ended after 2 of the 3"));
}

static void test_cloud_next_missing_before_size_is_error(void **state)
{
    (void)state;
    /* the first page says 5 and names a next; the second ends without one at 4 */
    fake_add(&srv, C1, 200,
             "{\"pagelen\":2,\"size\":5,\"page\":1,\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
             "\"next\":\"" C1 "&page=2\"}");
    fake_add(&srv, C1 "&page=2", 200,
             "{\"pagelen\":2,\"size\":4,\"page\":2,\"values\":[{\"id\":\"c\"},{\"id\":\"d\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "ended after 4 of the 5"));
}

static void test_cloud_list_as_long_as_size(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"pagelen\":100,\"size\":2,\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), 0);
    assert_int_equal(c.n, 2);
}

static void test_cloud_stopped_walk_is_not_short(void **state)
{
    (void)state;
    fake_add(&srv, C1, 200, "{\"pagelen\":100,\"size\":9,\"values\":[{\"id\":\"a\"}],"
                            "\"next\":\"" C1 "&page=2\"}");
    struct collect c = {.stop_at = "a"};
    struct pager_error err;
    assert_int_equal(walk(&api_cloud, C1, &c, NULL, &err), 1);
}

static void test_dc_page_shorter_than_size_is_error(void **state)
{
    (void)state;
    fake_add(&srv, D1, 200,
             "{\"size\":3,\"limit\":25,\"start\":0,\"isLastPage\":true,"
             "\"values\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    struct collect c = {0};
    struct pager_error err;
    assert_int_equal(walk(&api_datacenter, D1, &c, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "says it holds 3 items but has 2"));
}

static void test_next_page_direct(void **state)
{
    (void)state;
    struct buf next = {0};
    buf_adds(&next, "stale");
    assert_int_equal(next_of(&api_cloud, "{\"values\":[],\"next\":\"https://h/x?page=2\"}",
                             "https://h/x", "https://h/x", &next), 1);
    assert_string_equal(next.data, "https://h/x?page=2");
    assert_int_equal(next_of(&api_cloud, "{\"values\":[]}", "https://h/x", "https://h/x", &next), 0);
    assert_int_equal(next_of(&api_cloud, "{\"next\":\"https://h/x?page=2\"}", "https://h/x",
                             "https://h/x", &next), -1);
    assert_int_equal(next_of(&api_datacenter,
                             "{\"values\":[],\"start\":0,\"isLastPage\":false,\"nextPageStart\":1000}",
                             "https://h/rest/api/latest/projects?limit=1000",
                             "https://h/rest/api/latest/projects?limit=1000", &next), 1);
    assert_string_equal(next.data, "https://h/rest/api/latest/projects?limit=1000&start=1000");
    assert_int_equal(next_of(&api_datacenter, "{\"values\":[],\"isLastPage\":true}",
                             "https://h/p", "https://h/p", &next), 0);
    buf_free(&next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cloud_single_page, setup_srv),
        cmocka_unit_test_setup(test_cloud_list_shorter_than_size_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_next_missing_before_size_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_list_as_long_as_size, setup_srv),
        cmocka_unit_test_setup(test_cloud_stopped_walk_is_not_short, setup_srv),
        cmocka_unit_test_setup(test_dc_page_shorter_than_size_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_next_null_and_empty_values_end, setup_srv),
        cmocka_unit_test_setup(test_cloud_next_followed_verbatim, setup_srv),
        cmocka_unit_test_setup(test_cloud_pages_counter_adds, setup_srv),
        cmocka_unit_test_setup(test_cloud_page_naming_itself_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_non_json_page_is_error, setup_srv),
        cmocka_unit_test_setup(test_page_without_values_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_bad_next_is_error, setup_srv),
        cmocka_unit_test_setup(test_cloud_https_to_http_refused, setup_srv),
        cmocka_unit_test_setup(test_cloud_http_loopback_pages, setup_srv),
        cmocka_unit_test_setup(test_cloud_next_to_other_origin_refused, setup_srv),
        cmocka_unit_test_setup(test_cloud_next_loopback_alias, setup_srv),
        cmocka_unit_test_setup(test_fetch_failure_keeps_status, setup_srv),
        cmocka_unit_test_setup(test_fetch_cancelled_is_reported, setup_srv),
        cmocka_unit_test_setup(test_item_callback_stops_walk, setup_srv),
        cmocka_unit_test_setup(test_dc_start_limit_paging, setup_srv),
        cmocka_unit_test_setup(test_dc_first_url_without_query, setup_srv),
        cmocka_unit_test_setup(test_dc_next_start_not_moving_is_error, setup_srv),
        cmocka_unit_test_setup(test_dc_second_page_not_moving_is_error, setup_srv),
        cmocka_unit_test_setup(test_dc_non_json_page_is_error, setup_srv),
        cmocka_unit_test_setup(test_dc_callback_stops_walk, setup_srv),
        cmocka_unit_test(test_next_page_direct),
        cmocka_unit_test_setup(test_next_with_user_info_refused, setup_srv),
        cmocka_unit_test_setup(test_cloud_loop_back_to_seen_page, setup_srv),
        cmocka_unit_test_setup(test_cloud_page_number_not_advancing, setup_srv),
        cmocka_unit_test_setup(test_empty_page_with_next_is_error, setup_srv),
        cmocka_unit_test_setup(test_dc_page_claiming_earlier_start, setup_srv),
        cmocka_unit_test_setup(test_dc_empty_page_not_last_is_error, setup_srv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
