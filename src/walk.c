/* The walk of targets shared by export and access: see walk.h. With
 * `sorted`, one level's names (the projects, then one project's
 * repositories) are held and sorted before they are handed over; without
 * it nothing is held and targets go out in the server's order. */
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lister {
    struct walk *w;
    enum target_kind kind;
    const char *ws;
    const char *project;        /* a fixed project for every item, or NULL */
    int nested;                 /* Data Center: list each project's repos */
    char **held;                /* sorted: names kept until the listing ends */
    size_t nheld, capheld;
};

static void list_targets(struct walk *w, enum target_kind kind, const char *ws,
                         const char *project, int nested);

static void emit(struct lister *l, const char *slug, const char *project)
{
    struct walk *w = l->w;
    if (l->kind == TARGET_PROJECT) {
        if (w->projects)
            w->ops.target(w->ops.ctx, TARGET_PROJECT, l->ws, NULL, slug);
        if (l->nested)
            list_targets(w, TARGET_REPO, l->ws, slug, 0);
    } else {
        w->ops.target(w->ops.ctx, TARGET_REPO, l->ws, project, slug);
    }
}

static int on_target(void *ctx, const cJSON *item)
{
    struct lister *l = ctx;
    struct walk *w = l->w;
    struct api_target_item t;
    if (api_target_item(item, l->kind, &t) != 0)
        return 0;
    /* listed names become URL paths: refuse what would change a path */
    const char *bad = api_name_problem(t.slug, strlen(t.slug)) ? t.slug
                    : t.project && api_name_problem(t.project, strlen(t.project)) ? t.project : NULL;
    if (bad) {
        char shown[200];
        str_printable(shown, sizeof shown, bad);
        w->ops.clear(w->ops.ctx);
        fprintf(stderr, "bbperm: %s: the server listed %s '%s', which %s: not read\n",
                w->ops.command,
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
        return w->ops.stop(w->ops.ctx);
    }
    emit(l, t.slug, t.project ? t.project : l->project);
    return w->ops.stop(w->ops.ctx);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_targets(struct walk *w, enum target_kind kind, const char *ws,
                         const char *project, int nested)
{
    struct session *ses = w->ses;
    struct buf url = {0};
    buf_add(&url, ses->base.data, ses->base.len);
    if (kind == TARGET_PROJECT)
        ses->api->project_list(&url, ws);
    else
        ses->api->repo_list(&url, ws, project);
    struct lister l = {w, kind, ws, project, nested, NULL, 0, 0};
    if (w->sorted && !ses->api->has_workspaces) {
        l.capheld = 64;
        l.held = xmalloc(l.capheld * sizeof *l.held);
    }
    struct pager_error err;
    unsigned pages = 0;
    int rc = pager_walk(ses->api, url.data, session_fetch(ses), on_target, &l, &pages, &err);
    w->pages += pages;
    if (rc < 0 && !err.cancelled) {
        w->ops.clear(w->ops.ctx);
        const char *what = kind == TARGET_PROJECT ? "the projects" : "the repositories";
        char where[600];
        int n;
        if (kind == TARGET_REPO && project && ses->api->has_workspaces)
            n = snprintf(where, sizeof where, "%s/%s", ws, project);
        else
            n = snprintf(where, sizeof where, "%s", kind == TARGET_REPO && project ? project : ws);
        if (n < 0 || (size_t)n >= sizeof where)
            snprintf(where, sizeof where, "a scope too long to name");
        char shown[4 * sizeof where], msg[4 * sizeof err.msg];
        str_printable(shown, sizeof shown, where[0] ? where : "the server");
        str_printable(msg, sizeof msg, err.msg);
        if (err.status)
            fprintf(stderr, "bbperm: %s: cannot list %s of %s: %ld %s\n", w->ops.command, what,
                    shown, err.status, msg);
        else
            fprintf(stderr, "bbperm: %s: cannot list %s of %s: %s\n", w->ops.command, what,
                    shown, msg);
        w->unreadable++;
    }
    buf_free(&url);
    if (l.held) {
        /* what was listed before a failure is still walked */
        qsort(l.held, l.nheld, sizeof *l.held, cmp_name);
        for (size_t i = 0; i < l.nheld; i++) {
            if (!w->ops.stop(w->ops.ctx))
                emit(&l, l.held[i], project);
            free(l.held[i]);
        }
        free(l.held);
    }
}

void walk_scope(struct walk *w, const char *scope)
{
    char *buf = xstrdup(scope ? scope : "");
    if (!w->ses->api->has_workspaces) {
        if (!scope) {
            list_targets(w, TARGET_PROJECT, "", NULL, 1);
        } else {
            if (w->projects)
                w->ops.target(w->ops.ctx, TARGET_PROJECT, "", NULL, buf);
            list_targets(w, TARGET_REPO, "", buf, 0);
        }
        free(buf);
        return;
    }
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if (w->projects)
            w->ops.target(w->ops.ctx, TARGET_PROJECT, buf, NULL, slash + 1);
        list_targets(w, TARGET_REPO, buf, slash + 1, 0);
    } else {
        if (w->projects)
            list_targets(w, TARGET_PROJECT, buf, NULL, 0);
        list_targets(w, TARGET_REPO, buf, NULL, 0);
    }
    free(buf);
}

void walk_fill_job(struct job *j, enum target_kind kind, const char *ws, const char *project,
                   const char *slug)
{
    j->data.len = 0;
    buf_adds(&j->data, ws);
    buf_addc(&j->data, '\0');
    size_t po = j->data.len;
    buf_adds(&j->data, project ? project : "");
    buf_addc(&j->data, '\0');
    size_t so = j->data.len;
    buf_adds(&j->data, slug);
    buf_addc(&j->data, '\0');
    memset(&j->req, 0, sizeof j->req);
    j->req.target = kind;
    j->req.workspace = j->data.data;
    j->req.workspace_len = strlen(ws);
    j->req.project = j->data.data + po;
    j->req.project_len = project ? strlen(project) : 0;
    j->req.target_name = j->data.data + so;
    j->req.target_len = strlen(slug);
    j->key.len = 0;
    api_target_key(&j->key, &j->req);
}
