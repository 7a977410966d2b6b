/*
 * export: the sweep of its scopes (sweep.c, walk.c) written out as an input
 * CSV. A worker reads one target's group and user permissions (walk_read)
 * and formats them as rows, sorted: groups, then users, each by id. With
 * --user only those people's grants are written; with --revoke every
 * privilege is 'none' (the offboarding plan). With --branch-rules the rows
 * are a target's branch restrictions instead (branch.c): export reads one
 * kind of resource, the one the options ask for (kind_exported), through
 * its table (struct kind_export, the kind's .export): its header, a
 * target's rows, whether projects hold it. Nothing here asks which kind.
 */
#include "export.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cancel.h"
#include "csvout.h"
#include "exec.h"
#include "kind.h"
#include "progress.h"
#include "session.h"
#include "sweep.h"
#include "walk.h"
#include "who.h"

struct export {
    struct sweep sw;                    /* the session, ring, output and counts */
    const struct kind_export *kind;     /* the kind exported (kind.h's
                                         * .export); frozen */
    struct who who;                     /* --user; read-only once the pool runs */
    /* Data Center: slugs seen, to name those that would collide in one
     * Cloud workspace: slug -> told (a keyed hmap: a 24-byte slot and the
     * slug's length + 4 bytes a repository) */
    struct hmap slugs;
};

/* ---- the worker: one target ------------------------------------------- */

static void format_row(struct buf *out, const struct api_ops *api, const struct request *t,
                       const struct walk_perm *r, char delim, int revoke)
{
    csvout_permission(out, t, r->kind, r->id, strlen(r->id), revoke ? PRIV_NONE : r->priv, delim);
    /* names from the server never reach a spreadsheet as a formula; plan
     * and apply read neither column */
    buf_addc(out, delim);
    csvout_name_cell(out, r->display, strlen(r->display), delim);
    if (!api->has_workspaces) {
        buf_addc(out, delim);
        csvout_name_cell(out, r->email, strlen(r->email), delim);
    }
    buf_addc(out, '\n');
}

unsigned export_rows(struct buf *out, const struct api_ops *api, const struct request *t,
                     const struct walk_perms *perms, const struct who *who, char delim, int revoke)
{
    unsigned rows = 0;
    for (size_t i = 0; i < perms->n; i++) {
        const struct walk_perm *p = &perms->v[i];
        /* --user: their own grants only */
        if (who && who->active &&
            (p->kind == SUBJECT_GROUP || !who_match(who, p->id, p->alt, p->email)))
            continue;
        format_row(out, api, t, p, delim, revoke);
        rows++;
    }
    return rows;
}

/* The permission kind's export (kind.c's table points here): one target's
 * permissions read and written as rows. x is frozen while the pool runs. */
static long perms_rows(const struct export_ctx *x, const struct pager_fetch *f,
                       const struct request *t, struct buf *out, unsigned *pages,
                       struct pager_error *err)
{
    struct walk_perms perms = {0};
    long rows = -1;
    if (walk_read(x->api, x->base, NULL, f, t, &perms, pages, err) == 0)
        rows = export_rows(out, x->api, t, &perms, x->who, x->delim, x->revoke);
    walk_perms_free(&perms);
    return rows;
}

static const char *perms_header(const struct api_ops *api)
{
    return api->export_header;
}

static int perms_on_projects(const struct api_ops *api)
{
    (void)api;
    return 1;
}

const struct kind_export export_permission = {
    .chosen = NULL,
    .header = perms_header,
    .rows = perms_rows,
    .on_projects = perms_on_projects,
};

/* One target, on a worker: its rows, through the kind's table. The sweep,
 * who and delimiter are frozen while the pool runs. */
static void export_target(void *ctx, struct exec_worker *ex, struct sweep_job *j)
{
    const struct export *e = ctx;
    const struct session *ses = &e->sw.ses;
    const struct export_ctx x = {.api = ses->api, .base = ses->base.data, .who = &e->who,
                                 .delim = sweep_delimiter(&e->sw),
                                 .revoke = ses->cfg->revoke};
    struct pager_error err;
    j->res.status = ROW_OK;
    long rows = e->kind->rows(&x, exec_pager(ex), &j->req, &j->rows, &j->pages, &err);
    if (rows < 0) {
        j->res.status = err.cancelled ? ROW_CANCELLED : ROW_FAILED;
        j->res.http_status = err.status;
        msg_printf(j->res.msg, sizeof j->res.msg, "%s", err.msg);
    } else {
        j->nrows = (unsigned)rows;
    }
}

/* ---- the main thread ---------------------------------------------------- */

/* Note a slug, case-insensitive, over all of it: its told flag. */
static int *slug_note(struct hmap *slugs, const char *s, int *seen)
{
    char *low = xstrdup(s);
    size_t n = 0;
    for (; low[n]; n++)
        low[n] = (char)tolower((unsigned char)low[n]);
    int added;
    int *told = hmap_kput(slugs, low, n, &added);
    free(low);
    *seen = !added;
    return told;
}

/* A listed target: queued in the ring (the strings are copied into the
 * job). On Data Center, a slug seen in another project is named. */
static void on_target(void *ctx, enum target_kind kind, const char *ws, const char *project,
                      const char *slug)
{
    struct export *e = ctx;
    if (e->sw.ses.cancel_level > 0)
        return;
    int seen = 0, *told = NULL;
    if (kind == TARGET_REPO && !e->sw.ses.api->has_workspaces) {
        told = slug_note(&e->slugs, slug, &seen);
    }
    if (seen && !*told) {
        *told = 1;
        sweep_clear_line(&e->sw);
        char shown[200], where[200];
        str_printable(shown, sizeof shown, slug);
        str_printable(where, sizeof where, project ? project : "?");
        fprintf(stderr, "bbperm: export: the slug '%s' exists in more than one project "
                        "(again in %s): it would collide in one Cloud workspace\n", shown, where);
    }
    sweep_target(&e->sw, kind, ws, project, slug);
}

int export_main(const struct bb_config *cfg)
{
    struct export ex;
    struct export *e = &ex;
    memset(e, 0, sizeof *e);
    e->kind = kind_exported(cfg)->export;
    sweep_init(&e->sw, cfg, "export", "target", "targets");
    hmap_init_keys(&e->slugs, sizeof(int));
    int failed = sweep_open(&e->sw) != 0;
    struct session *ses = &e->sw.ses;
    if (!failed) {
        /* --user names someone before the walk (see who.h) */
        who_init(&e->who, cfg, ses->api);
        failed = who_prepare(&e->who, ses, "export") != 0;
    }
    if (failed || sweep_start(&e->sw, export_target, e) != 0) {
        int code = sweep_abort(&e->sw);
        hmap_free(&e->slugs);
        who_free(&e->who);
        return code;
    }
    sweep_header(&e->sw, e->kind->header(ses->api), NULL);
    struct walk_lister wl = {.target = on_target, .ctx = e,
                             .repos_only = !e->kind->on_projects(ses->api)};
    sweep_walk(&e->sw, &wl);
    sweep_finish(&e->sw);

    unsigned long req, reads, n429;
    double paused;
    session_figures(ses, &req, &reads, &n429, &paused);
    if (!cfg->quiet && (ses->cancel_level > 0 || e->sw.cancelled))
        fprintf(stderr, "bbperm: export: %s after %lu %s (of %lu listed; %lu could not "
                        "be read, %lu cancelled), %lu %s; %lu %s, %lu x 429, %.1f s paused; "
                        "%.2f s\n",
                cancel_signals() ? "interrupted" : "stopped", e->sw.done,
                progress_plural(e->sw.done, "target", "targets"), e->sw.targets,
                e->sw.unreadable, e->sw.cancelled, e->sw.rows,
                progress_plural(e->sw.rows, "row", "rows"), req,
                progress_plural(req, "request", "requests"), n429, paused,
                now_mono() - e->sw.started);
    else if (!cfg->quiet)
        fprintf(stderr, "bbperm: export: %lu %s (%lu could not be read), %lu %s; "
                        "%lu %s, %lu x 429, %.1f s paused; %.2f s\n",
                e->sw.targets, progress_plural(e->sw.targets, "target", "targets"),
                e->sw.unreadable, e->sw.rows, progress_plural(e->sw.rows, "row", "rows"),
                req, progress_plural(req, "request", "requests"), n429, paused,
                now_mono() - e->sw.started);
    int code = sweep_close(&e->sw, 0);
    hmap_free(&e->slugs);
    who_free(&e->who);
    return code;
}
