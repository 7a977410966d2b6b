/* Unit tests for api.c: URL paths, percent-encoding, bodies, keys, errors. */
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
#include "helpers.h"

/* A Cloud request: no project cell. */
static struct request creq(enum target_kind t, enum subject_kind s, enum privilege p,
                           const char *ws, const char *target, const char *subject)
{
    return mkreq(t, s, p, ws, NULL, target, subject);
}

static void assert_path(const struct request *r, const char *want)
{
    struct buf b = {0};
    const char *body = NULL;
    const char *method = api_cloud.write(&b, r, r->subject_name, r->subject_len, &body);
    assert_non_null(method);
    assert_non_null(b.data);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    buf_free(&b);
}

static void assert_enc(const char *in, size_t len, const char *want)
{
    struct buf b = {0};
    buf_adds(&b, "");
    api_encode_segment(&b, in, len);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    buf_free(&b);
}

#define ENC(in, want) assert_enc(in, strlen(in), want)

/* ---- paths -------------------------------------------------------------- */

static void test_path_repo_group(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
    assert_path(&r, "/repositories/ws/repo/permissions-config/groups/g");
}

static void test_path_repo_user(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "ws", "repo", "u");
    assert_path(&r, "/repositories/ws/repo/permissions-config/users/u");
}

static void test_path_project_group(void **state)
{
    (void)state;
    struct request r = creq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "ws", "P", "g");
    assert_path(&r, "/workspaces/ws/projects/P/permissions-config/groups/g");
}

static void test_path_project_user(void **state)
{
    (void)state;
    struct request r = creq(TARGET_PROJECT, SUBJECT_USER, PRIV_NONE, "ws", "P", "u");
    assert_path(&r, "/workspaces/ws/projects/P/permissions-config/users/u");
}

static void test_path_encodes_every_segment(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "w s", "a/b", "{uuid}");
    assert_path(&r, "/repositories/w%20s/a%2Fb/permissions-config/users/%7Buuid%7D");
    r = creq(TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "ws", "P?x", "557058:abc");
    assert_path(&r, "/workspaces/ws/projects/P%3Fx/permissions-config/users/557058%3Aabc");
}

static void test_path_uses_lengths_not_nul(void **state)
{
    (void)state;
    /* views into a cell buffer are not NUL-terminated */
    const char *cells = "acmeXwebYdevsZ";
    struct request r = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "", "", "");
    r.workspace = cells;
    r.workspace_len = 4;
    r.target_name = cells + 5;
    r.target_len = 3;
    r.subject_name = cells + 9;
    r.subject_len = 4;
    assert_path(&r, "/repositories/acme/web/permissions-config/groups/devs");
}

static void test_path_appends_to_buffer(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_adds(&b, "https://api.bitbucket.org/2.0");
    struct request r = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
    const char *body = NULL;
    assert_string_equal(api_cloud.write(&b, &r, r.subject_name, r.subject_len, &body), "PUT");
    assert_string_equal(b.data,
        "https://api.bitbucket.org/2.0/repositories/ws/repo/permissions-config/groups/g");
    buf_free(&b);
}

/* ---- percent-encoding --------------------------------------------------- */

static void test_encode_reserved(void **state)
{
    (void)state;
    ENC("a/b", "a%2Fb");
    ENC("x?y", "x%3Fy");
    ENC("%2F", "%252F");
    ENC("a b", "a%20b");
    ENC("{uuid}", "%7Buuid%7D");
    ENC("557058:abc", "557058%3Aabc");
    ENC("#", "%23");
    ENC("a+b&c=d;e", "a%2Bb%26c%3Dd%3Be");
    ENC("\\", "%5C");
}

static void test_encode_unreserved_kept(void **state)
{
    (void)state;
    ENC("-._~", "-._~");
    ENC("AZaz09", "AZaz09");
    ENC("my-repo_v1.2~x", "my-repo_v1.2~x");
}

static void test_encode_non_ascii_uppercase_hex(void **state)
{
    (void)state;
    ENC("caf\xc3\xa9", "caf%C3%A9");
    ENC("\xe2\x82\xac", "%E2%82%AC");
    ENC("\xf0\x9f\x98\x80", "%F0%9F%98%80");
    ENC("\xff", "%FF");
}

static void test_encode_control_and_nul(void **state)
{
    (void)state;
    assert_enc("a\0b", 3, "a%00b");
    ENC("\x01\x1f\x7f", "%01%1F%7F");
    ENC("\t\r\n", "%09%0D%0A");
}

static void test_encode_empty(void **state)
{
    (void)state;
    assert_enc("", 0, "");
}

/* ---- method and body ---------------------------------------------------- */

/* The Cloud write of a request: its method, with the body in *body. */
static const char *api_method_body(const struct request *r, const char **body)
{
    struct buf b = {0};
    const char *m = api_cloud.write(&b, r, r->subject_name, r->subject_len, body);
    buf_free(&b);
    return m;
}

static const char *api_method(const struct request *r)
{
    const char *body;
    return api_method_body(r, &body);
}

static const char *api_body(const struct request *r)
{
    const char *body = "unset";
    api_method_body(r, &body);
    return body;
}

static void test_method_and_body(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
    assert_string_equal(api_method(&r), "PUT");
    assert_string_equal(api_body(&r), "{\"permission\":\"write\"}");
    r.priv = PRIV_READ;
    assert_string_equal(api_method(&r), "PUT");
    assert_string_equal(api_body(&r), "{\"permission\":\"read\"}");
    r.priv = PRIV_ADMIN;
    assert_string_equal(api_body(&r), "{\"permission\":\"admin\"}");
    r.target = TARGET_PROJECT;
    r.priv = PRIV_CREATE_REPO;
    assert_string_equal(api_method(&r), "PUT");
    assert_string_equal(api_body(&r), "{\"permission\":\"create-repo\"}");
}

static void test_method_delete_has_no_body(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "ws", "repo", "u");
    assert_string_equal(api_method(&r), "DELETE");
    assert_null(api_body(&r));
}

/* ---- keys --------------------------------------------------------------- */

static int same_key(const struct request *a, const struct request *b)
{
    return same_key_by(api_key, a, b);
}

static void test_key_case_insensitive(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "Acme", "Web-App", "Devs");
    struct request b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "web-app", "DEVS");
    assert_true(same_key(&a, &b));
    /* the privilege is what changes, not what is changed */
    b.priv = PRIV_NONE;
    assert_true(same_key(&a, &b));
}

static void test_key_differs_by_each_part(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "devs");
    struct request b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme2", "web", "devs");
    assert_false(same_key(&a, &b));
    b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web2", "devs");
    assert_false(same_key(&a, &b));
    b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "ops");
    assert_false(same_key(&a, &b));
}

static void test_key_repo_vs_project_same_name(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "core", "devs");
    struct request b = creq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_WRITE, "acme", "core", "devs");
    assert_false(same_key(&a, &b));
}

static void test_key_group_vs_user_same_name(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "alex");
    struct request b = creq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", "web", "alex");
    assert_false(same_key(&a, &b));
}

static void test_key_separator_keeps_parts_apart(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "a", "bc", "g");
    struct request b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ab", "c", "g");
    assert_false(same_key(&a, &b));
    a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "r", "gx");
    b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "rg", "x");
    assert_false(same_key(&a, &b));
}

static void test_key_appends(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "r", "g");
    struct buf k1 = {0}, k2 = {0};
    api_key(&k1, &a);
    buf_adds(&k2, "prefix");
    api_key(&k2, &a);
    assert_int_equal(k2.len, k1.len + 6);
    assert_memory_equal(k2.data + 6, k1.data, k1.len);
    buf_free(&k1);
    buf_free(&k2);
}

/* ---- Cloud: the table, lists, members, items ---------------------------- */

static void test_cloud_ops_table(void **state)
{
    (void)state;
    assert_string_equal(api_cloud.name, "cloud");
    assert_int_equal(api_cloud.has_workspaces, 1);
    assert_int_equal(api_cloud.resolves_emails, 1);
    assert_string_equal(api_cloud.whoami_path, "/user");
    assert_non_null(strstr(api_cloud.export_header, "workspace,repo,project,group,user,privilege"));
    assert_ptr_equal(api_ops_for(API_CLOUD), &api_cloud);
}

static void test_cloud_write_project_create_repo(void **state)
{
    (void)state;
    struct request r = creq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_CREATE_REPO, "acme", "PROJ", "devs");
    struct buf b = {0};
    buf_adds(&b, "https://api.bitbucket.org/2.0");
    const char *body = NULL;
    assert_string_equal(api_cloud.write(&b, &r, "devs", 4, &body), "PUT");
    assert_string_equal(b.data, "https://api.bitbucket.org/2.0/workspaces/acme/projects/PROJ/"
                                "permissions-config/groups/devs");
    assert_string_equal(body, "{\"permission\":\"create-repo\"}");
    buf_free(&b);
}

static void test_cloud_write_uses_subject_given(void **state)
{
    (void)state;
    /* an email row is written to the account it resolved to */
    struct request r = creq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", "web", "a@x.com");
    struct buf b = {0};
    const char *body = NULL;
    assert_string_equal(api_cloud.write(&b, &r, "557058:abcXX", 10, &body), "PUT");
    assert_string_equal(b.data, "/repositories/acme/web/permissions-config/users/557058%3Aabc");
    assert_string_equal(body, "{\"permission\":\"write\"}");
    buf_free(&b);
}

static void test_cloud_perm_list_urls(void **state)
{
    (void)state;
    struct request r = creq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "web", "u");
    assert_perm_list(&api_cloud, &r, SUBJECT_GROUP, "/repositories/acme/web/permissions-config/groups?pagelen=100");
    assert_perm_list(&api_cloud, &r, SUBJECT_USER, "/repositories/acme/web/permissions-config/users?pagelen=100");
    r = creq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "acme", "PROJ", "g");
    assert_perm_list(&api_cloud, &r, SUBJECT_GROUP, "/workspaces/acme/projects/PROJ/permissions-config/groups?pagelen=100");
    assert_perm_list(&api_cloud, &r, SUBJECT_USER, "/workspaces/acme/projects/PROJ/permissions-config/users?pagelen=100");
    r = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "my ws", "a/b", "g");
    assert_perm_list(&api_cloud, &r, SUBJECT_GROUP, "/repositories/my%20ws/a%2Fb/permissions-config/groups?pagelen=100");
}

static void test_cloud_project_and_repo_list_urls(void **state)
{
    (void)state;
    struct buf b = {0};
    api_cloud.project_list(&b, "acme");
    assert_string_equal(b.data, "/workspaces/acme/projects?pagelen=100");
    b.len = 0;
    api_cloud.repo_list(&b, "acme", NULL);
    assert_string_equal(b.data, "/repositories/acme?pagelen=100&sort=slug"
                                "&fields=next%2Cvalues.slug%2Cvalues.project.key");
    assert_null(strstr(b.data, "q="));
    b.len = 0;
    api_cloud.repo_list(&b, "acme", "KEY");
    assert_string_equal(b.data, "/repositories/acme?pagelen=100&sort=slug"
                                "&fields=next%2Cvalues.slug%2Cvalues.project.key"
                                "&q=project.key%3D%22KEY%22");
    b.len = 0;
    /* a quote or backslash in the key cannot end the BBQL string */
    api_cloud.repo_list(&b, "a b", "K\"Y\\");
    assert_string_equal(b.data, "/repositories/a%20b?pagelen=100&sort=slug"
                                "&fields=next%2Cvalues.slug%2Cvalues.project.key"
                                "&q=project.key%3D%22K%5C%22Y%5C%5C%22");
    buf_free(&b);
}

static void test_members_by_email_query(void **state)
{
    (void)state;
    const char *emails[] = {"a@x.com", "b+c@y.com"};
    struct buf b = {0};
    buf_adds(&b, "https://api.bitbucket.org/2.0");
    api_members_by_email(&b, "acme", emails, 2);
    assert_string_equal(b.data,
        "https://api.bitbucket.org/2.0/workspaces/acme/members"
        "?q=user.email%20IN%20%28%22a%40x.com%22%2C%22b%2Bc%40y.com%22%29"
        "&fields=next%2Cvalues.user.email%2Cvalues.user.account_id%2Cvalues.user.uuid"
        "&pagelen=100");
    /* no raw '+', space or quote may reach the query string */
    const char *q = strchr(b.data, '?');
    assert_null(strchr(q, '+'));
    assert_null(strchr(q, ' '));
    assert_null(strchr(q, '"'));
    buf_free(&b);
}

static void test_members_by_email_one_and_quoted(void **state)
{
    (void)state;
    const char *one[] = {"o\"neil@x.com"};
    struct buf b = {0};
    api_members_by_email(&b, "my ws", one, 1);
    assert_string_equal(b.data,
        "/workspaces/my%20ws/members"
        "?q=user.email%20IN%20%28%22o%5C%22neil%40x.com%22%29"
        "&fields=next%2Cvalues.user.email%2Cvalues.user.account_id%2Cvalues.user.uuid"
        "&pagelen=100");
    buf_free(&b);
}

static void test_members_by_email_full_batch(void **state)
{
    (void)state;
    static char store[API_EMAILS_PER_QUERY][32];
    const char *emails[API_EMAILS_PER_QUERY];
    for (int i = 0; i < API_EMAILS_PER_QUERY; i++) {
        snprintf(store[i], sizeof store[i], "user%d@x.com", i);
        emails[i] = store[i];
    }
    struct buf b = {0};
    api_members_by_email(&b, "acme", emails, API_EMAILS_PER_QUERY);
    /* every address, once, separated by encoded commas */
    unsigned commas = 0;
    for (const char *p = b.data; (p = strstr(p, "%2C%22")); p++)
        commas++;
    assert_int_equal(commas, API_EMAILS_PER_QUERY - 1);
    assert_non_null(strstr(b.data, "%22user0%40x.com%22"));
    assert_non_null(strstr(b.data, "%22user89%40x.com%22%29"));
    buf_free(&b);
}

static void test_member_item(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"type\":\"workspace_membership\",\"user\":{\"type\":\"user\","
                           "\"email\":\"a@x.com\",\"account_id\":\"557058:aaa\","
                           "\"uuid\":\"{u-1}\",\"display_name\":\"A\"}}");
    assert_non_null(j);
    struct api_member m;
    assert_int_equal(api_member_item(j, &m), 0);
    assert_string_equal(m.email, "a@x.com");
    assert_string_equal(m.account_id, "557058:aaa");
    cJSON_Delete(j);
    /* no account id: the uuid names the account */
    j = cJSON_Parse("{\"user\":{\"email\":\"b@x.com\",\"uuid\":\"{u-2}\"}}");
    assert_int_equal(api_member_item(j, &m), 0);
    assert_string_equal(m.account_id, "{u-2}");
    cJSON_Delete(j);
    j = cJSON_Parse("{\"user\":{\"email\":\"b@x.com\",\"account_id\":\"\",\"uuid\":\"{u-3}\"}}");
    assert_int_equal(api_member_item(j, &m), 0);
    assert_string_equal(m.account_id, "{u-3}");
    cJSON_Delete(j);
    /* an item without its email (not asked for) or any id is not a match */
    j = cJSON_Parse("{\"user\":{\"account_id\":\"557058:c\"}}");
    assert_int_equal(api_member_item(j, &m), -1);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"user\":{\"email\":\"d@x.com\"}}");
    assert_int_equal(api_member_item(j, &m), -1);
    cJSON_Delete(j);
}

static void test_cloud_perm_item_group(void **state)
{
    (void)state;
    assert_perm_item(&api_cloud,
        "{\"type\":\"repository_group_permission\",\"permission\":\"write\","
        "\"group\":{\"type\":\"group\",\"slug\":\"devs\",\"name\":\"Developers\"},"
        "\"repository\":{\"type\":\"repository\",\"full_name\":\"acme/web\"}}",
        SUBJECT_GROUP, (struct perm_want){SUBJECT_GROUP, "devs", NULL, "Developers", NULL, PRIV_WRITE});
}

static void test_cloud_perm_item_user(void **state)
{
    (void)state;
    assert_perm_item(&api_cloud,
        "{\"type\":\"repository_user_permission\",\"permission\":\"admin\","
        "\"user\":{\"type\":\"user\",\"uuid\":\"{11111111-2222-3333-4444-555555555555}\","
        "\"account_id\":\"557058:0f1e\",\"display_name\":\"Alex\"}}",
        SUBJECT_USER, (struct perm_want){SUBJECT_USER, "557058:0f1e",
                                         "{11111111-2222-3333-4444-555555555555}", "Alex", NULL,
                                         PRIV_ADMIN});
    /* no account id: the uuid is the id */
    assert_perm_item(&api_cloud, "{\"permission\":\"read\",\"user\":{\"uuid\":\"{u}\"}}",
                     SUBJECT_USER, (struct perm_want){SUBJECT_USER, "{u}", NULL, NULL, NULL, PRIV_READ});
    /* a project's create-repo */
    assert_perm_item(&api_cloud,
                     "{\"type\":\"project_group_permission\",\"permission\":\"create-repo\","
                     "\"group\":{\"slug\":\"devs\"},\"project\":{\"key\":\"PROJ\"}}",
                     SUBJECT_GROUP,
                     (struct perm_want){SUBJECT_GROUP, "devs", NULL, NULL, NULL, PRIV_CREATE_REPO});
}

static void test_cloud_perm_item_unreadable(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"permission\":\"owner\",\"group\":{\"slug\":\"g\"}}",
        "{\"group\":{\"slug\":\"g\"}}",
        "{\"permission\":\"read\",\"group\":{\"name\":\"no slug\"}}",
        "{\"permission\":\"read\",\"group\":{\"slug\":\"\"}}",
        "{\"permission\":\"read\",\"user\":{\"uuid\":\"{u}\"}}",     /* asked as a group */
        "{\"permission\":7,\"group\":{\"slug\":\"g\"}}",
    };
    assert_perm_items_unreadable(&api_cloud, SUBJECT_GROUP, bad, sizeof bad / sizeof *bad);
    static const char *const bad_user[] = {
        "{\"permission\":\"read\",\"user\":{\"display_name\":\"x\"}}",
    };
    assert_perm_items_unreadable(&api_cloud, SUBJECT_USER, bad_user, 1);
}

static void test_cloud_target_items(void **state)
{
    (void)state;
    assert_target_item("{\"slug\":\"web\",\"project\":{\"key\":\"PROJ\"}}", TARGET_REPO,
                       "web", "PROJ");
    assert_target_item("{\"key\":\"PROJ\",\"name\":\"Project\"}", TARGET_PROJECT, "PROJ",
                       NULL);
    assert_target_item("{\"slug\":\"\"}", TARGET_REPO, NULL, NULL);
}

static void test_json_string_paths(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"a\":{\"b\":{\"c\":\"deep\"},\"n\":1},\"s\":\"top\"}");
    assert_string_equal(api_json_string(j, "s"), "top");
    assert_string_equal(api_json_string(j, "a.b.c"), "deep");
    assert_null(api_json_string(j, "a.n"));
    assert_null(api_json_string(j, "a.b"));
    assert_null(api_json_string(j, "a.x.c"));
    assert_null(api_json_string(NULL, "s"));
    cJSON_Delete(j);
}

static void test_cloud_target_key(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "web", "g");
    struct request b = creq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "ACME", "Web", "u");
    assert_true(same_key_by(api_target_key, &a, &b));
    /* on Cloud the workspace and slug name a repository: the project cell
     * of a repository row does not change it */
    b.project = "PROJ";
    b.project_len = 4;
    assert_true(same_key_by(api_target_key, &a, &b));
    /* another workspace, or a project of that name, is another target */
    b = creq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme2", "web", "g");
    assert_false(same_key_by(api_target_key, &a, &b));
    b = creq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_READ, "acme", "web", "g");
    assert_false(same_key_by(api_target_key, &a, &b));
    /* the permission key starts with the target key */
    struct buf ka = {0}, kb = {0};
    api_target_key(&ka, &a);
    api_key(&kb, &a);
    assert_true(kb.len > ka.len);
    assert_memory_equal(kb.data, ka.data, ka.len);
    buf_free(&ka);
    buf_free(&kb);
}

static void test_key_subject_overrides_cell(void **state)
{
    (void)state;
    struct request a = creq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "web", "a@x.com");
    struct request b = creq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "acme", "web", "557058:abc");
    struct buf ka = {0}, kb = {0};
    api_key_subject(&ka, &a, "557058:ABC", 10);
    api_key(&kb, &b);
    assert_int_equal(ka.len, kb.len);
    assert_memory_equal(ka.data, kb.data, ka.len);
    buf_free(&ka);
    buf_free(&kb);
}

/* ---- error messages ----------------------------------------------------- */

static void assert_errmsg(const char *body, size_t outsz, const char *want)
{
    char out[1024];
    assert_true(outsz <= sizeof out);
    memset(out, 'X', sizeof out);
    api_error_message(body, strlen(body), out, outsz);
    assert_string_equal(out, want);
}

static void test_error_bitbucket_json(void **state)
{
    (void)state;
    assert_errmsg("{\"type\":\"error\",\"error\":{\"message\":\"Repository not found\"}}", 256,
                  "Repository not found");
}

static void test_error_json_with_detail(void **state)
{
    (void)state;
    assert_errmsg("{\"type\": \"error\", \"error\": {\"message\": \"Bad request\", "
                  "\"detail\": \"permission: must be one of read, write, admin\"}}", 256,
                  "Bad request: permission: must be one of read, write, admin");
}

static void test_error_plain_text_429(void **state)
{
    (void)state;
    assert_errmsg("Rate limit for this resource has been exceeded\n", 256,
                  "Rate limit for this resource has been exceeded");
}

static void test_error_html_502_uses_title(void **state)
{
    (void)state;
    assert_errmsg("<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n"
                  "<body><h1>Bad Gateway</h1></body>\n</html>\n", 256, "502 Bad Gateway");
}

static void test_error_empty_body(void **state)
{
    (void)state;
    char out[64];
    memset(out, 'X', sizeof out);
    api_error_message("", 0, out, sizeof out);
    assert_string_equal(out, "");
    memset(out, 'X', sizeof out);
    api_error_message(NULL, 0, out, sizeof out);
    assert_string_equal(out, "");
    assert_errmsg("\n  \r\n\t\n", 64, "");
}

static void test_error_json_without_message_falls_back(void **state)
{
    (void)state;
    assert_errmsg("{\"type\":\"error\",\"error\":{\"code\":\"E1\"}}", 256,
                  "{\"type\":\"error\",\"error\":{\"code\":\"E1\"}}");
    assert_errmsg("{\n  \"type\": \"error\"\n}\n", 256, "{");
    /* error.message present but not a string, or empty */
    assert_errmsg("{\"error\":{\"message\":42}}", 256, "{\"error\":{\"message\":42}}");
    assert_errmsg("{\"error\":{\"message\":\"\"}}", 256, "{\"error\":{\"message\":\"\"}}");
}

static void test_error_leading_blank_lines(void **state)
{
    (void)state;
    assert_errmsg("\n\r\n   \n  Service Unavailable  \r\nsecond line\n", 256, "Service Unavailable");
}

static void test_error_truncated_to_out_size(void **state)
{
    (void)state;
    assert_errmsg("{\"type\":\"error\",\"error\":{\"message\":\"Repository not found\"}}", 8,
                  "Reposit");
    assert_errmsg("Rate limit exceeded\n", 5, "Rate");
    assert_errmsg("<html><title>502 Bad Gateway</title></html>", 4, "502");
    assert_errmsg("{\"error\":{\"message\":\"Bad\",\"detail\":\"worse\"}}", 6, "Bad: ");
    assert_errmsg("abc", 1, "");
}

static int setup(void **state)
{
    (void)state;
    api_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    api_cleanup();
    return 0;
}

static void test_name_problem(void **state)
{
    (void)state;
    const char *ok[] = {"api", "a.b", "...", ".x", "{1111-2222}", "557058:0f1e", "caf\xc3\xa9", NULL};
    for (int i = 0; ok[i]; i++)
        if (api_name_problem(ok[i], strlen(ok[i])))
            fail_msg("'%s' refused", ok[i]);
    const char *bad[] = {"", ".", "..", "a/b", "/", "a\x1b[2J", "a\tb", "a\x7f", NULL};
    for (int i = 0; bad[i]; i++)
        if (!api_name_problem(bad[i], strlen(bad[i])))
            fail_msg("'%s' accepted", bad[i]);
    assert_non_null(api_name_problem("a\0b", 3));   /* NUL inside */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_problem),
        cmocka_unit_test(test_path_repo_group),
        cmocka_unit_test(test_path_repo_user),
        cmocka_unit_test(test_path_project_group),
        cmocka_unit_test(test_path_project_user),
        cmocka_unit_test(test_path_encodes_every_segment),
        cmocka_unit_test(test_path_uses_lengths_not_nul),
        cmocka_unit_test(test_path_appends_to_buffer),
        cmocka_unit_test(test_encode_reserved),
        cmocka_unit_test(test_encode_unreserved_kept),
        cmocka_unit_test(test_encode_non_ascii_uppercase_hex),
        cmocka_unit_test(test_encode_control_and_nul),
        cmocka_unit_test(test_encode_empty),
        cmocka_unit_test(test_method_and_body),
        cmocka_unit_test(test_method_delete_has_no_body),
        cmocka_unit_test(test_key_case_insensitive),
        cmocka_unit_test(test_key_differs_by_each_part),
        cmocka_unit_test(test_key_repo_vs_project_same_name),
        cmocka_unit_test(test_key_group_vs_user_same_name),
        cmocka_unit_test(test_key_separator_keeps_parts_apart),
        cmocka_unit_test(test_key_appends),
        cmocka_unit_test(test_cloud_ops_table),
        cmocka_unit_test(test_cloud_write_project_create_repo),
        cmocka_unit_test(test_cloud_write_uses_subject_given),
        cmocka_unit_test(test_cloud_perm_list_urls),
        cmocka_unit_test(test_cloud_project_and_repo_list_urls),
        cmocka_unit_test(test_members_by_email_query),
        cmocka_unit_test(test_members_by_email_one_and_quoted),
        cmocka_unit_test(test_members_by_email_full_batch),
        cmocka_unit_test(test_member_item),
        cmocka_unit_test(test_cloud_perm_item_group),
        cmocka_unit_test(test_cloud_perm_item_user),
        cmocka_unit_test(test_cloud_perm_item_unreadable),
        cmocka_unit_test(test_cloud_target_items),
        cmocka_unit_test(test_json_string_paths),
        cmocka_unit_test(test_cloud_target_key),
        cmocka_unit_test(test_key_subject_overrides_cell),
        cmocka_unit_test(test_error_bitbucket_json),
        cmocka_unit_test(test_error_json_with_detail),
        cmocka_unit_test(test_error_plain_text_429),
        cmocka_unit_test(test_error_html_502_uses_title),
        cmocka_unit_test(test_error_empty_body),
        cmocka_unit_test(test_error_json_without_message_falls_back),
        cmocka_unit_test(test_error_leading_blank_lines),
        cmocka_unit_test(test_error_truncated_to_out_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
