/*
 * fakebb: small utilities. Memory that never fails (it dies), a growable
 * buffer with JSON and URL writers, a byte-string hash table, files.
 */
#include "fakebb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void die(const char *fmt, ...)
{
	va_list ap;
	fputs("fakebb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

char *lower_dup(const char *s)
{
	char *d = xstrdup(s), *p;
	for (p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------ */
/* Buffers                                                             */

static void buf_grow(struct buf *b, size_t extra)
{
	size_t cap;
	if (b->len + extra + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void buf_add(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned long cp, min;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2; cp = p[0] & 0x1fu; min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3; cp = p[0] & 0x0fu; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4; cp = p[0] & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {       /* stops at a NUL: 0x00 is no continuation */
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Appends s as a JSON string; invalid UTF-8 becomes U+FFFD. */
void buf_json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_add(b, "\"", 1);
	while (*p) {
		size_t run = 0, n;
		while (p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
			run++;
		if (run) {
			buf_add(b, p, run);
			p += run;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };
			buf_add(b, esc, 2);
			p++;
		} else if (*p < 0x80) {
			buf_printf(b, "\\u%04x", *p);
			p++;
		} else if ((n = utf8_len(p)) != 0) {
			buf_add(b, p, n);
			p += n;
		} else {
			buf_puts(b, "\\ufffd");
			p++;
		}
	}
	buf_add(b, "\"", 1);
}

void buf_json(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p;
	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		size_t run = strcspn(p, "%");
		if (run) {
			buf_add(b, p, run);
			p += run - 1;
			continue;
		}
		switch (*++p) {
		case 'j': {
			const char *s = va_arg(ap, const char *);
			if (s)
				buf_json_str(b, s);
			else
				buf_puts(b, "null");
			break;
		}
		case 's':
			buf_puts(b, va_arg(ap, const char *));
			break;
		case 'd':
			buf_printf(b, "%d", va_arg(ap, int));
			break;
		case 'z':
			buf_printf(b, "%zu", va_arg(ap, size_t));
			break;
		case 'b':
			buf_puts(b, va_arg(ap, int) ? "true" : "false");
			break;
		case '%':
			buf_add(b, "%", 1);
			break;
		default:
			die("buf_json: bad template '%s'", fmt);
		}
	}
	va_end(ap);
}

void buf_pct_encode(struct buf *b, const char *s, const char *keep)
{
	static const char unreserved[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
	for (; *s; s++) {
		if (strchr(unreserved, *s) || strchr(keep, *s))
			buf_add(b, s, 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A malformed escape is kept as it is. */
int pct_decode(char *s)
{
	char *out = s;
	for (; *s; s++) {
		int hi, lo;
		if (*s == '%' && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0) {
			if (hi == 0 && lo == 0)
				return -1;
			*out++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}

/* Decodes base64 (padding optional) into out; returns the length or -1. */
long b64_decode(const char *s, size_t n, unsigned char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	int bits = 0;
	long len = 0;
	size_t i;
	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		const char *pos = s[i] ? strchr(alphabet, s[i]) : NULL;
		if (!pos)
			return -1;
		acc = (acc << 6) | (unsigned long)(pos - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	return len;
}

/* ------------------------------------------------------------------ */
/* Hash table                                                          */

uint64_t hash_bytes(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;        /* FNV-1a */
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

/* The link that points at the entry for k, or at the NULL ending its chain. */
static struct hent **ht_link(const struct htab *t, const char *k, size_t n, uint64_t h)
{
	struct hent **pp = &t->b[h & (t->nb - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->klen == n && memcmp((*pp)->key, k, n) == 0)
			break;
	return pp;
}

struct hent *ht_find(const struct htab *t, const char *k, size_t n)
{
	if (!t->nb)
		return NULL;
	return *ht_link(t, k, n, hash_bytes(k, n));
}

static void ht_rehash(struct htab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64, i;
	struct hent **b = xcalloc(nb, sizeof *b);
	for (i = 0; i < t->nb; i++) {
		struct hent *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* Finds k, or adds it with val 0 and aux NULL. *added tells which. */
struct hent *ht_insert(struct htab *t, const char *k, size_t n, int *added)
{
	uint64_t h = hash_bytes(k, n);
	struct hent **pp, *e;
	if (t->nb) {
		pp = ht_link(t, k, n, h);
		if (*pp) {
			if (added)
				*added = 0;
			return *pp;
		}
	}
	if (t->n >= t->nb)
		ht_rehash(t);
	e = xmalloc(sizeof *e + n + 1);
	e->hash = h;
	e->aux = NULL;
	e->val = 0;
	e->klen = n;
	memcpy(e->key, k, n);
	e->key[n] = '\0';
	e->next = t->b[h & (t->nb - 1)];
	t->b[h & (t->nb - 1)] = e;
	t->n++;
	if (added)
		*added = 1;
	return e;
}

void ht_remove(struct htab *t, const char *k, size_t n)
{
	struct hent **pp, *e;
	if (!t->nb)
		return;
	pp = ht_link(t, k, n, hash_bytes(k, n));
	if ((e = *pp) != NULL) {
		*pp = e->next;
		free(e);
		t->n--;
	}
}

void ht_free(struct htab *t, void (*free_aux)(void *))
{
	size_t i;
	for (i = 0; i < t->nb; i++) {
		struct hent *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			if (free_aux)
				free_aux(e->aux);
			free(e);
		}
	}
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	if (!b.p)
		buf_add(&b, "", 0);
	*len = b.len;
	return b.p;
}

/* Writes path atomically: a temporary file beside it, then rename. */
int write_atomic(const char *path, const char *data, size_t len)
{
	struct buf tmp = { 0 };
	FILE *f;
	int ok;
	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if (!(f = fopen(tmp.p, "w"))) {
		fprintf(stderr, "fakebb: %s: %s\n", tmp.p, strerror(errno));
		free(tmp.p);
		return -1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp.p, path) != 0) {
		fprintf(stderr, "fakebb: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp.p);
		free(tmp.p);
		return -1;
	}
	free(tmp.p);
	return 0;
}
