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
    const char *const *given;   /* --user as given (point into argv) */
    size_t ngiven;
    unsigned char *given_found; /* per given value: someone has it (owned) */
    unsigned char *email_found; /* per email: resolved in some workspace (owned) */
    int cloud;
};

void who_init(struct who *w, const struct bb_config *cfg, const struct api_ops *api);
void who_free(struct who *w);
/* Before the walk, on the main thread: every --user value must name
 * someone. Cloud: each address is resolved in every workspace of the
 * scopes (each workspace once), each account id or {uuid} is looked up as a
 * member of them (GET /workspaces/{w}/members/{id}); Data Center: each
 * value must be a user's name or email (GET /users?filter=). Returns 0; -1
 * after one line on stderr for each value that names nobody, or when a
 * lookup failed or was cancelled: the command then stops, exit 2 (130 for
 * a signal), since an empty review would read as "no access left". */
int who_prepare(struct who *w, struct session *ses, const char *command);
/* 1 when the user (id, {uuid} or NULL, email or NULL) is one of them, or
 * when no --user was given. */
int who_match(const struct who *w, const char *id, const char *alt, const char *email);

#endif
