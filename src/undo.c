/*
 * DESIGN
 *
 * The undo file is written ahead: a worker about to send a write first
 * appends the row that restores the permission's value before the run, with
 * one write(2) on a file opened O_APPEND, and sends the write only after
 * that returned. So a run killed at any moment (SIGKILL included) leaves an
 * undo file that covers every write it sent; a row for a write that never
 * went out restores the value that is still there, which is harmless.
 *
 * This is the one file a worker writes: write-ahead needs the line on disk
 * before the request, and one write(2) of a whole line to an O_APPEND file
 * does not interleave with another thread's. No lock is held during it.
 *
 * A permission the run changes twice must come back to its value before the
 * first change, so only the first change of each permission is recorded: a
 * set of 64-bit hashes of the permission keys, guarded by a mutex held only
 * to test and insert. A Cloud user has two names ({uuid} and account id):
 * when the write knows both, the entry goes in under the name it uses and
 * an alias under the other, so a later write of the same permission under
 * either spelling finds it (the live state may have forgotten the pair by
 * then: a revoked user leaves its target's list), and its row is folded
 * into the first: one row per permission, the value before the first write.
 *
 * A write the server refused (a 4xx answer) changed nothing, so its row
 * would only fail later: the worker reports each outcome (undo_outcome),
 * and the set keeps, per permission, the hash of its row and whether any
 * write of it was accepted (24 bytes per permission changed). undo_close
 * drops the rows of permissions whose writes were all refused, rewriting
 * the file through a new one renamed over it. A row whose outcome is not
 * known (no answer, cancelled in flight) stays: restoring the value that is
 * still there is harmless.
 */
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvout.h"

/* What became of the writes of one recorded permission. */
enum undo_state {
    UNDO_PENDING,               /* written ahead; no answer yet, or none known */
    UNDO_ACCEPTED,              /* a write of it succeeded: its row stays */
    UNDO_REFUSED                /* its writes were all refused: nothing changed */
};

/* One recorded permission, under its api_key_hash in the set; or an alias:
 * the other name of a Cloud user, pointing at the entry of the name the
 * row was written with. */
struct undo_entry {
    uint64_t line;              /* hash of the row written for it */
    enum undo_state state;
    uint64_t same;              /* nonzero: an alias of the entry under this key */
};

struct undo {
    int fd;
    const char *path;
    pthread_mutex_t mu;
    struct hmap set;            /* api_key_hash -> struct undo_entry */
    int failed;
    int torn;                   /* a write left part of a line: end it first */
};

struct undo *undo_open(const char *path, FILE *err)
{
    /* An undo file is the only way back from its run: never overwrite one
     * (an empty file, made by mktemp say, is fine). */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    struct stat st;
    if (fd < 0 && errno == EEXIST && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == EEXIST) {
        fprintf(err, "bbperm: --undo-file '%s' exists: it may be the way back from an earlier run; "
                     "give a new name\n", path);
        return NULL;
    }
    if (fd < 0) {
        fprintf(err, "bbperm: cannot write --undo-file '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    static const char header[] = UNDO_HEADER "\n";
    if (write(fd, header, sizeof header - 1) != (ssize_t)(sizeof header - 1)) {
        fprintf(err, "bbperm: cannot write --undo-file '%s': %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct undo *u = xcalloc(1, sizeof *u);
    u->fd = fd;
    u->path = path;
    pthread_mutex_init(&u->mu, NULL);
    hmap_init(&u->set, sizeof(struct undo_entry));
    return u;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Rewrite the file without the rows of refused writes: through a new file
 * renamed over it, so a kill meanwhile leaves the complete one. */
static int drop_refused(struct undo *u)
{
    /* the hashes of the rows to drop, sorted for a binary search */
    size_t refused = 0, pos = 0;
    uint64_t *drop = NULL;
    const struct undo_entry *e;
    while ((e = hmap_next(&u->set, &pos, NULL)))
        refused += !e->same && e->state == UNDO_REFUSED;
    if (!refused)
        return 0;
    drop = xmalloc(refused * sizeof *drop);
    refused = pos = 0;
    while ((e = hmap_next(&u->set, &pos, NULL)))
        if (!e->same && e->state == UNDO_REFUSED)
            drop[refused++] = e->line;
    qsort(drop, refused, sizeof *drop, cmp_u64);
    size_t n = strlen(u->path) + sizeof ".new";
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.new", u->path);
    FILE *in = fopen(u->path, "r");
    FILE *out = in ? fopen(tmp, "w") : NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = out ? 0 : -1;
    for (int first = 1; out && (len = getline(&line, &cap, in)) > 0; first = 0) {
        size_t body = (size_t)len - (line[len - 1] == '\n');
        uint64_t h = hash64(line, body);
        if (!first && bsearch(&h, drop, refused, sizeof *drop, cmp_u64))
            continue;
        if (fwrite(line, 1, (size_t)len, out) != (size_t)len)
            rc = -1;
    }
    if (in && ferror(in))
        rc = -1;
    if (out && (fflush(out) != 0 || fsync(fileno(out)) != 0))
        rc = -1;
    if (out && fclose(out) != 0)
        rc = -1;
    if (in)
        fclose(in);
    if (rc == 0 && rename(tmp, u->path) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    free(line);
    free(tmp);
    free(drop);
    return rc;
}

int undo_close(struct undo *u)
{
    if (!u)
        return 0;
    int rc = u->failed ? -1 : 0;
    if (close(u->fd) != 0)
        rc = -1;
    if (rc == 0 && drop_refused(u) != 0)
        rc = -1;
    pthread_mutex_destroy(&u->mu);
    hmap_free(&u->set);
    free(u);
    return rc;
}

void undo_format(struct buf *out, const struct request *req, const char *subject, size_t len,
                 enum privilege before)
{
    csvout_permission(out, req, req->subject, subject, len, before, ',');
    buf_addc(out, '\n');
}

/* mu held. The entry of a permission under one name, through its alias. */
static struct undo_entry *find_one(struct undo *u, uint64_t h)
{
    struct undo_entry *e = h ? hmap_get(&u->set, h) : NULL;
    return e && e->same ? hmap_get(&u->set, e->same) : e;
}

/* mu held. The entry of a permission under either of its names. */
static struct undo_entry *find_either(struct undo *u, uint64_t h, uint64_t alt)
{
    struct undo_entry *e = find_one(u, h);
    return e ? e : find_one(u, alt);
}

int undo_record(struct undo *u, const struct request *req, const char *subject, size_t len,
                const char *alt, enum privilege before)
{
    struct buf line = {0};
    uint64_t h = api_key_hash(req, subject, len);  /* never 0: 0 marks an empty slot */
    uint64_t ha = alt ? api_key_hash(req, alt, strlen(alt)) : 0;
    undo_format(&line, req, subject, len, before);
    pthread_mutex_lock(&u->mu);
    struct undo_entry *had = find_either(u, h, ha);
    int first = !had;
    if (first) {
        struct undo_entry *e = hmap_put(&u->set, h, NULL);
        e->line = hash64(line.data, line.len - 1);
        e->state = UNDO_PENDING;
        e->same = 0;
        if (ha && ha != h) {        /* the user's other name finds this entry */
            struct undo_entry *a = hmap_put(&u->set, ha, NULL);
            memset(a, 0, sizeof *a);
            a->same = h;
        }
    }
    if (had && had->state == UNDO_REFUSED)
        had->state = UNDO_PENDING;      /* written ahead once more */
    int torn = u->torn;
    pthread_mutex_unlock(&u->mu);
    if (!first) {
        buf_free(&line);
        return 0;
    }
    if (torn) {                         /* the torn line stays one bad row, apart */
        buf_reserve(&line, 1);
        memmove(line.data + 1, line.data, line.len + 1);
        line.data[0] = '\n';
        line.len++;
    }
    ssize_t w = write(u->fd, line.data, line.len);
    int rc = 0;
    if (w != (ssize_t)line.len) {
        int err = w < 0 ? errno : ENOSPC;
        pthread_mutex_lock(&u->mu);
        hmap_del(&u->set, h);
        if (ha && ha != h)
            hmap_del(&u->set, ha);
        u->failed = 1;
        u->torn = w > 0 || torn;
        pthread_mutex_unlock(&u->mu);
        errno = err;
        rc = -1;
    } else if (torn) {
        pthread_mutex_lock(&u->mu);
        u->torn = 0;
        pthread_mutex_unlock(&u->mu);
    }
    buf_free(&line);
    return rc;
}

void undo_outcome(struct undo *u, const struct request *req, const char *subject, size_t len,
                  const char *alt, int accepted)
{
    uint64_t h = api_key_hash(req, subject, len);
    uint64_t ha = alt ? api_key_hash(req, alt, strlen(alt)) : 0;
    pthread_mutex_lock(&u->mu);
    struct undo_entry *e = find_either(u, h, ha);
    if (e && accepted)
        e->state = UNDO_ACCEPTED;
    else if (e && e->state == UNDO_PENDING)
        e->state = UNDO_REFUSED;
    pthread_mutex_unlock(&u->mu);
}
