/*
 * DESIGN
 *
 * The report is written at the end of the run, from what the rows said as
 * they were written: the summary counts come from the run's tally, and,
 * when the file holds rows of another kind than permissions, one line per
 * kind counted here as the rows pass (markdown_row sees every row the
 * result gets); the rows that change something (planned, or ok with a
 * grant, change or revoke) and the rows that did not go through (failed,
 * invalid, held) are kept, at most MARKDOWN_MAX_ROWS of them in all, in
 * the order they were written; the rest are only counted, so memory does
 * not grow with the file. Changes are grouped by kind, each kind its own
 * section (the order of kind.c's list), and by target within it (a stable
 * sort by the target's label); the failures share one table, in file
 * order. Unchanged rows are counted, not listed. Above the tables: the
 * held count, and what stderr said of the run as a whole (a scope not
 * pruned and why, a target not read, a stale plan: markdown_note). A user
 * is shown with the display name the target's list gave, if any.
 *
 * What a kind shows is its table (struct markdown_kind, kind.h's .report):
 * the heading and columns of its changes and a row's cells under them, so
 * this file never asks which kind a row is. A row whose kind the run did
 * not set (a record that could not be read, a row --resume kept) is of
 * the kind its cells say (kind_of).
 *
 * Every cell from the file or the server goes through markdown_cell, which
 * escapes every ASCII punctuation character but '-' and '/' (CommonMark
 * lets any of them be escaped with a backslash; those two mean nothing
 * inside a cell): a '|' cannot end a cell, '[', '!', '<',
 * '&', '@', ':' and '.' cannot start a link, an image, HTML, an entity, a
 * mention or an autolink, and line breaks become spaces, so a table keeps
 * its column count whatever the names.
 */
#include "markdown.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kind.h"
#include "result.h"

struct entry {
    const struct markdown_kind *kind;   /* static */
    int slot;                   /* the kind's slot: its section's order */
    int problem;                /* failed, invalid or held; else a change */
    char *target, *ticket, *status, *msg;  /* owned */
    struct buf cells;           /* a change: the kind's cells, each ended
                                 * by a NUL; a problem: subject NUL what NUL */
    size_t order;
};

struct markdown {
    FILE *out;
    const char *path;
    int ticket_col;             /* -1: none */
    struct entry *v;
    size_t n, cap;
    unsigned long more;         /* rows beyond MARKDOWN_MAX_ROWS */
    struct buf notes;           /* lines said above the tables, each ending in '\n' */
    unsigned long nnotes;
    struct {                    /* per kind slot: its rows, counted */
        const struct markdown_kind *kind;   /* NULL: no row of it yet */
        struct tally t;
    } per[KIND_SLOTS];
    int others;                 /* a row of another kind than permissions */
    const char **cellv;         /* the row's cells (a view, reused) */
    unsigned cellv_cap;
};

void markdown_cell(struct buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            buf_addc(out, ' ');
        else if (c != '-' && c != '/' && ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
                 (c >= '{' && c <= '~'))) {
            buf_addc(out, '\\');
            buf_addc(out, (char)c);
        } else {
            buf_addc(out, (char)c);
        }
    }
}

struct markdown *markdown_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bbperm: cannot write --markdown '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    struct markdown *md = xcalloc(1, sizeof *md);
    md->out = f;
    md->path = path;
    md->ticket_col = -1;
    return md;
}

void markdown_header(struct markdown *md, const char *const *cells, const size_t *lens, unsigned n)
{
    for (unsigned i = 0; md && cells && i < n; i++)
        if (ascii_ieq(cells[i], lens[i], "ticket")) {
            md->ticket_col = (int)i;
            return;
        }
}

void markdown_note(struct markdown *md, const char *text)
{
    if (!md || !text || !text[0])
        return;
    if (md->nnotes++ >= MARKDOWN_MAX_ROWS)
        return;
    buf_adds(&md->notes, "- ");
    markdown_cell(&md->notes, text, strlen(text));
    buf_addc(&md->notes, '\n');
}

static char *dup_n(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *cell_of(const struct report_row *r, int c)
{
    if (c < 0 || (unsigned)c >= r->cells.n)
        return xstrdup("");
    return dup_n(r->cells.data + r->cells.off[c], r->cells.lens[c]);
}

/* The trimmed cell of a role, appended to out. */
static void add_role(struct buf *out, const struct colmap *m, enum col_role role,
                     const char *const *cells, const struct report_row *r)
{
    const char *s;
    size_t len;
    row_cell(m, role, cells, r->cells.lens, r->cells.n, &s, &len);
    buf_add(out, s, len);
}

void markdown_subject(const struct colmap *m, const char *const *cells,
                      const struct report_row *r, struct buf *out)
{
    if (r->res->status != ROW_INVALID) {
        buf_add(out, r->req->subject_name, r->req->subject_len);
        if (r->req->subject_len && r->req->subject == SUBJECT_USER && r->res->display[0]) {
            /* the display name beside the id, as the server lists it */
            buf_adds(out, " (");
            buf_adds(out, r->res->display);
            buf_addc(out, ')');
        }
        return;
    }
    size_t at = out->len;
    add_role(out, m, COL_GROUP, cells, r);
    if (out->len == at)
        add_role(out, m, COL_USER, cells, r);
}

/* The target's label: the request's, or for an invalid row its cells'. */
static char *target_of(const struct colmap *m, const char *const *cells,
                       const struct report_row *r)
{
    char label[600];
    if (r->res->status != ROW_INVALID) {
        api_target_label(r->req, label, sizeof label);
        return xstrdup(label);
    }
    const char *ws, *repo, *proj;
    size_t wsl, repol, projl;
    row_cell(m, COL_WORKSPACE, cells, r->cells.lens, r->cells.n, &ws, &wsl);
    row_cell(m, COL_REPO, cells, r->cells.lens, r->cells.n, &repo, &repol);
    row_cell(m, COL_PROJECT, cells, r->cells.lens, r->cells.n, &proj, &projl);
    struct buf b = {0};
    buf_add(&b, wsl ? ws : proj, wsl ? wsl : projl);
    if (wsl || projl)
        buf_addc(&b, '/');
    if (repol)
        buf_add(&b, repo, repol);
    else if (wsl)
        buf_add(&b, proj, projl);
    buf_addc(&b, '\0');
    return b.data;
}

void markdown_row(struct markdown *md, const struct colmap *m, const struct report_row *r)
{
    if (!md)
        return;
    if (r->cells.n > md->cellv_cap) {
        md->cellv_cap = r->cells.n;
        md->cellv = xrealloc(md->cellv, md->cellv_cap * sizeof *md->cellv);
    }
    for (unsigned i = 0; i < r->cells.n; i++)
        md->cellv[i] = r->cells.data + r->cells.off[i];
    const char *const *cells = md->cellv;
    const struct kind_ops *kind =
        r->kind ? r->kind : kind_of(m, cells, r->cells.lens, r->cells.n);
    assert(kind->slot >= 0 && kind->slot < KIND_SLOTS && kind->report);
    const struct markdown_kind *mk = kind->report;
    md->per[kind->slot].kind = mk;
    tally_add(&md->per[kind->slot].t, r->res);
    if (kind != &kind_permission)
        md->others = 1;

    enum row_status st = r->res->status;
    int change = (st == ROW_PLANNED && r->res->change != CH_UNCHANGED) ||
                 (st == ROW_OK && (r->res->change == CH_GRANT || r->res->change == CH_CHANGE ||
                                   r->res->change == CH_REVOKE));
    int problem = st == ROW_FAILED || st == ROW_INVALID || st == ROW_HELD;
    if (!change && !problem)
        return;
    if (md->n >= MARKDOWN_MAX_ROWS) {
        md->more++;
        return;
    }
    if (md->n == md->cap) {
        md->cap = md->cap ? md->cap * 2 : 64;
        md->v = xrealloc(md->v, md->cap * sizeof *md->v);
    }
    struct entry *e = &md->v[md->n];
    memset(e, 0, sizeof *e);
    e->order = md->n++;
    e->kind = mk;
    e->slot = kind->slot;
    e->problem = problem;
    e->target = target_of(m, cells, r);
    if (problem) {
        markdown_subject(m, cells, r, &e->cells);
        buf_addc(&e->cells, '\0');
        mk->what(m, cells, r, &e->cells);
        buf_addc(&e->cells, '\0');
    } else {
        mk->cells(m, cells, r, &e->cells);
    }
    e->ticket = cell_of(r, md->ticket_col);
    e->status = xstrdup(result_status_name(st));
    e->msg = xstrdup(r->res->msg);
}

static void cell(struct buf *b, const char *s)
{
    buf_adds(b, "| ");
    markdown_cell(b, s, strlen(s));
    buf_addc(b, ' ');
}

/* Changes: by kind, then target, then file order. */
static int by_target(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    int c = strcmp(x->target, y->target);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_order(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void entry_free(struct entry *e)
{
    free(e->target);
    free(e->ticket);
    free(e->status);
    free(e->msg);
    buf_free(&e->cells);
}

void markdown_free(struct markdown *md)
{
    if (!md)
        return;
    for (size_t i = 0; i < md->n; i++)
        entry_free(&md->v[i]);
    free(md->v);
    free(md->cellv);
    buf_free(&md->notes);
    if (md->out)
        fclose(md->out);
    free(md);
}

static void count_line(struct buf *b, const struct tally *x, int plan)
{
    char line[256];
    int n;
    if (plan)
        n = snprintf(line, sizeof line, "| %lu | %lu | %lu | %lu | %lu | %lu | %lu |\n", x->grant,
                     x->change, x->revoke, x->unchanged, x->failed, x->invalid, x->held);
    else
        n = snprintf(line, sizeof line, "| %lu | %lu | %lu | %lu | %lu | %lu | %lu | %lu |\n",
                     x->granted, x->changed, x->revoked, x->unchanged, x->failed, x->invalid,
                     x->held, x->cancelled);
    if (n > 0 && (size_t)n < sizeof line)
        buf_adds(b, line);
}

/* The counts: the run's tally; when the file holds rows of another kind
 * than permissions, one line per kind instead. */
static void counts(struct buf *b, const struct markdown *md, const struct tally *t, int plan)
{
    if (md->others)
        buf_adds(b, "| kind ");
    buf_adds(b, plan ? "| to grant | to change | to revoke | unchanged | failed | invalid | held |\n"
                     : "| granted | changed | revoked | unchanged | failed | invalid | held | "
                       "cancelled |\n");
    if (md->others)
        buf_adds(b, "|---");
    buf_adds(b, plan ? "|---:|---:|---:|---:|---:|---:|---:|\n"
                     : "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    if (!md->others)
        count_line(b, t, plan);
    for (int k = 0; md->others && k < KIND_SLOTS; k++)
        if (md->per[k].kind) {
            cell(b, md->per[k].kind->plural);
            count_line(b, &md->per[k].t, plan);
        }
    buf_addc(b, '\n');
}

/* The cells of e, NUL-separated, each as a cell of the table. */
static void cells_of(struct buf *b, const struct entry *e, unsigned ncells)
{
    const char *c = e->cells.data ? e->cells.data : "";
    size_t at = 0;
    for (unsigned i = 0; i < ncells; i++) {
        const char *s = at < e->cells.len ? c + at : "";
        cell(b, s);
        at += strlen(s) + 1;
    }
}

/* The header of the failures: the column of what a row asked is named
 * by the kinds of the rows in it ("privilege or rule"), in slot order. */
static void problems_header(struct buf *b, const struct entry *v, size_t from, size_t to)
{
    buf_adds(b, "| target | subject | ");
    int said = 0;
    for (int s = 0; s < KIND_SLOTS; s++)
        for (size_t i = from; i < to; i++)
            if (v[i].slot == s) {
                if (said++)
                    buf_adds(b, " or ");
                buf_adds(b, v[i].kind->what_column);
                break;
            }
    buf_adds(b, " | ticket | status | message |\n|---|---|---|---|---|---|\n");
}

int markdown_close(struct markdown *md, const struct tally *t, int plan)
{
    if (!md)
        return 0;
    struct buf b = {0};
    char line[512];
    int n;
    buf_adds(&b, plan ? "## bbperm plan\n\n" : "## bbperm apply\n\n");
    counts(&b, md, t, plan);
    if (t->held) {
        n = snprintf(line, sizeof line, "- %lu %s held by `--max-prune`: not %s (listed below)\n",
                     t->held, t->held == 1 ? "revocation" : "revocations", plan ? "planned" : "sent");
        if (n > 0 && (size_t)n < sizeof line)
            buf_adds(&b, line);
        if (!md->nnotes)
            buf_addc(&b, '\n');
    }
    if (md->nnotes) {
        buf_add(&b, md->notes.data, md->notes.len);
        if (md->nnotes > MARKDOWN_MAX_ROWS) {
            n = snprintf(line, sizeof line, "- \xE2\x80\xA6 and %lu more (see stderr)\n",
                         md->nnotes - MARKDOWN_MAX_ROWS);
            if (n > 0 && (size_t)n < sizeof line)
                buf_adds(&b, line);
        }
        buf_addc(&b, '\n');
    }
    /* changes first, grouped by kind and target; problems after, in file order */
    size_t nchanges = 0;
    for (size_t i = 0; i < md->n; i++)
        if (!md->v[i].problem) {
            struct entry tmp = md->v[nchanges];
            md->v[nchanges++] = md->v[i];
            md->v[i] = tmp;
        }
    if (nchanges > 1)
        qsort(md->v, nchanges, sizeof *md->v, by_target);
    if (md->n - nchanges > 1)
        qsort(md->v + nchanges, md->n - nchanges, sizeof *md->v, by_order);
    const struct markdown_kind *section = NULL;
    const char *last = NULL;
    for (size_t i = 0; i < nchanges; i++) {
        struct entry *e = &md->v[i];
        assert(e->kind);            /* markdown_row sets it */
        if (e->kind != section) {
            if (section)
                buf_addc(&b, '\n');
            buf_adds(&b, "### ");
            buf_adds(&b, e->kind->heading);
            buf_addc(&b, '\n');
            section = e->kind;
            last = NULL;
        }
        if (!last || strcmp(last, e->target) != 0) {
            buf_adds(&b, "\n#### ");
            markdown_cell(&b, e->target, strlen(e->target));
            buf_adds(&b, "\n\n| ");
            buf_adds(&b, e->kind->columns);
            buf_adds(&b, " | ticket | status |\n");
            for (unsigned c = 0; c < e->kind->ncols + 2; c++)
                buf_adds(&b, "|---");
            buf_adds(&b, "|\n");
            last = e->target;
        }
        cells_of(&b, e, e->kind->ncols);
        cell(&b, e->ticket);
        cell(&b, e->status);
        buf_adds(&b, "|\n");
    }
    if (nchanges)
        buf_addc(&b, '\n');
    if (md->n > nchanges) {
        buf_adds(&b, "### Failed, invalid and held rows\n\n");
        problems_header(&b, md->v, nchanges, md->n);
        for (size_t i = nchanges; i < md->n; i++) {
            struct entry *e = &md->v[i];
            cell(&b, e->target);
            cells_of(&b, e, 2);
            cell(&b, e->ticket);
            cell(&b, e->status);
            cell(&b, e->msg);
            buf_adds(&b, "|\n");
        }
        buf_addc(&b, '\n');
    }
    if (md->more) {
        n = snprintf(line, sizeof line, "\xE2\x80\xA6 and %lu more (see the result CSV)\n", md->more);
        if (n > 0 && (size_t)n < sizeof line)
            buf_adds(&b, line);
    }
    if (!nchanges && !md->n && !md->nnotes && !t->held)
        buf_adds(&b, plan ? "No changes.\n" : "Nothing changed.\n");
    int rc = 0;
    if (fwrite(b.data, 1, b.len, md->out) != b.len || fclose(md->out) != 0) {
        fprintf(stderr, "bbperm: cannot write --markdown '%s': %s\n", md->path, strerror(errno));
        rc = -1;
    }
    md->out = NULL;
    buf_free(&b);
    markdown_free(md);
    return rc;
}
