#include "util.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("bbperm: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

void mono_timespec(struct timespec *ts, double deadline)
{
    double s = floor(deadline);
    ts->tv_sec = (time_t)s;
    ts->tv_nsec = (long)((deadline - s) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

void buf_reserve(struct buf *b, size_t extra)
{
    /* room for extra bytes and the NUL, written so no sum can wrap */
    if (b->cap > b->len && extra < b->cap - b->len)
        return;
    if (extra >= SIZE_MAX / 2 - b->len)
        oom();
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_addc(struct buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int ascii_ieq(const char *a, size_t alen, const char *word)
{
    return strlen(word) == alen && strncasecmp(a, word, alen) == 0;
}

uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) / 9007199254740992.0;
}

void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

uint32_t hash32(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

uint64_t hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

/* One part of a dotted-decimal address: 1 to 3 digits, no leading zero
 * (which some resolvers read as octal), at most 255. Returns the character
 * after it, or NULL. */
static const char *ipv4_part(const char *s, unsigned *v)
{
    unsigned n = 0, digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (digits == 1 && n == 0)
            return NULL;
        n = n * 10 + (unsigned)(*s - '0');
        if (++digits > 3 || n > 255)
            return NULL;
        s++;
    }
    *v = n;
    return digits ? s : NULL;
}

int host_is_loopback(const char *host)
{
    if (!strcasecmp(host, "localhost") || !strcmp(host, "::1") || !strcmp(host, "[::1]"))
        return 1;
    /* 127.0.0.0/8, four dotted-decimal parts only: 0127.0.0.1, 0x7f.1 and
     * 127.1 are other addresses to a resolver */
    unsigned part[4];
    const char *s = host;
    for (int i = 0; i < 4; i++) {
        s = ipv4_part(s, &part[i]);
        if (!s || *s != (i < 3 ? '.' : '\0'))
            return 0;
        s++;
    }
    return part[0] == 127;
}

/* Length of the UTF-8 sequence at p (1 to 4) when it is valid and not a C1
 * control (U+0080 to U+009F), else 0. */
static size_t utf8_printable(const unsigned char *p, const unsigned char *end)
{
    unsigned c = *p;
    size_t need;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1; min = 0xa0;   /* below U+00A0: C1 controls */
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2; min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3; min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) <= need)
        return 0;
    cp = c & (0x3fu >> need);
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need + 1;
}

const char *str_printable(char *out, size_t outsz, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + strlen((const char *)p);
    size_t n = 0;
    if (outsz == 0)
        return out;
    while (p < end) {
        size_t k = *p >= 0x20 && *p < 0x7f ? 1 : *p >= 0x80 ? utf8_printable(p, end) : 0;
        size_t room = k ? k : 4;
        size_t more = p + (k ? k : 1) < end ? 3 : 0;   /* room for "..." */
        if (n + room + more + 1 > outsz) {
            if (n + 3 < outsz) {
                memcpy(out + n, "...", 3);
                n += 3;
            }
            break;
        }
        if (k) {
            memcpy(out + n, p, k);
            n += k;
            p += k;
        } else {
            static const char hex[] = "0123456789abcdef";
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
            p++;
        }
    }
    out[n] = '\0';
    return out;
}

int std_fds_open(void)
{
    /* open() returns the lowest free descriptor: each closed one of 0, 1, 2
     * is filled in turn, so nothing later writes a result into a file that
     * happened to get its number */
    int closed = 0;
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n < 0)
            return -1;
        if (n != fd) {
            close(n);
            return -1;
        }
        closed |= 1 << fd;
    }
    return closed;
}

/* The real directory of path, then '/' and its last component (malloced).
 * A directory that cannot be resolved is kept as written. */
static char *path_canonical(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    struct buf dir = {0};
    if (!slash)
        buf_adds(&dir, ".");
    else if (dirlen == 0)
        buf_adds(&dir, "/");
    else
        buf_add(&dir, path, dirlen);
    char *real = realpath(dir.data, NULL);
    const char *d = real ? real : dir.data;
    size_t n = strlen(d) + strlen(name) + 2;
    char *out = xmalloc(n);
    snprintf(out, n, "%s/%s", d, name);
    free(real);
    buf_free(&dir);
    return out;
}

int path_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    char *ca = path_canonical(a), *cb = path_canonical(b);
    int same = !strcmp(ca, cb);
    free(ca);
    free(cb);
    return same;
}

/* ---- hmap ------------------------------------------------------------- */

/* A slot: the 64-bit key (or, keyed, the hash of the key; 0 = empty), then,
 * keyed, the offset of the key's bytes in m->keys, then the value. In
 * m->keys each key is its length (4 bytes, unaligned) and its bytes. */
#define HMAP_KEY(m, i) (*(uint64_t *)(void *)((m)->slots + (i) * (m)->ssize))
#define HMAP_REF(m, i) (*(uint64_t *)(void *)((m)->slots + (i) * (m)->ssize + sizeof(uint64_t)))
#define HMAP_VAL(m, i) ((void *)((m)->slots + (i) * (m)->ssize + (m)->voff))

static void hmap_setup(struct hmap *m, size_t value_size, int keyed)
{
    memset(m, 0, sizeof *m);
    m->vsize = value_size;
    m->keyed = keyed;
    m->voff = sizeof(uint64_t) * (keyed ? 2 : 1);
    m->ssize = (m->voff + value_size + 7) & ~(size_t)7;
    m->hash = hash64;
}

void hmap_init(struct hmap *m, size_t value_size)
{
    hmap_setup(m, value_size, 0);
}

void hmap_init_keys(struct hmap *m, size_t value_size)
{
    hmap_setup(m, value_size, 1);
}

void hmap_free(struct hmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
    buf_free(&m->keys);
    m->dead = 0;
}

/* Keyed: the bytes of slot i's key, and their length. */
static const unsigned char *hmap_key_at(const struct hmap *m, size_t i, size_t *len)
{
    const unsigned char *k = (const unsigned char *)m->keys.data + HMAP_REF(m, i);
    uint32_t n;
    memcpy(&n, k, sizeof n);
    *len = n;
    return k + sizeof n;
}

/* Keyed: 1 when slot i holds these bytes. */
static int hmap_key_is(const struct hmap *m, size_t i, const void *key, size_t len)
{
    size_t n;
    const unsigned char *k = hmap_key_at(m, i, &n);
    return n == len && (!len || !memcmp(k, key, len));
}

/* The slot of hash h (and, keyed, of the bytes key, len), or of the empty
 * slot where it would go. A keyed map compares the bytes on every hit of
 * the hash, so two keys of one hash are two entries. */
static size_t hmap_find(const struct hmap *m, uint64_t h, const void *key, size_t len)
{
    size_t i = (size_t)h & (m->cap - 1);
    while (HMAP_KEY(m, i) && (HMAP_KEY(m, i) != h || (m->keyed && !hmap_key_is(m, i, key, len))))
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The first empty slot from h's home (growing: every key is new there). */
static size_t hmap_empty(const struct hmap *m, uint64_t h)
{
    size_t i = (size_t)h & (m->cap - 1);
    while (HMAP_KEY(m, i))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void hmap_grow(struct hmap *m)
{
    struct hmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->slots = xcalloc(m->cap, m->ssize);
    for (size_t i = 0; i < old.cap; i++) {
        uint64_t k = HMAP_KEY(&old, i);
        if (k)
            memcpy(m->slots + hmap_empty(m, k) * m->ssize, old.slots + i * old.ssize, m->ssize);
    }
    free(old.slots);
}

/* Keyed: copy the live keys into a new store when most of it is dead (the
 * keys of deleted entries), so memory follows the keys held. */
static void hmap_compact(struct hmap *m)
{
    if (m->dead < 4096 || m->dead * 2 < m->keys.len)
        return;
    struct buf fresh = {0};
    buf_reserve(&fresh, m->keys.len - m->dead);
    for (size_t i = 0; i < m->cap; i++) {
        if (!HMAP_KEY(m, i))
            continue;
        size_t n;
        const unsigned char *k = hmap_key_at(m, i, &n);
        HMAP_REF(m, i) = fresh.len;
        buf_add(&fresh, k - sizeof(uint32_t), sizeof(uint32_t) + n);
    }
    buf_free(&m->keys);
    m->keys = fresh;
    m->dead = 0;
}

static uint64_t hmap_hash(const struct hmap *m, const void *key, size_t len)
{
    uint64_t h = m->hash(key, len);
    return h + !h;              /* 0 marks an empty slot */
}

static void *get(const struct hmap *m, uint64_t h, const void *key, size_t len)
{
    if (!m->cap)
        return NULL;
    size_t i = hmap_find(m, h, key, len);
    return HMAP_KEY(m, i) ? HMAP_VAL(m, i) : NULL;
}

static void *put(struct hmap *m, uint64_t h, const void *key, size_t len, int *added)
{
    if (added)
        *added = 0;
    if ((m->n + 1) * 2 > m->cap)
        hmap_grow(m);
    size_t i = hmap_find(m, h, key, len);
    if (!HMAP_KEY(m, i)) {
        HMAP_KEY(m, i) = h;
        if (m->keyed) {
            uint32_t n = (uint32_t)len;
            HMAP_REF(m, i) = m->keys.len;
            buf_add(&m->keys, &n, sizeof n);
            buf_add(&m->keys, key, len);
        }
        memset(HMAP_VAL(m, i), 0, m->ssize - m->voff);
        m->n++;
        if (added)
            *added = 1;
    }
    return HMAP_VAL(m, i);
}

static void del(struct hmap *m, uint64_t h, const void *key, size_t len)
{
    if (!m->cap)
        return;
    size_t i = hmap_find(m, h, key, len);
    if (!HMAP_KEY(m, i))
        return;
    if (m->keyed)
        m->dead += sizeof(uint32_t) + len;
    /* backward shift: move up each later key of the cluster that may sit
     * in the hole, so no lookup stops early at it */
    for (size_t j = (i + 1) & (m->cap - 1); HMAP_KEY(m, j); j = (j + 1) & (m->cap - 1)) {
        size_t home = (size_t)HMAP_KEY(m, j) & (m->cap - 1);
        /* j may move to i when its home is not within (i, j] (cyclically) */
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
            memcpy(m->slots + i * m->ssize, m->slots + j * m->ssize, m->ssize);
            i = j;
        }
    }
    HMAP_KEY(m, i) = 0;
    m->n--;
    if (m->keyed)
        hmap_compact(m);
}

void *hmap_get(const struct hmap *m, uint64_t key)
{
    assert(!m->keyed);
    return get(m, key + !key, NULL, 0);
}

void *hmap_put(struct hmap *m, uint64_t key, int *added)
{
    assert(!m->keyed);
    return put(m, key + !key, NULL, 0, added);
}

void hmap_del(struct hmap *m, uint64_t key)
{
    assert(!m->keyed);
    del(m, key + !key, NULL, 0);
}

void *hmap_kget(const struct hmap *m, const void *key, size_t len)
{
    assert(m->keyed && len <= UINT32_MAX);
    return get(m, hmap_hash(m, key, len), key, len);
}

void *hmap_kput(struct hmap *m, const void *key, size_t len, int *added)
{
    assert(m->keyed && len <= UINT32_MAX);
    return put(m, hmap_hash(m, key, len), key, len, added);
}

void hmap_kdel(struct hmap *m, const void *key, size_t len)
{
    assert(m->keyed && len <= UINT32_MAX);
    del(m, hmap_hash(m, key, len), key, len);
}

void *hmap_next(const struct hmap *m, size_t *pos, uint64_t *key)
{
    for (; *pos < m->cap; (*pos)++) {
        if (HMAP_KEY(m, *pos)) {
            if (key)
                *key = HMAP_KEY(m, *pos);
            return HMAP_VAL(m, (*pos)++);
        }
    }
    return NULL;
}

int msg_printf(char *out, size_t outsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int cut = msg_vprintf(out, outsz, fmt, ap);
    va_end(ap);
    return cut;
}

int msg_vprintf(char *out, size_t outsz, const char *fmt, va_list ap)
{
    /* the analyzer of clang 14 loses va_start on this path: a false report */
    int n = outsz ? vsnprintf(out, outsz, fmt, ap) : -1; // NOLINT(clang-analyzer-valist.Uninitialized)
    if (n >= 0 && (size_t)n < outsz)
        return 0;
    if (outsz > 4)
        memcpy(out + outsz - 4, "...", 4);
    else if (outsz)
        out[0] = '\0';
    return 1;
}
