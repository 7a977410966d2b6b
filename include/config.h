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
    enum command command;
    enum api_flavour api;       /* --api, or guessed from the base URL */
    int diff;                   /* read the live state first: plan, --diff, --undo-file */
    const char *undo_file;      /* NULL or argv */
    const char *workspace;      /* --workspace: for rows whose cell is empty; NULL or argv */
    int nscopes;                /* export: WORKSPACE[/PROJECT] or PROJECT_KEY arguments;
                                 * apply and plan: the --prune scopes */
    int prune;                  /* apply, plan: --prune given (nscopes > 0) */
    double max_prune;           /* --max-prune: a count, or a percentage ... */
    int max_prune_pct;          /* ... when this is set (default 25%) */
    int detailed_exitcode;      /* plan --detailed-exitcode: 3 when it changes something */
    const char *markdown;       /* --markdown FILE; NULL or argv */
    const char *scopes[SCOPES_MAX];  /* point into argv */
    const char *input;          /* path, or "-" for stdin; points into argv */
    int input_given;            /* INPUT was on the command line ("-" too) */
    const char *output;         /* path, or "-" for stdout; points into argv */
    int jobs;                   /* 1..64 */
    int dry_run;
    const char *base_url;       /* argv or the default literal; no trailing '/' check here */
    const char *cacert;         /* NULL or argv */
    long timeout;               /* seconds per request */
    int quiet;
    int verbose;
    int retries;                /* per row, for 5xx and network errors */
    double max_backoff;         /* seconds */
    double backoff_base;        /* seconds; first exponential wait, and the
                                   shortest wait a Retry-After may ask for */
    double max_wait;            /* seconds a row may wait out 429s in all */
    double rate;                /* requests per second; 0 = no cap */
    int resume;
    const char *resume_from;    /* NULL or argv: a (partial) result of INPUT */
    char delimiter;             /* 0 = detect */
    int no_header;
    int check_auth;             /* 0 --no-check-auth, 1 the default, 2 --check-auth:
                                 * any answer but 2xx stops the run */
    int fail_after_401;         /* stop after this many consecutive 401s; 0 = never */
    int fail_after_errors;      /* stop after this many rows in a row failed with no
                                 * answer from the server; 0 = never */
    enum progress_mode progress;

    /* export and access */
    int nusers;                 /* --user ID|EMAIL, repeatable */
    const char *users[USERS_MAX];       /* point into argv */
    int revoke;                 /* export --revoke: every privilege 'none' */
    const char *compare;        /* access --compare PREVIOUS.csv; NULL or argv */

    /* --map NAME=COLUMN pairs; pointers into a malloced copy owned by the config */
    int nmap;
    const char *map_name[MAP_MAX];
    const char *map_column[MAP_MAX];
    char *map_storage;          /* NULL or malloced; freed by cli_free */

    /* credentials (creds_load) */
    enum auth_kind auth;
    const char *auth_source;    /* which variables or file were used; never a value */
    char *user;                 /* NULL or malloced; wiped and freed by creds_free */
    char *secret;               /* NULL or malloced; wiped and freed by creds_free */
    int netrc;                  /* --netrc */
    const char *netrc_file;     /* --netrc-file; argv */
};

#define DEFAULT_BASE_URL "https://api.bitbucket.org/2.0"

#endif
