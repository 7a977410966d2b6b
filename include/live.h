#ifndef BBPERM_LIVE_H
#define BBPERM_LIVE_H

#include <stddef.h>
#include "api.h"
#include "outcome.h"
#include "pager.h"
#include "row.h"

/* The live state of the targets a run touches, read from their permission
 * lists, and the comparison of a row with it. See the DESIGN comment in
 * live.c. Thread-safe: workers call it concurrently. */

#define LIVE_TARGETS 4096       /* targets whose state is kept at least */

struct live;

/* base: the API root without a trailing '/'; copied. */
struct live *live_new(const struct api_ops *api, const char *base, unsigned max_targets);
/* A plan: live_set records changes that were never written, and they stay
 * known after their target is dropped from the cache. */
void live_simulate(struct live *l);
void live_free(struct live *l);

/* The explicit permission the row's subject holds on the row's target now
 * (PRIV_NONE when it holds none). subject is the name to compare: the
 * subject cell, or the account an email resolved to. Lists the target's
 * permissions of the row's subject kind, through f, when they are not
 * cached. Returns 0, or -1 with err (the list failed or was cancelled). */
int live_get(struct live *l, const struct request *req, const char *subject, size_t len,
             const struct pager_fetch *f, enum privilege *now, struct pager_error *err);

/* Call fn for every explicit permission of subject kind `kind` that the
 * target holds (as the cache has it: the plan's own rows included), listing
 * them through f when they are not cached. fn runs under the cache's lock:
 * it copies and returns. Returns 0, or -1 with err. */
int live_each(struct live *l, const struct request *target, enum subject_kind kind,
              const struct pager_fetch *f,
              void (*fn)(void *ctx, const char *id, const char *alt, const char *display,
                         enum privilege p),
              void *ctx, struct pager_error *err);

/* Record that the subject now holds p on the target (after a write, or as
 * the plan's rows would leave it). Does nothing for a target not cached. */
void live_set(struct live *l, const struct request *req, const char *subject, size_t len,
              enum privilege p);

/* A Cloud user is one permission under two names ({uuid} and account id),
 * and a row may add one under either. live_half_known: 1 when the target's
 * cached user list holds a user that rows added under one name only (a
 * row naming a user not found there may then still be that user).
 * live_pair: the account id and the {uuid} are one user: the cached item
 * under either name answers to both from now on (NULLs do nothing). */
int live_half_known(struct live *l, const struct request *req);
/* The other name of the subject ({uuid} for an account id, or the reverse)
 * as the target's cached list knows it: 1 with it in out, else 0. */
int live_other_name(struct live *l, const struct request *req, const char *subject,
                    size_t len, char *out, size_t outsz);
void live_pair(struct live *l, const struct request *req, const char *account_id,
               const char *uuid);
/* A user's display name as the target's cached list gives it: 1 with it in
 * out (cut to fit), else 0 (not listed, or no name other than the id). */
int live_display(struct live *l, const struct request *req, const char *subject, size_t len,
                 char *out, size_t outsz);

/* Figures for the summary and the tests. */
struct live_stats {
    unsigned long lists;        /* list walks started */
    unsigned long pages;        /* list pages fetched */
    unsigned long evictions;
};
void live_stats(struct live *l, struct live_stats *out);

/* Pure: what a row asking for `want` changes where `now` is set. */
enum row_change live_change(enum privilege now, enum privilege want);
/* The plan's words for it: "grant write", "change read to write",
 * "revoke admin", "unchanged". */
void live_describe(enum row_change c, enum privilege now, enum privilege want, char *out,
                   size_t outsz);
/* Pure: 1 when a listed permission (id, and a Cloud user's alt id) names
 * the subject; names compare case-insensitively. */
int live_subject_is(const char *id, const char *alt, const char *subject, size_t len);

#endif
