#include "result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvout.h"

#define OUTBUF_SIZE ((size_t)256 * 1024)

static void out_error(struct result *w)
{
    if (w->failed)
        return;
    fprintf(stderr, "bbperm: cannot write %s: %s\n",
            strcmp(w->name, "-") ? w->name : "to standard output", strerror(errno));
    w->failed = 1;
}

/* 1 when path names the same file as st. */
static int same_file(const struct stat *st, const char *path)
{
    struct stat other;
    return stat(path, &other) == 0 && st->st_dev == other.st_dev && st->st_ino == other.st_ino;
}

int result_open(struct result *w, const char *path, int in_fd, const char *other)
{
    w->name = path;
    if (!strcmp(path, "-")) {
        w->out = stdout;
    } else {
        struct stat st;
        if (in_fd >= 0 && fstat(in_fd, &st) == 0 && same_file(&st, path)) {
            fprintf(stderr, "bbperm: the output '%s' is the input; write the result elsewhere\n", path);
            return -1;
        }
        if (other && stat(other, &st) == 0 && same_file(&st, path)) {
            fprintf(stderr, "bbperm: the output '%s' is '%s'; write the result elsewhere\n", path, other);
            return -1;
        }
        w->out = fopen(path, "w");
        if (!w->out) {
            fprintf(stderr, "bbperm: cannot write '%s': %s\n", path, strerror(errno));
            return -1;
        }
    }
    setvbuf(w->out, NULL, _IOFBF, OUTBUF_SIZE);
    return 0;
}

static void out_line(struct result *w)
{
    buf_adds(&w->line, w->eol);
    if (!w->failed && fwrite(w->line.data, 1, w->line.len, w->out) != w->line.len)
        out_error(w);
    w->line.len = 0;
}

int result_flush(struct result *w)
{
    if (!w->failed && fflush(w->out) != 0)
        out_error(w);
    return w->failed ? -1 : 0;
}

int result_close(struct result *w)
{
    int rc = w->failed ? -1 : 0;
    if (w->out && w->out != stdout && fclose(w->out) != 0 && !w->failed) {
        out_error(w);
        rc = -1;
    }
    w->out = NULL;
    buf_free(&w->line);
    return rc;
}

const char *result_status_name(enum row_status s)
{
    switch (s) {
    case ROW_OK:
    case ROW_KEPT:
    case ROW_DONE_BEFORE: return "ok";
    case ROW_FAILED: return "failed";
    case ROW_INVALID: return "invalid";
    case ROW_PLANNED: return "planned";
    case ROW_CANCELLED: return "cancelled";
    case ROW_PENDING: break;
    }
    return "failed";
}

/* Which result column (0 status .. 4 previous) output column i is, or -1. */
static int result_col(const struct colmap *m, unsigned i)
{
    for (int q = 0; q < NRESULT_COLS; q++)
        if (m->result_at[q] == i)
            return q;
    return -1;
}

void result_header(struct result *w, const char *const *cells, const size_t *lens, unsigned n)
{
    static const char *const positional[] = {"workspace", "repo", "group", "privilege"};
    if (w->bom)
        buf_adds(&w->line, "\xEF\xBB\xBF");
    if (w->sep) {
        buf_adds(&w->line, "sep=");
        buf_addc(&w->line, w->sep);
        buf_adds(&w->line, w->eol);
    }
    for (unsigned i = 0; i < w->map->nout; i++) {
        if (i)
            buf_addc(&w->line, w->delim);
        int k = result_col(w->map, i);
        if (cells && i < n) {
            csvout_cell(&w->line, cells[i], lens[i], w->delim);
        } else if (k >= 0) {
            buf_adds(&w->line, colmap_role_name(COL_STATUS + k));
        } else if (i < 4) {
            buf_adds(&w->line, positional[i]);
        } else {
            char name[32];
            snprintf(name, sizeof name, "column%u", i + 1);
            buf_adds(&w->line, name);
        }
    }
    out_line(w);
}

void result_row(struct result *w, const struct job *j)
{
    char num[32], msg[CSVOUT_MSG_MAX + 1];
    const struct colmap *m = w->map;
    /* Output columns: the input's (result columns in place), the result
     * columns added after them, then the cells of a row longer than the
     * header, so none of its cells is dropped. */
    unsigned extra = j->n > m->ninput ? j->n - m->ninput : 0;
    unsigned total = m->nout + extra;
    for (unsigned i = 0; i < total; i++) {
        if (i)
            buf_addc(&w->line, w->delim);
        unsigned cell = i < m->ninput ? i : i >= m->nout ? m->ninput + (i - m->nout) : j->n;
        int k = j->status != ROW_KEPT && i < m->nout ? result_col(m, i) : -1;
        if (k < 0) {
            if (cell < j->n)
                csvout_cell(&w->line, j->data.data + j->off[cell], j->lens[cell], w->delim);
            continue;
        }
        switch (k) {
        case 0:
            buf_adds(&w->line, result_status_name(j->status));
            break;
        case 1:
            if (j->http_status > 0) {
                snprintf(num, sizeof num, "%ld", j->http_status);
                buf_adds(&w->line, num);
            }
            break;
        case 2:
            snprintf(num, sizeof num, "%u", j->attempts);
            buf_adds(&w->line, num);
            break;
        case 3:
            csvout_sanitize(j->msg, msg);
            csvout_cell(&w->line, msg, strlen(msg), w->delim);
            break;
        case 4:
            if (j->prev >= 0)
                buf_adds(&w->line, privilege_name((enum privilege)j->prev));
            break;
        }
    }
    out_line(w);
}
