/* Unit tests for api_dc.c (Bitbucket Data Center) and the parts of api.c
 * that serve it: write URLs, lists, items, errors, target keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "row.h"
#include "util.h"

#define BASE "https://bb.example.com/rest/api/latest"

static struct request mkreq(enum target_kind t, enum subject_kind s, enum privilege p,
                            const char *project, const char *target, const char *subject)
{
    struct request r;
    memset(&r, 0, sizeof r);
    r.target = t;
    r.subject = s;
    r.priv = p;
    r.workspace = "";
    r.project = project;
    r.project_len = strlen(project);
    r.target_name = target;
    r.target_len = strlen(target);
    r.subject_name = subject;
    r.subject_len = strlen(subject);
    return r;
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

/* ---- writes ------------------------------------------------------------- */

static void test_write_repo_group(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "PRJ", "api", "dev-team");
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
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "jdoe");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=jdoe");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/repos/api/permissions/users?name=jdoe");
}

static void test_write_project(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "PRJ", "PRJ", "dev-team");
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_ADMIN&name=dev-team");
    r.priv = PRIV_READ;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_READ&name=dev-team");
    r.priv = PRIV_WRITE;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=PROJECT_WRITE&name=dev-team");
    r.priv = PRIV_CREATE_REPO;
    assert_write(&r, "PUT", "/projects/PRJ/permissions/groups?permission=REPO_CREATE&name=dev-team");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/permissions/groups?name=dev-team");
    r = mkreq(TARGET_PROJECT, SUBJECT_USER, PRIV_WRITE, "PRJ", "PRJ", "jdoe");
    assert_write(&r, "PUT", "/projects/PRJ/permissions/users?permission=PROJECT_WRITE&name=jdoe");
    r.priv = PRIV_NONE;
    assert_write(&r, "DELETE", "/projects/PRJ/permissions/users?name=jdoe");
}

static void test_write_encodes_names(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "PRJ", "api", "a&b=c");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_WRITE&name=a%26b%3Dc");
    r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "PRJ", "api", "qa+ops");
    assert_write(&r, "DELETE", "/projects/PRJ/repos/api/permissions/groups?name=qa%2Bops");
    r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "dev team");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_READ&name=dev%20team");
    r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "j\xc3\xbcrgen");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=j%C3%BCrgen");
    r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "j.doe@x.com");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/users?permission=REPO_READ&name=j.doe%40x.com");
    r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "x#y?z/w%");
    assert_write(&r, "PUT", "/projects/PRJ/repos/api/permissions/groups?permission=REPO_READ&name=x%23y%3Fz%2Fw%25");
    /* path segments too */
    r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "P/Q", "a b", "g");
    assert_write(&r, "PUT", "/projects/P%2FQ/repos/a%20b/permissions/groups?permission=REPO_READ&name=g");
}

static void test_write_uses_subject_given(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "PRJ", "api", "cell");
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
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "g");
    struct buf b = {0};
    api_datacenter.perm_list(&b, &r, SUBJECT_GROUP);
    assert_string_equal(b.data, "/projects/PRJ/repos/api/permissions/groups?limit=1000");
    b.len = 0;
    api_datacenter.perm_list(&b, &r, SUBJECT_USER);
    assert_string_equal(b.data, "/projects/PRJ/repos/api/permissions/users?limit=1000");
    b.len = 0;
    r = mkreq(TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "PRJ", "PRJ", "u");
    api_datacenter.perm_list(&b, &r, SUBJECT_GROUP);
    assert_string_equal(b.data, "/projects/PRJ/permissions/groups?limit=1000");
    b.len = 0;
    api_datacenter.perm_list(&b, &r, SUBJECT_USER);
    assert_string_equal(b.data, "/projects/PRJ/permissions/users?limit=1000");
    buf_free(&b);
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
    cJSON *j = cJSON_Parse("{\"group\":{\"name\":\"dev-team\"},\"permission\":\"REPO_WRITE\"}");
    assert_non_null(j);
    struct api_perm p;
    assert_int_equal(api_datacenter.perm_item(j, SUBJECT_GROUP, &p), 0);
    assert_int_equal(p.subject, SUBJECT_GROUP);
    assert_string_equal(p.id, "dev-team");
    assert_null(p.alt_id);
    assert_null(p.email);
    assert_int_equal(p.priv, PRIV_WRITE);
    cJSON_Delete(j);
}

static void test_perm_item_user(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"user\":{\"name\":\"jdoe\",\"emailAddress\":\"j.doe@x.com\","
                           "\"displayName\":\"Jane Doe\",\"id\":101,\"slug\":\"jdoe\"},"
                           "\"permission\":\"PROJECT_ADMIN\"}");
    assert_non_null(j);
    struct api_perm p;
    assert_int_equal(api_datacenter.perm_item(j, SUBJECT_USER, &p), 0);
    assert_int_equal(p.subject, SUBJECT_USER);
    assert_string_equal(p.id, "jdoe");
    assert_null(p.alt_id);
    assert_string_equal(p.display, "Jane Doe");
    assert_string_equal(p.email, "j.doe@x.com");
    assert_int_equal(p.priv, PRIV_ADMIN);
    cJSON_Delete(j);
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
    const char *bad[] = {
        "{\"group\":{\"name\":\"g\"},\"permission\":\"SYS_ADMIN\"}",
        "{\"group\":{\"name\":\"g\"}}",
        "{\"group\":{},\"permission\":\"REPO_READ\"}",
        "{\"group\":{\"name\":\"\"},\"permission\":\"REPO_READ\"}",
        "{\"user\":{\"name\":\"jdoe\"},\"permission\":\"REPO_READ\"}",   /* asked as a group */
        "{\"group\":{\"name\":7},\"permission\":\"REPO_READ\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cJSON *j = cJSON_Parse(bad[i]);
        assert_non_null(j);
        struct api_perm p;
        if (api_datacenter.perm_item(j, SUBJECT_GROUP, &p) != -1)
            fail_msg("item %s was read", bad[i]);
        cJSON_Delete(j);
    }
}

static void test_target_items(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"slug\":\"api\",\"name\":\"API\",\"project\":{\"key\":\"PRJ\",\"id\":1}}");
    struct api_target_item t;
    assert_int_equal(api_datacenter.target_item(j, TARGET_REPO, &t), 0);
    assert_string_equal(t.slug, "api");
    assert_string_equal(t.project, "PRJ");
    cJSON_Delete(j);
    j = cJSON_Parse("{\"key\":\"PRJ\",\"name\":\"Project\"}");
    assert_int_equal(api_datacenter.target_item(j, TARGET_PROJECT, &t), 0);
    assert_string_equal(t.slug, "PRJ");
    assert_null(t.project);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"name\":\"no slug\"}");
    assert_int_equal(api_datacenter.target_item(j, TARGET_REPO, &t), -1);
    cJSON_Delete(j);
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

static void key_of(const struct request *r, struct buf *k)
{
    k->len = 0;
    api_target_key(k, r);
    assert_true(k->len > 0);
}

static int same_target(const struct request *a, const struct request *b)
{
    struct buf ka = {0}, kb = {0};
    key_of(a, &ka);
    key_of(b, &kb);
    int same = ka.len == kb.len && !memcmp(ka.data, kb.data, ka.len);
    buf_free(&ka);
    buf_free(&kb);
    return same;
}

static void test_target_key_repo_is_project_and_slug(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "g");
    struct request b = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "prj", "API", "u");
    assert_true(same_target(&a, &b));           /* subject and case do not matter */
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "OTHER", "api", "g");
    assert_false(same_target(&a, &b));          /* same slug, another project */
    b = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "api", "api", "g");
    assert_false(same_target(&a, &b));
    /* a project row and a repository row of that project are apart */
    a = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "PRJ", "PRJ", "g");
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "PRJ", "g");
    assert_false(same_target(&a, &b));
}

static void test_target_key_parts_never_run_together(void **state)
{
    (void)state;
    /* project "A/B" with repo "C" and project "A" with repo "B/C" are two
     * repositories (their URLs differ: /projects/A%2FB/repos/C and
     * /projects/A/repos/B%2FC), so their keys must differ */
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "A/B", "C", "g");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "A", "B/C", "g");
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
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "PRJ", "api", "dev-team");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_ADMIN, "PRJ", "api", "DEV-TEAM");
    struct buf ka = {0}, kb = {0};
    api_key(&ka, &a);
    api_key(&kb, &b);
    assert_int_equal(ka.len, kb.len);
    assert_memory_equal(ka.data, kb.data, ka.len);
    kb.len = 0;
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "OTHER", "api", "dev-team");
    api_key(&kb, &b);
    assert_false(ka.len == kb.len && !memcmp(ka.data, kb.data, ka.len));
    buf_free(&ka);
    buf_free(&kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_table),
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
