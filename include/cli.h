#ifndef BBPERM_CLI_H
#define BBPERM_CLI_H

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

#endif
