#ifndef BBPERM_KIND_H
#define BBPERM_KIND_H

#include "api.h"
#include "row.h"
#include "util.h"

/* A kind's functions take the row job (rowjob.h) and the workers' state
 * (apply.h); modules that only ask a row's kind (resume, stale) need
 * neither. */
struct row_job;
struct apply_shared;
struct apply_worker;
struct stale_check;

/* The kinds of resource a row may be (a permission, a branch rule), each a
 * table of what apply and plan do with one row of it, as api_ops is for
 * the API flavours: run.c and apply.c call the table and never ask which
 * kind a row is. A new kind is one table and its module: add it to
 * kind.c's list (before the permission kind, which takes every row no
 * other kind claims). See README "How it is built". */

struct markdown_kind;
struct kind_export;
struct bb_config;

struct kind_ops {
    const char *name;           /* "permission", "branch rule" */
    int slot;                   /* its index in apply_shared.kstate */
    /* 1 when the record is of this kind (the header mapped in m) */
    int (*claims)(const struct colmap *m, const char *const *cells, const size_t *lens,
                  unsigned n);
    /* Validate a record into the job (j->req and the kind's payload).
     * Returns 0, or -1 with a message naming the column. */
    int (*validate)(const struct colmap *m, const char *const *cells, const size_t *lens,
                    unsigned n, struct row_job *j, char *msg, size_t msgsz);
    /* The pool's ordering key: rows with equal keys run one at a time, in
     * file order. Appended to key. */
    void (*order_key)(struct buf *key, const struct api_ops *api, const struct row_job *j);
    /* --dry-run: the request the row would send, into j->res (status
     * planned, message). base: the API root. */
    void (*dry_run)(const struct api_ops *api, const char *base, struct row_job *j);
    /* Main thread, just before the row goes to the pool (sh may be NULL). */
    void (*submitted)(struct apply_shared *sh, const struct row_job *j);
    /* Worker: run one row (plan or apply); fills j->res. */
    void (*run)(struct apply_worker *w, struct row_job *j);
    /* --resume-from (resume.c): validate a record into req and append the
     * key of what it asks for (kind first, so no two kinds' rows match;
     * any_repo: the repository left out). Returns 0, or -1 when it is not
     * a valid row. */
    int (*resume_key)(const struct colmap *m, const char *const *cells, const size_t *lens,
                      unsigned n, int any_repo, struct request *req, struct buf *key);
    /* Applying a saved plan compares its rows with the live state before
     * the first write (stale.c): plan_row validates a record of the plan
     * and says what it saw (stale.h's enum stale_row, chk filled);
     * plan_check, in a worker, what the row finds now (into j->res), after
     * the plan's earlier rows of the same thing. NULL: not compared. */
    int (*plan_row)(const struct colmap *m, const char *const *cells, const size_t *lens,
                    unsigned n, struct stale_check *chk);
    void (*plan_check)(struct apply_worker *w, struct row_job *j);
    /* What --markdown shows of its rows: a section of its changes, its
     * line in the counts, its cells (markdown.h) */
    const struct markdown_kind *report;
    /* What export reads of a target and writes of it, its header, whether
     * projects hold the kind, and the option that asks for it (export.h) */
    const struct kind_export *export;
    /* The kind's shared state for the workers (its live cache), made
     * before the pool starts and freed after it stopped; may be NULL. */
    void *(*state_new)(struct apply_shared *sh);
    void (*state_free)(void *state);
};

#define KIND_SLOTS 4

extern const struct kind_ops kind_permission;   /* kind.c */
extern const struct kind_ops kind_branch;       /* brapply.c */

/* The kind of a record: the first of the list that claims it. */
const struct kind_ops *kind_of(const struct colmap *m, const char *const *cells,
                               const size_t *lens, unsigned n);
/* The kind export writes: the first of the list whose export table is
 * chosen by cfg (--branch-rules), else permissions. */
const struct kind_ops *kind_exported(const struct bb_config *cfg);
/* 1 when rows of another kind than permissions may come with this header. */
int kind_header_has_others(const struct colmap *m);
/* Every kind's shared state, before the pool starts / after it stopped. */
void kind_states_new(struct apply_shared *sh);
void kind_states_free(struct apply_shared *sh);

#endif
