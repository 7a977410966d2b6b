/*
 * DESIGN
 *
 * export and access are one shape: the main thread lists the targets of
 * the scopes (walk.c) and turns each into a job in the ring; a worker reads
 * what the command needs of that target and formats its rows into the job
 * (j->exp); the ring hands the jobs back in listing order and this module
 * writes their rows. So rows stream out as targets finish, in a fixed
 * order, and memory holds at most RING_SIZE targets whatever the size of
 * the workspace. Everything here is the main thread's: the session, the
 * ring's callbacks, the output, the progress line, the counts, the exit
 * code (session_exit_code).
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

static void draw(struct sweep *s, int force)
{
    if (!progress_due(&s->progress, now_mono(), force))
        return;
    unsigned long req, reads, n429;
    double paused;
    session_figures(&s->ses, &req, &reads, &n429, &paused);
    char line[300];
    msg_printf(line, sizeof line, "%s: %lu of %lu%s %s, %lu %s, %lu %s, %lu x 429, %.0f s paused",
               s->cmd, (unsigned long)s->ring.next_out, s->targets, s->listing_done ? "" : "+",
               s->nouns, s->rows, s->rows == 1 ? "row" : "rows", req,
               req == 1 ? "request" : "requests", n429, paused);
    progress_line(&s->progress, stderr, line);
}

void sweep_clear_line(void *ctx)
{
    struct sweep *s = ctx;
    progress_clear(&s->progress, stderr);
}

/* The output failed: nothing new may start, nothing could record it. */
static void output_failed(struct sweep *s)
{
    if (!s->fatal)
        session_cancel(&s->ses, 0);
    s->fatal = 1;
}

void sweep_write(struct sweep *s, const struct buf *rows)
{
    if (s->res.failed || !rows->len)
        return;
    /* rows and the progress line on one terminal: the line goes first */
    progress_before_output(&s->progress, stderr);
    if (fwrite(rows->data, 1, rows->len, s->res.out) != rows->len)
        result_flush(&s->res);
    if (s->res.failed)
        output_failed(s);
}

static void on_write(void *ctx, struct job *j)
{
    struct sweep *s = ctx;
    if (s->before_write)
        s->before_write(s->ctx, j);
    if (j->res.status == ROW_OK) {
        s->done++;
        sweep_write(s, &j->exp.rows);
        s->rows += j->exp.nrows;
        s->res.rows += j->exp.nrows;
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

static void on_idle(void *ctx)
{
    struct sweep *s = ctx;
    if (result_flush(&s->res) != 0)
        output_failed(s);
    draw(s, 0);
}

static void on_poll(void *ctx)
{
    struct sweep *s = ctx;
    session_poll(&s->ses, sweep_clear_line, s);
}

static int on_failed(void *ctx)
{
    struct sweep *s = ctx;
    return s->fatal;
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
    struct ring_ops ops = {on_write, on_idle, on_poll, on_failed, s};
    ring_init(&s->ring, &ops);
}

int sweep_open(struct sweep *s)
{
    const struct bb_config *cfg = s->cfg;
    if (session_init(&s->ses, cfg, 1) != 0 || result_open(&s->res, cfg->output, -1, NULL) != 0 ||
        session_check(&s->ses) != 0)
        return -1;
    int tty = isatty(STDERR_FILENO);
    progress_init(&s->progress, !cfg->quiet && cfg->progress != PROGRESS_OFF &&
                                    (cfg->progress == PROGRESS_ON || tty) && !cfg->verbose,
                  tty, -1, s->started);
    s->progress.shares_output = (!cfg->output || !strcmp(cfg->output, "-")) &&
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
    w->s->run(w->s->run_ctx, w->ex, POOL_JOB(n, struct job, node));
}

static void worker_dropped(void *arg, struct pool_node *n)
{
    struct sweep *s = arg;
    struct job *j = POOL_JOB(n, struct job, node);
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
    s->ring.pool = s->ses.pool;
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
        fputc(*h == ',' ? delim : *h, s->res.out);
    if (extra) {
        fputc(delim, s->res.out);
        fputs(extra, s->res.out);
    }
    fputc('\n', s->res.out);
    if (result_flush(&s->res) != 0)
        output_failed(s);
}

static int walk_stop(void *ctx)
{
    struct sweep *s = ctx;
    on_poll(s);
    return s->fatal || s->ses.cancel_level > 0;
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
    if (s->cfg->nscopes == 0 && !s->fatal)
        walk_scope(w, NULL);
    for (int i = 0; i < s->cfg->nscopes && !s->fatal && s->ses.cancel_level == 0; i++)
        walk_scope(w, s->cfg->scopes[i]);
    s->listed_pages += w->pages;
    s->unreadable += w->unreadable;
}

void sweep_target(struct sweep *s, enum target_kind kind, const char *ws, const char *project,
                  const char *slug)
{
    if (s->ses.cancel_level > 0)
        return;
    struct job *j = walk_job(&s->ring, kind, ws, project, slug);
    if (!j)
        return;
    s->targets++;
    ring_submit(&s->ring, j);
}

void sweep_finish(struct sweep *s)
{
    s->listing_done = 1;
    if (!s->fatal)
        ring_drain(&s->ring, s->ring.next_seq);
    if (result_flush(&s->res) != 0)
        output_failed(s);
    sweep_clear_line(s);
}

int sweep_close(struct sweep *s, int failed)
{
    /* a file named as asked holds every target that was listed */
    if (result_close(&s->res, !s->fatal && s->ses.cancel_level == 0) != 0)
        s->fatal = 1;
    int code = session_exit_code(&s->ses, s->fatal, failed || s->unreadable != 0, 0);
    session_free(&s->ses);
    ring_free(&s->ring);
    return code;
}

int sweep_abort(struct sweep *s)
{
    if (s->res.out)
        result_close(&s->res, 0);
    int code = s->ses.cancel_level > 0 ? 130 : 2;
    session_free(&s->ses);
    ring_free(&s->ring);
    return code;
}
