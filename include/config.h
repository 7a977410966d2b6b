#ifndef BBPERM_CONFIG_H
#define BBPERM_CONFIG_H

/* The run's configuration. Filled by cli_parse and creds_load on the main
 * thread before any other thread starts, then frozen: workers only read it. */

enum auth_kind {
    AUTH_NONE = 0,
    AUTH_BASIC,     /* user + secret */
    AUTH_BEARER,    /* secret */
    AUTH_NETRC      /* libcurl reads the netrc file */
};

enum progress_mode { PROGRESS_AUTO = 0, PROGRESS_ON, PROGRESS_OFF };

/* What the run does: apply rows (the default), plan them against the live
 * state, export the live state as an input CSV, or review who can reach
 * what (access). */
enum command { CMD_APPLY = 0, CMD_PLAN, CMD_EXPORT, CMD_ACCESS };

/* Which API the base URL speaks (api.h holds one table per flavour). */
enum api_flavour { API_CLOUD = 0, API_DATACENTER };

#define SCOPES_MAX 256

#define MAP_MAX 8

#define USERS_MAX 256

struct bb_config {
    /* What to do */
    enum command command;
    enum api_flavour api;       /* --api, or guessed from the base URL */
    int diff;                   /* read the live state first: plan, --diff, --undo-file */
    int dry_run;
    int resume;
    int prune;                  /* apply, plan: --prune given (nscopes > 0) */
    int max_prune_pct;          /* --max-prune is a percentage (default 25%) */
    int detailed_exitcode;      /* plan --detailed-exitcode: 3 when it changes something */
    int nscopes;                /* export, access: WORKSPACE[/PROJECT] or PROJECT_KEY
                                 * arguments; apply and plan: the --prune scopes */
    int input_given;            /* INPUT was on the command line ("-" too) */
    int no_header;
    int nmap;                   /* --map NAME=COLUMN pairs */
    int nusers;                 /* export, access: --user ID|EMAIL, repeatable */
    int revoke;                 /* export --revoke: every privilege 'none' */
    int branch_rules;           /* export --branch-rules: branch rules, not permissions */
    char delimiter;             /* 0 = detect */

    /* How: requests, output, feedback */
    int jobs;                   /* 1..64 */
    int quiet;
    int verbose;
    int retries;                /* per row, for 5xx and network errors */
    int check_auth;             /* 0 --no-check-auth, 1 the default, 2 --check-auth:
                                 * any answer but 2xx stops the run */
    int fail_after_401;         /* stop after this many consecutive 401s; 0 = never */
    int fail_after_errors;      /* stop after this many rows in a row failed with no
                                 * answer from the server; 0 = never */
    enum progress_mode progress;
    long timeout;               /* seconds per request */
    double max_prune;           /* --max-prune: a count, or a percentage */
    double max_backoff;         /* seconds */
    double backoff_base;        /* seconds; first exponential wait, and the
                                   shortest wait a Retry-After may ask for */
    double max_wait;            /* seconds a row may wait out 429s in all */
    double rate;                /* requests per second; 0 = no cap */

    /* Names: each NULL or pointing into argv, unless said otherwise */
    const char *input;          /* path, or "-" for stdin */
    const char *output;         /* path, or "-" for stdout */
    const char *undo_file;
    const char *workspace;      /* --workspace: for rows whose cell is empty */
    const char *markdown;       /* --markdown FILE */
    const char *resume_from;    /* a (partial) result of INPUT */
    const char *base_url;       /* argv or the default literal; no trailing '/' check here */
    const char *cacert;
    const char *compare;        /* access --compare PREVIOUS.csv */
    const char *scopes[SCOPES_MAX];
    const char *users[USERS_MAX];
    /* --map pairs: pointers into map_storage, a malloced copy owned by the
     * config and freed by cli_free */
    const char *map_name[MAP_MAX];
    const char *map_column[MAP_MAX];
    char *map_storage;

    /* credentials (creds_load) */
    enum auth_kind auth;
    int netrc;                  /* --netrc */
    const char *netrc_file;     /* --netrc-file; argv */
    const char *auth_source;    /* which variables or file were used; never a value */
    char *user;                 /* NULL or malloced; wiped and freed by creds_free */
    char *secret;               /* NULL or malloced; wiped and freed by creds_free */
};

#define DEFAULT_BASE_URL "https://api.bitbucket.org/2.0"

#endif
