#ifndef BBPERM_RESULT_H
#define BBPERM_RESULT_H

#include <stdio.h>
#include "outcome.h"
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
    int *from;                  /* NULL, or per output column the input
                                 * column its cell is copied from (or -1) */
    int ws_col[2];              /* output columns whose empty cells get ws */
    const char *ws;             /* --workspace (Cloud), or NULL */
    char *partial;              /* NULL, or the file written until the run
                                 * ends: name + ".partial" (malloced) */
    unsigned long rows;         /* data rows written */
};

/* Open path ("-": standard output) for writing, refusing the input (in_fd,
 * or -1) and the file `other` (--resume-from, or NULL). A regular file (or
 * one that does not exist yet) is written as path.partial and gets its name
 * only in result_close of a complete result: a result named path is always
 * a finished one. Returns 0, or -1 after one line on stderr. */
int result_open(struct result *w, const char *path, int in_fd, const char *other);
/* After result_header: write each row's cells as the run read them, so a
 * result fed back with --resume needs no --map or --workspace. A column
 * named as a role that --map took from another column gets that column's
 * cell; an empty workspace cell gets --workspace. */
void result_fill_roles(struct result *w, const char *const *cells, const size_t *lens, unsigned n,
                       const struct bb_config *cfg);
void result_header(struct result *w, const char *const *cells, const size_t *lens, unsigned n);
/* One row: its cells as the run read them (or a prune row's) and its result. */
void result_row(struct result *w, const struct row_cells *cells, const struct row_result *res);
/* Write out what is buffered. Returns -1 once a write failed. */
int result_flush(struct result *w);
/* Close (not standard output). complete: the result holds a line for every
 * input row, so path.partial is renamed to path; else it stays (or, holding
 * no row, is removed). Returns -1 when the last writes failed. */
int result_close(struct result *w, int complete);

/* Close and remove path.partial: the run stopped before its first row
 * and has no result to keep (standard output and devices keep what was
 * written). Returns -1 after a message. */
int result_discard(struct result *w);

/* The name a result is written under until it is finished: path.partial
 * (malloced). */
char *result_partial_name(const char *path);
/* 1 when path is a result left by a run that did not finish (.partial). */
int result_is_partial_name(const char *path);

/* The word written for a status: ok, failed, invalid, planned, cancelled. */
const char *result_status_name(enum row_status s);

#endif
