#ifndef BBPERM_PRUNE_H
#define BBPERM_PRUNE_H

#include "catalog.h"
#include "rowjob.h"
#include "live.h"
#include "pager.h"
#include "ring.h"
#include "row.h"
#include "session.h"

/* --prune: within each scope, the explicit permissions no row of the file
 * names are revoked, after the file's own rows. See the DESIGN comment in
 * prune.c. Main thread only, but for prune_read_target. */

struct prune;

/* live: the run's live cache (the walk reads through it); copied pointers. */
struct prune *prune_new(const struct bb_config *cfg, struct session *ses, struct live *live);
void prune_free(struct prune *p);

/* The kinds' shared states (apply_shared.kstate, filled by
 * kind_states_new): the walk reads a kind's items through its cache. */
void prune_use_states(struct prune *p, void *const *kstate);

/* --markdown: the lines prune writes on stderr (a scope not pruned and why,
 * a target not read) also go above the report's tables. md may be NULL. */
struct markdown;
void prune_report_to(struct prune *p, struct markdown *md);

/* 1 when a row's workspace (Cloud) or project (Data Center) is a scope's:
 * its row may fall in it. Reads the frozen configuration only: any thread. */
int prune_may_fall_in(const struct prune *p, const struct request *r);

/* A row of the file as it is written: what it names, or what it stops. */
void prune_note(struct prune *p, const struct colmap *m, const struct row_job *j);

/* After the input's rows are all written: walk each scope, compare, and
 * append its prune rows through the ring (plan: settled; apply: submitted
 * to the pool). map: the input's columns, for the cells of those rows.
 * catalog: the listings the file's pattern rows read (may be NULL): a
 * scope's repositories come from the same listing, so a repository that
 * appeared after it is neither granted nor pruned in this run. */
void prune_run(struct prune *p, struct ring *ring, const struct colmap *map,
               const struct catalog *catalog);

/* The worker's part of a target job (j->role == ROLE_TARGET): read its
 * permissions. ctx is the prune. */
void prune_read_target(void *ctx, struct row_job *j, const struct pager_fetch *f);
/* The ring hands back a job prune made: a target read (not written), or a
 * prune row about to be written (its message is set). */
void prune_job_done(struct prune *p, struct row_job *j);

/* 1 when a scope was not pruned, a target could not be read, or the
 * caller could not be told: the run's exit is then at least 1. */
int prune_failed(const struct prune *p);

/* The limit of --max-prune for a scope that read `total` permissions: 1
 * when `revokes` exceed it. Pure. */
int prune_over_limit(const struct bb_config *cfg, unsigned long revokes, unsigned long total);

/* Bytes the named-permission set holds per row it names, at most, besides
 * the row's key (the names of target and subject + 11 bytes at most): a
 * keyed hmap slot of 24 bytes (hash, key offset, line) at most half full. */
#define PRUNE_BYTES_PER_NAME 48

#endif
