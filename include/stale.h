#ifndef BBPERM_STALE_H
#define BBPERM_STALE_H

#include <stdio.h>
#include "outcome.h"
#include "row.h"
#include "util.h"

/* A reviewed plan is applied as reviewed: before the first write of a run
 * whose input is a plan's result, each row that states the live level it
 * saw (`previous`) is compared with the live state now. See the DESIGN
 * comment in stale.c. Main thread only. */

/* What a row of a result says it saw. */
enum stale_row {
    STALE_SKIP = 0,     /* says nothing about the live state */
    STALE_PLANNED,      /* planned or held, with the level it saw in `previous` */
    STALE_SAW,          /* ok with `previous` its own privilege: unchanged (or kept) */
    STALE_WROTE,        /* ok, with `previous` other than its privilege: a write
                         * went out (an apply's result); not compared */
    STALE_BLIND         /* planned or held with no `previous`: it cannot be checked */
};

/* The status and previous cells of a valid row (req), read with m.
 * STALE_PLANNED and STALE_SAW also give the level it saw (*saw) and the
 * level it leaves (*leaves: a held row leaves what it saw). Pure. */
enum stale_row stale_row_kind(const struct colmap *m, const char *const *cells,
                              const size_t *lens, unsigned n, const struct request *req,
                              enum privilege *saw, enum privilege *leaves);

/* Read the file at fd (from its start; not the run's own descriptor) with
 * the run's mapping rules: 1 when it is a plan's result (a planned or held
 * row that saw the live state; or unchanged rows and none that wrote), 0
 * when not, -1 when it cannot be read (nothing printed: the run's own read
 * reports it). */
int stale_scan(int fd, const struct bb_config *cfg);

struct stale;

struct stale *stale_new(void);
void stale_free(struct stale *s);
/* What a checked row brings along in run.c's job: the level the plan saw
 * and the one it leaves (stale.c's own payload of the job). */
struct stale_check {
    enum privilege saw, leaves;
    int blind;                  /* a planned row with no level to compare */
    int held;                   /* a held row: it leaves what it saw */
    /* A kind that writes `previous` as text (a branch rule: brestr.h's
     * "absent", "listed value 2"...): the plan's cell, compared with the
     * text the worker finds now (res->previous), and what the messages
     * call the row ("push on main group developers"). "" for a level. */
    char previous[96];
    char what[200];
};

/* kind_ops.plan_row of the kinds (kind.h): a record of a saved plan,
 * validated, and what it says it saw (enum stale_row), into chk. The
 * permission kind's: */
int stale_permission_row(const struct colmap *m, const char *const *cells, const size_t *lens,
                         unsigned n, struct stale_check *chk);
/* A kind whose `previous` is text, once the kind validated the record (a
 * pattern is STALE_SKIP): planned or held with a previous cell, or ok and
 * unchanged (its message), or ok and written; chk->previous filled. */
enum stale_row stale_text_row(const struct colmap *m, const char *const *cells,
                              const size_t *lens, unsigned n, struct stale_check *chk);

/* A checked row comes back, in file order: the row of input line `line`,
 * req, with the level it saw and leaves in chk (chk->saw PRIV_NONE and
 * res->status failed for a STALE_BLIND row). res holds the level read now
 * in res->prev (or a failed status), and its names in res->named[]: it is
 * compared with what the rows before it leave. A text kind's row
 * (chk->previous) is compared with res->previous: what the worker found
 * after the plan's earlier rows of the same restriction. */
void stale_row_done(struct stale *s, unsigned long line, const struct request *req,
                    const struct row_result *res, const struct stale_check *chk);
/* 0 when every row matched. Else one stderr block (the first rows named),
 * and a line for the report in note (may be NULL), and 1. */
int stale_report(const struct stale *s, FILE *err, const char *input, struct buf *note);

#endif
