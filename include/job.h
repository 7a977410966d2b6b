#ifndef BBPERM_JOB_H
#define BBPERM_JOB_H

#include <stdint.h>
#include "csvout.h"
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
    ROW_DONE_BEFORE             /* --resume-from: 'ok' in the earlier result */
};

/* What a row read from the live state would change (plan, --diff). */
enum row_change { CH_NONE = 0, CH_UNCHANGED, CH_GRANT, CH_CHANGE, CH_REVOKE };

struct job {
    /* Set by the main thread before pool_submit; read-only afterwards. */
    uint64_t seq;               /* input order, from 0 */
    unsigned long line;         /* input line the record starts on */
    struct buf data;            /* the cells, NUL-separated (owned, reused) */
    size_t *off;                /* cell offsets into data (owned, reused) */
    size_t *lens;               /* cell lengths (owned, reused) */
    unsigned n, cap;            /* cells in use, allocated */
    struct request req;         /* views into data */
    const char *method;         /* "PUT" / "DELETE" (static) */
    const char *body;           /* NULL or static (api_json_body) */
    struct buf url;             /* full URL (owned, reused) */
    struct buf key;             /* permission key (owned, reused) */
    uint32_t hash;              /* of key */

    /* Result. Written by the one worker that runs the job, read by the main
     * thread only after it saw done set under the pool lock. */
    enum row_status status;
    long http_status;           /* 0: none */
    int no_answer;              /* failed with no answer from the server */
    unsigned attempts;          /* requests sent */
    char msg[600];              /* raw; sanitised when written */
    int prev;                   /* permission found before the row: an enum
                                 * privilege, or -1 when the state was not read */
    enum row_change change;
    struct buf out;             /* export: the rows of one target (owned, reused) */

    /* Pool bookkeeping, guarded by the pool mutex. */
    int done;
    struct job *qnext;          /* work queue link */
    struct job *same_next;      /* next row for the same permission, held back */
    struct job *hnext;          /* key table chain */
};

#endif
