#ifndef BBPERM_CREDS_H
#define BBPERM_CREDS_H

#include <stdio.h>
#include "config.h"

/* Credentials come from the environment or a netrc file, never from argv.
 * creds_load fills cfg->auth, cfg->user, cfg->secret and cfg->auth_source.
 * Returns 0, or 2 after printing one line to err when none is usable. */
int creds_load(struct bb_config *cfg, FILE *err);

/* 1 when the netrc text read from f has an entry for host (`machine HOST`,
 * case-insensitive, or `default`). */
int creds_netrc_has_host(FILE *f, const char *host);

/* Wipe and free the copies of the secrets. */
void creds_free(struct bb_config *cfg);

#endif
