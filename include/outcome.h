#ifndef BBPERM_OUTCOME_H
#define BBPERM_OUTCOME_H

/* What running a job found: a row's status and its result. Written only by
 * the thread that runs the job (a worker, or the main thread for a row it
 * settles itself), read by the main thread once the job is done. */

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

/* What running a row found out (apply, plan; prune's reads and rows). */
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

/* What reading one target found (export, access): its status and, when it
 * failed, the answer. */
struct target_result {
    enum row_status status;     /* ROW_OK, ROW_FAILED or ROW_CANCELLED */
    long http_status;           /* 0: none */
    char msg[600];              /* raw; sanitised when written */
};

#endif
