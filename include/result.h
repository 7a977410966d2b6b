#ifndef BBPERM_RESULT_H
#define BBPERM_RESULT_H

#include <stdio.h>
#include "job.h"
#include "row.h"
#include "util.h"

/* The result CSV: the input's header and cells, with the result columns
 * (status, http_status, attempts, message, previous) filled in place when
 * the input already has them (a result fed back in) or added at the end.
 * Main thread only. */

struct result {
    FILE *out;
    const char *name;           /* for messages: a path or "-" */
    const struct colmap *map;   /* the input's columns (the run's) */
    char delim;
    const char *eol;            /* "\n" or "\r\n", as the input */
    int bom;                    /* start with a UTF-8 byte-order mark, as the input */
    char sep;                   /* write Excel's `sep=X` line first, as the input; 0 none */
    struct buf line;            /* scratch for one row */
    int failed;                 /* a write failed: message printed */
};

/* Open path ("-": standard output) for writing, refusing the files given in
 * `not` (input, --resume-from; NULL-terminated names and fds). Returns 0,
 * or -1 after one line on stderr. */
int result_open(struct result *w, const char *path, int in_fd, const char *other);
void result_header(struct result *w, const char *const *cells, const size_t *lens, unsigned n);
void result_row(struct result *w, const struct job *j);
/* Write out what is buffered. Returns -1 once a write failed. */
int result_flush(struct result *w);
/* Close (not standard output); returns -1 when the last writes failed. */
int result_close(struct result *w);

/* The word written for a status: ok, failed, invalid, planned, cancelled. */
const char *result_status_name(enum row_status s);

#endif
