/* Unit tests for creds.c: finding the base URL's host in a netrc file,
 * what loading credentials does to the process (not dumpable), and the
 * warning for a netrc file others may read. */
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

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "creds.h"

static void clear_env(void)
{
    const char *names[] = {"BITBUCKET_EMAIL", "BITBUCKET_API_TOKEN", "BITBUCKET_TOKEN",
                           "BITBUCKET_USERNAME", "BITBUCKET_APP_PASSWORD", NULL};
    for (int i = 0; names[i]; i++)
        unsetenv(names[i]);
}

/* Load credentials; stderr of creds_load lands in text. */
static int load(struct bb_config *cfg, char *text, size_t textsz)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&buf, &len);
    assert_non_null(err);
    int rc = creds_load(cfg, err);
    fclose(err);
    snprintf(text, textsz, "%s", buf ? buf : "");
    free(buf);
    return rc;
}

static void test_not_dumpable_with_secrets(void **state)
{
    (void)state;
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    clear_env();
    setenv("BITBUCKET_TOKEN", "t0ken", 1);
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char text[256];
    assert_int_equal(load(&cfg, text, sizeof text), 0);
    assert_int_equal(cfg.auth, AUTH_BEARER);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    creds_free(&cfg);
    clear_env();
}

static void test_netrc_readable_by_others_warns(void **state)
{
    (void)state;
    clear_env();
    char path[] = "/tmp/bbperm-netrc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct bb_config cfg;
    char text[512];
    chmod(path, 0644);
    memset(&cfg, 0, sizeof cfg);
    cfg.netrc_file = path;
    assert_int_equal(load(&cfg, text, sizeof text), 0);
    assert_non_null(strstr(text, "may be read by others"));
    assert_null(strchr(strchr(text, '\n') + 1, '\n'));     /* one line */
    creds_free(&cfg);
    chmod(path, 0600);
    memset(&cfg, 0, sizeof cfg);
    cfg.netrc_file = path;
    assert_int_equal(load(&cfg, text, sizeof text), 0);
    assert_string_equal(text, "");
    creds_free(&cfg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netrc_machine_found),
        cmocka_unit_test(test_netrc_machine_missing),
        cmocka_unit_test(test_not_dumpable_with_secrets),
        cmocka_unit_test(test_netrc_readable_by_others_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
