#include "progress.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void tally_add(struct tally *t, const struct row_result *r)
{
    t->rows++;
    switch (r->status) {
    case ROW_OK:
        t->ok++;
        if (r->change == CH_UNCHANGED)
            t->unchanged++;
        else if (r->change == CH_GRANT)
            t->granted++;
        else if (r->change == CH_CHANGE)
            t->changed++;
        else if (r->change == CH_REVOKE)
            t->revoked++;
        break;
    case ROW_HELD: t->held++; break;
    case ROW_KEPT:
    case ROW_DONE_BEFORE: t->ok++; t->kept++; break;
    case ROW_PLANNED:
        t->planned++;
        if (r->change == CH_GRANT)
            t->grant++;
        else if (r->change == CH_CHANGE)
            t->change++;
        else if (r->change == CH_REVOKE)
            t->revoke++;
        break;
    case ROW_INVALID: t->invalid++; break;
    case ROW_CANCELLED: t->cancelled++; break;
    case ROW_FAILED:
        t->failed++;
        if (r->http_status > 0 && r->http_status < 600)
            t->by_status[r->http_status]++;
        else
            t->no_answer++;
        break;
    case ROW_PENDING: break;
    }
}

void tally_merge(struct tally *into, struct tally *from)
{
    into->rows += from->rows;
    into->ok += from->ok;
    into->kept += from->kept;
    into->failed += from->failed;
    into->invalid += from->invalid;
    into->planned += from->planned;
    into->cancelled += from->cancelled;
    into->unchanged += from->unchanged;
    into->grant += from->grant;
    into->change += from->change;
    into->revoke += from->revoke;
    into->granted += from->granted;
    into->changed += from->changed;
    into->revoked += from->revoked;
    into->held += from->held;
    into->no_answer += from->no_answer;
    for (int s = 0; s < 600; s++)
        into->by_status[s] += from->by_status[s];
    memset(from, 0, sizeof *from);
}

void tally_failures(const struct tally *t, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (int s = 0; s < 600 && n < outsz; s++) {
        if (t->by_status[s])
            n += (size_t)snprintf(out + n, outsz - n, "%s%d x%lu", n ? ", " : "", s, t->by_status[s]);
    }
    if (t->no_answer && n < outsz)
        snprintf(out + n, outsz - n, "%sno HTTP status x%lu", n ? ", " : "", t->no_answer);
}

const char *progress_plural(unsigned long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

void progress_fmt_rate(char *out, size_t n, double count, double secs, const char *one,
                       const char *many)
{
    out[0] = '\0';
    if (!(count > 0) || !(secs > 0))
        return;
    /* the largest unit that still gives two significant digits */
    double per_s = count / secs, v;
    const char *unit;
    if (per_s >= 10) {
        v = per_s;
        unit = "s";
    } else if (per_s * 60 >= 10) {
        v = per_s * 60;
        unit = "min";
    } else {
        v = per_s * 3600;
        unit = "h";
    }
    if (v < 0.5)
        return;                 /* slower than one an hour: no figure says anything */
    int w = snprintf(out, n, "%.0f %s/%s", v, v < 1.5 ? one : many, unit);
    if (w < 0 || (size_t)w >= n)
        out[0] = '\0';
}

static void print_figures(FILE *err, const struct tally *t, const struct run_figures *f)
{
    char rate[48];
    fprintf(err, "; %lu %s", f->requests, progress_plural(f->requests, "request", "requests"));
    if (f->reads)
        fprintf(err, " (%lu %s)", f->reads, progress_plural(f->reads, "read", "reads"));
    fprintf(err, ", %lu x 429, %.1f s paused; %.2f s", f->n429, f->paused, f->elapsed);
    progress_fmt_rate(rate, sizeof rate, (double)t->rows, f->elapsed, "row", "rows");
    if (rate[0])
        fprintf(err, ", %s", rate);
    fputc('\n', err);
}

void progress_summary(FILE *err, const struct tally *t, const struct run_figures *f)
{
    char fails[256] = "";
    tally_failures(t, fails, sizeof fails);
    fprintf(err, "bbperm: %lu %s: %lu ok", t->rows, progress_plural(t->rows, "row", "rows"), t->ok);
    if (t->kept && t->unchanged)
        fprintf(err, " (%lu kept from the earlier run, %lu unchanged)", t->kept, t->unchanged);
    else if (t->kept)
        fprintf(err, " (%lu kept from the earlier run)", t->kept);
    else if (t->unchanged)
        fprintf(err, " (%lu unchanged)", t->unchanged);
    if (t->planned)
        fprintf(err, ", %lu planned", t->planned);
    fprintf(err, ", %lu failed", t->failed);
    if (fails[0])
        fprintf(err, " (%s)", fails);
    fprintf(err, ", %lu invalid", t->invalid);
    if (t->held)
        fprintf(err, ", %lu held", t->held);
    if (t->cancelled)
        fprintf(err, ", %lu cancelled", t->cancelled);
    print_figures(err, t, f);
}

void progress_plan_summary(FILE *err, const struct tally *t, const struct run_figures *f)
{
    char fails[256] = "";
    tally_failures(t, fails, sizeof fails);
    fprintf(err, "bbperm: plan: %lu to grant, %lu to change, %lu to revoke, %lu unchanged, "
                 "%lu failed", t->grant, t->change, t->revoke, t->unchanged, t->failed);
    if (fails[0])
        fprintf(err, " (%s)", fails);
    fprintf(err, ", %lu invalid", t->invalid);
    if (t->held)
        fprintf(err, ", %lu held", t->held);
    if (t->kept)
        fprintf(err, ", %lu ok before", t->kept);
    if (t->cancelled)
        fprintf(err, ", %lu cancelled", t->cancelled);
    print_figures(err, t, f);
}

void progress_init(struct progress *p, int enabled, int tty, long total, double now)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled;
    p->tty = tty;
    p->total = total;
    p->started = p->last_draw = p->last_rate_at = now;
}

static void fmt_eta(char *out, size_t n, double secs)
{
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(out, n, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
        snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, n, "%lds", s);
}

int progress_due(struct progress *p, double now, int force)
{
    if (!p->enabled)
        return 0;
    double every = p->tty ? 0.25 : 10.0;
    if (!force && now - p->last_draw < every)
        return 0;
    p->last_draw = now;
    return 1;
}

void progress_line(struct progress *p, FILE *err, const char *text)
{
    /* on a terminal the line is redrawn in place; else one line each time */
    fprintf(err, "%sbbperm: %s%s", p->tty ? "\r" : "", text, p->tty ? "\033[K" : "\n");
    fflush(err);
    p->drawn = p->tty;
}

void progress_tick(struct progress *p, FILE *err, const struct tally *t,
                   const struct run_figures *f, double now, int force)
{
    if (!progress_due(p, now, force))
        return;
    if (now - p->last_rate_at >= 1.0 || p->rate == 0) {
        double dt = now - p->last_rate_at;
        if (dt > 0)
            p->rate = (double)(t->rows - p->last_rows) / dt;
        p->last_rows = t->rows;
        p->last_rate_at = now;
    }
    char done[64], eta[32] = "?";
    if (p->total >= 0) {
        snprintf(done, sizeof done, "%lu/%ld", t->rows, p->total);
        double overall = (double)t->rows / (now - p->started > 0 ? now - p->started : 1);
        double r = p->rate > 0 ? p->rate : overall;
        if (r > 0 && p->total >= (long)t->rows)
            fmt_eta(eta, sizeof eta, (double)(p->total - (long)t->rows) / r);
    } else {
        snprintf(done, sizeof done, "%lu", t->rows);
    }
    char planned[40] = "", rate[48] = "", rates[56] = "";
    if (t->planned)
        snprintf(planned, sizeof planned, ", %lu planned", t->planned);
    progress_fmt_rate(rate, sizeof rate, p->rate, 1.0, "req", "req");
    if (rate[0])
        snprintf(rates, sizeof rates, ", %s", rate);
    char line[400];
    msg_printf(line, sizeof line, "%s %s, %lu ok%s, %lu failed, %lu invalid%s, %lu x 429, "
               "%.0f s paused, ETA %s", done,
               p->total == 1 || (p->total < 0 && t->rows == 1) ? "row" : "rows", t->ok, planned,
               t->failed, t->invalid, rates, f->n429, f->paused, eta);
    progress_line(p, err, line);
}

void progress_echo_to(struct progress *p, const char *file)
{
    p->echo_file = file && strcmp(file, "-") != 0 ? file : NULL;
    p->echoed = p->not_echoed = 0;
}

void progress_echo_row(struct progress *p, FILE *err, unsigned long line,
                       const struct row_result *r)
{
    if (!p->echo_file || (r->status != ROW_FAILED && r->status != ROW_INVALID))
        return;
    if (p->echoed == PROGRESS_ECHO_MAX) {
        p->not_echoed++;
        return;
    }
    p->echoed++;
    char msg[240];
    size_t n = 0;
    for (const char *c = r->msg; *c && n + 1 < sizeof msg; c++)
        msg[n++] = (unsigned char)*c < 0x20 ? ' ' : *c;  /* NOLINT(bugprone-narrowing-conversions) */
    msg[n] = '\0';
    progress_clear(p, err);
    if (r->status == ROW_INVALID)
        fprintf(err, "bbperm: invalid: %s\n", msg);    /* the message names the line */
    else if (r->http_status > 0)
        fprintf(err, "bbperm: failed: line %lu: %ld %s\n", line, r->http_status, msg);
    else
        fprintf(err, "bbperm: failed: line %lu: %s\n", line, msg);
}

void progress_echo_end(struct progress *p, FILE *err)
{
    if (p->echo_file && p->not_echoed)
        fprintf(err, "bbperm: ... and %lu more in %s\n", p->not_echoed, p->echo_file);
}

int progress_same_terminal(int fd1, int fd2)
{
    struct stat a, b;
    return isatty(fd1) && isatty(fd2) && fstat(fd1, &a) == 0 && fstat(fd2, &b) == 0 &&
           a.st_rdev == b.st_rdev;
}

void progress_before_output(struct progress *p, FILE *err)
{
    if (p->shares_output)
        progress_clear(p, err);
}

void progress_clear(struct progress *p, FILE *err)
{
    if (p->drawn) {
        fputs("\r\033[K", err);
        fflush(err);
        p->drawn = 0;
    }
}

long progress_count_rows(const char *path, int has_header)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    static char chunk[1 << 16];
    long rows = 0;
    int quoted = 0, content = 0, first = 1;
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0) {
        ssize_t i = 0;
        if (first) {
            /* a byte-order mark, then Excel's sep= line, are no rows */
            if (r >= 3 && !memcmp(chunk, "\xEF\xBB\xBF", 3))
                i = 3;
            if (r - i >= 5 && !strncasecmp(chunk + i, "sep=", 4) && chunk[i + 4] != '"' &&
                (r - i == 5 || chunk[i + 5] == '\r' || chunk[i + 5] == '\n'))
                for (i += 5; i < r && (chunk[i] == '\r' || chunk[i] == '\n'); i++)
                    if (chunk[i] == '\n') {
                        i++;
                        break;
                    }
            first = 0;
        }
        for (; i < r; i++) {
            char c = chunk[i];
            if (c == '"') {
                quoted = !quoted;
                content = 1;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                rows += content;
                content = 0;
            } else if (!quoted && c != ',' && c != ';' && c != '\t' && c != '|' && c != ' ') {
                content = 1;
            }
        }
    }
    rows += content;
    close(fd);
    if (r < 0)
        return -1;
    if (has_header && rows > 0)
        rows--;
    return rows;
}
