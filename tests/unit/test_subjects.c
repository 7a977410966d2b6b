/* Unit tests for subjects.c: whether Bitbucket knows a row's group or
 * user, through a fake server: Cloud's 1.0 groups list (read once per
 * workspace) and members/{id}; Data Center's searches, which match parts of
 * names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "subjects.h"
#include "util.h"
#include "fake_fetch.h"

#define CLOUD "https://api.bitbucket.org/2.0"
#define DC "https://bb.example.com/rest/api/latest"

static struct fake_server srv;

static int setup_srv(void **state)
{
    (void)state;
    fake_reset(&srv);
    return 0;
}

/* subjects_report's lines, joined with newlines */
static char said[4096];
static void say(void *ctx, const char *line)
{
    (void)ctx;
    size_t n = strlen(said);
    snprintf(said + n, sizeof said - n, "%s\n", line);
}

static struct request row(const char *ws, enum subject_kind kind)
{
    struct request r = {0};
    r.target = TARGET_REPO;
    r.subject = kind;
    r.workspace = ws;
    r.workspace_len = strlen(ws);
    r.target_name = "api";
    r.target_len = 3;
    return r;
}

static int check(struct subjects *s, const char *ws, enum subject_kind kind, const char *name)
{
    struct request r = row(ws, kind);
    struct pager_fetch f = fake_fetcher(&srv);
    return subjects_check(s, &r, name, strlen(name), &f);
}

static void test_cloud_groups_once_per_workspace(void **state)
{
    (void)state;
    fake_add(&srv, "https://api.bitbucket.org/1.0/groups/acme/", 200,
             "[{\"slug\":\"contractors\",\"name\":\"Contractors\",\"members\":[]},"
             "{\"slug\":\"developers\",\"members\":[{\"account_id\":\"557058:a\"}]}]");
    fake_add(&srv, "https://api.bitbucket.org/1.0/groups/globex/", 410, "Gone");
    struct subjects *s = subjects_new(&api_cloud, CLOUD);
    assert_int_equal(check(s, "acme", SUBJECT_GROUP, "contractors"), 1);
    assert_int_equal(check(s, "acme", SUBJECT_GROUP, "Developers"), 1);
    assert_int_equal(check(s, "acme", SUBJECT_GROUP, "contractrs"), 0);
    assert_int_equal(check(s, "ACME", SUBJECT_GROUP, "contractrs"), 0);
    assert_int_equal(fake_calls(&srv, "https://api.bitbucket.org/1.0/groups/acme/"), 1);
    /* gone: cannot tell, asked once, said once */
    assert_int_equal(check(s, "globex", SUBJECT_GROUP, "engineers"), -1);
    assert_int_equal(check(s, "globex", SUBJECT_GROUP, "auditors"), -1);
    assert_int_equal(srv.calls, 2);
    said[0] = '\0';
    subjects_report(s, say, NULL);
    assert_non_null(strstr(said, "plan could not check the groups"));
    assert_non_null(strstr(said, "410"));
    assert_null(strstr(said, "could not check the users"));
    assert_int_equal(strchr(said, '\n') - said + 1, (long)strlen(said));   /* one line */
    subjects_free(s);
}

static void test_cloud_member_by_id(void **state)
{
    (void)state;
    fake_add(&srv, CLOUD "/workspaces/acme/members/%7Baaaa%7D", 200,
             "{\"type\":\"workspace_membership\",\"user\":{\"uuid\":\"{aaaa}\"}}");
    fake_add(&srv, CLOUD "/workspaces/acme/members/557058%3Anobody", 404, "not a member");
    fake_add(&srv, CLOUD "/workspaces/acme/members/557058%3Aslow", 503, "try later");
    struct subjects *s = subjects_new(&api_cloud, CLOUD);
    assert_int_equal(check(s, "acme", SUBJECT_USER, "{aaaa}"), 1);
    assert_int_equal(check(s, "acme", SUBJECT_USER, "557058:nobody"), 0);
    assert_int_equal(check(s, "acme", SUBJECT_USER, "557058:nobody"), 0);
    assert_int_equal(check(s, "acme", SUBJECT_USER, "557058:slow"), -1);
    assert_int_equal(srv.calls, 3);     /* each asked once */
    subjects_free(s);
}

static void test_cancelled_is_not_an_answer(void **state)
{
    (void)state;
    fake_add(&srv, CLOUD "/workspaces/acme/members/557058%3Anobody", 404, "not a member");
    struct subjects *s = subjects_new(&api_cloud, CLOUD);
    srv.cancel = 1;
    assert_int_equal(check(s, "acme", SUBJECT_USER, "557058:nobody"), -1);
    srv.cancel = 0;
    assert_int_equal(check(s, "acme", SUBJECT_USER, "557058:nobody"), 0);
    said[0] = '\0';
    subjects_report(s, say, NULL);
    assert_string_equal(said, "");      /* a cancelled question is no failure */
    subjects_free(s);
}

static void test_dc_search_compares_names(void **state)
{
    (void)state;
    fake_add(&srv, DC "/users?limit=1000&filter=jdo", 200,
             "{\"size\":1,\"limit\":1000,\"isLastPage\":true,\"start\":0,"
             "\"values\":[{\"name\":\"jdoe\",\"slug\":\"jdoe\"}]}");
    fake_add(&srv, DC "/users?limit=1000&filter=JDOE", 200,
             "{\"size\":1,\"limit\":1000,\"isLastPage\":true,\"start\":0,"
             "\"values\":[{\"name\":\"jdoe\",\"slug\":\"jdoe\"}]}");
    fake_add(&srv, DC "/admin/groups?limit=1000&filter=dev", 200,
             "{\"size\":1,\"limit\":1000,\"isLastPage\":false,\"start\":0,\"nextPageStart\":1,"
             "\"values\":[{\"name\":\"dev-team\",\"deletable\":true}]}");
    fake_add(&srv, DC "/admin/groups?limit=1000&filter=dev&start=1", 200,
             "{\"size\":1,\"limit\":1000,\"isLastPage\":true,\"start\":1,"
             "\"values\":[{\"name\":\"DEV\",\"deletable\":true}]}");
    fake_add(&srv, DC "/admin/groups?limit=1000&filter=qa%2Bops", 200,
             "{\"size\":0,\"limit\":1000,\"isLastPage\":true,\"start\":0,\"values\":[]}");
    struct subjects *s = subjects_new(&api_datacenter, DC);
    assert_int_equal(check(s, "", SUBJECT_USER, "jdo"), 0);     /* 'jdoe' is someone else */
    assert_int_equal(check(s, "", SUBJECT_USER, "JDOE"), 1);
    assert_int_equal(check(s, "", SUBJECT_GROUP, "dev"), 1);    /* on the second page */
    assert_int_equal(check(s, "", SUBJECT_GROUP, "qa+ops"), 0);
    assert_int_equal(srv.unknown, 0);
    subjects_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cloud_groups_once_per_workspace, setup_srv),
        cmocka_unit_test_setup(test_cloud_member_by_id, setup_srv),
        cmocka_unit_test_setup(test_cancelled_is_not_an_answer, setup_srv),
        cmocka_unit_test_setup(test_dc_search_compares_names, setup_srv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
