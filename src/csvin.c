#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

#define CHUNK 65536

/* libcsv's field state, from its source: a field has begun (quoted or not). */
#define LIBCSV_FIELD_BEGUN 2

struct csvin {
    int fd;
    char delim;
    int crlf;                   /* -1 unknown, 0 LF, 1 CRLF */
    struct csv_parser p;
    struct buf data;            /* the current record's cells, NUL-separated */
    size_t *off;                /* cell offsets into data */
    size_t *lens;
    const char **cells;
    unsigned n, cap;
    unsigned long line;         /* line the next record starts on */
    unsigned long rec_line;     /* line the current record started on */
    unsigned long newlines;     /* line breaks inside the current record's cells */
    int rec_started;            /* rec_line is set for the current record */
    const char *problem;
    char problem_buf[160];      /* a problem worded for this record */
    int bom;                    /* the input began with a UTF-8 byte-order mark */
    char sep;                   /* the delimiter of an Excel `sep=X` first line, or 0 */
    int overlong;               /* libcsv's current cell passed CSVIN_CELL_MAX */
    int stop;
    unsigned long long bytes;   /* read from fd so far */
    csvin_cb cb;
    void *ctx;
};

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

char csvin_detect_delimiter(const char *s, size_t len)
{
    static const char cand[] = {',', ';', '\t', '|'};
    size_t count[4] = {0};
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted)
            for (int k = 0; k < 4; k++)
                if (c == cand[k])
                    count[k]++;
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

static void on_cell(void *s, size_t len, void *data)
{
    struct csvin *in = data;
    if (!in->rec_started) {
        in->rec_line = in->line + in->newlines;
        in->rec_started = 1;
    }
    if (in->n == CSVIN_CELLS_MAX) {
        in->problem = "more than 4096 cells in one record";
        return;
    }
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 16;
        in->off = xrealloc(in->off, in->cap * sizeof *in->off);
        in->lens = xrealloc(in->lens, in->cap * sizeof *in->lens);
        in->cells = xrealloc(in->cells, in->cap * sizeof *in->cells);
    }
    for (size_t i = 0; i < len; i++)
        if (((const char *)s)[i] == '\n')
            in->newlines++;
    if (in->overlong || len > CSVIN_CELL_MAX) {
        in->problem = "a cell is longer than 65536 bytes";
        in->overlong = 0;
        len = 0;
    }
    in->off[in->n] = in->data.len;
    in->lens[in->n] = len;
    buf_add(&in->data, s, len);
    buf_addc(&in->data, '\0');
    in->n++;
}

static void on_record(int c, void *data)
{
    struct csvin *in = data;
    if (in->n > 0 && !in->stop) {
        if (in->crlf < 0)
            in->crlf = c == '\r';
        for (unsigned i = 0; i < in->n; i++)
            in->cells[i] = in->data.data + in->off[i];
        struct csvin_record rec = {
            .cells = in->cells, .lens = in->lens, .n = in->n,
            .line = in->rec_line, .problem = in->problem,
        };
        if (in->cb(in->ctx, &rec))
            in->stop = 1;
    }
    in->line += in->newlines + (c == '\n');
    in->newlines = 0;
    in->rec_started = 0;
    in->n = 0;
    in->data.len = 0;
    in->problem = NULL;
    /* keep a huge record from pinning its memory for the rest of the run */
    if (in->data.cap > 4 * (size_t)CSVIN_CELL_MAX) {
        buf_free(&in->data);
    }
}

struct csvin *csvin_open(int fd, char delim)
{
    struct csvin *in = xcalloc(1, sizeof *in);
    in->fd = fd;
    in->delim = delim;
    in->crlf = -1;
    in->line = 1;
    if (csv_init(&in->p, CSV_STRICT | CSV_REPALL_NL) != 0) {
        free(in);
        return NULL;
    }
    csv_set_space_func(&in->p, never_space);
    return in;
}


static void feed(struct csvin *in, const char *s, size_t len)
{
    size_t done = 0;
    for (;;) {
        done += csv_parse(&in->p, s + done, len - done, on_cell, on_record, in);
        if (done >= len || csv_error(&in->p) != CSV_EPARSE)
            break;
        /* A quote out of place: `ap"i` (a quote in an unquoted cell) or
         * `"ap"i3"` (text after a closing quote). The record is reported
         * malformed; the quote is kept as a character and the rest of the
         * cell read as unquoted, so the cell ends at the next delimiter and
         * no later record is swallowed into it. */
        if (!in->rec_started) {
            in->rec_line = in->line + in->newlines;
            in->rec_started = 1;
        }
        if (!in->problem) {
            snprintf(in->problem_buf, sizeof in->problem_buf,
                     "column %u: a quote inside the cell; quote the whole cell and double "
                     "each quote in it (\"a\"\"b\")", in->n + 1);
            in->problem = in->problem_buf;
        }
        if (in->p.pstate == LIBCSV_FIELD_BEGUN) {
            /* a quote in an unquoted cell: keep it, go on after it (a
             * closing quote followed by text is in the cell already) */
            if (in->p.entry_pos < in->p.entry_size)
                in->p.entry_buf[in->p.entry_pos++] = '"';
            done++;
        }
        in->p.pstate = LIBCSV_FIELD_BEGUN;
        in->p.quoted = 0;
        in->p.status = CSV_SUCCESS;
    }
    /* A cell that keeps growing past the limit (often an unterminated
     * quote) is dropped as it comes, so memory stays bounded; the record
     * is reported with a problem when it ends. */
    if (in->p.entry_pos > CSVIN_CELL_MAX) {
        if (!in->rec_started) {
            in->rec_line = in->line + in->newlines;
            in->rec_started = 1;
        }
        const unsigned char *e = in->p.entry_buf;
        for (size_t i = 0; i < in->p.entry_pos; i++)
            if (e[i] == '\n')
                in->newlines++;
        in->p.entry_pos = 0;
        in->overlong = 1;
    }
}

/* Excel's `sep=;` first line names the delimiter and is no record: note
 * it, let it set the delimiter unless one was given, and return its length
 * with its line end (0 when the input has none). */
static size_t sep_line(struct csvin *in, const char *s, size_t len)
{
    if (len < 5 || strncasecmp(s, "sep=", 4) != 0 || s[4] == '\r' || s[4] == '\n' || s[4] == '"')
        return 0;
    size_t n = 5;
    if (n < len && s[n] == '\r')
        n++;
    if (n < len && s[n] == '\n')
        n++;
    if (n < len && n == 5)
        return 0;               /* more on the line: a header that starts with sep= */
    in->sep = s[4];
    if (!in->delim)
        in->delim = s[4];
    in->line = 2;
    if (in->crlf < 0 && n > 5)
        in->crlf = s[5] == '\r';
    return n;
}

int csvin_run(struct csvin *in, csvin_cb cb, void *ctx, int (*before_read)(void *ctx))
{
    char *chunk = xmalloc(CHUNK);
    int first = 1, rc = 0;
    size_t have = 0;
    in->cb = cb;
    in->ctx = ctx;
    for (;;) {
        if (before_read && before_read(ctx)) {
            rc = 1;
            break;
        }
        ssize_t r = read(in->fd, chunk + have, CHUNK - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        have += (size_t)r;
        in->bytes += (unsigned long long)r;
        if (first) {
            /* the first line decides the delimiter: wait for it (or EOF) */
            if (r > 0 && have < CHUNK && !memchr(chunk, '\n', have))
                continue;
            size_t skip = 0;
            if (have >= 3 && !memcmp(chunk, "\xEF\xBB\xBF", 3)) {
                skip = 3;
                in->bom = 1;
            }
            skip += sep_line(in, chunk + skip, have - skip);
            if (!in->delim)
                in->delim = csvin_detect_delimiter(chunk + skip, have - skip);
            csv_set_delim(&in->p, (unsigned char)in->delim);
            feed(in, chunk + skip, have - skip);
            first = 0;
        } else if (r > 0) {
            feed(in, chunk, have);
        }
        have = 0;
        if (in->stop) {
            rc = 1;
            break;
        }
        if (r == 0)
            break;
    }
    if (rc == 0) {
        if (in->p.pstate == LIBCSV_FIELD_BEGUN && in->p.quoted && !in->problem)
            in->problem = "unterminated quote at the end of the input";
        csv_fini(&in->p, on_cell, on_record, in);
        if (in->stop)
            rc = 1;
    }
    free(chunk);
    return rc;
}

unsigned long long csvin_bytes_read(const struct csvin *in)
{
    return in->bytes;
}

char csvin_delimiter(const struct csvin *in)
{
    if (in->delim)
        return in->delim;
    return ',';
}

int csvin_bom(const struct csvin *in)
{
    return in->bom;
}

char csvin_sep(const struct csvin *in)
{
    return in->sep;
}

int csvin_crlf(const struct csvin *in)
{
    return in->crlf == 1;
}

void csvin_close(struct csvin *in)
{
    if (!in)
        return;
    csv_free(&in->p);
    buf_free(&in->data);
    free(in->off);
    free(in->lens);
    free(in->cells);
    free(in);
}
