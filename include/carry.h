#ifndef BBPERM_CARRY_H
#define BBPERM_CARRY_H

#include <stddef.h>
#include "config.h"
#include "csvin.h"
#include "row.h"
#include "util.h"

/* Data Center branch rules carried to a Cloud workspace (docs/datacenter.md,
 * "Branch rules").
 *
 * A row is carried when the run is Cloud's and its rule cell names a Data
 * Center rule (read-only, pull-request-only, fast-forward-only, no-deletes,
 * no-creates): the two flavours' rule names do not overlap, so the cell says
 * which one a row was written for. Carrying needs --workspace (the Cloud
 * workspace the Data Center rows go to); without it such a row is invalid and
 * its message says how to carry it.
 *
 * A carried record becomes one or two Cloud records (read-only: push, then
 * restrict_merges), each a copy of the row with its cells rewritten: the rule
 * the Cloud kind, the branch cell the Cloud glob or model:TYPE, a project row's
 * repo cell the pattern of every repository of project KEY (expanded over
 * the workspace's listing as any repository pattern is), and for a rule whose Cloud kind
 * lists no one (force, delete) the group and user cells emptied, the note
 * naming the exemptions dropped. Users are carried through --map (user=email:
 * the export's email column); a Data Center username is never sent to Cloud.
 * An access_keys cell (Data Center's export) is named in the note: keys are
 * not carried. The rewritten records are what the result holds, so a plan
 * applies with --resume alone. Pure: no I/O. */

#define CARRY_NOTE_MAX 200

struct carry {
    /* from the header */
    int on;                     /* a Cloud run whose header has a rule column */
    int workspace;              /* --workspace was given */
    const struct colmap *m;     /* the run's mapping (not owned) */
    int plain_group, plain_user; /* the group / user columns by name (-1) */
    int keys;                   /* the access_keys column, or -1 */
    /* the last record made (owned, reused) */
    unsigned n;                 /* records in rec */
    struct csvin_record rec[2];
    const char **cells[2];
    size_t *lens[2];
    unsigned cap;
    struct buf branch, repo;    /* rewritten cells */
    char note[CARRY_NOTE_MAX];  /* "" or what the rows dropped */
};

/* After the header: cells of the header line (NULL with --no-header). */
void carry_start(struct carry *c, const struct colmap *m, const char *const *cells,
                 const size_t *lens, unsigned n, const struct bb_config *cfg);
/* 1 when the record is a Data Center branch row on a Cloud run. */
int carry_claims(const struct carry *c, const struct csvin_record *rec);
/* Rewrite a claimed record: returns the number of Cloud records (1 or 2)
 * in c->rec, c->note set; or -1 with a message naming the column (the row
 * is invalid). The records point into c and rec: valid until the next call
 * and while rec is. */
int carry_record(struct carry *c, const struct csvin_record *rec, char *msg, size_t msgsz);
void carry_free(struct carry *c);

#endif
