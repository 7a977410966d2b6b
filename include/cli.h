#ifndef BBPERM_CLI_H
#define BBPERM_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "config.h"

/* Parse argv into cfg. Returns 0 to run, 1 when --help or --version was
 * printed (exit 0), 2 on a usage error (one line already printed to err). */
int cli_parse(int argc, char **argv, struct bb_config *cfg, FILE *err);
void cli_free(struct bb_config *cfg);
void cli_usage(FILE *out);
/* No INPUT and standard input a terminal (bare `bbperm`): print the usage
 * to err and return 2; else 0. */
int cli_check_terminal(const struct bb_config *cfg, int stdin_tty, FILE *err);

/* Parse "N/s", "N/m", "N/h" (also /sec, /min, /hour) into requests per
 * second; a bare number has no unit and is refused. Returns 0 on success. */
int cli_parse_rate(const char *s, double *per_second);

/* Returns 1 when base is an acceptable API root: https://, or http:// to a
 * loopback host (127.0.0.0/8, ::1, localhost). */
int cli_base_url_ok(const char *base, const char **why);

/* Returns 1 when the base URL's path holds /rest/api/ (a Data Center root,
 * such as https://host/rest/api/latest). */
int cli_base_url_is_datacenter(const char *base);

/* ---- the table of options (cli.c) ---------------------------------------
 * One entry per option. cli_parse looks options up in it, cli_usage prints
 * --help from it, cli_check refuses an option given to a command not in its
 * mask, and the unit tests check bbperm.1 against it. */

/* What an option's value is, and where it goes. */
enum cli_kind {
    CLI_FLAG,       /* no value: the int at field is set to lo */
    CLI_STRING,     /* the const char * at field points to the value (in argv) */
    CLI_INT,        /* a whole number from lo to hi into the int at field */
    CLI_LONG,       /* the same into a long */
    CLI_SECONDS,    /* a decimal number from lo to hi into the double at field */
    CLI_CALL        /* set() reads the value (lists, units, several fields) */
};

#define CLI_CMD(c) (1u << (c))
#define CLI_APPLY  CLI_CMD(CMD_APPLY)
#define CLI_PLAN   CLI_CMD(CMD_PLAN)
#define CLI_EXPORT CLI_CMD(CMD_EXPORT)
#define CLI_ACCESS CLI_CMD(CMD_ACCESS)
#define CLI_ALL    (CLI_APPLY | CLI_PLAN | CLI_EXPORT | CLI_ACCESS)

struct cli_option {
    const char *name;           /* --name */
    char letter;                /* -l, or 0 */
    unsigned cmds;              /* the commands that take it (CLI_APPLY | ...) */
    enum cli_kind kind;
    size_t field;               /* offsetof(struct bb_config, ...); not for CLI_CALL */
    double lo, hi;              /* CLI_INT, CLI_LONG, CLI_SECONDS: the range;
                                 * CLI_FLAG: lo is the value set */
    /* CLI_CALL: 0 taken, 1 done and exit 0 (--help), -1 refused */
    int (*set)(struct bb_config *cfg, const char *value, FILE *err);
    const char *bad;            /* a refused value: "bbperm: --name BAD, not 'VALUE'";
                                 * NULL: set() printed its own line */
    const char *meta;           /* the value's name in --help; NULL: takes no value */
    const char *help;           /* --help text; each '\n' starts a new line */
};

/* The table (n entries), in --help order. */
const struct cli_option *cli_options(size_t *n);

/* The command words, in --help order, and how many. */
const char *const *cli_commands(size_t *n);

#endif
