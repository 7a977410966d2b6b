/*
 * DESIGN
 *
 * Prune is the walk export does (walk.c), compared with the set of
 * permissions the file named.
 *
 * While the file's rows are written (prune_note, main thread), each valid
 * row whose target may fall in a scope adds its permission to the named
 * set: the key of target and subject (api_key_subject; both names of a
 * Cloud user an email resolved to, so one user however written is one
 * entry). The set is util's keyed hmap, which compares the keys and not
 * only their hashes, so a permission the file does not name is never taken
 * for one it does: PRUNE_BYTES_PER_NAME bytes per row plus the key's
 * length. A row that cannot be trusted (invalid, an unknown email, a
 * pattern whose listing failed, a subject plan found unknown, a write or
 * read answered 404: what a typo looks like) is noted as a stop instead,
 * keyed by its target, its workspace or Data Center project, the Cloud
 * project its project cell names, and, when its target may not exist and no
 * project cell places it, every scope of its workspace; with its line. A
 * row that failed on its target for another reason (403, 409, no answer)
 * keeps that target out of the prune. Two more sets grow with the file's
 * distinct targets: those failed rows' targets, and (Cloud) each repository
 * with the project its project cell names, which a project scope's listing
 * must hold, or a mistyped slug may hide among its repositories.
 *
 * After the last input row (prune_run), each scope is walked: its targets
 * are listed on the main thread and read by the workers through the live
 * cache, which the file's rows already filled, so no target is listed twice
 * for one subject kind while the cache holds it. The ring hands the targets
 * back in listing order (prune_job_done); every permission the set does not
 * hold becomes a candidate. A target on which the server lists a subject
 * under a name no row could hold (row_subject_problem: '..', '/', a control
 * character) is not pruned at all: its revoke row would send a path or a
 * cell that is not the name (one stderr line, exit 1). The caller comes
 * from session_caller; when no person can be named, nothing is pruned.
 * When the scope's walk is done: a stop that
 * falls in it prunes nothing (one stderr line); more revocations than
 * --max-prune allows are written 'held'; the caller's own permissions are
 * kept; every other candidate becomes a revoke row, settled as 'planned'
 * in a plan or handed to the pool in apply, which revokes it as any row
 * (undo file included).
 *
 * Kinds. A kind is pruned only when the file has rows of it (permissions
 * also when the header has no rule column): a file of permissions never
 * touches branch rules, nor the reverse; a mixed file prunes both. The
 * permission kind's parts are the ones above; every other kind is a table
 * (prkind.h: branch rules in brprune.c) that names what its rows name in
 * the same named set (keys of its own shape), says whether a failed row of
 * it may be a typo (the stops above are the same for every kind: a bad row
 * of either kind stops the whole scope), reads a target's items on the
 * worker (through its own cache, which its rows filled) and walks them on
 * the main thread into items the file does not name. Those become rows of
 * the kind after the permission rows of the scope, each kind with its own
 * guard (counted in its items, against the items read in the scope), the
 * row's request made by the kind's own validation of the cells prune
 * wrote, so a prune row is read as a row of the file would be. The caller's
 * own is a permission's rule only.
 */
#include "prune.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "csvout.h"
#include "kind.h"
#include "markdown.h"
#include "prkind.h"
#include "walk.h"

/* The kinds other than permissions that can be pruned (prkind.h). */
static const struct prune_kind *const kinds[] = {&prune_branch};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* The prune table of a row's kind, or NULL (a permission, or not valid). */
static const struct prune_kind *kind_table(const struct row_job *j)
{
    for (size_t k = 0; k < NKINDS; k++)
        if (j->kind == kinds[k]->kind)
            return kinds[k];
    return NULL;
}

/* ---- sets of keys (hmap: key -> the first line a stop was noted with) ---- */

/* Add key (and free it); a stop keeps the first line it was noted with. */
static void hset_add(struct hmap *s, struct buf key, unsigned long line)
{
    int added;
    unsigned long *first = hmap_kput(s, key.data, key.len, &added);
    if (added)
        *first = line;
    buf_free(&key);
}

/* The line of key (which it frees), or NULL. */
static const unsigned long *hset_get(const struct hmap *s, struct buf key)
{
    const unsigned long *v = hmap_kget(s, key.data, key.len);
    buf_free(&key);
    return v;
}

/* ---- the prune ------------------------------------------------------------ */

/* A permission the walk found that the file does not name. Its strings sit
 * in the scope's arena. */
struct cand {
    enum target_kind target;
    enum subject_kind kind;
    enum privilege priv;
    size_t ws, project, slug, id;   /* offsets into arena */
    size_t display;                 /* a user's display name ("" if none): offset */
    int own;                        /* the caller's own: kept */
};

/* An item of another kind (prkind.h) the walk found that the file does not
 * name. Its strings sit in the scope's arena. */
struct kcand {
    const struct prune_kind *pk;
    enum target_kind target;
    size_t ws, project, slug;       /* offsets into arena */
    char sub;                       /* 0: the whole item; 'g', 'u': a subject of it */
    size_t id, branch, rule, what, previous; /* offsets into arena */
    long value;
};

struct prune {
    const struct bb_config *cfg;
    struct session *ses;
    struct live *live;
    const struct api_ops *api;
    struct hmap named;          /* permissions the file names */
    struct hmap stops;          /* targets (and workspaces, projects) a bad row stops:
                                 * key -> the line of the first such row */
    unsigned long stop_all;     /* a bad row whose place cannot be told: its line */
    struct hmap walked;         /* targets read already (scopes may overlap) */
    struct hmap kept;           /* targets a row failed on (403, no answer):
                                 * key -> the line of the first such row */
    struct hmap claimed;        /* Cloud: repositories rows place in a project by
                                 * their project cell: key -> the first row's line */
    struct buf claims;          /* the same, each once: the project's place key,
                                 * NUL, the repository's key, NUL */
    struct hmap listed;         /* targets the scope being walked listed */
    struct hmap reasons;        /* the line of a row that stopped a scope -> the offset
                                 * of its message in reason_text (the first ones) */
    struct buf reason_text;
    struct markdown *md;        /* --markdown: what stderr says goes above its tables */
    char *caller_id, *caller_alt; /* the account the run authenticates as, or NULL */
    int caller_unknown;         /* no person could be named (session_caller) */
    int failed;
    int rows_of[KIND_SLOTS];    /* the file has rows of the kind in that slot */
    int perm_on;                /* permissions are pruned (prune_run decides) */
    void *const *kstate;        /* the kinds' shared states (apply_shared.kstate) */

    /* the scope being walked */
    const char *scope;
    struct cand *c;
    size_t nc, capc;
    struct buf arena;
    unsigned long total, revokes, unreadable, stop_line;
    struct kcand *kc;           /* the other kinds' items */
    size_t nkc, capkc;
    unsigned long ktotal[NKINDS], krevokes[NKINDS]; /* per kind: read, would change */
};

struct prune *prune_new(const struct bb_config *cfg, struct session *ses, struct live *live)
{
    struct prune *p = xcalloc(1, sizeof *p);
    p->cfg = cfg;
    p->ses = ses;
    p->live = live;
    p->api = ses->api;
    hmap_init_keys(&p->named, sizeof(unsigned long));
    hmap_init_keys(&p->stops, sizeof(unsigned long));
    hmap_init_keys(&p->walked, sizeof(unsigned long));
    hmap_init(&p->reasons, sizeof(size_t));
    hmap_init_keys(&p->kept, sizeof(unsigned long));
    hmap_init_keys(&p->claimed, sizeof(unsigned long));
    hmap_init_keys(&p->listed, sizeof(unsigned long));
    return p;
}

void prune_free(struct prune *p)
{
    if (!p)
        return;
    hmap_free(&p->named);
    hmap_free(&p->stops);
    hmap_free(&p->walked);
    hmap_free(&p->reasons);
    hmap_free(&p->kept);
    hmap_free(&p->claimed);
    buf_free(&p->claims);
    hmap_free(&p->listed);
    buf_free(&p->reason_text);
    free(p->c);
    free(p->kc);
    buf_free(&p->arena);
    free(p->caller_id);
    free(p->caller_alt);
    free(p);
}

void prune_use_states(struct prune *p, void *const *kstate)
{
    if (p)
        p->kstate = kstate;
}

void prune_report_to(struct prune *p, struct markdown *md)
{
    if (p)
        p->md = md;
}

/* One line on stderr ("bbperm: prune: text"), and the same above the
 * report's tables. */
__attribute__((format(printf, 2, 3)))
static void say(struct prune *p, const char *fmt, ...)
{
    char text[2400];
    va_list ap;
    va_start(ap, fmt);
    msg_vprintf(text, sizeof text, fmt, ap);    /* a cut ends in "..." */
    va_end(ap);
    fprintf(stderr, "bbperm: prune: %s\n", text);
    markdown_note(p->md, text);
}

static void walk_said(void *ctx, const char *text);

/* Why a row stops the scopes it falls in: its own message (invalid, an
 * unknown email, a listing that failed, or any other reason a caller of
 * note_stop gives the row), kept for the first PRUNE_REASONS lines. */
#define PRUNE_REASONS 4096
#define PRUNE_REASON_MAX 300
static void keep_reason_text(struct prune *p, unsigned long line, const char *m)
{
    int added;
    if (!line || hmap_get(&p->reasons, line) || p->reasons.n >= PRUNE_REASONS)
        return;
    char shown[PRUNE_REASON_MAX * 4];
    /* an invalid row's message starts with its line: said once */
    char head[32];
    int hn = snprintf(head, sizeof head, "line %lu: ", line);
    if (hn > 0 && (size_t)hn < sizeof head && !strncmp(m, head, (size_t)hn))
        m += hn;
    str_printable(shown, sizeof shown, m);
    if (strlen(shown) > PRUNE_REASON_MAX)
        memcpy(shown + PRUNE_REASON_MAX - 3, "...", 4);
    *(size_t *)hmap_put(&p->reasons, line, &added) = p->reason_text.len;
    buf_adds(&p->reason_text, shown);
    buf_addc(&p->reason_text, '\0');
}

static void keep_reason(struct prune *p, const struct row_job *j)
{
    keep_reason_text(p, j->line, j->res.msg);
}

static const char *reason_of(const struct prune *p, unsigned long line)
{
    const size_t *at = hmap_get(&p->reasons, line);
    return at ? p->reason_text.data + *at : NULL;
}

int prune_failed(const struct prune *p)
{
    return p && p->failed;
}

int prune_over_limit(const struct bb_config *cfg, unsigned long revokes, unsigned long total)
{
    if (cfg->max_prune_pct)     /* no rounding: revokes / total > P / 100 */
        return (double)revokes * 100.0 > cfg->max_prune * (double)total;
    return (double)revokes > cfg->max_prune;
}

/* A key for a place: kind 'w' (any row of a workspace), 'W' (a row of a
 * workspace whose target cannot be told), 'P' (any row of a Data Center
 * project). */
static struct buf place_key(char kind, const char *s, size_t len)
{
    struct buf k = {0};
    buf_addc(&k, kind);
    buf_addc(&k, '\x1f');
    for (size_t i = 0; i < len; i++)
        buf_addc(&k, (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]));
    return k;
}

/* The key of a target (the caller frees it; hset_add and hset_get do). */
static struct buf target_key(const struct request *t)
{
    struct buf k = {0};
    api_target_key(&k, t);
    return k;
}

/* The key of one permission: target and subject. */
static struct buf perm_key(const struct request *t, const char *subject, size_t len)
{
    struct buf k = {0};
    api_key_subject(&k, t, subject, len);
    return k;
}

static int same_word(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && !strncasecmp(a, b, alen);
}

/* 1 when a row on this workspace (Cloud) or project (Data Center) may fall
 * in a scope: only those rows are kept in the named set. */
static int may_fall_in(const struct prune *p, const struct request *r)
{
    return prune_may_fall_in(p, r);
}

int prune_may_fall_in(const struct prune *p, const struct request *r)
{
    for (int i = 0; i < p->cfg->nscopes; i++) {
        const char *sc = p->cfg->scopes[i], *slash = strchr(sc, '/');
        size_t n = slash ? (size_t)(slash - sc) : strlen(sc);
        /* the scope's spelling: WORKSPACE[/PROJECT] or PROJECT_KEY, as rows name targets */
        if (p->api->has_workspaces && same_word(r->workspace, r->workspace_len, sc, n))
            return 1;
        if (!p->api->has_workspaces) {
            const char *k = r->target == TARGET_REPO ? r->project : r->target_name;
            size_t kl = r->target == TARGET_REPO ? r->project_len : r->target_len;
            if (same_word(k, kl, sc, n))
                return 1;
        }
    }
    return 0;
}

/* A trimmed cell of a role, or "". */
static const char *role_cell(const struct colmap *m, const struct row_job *j, enum col_role role,
                             size_t *len)
{
    int c = m->col[role];
    *len = 0;
    if (c < 0 || (unsigned)c >= j->n)
        return "";
    const char *s = j->data.data + j->off[c];
    size_t n = j->lens[c];
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    csvout_name_unguard(&s, &n);    /* as row_validate reads it */
    *len = n;
    return s;
}

/* 1 when a row failed because Bitbucket does not know what it names, which
 * is what a typo looks like: a 404 to its write (its subject, on a target
 * whose list was read) or to its list (its target); or a 400 to a user
 * write, which Cloud documents for "not a valid user to update" (the rows
 * are validated before they are sent, so the value is not what it refused). */
static int answered_not_found(const struct row_job *j)
{
    if (j->res.status != ROW_FAILED)
        return 0;
    return j->res.http_status == 404 ||
           (j->res.http_status == 400 && j->req.subject == SUBJECT_USER && j->res.prev >= 0);
}

/* Whether a failed row may be a typo, by its kind's rules. */
static enum prune_unknown unknown_of(const struct row_job *j)
{
    const struct prune_kind *pk = kind_table(j);
    if (pk)
        return pk->unknown(row_job_own(j), &j->res);
    if (!answered_not_found(j))
        return PRUNE_KNOWN;
    return j->res.prev < 0 ? PRUNE_TARGET_UNKNOWN : PRUNE_SUBJECT_UNKNOWN;
}

/* 1 when every byte could be in a repository slug (letters, digits, '-',
 * '_', '.'), as Bitbucket makes them. */
static int slug_like(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* The key of the rows that name a Cloud project ws/PROJ in their project
 * cell (or as their target): they stop the scope ws/PROJ. */
static struct buf project_key(const char *ws, size_t wl, const char *proj, size_t pl)
{
    struct buf k = {0};
    buf_add(&k, ws, wl);
    buf_addc(&k, '/');
    buf_add(&k, proj, pl);
    struct buf key = place_key('p', k.data, k.len);
    buf_free(&k);
    return key;
}

/* A row that cannot be trusted stops the scopes it may fall in: the one
 * its target lies in, its workspace's (Cloud) or project's (Data Center),
 * the Cloud project its project cell names, and, when its target may not
 * exist and no project cell says where it would be, every scope of its
 * workspace. */
static void note_stop(struct prune *p, const struct colmap *m, const struct row_job *j)
{
    unsigned long line = j->line;
    keep_reason(p, j);
    size_t wl, rl, pl;
    const char *ws = role_cell(m, j, COL_WORKSPACE, &wl);
    const char *repo = role_cell(m, j, COL_REPO, &rl);
    const char *proj = role_cell(m, j, COL_PROJECT, &pl);
    /* a target that answered 404 itself (its list was never read) */
    int target_unknown = unknown_of(j) == PRUNE_TARGET_UNKNOWN;
    if (j->res.status != ROW_INVALID) {    /* valid but not resolved: the request says */
        ws = j->req.workspace, wl = j->req.workspace_len;
        proj = j->req.project, pl = j->req.project_len;
        repo = j->req.target == TARGET_REPO ? j->req.target_name : "";
        rl = j->req.target == TARGET_REPO ? j->req.target_len : 0;
        if (j->req.target == TARGET_PROJECT)
            proj = j->req.target_name, pl = j->req.target_len;
    }
    /* the row format: --workspace fills an empty workspace cell */
    if (p->api->has_workspaces && !wl && m->default_ws) {
        ws = m->default_ws;
        wl = strlen(ws);
    }
    int repo_ok = rl && !repo_is_pattern(repo, rl) && !api_name_problem(repo, rl);
    int proj_ok = pl && !api_name_problem(proj, pl);
    /* an invalid row whose repository cell no slug could be (a quote, a
     * space): it cannot name a repository that exists */
    if (j->res.status == ROW_INVALID && rl && !slug_like(repo, rl))
        target_unknown = 1;
    struct request t = {0};
    t.workspace = ws;
    t.workspace_len = wl;
    if (p->api->has_workspaces) {           /* the row format: a workspace cell */
        if (!wl || api_name_problem(ws, wl)) {
            if (!p->stop_all)
                p->stop_all = line;
            return;
        }
        hset_add(&p->stops, place_key('w', ws, wl), line);
        if (proj_ok)
            hset_add(&p->stops, project_key(ws, wl, proj, pl), line);
        else if (target_unknown)
            hset_add(&p->stops, place_key('W', ws, wl), line);
        if (repo_ok) {
            t.target = TARGET_REPO, t.target_name = repo, t.target_len = rl;
        } else if (!rl && proj_ok) {
            t.target = TARGET_PROJECT, t.target_name = proj, t.target_len = pl;
        } else {
            hset_add(&p->stops, place_key('W', ws, wl), line);
            return;
        }
        hset_add(&p->stops, target_key(&t), line);
        return;
    }
    t.workspace_len = 0;
    if (!proj_ok) {
        if (!p->stop_all)
            p->stop_all = line;
        return;
    }
    hset_add(&p->stops, place_key('P', proj, pl), line);
    if (repo_ok) {
        t.target = TARGET_REPO, t.project = proj, t.project_len = pl;
        t.target_name = repo, t.target_len = rl;
        hset_add(&p->stops, target_key(&t), line);
    } else if (!rl) {
        t.target = TARGET_PROJECT, t.target_name = proj, t.target_len = pl;
        hset_add(&p->stops, target_key(&t), line);
    }
}

/* A row that failed on a target that exists, for a reason other than 404
 * (403, 409, no answer, retries spent): that target is not pruned. */
static void note_kept_target(struct prune *p, const struct row_job *j)
{
    if (j->req.target_is_pattern || !j->req.target_len)
        return;
    hset_add(&p->kept, target_key(&j->req), j->line);
}

/* Cloud: a repository a row places in a project by its project cell. */
static void note_claim(struct prune *p, const struct row_job *j)
{
    const struct request *r = &j->req;
    /* the row format: only where a repository row names no project by its
     * path (a workspace's repository) is its project cell a claim */
    if (!p->api->has_workspaces || r->target != TARGET_REPO || !r->project_len ||
        r->target_is_pattern)
        return;
    struct buf tk = target_key(r);
    int added;
    unsigned long *first = hmap_kput(&p->claimed, tk.data, tk.len, &added);
    if (added) {
        *first = j->line;
        struct buf pk = project_key(r->workspace, r->workspace_len, r->project, r->project_len);
        buf_add(&p->claims, pk.data, pk.len);
        buf_addc(&p->claims, '\0');
        buf_add(&p->claims, tk.data, tk.len);
        buf_addc(&p->claims, '\0');
        buf_free(&pk);
    }
    buf_free(&tk);
}

void prune_note(struct prune *p, const struct colmap *m, const struct row_job *j)
{
    if (!p || (j->role == ROLE_TARGET || j->role == ROLE_PRUNED))
        return;
    if (j->kind)
        p->rows_of[j->kind->slot] = 1;
    if (j->res.status == ROW_INVALID || j->res.unresolved || unknown_of(j) != PRUNE_KNOWN) {
        note_stop(p, m, j);
        return;
    }
    if (j->res.status == ROW_CANCELLED || j->res.status == ROW_PENDING || !may_fall_in(p, &j->req))
        return;
    if (j->res.status == ROW_FAILED)
        note_kept_target(p, j);
    note_claim(p, j);
    const struct prune_kind *pk = kind_table(j);
    if (pk) {
        struct buf keys = {0};
        pk->names(p->api, &j->req, row_job_own(j), &j->res, &keys);
        for (size_t at = 0; at < keys.len;) {
            size_t n = strlen(keys.data + at);
            int added;
            hmap_kput(&p->named, keys.data + at, n, &added);
            at += n + 1;
        }
        buf_free(&keys);
        return;
    }
    if (j->res.named[0][0]) {
        for (int i = 0; i < 2; i++)
            if (j->res.named[i][0])
                hset_add(&p->named, perm_key(&j->req, j->res.named[i], strlen(j->res.named[i])), 0);
    } else {
        hset_add(&p->named, perm_key(&j->req, j->req.subject_name, j->req.subject_len), 0);
    }
}

/* ---- the walk --------------------------------------------------------------- */

void prune_read_target(void *ctx, struct row_job *j, const struct pager_fetch *f)
{
    struct prune *p = ctx;
    struct pager_error err;
    j->res.status = ROW_OK;
    walk_perms_clear(&j->perms);
    int rc = p->perm_on ? walk_read(p->api, p->ses->base.data, p->live, f, &j->req,
                                    &j->perms, NULL, &err) : 0;
    for (size_t k = 0; k < NKINDS && rc == 0; k++)
        if (p->rows_of[kinds[k]->kind->slot] && kinds[k]->holds(p->api, j->req.target))
            rc = kinds[k]->read(p->kstate[kinds[k]->kind->slot], &j->req, f, &err);
    if (rc != 0) {
        j->res.status = err.cancelled ? ROW_CANCELLED : ROW_FAILED;
        j->res.http_status = err.status;
        msg_printf(j->res.msg, sizeof j->res.msg, "%s", err.msg);
    }
}

static int is_named(const struct prune *p, const struct request *t, const struct walk_perm *w)
{
    struct request r = *t;
    r.subject = w->kind;
    if (hset_get(&p->named, perm_key(&r, w->id, strlen(w->id))))
        return 1;
    return w->alt && hset_get(&p->named, perm_key(&r, w->alt, strlen(w->alt)));
}

static int is_caller(const struct prune *p, const struct walk_perm *w)
{
    if (w->kind != SUBJECT_USER)
        return 0;
    const char *names[2] = {p->caller_id, p->caller_alt};
    for (int i = 0; i < 2; i++)
        if (names[i] && (!strcasecmp(w->id, names[i]) || (w->alt && !strcasecmp(w->alt, names[i]))))
            return 1;
    return 0;
}

/* A subject the server lists under a name no row could hold ('..', '/',
 * a control character): NULL, or the first such permission with why. Its
 * revoke row would send a path or a cell that is not the name. */
static const struct walk_perm *bad_subject(const struct prune *p, const struct walk_perms *ps,
                                           const char **name, const char **why)
{
    for (size_t i = 0; i < ps->n; i++) {
        const struct walk_perm *w = &ps->v[i];
        const char *names[2] = {w->id, w->alt};
        for (int k = 0; k < 2 && names[k]; k++) {
            *name = names[k];
            if ((*why = row_subject_problem(p->cfg->api, w->kind, *name, strlen(*name))))
                return w;
        }
    }
    return NULL;
}

static size_t arena_add(struct buf *a, const char *s, size_t len)
{
    size_t at = a->len;
    buf_add(a, s, len);
    buf_addc(a, '\0');
    return at;
}

static void note_stop_line(struct prune *p, unsigned long line)
{
    if (line && (!p->stop_line || line < p->stop_line))
        p->stop_line = line;
}

/* What a kind's walk of one target hands its items to. */
struct kwalk {
    struct prune *p;
    const struct request *t;
    const struct prune_kind *pk;
    size_t k;                   /* its index in kinds */
};

static int kwalk_named(void *ctx, const char *key, size_t len)
{
    const struct kwalk *w = ctx;
    return hmap_kget(&w->p->named, key, len) != NULL;
}

static void kwalk_found(void *ctx, const struct prune_item *it)
{
    struct kwalk *w = ctx;
    struct prune *p = w->p;
    const struct request *t = w->t;
    if (p->nkc == p->capkc) {
        p->capkc = p->capkc ? p->capkc * 2 : 64;
        p->kc = xrealloc(p->kc, p->capkc * sizeof *p->kc);
    }
    struct kcand *c = &p->kc[p->nkc++];
    c->pk = w->pk;
    c->target = t->target;
    c->ws = arena_add(&p->arena, t->workspace, t->workspace_len);
    c->project = arena_add(&p->arena, t->project, t->project_len);
    c->slug = arena_add(&p->arena, t->target_name, t->target_len);
    c->sub = it->sub;
    c->id = arena_add(&p->arena, it->id, strlen(it->id));
    c->branch = arena_add(&p->arena, it->branch, strlen(it->branch));
    c->rule = arena_add(&p->arena, it->rule, strlen(it->rule));
    c->what = arena_add(&p->arena, it->what, strlen(it->what));
    c->previous = arena_add(&p->arena, it->previous, strlen(it->previous));
    c->value = it->value;
    if (it->counts)
        p->krevokes[w->k]++;
}

/* The other kinds' items of a target read: 0, or -1 (said why: the target
 * is not pruned). */
static int walk_kinds(struct prune *p, const struct request *t)
{
    size_t mark = p->nkc;
    unsigned long revokes[NKINDS];
    memcpy(revokes, p->krevokes, sizeof revokes);
    for (size_t k = 0; k < NKINDS; k++) {
        const struct prune_kind *pk = kinds[k];
        if (!p->rows_of[pk->kind->slot] || !pk->holds(p->api, t->target))
            continue;
        struct kwalk w = {p, t, pk, k};
        char why[1400];
        long n = pk->walk(p->kstate[pk->kind->slot], p->api, t, kwalk_named, kwalk_found, &w,
                          why, sizeof why);
        if (n < 0) {
            char label[600], shown[4 * sizeof label];
            api_target_label(t, label, sizeof label);
            str_printable(shown, sizeof shown, label);
            say(p, "%s is not pruned: %s", shown, why);
            p->failed = 1;
            p->nkc = mark;      /* nothing of the target is pruned */
            memcpy(p->krevokes, revokes, sizeof revokes);
            return -1;
        }
        p->ktotal[k] += (unsigned long)n;
    }
    return 0;
}

static void target_read(struct prune *p, struct row_job *j)
{
    const struct request *t = &j->req;
    const unsigned long *s = hset_get(&p->stops, target_key(t));
    if (s)
        note_stop_line(p, *s);
    if (j->res.status == ROW_CANCELLED)
        return;
    if (j->res.status != ROW_OK) {
        char label[600], shown[4 * sizeof label], msg[4 * sizeof j->res.msg];
        api_target_label(t, label, sizeof label);
        str_printable(shown, sizeof shown, label);
        str_printable(msg, sizeof msg, j->res.msg);
        if (j->res.http_status)
            say(p, "cannot read %s: %ld %s; it is not pruned", shown, j->res.http_status, msg);
        else
            say(p, "cannot read %s: %s; it is not pruned", shown, msg);
        p->unreadable++;
        p->failed = 1;
        return;
    }
    if ((s = hset_get(&p->kept, target_key(t)))) {
        char label[600], shown[4 * sizeof label];
        api_target_label(t, label, sizeof label);
        str_printable(shown, sizeof shown, label);
        say(p, "%s is not pruned: line %lu failed on it", shown, *s);
        p->failed = 1;
        return;
    }
    const char *why, *badname;
    const struct walk_perm *bad = bad_subject(p, &j->perms, &badname, &why);
    if (bad) {
        char label[600], shown[4 * sizeof label], name[4 * 300];
        api_target_label(t, label, sizeof label);
        str_printable(shown, sizeof shown, label);
        str_printable(name, sizeof name, badname);
        say(p, "%s is not pruned: the server lists a %s '%s', whose name %s; it is not revoked",
            shown, bad->kind == SUBJECT_GROUP ? "group" : "user", name, why);
        p->failed = 1;
        return;
    }
    if (walk_kinds(p, t) != 0)
        return;
    for (size_t i = 0; i < j->perms.n; i++) {
        const struct walk_perm *w = &j->perms.v[i];
        int own = is_caller(p, w);
        if (!own)
            p->total++;
        if (is_named(p, t, w))
            continue;
        if (p->nc == p->capc) {
            p->capc = p->capc ? p->capc * 2 : 64;
            p->c = xrealloc(p->c, p->capc * sizeof *p->c);
        }
        struct cand *c = &p->c[p->nc++];
        c->target = t->target;
        c->kind = w->kind;
        c->priv = w->priv;
        c->own = own;
        c->ws = arena_add(&p->arena, t->workspace, t->workspace_len);
        c->project = arena_add(&p->arena, t->project, t->project_len);
        c->slug = arena_add(&p->arena, t->target_name, t->target_len);
        c->id = arena_add(&p->arena, w->id, strlen(w->id));
        c->display = arena_add(&p->arena, w->display ? w->display : "",
                               w->display ? strlen(w->display) : 0);
        if (!own)
            p->revokes++;
    }
}

void prune_job_done(struct prune *p, struct row_job *j)
{
    if (j->role == ROLE_TARGET) {
        target_read(p, j);
        return;
    }
    const struct prune_kind *pk = kind_table(j);
    if (pk) {
        if (!j->core.settled)        /* the pool ran it: its kind wrote the message */
            pk->sent(&j->res);
        return;
    }
    /* a prune row the pool ran (its message is still empty): say why it
     * was sent */
    if (j->res.msg[0])
        return;
    if (j->res.status == ROW_OK && j->res.change == CH_REVOKE && j->res.prev >= 0)
        msg_printf(j->res.msg, sizeof j->res.msg, "revoke %s: not in the file",
                 privilege_name((enum privilege)j->res.prev));
    else if (j->res.status == ROW_OK && j->res.change == CH_UNCHANGED)
        msg_printf(j->res.msg, sizeof j->res.msg, "unchanged: revoked since the walk read it");
}

struct lister_ctx {
    struct prune *p;
    struct ring *ring;
};

static void on_target(void *ctx, enum target_kind kind, const char *ws, const char *project,
                      const char *slug)
{
    struct lister_ctx *lc = ctx;
    struct prune *p = lc->p;
    if (p->ses->cancel_level > 0)
        return;
    struct row_job *j = ROW_JOB(ring_take(lc->ring));
    if (!j)
        return;
    walk_fill_target(&j->data, &j->req, &j->core.key, kind, ws, project, slug);
    j->role = ROLE_TARGET;
    struct buf k = target_key(&j->req);
    int added;
    hmap_kput(&p->listed, k.data, k.len, &added);
    hmap_kput(&p->walked, k.data, k.len, &added);
    buf_free(&k);
    if (!added) {                       /* in a scope before: pruned there */
        j->res.status = ROW_CANCELLED;
        ring_settle(lc->ring, &j->core);
        return;
    }
    ring_submit(lc->ring, &j->core);
}

static void walk_said(void *ctx, const char *text)
{
    const struct lister_ctx *lc = ctx;
    markdown_note(lc->p->md, text);
}

static int stop_listing(void *ctx)
{
    struct lister_ctx *lc = ctx;
    session_poll(lc->p->ses, NULL, NULL);
    return lc->ring->ops.failed(lc->ring->ops.ctx) || lc->p->ses->cancel_level > 0;
}

/* A prune row's cells in the input's columns: val[role] (NULL: empty)
 * for the roles workspace .. value, every other cell empty. */
static void fill_cells(struct row_job *j, const struct colmap *m, const char *const *val)
{
    unsigned n = m->ninput;
    for (int r = COL_WORKSPACE; r <= COL_VALUE; r++)
        if (m->col[r] >= 0 && (unsigned)m->col[r] + 1 > n)
            n = (unsigned)m->col[r] + 1;
    if (n > j->cap) {
        j->cap = n;
        j->off = xrealloc(j->off, j->cap * sizeof *j->off);
        j->lens = xrealloc(j->lens, j->cap * sizeof *j->lens);
    }
    j->data.len = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *v = "";
        for (int r = COL_WORKSPACE; r <= COL_VALUE; r++)
            if (m->col[r] == (int)i && val[r])
                v = val[r];
        j->off[i] = j->data.len;
        j->lens[i] = strlen(v);
        buf_adds(&j->data, v);
        buf_addc(&j->data, '\0');
    }
    j->n = n;
    j->line = 0;
}

/* Fill a prune row's cells in the input's columns and its request. */
static void fill_row(struct row_job *j, const struct colmap *m, const struct api_ops *api,
                     const struct cand *c, const char *arena, enum privilege priv)
{
    const char *ws = arena + c->ws, *proj = arena + c->project, *slug = arena + c->slug;
    const char *id = arena + c->id;
    const char *val[NCOL_ROLES] = {0};
    val[COL_WORKSPACE] = api->has_workspaces ? ws : "";   /* the row format, as export */
    val[COL_REPO] = c->target == TARGET_REPO ? slug : "";
    val[COL_PROJECT] = c->target == TARGET_REPO ? proj : slug;
    val[COL_GROUP] = c->kind == SUBJECT_GROUP ? id : "";
    val[COL_USER] = c->kind == SUBJECT_USER ? id : "";
    val[COL_PRIVILEGE] = privilege_name(priv);
    fill_cells(j, m, val);
    unsigned n = j->n;
    j->kind = &kind_permission;
    /* the request, as views into the cells (the buffer is final now) */
    const char *base = j->data.data;
    memset(&j->req, 0, sizeof j->req);
    j->req.target = c->target;
    j->req.subject = c->kind;
    j->req.priv = priv;
    /* the data buffer may have moved while it grew: views are taken after */
    size_t wo = 0, po = 0, so = 0, io = 0;
    for (unsigned i = 0; i < n; i++) {
        if (m->col[COL_WORKSPACE] == (int)i) wo = j->off[i];
        if (m->col[COL_PROJECT] == (int)i) po = j->off[i];
        if (m->col[c->target == TARGET_REPO ? COL_REPO : COL_PROJECT] == (int)i) so = j->off[i];
        if (m->col[c->kind == SUBJECT_GROUP ? COL_GROUP : COL_USER] == (int)i) io = j->off[i];
    }
    j->req.workspace = api->has_workspaces ? base + wo : "";   /* the row format */
    j->req.workspace_len = strlen(j->req.workspace);
    j->req.project = c->target == TARGET_REPO ? base + po : "";
    j->req.project_len = strlen(j->req.project);
    j->req.target_name = base + so;
    j->req.target_len = strlen(j->req.target_name);
    j->req.subject_name = base + io;
    j->req.subject_len = strlen(j->req.subject_name);
}

/* Cloud, a project scope: a row whose project cell names the project but
 * whose repository its listing did not hold may be a mistyped slug of one
 * of its repositories. */
static void note_unlisted(struct prune *p, const char *scope)
{
    struct buf want = place_key('p', scope, strlen(scope));
    for (size_t at = 0; at < p->claims.len;) {
        const char *pk = p->claims.data + at;
        size_t pl = strlen(pk);
        const char *tk = pk + pl + 1;
        size_t tl = strlen(tk);
        at += pl + tl + 2;
        if (pl != want.len || memcmp(pk, want.data, pl) != 0 || hmap_kget(&p->listed, tk, tl))
            continue;
        const unsigned long *line = hmap_kget(&p->claimed, tk, tl);
        if (line) {
            note_stop_line(p, *line);
            keep_reason_text(p, *line, "its project cell names this project, whose "
                             "repositories do not include its repository");
        }
    }
    buf_free(&want);
}

/* --max-prune's limit for a scope that read `total` items, in words. */
static void guard_limit(const struct bb_config *cfg, unsigned long total, char *limit,
                        size_t size)
{
    int ln = cfg->max_prune_pct ? snprintf(limit, size, "%g%% of %lu", cfg->max_prune, total)
                                : snprintf(limit, size, "%.0f", cfg->max_prune);
    if (ln < 0 || (size_t)ln >= size)
        limit[0] = '\0';
}

/* A prune row of another kind: its cells (keep: the row names what is
 * live: privilege empty, the subject or the whole item, its value), its
 * kind and request, as the kind reads a row of the file. 0, or -1 with the
 * row failed (never sent). */
static int fill_kind_row(struct row_job *j, const struct colmap *m, const struct api_ops *api,
                         const struct kcand *c, const char *arena, int keep)
{
    char value[32] = "";
    if (keep && c->value >= 0)
        snprintf(value, sizeof value, "%ld", c->value);
    const char *val[NCOL_ROLES] = {0};
    val[COL_WORKSPACE] = api->has_workspaces ? arena + c->ws : "";
    val[COL_REPO] = c->target == TARGET_REPO ? arena + c->slug : "";
    val[COL_PROJECT] = c->target == TARGET_REPO ? arena + c->project : arena + c->slug;
    val[COL_GROUP] = c->sub == 'g' ? arena + c->id : "";
    val[COL_USER] = c->sub == 'u' ? arena + c->id : "";
    val[COL_PRIVILEGE] = keep ? "" : "none";
    val[COL_BRANCH] = arena + c->branch;
    val[COL_RULE] = arena + c->rule;
    val[COL_VALUE] = value;
    fill_cells(j, m, val);
    const char **cells = xmalloc((j->n ? j->n : 1) * sizeof *cells);
    for (unsigned i = 0; i < j->n; i++)
        cells[i] = j->data.data + j->off[i];
    char why[400];
    j->kind = c->pk->kind;
    int rc = j->kind->validate(m, cells, j->lens, j->n, j, why, sizeof why);
    free(cells);
    if (rc != 0) {
        j->res.status = ROW_FAILED;
        msg_printf(j->res.msg, sizeof j->res.msg, "not sent: the prune row cannot be written "
                   "in the file's columns: %s", why);
    }
    return rc;
}

/* The rows of the other kinds' items in the scope just walked: each kind
 * has its own guard, counted in its items. */
static void kind_rows(struct prune *p, struct ring *ring, const struct colmap *m)
{
    const char *sc = p->scope;
    char shown[4 * 300];
    str_printable(shown, sizeof shown, sc);
    int held[NKINDS];
    for (size_t k = 0; k < NKINDS; k++) {
        held[k] = p->krevokes[k] && prune_over_limit(p->cfg, p->krevokes[k], p->ktotal[k]);
        if (!held[k])
            continue;
        char limit[64];
        guard_limit(p->cfg, p->ktotal[k], limit, sizeof limit);
        say(p, "%s: its %ss are not pruned: %lu %s would change or go, which exceeds "
               "--max-prune %s; their rows are written 'held'", shown, kinds[k]->kind->name,
            p->krevokes[k], kinds[k]->items, limit);
        p->failed = 1;
    }
    for (size_t i = 0; i < p->nkc; i++) {
        const struct kcand *c = &p->kc[i];
        size_t k = 0;
        while (k + 1 < NKINDS && kinds[k] != c->pk)
            k++;
        struct row_job *j = ROW_JOB(ring_take(ring));
        if (!j)
            return;
        j->role = ROLE_PRUNED;
        /* a held row names what is live: fed back (plain or --resume), it
         * changes nothing */
        const char *arena = p->arena.data;
        if (fill_kind_row(j, m, p->api, c, arena, held[k]) != 0) {
            p->failed = 1;
        } else if (held[k]) {
            char limit[64];
            guard_limit(p->cfg, p->ktotal[k], limit, sizeof limit);
            j->res.status = ROW_HELD;
            msg_printf(j->res.msg, sizeof j->res.msg, "held: would %s; %lu %s in %.200s "
                       "exceed --max-prune %s", arena + c->what, p->krevokes[k],
                       c->pk->items, sc, limit);
        } else if (p->ses->cancel_level > 0) {
            j->res.status = ROW_CANCELLED;
            msg_printf(j->res.msg, sizeof j->res.msg, "not sent: the run was interrupted");
        } else if (p->cfg->command == CMD_PLAN) {
            j->res.status = ROW_PLANNED;
            j->res.change = CH_REVOKE;
            msg_printf(j->res.msg, sizeof j->res.msg, "%s: not in the file", arena + c->what);
        } else {
            j->core.key.len = 0;
            j->kind->order_key(&j->core.key, p->api, j);
            ring_submit(ring, &j->core);
            continue;
        }
        msg_printf(j->res.previous, sizeof j->res.previous, "%s", arena + c->previous);
        ring_settle(ring, &j->core);
    }
}

/* The rows of the scope just walked. */
static void finish_scope(struct prune *p, struct ring *ring, const struct colmap *m)
{
    const char *sc = p->scope, *slash = strchr(sc, '/');
    size_t n = slash ? (size_t)(slash - sc) : strlen(sc);
    const unsigned long *s;
    if (p->stop_all)
        note_stop_line(p, p->stop_all);
    if (p->api->has_workspaces) {           /* the scope's spelling, as above */
        if ((s = hset_get(&p->stops, place_key('W', sc, n))))
            note_stop_line(p, *s);
        if (!slash && (s = hset_get(&p->stops, place_key('w', sc, n))))
            note_stop_line(p, *s);
        if (slash && (s = hset_get(&p->stops, place_key('p', sc, strlen(sc)))))
            note_stop_line(p, *s);
        if (slash)
            note_unlisted(p, sc);
    } else if ((s = hset_get(&p->stops, place_key('P', sc, n)))) {
        note_stop_line(p, *s);
    }
    char shown[4 * 300];
    str_printable(shown, sizeof shown, sc);
    if (p->stop_line || p->caller_unknown) {
        const char *why = reason_of(p, p->stop_line);
        if (p->caller_unknown) {
            struct buf url = {0};
            char where[4 * 600];
            p->api->caller_url(&url, p->ses->base.data);
            str_printable(where, sizeof where, url.data);
            say(p, "%s is not pruned: the account the run authenticates as could not be told "
                   "(GET %s named no user: a project or repository token names none), so its "
                   "own access cannot be kept", shown, where);
            buf_free(&url);
        } else {
            say(p, "%s is not pruned: line %lu is invalid, could not be resolved or names what "
                   "Bitbucket does not know, and a wrong row must not become a revocation%s%s",
                shown, p->stop_line, why ? ": " : "", why ? why : "");
        }
        p->failed = 1;
        return;
    }
    int held = p->revokes && prune_over_limit(p->cfg, p->revokes, p->total);
    char limit[64];
    guard_limit(p->cfg, p->total, limit, sizeof limit);
    if (held) {
        say(p, "%s is not pruned: %lu %s would exceed --max-prune %s; its rows are written "
               "'held'", shown, p->revokes, p->revokes == 1 ? "revocation" : "revocations", limit);
        p->failed = 1;
    }
    for (size_t i = 0; i < p->nc; i++) {
        const struct cand *c = &p->c[i];
        struct row_job *j = ROW_JOB(ring_take(ring));
        if (!j)
            return;
        j->role = ROLE_PRUNED;
        /* a row that must not run names the live level: fed back (plain or
         * --resume), it changes nothing */
        int keep = c->own || held;
        fill_row(j, m, p->api, c, p->arena.data, keep ? c->priv : PRIV_NONE);
        j->res.prev = (int)c->priv;
        msg_printf(j->res.display, sizeof j->res.display, "%s", p->arena.data + c->display);
        const char *pn = privilege_name(c->priv);
        if (c->own) {
            j->res.status = ROW_OK;
            j->res.change = CH_UNCHANGED;
            msg_printf(j->res.msg, sizeof j->res.msg, "kept: the caller's own %s; would be revoked, "
                     "but %s is the account this run authenticates as", pn,
                     p->arena.data + c->id);
        } else if (held) {
            j->res.status = ROW_HELD;
            msg_printf(j->res.msg, sizeof j->res.msg, "held: would revoke %s; "
                     "%lu revocations in %.200s exceed --max-prune %s", pn, p->revokes, sc, limit);
        } else if (p->ses->cancel_level > 0) {
            j->res.status = ROW_CANCELLED;
            msg_printf(j->res.msg, sizeof j->res.msg, "not sent: the run was interrupted");
        } else if (p->cfg->command == CMD_PLAN) {
            j->res.status = ROW_PLANNED;
            j->res.change = CH_REVOKE;
            msg_printf(j->res.msg, sizeof j->res.msg, "revoke %s: not in the file", pn);
        } else {
            j->core.key.len = 0;
            api_order_key(&j->core.key, p->api, &j->req);
            ring_submit(ring, &j->core);
            continue;
        }
        ring_settle(ring, &j->core);
    }
    kind_rows(p, ring, m);
}

/* The caller, whose own permissions are kept (session_caller: one request
 * at most, none when the check before the first row named it). */
static void learn_caller(struct prune *p)
{
    const char *id, *alt;
    int rc = session_caller(p->ses, &id, &alt);
    if (rc == -1)
        p->caller_unknown = 1;
    if (rc != 0)
        return;
    p->caller_id = id ? xstrdup(id) : NULL;
    p->caller_alt = alt ? xstrdup(alt) : NULL;
}

void prune_run(struct prune *p, struct ring *ring, const struct colmap *map,
               const struct catalog *catalog)
{
    if (!p || p->ses->cancel_level > 0 || ring->ops.failed(ring->ops.ctx))
        return;
    /* a kind is pruned only when the file has rows of it; permissions also
     * when the header has no rule column (a file of permissions) */
    p->perm_on = p->rows_of[kind_permission.slot] || map->col[COL_RULE] < 0;
    if (p->perm_on)
        learn_caller(p);
    struct lister_ctx lc = {p, ring};
    struct walk_lister wl = {
        .ses = p->ses, .cmd = "prune", .target = on_target, .stop = stop_listing, .ctx = &lc,
        .catalog = catalog, .said = walk_said,
    };
    for (int i = 0; i < p->cfg->nscopes && p->ses->cancel_level == 0; i++) {
        p->scope = p->cfg->scopes[i];
        p->nc = 0;
        p->arena.len = 0;
        p->total = p->revokes = p->stop_line = 0;
        p->nkc = 0;
        memset(p->ktotal, 0, sizeof p->ktotal);
        memset(p->krevokes, 0, sizeof p->krevokes);
        hmap_free(&p->listed);
        hmap_init_keys(&p->listed, sizeof(unsigned long));
        unsigned long before = wl.unreadable;
        walk_scope(&wl, p->scope);
        ring_drain(ring, ring->next_seq);   /* every target of the scope is read */
        if (wl.unreadable != before)
            p->failed = 1;
        if (ring->ops.failed(ring->ops.ctx) || p->ses->cancel_level > 0)
            return;
        finish_scope(p, ring, map);
    }
}
