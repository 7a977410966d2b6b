#ifndef BBPERM_JOB_H
#define BBPERM_JOB_H

#include <stdint.h>
#include "csvout.h"
#include "brrow.h"
#include "pool.h"
#include "row.h"
#include "util.h"

/* One input row (or, in an export, one target) on its way to the output.
 * The main thread owns a ring of these (ring.c) and reuses them, buffers
 * included, so a steady run allocates nothing per row. */

enum row_status {
    ROW_PENDING = 0,
    ROW_OK,
    ROW_FAILED,
    ROW_INVALID,
    ROW_PLANNED,
    ROW_CANCELLED,
    ROW_KEPT,                   /* --resume: an 'ok' row copied unchanged */
    ROW_DONE_BEFORE,            /* --resume-from: 'ok' in the earlier result */
    ROW_HELD                    /* prune: a revocation --max-prune held back */
};

/* What a row read from the live state would change (plan, --diff). */
enum row_change { CH_NONE = 0, CH_UNCHANGED, CH_GRANT, CH_CHANGE, CH_REVOKE };

#define JOB_NAMED_MAX 256

/* What running a row (or an export target) found out. Written only by the
 * thread that runs the job (a worker, or the main thread for a row it
 * settles itself), read by the main thread once the job is done. */
struct row_result {
    enum row_status status;
    long http_status;           /* 0: none */
    unsigned attempts;          /* requests sent for the row's write */
    int no_answer;              /* failed with no answer from the server */
    char msg[600];              /* raw; sanitised when written */
    int prev;                   /* permission found before the row: an enum
                                 * privilege, or -1 when the state was not read */
    enum row_change change;
    char named[2][JOB_NAMED_MAX]; /* the names the row's permission goes by
                                 * (prune, stale), "" for none: an email row's
                                 * account id and {uuid}; else named[0] is ""
                                 * (the row's own subject) and named[1] the
                                 * other name a plan's check learnt */
    int unresolved;             /* its email or pattern could not be resolved */
    char display[128];          /* a user's display name where the run read it, or "" */
    char previous[96];          /* the previous cell when the kind writes it as
                                 * text (a branch rule's), else "" */
};

struct kind_ops;

/* One explicit permission of a walked target (walk.c). */
struct walk_perm {
    enum subject_kind kind;
    char *id;                   /* group slug/name, user account id / username (owned) */
    char *alt;                  /* a Cloud user's {uuid}, or NULL (owned) */
    char *display, *email;      /* "" when not read (owned) */
    enum privilege priv;
};

/* A target's permissions in export's order: groups, then users, by id. */
struct walk_perms {
    struct walk_perm *v;        /* owned, reused */
    size_t n, cap;
};

/* What a walked target yields (export.c, prune.c). */
struct export_out {
    struct buf rows;            /* export: its CSV lines (owned, reused) */
    unsigned nrows;             /* lines in rows */
    unsigned pages;             /* list pages read */
    int target;                 /* prune: a target to read, not an input row */
    int pruned;                 /* prune: a row prune appended */
    int check;                  /* stale.c: a plan's row read to check it, not written */
    enum privilege saw, leaves; /* check: the level the plan saw, and the one it leaves */
    int blind;                  /* check: a planned row with no level to compare */
    struct walk_perms perms;    /* prune: its permissions (owned, reused) */
};

struct job {
    /* Set by the main thread before the job is settled or submitted;
     * read-only afterwards, until the job is written. */
    uint64_t seq;               /* input order, from 0 */
    unsigned long line;         /* input line the record starts on */
    struct buf data;            /* the cells, NUL-separated (owned, reused) */
    size_t *off;                /* cell offsets into data (owned, reused) */
    size_t *lens;               /* cell lengths (owned, reused) */
    unsigned n, cap;            /* cells in use, allocated */
    const struct kind_ops *kind; /* what the row is (kind.h); NULL: not valid */
    struct request req;         /* views into data */
    struct brow br;             /* a branch rule's own payload (brrow.h) */
    struct buf key;             /* the pool's ordering key (owned, reused) */

    /* Written by whoever runs the job, read after it is done. */
    struct buf url;             /* the write's URL (owned, reused) */
    const char *body;           /* NULL or static (api_json_body) */
    struct row_result res;
    struct export_out exp;      /* export only */

    /* Done: settled by the main thread (settled), or run by the pool
     * (pool_node_done(&node)). */
    int settled;                /* main thread only */
    struct pool_node node;      /* the pool's bookkeeping (pool.c) */
};

#endif
