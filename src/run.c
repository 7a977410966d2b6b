/*
 * DESIGN
 *
 * The main thread reads the input as a stream (csvin), turns each record
 * into a job in a ring of RING_SIZE slots, and either settles it at once
 * (invalid, planned, kept by --resume, cancelled) or submits it to the pool.
 * It is the only thread that writes the result file: after every record,
 * and whenever it has to wait, it writes the longest run of finished jobs
 * that follows the last one written, so rows come out in input order
 * whatever order the workers finish them in. A record whose slot is still
 * taken (the row RING_SIZE before it is not written yet) makes the reader
 * wait; that is what bounds memory, whatever the size of the input.
 *
 * Output is buffered and flushed whenever the main thread has to wait more
 * than SHORT_WAIT (for a worker, or for more input), and at least every
 * FLUSH_EVERY seconds, so a killed run leaves every row whose turn came
 * (but the last few milliseconds' worth), and --resume-from can finish it.
 *
 * Signals only set a counter; the main thread polls it while it waits. The
 * first SIGINT/SIGTERM stops new requests (the pool drops queued jobs, the
 * gate wakes every waiter) and lets requests in flight finish; the rest of
 * the input is still read, every row written as 'cancelled'. A second one
 * aborts the requests in flight.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backoff.h"
#include "cli.h"
#include "creds.h"
#include "csvin.h"
#include "csvout.h"
#include "exec.h"
#include "http.h"
#include "pool.h"
#include "progress.h"
#include "row.h"

#define RING_SIZE 2048u
#define FLUSH_EVERY 0.2
#define SHORT_WAIT 0.005
#define RATE_MARGIN 0.98
#define OUTBUF_SIZE ((size_t)256 * 1024)

static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
    (void)sig;
    if (signals_seen < 100)
        signals_seen++;
}

struct run {
    const struct bb_config *cfg;        /* frozen */
    int in_fd;
    int in_regular;
    FILE *out;
    const char *out_name;
    struct csvin *csv;
    struct colmap map;
    int have_header;
    char delim;
    const char *eol;

    struct job *ring;                   /* RING_SIZE jobs, owned */
    const char **cellv;                 /* scratch cell pointers */
    unsigned cellv_cap;
    uint64_t next_seq;                  /* next record's sequence number */
    uint64_t next_out;                  /* next row to write */

    struct pool *pool;                  /* NULL in a dry run */
    struct gate gate;
    struct http_share *share;
    struct exec_shared sh;
    struct buf base;                    /* base URL without a trailing '/' */
    struct buf line;                    /* scratch for one output row */

    /* --resume-from: data rows the earlier result shows 'ok', as sorted
     * ranges [from, to); runs of ok rows keep this tiny (owned) */
    uint64_t (*done)[2];
    size_t ndone, done_cap, done_at;

    struct tally tally;                 /* rows written and flushed */
    struct tally unflushed;             /* rows written since the last flush */
    struct progress progress;
    double started, last_flush;
    int cancel_level;                   /* signals acted on */
    int auth_stopped;
    int fatal;                          /* exit 2: message already printed */
};

/* ---- output ----------------------------------------------------------- */

static void out_error(struct run *r)
{
    if (r->fatal)
        return;
    fprintf(stderr, "bbperm: cannot write %s: %s\n",
            strcmp(r->out_name, "-") ? r->out_name : "to standard output", strerror(errno));
    r->fatal = 1;
}

static void out_flush(struct run *r)
{
    if (!r->fatal && fflush(r->out) != 0)
        out_error(r);
    /* only rows that reached the file count as done */
    if (!r->fatal)
        tally_merge(&r->tally, &r->unflushed);
    r->last_flush = now_mono();
}

static void out_line(struct run *r)
{
    buf_adds(&r->line, r->eol);
    if (!r->fatal && fwrite(r->line.data, 1, r->line.len, r->out) != r->line.len)
        out_error(r);
    r->line.len = 0;
}

static const char *status_name(enum row_status s)
{
    switch (s) {
    case ROW_OK:
    case ROW_KEPT:
    case ROW_DONE_BEFORE: return "ok";
    case ROW_FAILED: return "failed";
    case ROW_INVALID: return "invalid";
    case ROW_PLANNED: return "planned";
    case ROW_CANCELLED: return "cancelled";
    case ROW_PENDING: break;
    }
    return "failed";
}

/* Which result column (0 status .. 3 message) output column i is, or -1. */
static int result_col(const struct colmap *m, unsigned i)
{
    for (int q = 0; q < NRESULT_COLS; q++)
        if (m->result_at[q] == i)
            return q;
    return -1;
}

static void write_header(struct run *r, const char *const *cells, const size_t *lens, unsigned n)
{
    static const char *const positional[] = {"workspace", "repo", "group", "privilege"};
    for (unsigned i = 0; i < r->map.nout; i++) {
        if (i)
            buf_addc(&r->line, r->delim);
        int k = result_col(&r->map, i);
        if (cells && i < n) {
            csvout_cell(&r->line, cells[i], lens[i], r->delim);
        } else if (k >= 0) {
            buf_adds(&r->line, colmap_role_name(COL_STATUS + k));
        } else if (i < 4) {
            buf_adds(&r->line, positional[i]);
        } else {
            char name[32];
            snprintf(name, sizeof name, "column%u", i + 1);
            buf_adds(&r->line, name);
        }
    }
    out_line(r);
}

static void write_row(struct run *r, struct job *j)
{
    char num[32], msg[CSVOUT_MSG_MAX + 1];
    unsigned total = j->n > r->map.nout ? j->n : r->map.nout;
    for (unsigned i = 0; i < total; i++) {
        if (i)
            buf_addc(&r->line, r->delim);
        int k = j->status != ROW_KEPT && i < r->map.nout ? result_col(&r->map, i) : -1;
        if (k < 0) {
            if (i < j->n)
                csvout_cell(&r->line, j->data.data + j->off[i], j->lens[i], r->delim);
            continue;
        }
        switch (k) {
        case 0:
            buf_adds(&r->line, status_name(j->status));
            break;
        case 1:
            if (j->http_status > 0) {
                snprintf(num, sizeof num, "%ld", j->http_status);
                buf_adds(&r->line, num);
            }
            break;
        case 2:
            snprintf(num, sizeof num, "%u", j->attempts);
            buf_adds(&r->line, num);
            break;
        case 3:
            csvout_sanitize(j->msg, msg);
            csvout_cell(&r->line, msg, strlen(msg), r->delim);
            break;
        }
    }
    out_line(r);
    tally_add(&r->unflushed, j);
}

static void figures(struct run *r, struct run_figures *f)
{
    f->requests = atomic_load(&r->sh.requests);
    f->n429 = 0;
    f->paused = 0;
    if (r->pool)
        gate_stats(&r->gate, &f->n429, &f->paused);
    f->elapsed = now_mono() - r->started;
}

/* ---- signals ---------------------------------------------------------- */

static void cancel_run(struct run *r)
{
    if (r->cancel_level >= 1)
        return;
    r->cancel_level = 1;
    if (r->pool) {
        pool_cancel(r->pool);
        gate_cancel(&r->gate);
    }
}

static void poll_signals(struct run *r)
{
    int seen = signals_seen;
    if (r->pool && !r->auth_stopped && atomic_load(&r->sh.auth_stop)) {
        r->auth_stopped = 1;
        progress_clear(&r->progress, stderr);
        fprintf(stderr, "bbperm: stopping: the first %d answers were all 401 Unauthorized; "
                        "check the credentials from %s\n",
                r->cfg->fail_after_401, r->cfg->auth_source);
        cancel_run(r);
    }
    if (seen >= 1 && r->cancel_level < 1) {
        progress_clear(&r->progress, stderr);
        fprintf(stderr, "bbperm: interrupted: finishing the requests in flight "
                        "(interrupt again to abort them)\n");
        cancel_run(r);
    }
    if (seen >= 2 && r->cancel_level < 2) {
        r->cancel_level = 2;
        if (r->pool)
            atomic_store(&r->sh.abort, 1);
    }
}

/* ---- ordering --------------------------------------------------------- */

/* Write every finished row that is next in order. With `until`, wait until
 * all rows before sequence number `until` are written. */
static void drain(struct run *r, uint64_t until)
{
    for (;;) {
        uint64_t pending = r->next_seq - r->next_out;
        unsigned n;
        if (!pending) {
            n = 0;
        } else if (r->pool) {
            unsigned max = pending > RING_SIZE ? RING_SIZE : (unsigned)pending;
            n = pool_done_run(r->pool, r->ring, RING_SIZE, r->next_out, max);
        } else {
            n = (unsigned)pending;
        }
        for (unsigned i = 0; i < n && !r->fatal; i++)
            write_row(r, &r->ring[(r->next_out + i) % RING_SIZE]);
        r->next_out += n;
        if (r->fatal)
            return;
        if (r->next_out >= until)
            break;
        /* Wait for the last row needed, not the next one: rows finish
         * roughly in order, so the main thread wakes once per batch instead
         * of once per row. That row is usually done within a few
         * milliseconds: wait that long first, and flush only when the wait
         * goes on, so a busy run writes in blocks while an idle one still
         * shows every row at once. */
        uint64_t last = (until > r->next_out + 1 ? until : r->next_out + 1) - 1;
        struct job *target = &r->ring[last % RING_SIZE];
        pool_wait(r->pool, target, SHORT_WAIT);
        if (!pool_done_run(r->pool, r->ring, RING_SIZE, r->next_out, 1)) {
            out_flush(r);
            struct run_figures f;
            figures(r, &f);
            progress_tick(&r->progress, stderr, &r->tally, &f, now_mono(), 0);
            pool_wait(r->pool, target, 0.1);
        }
        poll_signals(r);
    }
    if (now_mono() - r->last_flush >= FLUSH_EVERY) {
        out_flush(r);
        struct run_figures f;
        figures(r, &f);
        progress_tick(&r->progress, stderr, &r->tally, &f, now_mono(), 0);
    }
}

/* ---- records ---------------------------------------------------------- */

static void job_fill(struct run *r, struct job *j, const struct csvin_record *rec)
{
    j->data.len = 0;
    if (rec->n > j->cap) {
        j->cap = rec->n;
        j->off = xrealloc(j->off, j->cap * sizeof *j->off);
        j->lens = xrealloc(j->lens, j->cap * sizeof *j->lens);
    }
    for (unsigned i = 0; i < rec->n; i++) {
        j->off[i] = j->data.len;
        j->lens[i] = rec->lens[i];
        buf_add(&j->data, rec->cells[i], rec->lens[i]);
        buf_addc(&j->data, '\0');
    }
    j->n = rec->n;
    j->line = rec->line;
    if (rec->n > r->cellv_cap) {
        r->cellv_cap = rec->n;
        r->cellv = xrealloc(r->cellv, r->cellv_cap * sizeof *r->cellv);
    }
    for (unsigned i = 0; i < rec->n; i++)
        r->cellv[i] = j->data.data + j->off[i];
    j->status = ROW_PENDING;
    j->http_status = 0;
    j->attempts = 0;
    j->msg[0] = '\0';
    j->done = 0;
}

/* 1 when a --resume row already succeeded. */
/* 1 when a status cell of an earlier result says 'ok' (spaces around it
 * allowed); --resume and --resume-from both ask this. */
static int status_is_ok(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len == 2 && s[0] == 'o' && s[1] == 'k';
}

static int kept_from_before(struct run *r, struct job *j)
{
    int c = r->map.col[COL_STATUS];
    if (!r->cfg->resume || c < 0 || (unsigned)c >= j->n)
        return 0;
    return status_is_ok(r->cellv[c], j->lens[c]);
}

/* ---- --resume-from ---------------------------------------------------- */

struct prev {
    struct run *r;
    struct colmap map;
    int have_header;
    uint64_t row;
};

static int on_prev_record(void *ctx, const struct csvin_record *rec)
{
    struct prev *p = ctx;
    struct run *r = p->r;
    if (!p->have_header) {
        char err[256];
        if (colmap_build(&p->map, rec->cells, rec->lens, rec->n, r->cfg, err, sizeof err) != 0 ||
            p->map.col[COL_STATUS] < 0) {
            fprintf(stderr, "bbperm: --resume-from '%s' is not a result CSV of bbperm (%s)\n",
                    r->cfg->resume_from, p->map.col[COL_STATUS] < 0 ? "no 'status' column" : err);
            r->fatal = 1;
            return 1;
        }
        p->have_header = 1;
        return 0;
    }
    if (!rec->problem && row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    uint64_t i = p->row++;
    unsigned c = (unsigned)p->map.col[COL_STATUS];
    /* a line torn by a kill may end before its status: then it is not done */
    if (rec->problem || rec->n <= c || !status_is_ok(rec->cells[c], rec->lens[c]))
        return 0;
    if (r->ndone && r->done[r->ndone - 1][1] == i) {
        r->done[r->ndone - 1][1] = i + 1;
        return 0;
    }
    if (r->ndone == r->done_cap) {
        r->done_cap = r->done_cap ? r->done_cap * 2 : 16;
        r->done = xrealloc(r->done, r->done_cap * sizeof *r->done);
    }
    r->done[r->ndone][0] = i;
    r->done[r->ndone][1] = i + 1;
    r->ndone++;
    return 0;
}

static int load_previous(struct run *r)
{
    const char *path = r->cfg->resume_from;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "bbperm: cannot open --resume-from '%s': %s\n", path, strerror(errno));
        return -1;
    }
    struct prev p;
    memset(&p, 0, sizeof p);
    p.r = r;
    struct csvin *in = csvin_open(fd, r->cfg->delimiter);
    int rc = in ? csvin_run(in, on_prev_record, &p, NULL) : -1;
    if (rc < 0 && !r->fatal)
        fprintf(stderr, "bbperm: cannot read --resume-from '%s': %s\n", path, strerror(errno));
    if (rc == 0 && !p.have_header) {
        fprintf(stderr, "bbperm: --resume-from '%s' is empty\n", path);
        rc = -1;
    }
    csvin_close(in);
    close(fd);
    return rc == 0 && !r->fatal ? 0 : -1;
}

/* Rows are asked for in increasing order, so a cursor walks the ranges. */
static int done_before(struct run *r, uint64_t seq)
{
    while (r->done_at < r->ndone && r->done[r->done_at][1] <= seq)
        r->done_at++;
    return r->done_at < r->ndone && r->done[r->done_at][0] <= seq;
}

static int start_header(struct run *r, const struct csvin_record *rec)
{
    char err[256];
    r->delim = csvin_delimiter(r->csv);
    r->eol = csvin_crlf(r->csv) ? "\r\n" : "\n";
    if (r->cfg->no_header) {
        colmap_positional(&r->map, rec->n > 4 ? rec->n : 4);
        write_header(r, NULL, NULL, 0);
        r->have_header = 1;
        return 0;
    }
    if (colmap_build(&r->map, rec->cells, rec->lens, rec->n, r->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "bbperm: %s\n", err);
        r->fatal = 1;
        return 1;
    }
    if (r->cfg->resume && r->map.col[COL_STATUS] < 0) {
        fprintf(stderr, "bbperm: --resume: the input has no 'status' column; "
                        "give it the result CSV of an earlier run\n");
        r->fatal = 1;
        return 1;
    }
    write_header(r, rec->cells, rec->lens, rec->n);
    r->have_header = 1;
    return 0;
}

static int on_record(void *ctx, const struct csvin_record *rec)
{
    struct run *r = ctx;
    poll_signals(r);
    if (!r->have_header) {
        if (start_header(r, rec))
            return 1;
        if (!r->cfg->no_header)
            return 0;
    }
    if (!rec->problem && row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    if (r->next_seq - r->next_out >= RING_SIZE)
        drain(r, r->next_seq - RING_SIZE + RING_SIZE / 4);   /* a quarter free */
    if (r->fatal)
        return 1;

    struct job *j = &r->ring[r->next_seq % RING_SIZE];
    job_fill(r, j, rec);
    j->seq = r->next_seq++;

    char why[540];
    if (rec->problem) {
        j->status = ROW_INVALID;
        snprintf(j->msg, sizeof j->msg, "line %lu: %s", rec->line, rec->problem);
    } else if (kept_from_before(r, j)) {
        j->status = ROW_KEPT;
    } else if (r->cfg->resume_from && done_before(r, j->seq)) {
        j->status = ROW_DONE_BEFORE;
        snprintf(j->msg, sizeof j->msg, "ok in the earlier run; not sent again");
    } else if (row_validate(&r->map, r->cellv, j->lens, j->n, &j->req, why, sizeof why) != 0) {
        j->status = ROW_INVALID;
        snprintf(j->msg, sizeof j->msg, "line %lu: %s", rec->line, why);
    } else if (r->cancel_level > 0) {
        exec_cancelled(j);
    } else {
        j->method = api_method(&j->req);
        j->body = api_body(&j->req);
        j->url.len = 0;
        if (r->cfg->dry_run) {
            j->status = ROW_PLANNED;
            api_path(&j->url, &j->req);
            snprintf(j->msg, sizeof j->msg, "%s %s%s%s", j->method, j->url.data,
                     j->body ? " " : "", j->body ? j->body : "");
        } else {
            buf_add(&j->url, r->base.data, r->base.len);
            api_path(&j->url, &j->req);
            j->key.len = 0;
            api_key(&j->key, &j->req);
            uint32_t h = 2166136261u;
            for (size_t i = 0; i < j->key.len; i++)
                h = (h ^ (unsigned char)j->key.data[i]) * 16777619u;
            j->hash = h;
            pool_submit(r->pool, j);
            if ((j->seq & 63) == 0)
                drain(r, 0);
            return r->fatal;
        }
    }
    j->done = 1;
    drain(r, 0);
    return r->fatal;
}

/* ---- set-up ----------------------------------------------------------- */

static int open_input(struct run *r, const char *path)
{
    struct stat st;
    if (!strcmp(path, "-")) {
        r->in_fd = STDIN_FILENO;
    } else {
        r->in_fd = open(path, O_RDONLY);
        if (r->in_fd < 0) {
            fprintf(stderr, "bbperm: cannot open input '%s': %s\n", path, strerror(errno));
            return -1;
        }
    }
    if (fstat(r->in_fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "bbperm: cannot read input '%s': it is a directory\n", path);
            return -1;
        }
        r->in_regular = S_ISREG(st.st_mode);
    }
    return 0;
}

/* 1 when path names the same file as st. */
static int same_file(const struct stat *st, const char *path)
{
    struct stat other;
    return stat(path, &other) == 0 && st->st_dev == other.st_dev && st->st_ino == other.st_ino;
}

static int open_output(struct run *r, const char *path)
{
    r->out_name = path;
    if (!strcmp(path, "-")) {
        r->out = stdout;
    } else {
        struct stat st;
        if (fstat(r->in_fd, &st) == 0 && same_file(&st, path)) {
            fprintf(stderr, "bbperm: the output '%s' is the input; write the result elsewhere\n", path);
            return -1;
        }
        if (r->cfg->resume_from && stat(r->cfg->resume_from, &st) == 0 && same_file(&st, path)) {
            fprintf(stderr, "bbperm: the output '%s' is the --resume-from file; write the result elsewhere\n", path);
            return -1;
        }
        r->out = fopen(path, "w");
        if (!r->out) {
            fprintf(stderr, "bbperm: cannot write '%s': %s\n", path, strerror(errno));
            return -1;
        }
    }
    setvbuf(r->out, NULL, _IOFBF, OUTBUF_SIZE);
    return 0;
}

static int check_auth(struct run *r)
{
    struct http_client c;
    struct http_response resp;
    atomic_int never;
    atomic_init(&never, 0);
    if (http_client_init(&c, r->cfg, r->share, &never) != 0) {
        fprintf(stderr, "bbperm: cannot set up libcurl\n");
        http_client_cleanup(&c);
        return -1;
    }
    struct buf url = {0};
    buf_add(&url, r->base.data, r->base.len);
    buf_adds(&url, "/user");
    http_send(&c, "GET", url.data, NULL, &resp);
    int rc = 0;
    if (resp.code != CURLE_OK) {
        fprintf(stderr, "bbperm: --check-auth: GET %s: %s\n", url.data, resp.error);
        rc = -1;
    } else if (resp.status == 401) {
        fprintf(stderr, "bbperm: --check-auth: the credentials from %s were refused (401 Unauthorized)\n",
                r->cfg->auth_source);
        rc = -1;
    } else if (resp.status < 200 || resp.status >= 300) {
        char m[300];
        api_error_message(resp.body, resp.body_len, m, sizeof m);
        fprintf(stderr, "bbperm: --check-auth: GET %s answered %ld: %s\n", url.data, resp.status, m);
        rc = -1;
    } else if (r->cfg->verbose) {
        fprintf(stderr, "bbperm: --check-auth: credentials from %s accepted\n", r->cfg->auth_source);
    }
    buf_free(&url);
    http_client_cleanup(&c);
    return rc;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int start_pool(struct run *r)
{
    const struct bb_config *cfg = r->cfg;
    r->share = http_share_new();
    if (!r->share) {
        fprintf(stderr, "bbperm: cannot set up libcurl\n");
        return -1;
    }
    /* Pace 2% under --rate: a server counting a sliding window sees the
     * requests with network jitter, and pacing at exactly its allowance
     * would push a window over now and then. */
    gate_init(&r->gate, cfg->backoff_base, cfg->max_backoff, cfg->rate * RATE_MARGIN, cfg->verbose,
              (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20);
    exec_shared_init(&r->sh, cfg, &r->gate, r->share);
    if (cfg->check_auth && check_auth(r) != 0)
        return -1;
    struct pool_ops ops = {
        .worker_init = exec_worker_init,
        .worker_fini = exec_worker_fini,
        .run = exec_run,
        .cancelled = exec_cancelled,
        .arg = &r->sh,
    };
    r->pool = pool_new(cfg->jobs, RING_SIZE, &ops);
    if (!r->pool) {
        fprintf(stderr, "bbperm: cannot start %d worker threads\n", cfg->jobs);
        return -1;
    }
    return 0;
}

static void free_run(struct run *r)
{
    if (r->pool)
        pool_free(r->pool);
    if (r->share) {
        http_share_free(r->share);
        gate_destroy(&r->gate);
    }
    for (unsigned i = 0; r->ring && i < RING_SIZE; i++) {
        buf_free(&r->ring[i].data);
        buf_free(&r->ring[i].url);
        buf_free(&r->ring[i].key);
        free(r->ring[i].off);
        free(r->ring[i].lens);
    }
    free(r->ring);
    free(r->cellv);
    free(r->done);
    buf_free(&r->base);
    buf_free(&r->line);
    csvin_close(r->csv);
    if (r->in_fd > 0)
        close(r->in_fd);
}

/* After the first signal, rows still to come from a pipe are read only as
 * far as they are already there: a producer that never ends must not keep
 * the run from stopping. A regular file is read to its end. */
static void stop_waiting_for_input(struct run *r)
{
    if (!r->in_regular) {
        int fl = fcntl(r->in_fd, F_GETFL);
        if (fl >= 0)
            fcntl(r->in_fd, F_SETFL, fl | O_NONBLOCK);
    }
}

/* Runs before every read of the input. A pipe may keep us waiting for a
 * long time: meanwhile, finished rows are still written and signals seen. */
static int before_read(void *ctx)
{
    struct run *r = ctx;
    poll_signals(r);
    if (r->cancel_level > 0)
        stop_waiting_for_input(r);
    if (r->in_regular)
        return r->fatal;
    for (;;) {
        drain(r, 0);
        out_flush(r);
        if (r->fatal || r->cancel_level > 0)
            break;
        struct pollfd pfd = {.fd = r->in_fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) != 0)
            break;
        poll_signals(r);
    }
    return r->fatal;
}

int bbperm_main(int argc, char **argv)
{
    struct bb_config cfg;
    int rc = cli_parse(argc, argv, &cfg, stderr);
    if (rc) {
        cli_free(&cfg);
        return rc == 1 ? 0 : 2;
    }
    if (creds_load(&cfg, stderr) != 0) {
        creds_free(&cfg);
        cli_free(&cfg);
        return 2;
    }

    struct run run;
    struct run *r = &run;
    memset(r, 0, sizeof *r);
    r->cfg = &cfg;
    r->in_fd = -1;
    r->started = r->last_flush = now_mono();
    install_signals();
    if (!cfg.dry_run && http_global_init() != 0) {
        fprintf(stderr, "bbperm: cannot initialise libcurl\n");
        return 2;
    }
    api_init();

    int setup_failed = open_input(r, cfg.input) ||
                       (cfg.resume_from && load_previous(r) != 0) ||
                       open_output(r, cfg.output);
    if (!setup_failed) {
        buf_adds(&r->base, cfg.base_url);
        while (r->base.len && r->base.data[r->base.len - 1] == '/')
            r->base.data[--r->base.len] = '\0';
        r->ring = xcalloc(RING_SIZE, sizeof *r->ring);
        if (!cfg.dry_run)
            setup_failed = start_pool(r) != 0;
    }
    if (!setup_failed) {
        r->csv = csvin_open(r->in_fd, cfg.delimiter);
        if (!r->csv) {
            fprintf(stderr, "bbperm: cannot set up the CSV reader\n");
            setup_failed = 1;
        }
    }
    if (setup_failed) {
        free_run(r);
        creds_free(&cfg);
        cli_free(&cfg);
        api_cleanup();
        if (!cfg.dry_run)
            http_global_cleanup();
        return 2;
    }
    /* every handle holds its own copy now */
    creds_free(&cfg);

    int tty = isatty(STDERR_FILENO);
    if (r->in_fd == STDIN_FILENO && isatty(STDIN_FILENO) && !cfg.quiet)
        fprintf(stderr, "bbperm: reading the CSV from the terminal (end it with Ctrl-D; "
                        "give a file name to read a file)\n");
    int show = !cfg.quiet && cfg.progress != PROGRESS_OFF &&
               (cfg.progress == PROGRESS_ON || tty || !cfg.dry_run);
    long total = -1;
    if (show && r->in_regular)
        total = progress_count_rows(cfg.input, !cfg.no_header);
    /* -v writes lines of its own: a line redrawn in place would garble them */
    progress_init(&r->progress, show, tty && !cfg.verbose, total, r->started);

    int read_rc = csvin_run(r->csv, on_record, r, before_read);
    int read_errno = errno;
    if (read_rc < 0 && !r->fatal) {
        fprintf(stderr, "bbperm: cannot read input '%s': %s\n", cfg.input, strerror(read_errno));
        cancel_run(r);
        r->fatal = 1;
    }
    if (!r->have_header && !r->fatal && read_rc >= 0) {
        fprintf(stderr, "bbperm: the input '%s' is empty: it needs a header line\n", cfg.input);
        r->fatal = 1;
    }
    if (r->fatal && r->pool) {
        /* output or input failed: stop at once */
        cancel_run(r);
        atomic_store(&r->sh.abort, 1);
    }
    if (!r->fatal || read_rc < 0)
        drain(r, r->next_seq);
    out_flush(r);

    struct run_figures f;
    figures(r, &f);
    progress_clear(&r->progress, stderr);
    if (!cfg.quiet && r->have_header)
        progress_summary(stderr, &r->tally, &f);

    int code;
    if (r->fatal || r->auth_stopped)
        code = 2;
    else if (r->cancel_level > 0)
        code = 130;
    else if (r->tally.failed || r->tally.invalid)
        code = 1;
    else
        code = 0;
    if (r->out && r->out != stdout && fclose(r->out) != 0 && code != 2) {
        out_error(r);
        code = 2;
    }
    r->out = NULL;
    free_run(r);
    cli_free(&cfg);
    api_cleanup();
    if (!cfg.dry_run)
        http_global_cleanup();
    return code;
}
