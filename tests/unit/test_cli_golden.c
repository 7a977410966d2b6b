/* Golden test for cli_parse: every invocation below is parsed, and its exit
 * code, its stderr, what it printed on stdout (--help, --version) and, when it
 * parsed, every field of the configuration are compared with
 * tests/unit/data/cli-golden.txt. The file was written by the parser before
 * the option table, so it pins the behaviour of every option, every refusal
 * and its message. After a deliberate change, rewrite it with
 *   CLI_GOLDEN_WRITE=1 build/test_cli_golden
 * and review the diff. Tokens are split on spaces; '' is an empty argument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "util.h"

#define GOLDEN "tests/unit/data/cli-golden.txt"

static const char *const cases[] = {
    "",
    "in.csv",
    "-",
    "apply",
    "apply in.csv",
    "plan in.csv",
    "export acme",
    "access acme",
    "export acme acme/PROJ other",
    "--base-url https://bb.example.com/rest/api/latest export",
    "--base-url https://bb.example.com/rest/api/latest access PROJ KEY2",
    "--base-url https://bb.example.com/rest/api export",
    "--base-url https://bb.example.com/rest/api/latest export acme/PROJ",
    "--api dc export",
    "--api DataCenter export PROJ",
    "--api cloud --base-url https://bb.example.com/rest/api/latest in.csv",
    "--api gitlab in.csv",
    "--api",
    "export",
    "access",
    "export acme/",
    "export /PROJ",
    "export acme/P/Q",
    "export ''",
    "plan --prune acme/",
    "--base-url http://127.0.0.1:8080/2.0 plan in.csv",
    "-o out.csv -n in.csv",
    "--output=out.csv --dry-run in.csv",
    "-oout.csv in.csv",
    "-nq -v in.csv",
    "-nqv in.csv",
    "-j 8 in.csv",
    "-j8 in.csv",
    "--jobs=64 in.csv",
    "--jobs 1",
    "-j 0",
    "-j 65",
    "--jobs=many",
    "-j ''",
    "-j 4x",
    "-j",
    "in.csv -o",
    "in.csv --jobs",
    "-x in.csv",
    "-nx in.csv",
    "--frobnicate in.csv",
    "--frob=1",
    "--re in.csv",
    "--no in.csv",
    "--dry in.csv",
    "--dry-run=yes in.csv",
    "--diff=1 in.csv",
    "--ver",
    "--he",
    "-h",
    "--help",
    "-V",
    "--version",
    "-j 0 -h",
    "-h -j 0",
    "--frobnicate -h",
    "plan -h",
    "in.csv in2.csv",
    "in.csv in2.csv in3.csv",
    "-- -o",
    "-- -o x",
    "in.csv -- -n",
    "frob",
    "plna in.csv",
    "./frob",
    "apply frob",
    "frob.csv",
    "--base-url https://x.example.com plan in.csv",
    "--base-url https://x.example.com frob",
    "-o out.csv plan in.csv",
    "-n plan in.csv",
    "in.csv plan",
    "--timeout 1 --timeout 86400 in.csv",
    "--timeout 0",
    "--timeout 86401",
    "--timeout 1.5",
    "--retries 0 in.csv",
    "--retries 1000",
    "--retries 1001",
    "--retries -1",
    "--max-backoff 0.001",
    "--max-backoff 0",
    "--max-backoff 86400.5",
    "--max-backoff nan",
    "--backoff-base 0.5",
    "--backoff-base 3601",
    "--max-wait 2.5",
    "--max-wait 0",
    "--max-wait soon",
    "--max-wait 604800",
    "--max-wait 1e9",
    "--rate 1000/h",
    "--rate 20/s",
    "--rate 0.5/min",
    "--rate 10/d",
    "--rate 1000",
    "--rate",
    "--delimiter ;",
    "--delimiter tab",
    "--delimiter TAB",
    "--delimiter \\t",
    "--delimiter |",
    "--delimiter ,,",
    "--delimiter ''",
    "--delimiter \"",
    "--no-header in.csv",
    "--no-header --map repo=r in.csv",
    "--map repo=Repository in.csv",
    "--map repo=R,group=G --map privilege=P in.csv",
    "--map REPO=x",
    "--map bogus=x",
    "--map repo",
    "--map =x",
    "--map repo=",
    "--map ,,,",
    "--map a=1,b=2",
    "--map workspace=a,repo=b,project=c,group=d,user=e,privilege=f,repo=g,group=h",
    "--map workspace=a,repo=b,project=c,group=d,user=e,privilege=f,repo=g,group=h,user=i",
    "--progress in.csv",
    "--no-progress in.csv",
    "--progress --no-progress",
    "--check-auth",
    "--no-check-auth",
    "--check-auth --no-check-auth",
    "--fail-after-401 0",
    "--fail-after-401 1000000",
    "--fail-after-401 1000001",
    "--fail-after-401 x",
    "--fail-after-errors 3",
    "--fail-after-errors -3",
    "--netrc",
    "--netrc-file ~/.netrc in.csv",
    "--cacert ca.pem",
    "--resume res.csv",
    "--resume-from prev.csv in.csv",
    "--resume --resume-from prev.csv in.csv",
    "--diff in.csv",
    "--undo-file undo.csv in.csv",
    "-n --diff in.csv",
    "-n --undo-file undo.csv in.csv",
    "plan --undo-file undo.csv in.csv",
    "plan -n in.csv",
    "plan --diff in.csv",
    "--workspace acme in.csv",
    "--workspace ''",
    "--workspace acme/PROJ",
    "--workspace /",
    "export --workspace acme acme",
    "export --user alice acme",
    "access --user alice --user bob@x.org acme",
    "export --user '' acme",
    "--user alice in.csv",
    "plan --user alice",
    "export --revoke --user alice acme",
    "--revoke in.csv",
    "access --revoke acme",
    "access --compare prev.csv acme",
    "export --compare prev.csv acme",
    "--compare prev.csv in.csv",
    "export --dry-run acme",
    "export --diff acme",
    "access --resume acme",
    "export --resume-from x acme",
    "export --undo-file u acme",
    "export --map repo=r acme",
    "export --no-header acme",
    "export --prune acme acme",
    "access --max-prune 5 acme",
    "export --markdown r.md acme",
    "access --detailed-exitcode acme",
    "export --prune acme --revoke acme",
    "export --revoke --dry-run acme",
    "export --branch-rules acme",
    "export --branch-rules --user alice acme",
    "export --branch-rules --revoke acme",
    "plan --branch-rules in.csv",
    "access --revoke --compare p --user u acme",
    "plan --prune acme in.csv",
    "--prune acme --prune acme/PROJ in.csv",
    "plan --prune acme --max-prune 10 in.csv",
    "plan --prune acme --max-prune 10% in.csv",
    "plan --prune acme --max-prune 0% in.csv",
    "plan --prune acme --max-prune 100% in.csv",
    "plan --prune acme --max-prune 12.5% in.csv",
    "plan --prune acme --max-prune 101% in.csv",
    "plan --prune acme --max-prune -1 in.csv",
    "plan --prune acme --max-prune +5 in.csv",
    "plan --prune acme --max-prune +5% in.csv",
    "plan --prune acme --max-prune % in.csv",
    "plan --prune acme --max-prune 5x in.csv",
    "plan --prune acme --max-prune 100000000 in.csv",
    "plan --prune acme --max-prune 100000001 in.csv",
    "plan --max-prune 10 in.csv",
    "--max-prune 10",
    "-n --prune acme in.csv",
    "--prune acme --resume in.csv",
    "--prune acme --resume-from p in.csv",
    "--prune acme --no-header in.csv",
    "--prune acme --no-header --dry-run in.csv",
    "--prune acme/P/Q in.csv",
    "--prune '' in.csv",
    "--base-url https://h/rest/api/latest --prune acme/P in.csv",
    "--base-url https://h/rest/api/latest --prune PROJ in.csv",
    "plan --detailed-exitcode in.csv",
    "--detailed-exitcode in.csv",
    "plan --markdown r.md in.csv",
    "--markdown r.md in.csv",
    "--markdown",
    "--base-url https://me:hunter2@api.bitbucket.org/2.0",
    "--base-url https://me@api.bitbucket.org/2.0",
    "--base-url http://example.com/2.0",
    "--base-url ftp://127.0.0.1/",
    "--base-url garbage",
    "--base-url ''",
    "--base-url http://localhost:8080",
    "--base-url http://[::1]:8080/2.0",
    "--token secret in.csv",
    "--password secret in.csv",
    "--app-password x",
    "--user alice --base-url https://u:p@h/2.0 in.csv",
    "apply apply",
    "plan plan",
    "export plan",
    "plan export x",
    "--jobs 2 export acme --jobs 3",
    "export acme -j 2",
    "-nn -qq in.csv",
    "--quiet --verbose in.csv",
    "--resume-fr p in.csv",
    "--max-b 10",
    "--max in.csv",
    "--fail 1",
    "--detailed --prune a plan in.csv",
    "-o - in.csv",
    "-o",
    "--output",
    "--output=",
    "-j=4",
    "--jobs 3 --jobs 5",
    "--workspace a --workspace b",
    NULL,
};

/* Splits a case into argv; the strings live in buf. */
static int split(const char *line, char *buf, size_t bufsz, char **argv, int max)
{
    int argc = 0;
    argv[argc++] = "bbperm";
    snprintf(buf, bufsz, "%s", line);
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t && argc < max - 1; t = strtok_r(NULL, " ", &save))
        argv[argc++] = strcmp(t, "''") ? t : t + 2;   /* '' is "" */
    argv[argc] = NULL;
    return argc;
}

static void dump_cfg(struct buf *b, const struct bb_config *c)
{
    char line[4096];
#define S(x) ((x) ? (x) : "(null)")
    snprintf(line, sizeof line,
             "cmd=%d api=%d diff=%d dry_run=%d resume=%d prune=%d max_prune=%g pct=%d detailed=%d\n"
             "input_given=%d no_header=%d revoke=%d branch_rules=%d delimiter=%d jobs=%d quiet=%d verbose=%d\n"
             "retries=%d check_auth=%d f401=%d ferr=%d progress=%d timeout=%ld max_backoff=%g\n"
             "backoff_base=%g max_wait=%g rate=%.9g netrc=%d auth=%d\n"
             "input=%s output=%s undo=%s workspace=%s markdown=%s resume_from=%s\n"
             "base_url=%s cacert=%s compare=%s netrc_file=%s user=%s secret=%s\n",
             c->command, c->api, c->diff, c->dry_run, c->resume, c->prune, c->max_prune,
             c->max_prune_pct, c->detailed_exitcode, c->input_given, c->no_header, c->revoke, c->branch_rules,
             c->delimiter, c->jobs, c->quiet, c->verbose, c->retries, c->check_auth,
             c->fail_after_401, c->fail_after_errors, (int)c->progress, c->timeout,
             c->max_backoff, c->backoff_base, c->max_wait, c->rate, c->netrc, (int)c->auth,
             S(c->input), S(c->output), S(c->undo_file), S(c->workspace), S(c->markdown),
             S(c->resume_from), S(c->base_url), S(c->cacert), S(c->compare), S(c->netrc_file),
             S(c->user), S(c->secret));
    buf_adds(b, line);
    for (int i = 0; i < c->nscopes; i++) {
        buf_adds(b, "scope=");
        buf_adds(b, c->scopes[i]);
        buf_addc(b, '\n');
    }
    for (int i = 0; i < c->nusers; i++) {
        buf_adds(b, "user=");
        buf_adds(b, c->users[i]);
        buf_addc(b, '\n');
    }
    for (int i = 0; i < c->nmap; i++) {
        snprintf(line, sizeof line, "map=%s=%s\n", c->map_name[i], c->map_column[i]);
        buf_adds(b, line);
    }
#undef S
}

/* Runs one case; stdout is caught in a temporary file. */
static void run_case(struct buf *b, const char *line)
{
    static char store[16384];
    static char *argv[1024];
    int argc = split(line, store, sizeof store, argv, 1024);
    char *errtext = NULL, *outtext = NULL;
    size_t errlen = 0, outlen = 0;
    FILE *err = open_memstream(&errtext, &errlen);
    FILE *tmp = tmpfile();
    assert_non_null(err);
    assert_non_null(tmp);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fileno(tmp), STDOUT_FILENO);
    struct bb_config cfg;
    int rc = cli_parse(argc, argv, &cfg, err);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(err);
    outlen = (size_t)ftell(tmp);
    outtext = calloc(1, outlen + 1);
    rewind(tmp);
    assert_int_equal(fread(outtext, 1, outlen, tmp), outlen);
    fclose(tmp);
    char version[256];
    snprintf(version, sizeof version, "bbperm %s (%s)\n", BBPERM_VERSION, curl_version());
    char head[64];
    snprintf(head, sizeof head, "rc=%d\n", rc);
    if (strlen(line) > 200) {           /* the long generated cases: their start and size */
        char shortline[128];
        snprintf(shortline, sizeof shortline, "$ %.60s... (%zu bytes)\n", line, strlen(line));
        buf_adds(b, shortline);
    } else {
        buf_adds(b, "$ ");
        buf_adds(b, line);
        buf_addc(b, '\n');
    }
    buf_adds(b, head);
    buf_adds(b, "stderr: ");
    buf_adds(b, errtext ? errtext : "");
    if (!errlen)
        buf_addc(b, '\n');
    if (outlen) {
        buf_adds(b, "stdout:\n");
        buf_adds(b, strcmp(outtext, version) ? outtext : "<version line>\n");
    }
    if (rc == 0)
        dump_cfg(b, &cfg);
    buf_addc(b, '\n');
    free(errtext);
    free(outtext);
    cli_free(&cfg);
}

static void test_cli_golden(void **state)
{
    (void)state;
    struct buf b = {0};
    for (size_t i = 0; cases[i]; i++)
        run_case(&b, cases[i]);
    /* the limits of the repeatable options and of the scope arguments */
    static const char *const many[][3] = {
        {"export", "--user u", "acme"}, {"", "--prune s", "in.csv"}, {"export", "s", ""},
        {"--base-url https://h/rest/api/latest access", "K", ""},
    };
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++) {
        for (int count = SCOPES_MAX; count <= SCOPES_MAX + 1; count++) {
            struct buf line = {0};
            buf_adds(&line, many[i][0]);
            for (int k = 0; k < count; k++) {
                buf_addc(&line, ' ');
                buf_adds(&line, many[i][1]);
            }
            buf_addc(&line, ' ');
            buf_adds(&line, many[i][2]);
            run_case(&b, line.data);
            buf_free(&line);
        }
    }
    if (getenv("CLI_GOLDEN_WRITE")) {
        FILE *f = fopen(GOLDEN, "w");
        assert_non_null(f);
        fputs(b.data, f);
        assert_int_equal(fclose(f), 0);
    }
    FILE *f = fopen(GOLDEN, "r");
    if (!f)
        fail_msg("cannot read %s (run from the top of the tree)", GOLDEN);
    struct buf want = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&want, chunk, n);
    fclose(f);
    buf_addc(&want, '\0');
    if (strcmp(want.data, b.data)) {
        FILE *got = fopen("build/cli-golden.got", "w");
        if (got) {
            fputs(b.data, got);
            fclose(got);
        }
        fail_msg("cli_parse differs from " GOLDEN " (got: build/cli-golden.got; diff them)");
    }
    free(want.data);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
