/* The branch-rule kind's part of the --markdown report (see brreport.h):
 * the cells of a row, from the row's cells as read, its own payload (the
 * view's own: struct brow) and what its run found (r->res->previous). */
#include "brreport.h"

#include <stdio.h>
#include <string.h>

#include "brrow.h"

static void add_cell(struct buf *out, const struct colmap *m, enum col_role role,
                     const char *const *cells, const struct report_row *r)
{
    const char *s;
    size_t len;
    row_cell(m, role, cells, r->cells.lens, r->cells.n, &s, &len);
    buf_add(out, s, len);
}

/* The change a valid row makes to its restriction, in the words of the
 * plan's message: a row that found it absent creates it; else a row with
 * a subject adds or removes it, one without deletes the restriction
 * (remove) or sets its value (add). A row that read nothing (--dry-run:
 * previous is empty) says what it asks. */
static const char *change_of(const struct report_row *r)
{
    const struct brow *b = r->own;
    int group = r->req->subject == SUBJECT_GROUP;
    if (!strcmp(r->res->previous, "absent") && !b->remove)
        return !b->has_subject ? "create" : group ? "create with group" : "create with user";
    if (b->has_subject)
        return b->remove ? (group ? "remove group" : "remove user")
                         : (group ? "add group" : "add user");
    if (b->remove)
        return "delete";
    if (b->value >= 0)
        return "set value";
    return r->res->previous[0] ? "update" : "create if absent";
}

static void br_cells(const struct colmap *m, const char *const *cells, const struct report_row *r,
                     struct buf *out)
{
    const struct brow *b = r->own;
    add_cell(out, m, COL_BRANCH, cells, r);
    buf_addc(out, '\0');
    buf_adds(out, b->rule ? b->rule->name : "");
    buf_addc(out, '\0');
    buf_adds(out, change_of(r));
    buf_addc(out, '\0');
    if (b->has_subject)
        markdown_subject(m, cells, r, out);
    buf_addc(out, '\0');
    if (b->value >= 0 && !b->remove) {
        char v[32];
        snprintf(v, sizeof v, "%ld", b->value);
        buf_adds(out, v);
    }
    buf_addc(out, '\0');
    buf_adds(out, r->res->previous);
    buf_addc(out, '\0');
}

/* "push on main", then ", none" for a removal and ", value 2": the row's
 * own cells, which an invalid row has too. */
static void br_what(const struct colmap *m, const char *const *cells, const struct report_row *r,
                    struct buf *out)
{
    size_t at = out->len;
    add_cell(out, m, COL_RULE, cells, r);
    const char *s;
    size_t len;
    row_cell(m, COL_BRANCH, cells, r->cells.lens, r->cells.n, &s, &len);
    if (len) {
        buf_adds(out, out->len > at ? " on " : "on ");
        buf_add(out, s, len);
    }
    row_cell(m, COL_PRIVILEGE, cells, r->cells.lens, r->cells.n, &s, &len);
    if (len) {
        buf_adds(out, ", ");
        buf_add(out, s, len);
    }
    row_cell(m, COL_VALUE, cells, r->cells.lens, r->cells.n, &s, &len);
    if (len) {
        buf_adds(out, ", value ");
        buf_add(out, s, len);
    }
}

const struct markdown_kind brreport_markdown = {
    .heading = "Branch rule changes",
    .plural = "branch rules",
    .columns = "branch | rule | change | subject | value | previous",
    .ncols = 6,
    .what_column = "rule",
    .cells = br_cells,
    .what = br_what,
};
