#ifndef BBPERM_BRCACHE_H
#define BBPERM_BRCACHE_H

#include "api.h"
#include "brestr.h"
#include "pager.h"
#include "row.h"

/* The branch restrictions of the targets a run touches, as the server has
 * them (plus, in a plan, what the planned rows would leave). See the
 * DESIGN comment in brcache.c. Thread-safe: workers call it concurrently. */

struct brcache;

/* base: the API root without a trailing '/'; copied. */
struct brcache *brcache_new(const struct api_ops *api, const char *base);
void brcache_free(struct brcache *c);

/* The restriction (rule, branch) of target t: 0 with *exists, and a copy
 * in out when it exists (out is brestr_free'd first; when it does not,
 * out is left empty, its rule and branch set). Reads the target's list
 * through f the first time any row needs it; the others wait for that
 * read. Returns -1 with err when the list failed or was cancelled. */
int brcache_get(struct brcache *c, const struct request *t, const char *rule,
                const struct brule_branch *b, const struct pager_fetch *f, struct brestr *out,
                int *exists, struct pager_error *err);

/* Every restriction of target t, as the cache holds it now (what the
 * server answered, and in a plan what the planned rows would leave): 0 and
 * a copy in out (cleared first; NULL: only read). Reads the target's list
 * through f the first time, as brcache_get does; f may be NULL when the
 * list was read (else -1). Returns -1 with err when the list failed or
 * was cancelled. */
struct brestr_set;
int brcache_list(struct brcache *c, const struct request *t, const struct pager_fetch *f,
                 struct brestr_set *out, struct pager_error *err);

/* Record the restriction r (its rule and branch name it) of target t as
 * it is now: after a write, or as a planned row leaves it. A target not
 * read is left alone. */
void brcache_set(struct brcache *c, const struct request *t, const struct brestr *r,
                 int exists);

/* A saved plan's check (stale.c): as brcache_get and brcache_set, on a
 * copy of the target's set that only the check reads and writes (made from
 * the live set at the first brcache_sim_set of the target); the live set
 * is left as the server has it. */
int brcache_sim_get(struct brcache *c, const struct request *t, const char *rule,
                    const struct brule_branch *b, const struct pager_fetch *f, struct brestr *out,
                    int *exists, struct pager_error *err);
void brcache_sim_set(struct brcache *c, const struct request *t, const struct brestr *r,
                     int exists);

/* First state wins: 1 when none of the n marks was made on target t
 * before (then all are made), else 0 (the others are made too). Marks are
 * compared as strings, ignoring ASCII case. */
int brcache_first(struct brcache *c, const struct request *t, const char *const *marks,
                  size_t n);

/* 1 when the mark was made on target t (by brcache_first). */
int brcache_marked(struct brcache *c, const struct request *t, const char *mark);

/* Figures for the tests. */
struct brcache_stats {
    unsigned long lists;        /* targets read */
    unsigned long pages;        /* list pages fetched */
};
void brcache_stats(struct brcache *c, struct brcache_stats *out);

#endif
