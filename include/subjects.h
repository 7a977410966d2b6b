#ifndef BBPERM_SUBJECTS_H
#define BBPERM_SUBJECTS_H

#include "api.h"
#include "pager.h"
#include "row.h"

/* plan --prune: whether Bitbucket knows a row's group or user, asked once
 * per question and kept for the run. See the DESIGN comment in
 * subjects.c. Thread-safe, but for subjects_report (main thread). */

struct subjects;

/* base: the API root (copied). */
struct subjects *subjects_new(const struct api_ops *api, const char *base);
void subjects_free(struct subjects *s);

/* Does Bitbucket know the row's subject, named subject[0..len) (the name
 * its write would send)? 1 yes, 0 no (no such group; a Cloud user who is
 * no member of the row's workspace; no such Data Center user), -1 when it
 * cannot be told (the question failed or was cancelled). Asks through f. */
int subjects_check(struct subjects *s, const struct request *req, const char *subject,
                   size_t len, const struct pager_fetch *f);

/* One line per subject kind that could not be checked, with the first
 * reason, handed to say (no "bbperm: " prefix, no newline). */
void subjects_report(struct subjects *s, void (*say)(void *ctx, const char *line), void *ctx);

#endif
