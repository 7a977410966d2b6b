/* DESIGN: the command line is one table of options (options[] below, in the
 * manner of curl's tool_getparam.c aliases[]). Each entry names the option
 * (long name, short letter), what its value is, the commands that take it,
 * the field of struct bb_config it sets (an offsetof, or a small setter for
 * a list or a value in units) and its line in --help. Three things read the
 * table: cli_parse, which builds getopt_long's arrays from it and stores each
 * value through it; cli_usage, which prints --help from it; and cli_check,
 * which refuses an option given to a command not in its mask. The unit tests
 * check the man page against it.
 *
 * cli_parse runs in three steps: defaults and the command word, the options
 * (each value checked alone, at once, in argv order), then cli_check: every
 * check that spans options, in one function, in the order their messages have
 * always come. A new option is one entry in the table, plus a line in
 * cli_check when it conflicts with another. No option takes a secret:
 * credentials come from the environment or a netrc file (creds.c). */
#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo) || !(v <= hi))
        return -1;
    *out = v;
    return 0;
}

int cli_parse_rate(const char *s, double *per_second)
{
    char *end;
    errno = 0;
    double n = strtod(s, &end);
    if (errno || end == s || !(n > 0) || n > 1e9)
        return -1;
    double unit = 1.0;
    if (*end == '/') {
        end++;
        if (!strcasecmp(end, "s") || !strcasecmp(end, "sec") || !strcasecmp(end, "second"))
            unit = 1.0;
        else if (!strcasecmp(end, "m") || !strcasecmp(end, "min") || !strcasecmp(end, "minute"))
            unit = 60.0;
        else if (!strcasecmp(end, "h") || !strcasecmp(end, "hour"))
            unit = 3600.0;
        else
            return -1;
    } else {
        return -1;              /* a bare number: per second? per hour? say it */
    }
    *per_second = n / unit;
    return 0;
}

static const char userinfo_why[] =
    "holds user-info (user:password@): give credentials through the environment or --netrc";

int cli_base_url_ok(const char *base, const char **why)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    int ok = 0;
    *why = "is not a valid URL";
    if (!u)
        return 0;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
            curl_url_get(u, CURLUPART_PASSWORD, &password, 0) != CURLUE_NO_PASSWORD) {
            *why = userinfo_why;
        } else if (!strcasecmp(scheme, "https")) {
            ok = 1;
        } else if (!strcasecmp(scheme, "http")) {
            ok = host_is_loopback(host);
            if (!ok)
                *why = "uses plain http:// to a host that is not loopback; use https://";
        } else {
            *why = "must start with https:// (or http:// to a loopback host)";
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return ok;
}

static const char *const map_names[] = {
    "workspace", "repo", "project", "group", "user", "privilege", NULL
};

static int set_map(struct bb_config *cfg, const char *arg, FILE *err)
{
    /* The storage holds every --map argument joined; pointers into it are
     * kept in map_name/map_column. A second --map joins the pairs read so
     * far with its own, and all are read again. */
    if (cfg->map_storage) {
        struct buf joined = {0};
        for (int i = 0; i < cfg->nmap; i++) {
            buf_adds(&joined, cfg->map_name[i]);
            buf_addc(&joined, '=');
            buf_adds(&joined, cfg->map_column[i]);
            buf_addc(&joined, ',');
        }
        buf_adds(&joined, arg);
        free(cfg->map_storage);
        cfg->map_storage = joined.data;
        cfg->nmap = 0;
    } else {
        cfg->map_storage = xstrdup(arg);
    }
    char *save = NULL;
    for (char *pair = strtok_r(cfg->map_storage, ",", &save); pair;
         pair = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(pair, '=');
        if (!eq || eq == pair || !eq[1]) {
            fprintf(err, "bbperm: --map: '%s' is not NAME=COLUMN\n", pair);
            return -1;
        }
        *eq = '\0';
        int known = 0;
        for (int i = 0; map_names[i]; i++)
            if (!strcasecmp(pair, map_names[i]))
                known = 1;
        if (!known) {
            fprintf(err, "bbperm: --map: unknown name '%s' (use workspace, repo, project, group, user or privilege)\n", pair);
            return -1;
        }
        if (cfg->nmap == MAP_MAX) {
            fprintf(err, "bbperm: --map: too many pairs\n");
            return -1;
        }
        cfg->map_name[cfg->nmap] = pair;
        cfg->map_column[cfg->nmap] = eq + 1;
        cfg->nmap++;
    }
    if (cfg->nmap == 0) {
        fprintf(err, "bbperm: --map needs NAME=COLUMN\n");
        return -1;
    }
    return 0;
}

/* --max-prune N or P%: a whole count, or a percentage from 0 to 100. */
static int set_max_prune(struct bb_config *cfg, const char *s, FILE *err)
{
    (void)err;
    size_t n = strlen(s);
    if (n && s[n - 1] == '%') {
        char num[32];
        char *end;
        if (n - 1 == 0 || n - 1 >= sizeof num || strchr("+- ", s[0]))
            return -1;
        memcpy(num, s, n - 1);
        num[n - 1] = '\0';
        errno = 0;
        double v = strtod(num, &end);
        if (errno || *end || !(v >= 0) || !(v <= 100))
            return -1;
        cfg->max_prune = v;
        cfg->max_prune_pct = 1;
        return 0;
    }
    long v;
    if (s[0] == '+' || parse_long(s, 0, 100000000, &v))
        return -1;
    cfg->max_prune = (double)v;
    cfg->max_prune_pct = 0;
    return 0;
}

static int set_delimiter(struct bb_config *cfg, const char *s, FILE *err)
{
    char *out = &cfg->delimiter;
    (void)err;
    if (!strcmp(s, "\\t") || !strcasecmp(s, "tab")) {
        *out = '\t';
        return 0;
    }
    if (strlen(s) != 1 || s[0] == '"' || s[0] == '\r' || s[0] == '\n')
        return -1;
    *out = s[0];
    return 0;
}

/* Returns 1 when the base URL's path holds /rest/api/ (a Data Center root). */
int cli_base_url_is_datacenter(const char *base)
{
    CURLU *u = curl_url();
    char *path = NULL;
    int dc = 0;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK)
        dc = strstr(path, "/rest/api/") != NULL || (strlen(path) >= 9 &&
             !strcmp(path + strlen(path) - 9, "/rest/api"));
    curl_free(path);
    curl_url_cleanup(u);
    return dc;
}

/* ---- setters: the options whose value is more than one field ------------ */

static int set_help(struct bb_config *cfg, const char *value, FILE *err)
{
    (void)cfg, (void)value, (void)err;
    cli_usage(stdout);
    return 1;
}

static int set_version(struct bb_config *cfg, const char *value, FILE *err)
{
    (void)cfg, (void)value, (void)err;
    printf("bbperm %s (%s)\n", BBPERM_VERSION, curl_version());
    return 1;
}

static int set_rate(struct bb_config *cfg, const char *value, FILE *err)
{
    (void)err;
    return cli_parse_rate(value, &cfg->rate) ? -1 : 0;
}

static int set_api(struct bb_config *cfg, const char *value, FILE *err)
{
    (void)err;
    if (!strcasecmp(value, "cloud"))
        cfg->api = API_CLOUD;
    else if (!strcasecmp(value, "datacenter") || !strcasecmp(value, "dc"))
        cfg->api = API_DATACENTER;
    else
        return -1;
    return 0;
}

static int set_workspace(struct bb_config *cfg, const char *value, FILE *err)
{
    (void)err;
    if (!value[0] || strchr(value, '/'))
        return -1;
    cfg->workspace = value;
    return 0;
}

static int set_user(struct bb_config *cfg, const char *value, FILE *err)
{
    if (!value[0] || cfg->nusers == USERS_MAX) {
        fprintf(err, "bbperm: --user needs an account id, {uuid}, user name or email "
                     "(%d at most)\n", USERS_MAX);
        return -1;
    }
    cfg->users[cfg->nusers++] = value;
    return 0;
}

static int set_prune(struct bb_config *cfg, const char *value, FILE *err)
{
    if (cfg->nscopes == SCOPES_MAX) {
        fprintf(err, "bbperm: --prune: %d scopes at most\n", SCOPES_MAX);
        return -1;
    }
    cfg->scopes[cfg->nscopes++] = value;
    cfg->prune = 1;
    return 0;
}

/* ---- the table ----------------------------------------------------------- */

/* The offset of field f, which must be of type T: a wrong type is an array
 * of size -1, so a table entry cannot store into a field of another type. */
#define AT(f, T) (offsetof(struct bb_config, f) + \
                  0 * sizeof(char[_Generic(((struct bb_config *)0)->f, T: 1, default: -1)])) // NOLINT(bugprone-macro-parentheses): f is a field name
#define FLAG(f, v)            CLI_FLAG, AT(f, int), v, 0, NULL, NULL
#define MODE(f, v)            CLI_FLAG, AT(f, enum progress_mode), v, 0, NULL, NULL
#define STRING(f)             CLI_STRING, AT(f, const char *), 0, 0, NULL, NULL
#define INT(f, lo, hi, bad)   CLI_INT, AT(f, int), lo, hi, NULL, bad
#define LONG(f, lo, hi, bad)  CLI_LONG, AT(f, long), lo, hi, NULL, bad
#define SECONDS(f, lo, hi, bad) CLI_SECONDS, AT(f, double), lo, hi, NULL, bad
#define CALL(fn, bad)         CLI_CALL, 0, 0, 0, fn, bad
#define APPLY_PLAN            (CLI_APPLY | CLI_PLAN)
#define SCOPED                (CLI_EXPORT | CLI_ACCESS)

/* name, letter, commands, kind and field, the value's name, --help text */
static const struct cli_option options[] = {
{"output", 'o', CLI_ALL, STRING(output), "PATH", "result CSV (default: standard output)"},
{"jobs", 'j', CLI_ALL, INT(jobs, 1, 64, "must be a whole number from 1 to 64"), "N",
 "worker threads, 1 to 64 (default 4)"},
{"dry-run", 'n', CLI_APPLY, FLAG(dry_run, 1), NULL, "send nothing; valid rows become 'planned'"},
{"diff", 0, APPLY_PLAN, FLAG(diff, 1), NULL,
 "read the live state first and send only the writes\nthat change something"},
{"undo-file", 0, CLI_APPLY, STRING(undo_file), "PATH",
 "write a CSV that puts back every permission the run\nchanges (implies --diff)"},
{"workspace", 0, CLI_ALL, CALL(set_workspace, "needs a workspace slug"), "W",
 "workspace for rows whose workspace cell is empty"},
{"prune", 0, APPLY_PLAN, CALL(set_prune, NULL), "SCOPE",
 "the file is the truth within SCOPE (as export's;\nrepeatable): every explicit permission there that\n"
 "no row names is revoked, after the file's own rows"},
{"max-prune", 0, APPLY_PLAN, CALL(set_max_prune, "must be a whole number N or a percentage P% "
 "(0 to 100)"), "N|P%", "prune nothing in a scope whose revocations would\n"
 "exceed N, or P% of its permissions (default 25%);\nits rows are written 'held'"},
{"detailed-exitcode", 0, CLI_PLAN, FLAG(detailed_exitcode, 1), NULL,
 "plan: exit 0 when nothing would change, 3 when\nsomething would, 1 when a row failed or is invalid"},
{"markdown", 0, APPLY_PLAN, STRING(markdown), "FILE",
 "also write a Markdown report (summary, changes by\ntarget, failed/invalid/held rows) for a review"},
{"api", 0, CLI_ALL, CALL(set_api, "must be cloud or datacenter"), "cloud|datacenter",
 "API flavour (default: datacenter when the base\nURL's path contains /rest/api/, else cloud)"},
{"base-url", 0, CLI_ALL, STRING(base_url), "URL", "API root (default " DEFAULT_BASE_URL ")"},
{"cacert", 0, CLI_ALL, STRING(cacert), "PATH", "extra CA bundle for TLS verification"},
{"timeout", 0, CLI_ALL, LONG(timeout, 1, 86400, "must be whole seconds from 1 to 86400"),
 "SECONDS", "per request (default 30)"},
{"netrc", 0, CLI_ALL, FLAG(netrc, 1), NULL, "take credentials from ~/.netrc"},
{"netrc-file", 0, CLI_ALL, STRING(netrc_file), "PATH", "take credentials from PATH"},
{"retries", 0, CLI_ALL, INT(retries, 0, 1000, "must be a whole number from 0 to 1000"), "N",
 "retries for 5xx and network errors (default 5)"},
{"rate", 0, CLI_ALL, CALL(set_rate, "must be a number and a unit: N/s, N/m or N/h (also /sec, "
 "/min, /hour), e.g. 1000/h"), "N/s|N/m|N/h", "pace requests (e.g. 1000/h); default: no cap"},
{"max-backoff", 0, CLI_ALL, SECONDS(max_backoff, 0.001, 86400, "must be seconds from 0.001 to 86400"),
 "SECS", "longest wait after a 429 or fault (default 300)"},
{"backoff-base", 0, CLI_ALL, SECONDS(backoff_base, 0.001, 3600, "must be seconds from 0.001 to 3600"),
 "SECS", "first wait of the exponential backoff, and the\n"
 "shortest wait a Retry-After may ask for (default 1)"},
{"max-wait", 0, CLI_ALL, SECONDS(max_wait, 0.001, 604800, "must be seconds from 0.001 to 604800"),
 "SECS", "longest a row waits out 429s in all before it fails\n(default 900)"},
{"resume", 0, APPLY_PLAN, FLAG(resume, 1), NULL,
 "INPUT is an earlier result CSV: keep its 'ok' rows,\nrun every other row again"},
{"resume-from", 0, APPLY_PLAN, STRING(resume_from), "PREV",
 "INPUT is the original input and PREV the result\nof an earlier run of it, even one cut short: rows\n"
 "PREV shows 'ok' are not sent again"},
{"delimiter", 0, CLI_ALL, CALL(set_delimiter, "must be one character (or 'tab')"), "C",
 "field delimiter (default: an Excel sep= line, else\ndetected among , ; TAB |); export writes with it"},
{"no-header", 0, APPLY_PLAN, FLAG(no_header, 1), NULL, "columns are workspace,repo,group,privilege"},
{"map", 0, APPLY_PLAN, CALL(set_map, NULL), "NAME=COLUMN[,NAME=COLUMN...]",
 "take NAME from a differently\nnamed column (NAME: workspace, repo, project,\n"
 "group, user, privilege); may be repeated"},
{"check-auth", 0, CLI_ALL, FLAG(check_auth, 2), NULL,
 "one authenticated request before the run (the default)"},
{"no-check-auth", 0, CLI_ALL, FLAG(check_auth, 0), NULL, "skip it"},
{"fail-after-401", 0, CLI_ALL, INT(fail_after_401, 0, 1000000, "must be a whole number"), "N",
 "stop when the first N responses are all 401\n(default 5; 0 never stops)"},
{"fail-after-errors", 0, CLI_ALL, INT(fail_after_errors, 0, 1000000, "must be a whole number"), "N",
 "stop when N rows in a row fail without an answer\nfrom the server (default 10; 0 never stops)"},
{"user", 0, SCOPED, CALL(set_user, NULL), "ID|EMAIL",
 "export and access: only this person's rows (account\nid, {uuid}, Data Center user name, or email); may\n"
 "be repeated"},
{"revoke", 0, CLI_EXPORT, FLAG(revoke, 1), NULL,
 "export: write 'none' as every privilege (with --user,\nthe offboarding plan)"},
{"branch-rules", 0, CLI_EXPORT, FLAG(branch_rules, 1), NULL,
 "export: the branch rules of the scopes (branch\nrestrictions), not their permissions"},
{"compare", 0, CLI_ACCESS, STRING(compare), "PREV",
 "access: add a 'change' column against an earlier\naccess CSV (added, removed, raised, lowered)"},
{"progress", 0, CLI_ALL, MODE(progress, PROGRESS_ON), NULL, "always draw the progress line on stderr"},
{"no-progress", 0, CLI_ALL, MODE(progress, PROGRESS_OFF), NULL, "never draw it"},
{"quiet", 'q', CLI_ALL, FLAG(quiet, 1), NULL, "no summary or progress on stderr"},
{"verbose", 'v', CLI_ALL, FLAG(verbose, 1), NULL, "one line per request and response on stderr"},
{"help", 'h', CLI_ALL, CALL(set_help, NULL), NULL, "this text"},
{"version", 'V', CLI_ALL, CALL(set_version, NULL), NULL, "the version"},
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* CLI_FLAG stores an int; MODE's enum progress_mode is one too. */
_Static_assert(sizeof(enum progress_mode) == sizeof(int), "progress is set as an int");

const struct cli_option *cli_options(size_t *n)
{
    *n = NOPTIONS;
    return options;
}

/* Indexed by enum command. */
static const char *const commands[] = {"apply", "plan", "export", "access"};
_Static_assert(CMD_APPLY == 0 && CMD_PLAN == 1 && CMD_EXPORT == 2 && CMD_ACCESS == 3,
               "commands[] follows enum command");

const char *const *cli_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

/* 1 when an INPUT in the command word's place is more likely a mistyped
 * command than a file: no such file, and a bare word (no '.', no '/'). */
static int unknown_command(const char *s)
{
    struct stat st;
    if (!s[0] || strcmp(s, "-") == 0 || strpbrk(s, "./") || stat(s, &st) == 0)
        return 0;
    return errno == ENOENT;
}

int cli_check_terminal(const struct bb_config *cfg, int stdin_tty, FILE *err)
{
    if (cfg->command == CMD_EXPORT || cfg->command == CMD_ACCESS || cfg->input_given || !stdin_tty)
        return 0;
    cli_usage(err);
    return 2;
}

/* ---- --help -------------------------------------------------------------- */

#define HELP_COLUMN 26          /* where the help text of an option starts */

/* "  -o, --output PATH       result CSV ..." and its continuation lines. */
static void usage_option(FILE *out, const struct cli_option *o)
{
    char spec[80];
    int n = o->letter ? snprintf(spec, sizeof spec, "  -%c, --%s", o->letter, o->name)
                      : snprintf(spec, sizeof spec, "      --%s", o->name);
    if (n > 0 && (size_t)n < sizeof spec && o->meta)
        n += snprintf(spec + n, sizeof spec - (size_t)n, " %s", o->meta);
    if (n < 0 || (size_t)n >= sizeof spec) {
        fprintf(out, "  --%s (the option's --help line is too long)\n", o->name);
        return;
    }
    fprintf(out, "%s%*s", spec, n < HELP_COLUMN ? HELP_COLUMN - n : 2, "");
    for (const char *line = o->help; *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "%*s%.*s\n", line == o->help ? 0 : HELP_COLUMN, "", (int)len, line);
        line += len + (line[len] == '\n');
    }
}

void cli_usage(FILE *out)
{
    fputs(
"Usage: bbperm [apply] [OPTIONS] [INPUT]\n"
"       bbperm plan [OPTIONS] [INPUT]\n"
"       bbperm export [OPTIONS] SCOPE...\n"
"       bbperm access [OPTIONS] SCOPE...\n"
"\n"
"apply   apply the rows of a CSV and write a result CSV with one status line\n"
"        per input row, in input order (the word 'apply' may be left out)\n"
"plan    read the live permissions and write the result CSV of what apply\n"
"        would do: 'planned' rows with grant/change/revoke; sends no write\n"
"export  write the live explicit permissions as an input CSV. SCOPE is\n"
"        WORKSPACE or WORKSPACE/PROJECT_KEY on Cloud, PROJECT_KEY on Data\n"
"        Center (none: every project)\n"
"access  write who can reach each repository of SCOPE (as for export), at\n"
"        which level, and every source that grants it (the 'via' column)\n"
"INPUT is a CSV path; '-' or no INPUT reads standard input.\n"
"\n", out);
    for (size_t i = 0; i < NOPTIONS; i++)
        usage_option(out, &options[i]);
    fputs(
"\n"
"Credentials come from the environment only: BITBUCKET_EMAIL and\n"
"BITBUCKET_API_TOKEN (Basic), BITBUCKET_TOKEN (Bearer), or the legacy\n"
"BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD; else --netrc/--netrc-file.\n"
"\n"
"Exit status: 0 every row ok or planned; 1 some row failed or invalid (export,\n"
"access: a target could not be read; --prune: a scope was not pruned, a target\n"
"could not be read, or rows were held); 2 usage, input, output or credential\n"
"error; 3 plan --detailed-exitcode has changes; 130 interrupted.\n", out);
}

/* ---- cli_parse ----------------------------------------------------------- */

/* What the parse knows beyond the configuration: which options were given,
 * and whether the command word came first. */
struct cli_state {
    struct bb_config *cfg;
    int command_first;
    unsigned char given[NOPTIONS];
};

static size_t option_index(const char *name)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (!strcmp(options[i].name, name))
            return i;
    abort();                    /* a name cli.c spells is in the table */
}

static int given(const struct cli_state *st, const char *name)
{
    return st->given[option_index(name)];
}

static void set_defaults(struct bb_config *cfg)
{
    cfg->jobs = 4;
    cfg->base_url = DEFAULT_BASE_URL;
    cfg->timeout = 30;
    cfg->retries = 5;
    cfg->max_backoff = 300;
    cfg->backoff_base = 1;
    cfg->max_wait = 900;
    cfg->fail_after_401 = 5;
    cfg->fail_after_errors = 10;
    cfg->check_auth = 1;
    cfg->input = "-";
    cfg->output = "-";
    cfg->max_prune = 25;
    cfg->max_prune_pct = 1;
}

/* Stores one option's value through the table. Returns 0, 1 (exit 0) or 2. */
static int set_option(struct cli_state *st, const struct cli_option *o, const char *value, FILE *err)
{
    char *field = (char *)st->cfg + o->field;
    long v = 0;
    int rc = 0;
    st->given[o - options] = 1;
    switch (o->kind) {
    case CLI_FLAG: *(int *)(void *)field = (int)o->lo; break;
    case CLI_STRING: *(const char **)(void *)field = value; break;
    case CLI_INT:
    case CLI_LONG:
        rc = parse_long(value, (long)o->lo, (long)o->hi, &v) ? -1 : 0;
        if (rc == 0 && o->kind == CLI_INT)
            *(int *)(void *)field = (int)v;
        else if (rc == 0)
            *(long *)(void *)field = v;
        break;
    case CLI_SECONDS: rc = parse_seconds(value, o->lo, o->hi, (double *)(void *)field); break;
    case CLI_CALL: rc = o->set(st->cfg, value, err); break;
    }
    if (rc >= 0)
        return rc;
    if (o->bad)
        fprintf(err, "bbperm: --%s %s, not '%s'\n", o->name, o->bad, value);
    return 2;
}

/* getopt_long's error cases, in one line each. */
static int option_error(int c, char **argv, FILE *err)
{
    if (c == ':') {
        fprintf(err, "bbperm: option '%s' needs a value (see --help)\n", argv[optind - 1]);
        return 2;
    }
    /* a known option in optopt: a value given to an option that takes none */
    for (size_t i = 0; optopt && i < NOPTIONS; i++) {
        if (optopt == (options[i].letter ? options[i].letter : 256 + (int)i)) {
            fprintf(err, "bbperm: option '--%s' takes no value (see --help)\n", options[i].name);
            return 2;
        }
    }
    if (optopt)
        fprintf(err, "bbperm: unknown option '-%c' (see --help)\n", optopt);
    else
        fprintf(err, "bbperm: unknown option '%s' (see --help)\n", argv[optind - 1]);
    return 2;
}

/* Walks argv with getopt_long over arrays built from the table (so GNU
 * abbreviations, --name=value, clusters such as -nq, and options after
 * operands work as they always have). Returns 0, 1 (exit 0) or 2. */
static int parse_options(struct cli_state *st, int argc, char **argv, FILE *err)
{
    struct option longs[NOPTIONS + 1];
    char shorts[2 * NOPTIONS + 2], *s = shorts;
    *s++ = ':';                 /* ':' for a missing value, '?' for the rest */
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_option *o = &options[i];
        longs[i] = (struct option){o->name, o->meta ? required_argument : no_argument, NULL,
                                   o->letter ? o->letter : 256 + (int)i};
        if (o->letter) {
            *s++ = o->letter;
            if (o->meta)
                *s++ = ':';
        }
    }
    *s = '\0';
    longs[NOPTIONS] = (struct option){NULL, 0, NULL, 0};
    optind = 0;                 /* 0: a full reset of glibc's getopt state */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const struct cli_option *o = NULL;
        for (size_t i = 0; !o && c != '?' && c != ':' && i < NOPTIONS; i++)
            if (c == longs[i].val)
                o = &options[i];
        if (!o)
            return option_error(c, argv, err);
        int rc = set_option(st, o, optarg, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int cli_check(struct cli_state *st, int argc, char **argv, FILE *err);

int cli_parse(int argc, char **argv, struct bb_config *cfg, FILE *err)
{
    struct cli_state st;
    memset(&st, 0, sizeof st);
    memset(cfg, 0, sizeof *cfg);
    st.cfg = cfg;
    /* the command word comes first; getopt then sees it as the program name */
    for (int i = 0; argc > 1 && i < (int)(sizeof commands / sizeof commands[0]); i++) {
        if (!strcmp(argv[1], commands[i])) {
            cfg->command = (enum command)i;
            st.command_first = 1;
            argc--;
            argv++;
            break;
        }
    }
    set_defaults(cfg);
    int rc = parse_options(&st, argc, argv, err);
    if (rc)
        return rc;
    /* the command word may also come after options (bbperm --base-url U plan) */
    for (int i = 0; !st.command_first && optind < argc && i < (int)(sizeof commands / sizeof commands[0]); i++) {
        if (!strcmp(argv[optind], commands[i])) {
            cfg->command = (enum command)i;
            optind++;
            break;
        }
    }
    return cli_check(&st, argc, argv, err);
}

/* ---- cli_check: the checks that span options ------------------------------ */

static int is_scoped(const struct bb_config *cfg)
{
    return cfg->command == CMD_EXPORT || cfg->command == CMD_ACCESS;
}

/* The options of plan and apply that export and access do not have. */
static int check_command_options(const struct cli_state *st, FILE *err)
{
    const struct bb_config *cfg = st->cfg;
    if (is_scoped(cfg) && (cfg->prune || given(st, "max-prune") || cfg->markdown ||
                           cfg->detailed_exitcode)) {
        fprintf(err, "bbperm: %s takes its scopes as arguments and has no --prune, "
                     "--max-prune, --markdown or --detailed-exitcode\n", commands[cfg->command]);
        return 2;
    }
    if (cfg->detailed_exitcode && cfg->command != CMD_PLAN) {
        fprintf(err, "bbperm: --detailed-exitcode belongs to 'bbperm plan'\n");
        return 2;
    }
    if (cfg->branch_rules && (cfg->nusers || cfg->revoke)) {
        fprintf(err, "bbperm: export --branch-rules writes every rule of its scopes; "
                     "it cannot go with %s\n", cfg->nusers ? "--user" : "--revoke");
        return 2;
    }
    if (given(st, "max-prune") && !cfg->prune) {
        fprintf(err, "bbperm: --max-prune limits --prune: give --prune SCOPE too\n");
        return 2;
    }
    if (cfg->prune) {
        const char *with = cfg->dry_run ? "--dry-run" : cfg->resume ? "--resume"
                         : cfg->resume_from ? "--resume-from" : cfg->no_header ? "--no-header" : NULL;
        if (with) {
            fprintf(err, "bbperm: --prune cannot go with %s (%s)\n", with,
                    cfg->no_header ? "prune rows need the project, group and user columns"
                    : cfg->dry_run ? "it reads the live state; use 'bbperm plan --prune'"
                    : "a plan's result already holds its prune rows: resume it without --prune");
            return 2;
        }
        st->cfg->diff = 1;
    }
    return 0;
}

/* The words after the options: export's and access's scopes, or apply's and
 * plan's one INPUT. */
static int take_operands(struct cli_state *st, int argc, char **argv, FILE *err)
{
    struct bb_config *cfg = st->cfg;
    if (is_scoped(cfg)) {
        for (int i = optind; i < argc; i++) {
            if (cfg->nscopes == SCOPES_MAX) {
                fprintf(err, "bbperm: %s: %d scopes at most\n", commands[cfg->command], SCOPES_MAX);
                return 2;
            }
            cfg->scopes[cfg->nscopes++] = argv[i];
        }
        return 0;
    }
    if (optind < argc && !st->command_first && unknown_command(argv[optind])) {
        fprintf(err, "bbperm: unknown command '%s' (commands: apply, plan, export, access; "
                     "a file of that name is given as ./%s)\n", argv[optind], argv[optind]);
        return 2;
    }
    if (argc - optind > 1) {
        fprintf(err, "bbperm: one INPUT at most, got '%s' and '%s'\n", argv[optind], argv[optind + 1]);
        return 2;
    }
    if (optind < argc) {
        cfg->input = argv[optind];
        cfg->input_given = 1;
    }
    return 0;
}

/* How rows are read and sent: resume, map, dry-run, diff, plan. */
static int check_modes(struct bb_config *cfg, FILE *err)
{
    if (cfg->resume && cfg->resume_from) {
        fprintf(err, "bbperm: --resume and --resume-from do not go together\n");
        return 2;
    }
    if (cfg->no_header && cfg->nmap) {
        fprintf(err, "bbperm: --map names header columns and cannot go with --no-header\n");
        return 2;
    }
    if (cfg->undo_file)
        cfg->diff = 1;
    if (cfg->command == CMD_PLAN) {
        if (cfg->dry_run) {
            fprintf(err, "bbperm: plan reads the live state and --dry-run sends nothing: use one of them\n");
            return 2;
        }
        if (cfg->undo_file) {
            fprintf(err, "bbperm: plan sends no write, so it has nothing to undo: give --undo-file to apply\n");
            return 2;
        }
        cfg->diff = 1;
    }
    if (cfg->dry_run && cfg->diff) {
        fprintf(err, "bbperm: --dry-run sends nothing and cannot read the live state: use 'bbperm plan'\n");
        return 2;
    }
    if (is_scoped(cfg) && (cfg->dry_run || cfg->diff || cfg->resume || cfg->resume_from ||
                           cfg->undo_file || cfg->nmap || cfg->no_header)) {
        fprintf(err, "bbperm: %s takes no input options (--dry-run, --diff, --undo-file, "
                     "--resume, --resume-from, --map, --no-header)\n", commands[cfg->command]);
        return 2;
    }
    return 0;
}

/* Any option given to a command its mask leaves out: "--revoke belongs to
 * export", "--user belongs to export and access". The checks above name the
 * options they refuse in their own words; this one covers the rest. */
static int check_belongs(const struct cli_state *st, FILE *err)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        unsigned mask = options[i].cmds;
        if (!st->given[i] || (mask & CLI_CMD(st->cfg->command)))
            continue;
        fprintf(err, "bbperm: --%s belongs to", options[i].name);
        int left = 0;
        for (unsigned m = mask; m; m &= m - 1)
            left++;
        for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
            if (!(mask & CLI_CMD(c)))
                continue;
            left--;
            fprintf(err, " %s%s", commands[c], left > 1 ? "," : left == 1 ? " and" : "");
        }
        fputc('\n', err);
        return 2;
    }
    return 0;
}

/* The base URL, the API flavour it implies, and the scopes in that flavour's
 * spelling. */
static int check_scopes(struct bb_config *cfg, int api_given, FILE *err)
{
    const char *why;
    if (!cli_base_url_ok(cfg->base_url, &why)) {
        if (why == userinfo_why)    /* never echo a password */
            fprintf(err, "bbperm: --base-url %s\n", why);
        else
            fprintf(err, "bbperm: --base-url '%s' %s\n", cfg->base_url, why);
        return 2;
    }
    if (!api_given)
        cfg->api = cli_base_url_is_datacenter(cfg->base_url) ? API_DATACENTER : API_CLOUD;
    int scoped = is_scoped(cfg);
    const char *who = scoped ? commands[cfg->command] : "--prune";
    if (scoped && cfg->api == API_CLOUD && cfg->nscopes == 0) {
        fprintf(err, "bbperm: %s needs at least one SCOPE: WORKSPACE or WORKSPACE/PROJECT_KEY\n", who);
        return 2;
    }
    for (int i = 0; i < cfg->nscopes; i++) {
        const char *sc = cfg->scopes[i], *slash = strchr(sc, '/');
        int bad = !sc[0] || (slash && (slash == sc || !slash[1] || strchr(slash + 1, '/')));
        if (cfg->api == API_DATACENTER)
            bad = !sc[0] || slash;
        if (bad) {
            fprintf(err, "bbperm: %s: '%s' is not a scope (%s)\n", who, sc,
                    cfg->api == API_CLOUD ? "WORKSPACE or WORKSPACE/PROJECT_KEY"
                                          : "a Data Center PROJECT_KEY");
            return 2;
        }
    }
    return 0;
}

/* Every check that spans options, after the options are read. The order is
 * the order of the messages: the first that fails is the one line printed. */
static int cli_check(struct cli_state *st, int argc, char **argv, FILE *err)
{
    if (check_command_options(st, err) || take_operands(st, argc, argv, err) ||
        check_modes(st->cfg, err) || check_belongs(st, err) ||
        check_scopes(st->cfg, given(st, "api"), err))
        return 2;
    return 0;
}

void cli_free(struct bb_config *cfg)
{
    free(cfg->map_storage);
    cfg->map_storage = NULL;
}
