#ifndef BBPERM_WHO_H
#define BBPERM_WHO_H

#include "config.h"
#include "session.h"

/* --user ID|EMAIL: the people an export or access review is restricted to.
 * On Cloud an EMAIL is resolved to the member's account id and {uuid} in
 * each workspace of the scopes (API_EMAILS_PER_QUERY addresses per
 * request); on Data Center it matches a user's emailAddress, ignoring case,
 * and any value also matches a user name. Filled on the main thread before
 * the pool starts, then read-only. */

struct who {
    int active;                 /* --user was given */
    char **ids;                 /* ids given and resolved (owned) */
    size_t nids;
    const char **emails;        /* the values with '@' (point into argv) */
    size_t nemails;
    int cloud;
};

void who_init(struct who *w, const struct bb_config *cfg, const struct api_ops *api);
void who_free(struct who *w);
/* Cloud: resolve every email in the workspace (once per workspace; the
 * caller passes each workspace once). An address with no member is named
 * on stderr. Returns 0, or -1 when a lookup failed (named on stderr). */
int who_resolve(struct who *w, struct session *ses, const char *ws, const char *command);
/* 1 when the user (id, {uuid} or NULL, email or NULL) is one of them, or
 * when no --user was given. */
int who_match(const struct who *w, const char *id, const char *alt, const char *email);

#endif
