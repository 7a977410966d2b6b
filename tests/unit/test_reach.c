/* reach.c (the via order and text, the effective-level join) and
 * compare.c (the change of a level, earlier rows by repository). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "reach.h"

static const char *via(const struct reach_row *r)
{
    static char s[1024];
    snprintf(s, sizeof s, "%.*s", (int)r->via.len, r->via.data);
    return s;
}

static const struct reach_member devs[] = {{"u:bob", "{b}", "Bob", NULL}, {"u:ann", "{a}", "Ann", NULL}};

static int members(void *ctx, const char *group, const struct reach_member **m, size_t *n)
{
    if (ctx)
        return -1;              /* membership unknown */
    if (!strcmp(group, "devs") || !strcmp(group, "b-team")) {
        *m = devs;
        *n = 2;
    } else {
        *m = NULL;
        *n = 0;
    }
    return 0;
}

/* Sources come in the fixed order whatever order the grants came in; two
 * groups of one kind by slug. */
static void test_via_order(void **state)
{
    (void)state;
    const struct reach_grant g[] = {
        {REACH_PROJECT_GROUP, 1, "devs", NULL, NULL, NULL, PRIV_CREATE_REPO, NULL},
        {REACH_PROJECT_USER, 0, "u:ann", NULL, "Ann", NULL, PRIV_READ, NULL},
        {REACH_REPO_GROUP, 1, "devs", NULL, NULL, NULL, PRIV_READ, NULL},
        {REACH_REPO_GROUP, 1, "b-team", NULL, NULL, NULL, PRIV_WRITE, NULL},
        {REACH_REPO_USER, 0, "{a}", NULL, NULL, NULL, PRIV_WRITE, NULL},
        {REACH_GLOBAL, 0, "u:ann", "{a}", NULL, NULL, PRIV_ADMIN, "workspace admin"},
    };
    const struct reach_level lv[] = {{"u:bob", "{b}", "Bob", PRIV_WRITE}, {"u:ann", "{a}", "Ann", PRIV_ADMIN}};
    struct reach_input in = {g, 6, lv, 2, 0, members, NULL};
    struct reach_out out = {0};
    reach_join(&in, &out);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.rows[0].id, "u:ann");
    assert_string_equal(via(&out.rows[0]),
                        "workspace admin; repository user write; repository group b-team write; "
                        "repository group devs read; project user read; project group devs create-repo");
    assert_int_equal(out.rows[0].level, PRIV_ADMIN);
    assert_string_equal(out.rows[1].id, "u:bob");
    assert_int_equal(out.rows[1].level, PRIV_WRITE);
    assert_false(out.rows[1].unexplained);
    reach_out_free(&out);
}

/* Cloud: a level no source explains ends with 'unexplained'; a user in a
 * source but not in Bitbucket's list gets no row. */
static void test_unexplained_and_unlisted(void **state)
{
    (void)state;
    const struct reach_grant g[] = {
        {REACH_REPO_USER, 0, "u:carl", NULL, NULL, NULL, PRIV_ADMIN, NULL},
        {REACH_REPO_GROUP, 1, "devs", NULL, NULL, NULL, PRIV_READ, NULL},
    };
    const struct reach_level lv[] = {{"u:bob", NULL, "Bob", PRIV_WRITE}, {"u:zed", NULL, "Zed", PRIV_READ}};
    struct reach_input in = {g, 2, lv, 2, 0, members, NULL};
    struct reach_out out = {0};
    reach_join(&in, &out);
    assert_int_equal(out.n, 2);
    assert_string_equal(via(&out.rows[0]), "repository group devs read; unexplained");
    assert_true(out.rows[0].unexplained);
    assert_string_equal(via(&out.rows[1]), "unexplained");
    reach_out_free(&out);
}

/* Membership unknown: a group stands, with '?', for users at its level. */
static void test_unknown_membership(void **state)
{
    (void)state;
    const struct reach_grant g[] = {
        {REACH_REPO_GROUP, 1, "devs", NULL, NULL, NULL, PRIV_READ, NULL},
        {REACH_PROJECT_GROUP, 1, "leads", NULL, NULL, NULL, PRIV_CREATE_REPO, NULL},
    };
    const struct reach_level lv[] = {{"u:a", NULL, "A", PRIV_READ}, {"u:b", NULL, "B", PRIV_WRITE},
                                     {"u:c", NULL, "C", PRIV_ADMIN}};
    struct reach_input in = {g, 2, lv, 3, 0, members, (void *)1};
    struct reach_out out = {0};
    reach_join(&in, &out);
    assert_true(out.unknown_groups);
    assert_string_equal(via(&out.rows[0]), "repository group devs read?");
    assert_string_equal(via(&out.rows[1]), "project group leads create-repo?");
    assert_string_equal(via(&out.rows[2]), "unexplained");
    reach_out_free(&out);
}

/* Data Center: the level is the highest source; the default is a '*' row
 * and ends every named user's via. */
static void test_computed_with_default(void **state)
{
    (void)state;
    const struct reach_grant g[] = {
        {REACH_PROJECT_DEFAULT, 0, "*", NULL, NULL, NULL, PRIV_READ, NULL},
        {REACH_PROJECT_USER, 0, "jdoe", NULL, "John", "j@x", PRIV_CREATE_REPO, NULL},
        {REACH_GLOBAL, 1, "admins", NULL, NULL, NULL, PRIV_ADMIN, "global ADMIN"},
    };
    struct reach_input in = {g, 3, NULL, 0, 1, members, NULL};
    struct reach_out out = {0};
    reach_join(&in, &out);
    assert_int_equal(out.n, 2);         /* '*' and jdoe; 'admins' has no members here */
    assert_string_equal(out.rows[0].id, "*");
    assert_string_equal(via(&out.rows[0]), "project default read");
    assert_string_equal(out.rows[1].id, "jdoe");
    assert_int_equal(out.rows[1].level, PRIV_WRITE);
    assert_string_equal(via(&out.rows[1]), "project user create-repo; project default read");
    assert_string_equal(out.rows[1].email, "j@x");
    reach_out_free(&out);
}

/* Data Center, a group of unknown members: a candidate ('?') of every user
 * known from other sources, not counted in the level; '*' gets none; the
 * caller learns the highest level such groups grant, and their text. */
static void test_computed_unknown_group(void **state)
{
    (void)state;
    const struct reach_grant g[] = {
        {REACH_PROJECT_DEFAULT, 0, "*", NULL, NULL, NULL, PRIV_READ, NULL},
        {REACH_REPO_USER, 0, "jdoe", NULL, "John", NULL, PRIV_READ, NULL},
        {REACH_REPO_GROUP, 1, "devs", NULL, NULL, NULL, PRIV_WRITE, NULL},
        {REACH_PROJECT_GROUP, 1, "leads", NULL, NULL, NULL, PRIV_ADMIN, NULL},
        {REACH_GLOBAL, 1, "admins", NULL, NULL, NULL, PRIV_ADMIN, "global ADMIN"},
    };
    struct reach_input in = {g, 5, NULL, 0, 1, members, (void *)1};
    struct reach_out out = {0};
    reach_join(&in, &out);
    assert_true(out.unknown_groups);
    assert_int_equal(out.n, 2);
    assert_string_equal(via(&out.rows[0]), "project default read");
    assert_string_equal(out.rows[1].id, "jdoe");
    assert_int_equal(out.rows[1].level, PRIV_READ);
    assert_string_equal(via(&out.rows[1]),
                        "global ADMIN group admins?; repository user read; repository group devs write?; "
                        "project group leads admin?; project default read");
    assert_int_equal(out.unsure_rank, 3);
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)out.unsure_via.len, out.unsure_via.data);
    assert_string_equal(text, "global ADMIN group admins?; repository group devs write?; project group leads admin?");
    /* a second join on the same out starts afresh */
    struct reach_input in2 = {g + 1, 1, NULL, 0, 1, members, (void *)1};
    reach_join(&in2, &out);
    assert_int_equal(out.unsure_rank, 0);
    assert_int_equal(out.unsure_via.len, 0);
    reach_out_free(&out);
}

static void test_compare_change(void **state)
{
    (void)state;
    assert_string_equal(compare_change(0, 1), "added");
    assert_string_equal(compare_change(2, 0), "removed");
    assert_string_equal(compare_change(1, 3), "raised");
    assert_string_equal(compare_change(3, 2), "lowered");
    assert_string_equal(compare_change(2, 2), "");
    assert_int_equal(reach_rank(PRIV_CREATE_REPO), reach_rank(PRIV_WRITE));
}

/* Earlier rows: 'none' rows dropped, sorted by repository then user, found
 * by repository; a guarded name loses its '. */
static void test_compare_load(void **state)
{
    (void)state;
    char path[] = "/tmp/bbperm-cmp-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("workspace,repo,project,user,name,permission,via\n"
          "acme,web,P,u:b,B,read,x\n"
          "acme,api,P,u:z,'=Z,admin,x\n"
          "acme,api,P,u:a,A,write,x\n"
          "acme,api,P,u:n,N,none,\n", f);
    fclose(f);
    struct compare c;
    assert_int_equal(compare_load(&c, path, 0, NULL, NULL, stderr), 0);
    unlink(path);
    assert_int_equal(c.n, 3);
    size_t n, first = compare_find(&c, "acme", "P", "api", &n);
    assert_int_equal(first, 0);
    assert_int_equal(n, 2);
    assert_string_equal(c.rows[0].user, "u:a");
    assert_string_equal(c.rows[1].name, "=Z");
    assert_int_equal(c.rows[1].rank, 3);
    first = compare_find(&c, "acme", "P", "gone", &n);
    assert_int_equal(n, 0);
    compare_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_via_order),
        cmocka_unit_test(test_unexplained_and_unlisted),
        cmocka_unit_test(test_unknown_membership),
        cmocka_unit_test(test_computed_with_default),
        cmocka_unit_test(test_computed_unknown_group),
        cmocka_unit_test(test_compare_change),
        cmocka_unit_test(test_compare_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
