/* Unit tests for api.c: URL paths, percent-encoding, bodies, keys, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api.h"
#include "row.h"
#include "util.h"

static struct request mkreq(enum target_kind t, enum subject_kind s, enum privilege p,
                            const char *ws, const char *target, const char *subject)
{
    struct request r;
    memset(&r, 0, sizeof r);
    r.target = t;
    r.subject = s;
    r.priv = p;
    r.workspace = ws;
    r.workspace_len = strlen(ws);
    r.target_name = target;
    r.target_len = strlen(target);
    r.subject_name = subject;
    r.subject_len = strlen(subject);
    return r;
}

static void assert_path(const struct request *r, const char *want)
{
    struct buf b = {0};
    api_path(&b, r);
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
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
    assert_path(&r, "/repositories/ws/repo/permissions-config/groups/g");
}

static void test_path_repo_user(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "ws", "repo", "u");
    assert_path(&r, "/repositories/ws/repo/permissions-config/users/u");
}

static void test_path_project_group(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_ADMIN, "ws", "P", "g");
    assert_path(&r, "/workspaces/ws/projects/P/permissions-config/groups/g");
}

static void test_path_project_user(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_PROJECT, SUBJECT_USER, PRIV_NONE, "ws", "P", "u");
    assert_path(&r, "/workspaces/ws/projects/P/permissions-config/users/u");
}

static void test_path_encodes_every_segment(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_READ, "w s", "a/b", "{uuid}");
    assert_path(&r, "/repositories/w%20s/a%2Fb/permissions-config/users/%7Buuid%7D");
    r = mkreq(TARGET_PROJECT, SUBJECT_USER, PRIV_READ, "ws", "P?x", "557058:abc");
    assert_path(&r, "/workspaces/ws/projects/P%3Fx/permissions-config/users/557058%3Aabc");
}

static void test_path_uses_lengths_not_nul(void **state)
{
    (void)state;
    /* views into a cell buffer are not NUL-terminated */
    const char *cells = "acmeXwebYdevsZ";
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "", "", "");
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
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
    api_path(&b, &r);
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

static void test_method_and_body(void **state)
{
    (void)state;
    struct request r = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "repo", "g");
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
    struct request r = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "ws", "repo", "u");
    assert_string_equal(api_method(&r), "DELETE");
    assert_null(api_body(&r));
}

/* ---- keys --------------------------------------------------------------- */

static int same_key(const struct request *a, const struct request *b)
{
    struct buf ka = {0}, kb = {0};
    api_key(&ka, a);
    api_key(&kb, b);
    assert_true(ka.len > 0);
    int same = ka.len == kb.len && memcmp(ka.data, kb.data, ka.len) == 0;
    buf_free(&ka);
    buf_free(&kb);
    return same;
}

static void test_key_case_insensitive(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "Acme", "Web-App", "Devs");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_READ, "acme", "web-app", "DEVS");
    assert_true(same_key(&a, &b));
    /* the privilege is what changes, not what is changed */
    b.priv = PRIV_NONE;
    assert_true(same_key(&a, &b));
}

static void test_key_differs_by_each_part(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "devs");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme2", "web", "devs");
    assert_false(same_key(&a, &b));
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web2", "devs");
    assert_false(same_key(&a, &b));
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "ops");
    assert_false(same_key(&a, &b));
}

static void test_key_repo_vs_project_same_name(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "core", "devs");
    struct request b = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_WRITE, "acme", "core", "devs");
    assert_false(same_key(&a, &b));
}

static void test_key_group_vs_user_same_name(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "acme", "web", "alex");
    struct request b = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_WRITE, "acme", "web", "alex");
    assert_false(same_key(&a, &b));
}

static void test_key_separator_keeps_parts_apart(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "a", "bc", "g");
    struct request b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ab", "c", "g");
    assert_false(same_key(&a, &b));
    a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "r", "gx");
    b = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "rg", "x");
    assert_false(same_key(&a, &b));
}

static void test_key_appends(void **state)
{
    (void)state;
    struct request a = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_WRITE, "ws", "r", "g");
    struct buf k1 = {0}, k2 = {0};
    api_key(&k1, &a);
    buf_adds(&k2, "prefix");
    api_key(&k2, &a);
    assert_int_equal(k2.len, k1.len + 6);
    assert_memory_equal(k2.data + 6, k1.data, k1.len);
    buf_free(&k1);
    buf_free(&k2);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
