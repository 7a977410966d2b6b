#ifndef BBPERM_MEMBERS_H
#define BBPERM_MEMBERS_H

#include <stddef.h>
#include "api.h"
#include "pager.h"
#include "reach.h"

/* Group membership for the access review: Cloud reads every group of the
 * workspace with its members in one request (the 1.0 groups resource);
 * Data Center reads one group's members the first time a repository
 * needs them. See the DESIGN comment in members.c. Thread-safe. */

struct members;

/* base: the API root; ws: the Cloud workspace ("" on Data Center). */
struct members *members_new(const struct api_ops *api, const char *base, const char *ws);
void members_free(struct members *m);

/* Cloud, main thread, before the pool starts: read every group. Returns 0,
 * or -1 with err filled when membership is unknown (an error answer, an
 * empty body, [] or a body that is not a list of groups); every group then
 * counts as unknown. */
int members_load_all(struct members *m, const struct pager_fetch *f, struct pager_error *err);

/* The members of a group (names compared ignoring case): 0 with them
 * (valid until members_free), -1 when unknown, MEMBERS_CANCELLED when the
 * read was cancelled (the run is stopping). On Data Center the first
 * caller reads them through f while later callers wait for that answer,
 * so each group is read once; no lock is held while it is read. */
#define MEMBERS_CANCELLED (-2)
int members_get(struct members *m, const char *group, const struct pager_fetch *f,
                const struct reach_member **out, size_t *n);

/* Cloud, after members_load_all: 1 when the groups resource listed the
 * group (names compared ignoring case), 0 when it did not, -1 when
 * membership is unknown. */
int members_listed(struct members *m, const char *group);

/* Requests sent, groups held, members held, groups that could not be read
 * (Data Center; the first failure's message is in err_msg). */
void members_stats(struct members *m, unsigned long *requests, unsigned long *groups,
                   unsigned long *entries, unsigned long *failed, char *err_msg, size_t errsz);

/* The groups whose members could not be read (Data Center; a cancelled
 * read is not one), one a call from *pos (start at 0): 1 with the name and
 * why (valid until members_free), 0 after the last. */
int members_failed_group(struct members *m, size_t *pos, const char **name, const char **why);

#endif
