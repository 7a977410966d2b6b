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
 * set of the permission keys (util's keyed hmap, which compares the keys,
 * not only their hashes), guarded by a mutex held only to test and insert.
 * A Cloud user has two names ({uuid} and account id):
 * when the write knows both, the entry goes in under the name it uses and
 * an alias under the other, so a later write of the same permission under
 * either spelling finds it (the live state may have forgotten the pair by
 * then: a revoked user leaves its target's list), and its row is folded
 * into the first: one row per permission, the value before the first write.
 *
 * A write the server refused (a 4xx answer) changed nothing, so its row
 * would only fail later: the worker reports each outcome (undo_outcome),
 * and the set keeps, per permission, its row and whether any write of it
 * was accepted (a 48-byte slot, the key's length + 4 and the row's length
 * + 1 per permission changed; an alias a slot, its key and the first
 * name's key). undo_close drops the rows of permissions whose writes were
 * all refused, compared whole, rewriting the file through a new one renamed
 * over it. A row whose outcome is not known (no answer, cancelled in
 * flight) stays: restoring the value that is still there is harmless.
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

/* One recorded permission, under its key (api_key_subject) in the set; or
 * an alias: the other name of a Cloud user, pointing at the entry of the
 * name the row was written with. */
struct undo_entry {
    size_t line;                /* the row written for it: an offset into lines */
    enum undo_state state;
    size_t same, samelen;       /* same > 0: an alias of the entry whose key
                                 * is at offset same - 1 in lines */
};

struct undo {
    int fd;
    const char *path;
    pthread_mutex_t mu;
    struct hmap set;            /* api_key_subject -> struct undo_entry */
    struct buf lines;           /* the rows recorded (each ended by a NUL) and
                                 * the keys aliases point at */
    int failed;
    int headed;                 /* the header is written */
    int wide;                   /* branch-rule columns too: permission rows padded */
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
    struct undo *u = xcalloc(1, sizeof *u);
    u->fd = fd;
    u->path = path;
    pthread_mutex_init(&u->mu, NULL);
    hmap_init_keys(&u->set, sizeof(struct undo_entry));
    return u;
}

/* Rewrite the file without the rows of refused writes: through a new file
 * renamed over it, so a kill meanwhile leaves the complete one. */
static int drop_refused(struct undo *u)
{
    /* the rows to drop, as a set of their text */
    size_t pos = 0;
    struct hmap drop;
    hmap_init_keys(&drop, 0);
    const struct undo_entry *e;
    while ((e = hmap_next(&u->set, &pos, NULL))) {
        if (!e->same && e->state == UNDO_REFUSED) {
            const char *row = u->lines.data + e->line;
            hmap_kput(&drop, row, strlen(row), NULL);
        }
    }
    if (!drop.n) {
        hmap_free(&drop);
        return 0;
    }
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
        if (!first && hmap_kget(&drop, line, body))
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
    hmap_free(&drop);
    return rc;
}

int undo_start(struct undo *u, int branch_rules)
{
    if (!u || u->headed)
        return 0;
    const char *header = branch_rules ? UNDO_HEADER_BRANCH "\n" : UNDO_HEADER "\n";
    size_t len = strlen(header);
    u->wide = branch_rules;
    u->headed = 1;
    if (write(u->fd, header, len) != (ssize_t)len) {
        u->failed = 1;
        return -1;
    }
    return 0;
}

int undo_append(struct undo *u, const char *lines, size_t len)
{
    if (!u->headed)             /* run.c starts it before any worker does */
        undo_start(u, 1);
    pthread_mutex_lock(&u->mu);
    int torn = u->torn;
    pthread_mutex_unlock(&u->mu);
    struct buf b = {0};
    if (torn)                           /* the torn line stays one bad row, apart */
        buf_addc(&b, '\n');
    buf_add(&b, lines, len);
    ssize_t w = write(u->fd, b.data, b.len);
    int rc = 0;
    pthread_mutex_lock(&u->mu);
    if (w != (ssize_t)b.len) {
        int err = w < 0 ? errno : ENOSPC;
        u->failed = 1;
        u->torn = w > 0 || torn;
        errno = err;
        rc = -1;
    } else
        u->torn = 0;
    pthread_mutex_unlock(&u->mu);
    buf_free(&b);
    return rc;
}

int undo_close(struct undo *u)
{
    if (!u)
        return 0;
    if (!u->headed)                     /* no row came: the header alone */
        undo_start(u, 0);
    int rc = u->failed ? -1 : 0;
    if (close(u->fd) != 0)
        rc = -1;
    if (rc == 0 && drop_refused(u) != 0)
        rc = -1;
    pthread_mutex_destroy(&u->mu);
    hmap_free(&u->set);
    buf_free(&u->lines);
    free(u);
    return rc;
}

void undo_format(struct buf *out, const struct request *req, const char *subject, size_t len,
                 enum privilege before)
{
    csvout_permission(out, req, req->subject, subject, len, before, ',');
    buf_addc(out, '\n');
}

/* mu held. The entry of a permission under one key (none when empty),
 * through its alias. */
static struct undo_entry *find_one(struct undo *u, const struct buf *k)
{
    struct undo_entry *e = k->len ? hmap_kget(&u->set, k->data, k->len) : NULL;
    return e && e->same ? hmap_kget(&u->set, u->lines.data + e->same - 1, e->samelen) : e;
}

/* mu held. The entry of a permission under either of its keys. */
static struct undo_entry *find_either(struct undo *u, const struct buf *k, const struct buf *alt)
{
    struct undo_entry *e = find_one(u, k);
    return e ? e : find_one(u, alt);
}

/* The keys of a permission under its name and its other name (alt, or
 * NULL: k2 stays empty). */
static void perm_keys(struct buf *k, struct buf *k2, const struct request *req,
                      const char *subject, size_t len, const char *alt)
{
    api_key_subject(k, req, subject, len);
    if (alt)
        api_key_subject(k2, req, alt, strlen(alt));
}

/* 1 when the two keys differ (alt empty: no other name). */
static int other_name(const struct buf *k, const struct buf *alt)
{
    return alt->len && (alt->len != k->len || memcmp(alt->data, k->data, k->len) != 0);
}

int undo_record(struct undo *u, const struct request *req, const char *subject, size_t len,
                const char *alt, enum privilege before)
{
    if (!u->headed)             /* run.c starts it before any worker does */
        undo_start(u, 0);
    struct buf line = {0}, k = {0}, ka = {0};
    perm_keys(&k, &ka, req, subject, len, alt);
    undo_format(&line, req, subject, len, before);
    if (u->wide) {                      /* the branch-rule columns, empty */
        line.len--;
        buf_adds(&line, ",,,\n");
    }
    pthread_mutex_lock(&u->mu);
    struct undo_entry *had = find_either(u, &k, &ka);
    int first = !had;
    if (first) {
        struct undo_entry *e = hmap_kput(&u->set, k.data, k.len, NULL);
        e->line = u->lines.len;
        buf_add(&u->lines, line.data, line.len - 1);   /* without its '\n' */
        buf_addc(&u->lines, '\0');
        e->state = UNDO_PENDING;
        e->same = e->samelen = 0;
        if (other_name(&k, &ka)) {  /* the user's other name finds this entry */
            struct undo_entry *a = hmap_kput(&u->set, ka.data, ka.len, NULL);
            memset(a, 0, sizeof *a);
            a->same = u->lines.len + 1;
            a->samelen = k.len;
            buf_add(&u->lines, k.data, k.len);
        }
    }
    if (had && had->state == UNDO_REFUSED)
        had->state = UNDO_PENDING;      /* written ahead once more */
    int torn = u->torn;
    pthread_mutex_unlock(&u->mu);
    if (!first) {
        buf_free(&line);
        buf_free(&k);
        buf_free(&ka);
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
        hmap_kdel(&u->set, k.data, k.len);
        if (other_name(&k, &ka))
            hmap_kdel(&u->set, ka.data, ka.len);
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
    buf_free(&k);
    buf_free(&ka);
    return rc;
}

void undo_outcome(struct undo *u, const struct request *req, const char *subject, size_t len,
                  const char *alt, int accepted)
{
    struct buf k = {0}, ka = {0};
    perm_keys(&k, &ka, req, subject, len, alt);
    pthread_mutex_lock(&u->mu);
    struct undo_entry *e = find_either(u, &k, &ka);
    if (e && accepted)
        e->state = UNDO_ACCEPTED;
    else if (e && e->state == UNDO_PENDING)
        e->state = UNDO_REFUSED;
    pthread_mutex_unlock(&u->mu);
    buf_free(&k);
    buf_free(&ka);
}
