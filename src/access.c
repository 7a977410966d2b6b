/*
 * DESIGN
 *
 * access is a command beside export and shares its parts: the sweep of
 * targets (sweep.c: the session, the walk, the ring, the output, the
 * progress line and the exit code) and the pool.
 *
 * Before the walk the main thread reads what every repository of a
 * workspace shares and holds it for the run:
 *   - Cloud: the workspace owners, every group with its members
 *     (members.c; one request), and for a workspace scope Bitbucket's
 *     workspace-wide effective list (about 150 bytes an entry), kept
 *     sorted by repository;
 *   - Data Center: the global permissions of users and groups.
 * Then each repository is one job. A worker reads the repository's
 * explicit permissions, its project's (read once per project and kept:
 * see `struct proj`), on Cloud the repository's effective list when the
 * workspace-wide one is not held, joins them (reach.c) and formats the
 * repository's rows, merged with the earlier review under --compare
 * (compare.c). The ring writes repositories in the order they were
 * listed, so rows stream out and nothing else grows with the number of
 * repositories.
 *
 * A repository that cannot be read is named on stderr and counted (exit
 * 1); its rows are left out and every other row is written. The review
 * never shows less access than exists: a list that ends early is a failed
 * read (pager.c); a Data Center group whose members cannot be read is named
 * on stderr (exit 1) and stands as a candidate ('?') of the users known
 * from other sources (reach.c). Under --compare an earlier row that such a
 * source could explain (an unread repository; an unread group granting at
 * least the earlier level) is "unknown" at its earlier level, never
 * "removed" or "lowered"; one such a group explains in part is "lowered"
 * to what the group gives, not "removed".
 */
#include "access.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cancel.h"
#include "compare.h"
#include "csvout.h"
#include "exec.h"
#include "members.h"
#include "once.h"
#include "progress.h"
#include "reach.h"
#include "session.h"
#include "sweep.h"
#include "walk.h"
#include "who.h"

/* Grants with their own copies of the strings. */
struct grants {
    struct reach_grant *g;
    size_t n, cap;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void grants_add(struct grants *gs, const struct reach_grant *g)
{
    if (gs->n == gs->cap) {
        gs->cap = gs->cap ? gs->cap * 2 : 16;
        gs->g = xrealloc(gs->g, gs->cap * sizeof *gs->g);
    }
    struct reach_grant *x = &gs->g[gs->n++];
    *x = *g;
    x->id = xstrdup(g->id);
    x->alt = dup_or_null(g->alt);
    x->display = dup_or_null(g->display);
    x->email = dup_or_null(g->email);
}

static void grants_free(struct grants *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        free((char *)gs->g[i].id);
        free((char *)gs->g[i].alt);
        free((char *)gs->g[i].display);
        free((char *)gs->g[i].email);
    }
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}

/* Bitbucket's level of one user on one repository (Cloud). */
struct eff {
    char *repo, *id, *alt, *display;
    enum privilege priv;
};

struct effs {
    struct eff *e;
    size_t n, cap;
};

static void effs_free(struct effs *es)
{
    for (size_t i = 0; i < es->n; i++) {
        free(es->e[i].repo);
        free(es->e[i].id);
        free(es->e[i].alt);
        free(es->e[i].display);
    }
    free(es->e);
    memset(es, 0, sizeof *es);
}

/* What one workspace (Data Center: the instance) shares, read before the
 * walk and read-only afterwards. */
struct space {
    char *ws;
    struct grants admins;       /* owners / global ADMIN and SYS_ADMIN */
    struct members *members;
    int members_unknown;        /* Cloud: the groups resource failed */
    int have_eff;               /* the workspace-wide effective list is held */
    struct effs eff;            /* sorted by repository */
};

/* A project's explicit permissions and default, read by the first worker
 * that needs them (the others wait: once.c), then kept for the run: a few
 * entries per project. */
struct proj {
    char *ws, *key;
    struct once once;           /* READY: grants; FAILED: status, msg */
    struct grants grants;
    long status;
    char msg[400];
};

struct access {
    struct sweep sw;            /* the session, ring, output and counts */
    struct who who;
    struct compare cmp;
    int comparing;
    size_t cmp_next;            /* main thread: earlier rows up to here are settled */
    struct space *spaces;
    size_t nspaces;
    pthread_mutex_t mu;         /* guards projs and the projects' state */
    struct once_set loads;      /* the projects' loads, under mu */
    struct proj **projs;
    size_t nprojs, capprojs;
    atomic_ulong unexplained, added, removed, raised, lowered, unknown;
    unsigned long pre_requests;
    char delim;
};

/* ---- shared reads -------------------------------------------------------- */

static struct space *space_of(struct access *a, const char *ws)
{
    for (size_t i = 0; i < a->nspaces; i++)
        if (!strcasecmp(a->spaces[i].ws, ws))
            return &a->spaces[i];
    return NULL;
}

struct admins_ctx {
    const struct api_ops *api;
    struct grants *gs;
    enum subject_kind kind;
};

static int on_admin(void *ctx, const cJSON *item)
{
    struct admins_ctx *c = ctx;
    struct api_reach r;
    if (c->api->reach_item(item, c->kind, &r) != 0 || !r.level)
        return 0;
    struct reach_grant g = {REACH_GLOBAL, c->kind == SUBJECT_GROUP, r.id, r.alt_id, r.display,
                            r.email, PRIV_ADMIN, NULL};
    g.label = c->api->admin_label(r.level);
    if (!g.label)
        return 0;
    grants_add(c->gs, &g);
    return 0;
}

static int on_eff(void *ctx, const cJSON *item)
{
    struct access *a = ((void **)ctx)[0];
    struct effs *es = ((void **)ctx)[1];
    struct api_reach r;
    enum privilege p;
    if (a->sw.ses.api->reach_item(item, SUBJECT_USER, &r) != 0 || !r.level ||
        privilege_parse(r.level, strlen(r.level), &p) != 0 || p == PRIV_NONE)
        return 0;
    if (es->n == es->cap) {
        es->cap = es->cap ? es->cap * 2 : 64;
        es->e = xrealloc(es->e, es->cap * sizeof *es->e);
    }
    struct eff *e = &es->e[es->n++];
    e->repo = xstrdup(r.repo ? r.repo : "");
    e->id = xstrdup(r.id);
    e->alt = dup_or_null(r.alt_id);
    e->display = dup_or_null(r.display);
    e->priv = p;
    return 0;
}

static int cmp_eff(const void *x, const void *y)
{
    const struct eff *a = x, *b = y;
    return strcasecmp(a->repo, b->repo);
}

static void tell_failure(struct access *a, const char *what, const char *where,
                         const struct pager_error *err)
{
    char shown[400], msg[4 * sizeof err->msg];
    str_printable(shown, sizeof shown, where);
    str_printable(msg, sizeof msg, err->msg);
    sweep_clear_line(&a->sw);
    if (err->status)
        fprintf(stderr, "bbperm: access: %s of %s: %ld %s\n", what, shown, err->status, msg);
    else
        fprintf(stderr, "bbperm: access: %s of %s: %s\n", what, shown, msg);
}

/* Walk one list on the main thread; returns the pager's code. */
static int main_walk(struct access *a, const char *url, pager_item_fn fn, void *ctx,
                     struct pager_error *err)
{
    unsigned pages = 0;
    int rc = pager_walk(a->sw.ses.api, url, session_fetch(&a->sw.ses), fn, ctx, &pages, err);
    a->pre_requests += pages;
    return rc;
}

/* Read what every repository of a workspace shares. -1: stop the run. */
static int space_load(struct access *a, struct space *sp, int whole)
{
    const struct api_ops *api = a->sw.ses.api;
    struct pager_error err;
    struct buf url = {0};
    for (int k = api->admins_groups ? SUBJECT_GROUP : SUBJECT_USER; k <= SUBJECT_USER; k++) {
        url.len = 0;
        buf_add(&url, a->sw.ses.base.data, a->sw.ses.base.len);
        api->admins_list(&url, sp->ws, (enum subject_kind)k);
        buf_addc(&url, '\0');
        struct admins_ctx c = {api, &sp->admins, (enum subject_kind)k};
        if (main_walk(a, url.data, on_admin, &c, &err) < 0) {
            if (!err.cancelled) {
                char what[64];
                msg_printf(what, sizeof what, "cannot read %s", api->admins_what);
                tell_failure(a, what, api->admins_global ? "the server" : sp->ws, &err);
            }
            buf_free(&url);
            return -1;
        }
    }
    sp->members = members_new(api, a->sw.ses.base.data, sp->ws);
    if (api->members_all) {
        if (members_load_all(sp->members, session_fetch(&a->sw.ses), &err) != 0) {
            if (err.cancelled) {
                buf_free(&url);
                return -1;
            }
            sp->members_unknown = 1;
            char shown[400], msg[4 * sizeof err.msg];
            str_printable(shown, sizeof shown, sp->ws);
            str_printable(msg, sizeof msg, err.msg);
            sweep_clear_line(&a->sw);
            char status[32] = "";
            if (err.status && snprintf(status, sizeof status, "%ld ", err.status) >= (int)sizeof status)
                status[0] = '\0';
            fprintf(stderr, "bbperm: access: group membership of %s could not be read (%s%s): "
                            "each group stands as 'group SLUG P?' for the users at its level\n",
                    shown, status, msg);
        }
    }
    if (api->effective_list && whole) {
        url.len = 0;
        buf_add(&url, a->sw.ses.base.data, a->sw.ses.base.len);
        api->effective_list(&url, sp->ws, NULL);
        buf_addc(&url, '\0');
        void *ctx[2] = {a, &sp->eff};
        if (main_walk(a, url.data, on_eff, ctx, &err) < 0) {
            if (err.cancelled) {
                buf_free(&url);
                return -1;
            }
            effs_free(&sp->eff);
            tell_failure(a, "the workspace-wide effective list failed (each repository's is read "
                            "instead)", sp->ws, &err);
        } else {
            sp->have_eff = 1;
            if (sp->eff.n > 1)
                qsort(sp->eff.e, sp->eff.n, sizeof *sp->eff.e, cmp_eff);
        }
    }
    buf_free(&url);
    return 0;
}

/* ---- the worker: one repository ---------------------------------------- */

struct collect {
    const struct api_ops *api;
    struct grants *gs;
    enum reach_src user_src, group_src;
    enum subject_kind kind;
};

static int on_perm(void *ctx, const cJSON *item)
{
    struct collect *c = ctx;
    struct api_perm p;
    if (c->api->perm_item(item, c->kind, &p) != 0 || p.priv == PRIV_NONE)
        return 0;
    struct reach_grant g = {c->kind == SUBJECT_GROUP ? c->group_src : c->user_src,
                            c->kind == SUBJECT_GROUP, p.id, p.alt_id,
                            c->kind == SUBJECT_USER ? p.display : NULL, p.email, p.priv, NULL};
    grants_add(c->gs, &g);
    return 0;
}

/* The explicit permissions of a target into gs; 0, or -1 with err. */
static int read_grants(const struct session *ses, const struct pager_fetch *f,
                       const struct request *t, struct grants *gs, unsigned *requests,
                       struct pager_error *err)
{
    struct buf url = {0};
    int repo = t->target == TARGET_REPO;
    struct collect c = {ses->api, gs, repo ? REACH_REPO_USER : REACH_PROJECT_USER,
                        repo ? REACH_REPO_GROUP : REACH_PROJECT_GROUP, SUBJECT_GROUP};
    int rc = 0;
    for (int k = SUBJECT_GROUP; k <= SUBJECT_USER && rc == 0; k++) {
        c.kind = (enum subject_kind)k;
        url.len = 0;
        buf_add(&url, ses->base.data, ses->base.len);
        ses->api->perm_list(&url, t, c.kind);
        buf_addc(&url, '\0');
        unsigned pages = 0;
        rc = pager_walk(ses->api, url.data, f, on_perm, &c, &pages, err) < 0 ? -1 : 0;
        *requests += pages;
    }
    buf_free(&url);
    return rc;
}

/* Data Center: every licensed user's level on a project, as a grant. */
static int read_default(const struct session *ses, const struct pager_fetch *f, const char *key,
                        struct grants *gs, unsigned *requests, struct pager_error *err)
{
    static const enum privilege order[] = {PRIV_WRITE, PRIV_READ};
    struct buf url = {0};
    int rc = 0;
    for (size_t i = 0; i < 2; i++) {
        url.len = 0;
        buf_add(&url, ses->base.data, ses->base.len);
        ses->api->default_check(&url, key, order[i]);
        buf_addc(&url, '\0');
        const char *body = NULL;
        size_t len = 0;
        memset(err, 0, sizeof *err);
        (*requests)++;
        if (f->fn(f->ctx, url.data, &body, &len, err) != 0) {
            rc = -1;
            break;
        }
        cJSON *doc = cJSON_ParseWithLength(body, len);
        int yes = ses->api->default_item(doc);
        cJSON_Delete(doc);
        if (yes < 0) {
            msg_printf(err->msg, sizeof err->msg, "the answer to %s is not {\"permitted\": ...}",
                     order[i] == PRIV_WRITE ? "PROJECT_WRITE/all" : "PROJECT_READ/all");
            rc = -1;
            break;
        }
        if (yes) {
            struct reach_grant g = {REACH_PROJECT_DEFAULT, 0, "*", NULL, NULL, NULL, order[i], NULL};
            grants_add(gs, &g);
            break;
        }
    }
    buf_free(&url);
    return rc;
}

/* A project's grants, read once (see struct proj). Returns the project, or
 * NULL when reading it failed or was cancelled (err filled). */
static struct proj *project_get(struct access *a, const char *ws, const char *key,
                                const struct pager_fetch *f, unsigned *requests,
                                struct pager_error *err)
{
    pthread_mutex_lock(&a->mu);
    struct proj *p = NULL;
    for (size_t i = 0; i < a->nprojs && !p; i++)
        if (!strcasecmp(a->projs[i]->ws, ws) && !strcasecmp(a->projs[i]->key, key))
            p = a->projs[i];
    if (!p) {
        if (a->nprojs == a->capprojs) {
            a->capprojs = a->capprojs ? a->capprojs * 2 : 16;
            a->projs = xrealloc(a->projs, a->capprojs * sizeof(struct proj *));
        }
        p = xcalloc(1, sizeof *p);
        p->ws = xstrdup(ws);
        p->key = xstrdup(key);
        a->projs[a->nprojs++] = p;
    }
    enum once_state st = once_begin(&a->loads, &p->once);
    if (st != ONCE_LOADING) {
        pthread_mutex_unlock(&a->mu);
        if (st == ONCE_READY)
            return p;
        memset(err, 0, sizeof *err);
        if (st == ONCE_CANCELLED) {
            err->cancelled = 1;
            msg_printf(err->msg, sizeof err->msg, "not sent: the run was interrupted");
            return NULL;
        }
        err->status = p->status;
        msg_printf(err->msg, sizeof err->msg, "project %.80s: %.300s", key, p->msg);
        return NULL;
    }
    pthread_mutex_unlock(&a->mu);

    /* no lock while reading: p is ours until it is published */
    struct request t = {0};
    t.target = TARGET_PROJECT;
    t.workspace = ws;
    t.workspace_len = strlen(ws);
    t.target_name = key;
    t.target_len = strlen(key);
    int rc = read_grants(&a->sw.ses, f, &t, &p->grants, requests, err);
    if (rc == 0 && a->sw.ses.api->default_check)
        rc = read_default(&a->sw.ses, f, key, &p->grants, requests, err);

    pthread_mutex_lock(&a->mu);
    if (rc && !err->cancelled) {
        p->status = err->status;
        msg_printf(p->msg, sizeof p->msg, "%s", err->msg);
    }
    if (rc)
        grants_free(&p->grants);    /* a later load starts afresh */
    once_end(&a->loads, &p->once, rc == 0 ? ONCE_READY : err->cancelled ? ONCE_CANCELLED : ONCE_FAILED);
    pthread_mutex_unlock(&a->mu);
    if (rc) {
        char m[sizeof err->msg];
        memcpy(m, err->msg, sizeof m);
        msg_printf(err->msg, sizeof err->msg, "project %.80s: %.300s", key, m);
        return NULL;
    }
    return p;
}

struct mctx {
    struct members *m;
    const struct pager_fetch *f;
    int cancelled;              /* a group's read was cancelled */
};

static int members_of(void *ctx, const char *group, const struct reach_member **m, size_t *n)
{
    struct mctx *c = ctx;
    int rc = members_get(c->m, group, c->f, m, n);
    if (rc == MEMBERS_CANCELLED)
        c->cancelled = 1;
    return rc;
}

/* One output row; permission NULL: none. */
static void format_row(struct access *a, struct buf *out, const struct request *t,
                       const char *user, const char *name, const char *email,
                       enum privilege level, const struct buf *via, const char *change)
{
    char d = a->delim;
    csvout_name_cell(out, t->workspace, t->workspace_len, d);
    buf_addc(out, d);
    csvout_name_cell(out, t->target_name, t->target_len, d);
    buf_addc(out, d);
    csvout_name_cell(out, t->project, t->project_len, d);
    buf_addc(out, d);
    csvout_name_cell(out, user, strlen(user), d);
    buf_addc(out, d);
    csvout_name_cell(out, name, strlen(name), d);
    buf_addc(out, d);
    buf_adds(out, privilege_name(level));
    buf_addc(out, d);
    if (via)
        csvout_name_cell(out, via->data, via->len, d);
    if (!a->sw.ses.api->has_workspaces) {   /* the row format: access_header's email column */
        buf_addc(out, d);
        csvout_name_cell(out, email, strlen(email), d);
    }
    if (change) {
        buf_addc(out, d);
        buf_adds(out, change);
    }
    buf_addc(out, '\n');
}

static void count_change(struct access *a, const char *ch)
{
    if (!strcmp(ch, "added"))
        atomic_fetch_add(&a->added, 1);
    else if (!strcmp(ch, "removed"))
        atomic_fetch_add(&a->removed, 1);
    else if (!strcmp(ch, "raised"))
        atomic_fetch_add(&a->raised, 1);
    else if (!strcmp(ch, "lowered"))
        atomic_fetch_add(&a->lowered, 1);
}

/* The earlier rows of a repository that are gone, as rows with none. */
static unsigned format_removed(struct access *a, struct buf *out, const struct request *t,
                               size_t first, size_t n)
{
    unsigned rows = 0;
    for (size_t i = first; i < first + n; i++) {
        const struct compare_row *r = &a->cmp.rows[i];
        format_row(a, out, t, r->user, r->name, r->email, PRIV_NONE, NULL, "removed");
        atomic_fetch_add(&a->removed, 1);
        rows++;
    }
    return rows;
}

static enum privilege rank_priv(int rank)
{
    return rank >= 3 ? PRIV_ADMIN : rank == 2 ? PRIV_WRITE : PRIV_READ;
}

/* An earlier row that a source which could not be read may still explain:
 * written at its earlier level, `via` saying which source, change
 * "unknown" (never "removed" or "lowered"). */
static unsigned format_unknown(struct access *a, struct buf *out, const struct request *t,
                               const struct compare_row *r, const struct buf *via)
{
    format_row(a, out, t, r->user, r->name, r->email, rank_priv(r->rank), via, "unknown");
    atomic_fetch_add(&a->unknown, 1);
    return 1;
}

static void access_target(void *ctx, struct exec_worker *ex, struct sweep_job *j)
{
    struct access *a = ctx;
    const struct api_ops *api = a->sw.ses.api;
    const struct pager_fetch *f = exec_pager(ex);
    struct space *sp = space_of(a, j->req.workspace);
    struct grants gs = {0};
    struct pager_error err;
    unsigned requests = 0;
    struct reach_level *lv = NULL;
    struct effs own = {0};
    size_t nlv = 0;
    j->res.status = ROW_OK;

    int rc = read_grants(&a->sw.ses, f, &j->req, &gs, &requests, &err);
    if (rc == 0 && j->req.project_len) {
        struct proj *p = project_get(a, j->req.workspace, j->req.project, f, &requests, &err);
        if (!p)
            rc = -1;
        else
            for (size_t i = 0; i < p->grants.n; i++)
                grants_add(&gs, &p->grants.g[i]);
    }
    for (size_t i = 0; rc == 0 && sp && i < sp->admins.n; i++)
        grants_add(&gs, &sp->admins.g[i]);

    if (rc == 0 && api->effective_list) {
        const struct eff *e = NULL;
        size_t ne = 0;
        if (sp && sp->have_eff) {
            size_t lo = 0, hi = sp->eff.n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (strcasecmp(sp->eff.e[mid].repo, j->req.target_name) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            e = sp->eff.e + lo;
            while (lo + ne < sp->eff.n && !strcasecmp(e[ne].repo, j->req.target_name))
                ne++;
        } else {
            struct buf url = {0};
            buf_add(&url, a->sw.ses.base.data, a->sw.ses.base.len);
            api->effective_list(&url, j->req.workspace, j->req.target_name);
            buf_addc(&url, '\0');
            void *eff_ctx[2] = {a, &own};
            unsigned pages = 0;
            rc = pager_walk(api, url.data, f, on_eff, eff_ctx, &pages, &err) < 0 ? -1 : 0;
            requests += pages;
            buf_free(&url);
            e = own.e;
            ne = own.n;
        }
        lv = xcalloc(ne ? ne : 1, sizeof *lv);
        for (size_t i = 0; i < ne; i++)
            lv[nlv++] = (struct reach_level){e[i].id, e[i].alt, e[i].display, e[i].priv};
    }
    j->pages += requests;
    if (rc != 0) {
        j->res.status = err.cancelled ? ROW_CANCELLED : ROW_FAILED;
        j->res.http_status = err.status;
        msg_printf(j->res.msg, sizeof j->res.msg, "%s", err.msg);
    } else {
        struct mctx mc = {sp ? sp->members : NULL, f, 0};
        struct reach_input in = {gs.g, gs.n, lv, nlv, api->effective_list == NULL,
                                 sp ? members_of : NULL, &mc};
        struct reach_out out = {0};
        reach_join(&in, &out);
        if (mc.cancelled) {
            /* the run stopped: the repository is not read, not short of a group */
            j->res.status = ROW_CANCELLED;
            msg_printf(j->res.msg, sizeof j->res.msg, "not sent: the run was interrupted");
        }
        size_t pfirst = 0, pn = 0;
        if (a->comparing)
            pfirst = compare_find(&a->cmp, j->req.workspace, j->req.project, j->req.target_name, &pn);
        size_t pi = pfirst, pend = pfirst + pn;
        unsigned rows = 0;
        for (size_t i = 0; j->res.status == ROW_OK && i <= out.n; i++) {
            const struct reach_row *r = i < out.n ? &out.rows[i] : NULL;
            if (r && a->who.active &&
                (!strcmp(r->id, "*") || !who_match(&a->who, r->id, NULL, r->email)))
                continue;
            /* earlier rows of users before this one are gone, unless a group
             * whose members are unknown could still give them that level */
            while (a->comparing && pi < pend && (!r || reach_cmp_id(a->cmp.rows[pi].user, r->id) < 0)) {
                const struct compare_row *e = &a->cmp.rows[pi];
                if (out.unsure_rank >= e->rank) {
                    rows += format_unknown(a, &j->rows, &j->req, e, &out.unsure_via);
                } else if (out.unsure_rank > 0) {
                    /* lower for sure, but not gone: at most what those groups give */
                    format_row(a, &j->rows, &j->req, e->user, e->name, e->email,
                               rank_priv(out.unsure_rank), &out.unsure_via, "lowered");
                    atomic_fetch_add(&a->lowered, 1);
                    rows++;
                } else {
                    rows += format_removed(a, &j->rows, &j->req, pi, 1);
                }
                pi++;
            }
            if (!r)
                break;
            const char *ch = NULL;
            enum privilege level = r->level;
            if (a->comparing) {
                int before = 0;
                if (pi < pend && !reach_cmp_id(a->cmp.rows[pi].user, r->id))
                    before = a->cmp.rows[pi++].rank;
                ch = compare_change(before, reach_rank(r->level));
                if (before > reach_rank(r->level) && out.unsure_rank >= before) {
                    /* lower only as far as the rows that could be read tell */
                    ch = "unknown";
                    level = rank_priv(before);
                    atomic_fetch_add(&a->unknown, 1);
                } else {
                    count_change(a, ch);
                }
            }
            if (r->unexplained)
                atomic_fetch_add(&a->unexplained, 1);
            format_row(a, &j->rows, &j->req, r->id, r->display, r->email, level, &r->via, ch);
            rows++;
        }
        j->nrows = rows;
        reach_out_free(&out);
    }
    free(lv);
    effs_free(&own);
    grants_free(&gs);
}

/* ---- the main thread --------------------------------------------------- */

/* --compare: the earlier rows of repositories that sort before the one
 * about to be written (or all that are left, t NULL) are gone. */
static void settle_earlier(struct access *a, const struct request *t)
{
    struct buf out = {0};
    while (a->comparing && a->cmp_next < a->cmp.n) {
        const struct compare_row *r = &a->cmp.rows[a->cmp_next];
        int c = t ? compare_repo_cmp(&a->cmp, t->workspace, t->project, t->target_name, r) : 1;
        if (c < 0)
            break;
        size_t n;
        size_t first = compare_find(&a->cmp, r->ws, r->project, r->repo, &n);
        if (c > 0) {
            struct request gone = {0};
            gone.target = TARGET_REPO;
            gone.workspace = r->ws;
            gone.workspace_len = strlen(r->ws);
            gone.project = r->project;
            gone.project_len = strlen(r->project);
            gone.target_name = r->repo;
            gone.target_len = strlen(r->repo);
            out.len = 0;
            a->sw.rows += format_removed(a, &out, &gone, first, n);
            a->sw.host.res.rows += n;
            sweep_write(&a->sw, &out);
        }
        a->cmp_next = first + (n ? n : 1);
    }
    buf_free(&out);
}

/* Before each repository's rows: what --compare says is gone before it.
 * A repository that could not be read keeps its earlier rows as "unknown". */
static void before_write(void *ctx, const struct sweep_job *j)
{
    struct access *a = ctx;
    settle_earlier(a, &j->req);
    if (!a->comparing || j->res.status != ROW_FAILED)
        return;
    size_t n, first = compare_find(&a->cmp, j->req.workspace, j->req.project, j->req.target_name, &n);
    struct buf out = {0}, via = {0};
    buf_adds(&via, "not read");
    for (size_t i = first; i < first + n; i++)
        a->sw.rows += format_unknown(a, &out, &j->req, &a->cmp.rows[i], &via);
    a->sw.host.res.rows += n;
    sweep_write(&a->sw, &out);
    buf_free(&out);
    buf_free(&via);
}

static void on_walk_target(void *ctx, enum target_kind kind, const char *ws, const char *project,
                           const char *slug)
{
    struct access *a = ctx;
    if (kind == TARGET_REPO)
        sweep_target(&a->sw, kind, ws, project, slug);
}

/* --compare: an earlier row counts when it is within a scope and --user. */
static int keep_earlier(void *ctx, const struct compare_row *r)
{
    struct access *a = ctx;
    if (a->who.active && (!strcmp(r->user, "*") || !who_match(&a->who, r->user, NULL, r->email)))
        return 0;
    const struct bb_config *cfg = a->sw.cfg;
    if (cfg->nscopes == 0)
        return 1;
    for (int i = 0; i < cfg->nscopes; i++) {
        const char *sc = cfg->scopes[i];
        if (!a->sw.ses.api->has_workspaces) {   /* the scope's spelling: PROJECT_KEY */
            if (!strcasecmp(sc, r->project))
                return 1;
            continue;
        }
        size_t wl = strcspn(sc, "/");
        if (strlen(r->ws) == wl && !strncasecmp(sc, r->ws, wl) &&
            (!sc[wl] || !strcasecmp(sc + wl + 1, r->project)))
            return 1;
    }
    return 0;
}

/* The workspaces of the scopes (Data Center: one, ""), each read once. */
static int load_spaces(struct access *a)
{
    const struct bb_config *cfg = a->sw.cfg;
    int n = cfg->nscopes ? cfg->nscopes : 1;
    a->spaces = xcalloc((size_t)n, sizeof *a->spaces);
    for (int i = 0; i < n && !a->sw.host.fatal && a->sw.ses.cancel_level == 0; i++) {
        /* the scope's spelling: a workspace only where rows name one */
        char *ws = xstrdup(a->sw.ses.api->has_workspaces ? cfg->scopes[i] : "");
        size_t wl = strcspn(ws, "/");
        int whole = ws[wl] == '\0';
        ws[wl] = '\0';
        struct space *sp = space_of(a, ws);
        if (sp) {
            free(ws);
            if (whole && !sp->have_eff && a->sw.ses.api->effective_list) {
                /* a workspace scope after a project scope of the same workspace */
                void *ctx[2] = {a, &sp->eff};
                struct buf url = {0};
                struct pager_error err;
                buf_add(&url, a->sw.ses.base.data, a->sw.ses.base.len);
                a->sw.ses.api->effective_list(&url, sp->ws, NULL);
                buf_addc(&url, '\0');
                if (main_walk(a, url.data, on_eff, ctx, &err) == 0) {
                    sp->have_eff = 1;
                    if (sp->eff.n > 1)
                        qsort(sp->eff.e, sp->eff.n, sizeof *sp->eff.e, cmp_eff);
                } else {
                    effs_free(&sp->eff);
                }
                buf_free(&url);
            }
            continue;
        }
        sp = &a->spaces[a->nspaces++];
        sp->ws = ws;
        if (space_load(a, sp, whole) != 0)
            return -1;
    }
    return 0;
}

int access_main(const struct bb_config *cfg)
{
    struct access ac;
    struct access *a = &ac;
    int code;
    memset(a, 0, sizeof *a);
    sweep_init(&a->sw, cfg, "access", "repository", "repositories");
    a->sw.before_write = before_write;
    a->sw.ctx = a;
    a->delim = sweep_delimiter(&a->sw);
    pthread_mutex_init(&a->mu, NULL);
    once_set_init(&a->loads, &a->mu);
    int failed = sweep_open(&a->sw) != 0;
    if (!failed) {
        who_init(&a->who, cfg, a->sw.ses.api);
        if (cfg->compare) {
            /* the row format: an earlier review's rows have an email column */
            if (compare_load(&a->cmp, cfg->compare, !a->sw.ses.api->has_workspaces, keep_earlier, a,
                             stderr) != 0)
                failed = 1;
            else
                a->comparing = 1;
        }
    }
    /* --user names someone, then the shared reads, on the main thread,
     * before the pool */
    if (!failed && who_prepare(&a->who, &a->sw.ses, "access") != 0)
        failed = 1;
    if (!failed && load_spaces(a) != 0)
        failed = 1;
    if (failed || sweep_start(&a->sw, access_target, a) != 0) {
        code = sweep_abort(&a->sw);
        goto out;
    }

    sweep_header(&a->sw, a->sw.ses.api->access_header, a->comparing ? "change" : NULL);
    struct walk_lister walk = {.target = on_walk_target, .ctx = a, .repos_only = 1, .sorted = 1};
    unsigned long unreadable_before = a->sw.unreadable;
    sweep_walk(&a->sw, &walk);
    int listed_all = a->sw.unreadable == unreadable_before;
    a->sw.listing_done = 1;
    if (!a->sw.host.fatal)
        ring_drain(&a->sw.host.ring, a->sw.host.ring.next_seq);
    if (!a->sw.host.fatal && a->sw.ses.cancel_level == 0 && listed_all)
        settle_earlier(a, NULL);
    sweep_finish(&a->sw);

    /* each group whose members could not be read, by name (exit 1) */
    unsigned long groups_failed = 0;
    for (size_t i = 0; i < a->nspaces; i++) {
        size_t pos = 0;
        const char *name, *why;
        while (members_failed_group(a->spaces[i].members, &pos, &name, &why)) {
            char shown[400], msg[1600];
            str_printable(shown, sizeof shown, name);
            str_printable(msg, sizeof msg, why);
            fprintf(stderr, "bbperm: access: the members of group %s could not be read (%s): its "
                            "grants stand as candidates ('group %s P?') beside the users known "
                            "from other sources\n", shown, msg, shown);
            groups_failed++;
        }
    }
    unsigned long req, reads, n429;
    double paused;
    session_figures(&a->sw.ses, &req, &reads, &n429, &paused);
    if (!cfg->quiet) {
        /* a repository the run's stop left unread is cancelled, not unreadable */
        if (a->sw.ses.cancel_level > 0 || a->sw.cancelled)
            fprintf(stderr, "bbperm: access: %s after %lu %s (of %lu listed; %lu could not be "
                            "read, %lu cancelled)",
                    cancel_signals() ? "interrupted" : "stopped", a->sw.done,
                    progress_plural(a->sw.done, "repository", "repositories"), a->sw.targets,
                    a->sw.unreadable, a->sw.cancelled);
        else
            fprintf(stderr, "bbperm: access: %lu %s (%lu could not be read)", a->sw.targets,
                    progress_plural(a->sw.targets, "repository", "repositories"), a->sw.unreadable);
        fprintf(stderr, ", %lu %s, %lu unexplained", a->sw.rows,
                progress_plural(a->sw.rows, "row", "rows"), (unsigned long)a->unexplained);
        if (a->comparing)
            fprintf(stderr, "; %lu added, %lu removed, %lu raised, %lu lowered, %lu unknown",
                    (unsigned long)a->added, (unsigned long)a->removed,
                    (unsigned long)a->raised, (unsigned long)a->lowered, (unsigned long)a->unknown);
        fprintf(stderr, "; %lu %s, %lu x 429, %.1f s paused; %.2f s\n", req,
                progress_plural(req, "request", "requests"), n429, paused, now_mono() - a->sw.started);
    }
    code = sweep_close(&a->sw, groups_failed != 0);
out:
    for (size_t i = 0; i < a->nspaces; i++) {
        struct space *sp = &a->spaces[i];
        free(sp->ws);
        grants_free(&sp->admins);
        members_free(sp->members);
        effs_free(&sp->eff);
    }
    free(a->spaces);
    for (size_t i = 0; i < a->nprojs; i++) {
        grants_free(&a->projs[i]->grants);
        free(a->projs[i]->ws);
        free(a->projs[i]->key);
        free(a->projs[i]);
    }
    free(a->projs);
    compare_free(&a->cmp);
    who_free(&a->who);
    once_set_destroy(&a->loads);
    pthread_mutex_destroy(&a->mu);
    return code;
}
