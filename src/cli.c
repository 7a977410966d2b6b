#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

enum {
    OPT_BASE_URL = 256, OPT_CACERT, OPT_TIMEOUT, OPT_NETRC, OPT_NETRC_FILE,
    OPT_RETRIES, OPT_MAX_BACKOFF, OPT_BACKOFF_BASE, OPT_RATE, OPT_RESUME,
    OPT_DELIMITER, OPT_NO_HEADER, OPT_MAP, OPT_PROGRESS, OPT_NO_PROGRESS,
    OPT_CHECK_AUTH, OPT_NO_CHECK_AUTH, OPT_FAIL_AFTER_401, OPT_FAIL_AFTER_ERRORS, OPT_RESUME_FROM, OPT_DIFF, OPT_UNDO_FILE,
    OPT_WORKSPACE, OPT_API, OPT_MAX_WAIT, OPT_USER, OPT_REVOKE, OPT_COMPARE, OPT_PRUNE,
    OPT_MAX_PRUNE, OPT_DETAILED_EXITCODE, OPT_MARKDOWN
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"dry-run", no_argument, NULL, 'n'},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"netrc", no_argument, NULL, OPT_NETRC},
    {"netrc-file", required_argument, NULL, OPT_NETRC_FILE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"max-backoff", required_argument, NULL, OPT_MAX_BACKOFF},
    {"backoff-base", required_argument, NULL, OPT_BACKOFF_BASE},
    {"max-wait", required_argument, NULL, OPT_MAX_WAIT},
    {"rate", required_argument, NULL, OPT_RATE},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"resume-from", required_argument, NULL, OPT_RESUME_FROM},
    {"delimiter", required_argument, NULL, OPT_DELIMITER},
    {"no-header", no_argument, NULL, OPT_NO_HEADER},
    {"map", required_argument, NULL, OPT_MAP},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"check-auth", no_argument, NULL, OPT_CHECK_AUTH},
    {"no-check-auth", no_argument, NULL, OPT_NO_CHECK_AUTH},
    {"fail-after-401", required_argument, NULL, OPT_FAIL_AFTER_401},
    {"fail-after-errors", required_argument, NULL, OPT_FAIL_AFTER_ERRORS},
    {"diff", no_argument, NULL, OPT_DIFF},
    {"undo-file", required_argument, NULL, OPT_UNDO_FILE},
    {"workspace", required_argument, NULL, OPT_WORKSPACE},
    {"api", required_argument, NULL, OPT_API},
    {"user", required_argument, NULL, OPT_USER},
    {"revoke", no_argument, NULL, OPT_REVOKE},
    {"compare", required_argument, NULL, OPT_COMPARE},
    {"prune", required_argument, NULL, OPT_PRUNE},
    {"max-prune", required_argument, NULL, OPT_MAX_PRUNE},
    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {NULL, 0, NULL, 0}
};

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
"\n"
"  -o, --output PATH       result CSV (default: standard output)\n"
"  -j, --jobs N            worker threads, 1 to 64 (default 4)\n"
"  -n, --dry-run           send nothing; valid rows become 'planned'\n"
"      --diff              read the live state first and send only the writes\n"
"                          that change something\n"
"      --undo-file PATH    write a CSV that puts back every permission the run\n"
"                          changes (implies --diff)\n"
"      --workspace W       workspace for rows whose workspace cell is empty\n"
"      --prune SCOPE       the file is the truth within SCOPE (as export's;\n"
"                          repeatable): every explicit permission there that\n"
"                          no row names is revoked, after the file's own rows\n"
"      --max-prune N|P%    prune nothing in a scope whose revocations would\n"
"                          exceed N, or P% of its permissions (default 25%);\n"
"                          its rows are written 'held'\n"
"      --detailed-exitcode plan: exit 0 when nothing would change, 3 when\n"
"                          something would, 1 when a row failed or is invalid\n"
"      --markdown FILE     also write a Markdown report (summary, changes by\n"
"                          target, failed/invalid/held rows) for a review\n"
"      --api cloud|datacenter  API flavour (default: datacenter when the base\n"
"                          URL's path contains /rest/api/, else cloud)\n"
"      --base-url URL      API root (default " DEFAULT_BASE_URL ")\n"
"      --cacert PATH       extra CA bundle for TLS verification\n"
"      --timeout SECONDS   per request (default 30)\n"
"      --netrc             take credentials from ~/.netrc\n"
"      --netrc-file PATH   take credentials from PATH\n"
"      --retries N         retries for 5xx and network errors (default 5)\n"
"      --rate N/s|N/m|N/h  pace requests (e.g. 1000/h); default: no cap\n"
"      --max-backoff SECS  longest wait after a 429 or fault (default 300)\n"
"      --backoff-base SECS first wait of the exponential backoff, and the\n"
"                          shortest wait a Retry-After may ask for (default 1)\n"
"      --max-wait SECS     longest a row waits out 429s in all before it fails\n"
"                          (default 900)\n"
"      --resume            INPUT is an earlier result CSV: keep its 'ok' rows,\n"
"                          run every other row again\n"
"      --resume-from PREV  INPUT is the original input and PREV the result\n"
"                          of an earlier run of it, even one cut short: rows\n"
"                          PREV shows 'ok' are not sent again\n"
"      --delimiter C       field delimiter (default: an Excel sep= line, else\n"
"                          detected among , ; TAB |); export writes with it\n"
"      --no-header         columns are workspace,repo,group,privilege\n"
"      --map NAME=COLUMN[,NAME=COLUMN...]  take NAME from a differently\n"
"                          named column (NAME: workspace, repo, project,\n"
"                          group, user, privilege); may be repeated\n"
"      --check-auth        one authenticated request before the run (the default)\n"
"      --no-check-auth     skip it\n"
"      --fail-after-401 N  stop when the first N responses are all 401\n"
"                          (default 5; 0 never stops)\n"
"      --fail-after-errors N  stop when N rows in a row fail without an answer\n"
"                          from the server (default 10; 0 never stops)\n"
"      --user ID|EMAIL     export and access: only this person's rows (account\n"
"                          id, {uuid}, Data Center user name, or email); may\n"
"                          be repeated\n"
"      --revoke            export: write 'none' as every privilege (with --user,\n"
"                          the offboarding plan)\n"
"      --compare PREV      access: add a 'change' column against an earlier\n"
"                          access CSV (added, removed, raised, lowered)\n"
"      --progress          always draw the progress line on stderr\n"
"      --no-progress       never draw it\n"
"  -q, --quiet             no summary or progress on stderr\n"
"  -v, --verbose           one line per request and response on stderr\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
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

static int parse_map(struct bb_config *cfg, const char *arg, FILE *err)
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
static int parse_max_prune(const char *s, struct bb_config *cfg)
{
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

static int parse_delimiter(const char *s, char *out)
{
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

static const struct {
    const char *word;
    enum command cmd;
} commands[] = {{"apply", CMD_APPLY}, {"plan", CMD_PLAN}, {"export", CMD_EXPORT},
                {"access", CMD_ACCESS}};

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

int cli_parse(int argc, char **argv, struct bb_config *cfg, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    int api_given = 0, command_given = 0, max_prune_given = 0;
    /* the command word comes first; getopt then sees it as the program name */
    for (size_t i = 0; argc > 1 && i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].word)) {
            cfg->command = commands[i].cmd;
            command_given = 1;
            argc--;
            argv++;
            break;
        }
    }
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

    long v;
    int c;
    optind = 0;                 /* 0: a full reset of glibc's getopt state */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:j:nqvhV", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o': cfg->output = optarg; break;
        case 'j':
            if (parse_long(optarg, 1, 64, &v)) {
                fprintf(err, "bbperm: --jobs must be a whole number from 1 to 64, not '%s'\n", optarg);
                return 2;
            }
            cfg->jobs = (int)v;
            break;
        case 'n': cfg->dry_run = 1; break;
        case 'q': cfg->quiet = 1; break;
        case 'v': cfg->verbose = 1; break;
        case 'h': cli_usage(stdout); return 1;
        case 'V': printf("bbperm %s (%s)\n", BBPERM_VERSION, curl_version()); return 1;
        case OPT_BASE_URL: cfg->base_url = optarg; break;
        case OPT_CACERT: cfg->cacert = optarg; break;
        case OPT_TIMEOUT:
            if (parse_long(optarg, 1, 86400, &v)) {
                fprintf(err, "bbperm: --timeout must be whole seconds from 1 to 86400, not '%s'\n", optarg);
                return 2;
            }
            cfg->timeout = v;
            break;
        case OPT_NETRC: cfg->netrc = 1; break;
        case OPT_NETRC_FILE: cfg->netrc_file = optarg; break;
        case OPT_RETRIES:
            if (parse_long(optarg, 0, 1000, &v)) {
                fprintf(err, "bbperm: --retries must be a whole number from 0 to 1000, not '%s'\n", optarg);
                return 2;
            }
            cfg->retries = (int)v;
            break;
        case OPT_MAX_BACKOFF:
            if (parse_seconds(optarg, 0.001, 86400, &cfg->max_backoff)) {
                fprintf(err, "bbperm: --max-backoff must be seconds from 0.001 to 86400, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_BACKOFF_BASE:
            if (parse_seconds(optarg, 0.001, 3600, &cfg->backoff_base)) {
                fprintf(err, "bbperm: --backoff-base must be seconds from 0.001 to 3600, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_MAX_WAIT:
            if (parse_seconds(optarg, 0.001, 604800, &cfg->max_wait)) {
                fprintf(err, "bbperm: --max-wait must be seconds from 0.001 to 604800, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_RATE:
            if (cli_parse_rate(optarg, &cfg->rate)) {
                fprintf(err, "bbperm: --rate must be a number and a unit: N/s, N/m or N/h "
                             "(also /sec, /min, /hour), e.g. 1000/h, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_RESUME: cfg->resume = 1; break;
        case OPT_RESUME_FROM: cfg->resume_from = optarg; break;
        case OPT_DELIMITER:
            if (parse_delimiter(optarg, &cfg->delimiter)) {
                fprintf(err, "bbperm: --delimiter must be one character (or 'tab'), not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_NO_HEADER: cfg->no_header = 1; break;
        case OPT_MAP:
            if (parse_map(cfg, optarg, err))
                return 2;
            break;
        case OPT_PROGRESS: cfg->progress = PROGRESS_ON; break;
        case OPT_NO_PROGRESS: cfg->progress = PROGRESS_OFF; break;
        case OPT_CHECK_AUTH: cfg->check_auth = 2; break;
        case OPT_NO_CHECK_AUTH: cfg->check_auth = 0; break;
        case OPT_DIFF: cfg->diff = 1; break;
        case OPT_UNDO_FILE: cfg->undo_file = optarg; break;
        case OPT_WORKSPACE:
            if (!optarg[0] || strchr(optarg, '/')) {
                fprintf(err, "bbperm: --workspace needs a workspace slug, not '%s'\n", optarg);
                return 2;
            }
            cfg->workspace = optarg;
            break;
        case OPT_USER:
            if (!optarg[0] || cfg->nusers == USERS_MAX) {
                fprintf(err, "bbperm: --user needs an account id, {uuid}, user name or email "
                             "(%d at most)\n", USERS_MAX);
                return 2;
            }
            cfg->users[cfg->nusers++] = optarg;
            break;
        case OPT_REVOKE: cfg->revoke = 1; break;
        case OPT_COMPARE: cfg->compare = optarg; break;
        case OPT_API:
            if (!strcasecmp(optarg, "cloud")) {
                cfg->api = API_CLOUD;
            } else if (!strcasecmp(optarg, "datacenter") || !strcasecmp(optarg, "dc")) {
                cfg->api = API_DATACENTER;
            } else {
                fprintf(err, "bbperm: --api must be cloud or datacenter, not '%s'\n", optarg);
                return 2;
            }
            api_given = 1;
            break;
        case OPT_PRUNE:
            if (cfg->nscopes == SCOPES_MAX) {
                fprintf(err, "bbperm: --prune: %d scopes at most\n", SCOPES_MAX);
                return 2;
            }
            cfg->scopes[cfg->nscopes++] = optarg;
            cfg->prune = 1;
            break;
        case OPT_MAX_PRUNE:
            if (parse_max_prune(optarg, cfg)) {
                fprintf(err, "bbperm: --max-prune must be a whole number N or a percentage P%% "
                             "(0 to 100), not '%s'\n", optarg);
                return 2;
            }
            max_prune_given = 1;
            break;
        case OPT_DETAILED_EXITCODE: cfg->detailed_exitcode = 1; break;
        case OPT_MARKDOWN: cfg->markdown = optarg; break;
        case OPT_FAIL_AFTER_401:
            if (parse_long(optarg, 0, 1000000, &v)) {
                fprintf(err, "bbperm: --fail-after-401 must be a whole number, not '%s'\n", optarg);
                return 2;
            }
            cfg->fail_after_401 = (int)v;
            break;
        case OPT_FAIL_AFTER_ERRORS:
            if (parse_long(optarg, 0, 1000000, &v)) {
                fprintf(err, "bbperm: --fail-after-errors must be a whole number, not '%s'\n", optarg);
                return 2;
            }
            cfg->fail_after_errors = (int)v;
            break;
        case ':':
            fprintf(err, "bbperm: option '%s' needs a value (see --help)\n", argv[optind - 1]);
            return 2;
        default:
            if (optopt)
                fprintf(err, "bbperm: unknown option '-%c' (see --help)\n", optopt);
            else
                fprintf(err, "bbperm: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    /* the command word may also come after options (bbperm --base-url U plan) */
    if (!command_given && optind < argc) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
            if (!strcmp(argv[optind], commands[i].word)) {
                cfg->command = commands[i].cmd;
                optind++;
                break;
            }
        }
    }
    const char *cmdword = cfg->command == CMD_ACCESS ? "access" : "export";
    int scoped = cfg->command == CMD_EXPORT || cfg->command == CMD_ACCESS;
    if (scoped && (cfg->prune || max_prune_given || cfg->markdown || cfg->detailed_exitcode)) {
        fprintf(err, "bbperm: %s takes its scopes as arguments and has no --prune, "
                     "--max-prune, --markdown or --detailed-exitcode\n", cmdword);
        return 2;
    }
    if (cfg->detailed_exitcode && cfg->command != CMD_PLAN) {
        fprintf(err, "bbperm: --detailed-exitcode belongs to 'bbperm plan'\n");
        return 2;
    }
    if (max_prune_given && !cfg->prune) {
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
        cfg->diff = 1;
    }
    if (scoped) {
        for (int i = optind; i < argc; i++) {
            if (cfg->nscopes == SCOPES_MAX) {
                fprintf(err, "bbperm: %s: %d scopes at most\n", cmdword, SCOPES_MAX);
                return 2;
            }
            cfg->scopes[cfg->nscopes++] = argv[i];
        }
    } else {
        if (optind < argc && !command_given && unknown_command(argv[optind])) {
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
    }
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
    if (scoped) {
        if (cfg->dry_run || cfg->diff || cfg->resume || cfg->resume_from || cfg->undo_file || cfg->nmap ||
            cfg->no_header) {
            fprintf(err, "bbperm: %s takes no input options (--dry-run, --diff, --undo-file, "
                         "--resume, --resume-from, --map, --no-header)\n", cmdword);
            return 2;
        }
    } else if (cfg->nusers) {
        fprintf(err, "bbperm: --user belongs to export and access\n");
        return 2;
    }
    if (cfg->revoke && cfg->command != CMD_EXPORT) {
        fprintf(err, "bbperm: --revoke belongs to export\n");
        return 2;
    }
    if (cfg->compare && cfg->command != CMD_ACCESS) {
        fprintf(err, "bbperm: --compare belongs to access\n");
        return 2;
    }
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
    if (scoped && cfg->api == API_CLOUD && cfg->nscopes == 0) {
        fprintf(err, "bbperm: %s needs at least one SCOPE: WORKSPACE or WORKSPACE/PROJECT_KEY\n",
                cmdword);
        return 2;
    }
    {
        const char *who = scoped ? cmdword : "--prune";
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
    }
    return 0;
}

void cli_free(struct bb_config *cfg)
{
    free(cfg->map_storage);
    cfg->map_storage = NULL;
}
