/* Unit tests for brestr.c: what rows do to one branch restriction, and the
 * write from the live restriction to the wanted one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "brestr.h"

static struct brestr_row row(enum brestr_subject kind, const char *name, int remove, long value)
{
    struct brestr_row r = {kind, name, name ? strlen(name) : 0, NULL, remove, value};
    return r;
}

/* Apply a row and check its previous cell. */
static void apply(struct brestr *want, int *exists, struct brestr_row r, const char *previous)
{
    struct buf p = {0};
    brestr_row_apply(want, exists, &r, &p);
    buf_addc(&p, '\0');
    assert_string_equal(p.data, previous);
    buf_free(&p);
}

static void test_add_to_absent(void **state)
{
    (void)state;
    struct brestr live, want;
    brestr_init(&live);
    brestr_init(&want);
    int exists = 0;
    /* add with a subject: created with that subject alone */
    apply(&want, &exists, row(BRS_USER, "alice", 0, -1), "absent");
    assert_true(exists);
    assert_int_equal(want.users.n, 1);
    assert_int_equal(brestr_diff(&live, 0, &want, exists), BROP_CREATE);
    /* the same subject again, in another case: listed, nothing added */
    apply(&want, &exists, row(BRS_USER, "ALICE", 0, -1), "listed");
    assert_int_equal(want.users.n, 1);
    brestr_free(&want);

    /* add without a subject: created with empty lists */
    exists = 0;
    apply(&want, &exists, row(BRS_NONE, NULL, 0, 2), "absent");
    assert_true(exists);
    assert_int_equal(want.users.n + want.groups.n, 0);
    assert_int_equal(want.value, 2);
    assert_int_equal(brestr_diff(&live, 0, &want, 1), BROP_CREATE);
    brestr_free(&want);
    brestr_free(&live);
}

static void test_remove(void **state)
{
    (void)state;
    struct brestr live, want;
    brestr_init(&live);
    brestr_init(&want);
    live.id = 7;
    brestr_names_add(&live.groups, "devs", NULL);
    brestr_names_add(&live.users, "557058:aa", "{u-1}");
    brestr_copy(&want, &live);
    int exists = 1;

    /* remove a subject named by its other name: it goes, the restriction stays */
    apply(&want, &exists, row(BRS_USER, "{U-1}", 1, -1), "listed");
    assert_true(exists);
    assert_int_equal(want.users.n, 0);
    assert_int_equal(brestr_diff(&live, 1, &want, exists), BROP_UPDATE);
    /* removing it again finds it not listed and changes nothing more */
    apply(&want, &exists, row(BRS_USER, "557058:aa", 1, -1), "not listed");
    /* removing a subject of a restriction that is absent: nothing */
    int none = 0;
    struct brestr empty;
    brestr_init(&empty);
    apply(&empty, &none, row(BRS_GROUP, "devs", 1, -1), "absent");
    assert_false(none);
    brestr_free(&empty);

    /* remove without a subject: the restriction is deleted */
    apply(&want, &exists, row(BRS_NONE, NULL, 1, -1), "present");
    assert_false(exists);
    assert_int_equal(brestr_diff(&live, 1, &want, exists), BROP_DELETE);
    /* and added back as it was: no write at all */
    apply(&want, &exists, row(BRS_GROUP, "devs", 0, -1), "absent");
    apply(&want, &exists, row(BRS_USER, "{u-1}", 0, -1), "not listed");
    assert_int_equal(brestr_diff(&live, 1, &want, exists), BROP_NONE);
    brestr_free(&want);
    brestr_free(&live);
}

static void test_value_and_same(void **state)
{
    (void)state;
    struct brestr live, want;
    brestr_init(&live);
    brestr_init(&want);
    live.value = 2;
    brestr_copy(&want, &live);
    int exists = 1;
    apply(&want, &exists, row(BRS_NONE, NULL, 0, 2), "present value 2");
    assert_int_equal(brestr_diff(&live, 1, &want, 1), BROP_NONE);
    apply(&want, &exists, row(BRS_NONE, NULL, 0, 3), "present value 2");
    assert_int_equal(brestr_diff(&live, 1, &want, 1), BROP_UPDATE);

    /* lists compare as sets, by either name; access keys count */
    struct brestr a, b;
    brestr_init(&a);
    brestr_init(&b);
    brestr_names_add(&a.users, "x", "{x}");
    brestr_names_add(&a.users, "y", NULL);
    brestr_names_add(&b.users, "Y", NULL);
    brestr_names_add(&b.users, "{x}", NULL);
    assert_true(brestr_same(&a, &b));
    long k = 5;
    a.keys = xmalloc(sizeof k);
    a.keys[0] = k;
    a.nkeys = 1;
    assert_false(brestr_same(&a, &b));
    brestr_copy(&b, &a);
    assert_true(brestr_same(&a, &b));
    /* a name learns its other name once */
    brestr_names_add(&b.users, "y", "{y}");
    assert_int_equal(b.users.n, 2);
    assert_string_equal(b.users.v[1].alt, "{y}");
    brestr_free(&a);
    brestr_free(&b);
    brestr_free(&want);
    brestr_free(&live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_to_absent),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_value_and_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
