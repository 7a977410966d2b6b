/*
 * DESIGN
 *
 * --resume-from PREV matches rows, not positions: the input may be another
 * file, a reordered spreadsheet, or have pattern rows that match another
 * set of repositories now. Each valid row of PREV is validated as the input
 * rows are (same --map, --workspace and flavour), and its key is what it
 * asks for: the permission (workspace, repository or project with its
 * project where the flavour needs it, group or user; compared as the
 * flavour compares names, see api_key) and the privilege; a branch rule's
 * is its restriction (target, branch, rule), subject, add or remove and
 * value. Each kind keys its own rows (kind_ops.resume_key), its name first,
 * so a branch row never matches a permission row. A table keeps, per
 * key, how many PREV rows have it and how many of those were ok (a keyed
 * hmap: a slot of 24 bytes, plus the key's length + 4, per distinct row; it
 * compares the keys themselves, so no row is skipped for another whose key
 * has the same hash): an input row with an ok match is not sent again and
 * uses that match up, so two identical input rows need two ok rows.
 *
 * A repository row of PREV also enters a key without its repository, for
 * the check that PREV belongs to the input: an input pattern row can only
 * be matched that far before its listing.
 */
#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "kind.h"
#include "csvin.h"
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

/* The PREV rows of one key. */
struct resume_count {
    uint32_t ok;                /* with status ok, not yet used */
    uint32_t rows;              /* in all */
};

/* The key of what a record asks for, by its kind (kind.h), into k
 * (emptied first), and its request into req; any_repo: the repository
 * left out. -1: not a valid row of a kind that --resume-from matches. */
static int row_key(struct buf *k, const struct colmap *m, const char *const *cells,
                   const size_t *lens, unsigned n, int any_repo, struct request *req)
{
    const struct kind_ops *kind = kind_of(m, cells, lens, n);
    k->len = 0;
    return kind->resume_key ? kind->resume_key(m, cells, lens, n, any_repo, req, k) : -1;
}

/* Reading a CSV: the header into a mapping, then each valid row. */
struct reader {
    const struct bb_config *cfg;
    const char *what;           /* "--resume-from 'PREV'" or the input, for messages */
    struct colmap map;
    int have_header;
    int need_status;
    int bad;
    int (*on_row)(struct reader *rd, const struct csvin_record *rec);
    struct resume *r;           /* loading */
    const struct resume *want;  /* checking */
    int found;
};

static int on_record(void *ctx, const struct csvin_record *rec)
{
    struct reader *rd = ctx;
    if (!rd->have_header) {
        char err[256];
        if (rd->cfg->no_header && !rd->need_status) {
            colmap_positional(&rd->map, rec->n > 4 ? rec->n : 4, rd->cfg);
        } else if (colmap_build(&rd->map, rec->cells, rec->lens, rec->n, rd->cfg, err, sizeof err) != 0 ||
                   (rd->need_status && rd->map.col[COL_STATUS] < 0)) {
            if (rd->need_status)
                fprintf(stderr, "bbperm: %s is not a result CSV of bbperm (%s)\n", rd->what,
                        rd->map.col[COL_STATUS] < 0 ? "no 'status' column" : err);
            rd->bad = 1;
            return 1;
        }
        rd->have_header = 1;
        if (!rd->cfg->no_header || rd->need_status)
            return 0;
    }
    if (rec->problem || row_is_blank(rec->cells, rec->lens, rec->n))
        return 0;
    return rd->on_row(rd, rec);
}

static int read_csv(struct reader *rd, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "bbperm: cannot open %s: %s\n", rd->what, strerror(errno));
        return -1;
    }
    struct csvin *in = csvin_open(fd, rd->cfg->delimiter);
    int rc = in ? csvin_run(in, on_record, rd, NULL) : -1;
    if (rc < 0 && !rd->bad)
        fprintf(stderr, "bbperm: cannot read %s: %s\n", rd->what, strerror(errno));
    csvin_close(in);
    close(fd);
    return rc < 0 || rd->bad ? -1 : 0;
}

static int load_row(struct reader *rd, const struct csvin_record *rec)
{
    struct resume *r = rd->r;
    struct request req;
    struct buf k = {0};
    if (row_key(&k, &rd->map, rec->cells, rec->lens, rec->n, 0, &req) != 0 ||
        req.target_is_pattern) {        /* a pattern PREV could not expand */
        buf_free(&k);
        return 0;
    }
    unsigned c = (unsigned)rd->map.col[COL_STATUS];
    /* a line torn by a kill may end before its status: then it is not done */
    int ok = rec->n > c && resume_status_is_ok(rec->cells[c], rec->lens[c]);
    struct resume_count *e = hmap_kput(&r->tab, k.data, k.len, NULL);
    e->rows++;
    e->ok += (uint32_t)ok;
    if (req.target == TARGET_REPO &&
        row_key(&k, &rd->map, rec->cells, rec->lens, rec->n, 1, &req) == 0)
        ((struct resume_count *)hmap_kput(&r->tab, k.data, k.len, NULL))->rows++;
    r->rows++;
    buf_free(&k);
    return 0;
}

int resume_load(struct resume *r, const char *path, const struct bb_config *cfg)
{
    char what[64 + 4096];
    if (snprintf(what, sizeof what, "--resume-from '%s'", path) >= (int)sizeof what) {
        fprintf(stderr, "bbperm: the --resume-from path is too long\n");
        return -1;
    }
    hmap_init_keys(&r->tab, sizeof(struct resume_count));
    r->rows = 0;
    struct reader rd = {.cfg = cfg, .what = what, .need_status = 1, .on_row = load_row, .r = r};
    if (read_csv(&rd, path) != 0)
        return -1;
    if (!rd.have_header) {
        fprintf(stderr, "bbperm: %s is empty\n", what);
        return -1;
    }
    return 0;
}

static int check_row(struct reader *rd, const struct csvin_record *rec)
{
    struct request req;
    struct buf k = {0};
    const struct resume_count *e = NULL;
    if (row_key(&k, &rd->map, rec->cells, rec->lens, rec->n, 0, &req) == 0 &&
        (!req.target_is_pattern ||
         row_key(&k, &rd->map, rec->cells, rec->lens, rec->n, 1, &req) == 0))
        e = hmap_kget(&rd->want->tab, k.data, k.len);
    buf_free(&k);
    rd->found = e && e->rows;
    return rd->found;           /* one match is enough */
}

int resume_check_input(const struct resume *r, const char *path, const struct bb_config *cfg)
{
    if (!r->rows || !strcmp(path, "-"))
        return 0;
    char what[64 + 4096];
    if (snprintf(what, sizeof what, "input '%s'", path) >= (int)sizeof what) {
        fprintf(stderr, "bbperm: the input path is too long\n");
        return -1;
    }
    struct reader rd = {.cfg = cfg, .what = what, .on_row = check_row, .want = r};
    if (read_csv(&rd, path) != 0 && !rd.bad)
        return -1;
    if (rd.found || !rd.have_header || rd.bad)
        return 0;               /* a bad header is the run's to report */
    fprintf(stderr, "bbperm: --resume-from '%s' matches none of the rows of '%s': it is the "
                    "result of another input (or of other --map or --workspace options); nothing "
                    "was sent\n", cfg->resume_from, path);
    return -1;
}

int resume_done(struct resume *r, const struct colmap *m, const char *const *cells,
                const size_t *lens, unsigned n)
{
    struct request req;
    struct buf k = {0};
    struct resume_count *e = row_key(&k, m, cells, lens, n, 0, &req) == 0
                             ? hmap_kget(&r->tab, k.data, k.len) : NULL;
    buf_free(&k);
    if (!e || !e->ok)
        return 0;
    e->ok--;
    return 1;
}

void resume_free(struct resume *r)
{
    hmap_free(&r->tab);
    memset(r, 0, sizeof *r);
}
