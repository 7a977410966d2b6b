/*
 * DESIGN
 *
 * A scope is walked in two parts that run on different threads. The main
 * thread lists the scope's targets (walk_scope: Cloud projects, then
 * repositories; Data Center each project, then its repositories) and hands
 * each one to its command, which queues it in its ring (walk_fill_target). A worker
 * then reads the target's explicit group and user permissions (walk_read:
 * pager.c over the worker's client, so the gate, --rate and the retries
 * apply) and sorts them as export writes them: groups, then users, each by
 * id. The ring hands targets back in the order they were listed.
 *
 * export reads straight from the server and formats the rows it found.
 * prune reads through the live cache (live.c) that the file's own rows
 * filled, so a target the file already touched is not listed again for the
 * same subject kind while the cache holds it. access takes the listing
 * only, repositories only, and reads what it needs itself.
 *
 * Memory: nothing is held while listing, but with `sorted` (Data Center,
 * whose listings come in the server's own order): then one level's names
 * (the projects, then one project's repositories) are held and sorted
 * before they are handed over.
 */
#include "walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void walk_perms_clear(struct walk_perms *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].id);
        free(p->v[i].alt);
        free(p->v[i].display);
        free(p->v[i].email);
    }
    p->n = 0;
}

void walk_perms_free(struct walk_perms *p)
{
    walk_perms_clear(p);
    free(p->v);
    p->v = NULL;
    p->cap = 0;
}

static void add_perm(struct walk_perms *out, enum subject_kind kind, const char *id,
                     const char *alt, const char *display, const char *email, enum privilege p)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->v = xrealloc(out->v, out->cap * sizeof *out->v);
    }
    struct walk_perm *w = &out->v[out->n++];
    w->kind = kind;
    w->id = xstrdup(id);
    w->alt = alt ? xstrdup(alt) : NULL;
    w->display = xstrdup(display ? display : "");
    w->email = xstrdup(email ? email : "");
    w->priv = p;
}

struct collect {
    const struct api_ops *api;
    enum subject_kind kind;
    struct walk_perms *out;
};

static int on_perm(void *ctx, const cJSON *item)
{
    struct collect *c = ctx;
    struct api_perm p;
    if (c->api->perm_item(item, c->kind, &p) != 0 || p.priv == PRIV_NONE)
        return 0;
    add_perm(c->out, c->kind, p.id, p.alt_id, p.display, p.email, p.priv);
    return 0;
}

static void on_live(void *ctx, const char *id, const char *alt, const char *display,
                    enum privilege p)
{
    struct collect *c = ctx;
    add_perm(c->out, c->kind, id, alt, display, NULL, p);
}

static int cmp_perm(const void *a, const void *b)
{
    const struct walk_perm *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind == SUBJECT_GROUP ? -1 : 1;
    int c = strcasecmp(x->id, y->id);
    return c ? c : strcmp(x->id, y->id);
}

int walk_read(const struct api_ops *api, const char *base, struct live *live,
              const struct pager_fetch *f, const struct request *t, struct walk_perms *out,
              unsigned *pages, struct pager_error *err)
{
    struct collect c = {.api = api, .out = out};
    struct buf url = {0};
    int rc = 0;
    walk_perms_clear(out);
    for (int k = SUBJECT_GROUP; k <= SUBJECT_USER && rc == 0; k++) {
        c.kind = (enum subject_kind)k;
        if (live) {
            rc = live_each(live, t, c.kind, f, on_live, &c, err);
            continue;
        }
        url.len = 0;
        buf_adds(&url, base);
        api->perm_list(&url, t, c.kind);
        unsigned n = 0;
        rc = pager_walk(api, url.data, f, on_perm, &c, &n, err);
        if (pages)
            *pages += n;
    }
    buf_free(&url);
    if (rc < 0)
        walk_perms_clear(out);
    else if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_perm);
    return rc < 0 ? -1 : 0;
}

void walk_fill_target(struct buf *data, struct request *t, struct buf *key,
                      enum target_kind kind, const char *ws, const char *project,
                      const char *slug)
{
    data->len = 0;
    buf_adds(data, ws);
    buf_addc(data, '\0');
    size_t po = data->len;
    buf_adds(data, project ? project : "");
    buf_addc(data, '\0');
    size_t so = data->len;
    buf_adds(data, slug);
    buf_addc(data, '\0');
    memset(t, 0, sizeof *t);
    t->target = kind;
    t->workspace = data->data;
    t->workspace_len = strlen(ws);
    t->project = data->data + po;
    t->project_len = project ? strlen(project) : 0;
    t->target_name = data->data + so;
    t->target_len = strlen(slug);
    key->len = 0;
    api_target_key(key, t);
}

/* ---- listings ---------------------------------------------------------- */

static void before_message(struct walk_lister *w)
{
    if (w->before_message)
        w->before_message(w->ctx);
}

/* One line on stderr ("bbperm: CMD: text"), and to the command's hook. */
__attribute__((format(printf, 2, 3)))
static void tell(struct walk_lister *w, const char *fmt, ...)
{
    char text[2400];
    va_list ap;
    va_start(ap, fmt);
    msg_vprintf(text, sizeof text, fmt, ap);    /* a cut ends in "..." */
    va_end(ap);
    before_message(w);
    fprintf(stderr, "bbperm: %s: %s\n", w->cmd, text);
    if (w->said)
        w->said(w->ctx, text);
}

struct lister {
    struct walk_lister *w;
    enum target_kind kind;
    const char *ws;
    const char *project;        /* a fixed project for every item, or NULL */
    int nested;                 /* Data Center: list each project's repos */
    char **held;                /* sorted: names kept until the listing ends */
    size_t nheld, capheld;
};

static void list_targets(struct walk_lister *w, enum target_kind kind, const char *ws,
                         const char *project, int nested);

/* One target listed: hand it over (a project, unless repos_only) and, for
 * a Data Center project listed in a walk of every project, walk its
 * repositories. slug lives as long as the call. */
static void emit(struct lister *l, const char *slug, const char *project)
{
    struct walk_lister *w = l->w;
    if (l->kind == TARGET_PROJECT) {
        if (!w->repos_only)
            w->target(w->ctx, TARGET_PROJECT, l->ws, NULL, slug);
        if (l->nested)
            list_targets(w, TARGET_REPO, l->ws, slug, 0);
    } else if (w->catalog && catalog_listed_late(w->catalog, l->ws, project, slug)) {
        char label[600], shown[4 * sizeof label];
        int n = snprintf(label, sizeof label, "%s%s%s", l->ws, l->ws[0] ? "/" : "", slug);
        if (n < 0 || (size_t)n >= sizeof label)
            snprintf(label, sizeof label, "a repository whose name is too long to show");
        str_printable(shown, sizeof shown, label);
        tell(w, "%s was not listed when the file's patterns were expanded (it appeared since): "
                "not pruned in this run", shown);
        w->late++;
    } else {
        w->target(w->ctx, TARGET_REPO, l->ws, project, slug);
    }
}

/* The repositories of ws (or of ws/project) from a listing the run made
 * already: 1 when there was one. One listing per scope per run. */
static int from_catalog(struct walk_lister *w, const char *ws, const char *project)
{
    char *const *slugs;
    size_t n;
    int whole = 0;
    if (!catalog_held(w->catalog, ws, project, &slugs, &n)) {
        /* a workspace's listing exists only where rows name workspaces */
        if (!project || !w->ses->api->has_workspaces || !catalog_held(w->catalog, ws, NULL, &slugs, &n))
            return 0;
        whole = 1;              /* the workspace's listing, filtered to the project */
    }
    for (size_t i = 0; i < n && !w->stop(w->ctx); i++) {
        const char *proj = catalog_project_of(slugs[i]);
        if (whole && strcasecmp(proj, project) != 0)
            continue;
        w->target(w->ctx, TARGET_REPO, ws, project ? project : proj[0] ? proj : NULL, slugs[i]);
    }
    return 1;
}

static int on_target(void *ctx, const cJSON *item)
{
    struct lister *l = ctx;
    struct walk_lister *w = l->w;
    struct api_target_item t;
    if (api_target_item(item, l->kind, &t) != 0)
        return 0;
    /* listed names become URL paths: refuse what would change a path */
    const char *bad = api_name_problem(t.slug, strlen(t.slug)) ? t.slug
                    : t.project && api_name_problem(t.project, strlen(t.project)) ? t.project : NULL;
    if (bad) {
        char shown[200];
        str_printable(shown, sizeof shown, bad);
        tell(w, "the server listed %s '%s', which %s: not read",
                bad == t.slug && l->kind == TARGET_REPO ? "a repository" : "a project", shown,
                api_name_problem(bad, strlen(bad)));
        w->unreadable++;
        return 0;
    }
    if (l->held) {
        if (l->nheld == l->capheld) {
            l->capheld *= 2;
            l->held = xrealloc(l->held, l->capheld * sizeof *l->held);
        }
        l->held[l->nheld++] = xstrdup(t.slug);
    } else {
        emit(l, t.slug, t.project ? t.project : l->project);
    }
    return w->stop(w->ctx);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_targets(struct walk_lister *w, enum target_kind kind, const char *ws,
                         const char *project, int nested)
{
    struct session *ses = w->ses;
    if (kind == TARGET_REPO && !nested && w->catalog && from_catalog(w, ws, project))
        return;
    struct buf url = {0};
    buf_add(&url, ses->base.data, ses->base.len);
    if (kind == TARGET_PROJECT)
        ses->api->project_list(&url, ws);
    else
        ses->api->repo_list(&url, ws, project);
    struct lister l = {w, kind, ws, project, nested, NULL, 0, 0};
    if (w->sorted && !ses->api->lists_sorted) {
        l.capheld = 64;
        l.held = xmalloc(l.capheld * sizeof *l.held);
    }
    struct pager_error err;
    unsigned pages = 0;
    int rc = pager_walk(ses->api, url.data, session_fetch(ses), on_target, &l, &pages, &err);
    w->pages += pages;
    if (rc < 0 && !err.cancelled) {
        const char *what = kind == TARGET_PROJECT ? "the projects" : "the repositories";
        char where[600];
        int n;
        /* the scope's spelling, as the user wrote it */
        if (kind == TARGET_REPO && project && ses->api->has_workspaces)
            n = snprintf(where, sizeof where, "%s/%s", ws, project);
        else
            n = snprintf(where, sizeof where, "%s", kind == TARGET_REPO && project ? project : ws);
        if (n < 0 || (size_t)n >= sizeof where)
            snprintf(where, sizeof where, "a scope whose name is too long to show");
        char shown[4 * sizeof where], msg[4 * sizeof err.msg];
        str_printable(shown, sizeof shown, where[0] ? where : "the server");
        str_printable(msg, sizeof msg, err.msg);
        if (err.status)
            tell(w, "cannot list %s of %s: %ld %s", what, shown,
                    err.status, msg);
        else
            tell(w, "cannot list %s of %s: %s", what, shown, msg);
        w->unreadable++;
    }
    buf_free(&url);
    if (l.held) {
        /* what was listed before a failure is still walked */
        qsort(l.held, l.nheld, sizeof *l.held, cmp_name);
        for (size_t i = 0; i < l.nheld; i++) {
            if (!w->stop(w->ctx))
                emit(&l, l.held[i], project);
            free(l.held[i]);
        }
        free(l.held);
    }
}

void walk_scope(struct walk_lister *w, const char *scope)
{
    char *buf = xstrdup(scope ? scope : "");
    if (!w->ses->api->has_workspaces) {     /* the scope's spelling: PROJECT_KEY, or none */
        if (!scope) {
            list_targets(w, TARGET_PROJECT, "", NULL, 1);
        } else {
            if (!w->repos_only)
                w->target(w->ctx, TARGET_PROJECT, "", NULL, buf);
            list_targets(w, TARGET_REPO, "", buf, 0);
        }
        free(buf);
        return;
    }
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if (!w->repos_only)
            w->target(w->ctx, TARGET_PROJECT, buf, NULL, slash + 1);
        list_targets(w, TARGET_REPO, buf, slash + 1, 0);
    } else {
        if (!w->repos_only)
            list_targets(w, TARGET_PROJECT, buf, NULL, 0);
        list_targets(w, TARGET_REPO, buf, NULL, 0);
    }
    free(buf);
}
