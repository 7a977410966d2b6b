/* access --compare: see compare.h. The earlier file is held whole (its
 * rows within the scope and --user): it is what the new rows are merged
 * with, repository by repository. */
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csvin.h"
#include "csvout.h"
#include "reach.h"
#include "row.h"
#include "util.h"

enum { C_WS, C_REPO, C_PROJECT, C_USER, C_NAME, C_PERM, C_EMAIL, C_COUNT };
static const char *const col_names[C_COUNT] = {"workspace", "repo", "project", "user",
                                               "name", "permission", "email"};

struct loader {
    struct compare *c;
    int col[C_COUNT];
    int header_seen;
    compare_keep_fn keep;
    void *ctx;
    size_t cap;
    const char *path;
    FILE *err;
    int failed;
};

static char *cell(const struct csvin_record *rec, int i)
{
    if (i < 0 || (unsigned)i >= rec->n)
        return xstrdup("");
    const char *s = rec->cells[i];
    size_t len = rec->lens[i];
    /* a name written with a leading ' (formula guard) compares without it */
    csvout_name_unguard(&s, &len);
    char *c = xmalloc(len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

static int on_record(void *ctx, const struct csvin_record *rec)
{
    struct loader *l = ctx;
    if (!l->header_seen) {
        l->header_seen = 1;
        for (int k = 0; k < C_COUNT; k++) {
            l->col[k] = -1;
            for (unsigned i = 0; i < rec->n; i++)
                if (ascii_ieq(rec->cells[i], rec->lens[i], col_names[k]))
                    l->col[k] = (int)i;
        }
        if (l->col[C_REPO] < 0 || l->col[C_USER] < 0 || l->col[C_PERM] < 0) {
            fprintf(l->err, "bbperm: access: --compare %s: the header needs repo, user and "
                            "permission columns\n", l->path);
            l->failed = 1;
            return 1;
        }
        return 0;
    }
    if (rec->problem) {
        fprintf(l->err, "bbperm: access: --compare %s line %lu: %s\n", l->path, rec->line,
                rec->problem);
        l->failed = 1;
        return 1;
    }
    const char *p = (unsigned)l->col[C_PERM] < rec->n ? rec->cells[l->col[C_PERM]] : "";
    enum privilege pr;
    if (privilege_parse(p, strlen(p), &pr) != 0) {
        fprintf(l->err, "bbperm: access: --compare %s line %lu: '%s' is not a permission\n",
                l->path, rec->line, p);
        l->failed = 1;
        return 1;
    }
    if (pr == PRIV_NONE)
        return 0;               /* no access: cycles chain */
    struct compare_row r = {cell(rec, l->col[C_WS]), cell(rec, l->col[C_REPO]),
                            cell(rec, l->col[C_PROJECT]), cell(rec, l->col[C_USER]),
                            cell(rec, l->col[C_NAME]), cell(rec, l->col[C_EMAIL]),
                            reach_rank(pr)};
    if (!l->keep || l->keep(l->ctx, &r)) {
        struct compare *c = l->c;
        if (c->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            c->rows = xrealloc(c->rows, l->cap * sizeof *c->rows);
        }
        c->rows[c->n++] = r;
        return 0;
    }
    free(r.ws), free(r.repo), free(r.project), free(r.user), free(r.name), free(r.email);
    return 0;
}

static const struct compare *sort_ctx;

int compare_repo_cmp(const struct compare *c, const char *ws, const char *project,
                     const char *repo, const struct compare_row *r)
{
    int k = c->by_project ? reach_cmp_id(project, r->project) : reach_cmp_id(ws, r->ws);
    return k ? k : reach_cmp_id(repo, r->repo);
}

static int cmp_rows(const void *a, const void *b)
{
    const struct compare_row *x = a, *y = b;
    int k = compare_repo_cmp(sort_ctx, x->ws, x->project, x->repo, y);
    return k ? k : reach_cmp_id(x->user, y->user);
}

int compare_load(struct compare *c, const char *path, int by_project, compare_keep_fn keep,
                 void *ctx, FILE *err)
{
    memset(c, 0, sizeof *c);
    c->by_project = by_project;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(err, "bbperm: access: cannot read --compare %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct csvin *in = csvin_open(fd, 0);
    struct loader l = {c, {0}, 0, keep, ctx, 0, path, err, 0};
    int rc = csvin_run(in, on_record, &l, NULL);
    if (rc < 0 && !l.failed) {
        fprintf(err, "bbperm: access: cannot read --compare %s: %s\n", path, strerror(errno));
        l.failed = 1;
    }
    csvin_close(in);
    close(fd);
    if (!l.header_seen && !l.failed) {
        fprintf(err, "bbperm: access: --compare %s is empty\n", path);
        l.failed = 1;
    }
    if (l.failed) {
        compare_free(c);
        return -1;
    }
    sort_ctx = c;
    if (c->n > 1)
        qsort(c->rows, c->n, sizeof *c->rows, cmp_rows);
    sort_ctx = NULL;
    return 0;
}

void compare_free(struct compare *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct compare_row *r = &c->rows[i];
        free(r->ws), free(r->repo), free(r->project), free(r->user), free(r->name), free(r->email);
    }
    free(c->rows);
    memset(c, 0, sizeof *c);
}

size_t compare_find(const struct compare *c, const char *ws, const char *project,
                    const char *repo, size_t *n)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (compare_repo_cmp(c, ws, project, repo, &c->rows[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < c->n && compare_repo_cmp(c, ws, project, repo, &c->rows[end]) == 0)
        end++;
    *n = end - lo;
    return lo;
}

const char *compare_change(int before, int now)
{
    if (before == now)
        return "";
    if (!before)
        return "added";
    if (!now)
        return "removed";
    return now > before ? "raised" : "lowered";
}
