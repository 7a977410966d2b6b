#ifndef BBPERM_MARKDOWN_H
#define BBPERM_MARKDOWN_H

#include "outcome.h"
#include "progress.h"
#include "row.h"
#include "util.h"

/* --markdown FILE: a report of a plan or an apply for a pull-request comment
 * or a change ticket. See the DESIGN comment in markdown.c. Main thread. */

#define MARKDOWN_MAX_ROWS 1000  /* table rows over all tables */

struct markdown;
struct kind_ops;

/* A row as the report reads it, a view run.c makes of its job (the
 * report never sees the job): its cells as read, its kind, the request a
 * valid row was read into, the kind's own payload, what its run found. */
struct report_row {
    struct row_cells cells;         /* as read */
    const struct kind_ops *kind;    /* NULL: the run set none (the cells say:
                                     * kind_of) */
    const struct request *req;      /* a valid row's (views into the cells) */
    const void *own;                /* the kind's own payload of the row, as
                                     * its validate filled it (the branch-rule
                                     * kind: struct brow); never NULL */
    const struct row_result *res;
};

/* What the report shows of one kind of row (kind.h's tables point to one,
 * as .report): the heading of its changes, its line in the counts, the
 * columns of its changes table (ticket and status follow), and the cells
 * of a row. cells are the row's cells as read (r->cells, as strings); m
 * maps them. */
struct markdown_kind {
    const char *heading;        /* "Permission changes" */
    const char *plural;         /* its line in the counts: "permissions" */
    const char *columns;        /* "subject | previous | new" */
    unsigned ncols;             /* the columns in columns */
    const char *what_column;    /* the failures' column of what: "privilege" */
    /* A valid row that changes something (or would): its ncols cells, each
     * appended to out and ended with a NUL. */
    void (*cells)(const struct colmap *m, const char *const *cells, const struct report_row *r,
                  struct buf *out);
    /* A row that did not go through (failed, invalid, held; it may not be
     * valid, so only its cells are sure): the failures table's "privilege
     * or rule" cell, appended to out (no NUL). */
    void (*what)(const struct colmap *m, const char *const *cells, const struct report_row *r,
                 struct buf *out);
};

/* Open path for writing. NULL after one line on stderr. */
struct markdown *markdown_open(const char *path);
/* The input's header: which column is the ticket. */
void markdown_header(struct markdown *md, const char *const *cells, const size_t *lens, unsigned n);
/* A row as it is written to the result (every row: the report counts
 * them per kind, and lists those that change something or did not go
 * through). */
void markdown_row(struct markdown *md, const struct colmap *m, const struct report_row *r);
/* A line said above the tables (a scope not pruned and why, a target not
 * read, a stale plan), escaped as a cell is. md may be NULL. */
void markdown_note(struct markdown *md, const char *text);
/* Write the report and close the file. plan: the counts say 'to grant'.
 * Returns 0, or -1 after one line on stderr. */
int markdown_close(struct markdown *md, const struct tally *t, int plan);
/* Free without writing (set-up failed). */
void markdown_free(struct markdown *md);

/* Append s as the text of one table cell: it cannot end the cell, start a
 * line, or make a link, an image, HTML, an entity, emphasis or a mention
 * (every ASCII punctuation character but - and / is escaped with a backslash; control
 * characters and line breaks become spaces). Pure. */
void markdown_cell(struct buf *out, const char *s, size_t len);

/* The subject of a row as the report names it: the one a valid row
 * resolved to (a user with the display name the server gave, "name
 * (Display)"), else the group or user cell as read; "" for none. For the
 * kinds' cells. Appends to out (no NUL). */
void markdown_subject(const struct colmap *m, const char *const *cells,
                      const struct report_row *r, struct buf *out);

#endif
