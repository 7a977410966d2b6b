/* Unit tests for api_dc.c (Bitbucket Data Center) and the parts of api.c
 * that serve it: write URLs, lists, items, errors, target keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "row.h"
#include "util.h"
#include "helpers.h"

#define BASE "https://bb.example.com/rest/api/latest"

/* A Data Center request: no workspace. */
static struct request dreq(enum target_kind t, enum subject_kind s, enum privilege p,
                           const char *project, const char *target, const char *subject)
{
    return mkreq(t, s, p, "", project, target, subject);
}

/* The write of a request: its method, and URL after BASE. */
static void assert_write(const struct request *r, const char *method, const char *path)
{
    struct buf b = {0};
    buf_adds(&b, BASE);
    const char *body = "unset";
    const char *m = api_datacenter.write(&b, r, r->subject_name, r->subject_len, &body);
    assert_non_null(m);
    assert_string_equal(m, method);
    assert_null(body);                  /* Data Center writes carry no body */
    assert_string_equal(b.data + strlen(BASE), path);
    buf_free(&b);
}

/* ---- the table ---------------------------------------------------------- */

static void test_ops_table(void **state)
{
    (void)state;
    assert_string_equal(api_datacenter.name, "datacenter");
    assert_int_equal(api_datacenter.has_workspaces, 0);
    assert_int_equal(api_datacenter.resolves_emails, 0);
    assert_ptr_equal(api_ops_for(API_DATACENTER), &api_datacenter);
    assert_ptr_equal(api_ops_for(API_CLOUD), &api_cloud);
    assert_non_null(api_datacenter.whoami_path);
    assert_true(api_datacenter.whoami_path[0] == '/');
    assert_non_null(strstr(api_datacenter.export_header, "workspace,repo,project,group,user,privilege"));
}

/* ---- the caller ----------------------------------------------------------- */

static void assert_caller_url(const char *base, const char *want)
{
    struct buf u = {0};
    api_datacenter.caller_url(&u, base);
    assert_string_equal(u.data, want);
    buf_free(&u);
}

/* id from a whoami body and an X-AUSERNAME value; NULL: names no one */
static void assert_caller(const char *body, const char *header, const char *want)
{
    char *id = (char *)"x", *alt = (char *)"x";
    api_datacenter.caller_read(body, body ? strlen(body) : 0, header, &id, &alt);
    if (want)
        assert_string_equal(id, want);
    else
        assert_null(id);
    assert_null(alt);
    free(id);
}

static void test_caller(void **state)
{
    (void)state;
    assert_int_equal(api_datacenter.basic_user_is_caller, 1);
    assert_int_equal(api_datacenter.check_names_caller, 0);
    assert_string_equal(api_datacenter.caller_header, "X-AUSERNAME");
    /* the servlet sits at the context root, before the REST root */
    assert_caller_url("https://bb.example.com/rest/api/latest",
                      "https://bb.example.com/plugins/servlet/applinks/whoami");
    assert_caller_url("https://h:7990/bitbucket/rest/api/1.0",
                      "https://h:7990/bitbucket/plugins/servlet/applinks/whoami");
    assert_caller_url("https://h/rest/x/rest/api/latest", "https://h/rest/x/plugins/servlet/applinks/whoami");
    /* the header wins; it is form-encoded; 'anonymous' names no one */
    assert_caller("jdoe\n", NULL, "jdoe");
    assert_caller("  jdoe \r\n", "j.doe%40example.com", "j.doe@example.com");
    assert_caller(NULL, "John+Doe", "John Doe");
    assert_caller("", "anonymous", NULL);
    assert_caller("anonymous", "anonymous", "anonymous");   /* a user of that name */
    /* nothing, or a name no list could hold */
    assert_caller("", NULL, NULL);
    assert_caller(" \n", NULL, NULL);
    assert_caller(NULL, "a%0Ab", NULL);
    assert_caller("..", NULL, NULL);
    assert_caller("a/b", NULL, NULL);
}

/* ---- writes ------------------------------------------------------------- */

static void test_write_repo_group(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "PRJ", "api", "dev-team");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_WRITE&name=dev-team");
    r.priv = PRIV_READ;
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_READ&name=dev-team");
    r.priv = PRIV_ADMIN;
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_ADMIN&name=dev-team");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/repos/api/permissions/groups?name=dev-team");
}

static void test_write_repo_user(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "jdoe");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=jdoe");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/repos/api/permissions/users?name=jdoe");
}

static void test_write_project(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "PRJ", "PRJ", "dev-team");
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_ADMIN&name=dev-team");
    r.priv = PRIV_READ;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_READ&name=dev-team");
    r.priv = PRIV_WRITE;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_WRITE&name=dev-team");
    r.priv = PRIV_CREATE_REPO;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=REPO_CREATE&name=dev-team");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/permissions/groups?name=dev-team");
    r = dreq(TARGET_PROJECT, SUBJECT_USER, PRIV_WRITE, "PRJ", "PRJ", "jdoe");
    assert_write(&r, "PUT", "/projects/PRJ/permissions/users?permission=PROJECT_WRITE&name=jdoe");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/permissions/users?name=jdoe");
}

static void test_write_encodes_names(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "PRJ", "api", "a&b=c");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_WRITE&name=a%26b%3Dc");
    r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "PRJ", "api", "qa+ops");
    assert_write(&r, "DELETE", "/projects/PRJ/repos/api/permissions/groups?name=qa%2Bops");
    r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "dev team");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_READ&name=dev%20team");
    r = dreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "j\xc3\xbcrgen");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=j%C3%BCrgen");
    r = dreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "j.doe@x.com");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=j.doe%40x.com");
    r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "x#y?z/w%");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_READ&name=x%23y%3Fz%2Fw%25");
    /* path segments too */
    r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "P/Q", "a b", "g");
    assert_write(&r, "PUT", "/projects/P%2FQ/repos/a%20b/permissions/groups?permission=REPO_READ&name=g");
}

static void test_write_uses_subject_given(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "cell");
    struct buf b = {0};
    const char *body;
    assert_string_equal(api_datacenter.write(&b, &r, "other-user,ignored", 10, &body), "PUT");
    assert_string_equal(b.data, "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=other-user");
    buf_free(&b);
}

/* ---- lists -------------------------------------------------------------- */

static void test_perm_list_urls(void **state)
{
    (void)state;
    struct request r = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "g");
    assert_perm_list(&api_datacenter, &r, SUBJECT_GROUP, "/projects/PRJ/repos/api/permissions/groups?limit=1000");
    assert_perm_list(&api_datacenter, &r, SUBJECT_USER, "/projects/PRJ/repos/api/permissions/users?limit=1000");
    r = dreq(TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "PRJ", "PRJ", "u");
    assert_perm_list(&api_datacenter, &r, SUBJECT_GROUP, "/projects/PRJ/permissions/groups?limit=1000");
    assert_perm_list(&api_datacenter, &r, SUBJECT_USER, "/projects/PRJ/permissions/users?limit=1000");
}

static void test_project_and_repo_list_urls(void **state)
{
    (void)state;
    struct buf b = {0};
    api_datacenter.project_list(&b, "ignored");
    assert_string_equal(b.data, "/projects?limit=1000");
    b.len = 0;
    api_datacenter.repo_list(&b, "", "PRJ");
    assert_string_equal(b.data, "/projects/PRJ/repos?limit=1000");
    b.len = 0;
    api_datacenter.repo_list(&b, "", "A B");
    assert_string_equal(b.data, "/projects/A%20B/repos?limit=1000");
    buf_free(&b);
}

/* ---- items -------------------------------------------------------------- */

static void test_perm_item_group(void **state)
{
    (void)state;
    assert_perm_item(&api_datacenter, "{\"group\":{\"name\":\"dev-team\"},\"permission\":\"REPO_WRITE\"}",
                     SUBJECT_GROUP,
                     (struct perm_want){SUBJECT_GROUP, "dev-team", NULL, "dev-team", NULL, PRIV_WRITE});
}

static void test_perm_item_user(void **state)
{
    (void)state;
    assert_perm_item(&api_datacenter,
                     "{\"user\":{\"name\":\"jdoe\",\"emailAddress\":\"j.doe@x.com\","
                     "\"displayName\":\"Jane Doe\",\"id\":101,\"slug\":\"jdoe\"},"
                     "\"permission\":\"PROJECT_ADMIN\"}",
                     SUBJECT_USER,
                     (struct perm_want){SUBJECT_USER, "jdoe", NULL, "Jane Doe", "j.doe@x.com", PRIV_ADMIN});
}

static void test_perm_item_privileges(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum privilege p;
    } cases[] = {
        {"REPO_READ", PRIV_READ}, {"REPO_WRITE", PRIV_WRITE}, {"REPO_ADMIN", PRIV_ADMIN},
        {"PROJECT_READ", PRIV_READ}, {"PROJECT_WRITE", PRIV_WRITE},
        {"PROJECT_ADMIN", PRIV_ADMIN}, {"REPO_CREATE", PRIV_CREATE_REPO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"group\":{\"name\":\"g\"},\"permission\":\"%s\"}", cases[i].name);
        cJSON *j = cJSON_Parse(text);
        struct api_perm p;
        assert_int_equal(api_datacenter.perm_item(j, SUBJECT_GROUP, &p), 0);
        if (p.priv != cases[i].p)
            fail_msg("%s read as %s", cases[i].name, privilege_name(p.priv));
        cJSON_Delete(j);
    }
}

static void test_perm_item_unreadable(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"group\":{\"name\":\"g\"},\"permission\":\"SYS_ADMIN\"}",
        "{\"group\":{\"name\":\"g\"}}",
        "{\"group\":{},\"permission\":\"REPO_READ\"}",
        "{\"group\":{\"name\":\"\"},\"permission\":\"REPO_READ\"}",
        "{\"user\":{\"name\":\"jdoe\"},\"permission\":\"REPO_READ\"}",   /* asked as a group */
        "{\"group\":{\"name\":7},\"permission\":\"REPO_READ\"}",
    };
    assert_perm_items_unreadable(&api_datacenter, SUBJECT_GROUP, bad, sizeof bad / sizeof *bad);
}

static void test_target_items(void **state)
{
    (void)state;
    assert_target_item("{\"slug\":\"api\",\"name\":\"API\",\"project\":{\"key\":\"PRJ\",\"id\":1}}",
                       TARGET_REPO, "api", "PRJ");
    assert_target_item("{\"key\":\"PRJ\",\"name\":\"Project\"}", TARGET_PROJECT,
                       "PRJ", NULL);
    assert_target_item("{\"name\":\"no slug\"}", TARGET_REPO, NULL, NULL);
}

/* ---- errors ------------------------------------------------------------- */

static void test_error_message_datacenter(void **state)
{
    (void)state;
    const char *body = "{\"errors\":[{\"context\":null,\"message\":\"m\",\"exceptionName\":\"x\"}]}";
    char out[256];
    api_error_message(body, strlen(body), out, sizeof out);
    assert_string_equal(out, "m");
    body = "{\"errors\":[{\"context\":\"name\",\"message\":\"No such group: dev-team\","
           "\"exceptionName\":\"com.atlassian.bitbucket.NoSuchGroupException\"},"
           "{\"message\":\"second\"}]}";
    api_error_message(body, strlen(body), out, sizeof out);
    assert_string_equal(out, "No such group: dev-team");
    /* cut to the buffer */
    api_error_message(body, strlen(body), out, 8);
    assert_string_equal(out, "No such");
    /* an errors array without a usable message falls back to the text */
    body = "{\"errors\":[]}";
    api_error_message(body, strlen(body), out, sizeof out);
    assert_string_equal(out, "{\"errors\":[]}");
}

/* ---- keys --------------------------------------------------------------- */

static int same_target(const struct request *a, const struct request *b)
{
    return same_key_by(api_target_key, a, b);
}

static void test_target_key_repo_is_project_and_slug(void **state)
{
    (void)state;
    struct request a = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "g");
    struct request b = dreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "prj", "API", "u");
    assert_true(same_target(&a, &b));           /* subject and case do not matter */
    b = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "OTHER", "api", "g");
    assert_false(same_target(&a, &b));          /* same slug, another project */
    b = dreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "api", "api", "g");
    assert_false(same_target(&a, &b));
    /* a project row and a repository row of that project are apart */
    a = dreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "PRJ", "PRJ", "g");
    b = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "PRJ", "g");
    assert_false(same_target(&a, &b));
}

static void test_target_key_parts_never_run_together(void **state)
{
    (void)state;
    /* project "A/B" with repo "C" and project "A" with repo "B/C" are two
     * repositories (their URLs differ: /projects/A%2FB/repos/C and
     * /projects/A/repos/B%2FC), so their keys must differ */
    struct request a = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "A/B", "C", "g");
    struct request b = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "A", "B/C", "g");
    struct buf ua = {0}, ub = {0};
    const char *body;
    api_datacenter.write(&ua, &a, "g", 1, &body);
    api_datacenter.write(&ub, &b, "g", 1, &body);
    assert_string_not_equal(ua.data, ub.data);
    buf_free(&ua);
    buf_free(&ub);
    assert_false(same_target(&a, &b));
}

static void test_permission_key_datacenter(void **state)
{
    (void)state;
    struct request a = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "dev-team");
    struct request b = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "PRJ", "api", "DEV-TEAM");
    assert_true(same_key_by(api_key, &a, &b));
    b = dreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "OTHER", "api", "dev-team");
    assert_false(same_key_by(api_key, &a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_table),
        cmocka_unit_test(test_caller),
        cmocka_unit_test(test_write_repo_group),
        cmocka_unit_test(test_write_repo_user),
        cmocka_unit_test(test_write_project),
        cmocka_unit_test(test_write_encodes_names),
        cmocka_unit_test(test_write_uses_subject_given),
        cmocka_unit_test(test_perm_list_urls),
        cmocka_unit_test(test_project_and_repo_list_urls),
        cmocka_unit_test(test_perm_item_group),
        cmocka_unit_test(test_perm_item_user),
        cmocka_unit_test(test_perm_item_privileges),
        cmocka_unit_test(test_perm_item_unreadable),
        cmocka_unit_test(test_target_items),
        cmocka_unit_test(test_error_message_datacenter),
        cmocka_unit_test(test_target_key_repo_is_project_and_slug),
        cmocka_unit_test(test_target_key_parts_never_run_together),
        cmocka_unit_test(test_permission_key_datacenter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
