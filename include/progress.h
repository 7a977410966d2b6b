#ifndef BBPERM_PROGRESS_H
#define BBPERM_PROGRESS_H

#include <stdio.h>
#include "outcome.h"
#include "util.h"

/* Counting rows as they are written, the progress line while a run goes on,
 * and the summary at its end. Main thread only. */

struct tally {
    unsigned long rows, ok, kept, failed, invalid, planned, cancelled;
    unsigned long unchanged;                /* ok rows that needed no write */
    unsigned long grant, change, revoke;    /* planned rows by what they change */
    unsigned long granted, changed, revoked; /* ok rows by what they changed */
    unsigned long held;                     /* prune rows --max-prune held back */
    unsigned long by_status[600];   /* failed rows by HTTP status */
    unsigned long no_answer;        /* failed rows without an HTTP status (no answer, no member) */
};

void tally_add(struct tally *t, const struct row_result *r);
/* Add `from` into `into` and clear `from`. */
void tally_merge(struct tally *into, struct tally *from);

/* "403 x12, 404 x3, no answer x1" for the failed rows, or "" when none. */
void tally_failures(const struct tally *t, char *out, size_t outsz);

struct run_figures {
    unsigned long requests;         /* requests sent */
    unsigned long reads;            /* of which GETs (lists, lookups) */
    unsigned long n429;
    double paused;                  /* seconds the gate was closed */
    double elapsed;                 /* seconds since the run started */
};

/* The one-line summary printed at the end of a run. */
void progress_summary(FILE *err, const struct tally *t, const struct run_figures *f);
/* plan's summary: "plan: 12 to grant, 3 to change, 2 to revoke, 40
 * unchanged, 3 failed, 1 invalid", then the requests. */
void progress_plan_summary(FILE *err, const struct tally *t, const struct run_figures *f);

struct progress {
    int enabled;
    int tty;                        /* redraw one line; else a line every 10 s */
    long total;                     /* rows in the input, -1 unknown */
    double started, last_draw;
    unsigned long last_rows;        /* for the current rate */
    double last_rate_at, rate;
    int drawn;                      /* a line is on the terminal */
    int shares_output;              /* the result goes to the same terminal */
    const char *echo_file;          /* -o FILE: failed and invalid rows are named
                                     * on stderr too (the first few); else NULL */
    unsigned long echoed, not_echoed;
};

void progress_init(struct progress *p, int enabled, int tty, long total, double now);
/* 1 when a line is to be drawn now: enabled, and at most 4 times a second
 * on a terminal (else every 10 s), unless force. */
int progress_due(struct progress *p, double now, int force);
/* Draw "bbperm: text" as the progress line: in place on a terminal, else
 * as a line of its own. */
void progress_line(struct progress *p, FILE *err, const char *text);
/* Draw the row counts when it is time to (progress_due). */
void progress_tick(struct progress *p, FILE *err, const struct tally *t,
                   const struct run_figures *f, double now, int force);
/* Before a result row is written: when the result goes to the terminal the
 * line is drawn on (shares_output), erase the line so the two never mix. */
void progress_before_output(struct progress *p, FILE *err);
/* With -o FILE, the messages of the first PROGRESS_ECHO_MAX failed and
 * invalid rows go to stderr too, one line each; progress_echo_end then says
 * how many more the file holds. file NULL or "-" turns it off. */
#define PROGRESS_ECHO_MAX 5
void progress_echo_to(struct progress *p, const char *file);
void progress_echo_row(struct progress *p, FILE *err, unsigned long line,
                       const struct row_result *r);
void progress_echo_end(struct progress *p, FILE *err);
/* 1 when both descriptors are the same terminal. */
int progress_same_terminal(int fd1, int fd2);
/* "12 rows/s", "40 rows/min", "3 rows/h", "1 row/h" for count over secs,
 * in the largest unit that gives at least 10 (the hour aside); "" when
 * there is no meaningful figure (nothing counted, or slower than one an
 * hour). one and many are the thing's name ("row", "rows"). */
void progress_fmt_rate(char *out, size_t n, double count, double secs, const char *one,
                       const char *many);
/* The word for n things: one when n is 1, else many ("row", "rows"). */
const char *progress_plural(unsigned long n, const char *one, const char *many);
/* Erase the line before the summary. */
void progress_clear(struct progress *p, FILE *err);

/* Count the data rows of a CSV file quickly (record ends outside quotes,
 * blank lines and the header not counted). -1 when it cannot be read. */
long progress_count_rows(const char *path, int has_header);

#endif
