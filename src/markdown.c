/*
 * DESIGN
 *
 * The report is written at the end of the run, from what the rows said as
 * they were written: the summary counts come from the run's tally; the
 * rows that change something (planned, or ok with a grant, change or
 * revoke) and the rows that did not go through (failed, invalid, held) are
 * kept, at most MARKDOWN_MAX_ROWS of them in all, in the order they were
 * written; the rest are only counted, so memory does not grow with the
 * file. Changes are grouped by target at the end (a stable sort by the
 * target's label). Unchanged rows are counted, not listed. Above the
 * tables: the held count, and what stderr said of the run as a whole (a
 * scope not pruned and why, a target not read, a stale plan: markdown_note).
 * A user is shown with the display name the target's list gave, if any.
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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "result.h"

struct entry {
    int problem;                /* failed, invalid or held; else a change */
    char *target, *subject, *prev, *want, *ticket, *status, *msg;   /* owned */
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

static char *cell_of(const struct job *j, int c)
{
    if (c < 0 || (unsigned)c >= j->n)
        return xstrdup("");
    return dup_n(j->data.data + j->off[c], j->lens[c]);
}

void markdown_row(struct markdown *md, const struct colmap *m, const struct job *j)
{
    if (!md || j->exp.target)
        return;
    enum row_status st = j->res.status;
    int change = (st == ROW_PLANNED && j->res.change != CH_UNCHANGED) ||
                 (st == ROW_OK && (j->res.change == CH_GRANT || j->res.change == CH_CHANGE ||
                                   j->res.change == CH_REVOKE));
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
    e->problem = problem;
    char label[600];
    if (st != ROW_INVALID) {
        api_target_label(&j->req, label, sizeof label);
        e->target = xstrdup(label);
        e->subject = dup_n(j->req.subject_name, j->req.subject_len);
        if (j->req.subject == SUBJECT_USER && j->res.display[0]) {
            /* the display name beside the id, as the server lists it */
            struct buf b = {0};
            buf_adds(&b, e->subject);
            buf_adds(&b, " (");
            buf_adds(&b, j->res.display);
            buf_addc(&b, ')');
            free(e->subject);
            e->subject = b.data;
        }
        e->want = xstrdup(privilege_name(j->req.priv));
    } else {
        char *ws = cell_of(j, m->col[COL_WORKSPACE]), *repo = cell_of(j, m->col[COL_REPO]);
        char *proj = cell_of(j, m->col[COL_PROJECT]);
        int n = snprintf(label, sizeof label, "%s%s%s", ws[0] ? ws : proj, ws[0] || proj[0] ? "/" : "",
                         repo[0] ? repo : ws[0] ? proj : "");
        if (n < 0 || (size_t)n >= sizeof label)
            label[sizeof label - 1] = '\0';
        e->target = xstrdup(label);
        free(ws);
        free(repo);
        free(proj);
        char *g = cell_of(j, m->col[COL_GROUP]);
        if (g[0]) {
            e->subject = g;
        } else {
            free(g);
            e->subject = cell_of(j, m->col[COL_USER]);
        }
        e->want = cell_of(j, m->col[COL_PRIVILEGE]);
    }
    e->prev = xstrdup(j->res.prev >= 0 ? privilege_name((enum privilege)j->res.prev) : "");
    e->ticket = cell_of(j, md->ticket_col);
    e->status = xstrdup(result_status_name(st));
    e->msg = xstrdup(j->res.msg);
}

static void cell(struct buf *b, const char *s)
{
    buf_adds(b, "| ");
    markdown_cell(b, s, strlen(s));
    buf_addc(b, ' ');
}

static int by_target(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
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
    free(e->subject);
    free(e->prev);
    free(e->want);
    free(e->ticket);
    free(e->status);
    free(e->msg);
}

void markdown_free(struct markdown *md)
{
    if (!md)
        return;
    for (size_t i = 0; i < md->n; i++)
        entry_free(&md->v[i]);
    free(md->v);
    buf_free(&md->notes);
    if (md->out)
        fclose(md->out);
    free(md);
}

int markdown_close(struct markdown *md, const struct tally *t, int plan)
{
    if (!md)
        return 0;
    struct buf b = {0};
    char line[512];
    int n;
    buf_adds(&b, plan ? "## bbperm plan\n\n" : "## bbperm apply\n\n");
    if (plan)
        n = snprintf(line, sizeof line, "| to grant | to change | to revoke | unchanged | failed | "
                     "invalid | held |\n|---:|---:|---:|---:|---:|---:|---:|\n"
                     "| %lu | %lu | %lu | %lu | %lu | %lu | %lu |\n\n",
                     t->grant, t->change, t->revoke, t->unchanged, t->failed, t->invalid, t->held);
    else
        n = snprintf(line, sizeof line, "| granted | changed | revoked | unchanged | failed | "
                     "invalid | held | cancelled |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                     "| %lu | %lu | %lu | %lu | %lu | %lu | %lu | %lu |\n\n",
                     t->granted, t->changed, t->revoked, t->unchanged, t->failed, t->invalid,
                     t->held, t->cancelled);
    if (n < 0 || (size_t)n >= sizeof line)
        line[0] = '\0';
    buf_adds(&b, line);
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
    /* changes first, grouped by target; problems after, in file order */
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
    if (nchanges) {
        buf_adds(&b, "### Changes\n");
        const char *last = NULL;
        for (size_t i = 0; i < nchanges; i++) {
            struct entry *e = &md->v[i];
            if (!last || strcmp(last, e->target) != 0) {
                buf_adds(&b, "\n#### ");
                markdown_cell(&b, e->target, strlen(e->target));
                buf_adds(&b, "\n\n| subject | previous | new | ticket | status |\n"
                             "|---|---|---|---|---|\n");
                last = e->target;
            }
            cell(&b, e->subject);
            cell(&b, e->prev[0] ? e->prev : "none");
            cell(&b, e->want);
            cell(&b, e->ticket);
            cell(&b, e->status);
            buf_adds(&b, "|\n");
        }
        buf_addc(&b, '\n');
    }
    if (md->n > nchanges) {
        buf_adds(&b, "### Failed, invalid and held rows\n\n"
                     "| target | subject | privilege | ticket | status | message |\n"
                     "|---|---|---|---|---|---|\n");
        for (size_t i = nchanges; i < md->n; i++) {
            struct entry *e = &md->v[i];
            cell(&b, e->target);
            cell(&b, e->subject);
            cell(&b, e->want);
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
