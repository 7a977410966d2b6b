/*
 * DESIGN
 *
 * export is the walk of its scopes (walk.c) written out. The main thread
 * lists the scopes' targets (projects, then repositories; on Data Center
 * each project, then its repositories) and turns every target into a job
 * in the ring (ring.c). A worker reads the target's group and user
 * permissions (walk_read), and formats the target's rows into the job. The ring writes the targets in the order they were listed,
 * so rows stream out as targets finish, in a fixed order, and memory holds
 * at most RING_SIZE targets whatever the size of the workspace.
 *
 * A target that cannot be read is named on stderr and counted; every other
 * row is still written, and the exit code is 1.
 */
#include "export.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csvout.h"
#include "exec.h"
#include "progress.h"
#include "result.h"
#include "ring.h"
#include "session.h"
#include "walk.h"
#include "who.h"

struct export {
    const struct bb_config *cfg;
    struct session ses;
    struct who who;                     /* --user; read-only once the pool runs */
    struct ring ring;
    struct result res;                  /* the output file (no colmap) */
    unsigned long targets, listed_pages, rows, unreadable;
    int listing_done;
    int fatal;
    double started, last_draw;
    int tty, show, drawn;
    /* Data Center: slugs seen, to name those that would collide in one
     * Cloud workspace (64-bit hashes; 8 bytes per repository) */
    uint64_t *slugs;
    size_t nslugs, slugcap;
    uint64_t *told;
    size_t ntold, toldcap;
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

/* --delimiter, else a comma. */
static char export_delimiter(const struct bb_config *cfg)
{
    if (cfg->delimiter)
        return cfg->delimiter;
    return ',';
}

struct export_worker {
    const struct session *ses;  /* frozen while the pool runs */
    const struct who *who;
    struct exec_worker *ex;
};

static void *export_worker_init(void *arg, int index)
{
    struct export *e = arg;
    struct session *ses = &e->ses;
    struct exec_worker *ex = exec_worker_new(&ses->ex, index);
    if (!ex)
        return NULL;
    struct export_worker *w = xcalloc(1, sizeof *w);
    w->ses = ses;
    w->who = &e->who;
    w->ex = ex;
    return w;
}

static void export_worker_fini(void *wctx)
{
    struct export_worker *w = wctx;
    exec_worker_free(w->ex);
    free(w);
}

static void export_cancelled(struct pool_node *n)
{
    struct job *j = POOL_JOB(n, struct job, node);
    j->res.status = ROW_CANCELLED;
    snprintf(j->res.msg, sizeof j->res.msg, "not read: the run was interrupted");
}

static void export_target(void *wctx, struct pool_node *n)
{
    struct export_worker *w = wctx;
    struct job *j = POOL_JOB(n, struct job, node);
    const struct api_ops *api = w->ses->api;
    struct walk_perms perms = {0};
    struct pager_error err;
    j->res.status = ROW_OK;
    if (walk_read(api, w->ses->base.data, NULL, exec_pager(w->ex), &j->req, &perms,
                  &j->exp.pages, &err) != 0) {
        j->res.status = err.cancelled ? ROW_CANCELLED : ROW_FAILED;
        j->res.http_status = err.status;
        snprintf(j->res.msg, sizeof j->res.msg, "%s", err.msg);
    } else {
        unsigned rows = 0;
        for (size_t i = 0; i < perms.n; i++) {
            const struct walk_perm *p = &perms.v[i];
            /* --user: their own grants only */
            if (w->who->active && (p->kind == SUBJECT_GROUP ||
                                   !who_match(w->who, p->id, p->alt, p->email)))
                continue;
            format_row(&j->exp.rows, api, &j->req, p, export_delimiter(w->ses->cfg),
                       w->ses->cfg->revoke);
            rows++;
        }
        j->exp.nrows = rows;
    }
    walk_perms_free(&perms);
}

/* ---- the main thread: listings and output ------------------------------ */

static void draw(struct export *e, int force)
{
    if (!e->show)
        return;
    double now = now_mono();
    if (!force && now - e->last_draw < (e->tty ? 0.25 : 10))
        return;
    e->last_draw = now;
    unsigned long req, reads, n429;
    double paused;
    session_figures(&e->ses, &req, &reads, &n429, &paused);
    unsigned long done = e->ring.next_out;
    fprintf(stderr, "%sbbperm: export: %lu of %lu%s targets, %lu rows, %lu pages, %lu x 429, "
                    "%.0f s paused%s",
            e->tty ? "\r\033[K" : "", done, e->targets, e->listing_done ? "" : "+", e->rows, reads,
            n429, paused, e->tty ? "" : "\n");
    e->drawn = e->tty;
}

static void clear_line(void *ctx)
{
    struct export *e = ctx;
    if (e->drawn) {
        fputs("\r\033[K", stderr);
        e->drawn = 0;
    }
}

static void on_write(void *ctx, struct job *j)
{
    struct export *e = ctx;
    if (j->res.status == ROW_OK) {
        if (!e->res.failed && j->exp.rows.len &&
            fwrite(j->exp.rows.data, 1, j->exp.rows.len, e->res.out) != j->exp.rows.len)
            result_flush(&e->res);
        e->rows += j->exp.nrows;
        e->res.rows += j->exp.nrows;
    } else if (j->res.status != ROW_CANCELLED) {
        char label[600], shown[4 * sizeof label], msg[4 * sizeof j->res.msg];
        api_target_label(&j->req, label, sizeof label);
        str_printable(shown, sizeof shown, label);
        str_printable(msg, sizeof msg, j->res.msg);
        clear_line(e);
        if (j->res.http_status)
            fprintf(stderr, "bbperm: export: cannot read %s: %ld %s\n", shown, j->res.http_status, msg);
        else
            fprintf(stderr, "bbperm: export: cannot read %s: %s\n", shown, msg);
        e->unreadable++;
    }
    if (e->res.failed)
        e->fatal = 1;
}

static void on_idle(void *ctx)
{
    struct export *e = ctx;
    if (result_flush(&e->res) != 0 && !e->fatal) {
        e->fatal = 1;
        session_cancel(&e->ses, 0);     /* no new request: nothing could record it */
    }
    draw(e, 0);
}

static void on_poll(void *ctx)
{
    struct export *e = ctx;
    session_poll(&e->ses, clear_line, e);
}

static int on_failed(void *ctx)
{
    struct export *e = ctx;
    return e->fatal;
}

/* A slug's hash, case-insensitive, over all of it. */
static uint64_t slug_hash(const char *s)
{
    char *low = xstrdup(s);
    size_t n = 0;
    for (; low[n]; n++)
        low[n] = (char)tolower((unsigned char)low[n]);
    uint64_t h = hash64(low, n);
    free(low);
    return h;
}

/* 1 when h was in the set (linear: only to name collisions, and sets are
 * kept sorted for a binary search). */
static int set_add(uint64_t **set, size_t *n, size_t *cap, uint64_t h)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((*set)[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < *n && (*set)[lo] == h)
        return 1;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *set = xrealloc(*set, *cap * sizeof **set);
    }
    memmove(*set + lo + 1, *set + lo, (*n - lo) * sizeof **set);
    (*set)[lo] = h;
    (*n)++;
    return 0;
}

/* A listed target: queued in the ring (the strings are copied into the
 * job). On Data Center, a slug seen in another project is named. */
static void on_target(void *ctx, enum target_kind kind, const char *ws, const char *project,
                      const char *slug)
{
    struct export *e = ctx;
    if (e->ses.cancel_level > 0)
        return;
    if (kind == TARGET_REPO && !e->ses.api->has_workspaces &&
        set_add(&e->slugs, &e->nslugs, &e->slugcap, slug_hash(slug)) &&
        !set_add(&e->told, &e->ntold, &e->toldcap, slug_hash(slug))) {
        clear_line(e);
        char shown[200], where[200];
        str_printable(shown, sizeof shown, slug);
        str_printable(where, sizeof where, project ? project : "?");
        fprintf(stderr, "bbperm: export: the slug '%s' exists in more than one project "
                        "(again in %s): it would collide in one Cloud workspace\n", shown, where);
    }
    struct job *j = walk_job(&e->ring, kind, ws, project, slug);
    if (!j)
        return;
    e->targets++;
    ring_submit(&e->ring, j);
}

static int stop_listing(void *ctx)
{
    struct export *e = ctx;
    on_poll(e);
    return e->fatal || e->ses.cancel_level > 0;
}

int export_main(const struct bb_config *cfg)
{
    struct export ex;
    struct export *e = &ex;
    memset(e, 0, sizeof *e);
    e->cfg = cfg;
    e->started = now_mono();
    struct ring_ops ops = {on_write, on_idle, on_poll, on_failed, e};
    ring_init(&e->ring, &ops);
    struct pool_ops pops = {
        .worker_init = export_worker_init,
        .worker_fini = export_worker_fini,
        .run = export_target,
        .cancelled = export_cancelled,
        .arg = e,
    };
    int failed = session_init(&e->ses, cfg, 1) != 0 ||
                 result_open(&e->res, cfg->output, -1, NULL) != 0 ||
                 session_start_pool(&e->ses, &pops) != 0;
    if (failed) {
        if (e->res.out)
            result_close(&e->res, 0);
        session_free(&e->ses);
        ring_free(&e->ring);
        return e->ses.cancel_level > 0 ? 130 : 2;
    }
    e->ring.pool = e->ses.pool;
    e->tty = isatty(STDERR_FILENO);
    e->show = !cfg->quiet && cfg->progress != PROGRESS_OFF &&
              (cfg->progress == PROGRESS_ON || e->tty) && !cfg->verbose;

    for (const char *h = e->ses.api->export_header; *h; h++)
        fputc(*h == ',' ? export_delimiter(cfg) : *h, e->res.out);
    fputc('\n', e->res.out);
    /* before the first listing: a dead output sends nothing */
    if (result_flush(&e->res) != 0)
        e->fatal = 1;
    struct walk_lister wl = {
        .ses = &e->ses, .cmd = "export", .target = on_target, .before_message = clear_line,
        .stop = stop_listing, .ctx = e,
    };
    who_init(&e->who, cfg, e->ses.api);
    for (int i = 0; i < cfg->nscopes && !e->fatal && e->who.nemails; i++) {
        /* each workspace once: its members by email, 90 addresses a request */
        size_t wsl = strcspn(cfg->scopes[i], "/");
        int again = 0;
        for (int k = 0; k < i; k++)
            again |= strcspn(cfg->scopes[k], "/") == wsl && !strncmp(cfg->scopes[k], cfg->scopes[i], wsl);
        char *ws = xstrdup(cfg->scopes[i]);
        ws[wsl] = '\0';
        if (!again && who_resolve(&e->who, &e->ses, ws, "export") != 0)
            e->fatal = 1;
        free(ws);
    }
    if (cfg->nscopes == 0 && !e->fatal)
        walk_scope(&wl, NULL);
    for (int i = 0; i < cfg->nscopes && !e->fatal && e->ses.cancel_level == 0; i++)
        walk_scope(&wl, cfg->scopes[i]);
    e->listed_pages = wl.pages;
    e->unreadable += wl.unreadable;
    e->listing_done = 1;        /* the count is final now */
    if (!e->fatal)
        ring_drain(&e->ring, e->ring.next_seq);
    if (result_flush(&e->res) != 0)
        e->fatal = 1;
    clear_line(e);

    unsigned long req, reads, n429;
    double paused;
    session_figures(&e->ses, &req, &reads, &n429, &paused);
    if (!cfg->quiet)
        fprintf(stderr, "bbperm: export: %lu %s (%lu could not be read), %lu %s; "
                        "%lu %s, %lu x 429, %.1f s paused; %.2f s\n",
                e->targets, progress_plural(e->targets, "target", "targets"), e->unreadable,
                e->rows, progress_plural(e->rows, "row", "rows"),
                req, progress_plural(req, "request", "requests"), n429, paused, now_mono() - e->started);
    /* a file named as asked holds every target that was listed */
    if (result_close(&e->res, !e->fatal && e->ses.cancel_level == 0) != 0)
        e->fatal = 1;
    int code = session_exit_code(&e->ses, e->fatal, e->unreadable != 0, 0);
    session_free(&e->ses);
    ring_free(&e->ring);
    free(e->slugs);
    free(e->told);
    who_free(&e->who);
    return code;
}
