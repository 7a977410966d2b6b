#ifndef BBPERM_PRKIND_H
#define BBPERM_PRKIND_H

#include "api.h"
#include "kind.h"
#include "outcome.h"
#include "pager.h"
#include "row.h"
#include "util.h"

/* What --prune needs of a kind of resource other than permissions (whose
 * own parts stay in prune.c): which targets hold its items, what a row of
 * the file names, how a failed row failed, the read of a target's items
 * and their walk, and the words of its prune rows. prune.c calls the table
 * and never asks which kind it holds. A new kind that can be pruned is one
 * table and its module, listed in prune.c's `kinds`. The table sees a row
 * as prune.c hands it over, not the job: its request, the kind's own
 * payload (row_job_own: the branch-rule kind's struct brow) and its
 * result. */

/* One item a walked target holds that the file does not name: the whole
 * item (sub 0: the row deletes it), or one subject of it ('g', 'u': the row
 * takes it off). Its strings live until the walk's next call. */
struct prune_item {
    char sub;                   /* 0, 'g' or 'u' */
    const char *id;             /* the subject's name, "" with sub 0 */
    const char *branch, *rule;  /* the item's own cells */
    long value;                 /* its value, or -1 */
    const char *what;           /* what its removal does: "delete push on main" */
    const char *previous;       /* what the row finds: "present", "listed value 2" */
    const char *label;          /* the item: "push on main" */
    int counts;                 /* 1 for the first found item of its restriction:
                                 * the guard counts these */
};

/* How a failed row failed, for the prune's stops (see prune.c) */
enum prune_unknown { PRUNE_KNOWN = 0, PRUNE_SUBJECT_UNKNOWN, PRUNE_TARGET_UNKNOWN };

struct prune_kind {
    const struct kind_ops *kind;    /* the rows it prunes */
    const char *items;              /* what its guard counts, plural: "restrictions" */
    /* 1 when a target of that kind holds items (Cloud: repositories only) */
    int (*holds)(const struct api_ops *api, enum target_kind t);
    /* Main thread: the keys a valid row of the kind names, each appended
     * to keys with a NUL after it. */
    void (*names)(const struct api_ops *api, const struct request *req, const void *own,
                  const struct row_result *res, struct buf *keys);
    /* Main thread: a failed row of the kind: could it be a typo? */
    enum prune_unknown (*unknown)(const void *own, const struct row_result *res);
    /* Worker: read target t's items into the kind's shared state (the
     * cache its rows read). 0, or -1 with err. */
    int (*read)(void *state, const struct request *t, const struct pager_fetch *f,
                struct pager_error *err);
    /* Main thread, after read: each item of t whose key named(ctx, key,
     * len) does not hold goes to found(ctx, item), in export's order.
     * Returns the number of items read (what the guard counts against), or
     * -1 with why and nothing found (a name the server lists that no row
     * could hold: the target is not pruned). */
    long (*walk)(void *state, const struct api_ops *api, const struct request *t,
                 int (*named)(void *ctx, const char *key, size_t len),
                 void (*found)(void *ctx, const struct prune_item *it), void *ctx, char *why,
                 size_t whysz);
    /* Main thread: a prune row the pool ran, its message as the kind's
     * run wrote it: say it was not in the file. */
    void (*sent)(struct row_result *res);
};

extern const struct prune_kind prune_branch;    /* brprune.c */

#endif
