/*
 * DESIGN
 *
 * A plan is reviewed, then applied: by `--resume plan.csv`, or by applying
 * plan.csv as it is. Between the two the live state may move (someone
 * grants by hand, another run applies), and then the plan's rows no longer
 * do what the reviewer read. So, like Terraform's "saved plan is stale",
 * apply first compares the plan with the live state and sends nothing when
 * they differ.
 *
 * Which inputs: a result CSV (a `status` and a `previous` column) that
 * holds a `planned` or `held` row with a `previous` cell, or whose rows saw
 * the live state and wrote nothing (`ok` rows whose `previous` is their own
 * privilege: unchanged, or the caller's own kept). An `ok` row whose
 * `previous` differs is a write that went out: a file of those is an
 * apply's result, fed back to be applied again, and is applied as before.
 * A branch rule's `previous` is text ("absent", "listed value 2"): its ok
 * rows wrote nothing when their message says "unchanged" (kind_ops.plan_row
 * says which rows are which, per kind).
 * In a plan, `planned`, `held` and unchanged rows are compared; a planned
 * row with no `previous` (--dry-run's) cannot be, and stops the run too. stale_scan decides
 * with one local read of the file before any request, so that the run can
 * read the live state (as --diff does) from its first row on.
 *
 * The check (run.c drives it, after the header and before the first row):
 * every row that saw the live state becomes a job that a worker runs as a
 * row is run up to its write (apply.c: resolve an email, read the target's
 * list through the live cache), so it costs what --diff costs, and the
 * rows that follow find the lists cached. The ring hands the jobs back in
 * file order (stale_row_done): each is compared with what the rows before
 * it leave (an overlay of the levels earlier rows of the same permission
 * planned, by key, under both names of a Cloud user when known), else
 * with the level read now. A branch rule's worker reads its restriction
 * (brcache, read once), applies the row to what the plan's earlier rows of
 * the restriction leave (brcache_sim_*: the rows of one restriction run
 * in file order) and gives the text the row finds: it is compared with the
 * plan's. Any difference, or a target that cannot be
 * read, and nothing is sent: the run stops with exit 1 and names the first
 * rows on stderr. Re-plan and apply.
 *
 * Memory: the overlay holds one slot per permission the plan names (a
 * keyed hmap, which compares the keys themselves, so no row is checked
 * against another permission of the same hash: a 24-byte slot and the
 * key's length + 4 bytes, kept at most half full), and the first
 * STALE_SHOWN differences.
 */
#include "stale.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "csvin.h"
#include "kind.h"

#define STALE_SHOWN 5

static int cell_of(const struct colmap *m, enum col_role role, const char *const *cells,
                   const size_t *lens, unsigned n, const char **s, size_t *len)
{
    int c = m->col[role];
    *s = "";
    *len = 0;
    if (c < 0 || (unsigned)c >= n)
        return -1;
    *s = cells[c];
    *len = lens[c];
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
    return 0;
}

enum stale_row stale_row_kind(const struct colmap *m, const char *const *cells,
                              const size_t *lens, unsigned n, const struct request *req,
                              enum privilege *saw, enum privilege *leaves)
{
    const char *st, *pv;
    size_t stl, pvl;
    if (cell_of(m, COL_STATUS, cells, lens, n, &st, &stl) != 0 || req->target_is_pattern)
        return STALE_SKIP;
    int planned = ascii_ieq(st, stl, "planned"), held = ascii_ieq(st, stl, "held");
    if (!planned && !held && !ascii_ieq(st, stl, "ok"))
        return STALE_SKIP;
    cell_of(m, COL_PREVIOUS, cells, lens, n, &pv, &pvl);
    if (!pvl || privilege_parse(pv, pvl, saw) != 0)
        return planned || held ? STALE_BLIND : STALE_SKIP;
    *leaves = held ? *saw : req->priv;
    if (planned || held)
        return STALE_PLANNED;
    return *saw == req->priv ? STALE_SAW : STALE_WROTE;
}

int stale_permission_row(const struct colmap *m, const char *const *cells, const size_t *lens,
                         unsigned n, struct stale_check *chk)
{
    struct request req;
    char why[540];
    memset(chk, 0, sizeof *chk);
    if (row_validate(m, cells, lens, n, &req, why, sizeof why) != 0)
        return STALE_SKIP;
    enum stale_row k = stale_row_kind(m, cells, lens, n, &req, &chk->saw, &chk->leaves);
    chk->blind = k == STALE_BLIND;
    return (int)k;
}

enum stale_row stale_text_row(const struct colmap *m, const char *const *cells,
                              const size_t *lens, unsigned n, struct stale_check *chk)
{
    const char *st, *pv, *msg;
    size_t stl, pvl, msgl;
    if (cell_of(m, COL_STATUS, cells, lens, n, &st, &stl) != 0)
        return STALE_SKIP;
    int planned = ascii_ieq(st, stl, "planned"), held = ascii_ieq(st, stl, "held");
    if (!planned && !held && !ascii_ieq(st, stl, "ok"))
        return STALE_SKIP;
    cell_of(m, COL_PREVIOUS, cells, lens, n, &pv, &pvl);
    chk->held = held;
    chk->blind = (planned || held) && !pvl;
    if (chk->blind)
        return STALE_BLIND;
    if (!pvl || pvl >= sizeof chk->previous)
        return planned || held ? STALE_PLANNED : STALE_SKIP;
    memcpy(chk->previous, pv, pvl);
    chk->previous[pvl] = '\0';
    if (planned || held)
        return STALE_PLANNED;
    /* an ok row wrote nothing when its message says "unchanged" (a note
     * may follow it after "; ") */
    cell_of(m, COL_MESSAGE, cells, lens, n, &msg, &msgl);
    static const char same[] = "unchanged";
    size_t sl = sizeof same - 1;
    int unchanged = msgl >= sl && ascii_ieq(msg, sl, same) && (msgl == sl || msg[sl] == ';');
    return unchanged ? STALE_SAW : STALE_WROTE;
}

/* ---- the scan: is the input a plan's result? -------------------------- */

struct scan {
    const struct bb_config *cfg;
    struct colmap map;
    int have_header, planned, saw, wrote;
};

static int scan_record(void *ctx, const struct csvin_record *rec)
{
    struct scan *sc = ctx;
    if (!sc->have_header) {
        char err[256];
        sc->have_header = 1;
        if (sc->cfg->no_header ||
            colmap_build(&sc->map, rec->cells, rec->lens, rec->n, sc->cfg, err, sizeof err) != 0 ||
            sc->map.col[COL_STATUS] < 0 || sc->map.col[COL_PREVIOUS] < 0)
            return 1;           /* not a result: nothing to check */
        return 0;
    }
    if (rec->problem || row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    const struct kind_ops *kind = kind_of(&sc->map, rec->cells, rec->lens, rec->n);
    if (!kind->plan_row)
        return 0;               /* a kind whose rows are compared when they run */
    struct stale_check chk;
    switch ((enum stale_row)kind->plan_row(&sc->map, rec->cells, rec->lens, rec->n, &chk)) {
    case STALE_PLANNED: sc->planned = 1; return 1;     /* a plan: enough */
    case STALE_SAW: sc->saw = 1; break;
    case STALE_WROTE: sc->wrote = 1; break;
    case STALE_SKIP:
    case STALE_BLIND: break;
    }
    return 0;
}

int stale_scan(int fd, const struct bb_config *cfg)
{
    struct scan sc = {.cfg = cfg};
    struct csvin *in = csvin_open(fd, cfg->delimiter);
    int rc = in ? csvin_run(in, scan_record, &sc, NULL) : -1;
    csvin_close(in);
    if (rc < 0)
        return -1;
    return sc.planned || (sc.saw && !sc.wrote);
}

/* ---- the check ------------------------------------------------------------ */

struct stale {
    struct hmap leaves;         /* key -> enum privilege the rows before leave */
    unsigned long stale, unread, checked;
    char shown[STALE_SHOWN][700];
    unsigned nshown;
};

struct stale *stale_new(void)
{
    struct stale *s = xcalloc(1, sizeof *s);
    hmap_init_keys(&s->leaves, sizeof(int));
    return s;
}

void stale_free(struct stale *s)
{
    if (!s)
        return;
    hmap_free(&s->leaves);
    free(s);
}

static void show(struct stale *s, unsigned long line, const char *label, const char *subject,
                 const char *text)
{
    if (s->nshown < STALE_SHOWN)
        msg_printf(s->shown[s->nshown++], sizeof s->shown[0], "line %lu: %s %s: %s", line, label,
                   subject, text);
}

/* The key of a checked row's permission under its name i (outcome.h's named),
 * into k; 0 when it has no such name. */
static int name_key(struct buf *k, const struct request *req, const struct row_result *res, int i)
{
    const char *n = res->named[i];
    k->len = 0;
    if (i == 0 && !n[0])
        api_key_subject(k, req, req->subject_name, req->subject_len);
    else if (n[0])
        api_key_subject(k, req, n, strlen(n));
    return k->len > 0;
}

void stale_row_done(struct stale *s, unsigned long line, const struct request *req,
                    const struct row_result *res, const struct stale_check *chk)
{
    if (!s || res->status == ROW_CANCELLED)
        return;
    enum privilege saw = chk->saw, leaves = chk->leaves;
    s->checked++;
    char label[600], subject[300], shown_label[4 * sizeof label], shown_subject[4 * sizeof subject];
    char text[4 * sizeof res->msg + 40];
    api_target_label(req, label, sizeof label);
    if (chk->what[0])
        msg_printf(subject, sizeof subject, "%s", chk->what);
    else
        msg_printf(subject, sizeof subject, "%s %.*s",
                   req->subject == SUBJECT_GROUP ? "group" : "user", (int)req->subject_len,
                   req->subject_name);
    str_printable(shown_label, sizeof shown_label, label);
    str_printable(shown_subject, sizeof shown_subject, subject);
    if (chk->blind) {
        s->unread++;
        show(s, line, shown_label, shown_subject, "planned with no previous level: the plan "
             "did not read the live state");
        return;
    }
    if (chk->what[0] && res->status == ROW_OK) {
        /* a text kind: the worker applied the plan's earlier rows */
        if (strcmp(chk->previous, res->previous) != 0) {
            char saw_text[4 * sizeof chk->previous], now_text[4 * sizeof res->previous];
            str_printable(saw_text, sizeof saw_text, chk->previous);
            str_printable(now_text, sizeof now_text, res->previous);
            s->stale++;
            msg_printf(text, sizeof text, "the plan saw %s, it finds %s now", saw_text,
                       now_text);
            show(s, line, shown_label, shown_subject, text);
        }
        return;
    }
    if (res->status != ROW_OK || res->prev < 0) {
        s->unread++;
        char msg[4 * sizeof res->msg];
        str_printable(msg, sizeof msg, res->msg);
        msg_printf(text, sizeof text, "cannot be checked: %s", msg);
        show(s, line, shown_label, shown_subject, text);
        return;
    }
    enum privilege expect = (enum privilege)res->prev;
    const int *before = NULL;
    struct buf k = {0};
    for (int i = 0; i < 2 && !before; i++)
        if (name_key(&k, req, res, i))
            before = hmap_kget(&s->leaves, k.data, k.len);
    if (before)
        expect = (enum privilege)*before;
    if (expect != saw) {
        s->stale++;
        msg_printf(text, sizeof text, "the plan saw %s, %s %s", privilege_name(saw),
                   before ? "the rows before it leave" : "it is now", privilege_name(expect));
        show(s, line, shown_label, shown_subject, text);
    }
    for (int i = 0; i < 2; i++)
        if (name_key(&k, req, res, i))
            *(int *)hmap_kput(&s->leaves, k.data, k.len, NULL) = (int)leaves;
    buf_free(&k);
}

int stale_report(const struct stale *s, FILE *err, const char *input, struct buf *note)
{
    if (!s || (!s->stale && !s->unread))
        return 0;
    char shown[4 * 300];
    str_printable(shown, sizeof shown, strcmp(input, "-") ? input : "standard input");
    if (s->stale)
        fprintf(err, "bbperm: the plan in %s is stale: %lu of its %lu rows that saw the live "
                     "state no longer match it; nothing was sent\n", shown, s->stale, s->checked);
    else
        fprintf(err, "bbperm: the plan in %s cannot be checked against the live state: %lu "
                     "of its rows could not be read; nothing was sent\n", shown, s->unread);
    for (unsigned i = 0; i < s->nshown; i++)
        fprintf(err, "bbperm: stale: %s\n", s->shown[i]);
    unsigned long more = s->stale + s->unread - s->nshown;
    if (more)
        fprintf(err, "bbperm: stale: ... and %lu more\n", more);
    fprintf(err, "bbperm: re-plan and apply: 'bbperm plan ... -o plan.csv' (review it), then "
                 "'bbperm --resume plan.csv'\n");
    if (note) {
        char line[300];
        msg_printf(line, sizeof line, "The plan is stale: %lu of its rows no longer match the "
                   "live state, %lu could not be read. Nothing was sent; re-plan and apply.",
                   s->stale, s->unread);
        buf_adds(note, line);
    }
    return 1;
}
