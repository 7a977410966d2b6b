/*
 * DESIGN
 *
 * apply and plan as one pipeline: read, settle or submit, write in order.
 *
 * The main thread reads the input as a stream (csvin). Each record becomes
 * a job in the ring (ring.c), and the job is either settled at once
 * (invalid, --dry-run, kept by --resume, cancelled) or submitted to the
 * pool, whose workers run it (apply.c: resolve an email, compare with the
 * live state, write). A repo cell that is a pattern becomes one job per
 * matching repository (catalog.c lists them). The ring writes finished
 * jobs in input order (result.c); only this thread writes the result.
 *
 * Signals only set a counter; the main thread polls it while it waits
 * (session.c). The first SIGINT/SIGTERM stops new requests (the pool drops
 * queued jobs, the gate wakes every waiter) and lets requests in flight
 * finish; the rest of the input is still read, every row written as
 * 'cancelled'. A second one aborts the requests in flight.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "cancel.h"
#include "carry.h"
#include "catalog.h"
#include "csvin.h"
#include "kind.h"
#include "markdown.h"
#include "progress.h"
#include "prune.h"
#include "result.h"
#include "resume.h"
#include "ring.h"
#include "ringhost.h"
#include "row.h"
#include "session.h"
#include "stale.h"

struct run {
    const struct bb_config *cfg;        /* frozen */
    struct session ses;
    int in_fd;
    int in_regular;
    struct csvin *csv;
    struct colmap map;
    int have_header;
    struct ringhost host;               /* the ring, the result, the progress line, fatal
                                         * (exit 2: message already printed) */
    const char **cellv;                 /* scratch cell pointers (owned) */
    unsigned cellv_cap;
    struct resume resume;               /* --resume-from */

    struct apply_shared apply;          /* what the workers share */
    struct catalog *catalog;            /* NULL until a pattern row comes */
    struct prune *prune;                /* --prune, else NULL */
    struct markdown *md;                /* --markdown, else NULL */
    struct stale *stale;                /* the input is a plan's result: its check */
    struct carry carry;                 /* Data Center branch rules to Cloud */
    const char *carrying;               /* the note of the record being carried, or NULL */
    unsigned long first_bad_line;       /* the first row written failed or invalid, or 0 */
    int prune_rows_seen;                /* a saved plan's first prune row came */
    int stale_stop;                     /* the plan is stale: nothing was sent (exit 1) */
    int check_past_header;
    int reader_waiting;                 /* as last told to people (no lock per row) */

    struct tally tally;                 /* rows written and flushed */
    struct tally unflushed;             /* rows written since the last flush */
    double started;
    int cancel_read_set;                /* a signal came: read up to ... */
    unsigned long long cancel_read_until; /* ... this input offset (a pipe) */
};

/* ---- output (the ring host's hooks) ------------------------------------ */

/* Tell the email batcher whether the reader waits, when that changes. */
static void reader_waiting(struct run *r, int waiting)
{
    if (r->apply.people && r->reader_waiting != waiting) {
        r->reader_waiting = waiting;
        people_reader_waiting(r->apply.people, waiting);
    }
}

static void figures(struct run *r, struct run_figures *f)
{
    unsigned long reads;
    session_figures(&r->ses, &f->requests, &reads, &f->n429, &f->paused);
    f->reads = reads;
    f->elapsed = now_mono() - r->started;
}

/* A flush succeeded: only rows that reached the file count as done. */
static void on_flushed(void *ctx)
{
    struct run *r = ctx;
    tally_merge(&r->tally, &r->unflushed);
}

static void on_write(void *ctx, struct job *core)
{
    struct run *r = ctx;
    struct row_job *j = ROW_JOB(core);
    if (j->role == ROLE_CHECK) {                 /* a plan's row read for its check: not a row */
        stale_row_done(r->stale, j->line, &j->req, &j->res, &j->check);
        return;
    }
    if (j->role == ROLE_TARGET || j->role == ROLE_PRUNED)
        prune_job_done(r->prune, j);
    if (j->role == ROLE_TARGET)
        return;                         /* a target prune read: not a row */
    prune_note(r->prune, &r->map, j);
    if (!r->first_bad_line && (j->res.status == ROW_FAILED || j->res.status == ROW_INVALID))
        r->first_bad_line = j->line;
    if (j->br.carried[0]) {
        size_t at = strlen(j->res.msg);
        msg_printf(j->res.msg + at, sizeof j->res.msg - at, "%s%s", at ? "; " : "",
                   j->br.carried);
    }
    struct report_row rr = {row_job_cells(j), j->kind, &j->req, row_job_own(j), &j->res};
    markdown_row(r->md, &r->map, &rr);
    progress_before_output(&r->host.progress, stderr);
    progress_echo_row(&r->host.progress, stderr, j->line, &j->res);
    struct row_cells cells = row_job_cells(j);
    result_row(&r->host.res, &cells, &j->res);
    tally_add(&r->unflushed, &j->res);
}

static void on_idle(void *ctx)
{
    reader_waiting(ctx, 1);
}

static void draw(void *ctx, int force)
{
    struct run *r = ctx;
    struct run_figures f;
    figures(r, &f);
    progress_tick(&r->host.progress, stderr, &r->tally, &f, now_mono(), force);
}

/* A slot the ring hands out: an input row until its taker says otherwise. */
static void on_clear(void *ctx, struct job *core)
{
    (void)ctx;
    struct row_job *j = ROW_JOB(core);
    j->role = ROLE_ROW;
    memset(&j->check, 0, sizeof j->check);
    memset(&j->res, 0, sizeof j->res);
    j->res.status = ROW_PENDING;
    j->res.prev = -1;
    j->res.change = CH_NONE;
}

static void on_release(struct job *core)
{
    struct row_job *j = ROW_JOB(core);
    buf_free(&j->data);
    buf_free(&j->url);
    walk_perms_free(&j->perms);
    free(j->off);
    free(j->lens);
}

/* ---- records ---------------------------------------------------------- */

/* Copy a record's cells into the job; cell `swap` (or none: -1) is
 * replaced by `with`. */
static void job_fill(struct run *r, struct row_job *j, const struct csvin_record *rec, int swap,
                     const char *with)
{
    j->data.len = 0;
    if (rec->n > j->cap) {
        j->cap = rec->n;
        j->off = xrealloc(j->off, j->cap * sizeof *j->off);
        j->lens = xrealloc(j->lens, j->cap * sizeof *j->lens);
    }
    for (unsigned i = 0; i < rec->n; i++) {
        int swapped = with && (int)i == swap;
        const char *c = swapped ? with : rec->cells[i];
        size_t len = swapped ? strlen(with) : rec->lens[i];
        j->off[i] = j->data.len;
        j->lens[i] = len;
        buf_add(&j->data, c, len);
        buf_addc(&j->data, '\0');
    }
    j->n = rec->n;
    j->line = rec->line;
    j->kind = NULL;
    j->br.carried[0] = '\0';
    if (rec->n > r->cellv_cap) {
        r->cellv_cap = rec->n;
        r->cellv = xrealloc(r->cellv, r->cellv_cap * sizeof *r->cellv);
    }
    for (unsigned i = 0; i < rec->n; i++)
        r->cellv[i] = j->data.data + j->off[i];
}

/* --resume: a row that already succeeded is copied as it is, and so is a
 * prune row --max-prune held (it is never sent). */
static int kept_from_before(struct run *r, struct row_job *j)
{
    int c = r->map.col[COL_STATUS];
    if (!r->cfg->resume || c < 0 || (unsigned)c >= j->n)
        return 0;
    return resume_status_is_ok(r->cellv[c], j->lens[c]) ||
           ascii_ieq(r->cellv[c], j->lens[c], "held");
}

/* A saved plan's prune row: planned, "revoke P: not in the file" (a
 * permission), "delete R on B: not in the file" or "remove group G from R
 * on B: not in the file" (a branch rule). */
static int is_prune_row(const struct run *r, const struct row_job *j)
{
    int sc = r->map.col[COL_STATUS], mc = r->map.col[COL_MESSAGE];
    /* a plan's result */
    if (r->cfg->command != CMD_APPLY || r->cfg->dry_run || sc < 0 || mc < 0 ||
        (unsigned)sc >= j->n || (unsigned)mc >= j->n)
        return 0;
    const char *m = r->cellv[mc];
    static const char *const verbs[] = {"revoke ", "delete ", "remove "};
    int verb = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        verb |= strncmp(m, verbs[i], strlen(verbs[i])) == 0;
    return ascii_ieq(r->cellv[sc], j->lens[sc], "planned") && verb &&
           strstr(m, ": not in the file") != NULL;
}

/* A saved plan's prune rows come after the file's rows, as they do in
 * apply --prune, and go out only when every row before them succeeded: a
 * row that failed (a typo that Bitbucket answered 404, a subject plan could
 * not check) may be what a revocation would take away. Returns 1 when the
 * row is settled as not sent. */
static int prune_row_held_back(struct run *r, struct row_job *j)
{
    if (!is_prune_row(r, j))
        return 0;
    if (!r->prune_rows_seen) {
        r->prune_rows_seen = 1;
        ring_drain(&r->host.ring, j->core.seq);   /* every row before it is written */
    }
    if (!r->first_bad_line)
        return 0;
    j->res.status = ROW_CANCELLED;
    msg_printf(j->res.msg, sizeof j->res.msg,
               "not sent: line %lu of the plan did not succeed, and a plan's revocations go "
               "out only after all of its rows did; fix it, re-plan and apply",
               r->first_bad_line);
    return 1;
}

/* A valid row: settle it (--dry-run, cancelled) or hand it to the pool. */
static void settle_or_submit(struct run *r, struct row_job *j)
{
    const struct kind_ops *kind = j->kind;
    if (r->cfg->resume_from && resume_done(&r->resume, &r->map, r->cellv, j->lens, j->n)) {
        j->res.status = ROW_DONE_BEFORE;
        msg_printf(j->res.msg, sizeof j->res.msg, "ok in the earlier run; not sent again");
    } else if (r->ses.cancel_level > 0) {
        apply_cancel_row(&r->apply, j);
    } else if (prune_row_held_back(r, j)) {
        ;
    } else if (r->cfg->dry_run) {
        kind->dry_run(r->ses.api, r->ses.base.data, j);
    } else {
        kind->submitted(&r->apply, j);
        j->core.key.len = 0;
        kind->order_key(&j->core.key, r->ses.api, j);
        ring_submit(&r->host.ring, &j->core);
        return;
    }
    ring_settle(&r->host.ring, &j->core);
}

/* The row's kind, and its validation by it. */
static int validate(struct run *r, struct row_job *j)
{
    char why[580];
    j->kind = kind_of(&r->map, r->cellv, j->lens, j->n);
    if (j->kind->validate(&r->map, r->cellv, j->lens, j->n, j, why, sizeof why) == 0) {
        if (r->carrying)
            msg_printf(j->br.carried, sizeof j->br.carried, "%s", r->carrying);
        return 0;
    }
    j->res.status = ROW_INVALID;
    msg_printf(j->res.msg, sizeof j->res.msg, "line %lu: %s", j->line, why);
    return -1;
}

/* A repo cell that is a pattern: one job per matching repository, sorted by
 * slug, each a copy of the record with the slug in the repo cell. */
static void expand_pattern(struct run *r, struct row_job *j, const struct csvin_record *rec)
{
    const struct request *req = &j->req;
    char ws[1100], project[1100], pattern[1100];
    snprintf(ws, sizeof ws, "%.*s", (int)req->workspace_len, req->workspace);
    const char *pat = req->target_name;
    size_t patlen = req->target_len;
    const char *slash = memchr(pat, '/', patlen);
    const char *proj = NULL;
    if (slash) {            /* KEY/PATTERN: repositories of project KEY */
        snprintf(project, sizeof project, "%.*s", (int)(slash - pat), pat);
        patlen -= (size_t)(slash + 1 - pat);
        pat = slash + 1;
        proj = project;
    } else if (!r->ses.api->has_workspaces) {  /* the row format: the project cell scopes it */
        snprintf(project, sizeof project, "%.*s", (int)req->project_len, req->project);
        proj = project;
    }
    snprintf(pattern, sizeof pattern, "%.*s", (int)patlen, pat);
    if (r->cfg->dry_run) {
        j->res.status = ROW_PLANNED;
        msg_printf(j->res.msg, sizeof j->res.msg, "pattern not expanded in --dry-run");
        ring_settle(&r->host.ring, &j->core);
        return;
    }
    if (!r->catalog)
        r->catalog = catalog_new(r->ses.api, r->ses.base.data);
    char *const *slugs;
    size_t n;
    struct pager_error err;
    if (catalog_repos(r->catalog, ws, proj, session_fetch(&r->ses), &slugs, &n, &err) != 0) {
        j->res.status = err.cancelled ? ROW_CANCELLED : ROW_FAILED;
        j->res.http_status = err.status > 0 ? err.status : 0;
        j->res.unresolved = 1;
        /* named as the row spells its scope */
        msg_printf(j->res.msg, sizeof j->res.msg, "cannot list the repositories of %.100s%s%.100s: %.350s",
                 proj && r->ses.api->has_workspaces ? ws : "", proj && r->ses.api->has_workspaces ? "/" : "",
                 proj ? proj : ws, err.msg);
        ring_settle(&r->host.ring, &j->core);
        return;
    }
    size_t matched = 0;
    int col = r->map.col[COL_REPO];
    for (size_t i = 0; i < n && !r->host.fatal; i++) {
        if (!catalog_match(pattern, slugs[i]))
            continue;
        if (matched++) {
            j = ROW_JOB(ring_take(&r->host.ring));
            if (!j)
                return;
            if (r->host.progress.total >= 0)
                r->host.progress.total++;
        }
        job_fill(r, j, rec, col, slugs[i]);
        if (validate(r, j) == 0)
            settle_or_submit(r, j);
        else
            ring_settle(&r->host.ring, &j->core);
    }
    if (!matched) {
        j->res.status = ROW_FAILED;
        msg_printf(j->res.msg, sizeof j->res.msg, "no repository matches '%.200s' in %s%.200s", pattern,
                 proj ? "project " : "workspace ", proj ? proj : ws);
        ring_settle(&r->host.ring, &j->core);
    }
}

/* A Data Center branch row on a Cloud run (carry.h): one job per Cloud
 * record it becomes (read-only: push and restrict_merges), each then run
 * as any row is (a project row's pattern expanded); its note goes with each. */
static void carry_row(struct run *r, struct row_job *j, const struct csvin_record *rec)
{
    char why[580];
    int n = carry_record(&r->carry, rec, why, sizeof why);
    if (n < 0) {
        j->res.status = ROW_INVALID;
        msg_printf(j->res.msg, sizeof j->res.msg, "line %lu: %s", rec->line, why);
        ring_settle(&r->host.ring, &j->core);
        return;
    }
    r->carrying = r->carry.note[0] ? r->carry.note : NULL;
    for (int i = 0; i < n && !r->host.fatal; i++) {
        const struct csvin_record *c = &r->carry.rec[i];
        if (i) {
            j = ROW_JOB(ring_take(&r->host.ring));
            if (!j)
                break;
            if (r->host.progress.total >= 0)
                r->host.progress.total++;
        }
        job_fill(r, j, c, -1, NULL);
        if (validate(r, j) != 0)
            ring_settle(&r->host.ring, &j->core);
        else if (j->req.target_is_pattern && r->ses.cancel_level == 0)
            expand_pattern(r, j, c);
        else
            settle_or_submit(r, j);
    }
    r->carrying = NULL;
}

/* ---- a plan's check (stale.c) -------------------------------------- */

/* The input reopened from its start, for a second read of its own. */
static int reopen_input(const struct run *r)
{
    char path[64];
    const char *p = r->cfg->input;
    if (!strcmp(p, "-")) {
        int n = snprintf(path, sizeof path, "/proc/self/fd/%d", r->in_fd);
        if (n < 0 || (size_t)n >= sizeof path)
            return -1;
        p = path;
    }
    return open(p, O_RDONLY);
}

/* Which input is a plan's result, decided before the workers start (the
 * run then reads the live state as --diff does). Only apply checks one. */
static int scan_for_plan(struct run *r)
{
    if (r->cfg->command != CMD_APPLY || r->cfg->dry_run || !r->in_regular)
        return 0;
    int fd = reopen_input(r);
    if (fd < 0)
        return 0;               /* not a plan we can check: the header decides below */
    int rc = stale_scan(fd, r->cfg);
    close(fd);
    if (rc > 0)
        r->stale = stale_new();
    return 0;
}

static int check_record(void *ctx, const struct csvin_record *rec)
{
    struct run *r = ctx;
    ringhost_poll(&r->host);
    reader_waiting(r, 0);
    if (!r->check_past_header) {
        r->check_past_header = 1;   /* the header: the run read it already */
        return 0;
    }
    if (rec->problem || row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    /* rows of a kind whose plan is not checked are compared when they run */
    const struct kind_ops *kind = kind_of(&r->map, rec->cells, rec->lens, rec->n);
    if (!kind->plan_row)
        return 0;
    struct stale_check chk;
    enum stale_row sr = (enum stale_row)kind->plan_row(&r->map, rec->cells, rec->lens, rec->n,
                                                       &chk);
    if (sr != STALE_PLANNED && sr != STALE_SAW && sr != STALE_BLIND)
        return 0;
    struct row_job *j = ROW_JOB(ring_take(&r->host.ring));
    if (!j)
        return 1;
    job_fill(r, j, rec, -1, NULL);
    j->role = ROLE_CHECK;
    j->check = chk;
    if (validate(r, j) != 0 || r->ses.cancel_level > 0 || j->check.blind) {
        j->res.status = j->check.blind ? ROW_FAILED : ROW_CANCELLED;
        ring_settle(&r->host.ring, &j->core);
        return r->host.fatal;
    }
    j->kind->submitted(&r->apply, j);
    j->core.key.len = 0;
    j->kind->order_key(&j->core.key, r->ses.api, j);
    ring_submit(&r->host.ring, &j->core);
    return r->host.fatal;
}

static int check_before_read(void *ctx)
{
    struct run *r = ctx;
    ringhost_poll(&r->host);
    return r->host.fatal || r->ses.cancel_level > 0;
}

/* Before the first row of a plan's result: compare every row that saw the
 * live state with it. Nonzero: stop (the plan is stale, or the run failed). */
static int check_plan(struct run *r)
{
    int fd = reopen_input(r);
    struct csvin *in = fd >= 0 ? csvin_open(fd, r->host.res.delim) : NULL;
    int rc = in ? csvin_run(in, check_record, r, check_before_read) : -1;
    csvin_close(in);
    if (fd >= 0)
        close(fd);
    reader_waiting(r, 1);
    ring_drain(&r->host.ring, r->host.ring.next_seq);
    if (r->host.fatal || r->ses.cancel_level > 0)
        return r->host.fatal;    /* interrupted: the rows are written 'cancelled' */
    if (rc < 0) {
        fprintf(stderr, "bbperm: cannot read input '%s' again to check the plan: %s; nothing "
                        "was sent\n", r->cfg->input, strerror(errno));
        r->stale_stop = 1;
        return 1;
    }
    struct buf note = {0};
    if (stale_report(r->stale, stderr, r->cfg->input, &note)) {
        markdown_note(r->md, note.data);
        r->stale_stop = 1;
    }
    buf_free(&note);
    return r->stale_stop;
}

/* The header is read and written: flush it (a dead output sends nothing),
 * then the check before the first row (session_check). Nonzero: stop. */
static int first_request_checks(struct run *r)
{
    ringhost_flush(&r->host);
    if (r->host.fatal)
        return 1;
    int rc = session_check(&r->ses);
    if (rc == -1)
        r->host.fatal = 1;
    return rc != 0;
}

static int undo_unwritable(struct run *r)
{
    fprintf(stderr, "bbperm: cannot write --undo-file '%s': %s\n", r->cfg->undo_file,
            strerror(errno));
    r->host.fatal = 1;
    return 1;
}

static int start_header(struct run *r, const struct csvin_record *rec)
{
    char err[1024];
    r->host.res.delim = csvin_delimiter(r->csv);
    r->host.res.eol = csvin_crlf(r->csv) ? "\r\n" : "\n";
    r->host.res.bom = csvin_bom(r->csv);
    r->host.res.sep = '\0';
    if (csvin_sep(r->csv))
        r->host.res.sep = r->host.res.delim;
    r->host.res.map = &r->map;
    if (r->cfg->no_header) {
        colmap_positional(&r->map, rec->n > 4 ? rec->n : 4, r->cfg);
        if (undo_start(r->apply.undo, 0) != 0)
            return undo_unwritable(r);
        result_header(&r->host.res, NULL, NULL, 0);
        result_fill_roles(&r->host.res, NULL, NULL, 0, r->cfg);
        carry_start(&r->carry, &r->map, NULL, NULL, 0, r->cfg);
        r->have_header = 1;
        return first_request_checks(r);
    }
    if (colmap_build(&r->map, rec->cells, rec->lens, rec->n, r->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "bbperm: %s\n", err);
        r->host.fatal = 1;
        return 1;
    }
    if (r->cfg->resume && r->map.col[COL_STATUS] < 0) {
        fprintf(stderr, "bbperm: --resume: the input has no 'status' column; "
                        "give it the result CSV of an earlier run\n");
        r->host.fatal = 1;
        return 1;
    }
    /* the row format: a workspace column where rows name workspaces */
    if (r->cfg->prune && (r->map.col[COL_PROJECT] < 0 || r->map.col[COL_GROUP] < 0 ||
                          r->map.col[COL_USER] < 0 ||
                          (r->ses.api->has_workspaces && r->map.col[COL_WORKSPACE] < 0))) {
        fprintf(stderr, "bbperm: --prune writes its rows in the file's columns, so the header "
                        "needs %sproject, group and user columns (as export writes them)\n",
                r->ses.api->has_workspaces ? "workspace, " : "");
        r->host.fatal = 1;
        return 1;
    }
    if (!r->stale && !r->in_regular && r->cfg->command == CMD_APPLY && !r->cfg->dry_run &&
        r->map.col[COL_STATUS] >= 0 && r->map.col[COL_PREVIOUS] >= 0) {
        fprintf(stderr, "bbperm: the input is a result CSV (it has 'status' and 'previous' "
                        "columns) read from a pipe: a plan is compared with the live state before "
                        "the first write, which needs the whole file; give it as a file\n");
        r->host.fatal = 1;
        return 1;
    }
    if (undo_start(r->apply.undo, kind_header_has_others(&r->map)) != 0)
        return undo_unwritable(r);
    markdown_header(r->md, rec->cells, rec->lens, rec->n);
    result_header(&r->host.res, rec->cells, rec->lens, rec->n);
    result_fill_roles(&r->host.res, rec->cells, rec->lens, rec->n, r->cfg);
    carry_start(&r->carry, &r->map, rec->cells, rec->lens, rec->n, r->cfg);
    r->have_header = 1;
    if (first_request_checks(r))
        return 1;
    return r->stale ? check_plan(r) : 0;
}

static int on_record(void *ctx, const struct csvin_record *rec)
{
    struct run *r = ctx;
    ringhost_poll(&r->host);
    reader_waiting(r, 0);
    if (!r->have_header && !r->cfg->no_header && rec->problem) {
        /* a header that cannot be read names no column for sure */
        fprintf(stderr, "bbperm: the header of '%s' cannot be read: line %lu: %s\n",
                r->cfg->input, rec->line, rec->problem);
        r->host.fatal = 1;
        return 1;
    }
    if (!r->have_header) {
        if (start_header(r, rec))
            return 1;
        if (!r->cfg->no_header)
            return 0;
    }
    if (!rec->problem && row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    struct row_job *j = ROW_JOB(ring_take(&r->host.ring));
    if (!j)
        return 1;
    job_fill(r, j, rec, -1, NULL);

    if (rec->problem) {
        j->res.status = ROW_INVALID;
        msg_printf(j->res.msg, sizeof j->res.msg, "line %lu: %s", rec->line, rec->problem);
    } else if (kept_from_before(r, j)) {
        j->res.status = ROW_KEPT;
    } else if (carry_claims(&r->carry, rec)) {
        carry_row(r, j, rec);
        return r->host.fatal;
    } else if (validate(r, j) == 0) {
        if (j->req.target_is_pattern && r->ses.cancel_level == 0)
            expand_pattern(r, j, rec);
        else
            settle_or_submit(r, j);
        return r->host.fatal;
    }
    ring_settle(&r->host.ring, &j->core);
    return r->host.fatal;
}

/* A line of plan --prune's subject checks: stderr, and above the report's
 * tables. */
static void subjects_said(void *ctx, const char *line)
{
    struct run *r = ctx;
    fprintf(stderr, "bbperm: %s\n", line);
    markdown_note(r->md, line);
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

/* The files a run names, before any is opened for writing: the undo file
 * is none of the others, and a --resume input is a finished result. */
static int check_files(const struct bb_config *cfg)
{
    if (cfg->resume && result_is_partial_name(cfg->input)) {
        fprintf(stderr, "bbperm: --resume: '%s' is the result of a run that did not finish, "
                        "so rows may be missing from it; finish the run with "
                        "'bbperm --resume-from %s INPUT'\n", cfg->input, cfg->input);
        return -1;
    }
    if (!cfg->undo_file)
        return 0;
    const char *what = NULL, *other = NULL;
    char *partial = NULL;
    if (strcmp(cfg->output, "-") != 0)
        partial = result_partial_name(cfg->output);
    if (strcmp(cfg->output, "-") != 0 && (path_same_file(cfg->undo_file, cfg->output) ||
                                     path_same_file(cfg->undo_file, partial)))
        what = "the output", other = cfg->output;
    else if (strcmp(cfg->input, "-") != 0 && path_same_file(cfg->undo_file, cfg->input))
        what = "the input", other = cfg->input;
    else if (cfg->resume_from && path_same_file(cfg->undo_file, cfg->resume_from))
        what = "--resume-from", other = cfg->resume_from;
    free(partial);
    if (what) {
        fprintf(stderr, "bbperm: --undo-file '%s' is %s ('%s'); give each its own file\n",
                cfg->undo_file, what, other);
        return -1;
    }
    return 0;
}

/* The workers' shared state and the pool. */
static int start_workers(struct run *r)
{
    const struct bb_config *cfg = r->cfg;
    struct apply_shared *a = &r->apply;
    a->ex = &r->ses.ex;
    a->api = r->ses.api;
    a->base = r->ses.base.data;
    a->plan = cfg->command == CMD_PLAN;
    a->cfg = cfg;
    if (cfg->diff || r->stale)      /* a plan's result is compared with the live state */
        a->live = live_new(a->api, a->base, LIVE_TARGETS);
    if (a->live && a->plan)
        live_simulate(a->live);
    if (a->api->resolves_emails)
        a->people = people_new(a->api, a->base);
    if (cfg->undo_file && !(a->undo = undo_open(cfg->undo_file, stderr)))
        return -1;
    if (cfg->prune) {
        r->prune = prune_new(cfg, &r->ses, a->live);
        prune_report_to(r->prune, r->md);
        if (a->plan) {
            a->subjects = subjects_new(a->api, a->base);
            a->prune = r->prune;
        }
        a->read_target = prune_read_target;
        a->read_ctx = r->prune;
    }
    kind_states_new(a);
    prune_use_states(r->prune, a->kstate);
    struct pool_ops ops = {
        .worker_init = apply_worker_init,
        .worker_fini = apply_worker_fini,
        .run = apply_run,
        .cancelled = apply_cancelled,
        .arg = a,
    };
    if (session_start_pool(&r->ses, &ops) != 0)
        return -1;
    r->host.ring.pool = r->ses.pool;
    return 0;
}

static void free_run(struct run *r)
{
    session_free(&r->ses);          /* joins the workers first */
    kind_states_free(&r->apply);
    live_free(r->apply.live);
    people_free(r->apply.people);
    subjects_free(r->apply.subjects);
    if (undo_close(r->apply.undo) != 0) {
        fprintf(stderr, "bbperm: the --undo-file '%s' could not be written completely\n",
                r->cfg->undo_file);
        r->host.fatal = 1;
    }
    r->apply.undo = NULL;
    /* a stale plan sent nothing: its undo file (this run made it) holds a
     * header only, and would keep the re-planned run from starting */
    if (r->stale_stop && r->cfg->undo_file)
        unlink(r->cfg->undo_file);
    catalog_free(r->catalog);
    carry_free(&r->carry);
    ringhost_free(&r->host);
    prune_free(r->prune);
    stale_free(r->stale);
    markdown_free(r->md);
    free(r->cellv);
    resume_free(&r->resume);
    csvin_close(r->csv);
    if (r->in_fd > 0)
        close(r->in_fd);
}

/* After the first signal, rows still to come from a pipe or a terminal are
 * read only as far as they were there at that moment: a producer that
 * never ends (or a terminal nobody types into) must not keep the run from
 * stopping. Returns 1 when the next read may go on: it does not wait, and
 * ends before what came after the signal (a read may pass that by less
 * than one chunk). A regular file is read to its end elsewhere. */
static int read_on_after_cancel(struct run *r)
{
    struct pollfd pfd = {.fd = r->in_fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
        return 0;               /* nothing there: a read would wait */
    int avail = 0;
    if (ioctl(r->in_fd, FIONREAD, &avail) != 0)
        return 0;
    if (avail <= 0)
        return 1;               /* readable with no bytes: the end (or an error) */
    if (!r->cancel_read_set) {
        r->cancel_read_set = 1;
        r->cancel_read_until = csvin_bytes_read(r->csv) + (unsigned long long)avail;
    }
    return csvin_bytes_read(r->csv) < r->cancel_read_until;
}

/* 1 when the input has something to read (or its end, or poll fails: the
 * read then says why) within ms; 0 when the time passed or a signal came
 * first (cancel_fd). */
static int input_ready(struct run *r, int ms)
{
    struct pollfd pfd[2] = {{.fd = r->in_fd, .events = POLLIN}, {.fd = cancel_fd(), .events = POLLIN}};
    int n = poll(pfd, 2, ms);
    if (n < 0)
        return errno != EINTR;
    return n > 0 && pfd[0].revents;
}

/* Runs before every read of the input; returns 1 to stop reading. A read
 * comes only after poll said the input has something (or its end), so the
 * main thread never blocks in read(2): a pipe or a terminal may keep us
 * waiting for a long time, and meanwhile finished rows are still written
 * and a signal wakes the wait at once. The input's file status flags are
 * never changed: its descriptor may be shared with other programs (the
 * shell's terminal, a pipe), and O_NONBLOCK would stay after we exit. */
static int before_read(void *ctx)
{
    struct run *r = ctx;
    ringhost_poll(&r->host);
    if (r->in_regular)
        return r->host.fatal;
    for (;;) {
        if (r->host.fatal)
            return 1;
        if (r->ses.cancel_level > 0)
            return !read_on_after_cancel(r);
        ring_drain(&r->host.ring, 0);
        if (input_ready(r, 0))
            return 0;
        /* nothing to read yet: the workers need not wait for more rows */
        ringhost_idle(&r->host);
        if (input_ready(r, 100))
            return 0;
        ringhost_poll(&r->host);
    }
}


int run_main(const struct bb_config *cfg)
{
    struct run run;
    struct run *r = &run;
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->in_fd = -1;
    r->started = now_mono();
    struct ringhost_hooks hooks = {on_write, draw, on_idle, on_flushed, on_clear, on_release, r};
    ringhost_init(&r->host, &r->ses, &hooks, sizeof(struct row_job));

    int setup_failed = check_files(cfg) != 0 ||
                       session_init(&r->ses, cfg, !cfg->dry_run) != 0 ||
                       open_input(r, cfg->input) ||
                       (cfg->resume_from && (resume_load(&r->resume, cfg->resume_from, cfg) != 0 ||
                                             (r->in_regular &&
                                              resume_check_input(&r->resume, cfg->input, cfg) != 0))) ||
                       result_open(&r->host.res, cfg->output, r->in_fd, cfg->resume_from) != 0 ||
                       (cfg->markdown && !(r->md = markdown_open(cfg->markdown))) ||
                       scan_for_plan(r) != 0 ||
                       (!cfg->dry_run && start_workers(r) != 0);
    if (!setup_failed) {
        r->csv = csvin_open(r->in_fd, cfg->delimiter);
        if (!r->csv) {
            fprintf(stderr, "bbperm: cannot set up the CSV reader\n");
            setup_failed = 1;
        }
    }
    if (setup_failed) {
        if (r->host.res.out)
            result_close(&r->host.res, 0);
        free_run(r);
        return r->ses.cancel_level > 0 ? 130 : 2;
    }

    int tty = isatty(STDERR_FILENO);
    if (r->in_fd == STDIN_FILENO && isatty(STDIN_FILENO) && !cfg->quiet)
        fprintf(stderr, "bbperm: reading the CSV from the terminal (end it with Ctrl-D; "
                        "give a file name to read a file)\n");
    int show = !cfg->quiet && cfg->progress != PROGRESS_OFF &&
               (cfg->progress == PROGRESS_ON || tty || !cfg->dry_run);
    long total = -1;
    if (show && r->in_regular)
        total = progress_count_rows(cfg->input, !cfg->no_header);
    /* -v writes lines of its own: a line redrawn in place would garble them */
    progress_init(&r->host.progress, show, tty && !cfg->verbose, total, r->started);
    r->host.progress.shares_output = !strcmp(cfg->output, "-") && progress_same_terminal(STDOUT_FILENO, STDERR_FILENO);
    progress_echo_to(&r->host.progress, cfg->quiet ? NULL : cfg->output);

    int read_rc = csvin_run(r->csv, on_record, r, before_read);
    int read_errno = errno;
    if (read_rc < 0 && !r->host.fatal) {
        fprintf(stderr, "bbperm: cannot read input '%s': %s\n", cfg->input, strerror(read_errno));
        session_cancel(&r->ses, 0);
        r->host.fatal = 1;
    }
    if (!r->have_header && !r->host.fatal && read_rc >= 0 && r->ses.cancel_level == 0) {
        fprintf(stderr, "bbperm: the input '%s' is empty: it needs a header line\n", cfg->input);
        r->host.fatal = 1;
    }
    if (r->host.fatal)
        session_cancel(&r->ses, 0);     /* output or input failed: nothing new starts */
    reader_waiting(r, 1);
    if (!r->host.fatal || read_rc < 0)
        ring_drain(&r->host.ring, r->host.ring.next_seq);
    /* the file's own rows are all done: now what it does not name */
    if (r->apply.subjects) {
        progress_clear(&r->host.progress, stderr);
        subjects_report(r->apply.subjects, subjects_said, r);
    }
    if (r->prune && !r->host.fatal && !r->stale_stop && r->have_header && read_rc >= 0) {
        prune_run(r->prune, &r->host.ring, &r->map, r->catalog);
        ring_drain(&r->host.ring, r->host.ring.next_seq);
    }
    ringhost_flush(&r->host);

    struct run_figures f;
    figures(r, &f);
    progress_clear(&r->host.progress, stderr);
    progress_echo_end(&r->host.progress, stderr);
    if (r->host.res.failed && r->have_header)
        fprintf(stderr, "bbperm: stopped: the result cannot be written; %llu of the %llu rows "
                        "read are not in it (those not sent yet were dropped)\n",
                (unsigned long long)(r->host.ring.next_seq - r->tally.rows),
                (unsigned long long)r->host.ring.next_seq);
    /* no summary when the run stopped before its first row */
    if (!cfg->quiet && r->have_header && !r->stale_stop && (r->host.ring.next_seq > 0 || !r->host.fatal)) {
        if (cfg->command == CMD_PLAN)
            progress_plan_summary(stderr, &r->tally, &f);
        else
            progress_summary(stderr, &r->tally, &f);
    }
    /* the result gets its name when it holds a line for every input row */
    if ((r->stale_stop ? result_discard(&r->host.res) : result_close(&r->host.res, !r->host.fatal)) != 0)
        r->host.fatal = 1;
    if (r->md && r->have_header && markdown_close(r->md, &r->tally, cfg->command == CMD_PLAN) != 0)
        r->host.fatal = 1;
    if (r->have_header)
        r->md = NULL;               /* closed */
    int failed = r->tally.failed || r->tally.invalid || r->tally.held || prune_failed(r->prune) ||
                 r->stale_stop;
    int code = session_exit_code(&r->ses, r->host.fatal, failed, r->tally.planned != 0);
    free_run(r);
    return r->host.fatal ? 2 : code;
}
