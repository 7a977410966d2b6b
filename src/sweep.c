/*
 * DESIGN
 *
 * export and access are one shape: the main thread lists the targets of
 * the scopes (walk.c) and turns each into a job in the ring; a worker reads
 * what the command needs of that target and formats its rows into the job
 * (j->rows); the ring hands the jobs back in listing order and this module
 * writes their rows. So rows stream out as targets finish, in a fixed
 * order, and memory holds at most RING_SIZE targets whatever the size of
 * the workspace. Everything here is the main thread's: the session, the
 * ring's host (ringhost.c: the output, the progress line, the failed
 * output's rule) with this module's write and progress line, the counts,
 * the exit code (session_exit_code).
 *
 * A target that cannot be read is named on stderr and counted; every other
 * row is still written, and the exit code is 1. An output that cannot be
 * written stops the sweep: no new request starts (session_cancel), exit 2.
 */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "util.h"

static void draw(void *ctx, int force)
{
    struct sweep *s = ctx;
    if (!progress_due(&s->host.progress, now_mono(), force))
        return;
    unsigned long req, reads, n429;
    double paused;
    session_figures(&s->ses, &req, &reads, &n429, &paused);
    char line[300];
    msg_printf(line, sizeof line, "%s: %lu of %lu%s %s, %lu %s, %lu %s, %lu x 429, %.0f s paused",
               s->cmd, (unsigned long)s->host.ring.next_out, s->targets, s->listing_done ? "" : "+",
               s->nouns, s->rows, s->rows == 1 ? "row" : "rows", req,
               req == 1 ? "request" : "requests", n429, paused);
    progress_line(&s->host.progress, stderr, line);
}

void sweep_clear_line(void *ctx)
{
    struct sweep *s = ctx;
    ringhost_clear_line(&s->host);
}

void sweep_write(struct sweep *s, const struct buf *rows)
{
    ringhost_output(&s->host, rows);
}

static void on_write(void *ctx, struct job *core)
{
    struct sweep *s = ctx;
    struct sweep_job *j = JOB_OF(core, struct sweep_job);
    if (s->before_write)
        s->before_write(s->ctx, j);
    if (j->res.status == ROW_OK) {
        s->done++;
        sweep_write(s, &j->rows);
        s->rows += j->nrows;
        s->host.res.rows += j->nrows;
    } else if (j->res.status == ROW_CANCELLED) {
        s->cancelled++;
    } else {
        char label[600], shown[4 * sizeof label], msg[4 * sizeof j->res.msg];
        api_target_label(&j->req, label, sizeof label);
        str_printable(shown, sizeof shown, label);
        str_printable(msg, sizeof msg, j->res.msg);
        sweep_clear_line(s);
        if (j->res.http_status)
            fprintf(stderr, "bbperm: %s: cannot read %s: %ld %s\n", s->cmd, shown,
                    j->res.http_status, msg);
        else
            fprintf(stderr, "bbperm: %s: cannot read %s: %s\n", s->cmd, shown, msg);
        s->unreadable++;
    }
}

static void on_clear(void *ctx, struct job *core)
{
    (void)ctx;
    struct sweep_job *j = JOB_OF(core, struct sweep_job);
    memset(&j->res, 0, sizeof j->res);
    j->res.status = ROW_PENDING;
    j->rows.len = 0;
    j->nrows = j->pages = 0;
}

static void on_release(struct job *core)
{
    struct sweep_job *j = JOB_OF(core, struct sweep_job);
    buf_free(&j->data);
    buf_free(&j->rows);
}

void sweep_init(struct sweep *s, const struct bb_config *cfg, const char *cmd,
                const char *noun, const char *nouns)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->cmd = cmd;
    s->noun = noun;
    s->nouns = nouns;
    s->started = now_mono();
    struct ringhost_hooks hooks = {.write = on_write, .draw = draw, .clear = on_clear,
                                   .release = on_release, .ctx = s};
    ringhost_init(&s->host, &s->ses, &hooks, sizeof(struct sweep_job));
}

int sweep_open(struct sweep *s)
{
    const struct bb_config *cfg = s->cfg;
    if (session_init(&s->ses, cfg, 1) != 0 || result_open(&s->host.res, cfg->output, -1, NULL) != 0 ||
        session_check(&s->ses) != 0)
        return -1;
    int tty = isatty(STDERR_FILENO);
    progress_init(&s->host.progress, !cfg->quiet && cfg->progress != PROGRESS_OFF &&
                                    (cfg->progress == PROGRESS_ON || tty) && !cfg->verbose,
                  tty, -1, s->started);
    s->host.progress.shares_output = (!cfg->output || !strcmp(cfg->output, "-")) &&
                                progress_same_terminal(STDOUT_FILENO, STDERR_FILENO);
    return 0;
}

/* ---- the workers --------------------------------------------------------- */

struct sweep_worker {
    struct sweep *s;            /* frozen while the pool runs, but for what the
                                 * command's run itself guards */
    struct exec_worker *ex;     /* this thread's client */
};

static void *worker_init(void *arg, int index)
{
    struct sweep *s = arg;
    struct exec_worker *ex = exec_worker_new(&s->ses.ex, index);
    if (!ex)
        return NULL;
    struct sweep_worker *w = xcalloc(1, sizeof *w);
    w->s = s;
    w->ex = ex;
    return w;
}

static void worker_fini(void *wctx)
{
    struct sweep_worker *w = wctx;
    exec_worker_free(w->ex);
    free(w);
}

static void worker_run(void *wctx, struct pool_node *n)
{
    struct sweep_worker *w = wctx;
    w->s->run(w->s->run_ctx, w->ex, JOB_OF(POOL_JOB(n, struct job, node), struct sweep_job));
}

static void worker_dropped(void *arg, struct pool_node *n)
{
    struct sweep *s = arg;
    struct sweep_job *j = JOB_OF(POOL_JOB(n, struct job, node), struct sweep_job);
    j->res.status = ROW_CANCELLED;
    msg_printf(j->res.msg, sizeof j->res.msg, "not read: %s", exec_stop_reason(&s->ses.ex));
}

int sweep_start(struct sweep *s, sweep_run_fn *run, void *ctx)
{
    s->run = run;
    s->run_ctx = ctx;
    struct pool_ops ops = {worker_init, worker_fini, worker_run, worker_dropped, s};
    if (session_start_pool(&s->ses, &ops) != 0)
        return -1;
    s->host.ring.pool = s->ses.pool;
    return 0;
}

char sweep_delimiter(const struct sweep *s)
{
    if (s->cfg->delimiter)
        return s->cfg->delimiter;
    return ',';
}

void sweep_header(struct sweep *s, const char *header, const char *extra)
{
    char delim = sweep_delimiter(s);
    for (const char *h = header; *h; h++)
        fputc(*h == ',' ? delim : *h, s->host.res.out);
    if (extra) {
        fputc(delim, s->host.res.out);
        fputs(extra, s->host.res.out);
    }
    fputc('\n', s->host.res.out);
    ringhost_flush(&s->host);
}

static int walk_stop(void *ctx)
{
    struct sweep *s = ctx;
    ringhost_poll(&s->host);
    return s->host.fatal || s->ses.cancel_level > 0;
}

/* The lister's callbacks all get the sweep; the command's own target
 * callback gets the command's ctx back. */
static void walk_target(void *ctx, enum target_kind kind, const char *ws, const char *project,
                        const char *slug)
{
    struct sweep *s = ctx;
    s->walk_target(s->walk_ctx, kind, ws, project, slug);
}

void sweep_walk(struct sweep *s, struct walk_lister *w)
{
    s->walk_target = w->target;
    s->walk_ctx = w->ctx;
    w->target = walk_target;
    w->ctx = s;
    w->ses = &s->ses;
    w->cmd = s->cmd;
    w->before_message = sweep_clear_line;
    w->stop = walk_stop;
    if (s->cfg->nscopes == 0 && !s->host.fatal)
        walk_scope(w, NULL);
    for (int i = 0; i < s->cfg->nscopes && !s->host.fatal && s->ses.cancel_level == 0; i++)
        walk_scope(w, s->cfg->scopes[i]);
    s->listed_pages += w->pages;
    s->unreadable += w->unreadable;
}

void sweep_target(struct sweep *s, enum target_kind kind, const char *ws, const char *project,
                  const char *slug)
{
    if (s->ses.cancel_level > 0)
        return;
    struct sweep_job *j = JOB_OF(ring_take(&s->host.ring), struct sweep_job);
    if (!j)
        return;
    walk_fill_target(&j->data, &j->req, &j->core.key, kind, ws, project, slug);
    s->targets++;
    ring_submit(&s->host.ring, &j->core);
}

void sweep_finish(struct sweep *s)
{
    s->listing_done = 1;
    if (!s->host.fatal)
        ring_drain(&s->host.ring, s->host.ring.next_seq);
    ringhost_flush(&s->host);
    sweep_clear_line(s);
}

int sweep_close(struct sweep *s, int failed)
{
    /* a file named as asked holds every target that was listed */
    if (result_close(&s->host.res, !s->host.fatal && s->ses.cancel_level == 0) != 0)
        s->host.fatal = 1;
    int code = session_exit_code(&s->ses, s->host.fatal, failed || s->unreadable != 0, 0);
    session_free(&s->ses);
    ringhost_free(&s->host);
    return code;
}

int sweep_abort(struct sweep *s)
{
    if (s->host.res.out)
        result_close(&s->host.res, 0);
    int code = s->ses.cancel_level > 0 ? 130 : 2;
    session_free(&s->ses);
    ringhost_free(&s->host);
    return code;
}
