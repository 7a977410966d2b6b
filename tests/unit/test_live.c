/* Unit tests for live.c: the comparison of a row with the live state, the
 * plan's words for it, and the cache of permission lists, walked through a
 * fake list server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "job.h"
#include "live.h"
#include "row.h"
#include "util.h"
#include "helpers.h"
#include "fake_fetch.h"

#define CLOUD "https://api.bitbucket.org/2.0"
#define DC "https://bb.example.com/rest/api/latest"

/* ---- live_change -------------------------------------------------------- */

static const enum privilege all_privs[] = {PRIV_READ, PRIV_WRITE, PRIV_ADMIN, PRIV_CREATE_REPO,
                                           PRIV_NONE};
#define NPRIVS (sizeof all_privs / sizeof *all_privs)

static void test_change_every_pair(void **state)
{
    (void)state;
    unsigned seen[CH_REVOKE + 1] = {0};
    for (size_t i = 0; i < NPRIVS; i++) {
        for (size_t k = 0; k < NPRIVS; k++) {
            enum privilege now = all_privs[i], want = all_privs[k];
            enum row_change want_change;
            if (now == want)
                want_change = CH_UNCHANGED;
            else if (want == PRIV_NONE)
                want_change = CH_REVOKE;
            else if (now == PRIV_NONE)
                want_change = CH_GRANT;
            else
                want_change = CH_CHANGE;
            enum row_change got = live_change(now, want);
            if (got != want_change)
                fail_msg("live_change(%s, %s) = %d, want %d", privilege_name(now),
                         privilege_name(want), (int)got, (int)want_change);
            seen[got]++;
        }
    }
    /* 5 unchanged (the diagonal), 4 grants, 4 revokes, 12 changes */
    assert_int_equal(seen[CH_NONE], 0);
    assert_int_equal(seen[CH_UNCHANGED], 5);
    assert_int_equal(seen[CH_GRANT], 4);
    assert_int_equal(seen[CH_REVOKE], 4);
    assert_int_equal(seen[CH_CHANGE], 12);
}

static void test_change_named_cases(void **state)
{
    (void)state;
    assert_int_equal(live_change(PRIV_NONE, PRIV_NONE), CH_UNCHANGED);  /* revoke of nothing */
    assert_int_equal(live_change(PRIV_NONE, PRIV_WRITE), CH_GRANT);
    assert_int_equal(live_change(PRIV_READ, PRIV_WRITE), CH_CHANGE);
    assert_int_equal(live_change(PRIV_ADMIN, PRIV_READ), CH_CHANGE);    /* a lowering is a change */
    assert_int_equal(live_change(PRIV_WRITE, PRIV_CREATE_REPO), CH_CHANGE);
    assert_int_equal(live_change(PRIV_ADMIN, PRIV_NONE), CH_REVOKE);
    assert_int_equal(live_change(PRIV_CREATE_REPO, PRIV_CREATE_REPO), CH_UNCHANGED);
}

/* ---- live_describe ------------------------------------------------------ */

static void assert_describe(enum privilege now, enum privilege want, const char *text)
{
    char out[128];
    memset(out, 'X', sizeof out);
    live_describe(live_change(now, want), now, want, out, sizeof out);
    assert_string_equal(out, text);
}

static void test_describe_texts(void **state)
{
    (void)state;
    assert_describe(PRIV_NONE, PRIV_WRITE, "grant write");
    assert_describe(PRIV_NONE, PRIV_CREATE_REPO, "grant create-repo");
    assert_describe(PRIV_READ, PRIV_WRITE, "change read to write");
    assert_describe(PRIV_ADMIN, PRIV_READ, "change admin to read");
    assert_describe(PRIV_WRITE, PRIV_CREATE_REPO, "change write to create-repo");
    assert_describe(PRIV_ADMIN, PRIV_NONE, "revoke admin");
    assert_describe(PRIV_CREATE_REPO, PRIV_NONE, "revoke create-repo");
    assert_describe(PRIV_WRITE, PRIV_WRITE, "unchanged");
    assert_describe(PRIV_NONE, PRIV_NONE, "unchanged");
}

static void test_describe_fits_the_buffer(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'X', sizeof out);
    live_describe(CH_CHANGE, PRIV_READ, PRIV_WRITE, out, sizeof out);
    assert_string_equal(out, "change ");
    char none[16];
    memset(none, 'X', sizeof none);
    live_describe(CH_NONE, PRIV_NONE, PRIV_NONE, none, sizeof none);
    assert_string_equal(none, "unchanged");
}

/* ---- live_subject_is ---------------------------------------------------- */

#define IS(id, alt, s) live_subject_is(id, alt, s, strlen(s))

static void test_subject_by_account_id_or_uuid(void **state)
{
    (void)state;
    const char *acct = "557058:0f1e2d3c", *uuid = "{11111111-2222-3333-4444-555555555555}";
    assert_true(IS(acct, uuid, "557058:0f1e2d3c"));
    assert_true(IS(acct, uuid, "{11111111-2222-3333-4444-555555555555}"));
    assert_true(IS(acct, uuid, "{11111111-2222-3333-4444-555555555555}"));
    /* the uuid without its braces is another name */
    assert_false(IS(acct, uuid, "11111111-2222-3333-4444-555555555555"));
    assert_false(IS(acct, uuid, "557058:0f1e2d3"));
    assert_false(IS(acct, uuid, "557058:0f1e2d3cX"));
    assert_false(IS(acct, uuid, ""));
    /* no alt id: only the id names it */
    assert_true(IS("devs", NULL, "devs"));
    assert_false(IS("devs", NULL, "ops"));
    assert_false(IS(NULL, NULL, "devs"));
    assert_true(IS(NULL, uuid, "{11111111-2222-3333-4444-555555555555}"));
}

static void test_subject_case_insensitive(void **state)
{
    (void)state;
    assert_true(IS("devs", NULL, "DEVS"));
    assert_true(IS("Dev-Team", NULL, "dev-team"));
    assert_true(IS("557058:abc", "{aaaa-bbbb}", "{AAAA-BBBB}"));
    assert_true(IS("557058:abc", "{aaaa-bbbb}", "557058:ABC"));
}

static void test_subject_uses_the_length(void **state)
{
    (void)state;
    /* the subject is a view into a cell, not NUL-terminated */
    assert_true(live_subject_is("devs", NULL, "devs,ops", 4));
    assert_false(live_subject_is("devs", NULL, "devs,ops", 5));
    assert_false(live_subject_is("devs", NULL, "dev", 3));
}

/* ---- live_get / live_set over a fake server ----------------------------- */

static struct fake_server srv;

#define WEB_GROUPS CLOUD "/repositories/acme/web/permissions-config/groups?pagelen=100"
#define WEB_USERS CLOUD "/repositories/acme/web/permissions-config/users?pagelen=100"
#define PROJ_GROUPS CLOUD "/workspaces/acme/projects/PROJ/permissions-config/groups?pagelen=100"

static const char web_groups[] =
    "{\"pagelen\":100,\"values\":["
    "{\"type\":\"repository_group_permission\",\"permission\":\"write\","
    " \"group\":{\"type\":\"group\",\"slug\":\"devs\",\"name\":\"Developers\"}},"
    "{\"type\":\"repository_group_permission\",\"permission\":\"admin\","
    " \"group\":{\"type\":\"group\",\"slug\":\"ops\",\"name\":\"Ops\"}}"
    "],\"page\":1,\"size\":2}";

static const char web_users[] =
    "{\"pagelen\":100,\"values\":["
    "{\"type\":\"repository_user_permission\",\"permission\":\"read\","
    " \"user\":{\"type\":\"user\",\"uuid\":\"{11111111-2222-3333-4444-555555555555}\","
    " \"account_id\":\"557058:aaaa\",\"display_name\":\"Alex\"}}"
    "]}";

static int setup_srv(void **state)
{
    (void)state;
    fake_reset(&srv);
    return 0;
}

/* live_get that must succeed; returns what it found. */
static enum privilege get_ok(struct live *l, const struct request *r, const struct pager_fetch *f)
{
    enum privilege now = (enum privilege)-1;
    struct pager_error err;
    memset(&err, 0, sizeof err);
    int rc = live_get(l, r, r->subject_name, r->subject_len, f, &now, &err);
    if (rc != 0)
        fail_msg("live_get failed: status %ld, '%s'", err.status, err.msg);
    return now;
}

/* live_get that must fail; returns its error. */
static struct pager_error get_err(struct live *l, const struct request *r, const char *subject,
                                  const struct pager_fetch *f)
{
    enum privilege now = PRIV_READ;
    struct pager_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(live_get(l, r, subject, strlen(subject), f, &now, &err), -1);
    return err;
}

/* get_ok of r asked for another subject. */
static enum privilege get_subject(struct live *l, struct request r, const char *subject,
                                  const struct pager_fetch *f)
{
    r.subject_name = subject;
    r.subject_len = strlen(subject);
    return get_ok(l, &r, f);
}

static void test_get_lists_once_per_target_and_kind(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200, web_groups);
    fake_add(&srv, WEB_USERS, 200, web_users);
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);

    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    struct request ops = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "ops");
    struct request qa = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "qa");
    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    assert_int_equal(srv.calls, 1);
    assert_int_equal(get_ok(l, &ops, &f), PRIV_ADMIN);
    assert_int_equal(get_ok(l, &qa, &f), PRIV_NONE);
    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    /* the same target, spelled in another case, is the same target */
    struct request devs2 = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "ACME", "", "Web", "DEVS");
    assert_int_equal(get_ok(l, &devs2, &f), PRIV_WRITE);
    assert_int_equal(srv.calls, 1);
    assert_int_equal(fake_calls(&srv, WEB_GROUPS), 1);
    /* only group rows so far: the users were never listed */
    assert_int_equal(fake_calls(&srv, WEB_USERS), 0);

    /* the first user row lists the users, once */
    struct request alex = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "web",
                                "557058:aaaa");
    struct request alex_uuid = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "web",
                                     "{11111111-2222-3333-4444-555555555555}");
    assert_int_equal(get_ok(l, &alex, &f), PRIV_READ);
    assert_int_equal(get_ok(l, &alex_uuid, &f), PRIV_READ);
    /* a group named like the user is not the user */
    struct request g = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "557058:aaaa");
    assert_int_equal(get_ok(l, &g, &f), PRIV_NONE);
    assert_int_equal(fake_calls(&srv, WEB_USERS), 1);
    assert_int_equal(srv.calls, 2);
    assert_int_equal(srv.unknown, 0);

    struct live_stats st;
    live_stats(l, &st);
    assert_int_equal(st.lists, 2);
    assert_int_equal(st.pages, 2);
    assert_int_equal(st.evictions, 0);
    live_free(l);
}

static void test_group_only_target_lists_groups_only(void **state)
{
    (void)state;
    fake_add(&srv, PROJ_GROUPS, 200,
             "{\"values\":[{\"type\":\"project_group_permission\",\"permission\":\"create-repo\","
             "\"group\":{\"slug\":\"devs\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request r = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "acme", "PROJ", "PROJ", "devs");
    for (int i = 0; i < 3; i++)
        assert_int_equal(get_ok(l, &r, &f), PRIV_CREATE_REPO);
    assert_int_equal(srv.calls, 1);
    assert_string_equal(srv.log[0], PROJ_GROUPS);
    assert_int_equal(srv.unknown, 0);
    live_free(l);
}

static void test_set_is_seen_by_later_rows(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200, web_groups);
    fake_add(&srv, WEB_USERS, 200, web_users);
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    struct request qa = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "web", "qa");

    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    /* change: write -> read */
    live_set(l, &devs, "devs", 4, PRIV_READ);
    assert_int_equal(get_ok(l, &devs, &f), PRIV_READ);
    /* a name in another case is the same group */
    live_set(l, &devs, "DEVS", 4, PRIV_ADMIN);
    assert_int_equal(get_ok(l, &devs, &f), PRIV_ADMIN);
    /* grant: a group not listed */
    assert_int_equal(get_ok(l, &qa, &f), PRIV_NONE);
    live_set(l, &qa, "qa", 2, PRIV_WRITE);
    assert_int_equal(get_ok(l, &qa, &f), PRIV_WRITE);
    /* revoke */
    live_set(l, &devs, "devs", 4, PRIV_NONE);
    assert_int_equal(get_ok(l, &devs, &f), PRIV_NONE);
    /* the other permissions are untouched by it */
    assert_int_equal(get_ok(l, &qa, &f), PRIV_WRITE);
    struct request ops = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "ops");
    assert_int_equal(get_ok(l, &ops, &f), PRIV_ADMIN);
    /* revoking what is not there leaves nothing behind */
    struct request x = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "acme", "", "web", "x");
    live_set(l, &x, "x", 1, PRIV_NONE);
    assert_int_equal(get_ok(l, &x, &f), PRIV_NONE);

    /* a user changed by uuid is the user listed by account id too */
    struct request alex = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "web",
                                "557058:aaaa");
    assert_int_equal(get_ok(l, &alex, &f), PRIV_READ);
    const char *uuid = "{11111111-2222-3333-4444-555555555555}";
    live_set(l, &alex, uuid, strlen(uuid), PRIV_ADMIN);
    assert_int_equal(get_ok(l, &alex, &f), PRIV_ADMIN);
    /* a group set does not touch the users list */
    live_set(l, &devs, "557058:aaaa", 11, PRIV_NONE);
    assert_int_equal(get_ok(l, &alex, &f), PRIV_ADMIN);

    assert_int_equal(srv.calls, 2);
    live_free(l);
}

static void test_set_on_uncached_target_does_nothing(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200, web_groups);
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    /* nothing cached yet: the set is dropped and the list is the truth */
    live_set(l, &devs, "devs", 4, PRIV_NONE);
    assert_int_equal(srv.calls, 0);
    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    assert_int_equal(srv.calls, 1);
    live_free(l);
}

static void test_failed_list_reported_to_later_rows(void **state)
{
    (void)state;
    const char *gone_groups = CLOUD "/repositories/acme/gone/permissions-config/groups?pagelen=100";
    const char *locked = CLOUD "/repositories/acme/locked/permissions-config/groups?pagelen=100";
    fake_add(&srv, gone_groups, 404, "Repository acme/gone not found");
    fake_add(&srv, locked, 403, "You are not an admin of this repository");
    fake_add(&srv, WEB_GROUPS, 200, web_groups);
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);

    const char *names[] = {"devs", "ops", "qa", "devs"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "gone", names[i]);
        struct pager_error err = get_err(l, &r, names[i], &f);
        assert_int_equal(err.status, 404);
        assert_int_equal(err.cancelled, 0);
        assert_non_null(strstr(err.msg, "not found"));
    }
    assert_int_equal(fake_calls(&srv, gone_groups), 1);

    for (int i = 0; i < 2; i++) {
        struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "locked", "devs");
        struct pager_error err = get_err(l, &r, "devs", &f);
        assert_int_equal(err.status, 403);
        assert_non_null(strstr(err.msg, "not an admin"));
    }
    assert_int_equal(fake_calls(&srv, locked), 1);

    /* another target is not affected */
    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    /* and a set on a failed list changes nothing */
    struct request g = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "gone", "devs");
    live_set(l, &g, "devs", 4, PRIV_WRITE);
    assert_int_equal(get_err(l, &g, "devs", &f).status, 404);
    assert_int_equal(srv.calls, 3);
    live_free(l);
}

static void test_cancelled_list_is_not_kept(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200, web_groups);
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request devs = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    srv.cancel = 1;
    struct pager_error err = get_err(l, &devs, "devs", &f);
    assert_int_equal(err.cancelled, 1);
    assert_int_equal(err.status, 0);
    /* an interrupted list is not a failed one: the next row lists again */
    srv.cancel = 0;
    assert_int_equal(get_ok(l, &devs, &f), PRIV_WRITE);
    assert_int_equal(srv.calls, 2);
    assert_int_equal(fake_calls(&srv, WEB_GROUPS), 1);
    live_free(l);
}

/* Three repositories: devs has read on a; b and c have no permission. */
#define ABC_URL(t) CLOUD "/repositories/acme/" t "/permissions-config/groups?pagelen=100"
static const char *const abc_url[3] = {ABC_URL("a"), ABC_URL("b"), ABC_URL("c")};

static void serve_abc(void)
{
    static const char empty[] = "{\"values\":[]}";
    static const char one[] = "{\"values\":[{\"permission\":\"read\",\"group\":{\"slug\":\"devs\"}}]}";
    fake_add(&srv, abc_url[0], 200, one);
    fake_add(&srv, abc_url[1], 200, empty);
    fake_add(&srv, abc_url[2], 200, empty);
}

/* The row giving devs write on one of them. */
static struct request abc_req(const char *target)
{
    return mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", target, "devs");
}

static void test_eviction_lists_dropped_target_again(void **state)
{
    (void)state;
    const char *ua = abc_url[0], *ub = abc_url[1], *uc = abc_url[2];
    serve_abc();
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 2);
    struct request a = abc_req("a"), b = abc_req("b"), c = abc_req("c");

    assert_int_equal(get_ok(l, &a, &f), PRIV_READ);
    live_set(l, &a, "devs", 4, PRIV_WRITE);         /* a's state, lost when it is dropped */
    assert_int_equal(get_ok(l, &b, &f), PRIV_NONE);
    assert_int_equal(get_ok(l, &a, &f), PRIV_WRITE); /* still cached: a is now the newest */
    assert_int_equal(fake_calls(&srv, ua), 1);
    assert_int_equal(get_ok(l, &c, &f), PRIV_NONE);  /* drops b, the least recently used */
    assert_int_equal(get_ok(l, &a, &f), PRIV_WRITE);
    assert_int_equal(fake_calls(&srv, ua), 1);
    assert_int_equal(get_ok(l, &b, &f), PRIV_NONE);  /* listed again; drops c */
    assert_int_equal(fake_calls(&srv, ub), 2);
    assert_int_equal(get_ok(l, &c, &f), PRIV_NONE);  /* listed again; drops a */
    assert_int_equal(fake_calls(&srv, uc), 2);
    /* a comes back from the server: the set made on it is gone with it */
    assert_int_equal(get_ok(l, &a, &f), PRIV_READ);
    assert_int_equal(fake_calls(&srv, ua), 2);

    struct live_stats st;
    live_stats(l, &st);
    assert_int_equal(st.lists, 6);
    assert_int_equal(st.evictions, 4);
    assert_int_equal(srv.unknown, 0);
    live_free(l);
}

static void test_plan_keeps_planned_changes_of_dropped_targets(void **state)
{
    (void)state;
    /* a plan writes nothing: a dropped target listed again must still show
     * what the plan's earlier rows left, not the server's state */
    const char *ua = abc_url[0];
    serve_abc();
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 1);
    live_simulate(l);
    struct request a = abc_req("a"), b = abc_req("b"), c = abc_req("c");

    assert_int_equal(get_ok(l, &a, &f), PRIV_READ);
    live_set(l, &a, "devs", 4, PRIV_WRITE);          /* planned: read -> write */
    assert_int_equal(get_ok(l, &b, &f), PRIV_NONE);  /* drops a */
    live_set(l, &b, "DEVS", 4, PRIV_ADMIN);          /* planned on b */
    assert_int_equal(get_ok(l, &a, &f), PRIV_WRITE); /* listed again, the plan's value wins */
    assert_int_equal(fake_calls(&srv, ua), 2);
    live_set(l, &a, "devs", 4, PRIV_NONE);           /* planned again: a revoke */
    assert_int_equal(get_ok(l, &c, &f), PRIV_NONE);  /* drops a */
    assert_int_equal(get_ok(l, &a, &f), PRIV_NONE);  /* the latest planned value */
    assert_int_equal(get_ok(l, &b, &f), PRIV_ADMIN);
    /* another subject of a dropped target is the server's */
    struct request a2 = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "", "a", "ops");
    assert_int_equal(get_ok(l, &a2, &f), PRIV_NONE);
    live_free(l);

    /* without live_simulate (--diff writes for real), a list is the truth */
    l = live_new(&api_cloud, CLOUD, 1);
    assert_int_equal(get_ok(l, &a, &f), PRIV_READ);
    live_set(l, &a, "devs", 4, PRIV_WRITE);
    assert_int_equal(get_ok(l, &b, &f), PRIV_NONE);
    assert_int_equal(get_ok(l, &a, &f), PRIV_READ);
    live_free(l);
}

static void test_cloud_multi_page_follows_next_verbatim(void **state)
{
    (void)state;
    /* the page token is opaque: it must come back exactly as given, with
     * its encoding and parameter order, never rebuilt */
    const char *p2 = CLOUD "/repositories/acme/web/permissions-config/users?page=eyJvIjoxfQ%3D%3D&pagelen=100";
    const char *p3 = "https://api.bitbucket.org/2.0/repositories/acme/web/permissions-config/users?pagelen=100&page=x%2By";
    static char page1[1024], page2[1024];
    snprintf(page1, sizeof page1,
             "{\"pagelen\":1,\"values\":[{\"permission\":\"read\",\"user\":{\"account_id\":\"557058:one\","
             "\"uuid\":\"{one}\"}}],\"next\":\"%s\"}", p2);
    snprintf(page2, sizeof page2,
             "{\"pagelen\":1,\"values\":[{\"permission\":\"write\",\"user\":{\"account_id\":\"557058:two\","
             "\"uuid\":\"{two}\"}}],\"next\":\"%s\"}", p3);
    fake_add(&srv, WEB_USERS, 200, page1);
    fake_add(&srv, p2, 200, page2);
    fake_add(&srv, p3, 200,
             "{\"pagelen\":1,\"values\":[{\"permission\":\"admin\",\"user\":{\"uuid\":\"{three}\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);

    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "", "web", "{three}");
    assert_int_equal(get_ok(l, &r, &f), PRIV_ADMIN);   /* found on the last page */
    assert_int_equal(get_subject(l, r, "557058:two", &f), PRIV_WRITE);
    assert_int_equal(get_subject(l, r, "{ONE}", &f), PRIV_READ);
    assert_int_equal(get_subject(l, r, "{four}", &f), PRIV_NONE);

    assert_int_equal(srv.calls, 3);
    assert_int_equal(srv.unknown, 0);
    assert_string_equal(srv.log[0], WEB_USERS);
    assert_string_equal(srv.log[1], p2);
    assert_string_equal(srv.log[2], p3);
    struct live_stats st;
    live_stats(l, &st);
    assert_int_equal(st.lists, 1);
    assert_int_equal(st.pages, 3);
    live_free(l);
}

static void test_datacenter_pages_with_clamped_limit(void **state)
{
    (void)state;
    /* the client asks for limit=1000; the server gives 2 per page */
    const char *first = DC "/projects/PRJ/repos/api/permissions/groups?limit=1000";
    fake_add(&srv, first, 200,
             "{\"size\":2,\"limit\":2,\"start\":0,\"isLastPage\":false,\"nextPageStart\":2,\"values\":["
             "{\"group\":{\"name\":\"dev-team\"},\"permission\":\"REPO_WRITE\"},"
             "{\"group\":{\"name\":\"readers\"},\"permission\":\"REPO_READ\"}]}");
    fake_add(&srv, DC "/projects/PRJ/repos/api/permissions/groups?limit=1000&start=2", 200,
             "{\"size\":2,\"limit\":2,\"start\":2,\"isLastPage\":false,\"nextPageStart\":4,\"values\":["
             "{\"group\":{\"name\":\"g3\"},\"permission\":\"REPO_READ\"},"
             "{\"group\":{\"name\":\"g4\"},\"permission\":\"REPO_READ\"}]}");
    fake_add(&srv, DC "/projects/PRJ/repos/api/permissions/groups?limit=1000&start=4", 200,
             "{\"size\":1,\"limit\":2,\"start\":4,\"isLastPage\":true,\"values\":["
             "{\"group\":{\"name\":\"admins\"},\"permission\":\"REPO_ADMIN\"}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_datacenter, DC, 16);

    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "", "PRJ", "api", "admins");
    assert_int_equal(get_ok(l, &r, &f), PRIV_ADMIN);
    assert_int_equal(get_subject(l, r, "DEV-TEAM", &f), PRIV_WRITE);
    /* the project and slug in another case */
    r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "", "prj", "API", "g4");
    assert_int_equal(get_ok(l, &r, &f), PRIV_READ);
    assert_int_equal(get_subject(l, r, "nobody", &f), PRIV_NONE);
    assert_int_equal(srv.calls, 3);
    assert_int_equal(srv.unknown, 0);
    live_free(l);
}

static void test_datacenter_same_slug_in_two_projects(void **state)
{
    (void)state;
    fake_add(&srv, DC "/projects/PRJ/repos/api/permissions/users?limit=1000", 200,
             "{\"isLastPage\":true,\"start\":0,\"values\":[{\"user\":{\"name\":\"jdoe\","
             "\"displayName\":\"J Doe\",\"emailAddress\":\"j@x.com\"},\"permission\":\"REPO_ADMIN\"}]}");
    fake_add(&srv, DC "/projects/OTHER/repos/api/permissions/users?limit=1000", 200,
             "{\"isLastPage\":true,\"start\":0,\"values\":[]}");
    fake_add(&srv, DC "/projects/PRJ/permissions/users?limit=1000", 200,
             "{\"isLastPage\":true,\"start\":0,\"values\":[{\"user\":{\"name\":\"jdoe\"},"
             "\"permission\":\"PROJECT_READ\"}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_datacenter, DC, 16);
    struct request a = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "", "PRJ", "api", "jdoe");
    struct request b = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "", "OTHER", "api", "jdoe");
    struct request p = mkreq(TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "", "PRJ", "PRJ", "jdoe");
    assert_int_equal(get_ok(l, &a, &f), PRIV_ADMIN);
    assert_int_equal(get_ok(l, &b, &f), PRIV_NONE);
    assert_int_equal(get_ok(l, &p, &f), PRIV_READ);
    live_set(l, &b, "jdoe", 4, PRIV_WRITE);
    assert_int_equal(get_ok(l, &a, &f), PRIV_ADMIN);
    assert_int_equal(get_ok(l, &b, &f), PRIV_WRITE);
    assert_int_equal(get_ok(l, &p, &f), PRIV_READ);
    assert_int_equal(srv.calls, 3);
    assert_int_equal(srv.unknown, 0);
    live_free(l);
}

static void test_unreadable_items_are_skipped(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200,
             "{\"values\":[{\"permission\":\"owner\",\"group\":{\"slug\":\"weird\"}},"
             "{\"permission\":\"write\",\"group\":{}},"
             "{\"permission\":\"none\",\"group\":{\"slug\":\"gone\"}},"
             "42,"
             "{\"permission\":\"read\",\"group\":{\"slug\":\"devs\"}}]}");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    assert_int_equal(get_ok(l, &r, &f), PRIV_READ);
    assert_int_equal(get_subject(l, r, "weird", &f), PRIV_NONE);
    assert_int_equal(get_subject(l, r, "gone", &f), PRIV_NONE);
    assert_int_equal(srv.calls, 1);
    live_free(l);
}

static void test_bad_page_fails_the_list(void **state)
{
    (void)state;
    fake_add(&srv, WEB_GROUPS, 200, "<html><title>Login</title></html>");
    struct pager_fetch f = fake_fetcher(&srv);
    struct live *l = live_new(&api_cloud, CLOUD, 16);
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", "web", "devs");
    struct pager_error err = get_err(l, &r, "devs", &f);
    assert_int_equal(err.cancelled, 0);
    assert_true(err.msg[0] != '\0');
    get_err(l, &r, "ops", &f);
    assert_int_equal(srv.calls, 1);
    live_free(l);
}

/* ---- threads ------------------------------------------------------------ */

/* A thread-safe server: every target's group list holds "devs" with write;
 * each fetch takes a moment, so the other threads find the list LOADING. */
struct slow_server {
    pthread_mutex_t mu;
    unsigned calls;
    unsigned per_target[4];
};

static int slow_fetch(void *ctx, const char *url, const char **body, size_t *len,
                      struct pager_error *err)
{
    struct slow_server *s = ctx;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* no cmocka assert here: this runs on the workers' threads */
    const char *t = strstr(url, "/repositories/acme/t");
    if (!t) {
        snprintf(err->msg, sizeof err->msg, "unexpected URL %.300s", url);
        return -1;
    }
    unsigned k = (unsigned)(t[strlen("/repositories/acme/t")] - '0');
    pthread_mutex_lock(&s->mu);
    s->calls++;
    if (k < 4)
        s->per_target[k]++;
    pthread_mutex_unlock(&s->mu);
    *body = "{\"values\":[{\"permission\":\"write\",\"group\":{\"slug\":\"devs\"}}]}";
    *len = strlen(*body);
    return 0;
}

struct worker_arg {
    struct live *l;
    struct pager_fetch *f;
    char target[8];
    int rc;
    enum privilege now;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "", a->target, "devs");
    struct pager_error err;
    a->rc = live_get(a->l, &r, "devs", 4, a->f, &a->now, &err);
    return NULL;
}

/* n workers at once over a cache of room targets, worker i on target
 * t<i % ntargets>: each must find devs with write. Returns the cache, for
 * its stats (to live_free). */
static struct live *run_workers(struct slow_server *s, unsigned room, int n, int ntargets)
{
    pthread_mutex_init(&s->mu, NULL);
    struct pager_fetch f = {.fn = slow_fetch, .ctx = s};
    struct live *l = live_new(&api_cloud, CLOUD, room);
    pthread_t th[16];
    struct worker_arg args[16];
    assert_true(n <= 16);
    for (int i = 0; i < n; i++) {
        args[i] = (struct worker_arg){.l = l, .f = &f, .rc = -2, .now = PRIV_NONE};
        snprintf(args[i].target, sizeof args[i].target, "t%d", i % ntargets);
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, 0);
        assert_int_equal(args[i].now, PRIV_WRITE);
    }
    pthread_mutex_destroy(&s->mu);
    return l;
}

static void test_threads_share_one_list_walk(void **state)
{
    (void)state;
    struct slow_server s = {.calls = 0};
    struct live *l = run_workers(&s, 16, 8, 1);
    /* the threads that came while it was LOADING waited for it */
    assert_int_equal(s.calls, 1);
    live_free(l);
}

static void test_threads_with_eviction(void **state)
{
    (void)state;
    struct slow_server s = {.calls = 0};
    /* room for one target, four wanted at once: entries in use are kept */
    struct live *l = run_workers(&s, 1, 12, 4);
    for (int k = 0; k < 4; k++)
        assert_true(s.per_target[k] >= 1);
    struct live_stats st;
    live_stats(l, &st);
    assert_int_equal(st.lists, s.calls);
    assert_true(st.evictions >= 3);
    live_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_every_pair),
        cmocka_unit_test(test_change_named_cases),
        cmocka_unit_test(test_describe_texts),
        cmocka_unit_test(test_describe_fits_the_buffer),
        cmocka_unit_test(test_subject_by_account_id_or_uuid),
        cmocka_unit_test(test_subject_case_insensitive),
        cmocka_unit_test(test_subject_uses_the_length),
        cmocka_unit_test_setup(test_get_lists_once_per_target_and_kind, setup_srv),
        cmocka_unit_test_setup(test_group_only_target_lists_groups_only, setup_srv),
        cmocka_unit_test_setup(test_set_is_seen_by_later_rows, setup_srv),
        cmocka_unit_test_setup(test_set_on_uncached_target_does_nothing, setup_srv),
        cmocka_unit_test_setup(test_failed_list_reported_to_later_rows, setup_srv),
        cmocka_unit_test_setup(test_cancelled_list_is_not_kept, setup_srv),
        cmocka_unit_test_setup(test_eviction_lists_dropped_target_again, setup_srv),
        cmocka_unit_test_setup(test_plan_keeps_planned_changes_of_dropped_targets, setup_srv),
        cmocka_unit_test_setup(test_cloud_multi_page_follows_next_verbatim, setup_srv),
        cmocka_unit_test_setup(test_datacenter_pages_with_clamped_limit, setup_srv),
        cmocka_unit_test_setup(test_datacenter_same_slug_in_two_projects, setup_srv),
        cmocka_unit_test_setup(test_unreadable_items_are_skipped, setup_srv),
        cmocka_unit_test_setup(test_bad_page_fails_the_list, setup_srv),
        cmocka_unit_test(test_threads_share_one_list_walk),
        cmocka_unit_test(test_threads_with_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
