#ifndef BBPERM_UTIL_H
#define BBPERM_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Small helpers shared by every module. Allocation failure is fatal: the
 * tool cannot make progress without memory, so xmalloc and friends print
 * one line and exit with code 2. */

#define XALLOC __attribute__((returns_nonnull, warn_unused_result))
XALLOC void *xmalloc(size_t n);
XALLOC void *xcalloc(size_t n, size_t size);
XALLOC void *xrealloc(void *p, size_t n);
XALLOC char *xstrdup(const char *s);

/* Seconds on the monotonic clock. */
double now_mono(void);
/* A condition variable whose timed waits run on the monotonic clock, and
 * the absolute time for such a wait from a now_mono() deadline. */
void cond_init_mono(pthread_cond_t *cv);
void mono_timespec(struct timespec *ts, double deadline);

/* Growable byte buffer. The owner frees .data with buf_free. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_free(struct buf *b);

/* ASCII case-insensitive compare of a trimmed string against a word. */
int ascii_ieq(const char *a, size_t alen, const char *word);

/* FNV-1a hashes of n bytes. */
uint32_t hash32(const void *p, size_t n);
uint64_t hash64(const void *p, size_t n);

/* xorshift64* step: small, fast, good enough for jitter. */
uint64_t rng_next(uint64_t *state);
/* Uniform double in [0, 1). */
double rng_unit(uint64_t *state);

/* 1 when a host name is loopback: localhost, ::1 ([::1]), or 127.0.0.0/8
 * written as four dotted-decimal parts (no octal, hex or short forms). */
int host_is_loopback(const char *host);

/* 1 when two paths name one file: the same device and inode when both
 * exist, else the same real directory and name (so 'u.csv' and './u.csv'
 * are one file before either exists). */
int path_same_file(const char *a, const char *b);
/* Server text made safe for a terminal: control characters, escape
 * sequences, C1 controls and invalid UTF-8 become \xHH; valid UTF-8 stays.
 * Cut with "..." to fit outsz (which 4 * strlen(s) + 1 always fits).
 * Returns out. */
const char *str_printable(char *out, size_t outsz, const char *s);

/* Open /dev/null on whichever of fd 0, 1 and 2 is closed, so that no file
 * opened later takes their place. Call first in main. Returns a bit mask of
 * the ones it opened (1 << fd), or -1 when it cannot. */
int std_fds_open(void);

/* Overwrite memory that held a secret, in a way the compiler keeps. */
void wipe(void *p, size_t n);

/* A hash map by open addressing with linear probing, at most half full,
 * to values of a fixed size. Values are zeroed when added and move when the
 * map grows or a key is deleted: a pointer to one is good until the next
 * put or del. Not thread-safe: its owner locks. Two kinds:
 *
 * - hmap_init: 64-bit keys (key 0 is taken as 1), compared as numbers. For
 *   keys that are numbers, not for the hash of a name: two names of one
 *   hash would be one entry. A slot is 8 + value_size bytes (rounded up to
 *   8).
 * - hmap_init_keys: keys are byte strings, which the map copies. A lookup
 *   hashes them (m->hash, hash64 unless a test sets another before the first
 *   put) and compares the bytes on every hit of the hash, so distinct keys
 *   are distinct entries whatever their hashes. A slot is 16 + value_size
 *   bytes (rounded up to 8), and each key costs its length + 4 bytes in a
 *   store that grows by doubling; the keys of deleted entries are reclaimed
 *   once they are most of it.
 *
 * Each kind is used with its own functions (hmap_get/put/del or
 * hmap_kget/kput/kdel); hmap_next walks either. There are at most twice as
 * many slots as keys. */
struct hmap {
    unsigned char *slots;       /* cap slots (owned) */
    size_t cap, n;              /* slots, keys */
    size_t vsize, ssize, voff;  /* value size, slot size, value offset in a slot */
    int keyed;                  /* hmap_init_keys */
    struct buf keys;            /* keyed: the keys' lengths and bytes (owned) */
    size_t dead;                /* keyed: bytes of deleted keys in .keys */
    uint64_t (*hash)(const void *p, size_t n); /* keyed: hash64, or a test's */
};
void hmap_init(struct hmap *m, size_t value_size);
void hmap_init_keys(struct hmap *m, size_t value_size);
void hmap_free(struct hmap *m);
/* The value of key, or NULL. */
void *hmap_get(const struct hmap *m, uint64_t key);
/* The value of key, added (zeroed; *added = 1) when it was not there. */
void *hmap_put(struct hmap *m, uint64_t key, int *added);
void hmap_del(struct hmap *m, uint64_t key);
/* The same for a keyed map: the key is len bytes at key (len < 4 GiB). */
void *hmap_kget(const struct hmap *m, const void *key, size_t len);
void *hmap_kput(struct hmap *m, const void *key, size_t len, int *added);
void hmap_kdel(struct hmap *m, const void *key, size_t len);
/* Walk every entry: start with *pos = 0; returns the next value (its key,
 * or a keyed map's hash of it, in *key) or NULL at the end. */
void *hmap_next(const struct hmap *m, size_t *pos, uint64_t *key);

/* snprintf into a message buffer that never cuts silently: what does not
 * fit ends in "..." so a reader sees the cut. Returns 1 when it was cut. */
__attribute__((format(printf, 3, 4)))
int msg_printf(char *out, size_t outsz, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
int msg_vprintf(char *out, size_t outsz, const char *fmt, va_list ap);

#endif
