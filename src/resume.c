#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "row.h"
#include "util.h"

int resume_status_is_ok(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len == 2 && s[0] == 'o' && s[1] == 'k';
}

struct prev {
    struct resume *r;
    const struct bb_config *cfg;
    struct colmap map;
    int have_header;
    int bad;
    uint64_t row;
};

static int on_prev_record(void *ctx, const struct csvin_record *rec)
{
    struct prev *p = ctx;
    struct resume *r = p->r;
    if (!p->have_header) {
        char err[256];
        if (colmap_build(&p->map, rec->cells, rec->lens, rec->n, p->cfg, err, sizeof err) != 0 ||
            p->map.col[COL_STATUS] < 0) {
            fprintf(stderr, "bbperm: --resume-from '%s' is not a result CSV of bbperm (%s)\n",
                    p->cfg->resume_from, p->map.col[COL_STATUS] < 0 ? "no 'status' column" : err);
            p->bad = 1;
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
    if (rec->problem || rec->n <= c || !resume_status_is_ok(rec->cells[c], rec->lens[c]))
        return 0;
    if (r->n && r->done[r->n - 1][1] == i) {
        r->done[r->n - 1][1] = i + 1;
        return 0;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->done = xrealloc(r->done, r->cap * sizeof *r->done);
    }
    r->done[r->n][0] = i;
    r->done[r->n][1] = i + 1;
    r->n++;
    return 0;
}

int resume_load(struct resume *r, const char *path, const struct bb_config *cfg)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "bbperm: cannot open --resume-from '%s': %s\n", path, strerror(errno));
        return -1;
    }
    struct prev p;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.cfg = cfg;
    struct csvin *in = csvin_open(fd, cfg->delimiter);
    int rc = in ? csvin_run(in, on_prev_record, &p, NULL) : -1;
    if (rc < 0 && !p.bad)
        fprintf(stderr, "bbperm: cannot read --resume-from '%s': %s\n", path, strerror(errno));
    if (rc == 0 && !p.have_header) {
        fprintf(stderr, "bbperm: --resume-from '%s' is empty\n", path);
        rc = -1;
    }
    csvin_close(in);
    close(fd);
    return rc == 0 && !p.bad ? 0 : -1;
}

int resume_done(struct resume *r, uint64_t seq)
{
    while (r->at < r->n && r->done[r->at][1] <= seq)
        r->at++;
    return r->at < r->n && r->done[r->at][0] <= seq;
}

void resume_free(struct resume *r)
{
    free(r->done);
    memset(r, 0, sizeof *r);
}
