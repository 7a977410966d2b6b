/* Unit tests for cli.c: option parsing, --rate, --base-url. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof *(a)) - 1)

/* Parse argv (NULL-terminated array); the usage error, if any, lands in
 * errtext. */
static int parse(char **argv, int argc, struct bb_config *cfg, char *errtext, size_t errsz)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&buf, &len);
    assert_non_null(err);
    int rc = cli_parse(argc, argv, cfg, err);
    fclose(err);
    if (errtext) {
        snprintf(errtext, errsz, "%s", buf ? buf : "");
    }
    free(buf);
    return rc;
}

#define PARSE(argv, cfg) parse(argv, ARGC(argv), cfg, NULL, 0)

/* ---- cli_parse_rate ----------------------------------------------------- */

static void assert_rate(const char *s, double want)
{
    double r = -1;
    if (cli_parse_rate(s, &r) != 0)
        fail_msg("cli_parse_rate('%s') refused it", s);
    assert_float_equal(r, want, 1e-12);
}

static void test_rate_units(void **state)
{
    (void)state;
    assert_rate("1000/h", 1000.0 / 3600.0);
    assert_rate("20/s", 20);
    assert_rate("60/m", 1);
    assert_rate("0.5/s", 0.5);
    assert_rate("120/min", 2);
}

static void test_rate_refused(void **state)
{
    (void)state;
    const char *bad[] = {"0/s", "abc", "10/d", "-1/s", "", "/s", "10/", "10 /s", "0", "nan", "inf/s",
                         "1000", "5", "0.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double r = 123;
        if (cli_parse_rate(bad[i], &r) == 0)
            fail_msg("cli_parse_rate('%s') accepted it (%g)", bad[i], r);
    }
}

/* ---- cli_base_url_ok ---------------------------------------------------- */

static int url_ok(const char *u)
{
    const char *why = NULL;
    int ok = cli_base_url_ok(u, &why);
    if (!ok)
        assert_non_null(why);
    return ok;
}

static void test_base_url_accepted(void **state)
{
    (void)state;
    assert_true(url_ok("https://api.bitbucket.org/2.0"));
    assert_true(url_ok("https://example.com"));
    assert_true(url_ok("HTTPS://internal.proxy:8443/bb/2.0"));
    assert_true(url_ok("http://127.0.0.1:8080/x"));
    assert_true(url_ok("http://127.5.6.7"));
    assert_true(url_ok("http://localhost:1"));
    assert_true(url_ok("http://[::1]:9"));
}

static void test_base_url_refused(void **state)
{
    (void)state;
    assert_false(url_ok("http://example.com"));
    assert_false(url_ok("http://10.0.0.1"));
    assert_false(url_ok("http://127.0.0.1.evil.com"));
    assert_false(url_ok("http://localhost.evil.com"));
    assert_false(url_ok("http://127.0.0.1@evil.com"));
    assert_false(url_ok("http://localhost:80@evil.com/2.0"));
    assert_false(url_ok("http://128.0.0.1"));
    assert_false(url_ok("ftp://x"));
    assert_false(url_ok("garbage"));
    assert_false(url_ok(""));
    /* user-info is refused even to a loopback host */
    assert_false(url_ok("https://user:pw@api.bitbucket.org/2.0"));
    assert_false(url_ok("https://user@api.bitbucket.org/2.0"));
    assert_false(url_ok("http://u:p@127.0.0.1:8080"));
    /* octal and short forms are not loopback: 0127.0.0.1 is 87.0.0.1 */
    assert_false(url_ok("http://0127.0.0.1:8080"));
    assert_false(url_ok("http://127.0.0.1.:8080/x"));
}

static void test_parse_base_url_user_info_not_echoed(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--base-url", "https://me:hunter2@api.bitbucket.org/2.0", NULL};
    struct bb_config cfg;
    char err[512];
    assert_int_equal(parse(argv, ARGC(argv), &cfg, err, sizeof err), 2);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "user-info"));
    /* one line */
    assert_non_null(strchr(err, '\n'));
    assert_null(strchr(strchr(err, '\n') + 1, '\n'));
    cli_free(&cfg);
}

static void test_parse_max_wait(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *argv0[] = {"bbperm", NULL};
    assert_int_equal(PARSE(argv0, &cfg), 0);
    assert_float_equal(cfg.max_wait, 900, 1e-12);
    cli_free(&cfg);
    char *argv[] = {"bbperm", "--max-wait", "2.5", NULL};
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_float_equal(cfg.max_wait, 2.5, 1e-12);
    cli_free(&cfg);
    char *bad[] = {"bbperm", "--max-wait", "0", NULL};
    assert_int_equal(PARSE(bad, &cfg), 2);
    cli_free(&cfg);
    char *bad2[] = {"bbperm", "--max-wait", "soon", NULL};
    assert_int_equal(PARSE(bad2, &cfg), 2);
    cli_free(&cfg);
}

/* ---- cli_parse ---------------------------------------------------------- */

static void test_parse_defaults(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.jobs, 4);
    assert_int_equal(cfg.timeout, 30);
    assert_int_equal(cfg.retries, 5);
    assert_string_equal(cfg.base_url, DEFAULT_BASE_URL);
    assert_string_equal(cfg.input, "-");
    assert_string_equal(cfg.output, "-");
    assert_int_equal(cfg.dry_run, 0);
    assert_int_equal(cfg.delimiter, 0);
    assert_int_equal(cfg.nmap, 0);
    assert_float_equal(cfg.rate, 0, 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_int_equal(cfg.api, API_CLOUD);
    assert_int_equal(cfg.diff, 0);
    assert_null(cfg.undo_file);
    assert_null(cfg.workspace);
    assert_int_equal(cfg.nscopes, 0);
    cli_free(&cfg);
}

static void test_parse_input_and_output(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "-o", "out.csv", "-n", "in.csv", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_string_equal(cfg.input, "in.csv");
    assert_string_equal(cfg.output, "out.csv");
    assert_int_equal(cfg.dry_run, 1);
    cli_free(&cfg);
}

static void test_parse_jobs_out_of_range(void **state)
{
    (void)state;
    const char *bad[] = {"0", "65", "abc", "-1", "4x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[] = {"bbperm", "-j", (char *)bad[i], NULL};
        struct bb_config cfg;
        char err[512];
        int rc = parse(argv, ARGC(argv), &cfg, err, sizeof err);
        if (rc != 2)
            fail_msg("-j '%s' gave %d, want 2", bad[i], rc);
        assert_non_null(strstr(err, "jobs"));
        cli_free(&cfg);
    }
}

static void test_parse_jobs_bounds_accepted(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "-j", "64", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.jobs, 64);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "--jobs=1", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 0);
    assert_int_equal(cfg.jobs, 1);
    cli_free(&cfg);
}

static void test_parse_unknown_option(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *argv[] = {"bbperm", "--bogus", NULL};
    assert_int_equal(PARSE(argv, &cfg), 2);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "-x", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 2);
    cli_free(&cfg);
}

static void test_parse_missing_value(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *argv[] = {"bbperm", "--rate", NULL};
    assert_int_equal(PARSE(argv, &cfg), 2);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "-j", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 2);
    cli_free(&cfg);
}

static void test_parse_two_inputs(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "a.csv", "b.csv", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 2);
    cli_free(&cfg);
}

/* Run a parse that prints to stdout (--help, --version) with stdout muted. */
static int parse_muted(char **argv, int argc, struct bb_config *cfg)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int nul = open("/dev/null", O_WRONLY);
    assert_true(saved >= 0 && nul >= 0);
    dup2(nul, STDOUT_FILENO);
    close(nul);
    int rc = parse(argv, argc, cfg, NULL, 0);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static void test_parse_help(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--help", NULL};
    struct bb_config cfg;
    assert_int_equal(parse_muted(argv, ARGC(argv), &cfg), 1);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "-h", NULL};
    assert_int_equal(parse_muted(argv2, ARGC(argv2), &cfg), 1);
    cli_free(&cfg);
}

static void test_parse_version(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--version", NULL};
    struct bb_config cfg;
    assert_int_equal(parse_muted(argv, ARGC(argv), &cfg), 1);
    cli_free(&cfg);
}

static void test_parse_plain_http_base_url_refused(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--base-url", "http://example.com", NULL};
    struct bb_config cfg;
    char err[512];
    assert_int_equal(parse(argv, ARGC(argv), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "http://example.com"));
    cli_free(&cfg);
}

static void test_parse_loopback_base_url(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--base-url", "http://127.0.0.1:8080", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_string_equal(cfg.base_url, "http://127.0.0.1:8080");
    cli_free(&cfg);
}

static void test_parse_rate_option(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--rate", "1000/h", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_float_equal(cfg.rate, 1000.0 / 3600.0, 1e-12);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "--rate=10/d", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 2);
    cli_free(&cfg);
}

static void test_parse_rate_without_unit(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--rate", "1000", NULL};
    struct bb_config cfg;
    char err[512];
    assert_int_equal(parse(argv, ARGC(argv), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "N/s, N/m or N/h"));
    assert_non_null(strstr(err, "'1000'"));
    cli_free(&cfg);
}

static void test_unknown_command(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "exprot", NULL};
    struct bb_config cfg;
    char err[512];
    assert_int_equal(parse(argv, ARGC(argv), &cfg, err, sizeof err), 2);
    assert_true(strncmp(err, "bbperm: unknown command 'exprot'", 32) == 0);
    cli_free(&cfg);
    /* after options too */
    char *argv2[] = {"bbperm", "-j", "2", "plna", NULL};
    assert_int_equal(parse(argv2, ARGC(argv2), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown command 'plna'"));
    cli_free(&cfg);
    /* a path is an input, even a missing one: opening it says why not */
    char *argv3[] = {"bbperm", "nope.csv", NULL};
    assert_int_equal(PARSE(argv3, &cfg), 0);
    assert_string_equal(cfg.input, "nope.csv");
    cli_free(&cfg);
    /* after a command word, the word is the input */
    char *argv4[] = {"bbperm", "plan", "exprot", NULL};
    assert_int_equal(PARSE(argv4, &cfg), 0);
    assert_string_equal(cfg.input, "exprot");
    cli_free(&cfg);
}

static void test_bare_on_a_terminal(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *buf = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&buf, &len);
    assert_non_null(err);
    char *argv[] = {"bbperm", NULL};
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cli_check_terminal(&cfg, 0, err), 0);
    assert_int_equal(cli_check_terminal(&cfg, 1, err), 2);
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "-", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 0);
    assert_int_equal(cli_check_terminal(&cfg, 1, err), 0);  /* '-' asks for the terminal */
    cli_free(&cfg);
    fclose(err);
    assert_non_null(strstr(buf, "Usage: bbperm"));
    free(buf);
}

static void test_parse_map(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--map", "repo=Repository Name,group=Team", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.nmap, 2);
    assert_string_equal(cfg.map_name[0], "repo");
    assert_string_equal(cfg.map_column[0], "Repository Name");
    assert_string_equal(cfg.map_name[1], "group");
    assert_string_equal(cfg.map_column[1], "Team");
    cli_free(&cfg);
    assert_null(cfg.map_storage);
}

/* --map may be given more than once: the pairs add up */
static void test_parse_map_repeated(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--map", "user=email", "--map", "group=cloud_group,repo=R", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.nmap, 3);
    assert_string_equal(cfg.map_name[0], "user");
    assert_string_equal(cfg.map_column[0], "email");
    assert_string_equal(cfg.map_name[1], "group");
    assert_string_equal(cfg.map_column[1], "cloud_group");
    assert_string_equal(cfg.map_name[2], "repo");
    assert_string_equal(cfg.map_column[2], "R");
    cli_free(&cfg);
}

static void test_parse_map_errors(void **state)
{
    (void)state;
    const char *bad[] = {"repo", "=Team", "repo=", "colour=Team", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[] = {"bbperm", "--map", (char *)bad[i], NULL};
        struct bb_config cfg;
        int rc = PARSE(argv, &cfg);
        if (rc != 2)
            fail_msg("--map '%s' gave %d, want 2", bad[i], rc);
        cli_free(&cfg);
    }
    /* --map names header columns: meaningless without a header */
    char *argv[] = {"bbperm", "--no-header", "--map", "repo=R", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 2);
    cli_free(&cfg);
}

static void test_parse_delimiter(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *argv[] = {"bbperm", "--delimiter", ";", NULL};
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.delimiter, ';');
    cli_free(&cfg);
    char *argv2[] = {"bbperm", "--delimiter", "tab", NULL};
    assert_int_equal(PARSE(argv2, &cfg), 0);
    assert_int_equal(cfg.delimiter, '\t');
    cli_free(&cfg);
    char *argv3[] = {"bbperm", "--delimiter", ";;", NULL};
    assert_int_equal(PARSE(argv3, &cfg), 2);
    cli_free(&cfg);
    char *argv4[] = {"bbperm", "--delimiter", "\"", NULL};
    assert_int_equal(PARSE(argv4, &cfg), 2);
    cli_free(&cfg);
}

static void test_parse_numeric_options(void **state)
{
    (void)state;
    char *argv[] = {"bbperm", "--timeout", "90", "--retries", "0", "--max-backoff", "12.5",
                    "--backoff-base", "0.25", "--fail-after-401", "0", NULL};
    struct bb_config cfg;
    assert_int_equal(PARSE(argv, &cfg), 0);
    assert_int_equal(cfg.timeout, 90);
    assert_int_equal(cfg.retries, 0);
    assert_float_equal(cfg.max_backoff, 12.5, 1e-12);
    assert_float_equal(cfg.backoff_base, 0.25, 1e-12);
    assert_int_equal(cfg.fail_after_401, 0);
    cli_free(&cfg);
}

/* Each call parses from scratch, whatever the previous call left behind.
 * Static arrays: a stale getopt pointer into them stays readable. */
static char *stale_a[] = {"bbperm", "-xn", NULL};
static char *stale_b[] = {"bbperm", "in.csv", NULL};

static void test_parse_twice_starts_fresh(void **state)
{
    (void)state;
    struct bb_config cfg;
    /* the unknown -x stops the parse in the middle of the "-xn" cluster */
    assert_int_equal(PARSE(stale_a, &cfg), 2);
    cli_free(&cfg);
    assert_int_equal(PARSE(stale_b, &cfg), 0);
    assert_int_equal(cfg.dry_run, 0);
    assert_string_equal(cfg.input, "in.csv");
    cli_free(&cfg);
}

/* ---- commands ----------------------------------------------------------- */

static void test_command_apply_word_optional(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a1[] = {"bbperm", "apply", "-n", "in.csv", NULL};
    assert_int_equal(PARSE(a1, &cfg), 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_string_equal(cfg.input, "in.csv");
    assert_int_equal(cfg.dry_run, 1);
    assert_int_equal(cfg.diff, 0);
    cli_free(&cfg);
    char *a2[] = {"bbperm", "in.csv", NULL};
    assert_int_equal(PARSE(a2, &cfg), 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_string_equal(cfg.input, "in.csv");
    cli_free(&cfg);
    char *a3[] = {"bbperm", "apply", NULL};
    assert_int_equal(PARSE(a3, &cfg), 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_string_equal(cfg.input, "-");
    cli_free(&cfg);
    /* the word may follow options: the first argument that is not one */
    char *a4[] = {"bbperm", "-q", "--base-url", "https://h/2.0", "plan", NULL};
    assert_int_equal(PARSE(a4, &cfg), 0);
    assert_int_equal(cfg.command, CMD_PLAN);
    assert_string_equal(cfg.input, "-");
    cli_free(&cfg);
    char *a5[] = {"bbperm", "-q", "export", "acme", "-o", "x.csv", NULL};
    assert_int_equal(PARSE(a5, &cfg), 0);
    assert_int_equal(cfg.command, CMD_EXPORT);
    assert_int_equal(cfg.nscopes, 1);
    assert_string_equal(cfg.scopes[0], "acme");
    cli_free(&cfg);
    /* after a command word, a second one is an input of that name */
    char *a6[] = {"bbperm", "apply", "-q", "plan", NULL};
    assert_int_equal(PARSE(a6, &cfg), 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_string_equal(cfg.input, "plan");
    cli_free(&cfg);
    char *a7[] = {"bbperm", "./plan", NULL};
    assert_int_equal(PARSE(a7, &cfg), 0);
    assert_int_equal(cfg.command, CMD_APPLY);
    assert_string_equal(cfg.input, "./plan");
    cli_free(&cfg);
}

static void test_command_plan(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a[] = {"bbperm", "plan", "-o", "plan.csv", "in.csv", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_int_equal(cfg.command, CMD_PLAN);
    assert_int_equal(cfg.diff, 1);              /* a plan reads the live state */
    assert_int_equal(cfg.dry_run, 0);
    assert_string_equal(cfg.input, "in.csv");
    assert_string_equal(cfg.output, "plan.csv");
    cli_free(&cfg);
}

static void test_plan_with_dry_run_refused(void **state)
{
    (void)state;
    struct bb_config cfg;
    char err[512];
    char *a[] = {"bbperm", "plan", "--dry-run", "in.csv", NULL};
    assert_int_equal(parse(a, ARGC(a), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "dry-run"));
    cli_free(&cfg);
    char *b[] = {"bbperm", "plan", "-n", NULL};
    assert_int_equal(PARSE(b, &cfg), 2);
    cli_free(&cfg);
    /* plan sends no write: nothing to undo */
    char *c[] = {"bbperm", "plan", "--undo-file", "u.csv", NULL};
    assert_int_equal(parse(c, ARGC(c), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "undo"));
    cli_free(&cfg);
}

static void test_diff_and_undo_file(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a[] = {"bbperm", "--diff", "in.csv", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_int_equal(cfg.diff, 1);
    assert_null(cfg.undo_file);
    cli_free(&cfg);
    char *b[] = {"bbperm", "--undo-file", "undo.csv", "in.csv", NULL};
    assert_int_equal(PARSE(b, &cfg), 0);
    assert_string_equal(cfg.undo_file, "undo.csv");
    assert_int_equal(cfg.diff, 1);              /* --undo-file implies --diff */
    assert_int_equal(cfg.command, CMD_APPLY);
    cli_free(&cfg);
    /* --dry-run cannot read the live state */
    char err[512];
    char *c[] = {"bbperm", "--dry-run", "--diff", NULL};
    assert_int_equal(parse(c, ARGC(c), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "plan"));
    cli_free(&cfg);
    char *d[] = {"bbperm", "-n", "--undo-file", "u.csv", NULL};
    assert_int_equal(PARSE(d, &cfg), 2);
    cli_free(&cfg);
}

static void test_export_scopes_cloud(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a[] = {"bbperm", "export", "-o", "out.csv", "acme", "acme/PROJ", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_int_equal(cfg.command, CMD_EXPORT);
    assert_int_equal(cfg.api, API_CLOUD);
    assert_int_equal(cfg.nscopes, 2);
    assert_string_equal(cfg.scopes[0], "acme");
    assert_string_equal(cfg.scopes[1], "acme/PROJ");
    assert_string_equal(cfg.output, "out.csv");
    cli_free(&cfg);
}

static void test_export_scope_errors(void **state)
{
    (void)state;
    struct bb_config cfg;
    char err[512];
    /* Cloud needs a workspace to export */
    char *a[] = {"bbperm", "export", NULL};
    assert_int_equal(parse(a, ARGC(a), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "SCOPE"));
    cli_free(&cfg);
    const char *bad[] = {"acme/PROJ/x", "/PROJ", "acme/", "", "a//b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *b[] = {"bbperm", "export", (char *)bad[i], NULL};
        int rc = parse(b, ARGC(b), &cfg, err, sizeof err);
        if (rc != 2)
            fail_msg("export '%s' gave %d, want 2", bad[i], rc);
        assert_non_null(strstr(err, "scope"));
        cli_free(&cfg);
    }
    /* export reads no input */
    const char *opts[] = {"--dry-run", "--resume", "--no-header", "--undo-file=u.csv",
                          "--map=repo=R", "--resume-from=r.csv"};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        char *b[] = {"bbperm", "export", (char *)opts[i], "acme", NULL};
        int rc = parse(b, ARGC(b), &cfg, err, sizeof err);
        if (rc != 2)
            fail_msg("export %s gave %d, want 2", opts[i], rc);
        cli_free(&cfg);
    }
    /* the output's delimiter is an option of export too */
    char *d[] = {"bbperm", "export", "--delimiter=;", "acme", NULL};
    assert_int_equal(PARSE(d, &cfg), 0);
    assert_int_equal(cfg.delimiter, ';');
    cli_free(&cfg);
}

static void test_export_with_diff_refused(void **state)
{
    (void)state;
    /* the usage error lists --diff among the options export does not take */
    struct bb_config cfg;
    char err[512];
    char *a[] = {"bbperm", "export", "--diff", "acme", NULL};
    assert_int_equal(parse(a, ARGC(a), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "--diff"));
    cli_free(&cfg);
}

static void test_export_datacenter(void **state)
{
    (void)state;
    struct bb_config cfg;
    /* no scope: every project */
    char *a[] = {"bbperm", "export", "--base-url", "https://bb.example.com/rest/api/latest", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_int_equal(cfg.api, API_DATACENTER);
    assert_int_equal(cfg.nscopes, 0);
    cli_free(&cfg);
    char *b[] = {"bbperm", "export", "--api", "datacenter", "PRJ", "OTHER", NULL};
    assert_int_equal(PARSE(b, &cfg), 0);
    assert_int_equal(cfg.nscopes, 2);
    assert_string_equal(cfg.scopes[1], "OTHER");
    cli_free(&cfg);
    /* a Data Center scope is a project key, no slash */
    char err[512];
    char *c[] = {"bbperm", "export", "--api=dc", "acme/PRJ", NULL};
    assert_int_equal(parse(c, ARGC(c), &cfg, err, sizeof err), 2);
    assert_non_null(strstr(err, "acme/PRJ"));
    cli_free(&cfg);
}

/* ---- --api, --workspace ------------------------------------------------- */

static void test_api_values(void **state)
{
    (void)state;
    struct bb_config cfg;
    static const struct {
        const char *v;
        enum api_flavour f;
    } ok[] = {{"cloud", API_CLOUD}, {"CLOUD", API_CLOUD}, {"datacenter", API_DATACENTER},
              {"DataCenter", API_DATACENTER}, {"dc", API_DATACENTER}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *a[] = {"bbperm", "--api", (char *)ok[i].v, NULL};
        if (PARSE(a, &cfg) != 0)
            fail_msg("--api %s refused", ok[i].v);
        assert_int_equal(cfg.api, ok[i].f);
        cli_free(&cfg);
    }
    const char *bad[] = {"server", "", "data-center", "cloud2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[512];
        char *a[] = {"bbperm", "--api", (char *)bad[i], NULL};
        int rc = parse(a, ARGC(a), &cfg, err, sizeof err);
        if (rc != 2)
            fail_msg("--api '%s' gave %d, want 2", bad[i], rc);
        assert_non_null(strstr(err, "--api"));
        cli_free(&cfg);
    }
}

static void test_api_guessed_from_base_url(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a[] = {"bbperm", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_int_equal(cfg.api, API_CLOUD);
    cli_free(&cfg);
    char *b[] = {"bbperm", "--base-url", "https://h/rest/api/latest", NULL};
    assert_int_equal(PARSE(b, &cfg), 0);
    assert_int_equal(cfg.api, API_DATACENTER);
    cli_free(&cfg);
    char *c[] = {"bbperm", "--base-url", "https://h/bitbucket/api/1.0", NULL};
    assert_int_equal(PARSE(c, &cfg), 0);
    assert_int_equal(cfg.api, API_CLOUD);
    cli_free(&cfg);
    char *d[] = {"bbperm", "--base-url", "https://h/bitbucket/api/1.0", "--api", "datacenter", NULL};
    assert_int_equal(PARSE(d, &cfg), 0);
    assert_int_equal(cfg.api, API_DATACENTER);
    cli_free(&cfg);
    /* an explicit --api wins over the guess, in either order */
    char *e[] = {"bbperm", "--api", "cloud", "--base-url", "https://h/rest/api/latest", NULL};
    assert_int_equal(PARSE(e, &cfg), 0);
    assert_int_equal(cfg.api, API_CLOUD);
    cli_free(&cfg);
}

static void test_base_url_is_datacenter(void **state)
{
    (void)state;
    assert_true(cli_base_url_is_datacenter("https://h/rest/api/latest"));
    assert_true(cli_base_url_is_datacenter("https://h/rest/api/1.0"));
    assert_true(cli_base_url_is_datacenter("https://h:7990/bitbucket/rest/api/latest"));
    assert_true(cli_base_url_is_datacenter("https://h/rest/api"));
    assert_true(cli_base_url_is_datacenter("http://127.0.0.1:8080/rest/api/latest"));
    assert_false(cli_base_url_is_datacenter("https://api.bitbucket.org/2.0"));
    assert_false(cli_base_url_is_datacenter("https://h/bitbucket/api/1.0"));
    assert_false(cli_base_url_is_datacenter("https://h/restapi/latest"));
    assert_false(cli_base_url_is_datacenter("https://h/rest/apis/latest"));
    assert_false(cli_base_url_is_datacenter("https://h/2.0?x=/rest/api/"));
    assert_false(cli_base_url_is_datacenter("https://rest.api.example.com/2.0"));
    assert_false(cli_base_url_is_datacenter("garbage"));
}

static void test_workspace_option(void **state)
{
    (void)state;
    struct bb_config cfg;
    char *a[] = {"bbperm", "--workspace", "acme", "in.csv", NULL};
    assert_int_equal(PARSE(a, &cfg), 0);
    assert_string_equal(cfg.workspace, "acme");
    cli_free(&cfg);
    char *b[] = {"bbperm", NULL};
    assert_int_equal(PARSE(b, &cfg), 0);
    assert_null(cfg.workspace);
    cli_free(&cfg);
    const char *bad[] = {"", "acme/PROJ", "/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *c[] = {"bbperm", "--workspace", (char *)bad[i], NULL};
        char err[512];
        int rc = parse(c, ARGC(c), &cfg, err, sizeof err);
        if (rc != 2)
            fail_msg("--workspace '%s' gave %d, want 2", bad[i], rc);
        assert_non_null(strstr(err, "--workspace"));
        cli_free(&cfg);
    }
}

/* ---- the table of options ------------------------------------------------ */

static const struct cli_option *find_option(const char *name)
{
    size_t n;
    const struct cli_option *t = cli_options(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* An option as the man page spells it: .It Fl o , -output Ar PATH */
struct man_option {
    char name[64];
    char letter;
    int value;                  /* an Ar follows it */
};

/* Reads the .It Fl lines of the OPTIONS section of bbperm.1. */
static size_t man_options(struct man_option *out, size_t max)
{
    FILE *f = fopen("bbperm.1", "r");
    if (!f)
        fail_msg("cannot read bbperm.1 (run from the top of the tree)");
    char line[1024];
    size_t n = 0;
    int in_options = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, ".Sh ", 4))
            in_options = !strcmp(line, ".Sh OPTIONS\n");
        if (!in_options || strncmp(line, ".It Fl ", 7))
            continue;
        char letter = 0, *save = NULL, *prev = "";
        for (char *t = strtok_r(line, " \n", &save); t; prev = t, t = strtok_r(NULL, " \n", &save)) {
            int after_fl = !strcmp(prev, "Fl");
            if (after_fl && strlen(t) == 1) {
                letter = t[0];
            } else if (t[0] == '-' && (after_fl || (!strcmp(prev, ",") && letter))) {
                assert_true(n < max);
                snprintf(out[n].name, sizeof out[n].name, "%s", t + 1);
                out[n].letter = letter;
                out[n++].value = 0;
                letter = 0;
            } else if (!strcmp(t, "Ar") && n) {
                out[n - 1].value = 1;
            }
        }
    }
    fclose(f);
    return n;
}

/* bbperm.1 lists every option of the table, with its letter and whether it
 * takes a value, and no other. */
static void test_man_page_options_match_table(void **state)
{
    (void)state;
    struct man_option man[128];
    size_t nman = man_options(man, 128), n;
    const struct cli_option *t = cli_options(&n);
    assert_true(n >= 30);
    for (size_t i = 0; i < nman; i++) {
        const struct cli_option *o = find_option(man[i].name);
        if (!o)
            fail_msg("bbperm.1 lists --%s, which the option table does not have", man[i].name);
        if (o->letter != man[i].letter)
            fail_msg("--%s: bbperm.1 gives the letter '%c', the table '%c'", o->name,
                     man[i].letter ? man[i].letter : ' ', o->letter ? o->letter : ' ');
        if (man[i].value != (o->meta != NULL))
            fail_msg("--%s: bbperm.1 and the table disagree on whether it takes a value", o->name);
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < nman && strcmp(man[j].name, t[i].name))
            j++;
        if (j == nman)
            fail_msg("--%s is in the option table but not in bbperm.1's OPTIONS", t[i].name);
    }
}

/* The SYNOPSIS of bbperm.1 shows every command word, and no other. */
static void test_man_page_synopsis_commands(void **state)
{
    (void)state;
    FILE *f = fopen("bbperm.1", "r");
    assert_non_null(f);
    char line[1024], seen[8][32];
    size_t nseen = 0, n;
    int in_synopsis = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, ".Sh ", 4))
            in_synopsis = !strcmp(line, ".Sh SYNOPSIS\n");
        char word[32];
        if (in_synopsis && (sscanf(line, ".Cm %31s", word) == 1 || sscanf(line, ".Op Cm %31s", word) == 1)) {
            assert_true(nseen < 8);
            snprintf(seen[nseen++], sizeof seen[0], "%s", word);
        }
    }
    fclose(f);
    const char *const *cmds = cli_commands(&n);
    assert_int_equal(nseen, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(seen[i], cmds[i]);
}

/* --help shows each option of the table once, with its letter and value. */
static void test_help_lists_table(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0, n;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    cli_usage(out);
    fclose(out);
    const struct cli_option *t = cli_options(&n);
    for (size_t i = 0; i < n; i++) {
        char want[128];
        if (t[i].letter)
            snprintf(want, sizeof want, "  -%c, --%s%s%s", t[i].letter, t[i].name,
                     t[i].meta ? " " : "", t[i].meta ? t[i].meta : "");
        else
            snprintf(want, sizeof want, "      --%s%s%s ", t[i].name, t[i].meta ? " " : "",
                     t[i].meta ? t[i].meta : "");
        char *at = strstr(text, want);
        if (!at || strstr(at + 1, want))
            fail_msg("--help shows '%s' %s", want, at ? "twice" : "nowhere");
    }
    free(text);
}

/* A valid value for each option that takes one. */
static const char *sample_value(const struct cli_option *o)
{
    static const char *const samples[][2] = {
        {"workspace", "acme"}, {"prune", "acme"}, {"max-prune", "10"}, {"api", "cloud"},
        {"rate", "1/s"}, {"delimiter", ";"}, {"map", "repo=r"}, {"user", "alice"},
        {"base-url", "https://bb.example.com/2.0"},
    };
    static char number[32];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        if (!strcmp(samples[i][0], o->name))
            return samples[i][1];
    switch (o->kind) {
    case CLI_STRING: return "x.csv";
    case CLI_INT:
    case CLI_LONG:
    case CLI_SECONDS: snprintf(number, sizeof number, "%g", o->lo); return number;
    default: break;
    }
    fail_msg("--%s: give the test a sample value", o->name);
    return NULL;
}

/* Each option is taken by exactly the commands of its mask: given to one of
 * them it parses, given to another it is refused with a line naming it. */
static void test_option_commands_match_mask(void **state)
{
    (void)state;
    size_t n, ncmds;
    const struct cli_option *t = cli_options(&n);
    const char *const *cmds = cli_commands(&ncmds);
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == CLI_CALL && !t[i].meta)
            continue;           /* --help, --version: print and stop */
        for (size_t c = 0; c < ncmds; c++) {
            char name[64];
            snprintf(name, sizeof name, "--%s", t[i].name);
            char *argv[8] = {"bbperm", (char *)cmds[c], name};
            int argc = 3;
            if (t[i].meta)
                argv[argc++] = (char *)sample_value(&t[i]);
            if (!strcmp(t[i].name, "max-prune")) {
                argv[argc++] = "--prune";
                argv[argc++] = "acme";
            }
            argv[argc++] = c == CMD_EXPORT || c == CMD_ACCESS ? "acme" : "in.csv";
            argv[argc] = NULL;
            struct bb_config cfg;
            char err[512];
            int rc = parse(argv, argc, &cfg, err, sizeof err);
            int want = (t[i].cmds & CLI_CMD(c)) ? 0 : 2;
            if (rc != want)
                fail_msg("bbperm %s %s: exit %d, the mask says %d (%s)", cmds[c], name, rc, want, err);
            if (rc == 2 && !strstr(err, name))
                fail_msg("bbperm %s %s: the refusal does not name the option: %s", cmds[c], name, err);
            cli_free(&cfg);
        }
    }
}

/* No option takes a credential: they come from the environment or netrc. */
static void test_no_option_takes_a_secret(void **state)
{
    (void)state;
    size_t n;
    const struct cli_option *t = cli_options(&n);
    const char *const words[] = {"token", "password", "secret", "pass", "key", "auth-user"};
    for (size_t i = 0; i < n; i++)
        for (size_t w = 0; w < sizeof words / sizeof *words; w++)
            if (strstr(t[i].name, words[w]) && t[i].meta)
                fail_msg("--%s looks like it takes a secret on the command line", t[i].name);
    char *argv[] = {"bbperm", "--token", "s3cret", "in.csv", NULL};
    struct bb_config cfg;
    char err[512];
    assert_int_equal(parse(argv, ARGC(argv), &cfg, err, sizeof err), 2);
    assert_null(strstr(err, "s3cret"));
    cli_free(&cfg);
}

/* A value given to an option that takes none names the option. */
static void test_value_to_a_flag(void **state)
{
    (void)state;
    struct bb_config cfg;
    char err[512];
    char *a[] = {"bbperm", "--dry-run=yes", "in.csv", NULL};
    assert_int_equal(parse(a, ARGC(a), &cfg, err, sizeof err), 2);
    assert_string_equal(err, "bbperm: option '--dry-run' takes no value (see --help)\n");
    cli_free(&cfg);
    char *b[] = {"bbperm", "--no-check=1", NULL};
    assert_int_equal(parse(b, ARGC(b), &cfg, err, sizeof err), 2);
    assert_string_equal(err, "bbperm: option '--no-check-auth' takes no value (see --help)\n");
    cli_free(&cfg);
    char *c[] = {"bbperm", "-nx", NULL};
    assert_int_equal(parse(c, ARGC(c), &cfg, err, sizeof err), 2);
    assert_string_equal(err, "bbperm: unknown option '-x' (see --help)\n");
    cli_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_units),
        cmocka_unit_test(test_rate_refused),
        cmocka_unit_test(test_base_url_accepted),
        cmocka_unit_test(test_base_url_refused),
        cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_input_and_output),
        cmocka_unit_test(test_parse_jobs_out_of_range),
        cmocka_unit_test(test_parse_jobs_bounds_accepted),
        cmocka_unit_test(test_parse_unknown_option),
        cmocka_unit_test(test_parse_missing_value),
        cmocka_unit_test(test_parse_two_inputs),
        cmocka_unit_test(test_parse_help),
        cmocka_unit_test(test_parse_version),
        cmocka_unit_test(test_parse_plain_http_base_url_refused),
        cmocka_unit_test(test_parse_loopback_base_url),
        cmocka_unit_test(test_parse_base_url_user_info_not_echoed),
        cmocka_unit_test(test_parse_max_wait),
        cmocka_unit_test(test_parse_rate_option),
        cmocka_unit_test(test_parse_rate_without_unit),
        cmocka_unit_test(test_unknown_command),
        cmocka_unit_test(test_bare_on_a_terminal),
        cmocka_unit_test(test_parse_map),
        cmocka_unit_test(test_parse_map_repeated),
        cmocka_unit_test(test_parse_map_errors),
        cmocka_unit_test(test_parse_delimiter),
        cmocka_unit_test(test_parse_numeric_options),
        cmocka_unit_test(test_parse_twice_starts_fresh),
        cmocka_unit_test(test_command_apply_word_optional),
        cmocka_unit_test(test_command_plan),
        cmocka_unit_test(test_plan_with_dry_run_refused),
        cmocka_unit_test(test_diff_and_undo_file),
        cmocka_unit_test(test_export_scopes_cloud),
        cmocka_unit_test(test_export_scope_errors),
        cmocka_unit_test(test_export_with_diff_refused),
        cmocka_unit_test(test_export_datacenter),
        cmocka_unit_test(test_api_values),
        cmocka_unit_test(test_api_guessed_from_base_url),
        cmocka_unit_test(test_base_url_is_datacenter),
        cmocka_unit_test(test_workspace_option),
        cmocka_unit_test(test_man_page_options_match_table),
        cmocka_unit_test(test_man_page_synopsis_commands),
        cmocka_unit_test(test_help_lists_table),
        cmocka_unit_test(test_option_commands_match_mask),
        cmocka_unit_test(test_no_option_takes_a_secret),
        cmocka_unit_test(test_value_to_a_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
