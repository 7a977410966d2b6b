/* Unit tests for creds.c: finding the base URL's host in a netrc file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "creds.h"

static int has(const char *text, const char *host)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    int r = creds_netrc_has_host(f, host);
    fclose(f);
    return r;
}

static void test_netrc_machine_found(void **state)
{
    (void)state;
    assert_int_equal(has("machine api.bitbucket.org login a password b\n", "api.bitbucket.org"), 1);
    assert_int_equal(has("machine example.com\n  login a\n  password b\nmachine API.Bitbucket.org\n"
                         "  login c\n  password d\n", "api.bitbucket.org"), 1);
    assert_int_equal(has("default login a password b\n", "api.bitbucket.org"), 1);
}

static void test_netrc_machine_missing(void **state)
{
    (void)state;
    assert_int_equal(has("", "api.bitbucket.org"), 0);
    assert_int_equal(has("machine example.com login a password b\n", "api.bitbucket.org"), 0);
    /* a login or a password that happens to equal the host is no entry */
    assert_int_equal(has("machine example.com login api.bitbucket.org password b\n",
                         "api.bitbucket.org"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netrc_machine_found),
        cmocka_unit_test(test_netrc_machine_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
