#include "result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define PARTIAL_SUFFIX ".partial"

char *result_partial_name(const char *path)
{
    size_t n = strlen(path) + sizeof PARTIAL_SUFFIX;
    char *name = xmalloc(n);
    memcpy(name, path, n - sizeof PARTIAL_SUFFIX);
    memcpy(name + n - sizeof PARTIAL_SUFFIX, PARTIAL_SUFFIX, sizeof PARTIAL_SUFFIX);
    return name;
}

int result_is_partial_name(const char *path)
{
    size_t n = strlen(path), k = sizeof PARTIAL_SUFFIX - 1;
    return n > k && !strcmp(path + n - k, PARTIAL_SUFFIX);
}

/* Refuse to write name (the output, or the file it is written as) when it
 * is the input or `other`. */
static int refuse(const char *path, const char *name, int in_fd, const char *other)
{
    struct stat st;
    const char *as = name == path ? "" : " (written as '";
    if (in_fd >= 0 && fstat(in_fd, &st) == 0 && same_file(&st, name)) {
        fprintf(stderr, "bbperm: the output '%s'%s%s%s is the input; write the result elsewhere\n",
                path, as, *as ? name : "", *as ? "')" : "");
        return -1;
    }
    if (other && path_same_file(other, name)) {
        fprintf(stderr, "bbperm: the output '%s'%s%s%s is '%s'; write the result elsewhere\n",
                path, as, *as ? name : "", *as ? "')" : "", other);
        return -1;
    }
    return 0;
}

int result_open(struct result *w, const char *path, int in_fd, const char *other)
{
    w->name = path;
    w->from = NULL;
    w->ws_col[0] = w->ws_col[1] = -1;
    w->ws = NULL;
    w->partial = NULL;
    w->rows = 0;
    if (!strcmp(path, "-")) {
        w->out = stdout;
        setvbuf(w->out, NULL, _IOFBF, OUTBUF_SIZE);
        return 0;
    }
    struct stat st;
    /* a device or a pipe is written as it is: it cannot be renamed */
    int direct = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (refuse(path, path, in_fd, other) != 0)
        return -1;
    const char *name = path;
    if (!direct) {
        w->partial = result_partial_name(path);
        name = w->partial;
        if (refuse(path, name, in_fd, other) != 0) {
            free(w->partial);
            w->partial = NULL;
            return -1;
        }
    }
    w->out = fopen(name, "w");
    if (!w->out) {
        if (w->partial)
            fprintf(stderr, "bbperm: cannot write '%s' (as '%s' until the run ends): %s\n", path,
                    name, strerror(errno));
        else
            fprintf(stderr, "bbperm: cannot write '%s': %s\n", path, strerror(errno));
        free(w->partial);
        w->partial = NULL;
        return -1;
    }
    /* an older result of that name would pass for this run's until it ends */
    if (w->partial && unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "bbperm: cannot replace '%s': %s\n", path, strerror(errno));
        fclose(w->out);
        w->out = NULL;
        unlink(w->partial);
        free(w->partial);
        w->partial = NULL;
        return -1;
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

int result_close(struct result *w, int complete)
{
    int rc = w->failed ? -1 : 0;
    if (w->out && w->out != stdout && fclose(w->out) != 0 && !w->failed) {
        out_error(w);
        rc = -1;
    }
    if (w->partial) {
        if (complete && rc == 0) {
            if (rename(w->partial, w->name) != 0) {
                fprintf(stderr, "bbperm: cannot rename '%s' to '%s': %s\n", w->partial, w->name,
                        strerror(errno));
                rc = -1;
            }
        } else if (w->rows == 0 && !complete) {
            unlink(w->partial);         /* stopped before any row: nothing to keep */
        }
        free(w->partial);
        w->partial = NULL;
    }
    w->out = NULL;
    buf_free(&w->line);
    free(w->from);
    w->from = NULL;
    return rc;
}

int result_discard(struct result *w)
{
    w->rows = 0;                /* what was written (a header) is not a result */
    return result_close(w, 0);
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
    case ROW_HELD: return "held";
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
    w->rows++;
}

void result_fill_roles(struct result *w, const char *const *cells, const size_t *lens, unsigned n,
                       const struct bb_config *cfg)
{
    const struct colmap *m = w->map;
    struct colmap plain;
    colmap_reset(&plain, cfg);
    if (cfg->nmap && cells) {
        /* the columns a run without --map would read */
        struct bb_config bare = *cfg;
        bare.nmap = 0;
        char err[256];
        if (colmap_build(&plain, cells, lens, n, &bare, err, sizeof err) != 0)
            colmap_reset(&plain, cfg);
        for (int role = COL_WORKSPACE; role <= COL_PRIVILEGE; role++) {
            int to = plain.col[role], from = m->col[role];
            if (to < 0 || from < 0 || to == from)
                continue;
            if (!w->from) {
                w->from = xmalloc(m->nout * sizeof *w->from);
                for (unsigned i = 0; i < m->nout; i++)
                    w->from[i] = -1;
            }
            w->from[to] = from;
        }
    }
    if (cfg->workspace && cfg->api == API_CLOUD) {
        w->ws = cfg->workspace;
        w->ws_col[0] = m->col[COL_WORKSPACE];
        w->ws_col[1] = plain.col[COL_WORKSPACE];
    }
}

/* 1 when input column c holds a name: workspace, repo, project, group or
 * user. */
static int name_column(const struct colmap *m, unsigned c)
{
    static const enum col_role names[] = {COL_WORKSPACE, COL_REPO, COL_PROJECT, COL_GROUP, COL_USER};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (m->col[names[k]] == (int)c)
            return 1;
    return 0;
}

/* The cell written in output column i of a row: as read, see
 * result_fill_roles. A name that would start as a formula (one the row
 * came with, or a prune row's from the server) gets the ' an export gives
 * it: the row reads back the same, as the reader takes it off again. */
static void role_cell(struct result *w, const struct row_cells *j, unsigned i)
{
    unsigned c = w->from && i < w->map->nout && w->from[i] >= 0 && (unsigned)w->from[i] < j->n
               ? (unsigned)w->from[i] : i;
    const char *s = j->data + j->off[c];
    size_t len = j->lens[c];
    if (!len && w->ws && ((int)i == w->ws_col[0] || (int)i == w->ws_col[1])) {
        csvout_name_cell(&w->line, w->ws, strlen(w->ws), w->delim);
    } else if (name_column(w->map, c)) {
        csvout_name_unguard(&s, &len);
        csvout_name_cell(&w->line, s, len, w->delim);
    } else {
        csvout_cell(&w->line, s, len, w->delim);
    }
}

void result_row(struct result *w, const struct row_cells *j, const struct row_result *res)
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
        int k = res->status != ROW_KEPT && i < m->nout ? result_col(m, i) : -1;
        if (k < 0) {
            if (cell < j->n && i < m->ninput)
                role_cell(w, j, i);
            else if (cell < j->n)
                csvout_cell(&w->line, j->data + j->off[cell], j->lens[cell], w->delim);
            continue;
        }
        switch (k) {
        case 0:
            buf_adds(&w->line, result_status_name(res->status));
            break;
        case 1:
            if (res->http_status > 0) {
                snprintf(num, sizeof num, "%ld", res->http_status);
                buf_adds(&w->line, num);
            }
            break;
        case 2:
            snprintf(num, sizeof num, "%u", res->attempts);
            buf_adds(&w->line, num);
            break;
        case 3:
            csvout_sanitize(res->msg, msg);
            csvout_cell(&w->line, msg, strlen(msg), w->delim);
            break;
        case 4:
            if (res->previous[0])
                csvout_cell(&w->line, res->previous, strlen(res->previous), w->delim);
            else if (res->prev >= 0)
                buf_adds(&w->line, privilege_name((enum privilege)res->prev));
            break;
        }
    }
    out_line(w);
    w->rows++;
}
