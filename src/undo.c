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
 * set of 64-bit hashes of the permission keys (8 bytes per permission
 * changed), guarded by a mutex held only to test and insert.
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

struct undo {
    int fd;
    const char *path;
    pthread_mutex_t mu;
    uint64_t *set;              /* open addressing; 0 = empty */
    size_t cap, n;
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
    u->cap = 1024;
    u->set = xcalloc(u->cap, sizeof *u->set);
    return u;
}

int undo_close(struct undo *u)
{
    if (!u)
        return 0;
    int rc = u->failed ? -1 : 0;
    if (close(u->fd) != 0)
        rc = -1;
    pthread_mutex_destroy(&u->mu);
    free(u->set);
    free(u);
    return rc;
}

/* mu held. Returns 1 when h was added, 0 when it was there. */
static int set_add(struct undo *u, uint64_t h)
{
    if ((u->n + 1) * 2 > u->cap) {
        size_t cap = u->cap * 2;
        uint64_t *set = xcalloc(cap, sizeof *set);
        for (size_t i = 0; i < u->cap; i++) {
            if (!u->set[i])
                continue;
            size_t k = u->set[i] & (cap - 1);
            while (set[k])
                k = (k + 1) & (cap - 1);
            set[k] = u->set[i];
        }
        free(u->set);
        u->set = set;
        u->cap = cap;
    }
    size_t k = h & (u->cap - 1);
    while (u->set[k]) {
        if (u->set[k] == h)
            return 0;
        k = (k + 1) & (u->cap - 1);
    }
    u->set[k] = h;
    u->n++;
    return 1;
}

static void set_remove(struct undo *u, uint64_t h)
{
    size_t k = h & (u->cap - 1);
    while (u->set[k] && u->set[k] != h)
        k = (k + 1) & (u->cap - 1);
    if (!u->set[k])
        return;
    /* re-insert the rest of the cluster so lookups still find them */
    u->set[k] = 0;
    u->n--;
    for (size_t j = (k + 1) & (u->cap - 1); u->set[j]; j = (j + 1) & (u->cap - 1)) {
        uint64_t v = u->set[j];
        u->set[j] = 0;
        u->n--;
        set_add(u, v);
    }
}

void undo_format(struct buf *out, const struct request *req, const char *subject, size_t len,
                 enum privilege before)
{
    csvout_permission(out, req, req->subject, subject, len, before, ',');
    buf_addc(out, '\n');
}

int undo_record(struct undo *u, const struct request *req, const char *subject, size_t len,
                enum privilege before)
{
    struct buf line = {0};
    uint64_t h = api_key_hash(req, subject, len);  /* never 0: 0 marks an empty slot */
    pthread_mutex_lock(&u->mu);
    int first = set_add(u, h);
    pthread_mutex_unlock(&u->mu);
    if (!first)
        return 0;
    pthread_mutex_lock(&u->mu);
    int torn = u->torn;
    pthread_mutex_unlock(&u->mu);
    if (torn)
        buf_addc(&line, '\n');         /* the torn line stays one bad row, apart */
    undo_format(&line, req, subject, len, before);
    ssize_t w = write(u->fd, line.data, line.len);
    int rc = 0;
    if (w != (ssize_t)line.len) {
        int e = w < 0 ? errno : ENOSPC;
        pthread_mutex_lock(&u->mu);
        set_remove(u, h);
        u->failed = 1;
        u->torn = w > 0 || torn;
        pthread_mutex_unlock(&u->mu);
        errno = e;
        rc = -1;
    } else if (torn) {
        pthread_mutex_lock(&u->mu);
        u->torn = 0;
        pthread_mutex_unlock(&u->mu);
    }
    buf_free(&line);
    return rc;
}
