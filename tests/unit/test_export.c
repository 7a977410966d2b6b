/* Unit tests for export.c: the rows of one target as export writes them
 * (both flavours' columns, --user, --revoke, the delimiter, names that
 * look like formulas). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "export.h"
#include "helpers.h"

/* A permission as walk_read leaves it (strings owned by the test). */
static struct walk_perm perm(enum subject_kind k, const char *id, const char *alt,
                             const char *display, const char *email, enum privilege p)
{
    struct walk_perm w = {k, (char *)id, (char *)alt, (char *)display, (char *)email, p};
    return w;
}

static void test_cloud_rows(void **state)
{
    (void)state;
    struct walk_perm v[] = {
        perm(SUBJECT_GROUP, "devs", NULL, "Developers", "", PRIV_WRITE),
        perm(SUBJECT_USER, "557058:ann", "{aaaa}", "=HYPERLINK(\"x\")", "", PRIV_ADMIN),
    };
    struct walk_perms perms = {v, 2, 2};
    struct request t = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "acme", "PROJ", "api", "");
    struct buf out = {0};
    assert_int_equal(export_rows(&out, &api_cloud, &t, &perms, NULL, ',', 0), 2);
    assert_string_equal(out.data,
                        "acme,api,PROJ,devs,,write,Developers\n"
                        "acme,api,PROJ,,557058:ann,admin,\"'=HYPERLINK(\"\"x\"\")\"\n");
    buf_free(&out);
}

static void test_revoke_and_delimiter(void **state)
{
    (void)state;
    struct walk_perm v[] = {
        perm(SUBJECT_GROUP, "devs", NULL, "Developers", "", PRIV_WRITE),
    };
    struct walk_perms perms = {v, 1, 1};
    struct request t = mkreq(TARGET_PROJECT, SUBJECT_GROUP, PRIV_NONE, "acme", "", "PROJ", "");
    struct buf out = {0};
    assert_int_equal(export_rows(&out, &api_cloud, &t, &perms, NULL, ';', 1), 1);
    assert_string_equal(out.data, "acme;;PROJ;devs;;none;Developers\n");
    buf_free(&out);
}

/* --user: that person's own grants, by any of their names; no group rows. */
static void test_user_filter(void **state)
{
    (void)state;
    struct walk_perm v[] = {
        perm(SUBJECT_GROUP, "devs", NULL, "Developers", "", PRIV_WRITE),
        perm(SUBJECT_USER, "557058:ann", "{aaaa}", "Ann", "", PRIV_READ),
        perm(SUBJECT_USER, "557058:bob", "{bbbb}", "Bob", "", PRIV_WRITE),
    };
    struct walk_perms perms = {v, 3, 3};
    struct request t = mkreq(TARGET_REPO, SUBJECT_GROUP, PRIV_NONE, "acme", "", "api", "");
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.nusers = 1;
    cfg.users[0] = "{bbbb}";
    struct who who;
    who_init(&who, &cfg, &api_cloud);
    struct buf out = {0};
    assert_int_equal(export_rows(&out, &api_cloud, &t, &perms, &who, ',', 1), 1);
    assert_string_equal(out.data, "acme,api,,,557058:bob,none,Bob\n");
    buf_free(&out);
    who_free(&who);
}

/* Data Center: project key on repository rows, an email column, names
 * neutralised in both. */
static void test_datacenter_rows(void **state)
{
    (void)state;
    struct walk_perm v[] = {
        perm(SUBJECT_USER, "jdoe", NULL, "+John", "@john@example.com", PRIV_WRITE),
    };
    struct walk_perms perms = {v, 1, 1};
    struct request t = mkreq(TARGET_REPO, SUBJECT_USER, PRIV_NONE, "", "PRJ", "api", "");
    struct buf out = {0};
    assert_int_equal(export_rows(&out, &api_datacenter, &t, &perms, NULL, ',', 0), 1);
    assert_non_null(strstr(out.data, ",'+John,'@john@example.com\n"));
    assert_non_null(strstr(out.data, "PRJ"));
    assert_non_null(strstr(out.data, "jdoe"));
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_rows),
        cmocka_unit_test(test_revoke_and_delimiter),
        cmocka_unit_test(test_user_filter),
        cmocka_unit_test(test_datacenter_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
