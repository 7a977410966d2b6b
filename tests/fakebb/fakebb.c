/*
 * fakebb: a fake Bitbucket Cloud 2.0 server for the permission endpoints,
 * used by bbperm's end-to-end tests, the demo and the benchmarks.
 *
 * DESIGN
 * libmicrohttpd (MHD) runs the HTTP side. By default every connection has its
 * own thread (MHD_USE_THREAD_PER_CONNECTION), so a request sleeping for
 * --latency never delays another connection; --threads N uses a pool of N
 * threads instead. MHD calls the access handler at least twice per request:
 * once after the headers (we allocate a struct req, split and decode the raw
 * path, count the request and mark its permission key as in flight), then
 * once per body chunk (kept up to 64 KiB), then once with no data, when we
 * answer. The completion callback frees the struct req, and takes it out of
 * flight if that last call never came (the client went away).
 *
 * MHD percent-decodes the path by default, turning %2F into '/'. We install a
 * no-op unescape callback, split the raw path on '/', then decode each
 * segment, so `a%2Fb` stays one segment.
 *
 * Locks. Each protects one thing; none is held while sleeping and none is
 * taken while another is held, so they cannot deadlock:
 *   g_state.mu  the permission table (key -> permission).
 *   g_stats.mu  the /_stats counters, the global in-flight count and the
 *               table of requests in progress per permission key.
 *   g_ctl.mu    the misbehaviour settings, the two rate-limit rings, the PRNG.
 *   g_json_mu   cJSON's parser, which writes a global error record.
 *   g_log.mu    serialises writes to --log (I/O under it is fine: it guards
 *               nothing else).
 * The fixture is loaded before the daemon starts and never changes after, so
 * it is read without a lock.
 */
#include <cjson/cJSON.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY     (64 * 1024)
#define MAX_WINDOW   10000000u      /* largest N in N/MS */
#define MAX_DELAY_MS 600000u        /* 10 minutes */
#define DEFAULT_FIXTURE "tests/fakebb/fixture.json"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */

static void die(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("fakebb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	lower_ascii(d);
	return d;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Growable, always NUL-terminated byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

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

static void buf_add(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void buf_printf(struct buf *b, const char *fmt, ...)
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
static void buf_json_str(struct buf *b, const char *s)
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

/* ------------------------------------------------------------------ */
/* Hash table: byte-string keys, chained, power-of-two buckets.        */

struct hent {
	struct hent *next;
	uint64_t hash;
	void *aux;              /* owner's pointer (freed by ht_free's callback) */
	long val;
	size_t klen;
	char key[];             /* klen bytes, then a NUL */
};

struct htab {
	struct hent **b;
	size_t nb, n;
};

static uint64_t hash_bytes(const char *k, size_t n)
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

static struct hent *ht_find(const struct htab *t, const char *k, size_t n)
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
static struct hent *ht_insert(struct htab *t, const char *k, size_t n, int *added)
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

static void ht_remove(struct htab *t, const char *k, size_t n)
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

static void ht_free(struct htab *t, void (*free_aux)(void *))
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
/* Vocabulary                                                          */

enum { K_REPO, K_PROJECT };                     /* what a permission is on */
enum { S_GROUP, S_USER };                       /* who it is for */
enum { P_NONE, P_READ, P_WRITE, P_ADMIN, P_CREATE_REPO };
enum { NT_REPO, NT_PROJECT, NT_GROUP, NT_USER, NT_COUNT };

static const char *const kind_names[] = { "repository", "project" };
static const char *const subj_names[] = { "group", "user" };
static const char *const perm_names[] = { "none", "read", "write", "admin", "create-repo" };
static const char *const nt_lists[NT_COUNT] = { "repositories", "projects", "groups", "users" };
static const char *const nt_prefixes[NT_COUNT] = {
	"repository_prefixes", "project_prefixes", "group_prefixes", "user_prefixes"
};

/* read|write|admin, and create-repo for projects; P_NONE if not valid. */
static int perm_parse(const char *s, int kind)
{
	int p;
	for (p = P_READ; p <= P_CREATE_REPO; p++)
		if (strcmp(s, perm_names[p]) == 0)
			return (p == P_CREATE_REPO && kind != K_PROJECT) ? P_NONE : p;
	return P_NONE;
}

/* The normalised permission key: kind, workspace, target, subject kind and
 * subject, all lowercase, joined by NUL bytes (names cannot hold NUL).
 * Returns malloced bytes (NUL-terminated too); *klen excludes the last NUL. */
static char *make_key(int kind, const char *ws, const char *target, int subj,
		      const char *subject, size_t *klen)
{
	const char *parts[5] = { kind_names[kind], ws, target, subj_names[subj], subject };
	size_t lens[5], total = 0, off = 0, i;
	char *k;
	for (i = 0; i < 5; i++)
		total += (lens[i] = strlen(parts[i])) + 1;
	k = xmalloc(total);
	for (i = 0; i < 5; i++) {
		memcpy(k + off, parts[i], lens[i] + 1);
		off += lens[i] + 1;
	}
	*klen = total - 1;
	return k;
}

/* Appends a key with its NUL separators replaced by sep. Control bytes, and
 * sep itself inside a name, are written as %XX so a line stays one line. */
static void key_render(struct buf *b, const char *key, size_t klen, char sep)
{
	size_t i;
	for (i = 0; i < klen; i++) {
		unsigned char ch = (unsigned char)key[i];
		if (ch == '\0')
			buf_add(b, &sep, 1);
		else if (ch < 0x20 || ch == 0x7f || ch == (unsigned char)sep)
			buf_printf(b, "%%%02X", ch);
		else
			buf_add(b, &key[i], 1);
	}
}

/* ------------------------------------------------------------------ */
/* Fixture (immutable once loaded)                                     */

struct workspace {
	char *name;                     /* lowercase */
	struct htab names;              /* type byte + lowercase name -> aux: fixture spelling */
	char **prefixes[NT_COUNT];      /* lowercase */
	size_t nprefixes[NT_COUNT];
};

struct cred {
	char *userpass;                 /* "user:pass" */
	size_t userpass_len;
	char *display;
};

struct seed {
	char *key;
	size_t klen;
	int perm;
};

static struct {
	struct cred *creds;
	size_t ncreds;
	char **tokens;
	size_t ntokens;
	struct htab workspaces;         /* lowercase name -> aux: struct workspace * */
	struct seed *seeds;
	size_t nseeds;
} g_fx;

static const struct workspace *find_ws(const char *lname)
{
	struct hent *e = ht_find(&g_fx.workspaces, lname, strlen(lname));
	return e ? e->aux : NULL;
}

/* Does the lowercase name of type nt exist in w? *orig gets the fixture's
 * spelling for a listed name, NULL for one matched by prefix. */
static int ws_has(const struct workspace *w, int nt, const char *lname, const char **orig)
{
	size_t n = strlen(lname), i;
	char stackbuf[256], *k = n + 1 <= sizeof stackbuf ? stackbuf : xmalloc(n + 1);
	struct hent *e;
	k[0] = (char)('0' + nt);
	memcpy(k + 1, lname, n);
	e = ht_find(&w->names, k, n + 1);
	if (k != stackbuf)
		free(k);
	*orig = NULL;
	if (e) {
		*orig = e->aux;
		return 1;
	}
	for (i = 0; i < w->nprefixes[nt]; i++) {
		size_t pl = strlen(w->prefixes[nt][i]);
		if (n > pl && memcmp(lname, w->prefixes[nt][i], pl) == 0)
			return 1;
	}
	return 0;
}

static char *read_file(const char *path, size_t *len)
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

static const char *fx_string(const cJSON *j, const char *path, const char *what)
{
	if (!cJSON_IsString(j) || !j->valuestring[0])
		die("%s: %s must be a non-empty string", path, what);
	return j->valuestring;
}

static void fx_check_array(const cJSON *j, const char *path, const char *what)
{
	if (!cJSON_IsArray(j))
		die("%s: %s must be an array", path, what);
}

static void fx_workspace(const char *path, const cJSON *jw)
{
	struct workspace *w = xcalloc(1, sizeof *w);
	const cJSON *field, *item;
	struct hent *e;
	int added, nt;

	if (!cJSON_IsObject(jw))
		die("%s: workspace '%s' must be an object", path, jw->string);
	w->name = lower_dup(jw->string);
	e = ht_insert(&g_fx.workspaces, w->name, strlen(w->name), &added);
	if (!added)
		die("%s: workspace '%s' is listed twice", path, jw->string);
	e->aux = w;
	cJSON_ArrayForEach(field, jw) {
		int found = 0;
		if (field->string[0] == '_')
			continue;
		for (nt = 0; nt < NT_COUNT; nt++) {
			if (strcmp(field->string, nt_lists[nt]) == 0) {
				found = 1;
				fx_check_array(field, path, field->string);
				cJSON_ArrayForEach(item, field) {
					const char *name = fx_string(item, path, field->string);
					char *k = xmalloc(strlen(name) + 2);
					struct hent *ne;
					k[0] = (char)('0' + nt);
					strcpy(k + 1, name);
					lower_ascii(k + 1);
					ne = ht_insert(&w->names, k, strlen(k), &added);
					if (added)
						ne->aux = xstrdup(name);
					free(k);
				}
			} else if (strcmp(field->string, nt_prefixes[nt]) == 0) {
				found = 1;
				fx_check_array(field, path, field->string);
				cJSON_ArrayForEach(item, field) {
					const char *pre = fx_string(item, path, field->string);
					w->prefixes[nt] = xrealloc(w->prefixes[nt],
						(w->nprefixes[nt] + 1) * sizeof *w->prefixes[nt]);
					w->prefixes[nt][w->nprefixes[nt]++] = lower_dup(pre);
				}
			}
		}
		if (!found)
			die("%s: workspace '%s': unknown field '%s'", path, jw->string, field->string);
	}
}

static void fx_seed(const char *path, const cJSON *jp)
{
	const char *ws = NULL, *target = NULL, *subject = NULL, *perm = NULL, *orig;
	int kind = -1, subj = -1, p;
	const cJSON *f;
	const struct workspace *w;
	char *lws, *ltarget, *lsubject;
	struct seed *s;

	if (!cJSON_IsObject(jp))
		die("%s: each permission must be an object", path);
	cJSON_ArrayForEach(f, jp) {
		const char *v;
		if (f->string[0] == '_')
			continue;
		v = fx_string(f, path, f->string);
		if (strcmp(f->string, "workspace") == 0) {
			ws = v;
		} else if (strcmp(f->string, "repository") == 0 || strcmp(f->string, "project") == 0) {
			if (target)
				die("%s: a permission names both a repository and a project", path);
			target = v;
			kind = f->string[0] == 'r' ? K_REPO : K_PROJECT;
		} else if (strcmp(f->string, "group") == 0 || strcmp(f->string, "user") == 0) {
			if (subject)
				die("%s: a permission names both a group and a user", path);
			subject = v;
			subj = f->string[0] == 'g' ? S_GROUP : S_USER;
		} else if (strcmp(f->string, "permission") == 0) {
			perm = v;
		} else {
			die("%s: permission: unknown field '%s'", path, f->string);
		}
	}
	if (!ws || !target || !subject || !perm)
		die("%s: each permission needs workspace, repository or project, group or user, "
		    "and permission", path);
	if ((p = perm_parse(perm, kind)) == P_NONE)
		die("%s: permission '%s' is not valid for a %s", path, perm, kind_names[kind]);
	lws = lower_dup(ws);
	ltarget = lower_dup(target);
	lsubject = lower_dup(subject);
	if (!(w = find_ws(lws)))
		die("%s: permission names unknown workspace '%s'", path, ws);
	if (!ws_has(w, kind == K_REPO ? NT_REPO : NT_PROJECT, ltarget, &orig))
		die("%s: permission names unknown %s '%s'", path, kind_names[kind], target);
	if (!ws_has(w, subj == S_GROUP ? NT_GROUP : NT_USER, lsubject, &orig))
		die("%s: permission names unknown %s '%s'", path, subj_names[subj], subject);
	g_fx.seeds = xrealloc(g_fx.seeds, (g_fx.nseeds + 1) * sizeof *g_fx.seeds);
	s = &g_fx.seeds[g_fx.nseeds++];
	s->key = make_key(kind, lws, ltarget, subj, lsubject, &s->klen);
	s->perm = p;
	free(lws);
	free(ltarget);
	free(lsubject);
}

static void load_fixture(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	const cJSON *f, *item;

	if (!root)
		die("%s: not valid JSON (near byte %ld)", path, end ? (long)(end - text) : 0L);
	if (!cJSON_IsObject(root))
		die("%s: the top level must be an object", path);
	cJSON_ArrayForEach(f, root) {
		if (f->string[0] == '_' || strcmp(f->string, "permissions") == 0)
			continue;
		if (strcmp(f->string, "credentials") == 0) {
			fx_check_array(f, path, "credentials");
			cJSON_ArrayForEach(item, f) {
				const char *u = fx_string(cJSON_GetObjectItemCaseSensitive(item, "username"),
							  path, "credentials[].username");
				const cJSON *pj = cJSON_GetObjectItemCaseSensitive(item, "password");
				const cJSON *dj = cJSON_GetObjectItemCaseSensitive(item, "display_name");
				struct cred *c;
				struct buf b = { 0 };
				if (!cJSON_IsString(pj))
					die("%s: credentials[].password must be a string", path);
				buf_printf(&b, "%s:%s", u, pj->valuestring);
				g_fx.creds = xrealloc(g_fx.creds, (g_fx.ncreds + 1) * sizeof *g_fx.creds);
				c = &g_fx.creds[g_fx.ncreds++];
				c->userpass = b.p;
				c->userpass_len = b.len;
				c->display = xstrdup(cJSON_IsString(dj) ? dj->valuestring : u);
			}
		} else if (strcmp(f->string, "bearer_tokens") == 0) {
			fx_check_array(f, path, "bearer_tokens");
			cJSON_ArrayForEach(item, f) {
				g_fx.tokens = xrealloc(g_fx.tokens, (g_fx.ntokens + 1) * sizeof *g_fx.tokens);
				g_fx.tokens[g_fx.ntokens++] = xstrdup(fx_string(item, path, "bearer_tokens[]"));
			}
		} else if (strcmp(f->string, "workspaces") == 0) {
			if (!cJSON_IsObject(f))
				die("%s: workspaces must be an object", path);
			cJSON_ArrayForEach(item, f)
				fx_workspace(path, item);
		} else {
			die("%s: unknown top-level field '%s'", path, f->string);
		}
	}
	/* Seeds last: they refer to workspaces whatever the field order. */
	f = cJSON_GetObjectItemCaseSensitive(root, "permissions");
	if (f) {
		fx_check_array(f, path, "permissions");
		cJSON_ArrayForEach(item, f)
			fx_seed(path, item);
	}
	cJSON_Delete(root);
	free(text);
}

static void free_workspace(void *p)
{
	struct workspace *w = p;
	size_t i;
	int nt;
	ht_free(&w->names, free);
	for (nt = 0; nt < NT_COUNT; nt++) {
		for (i = 0; i < w->nprefixes[nt]; i++)
			free(w->prefixes[nt][i]);
		free(w->prefixes[nt]);
	}
	free(w->name);
	free(w);
}

static void free_fixture(void)
{
	size_t i;
	for (i = 0; i < g_fx.ncreds; i++) {
		free(g_fx.creds[i].userpass);
		free(g_fx.creds[i].display);
	}
	free(g_fx.creds);
	for (i = 0; i < g_fx.ntokens; i++)
		free(g_fx.tokens[i]);
	free(g_fx.tokens);
	for (i = 0; i < g_fx.nseeds; i++)
		free(g_fx.seeds[i].key);
	free(g_fx.seeds);
	ht_free(&g_fx.workspaces, free_workspace);
}

/* ------------------------------------------------------------------ */
/* Shared mutable state                                                */

static struct {
	pthread_mutex_t mu;
	struct htab perms;              /* key -> val: P_* */
} g_state = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct {
	pthread_mutex_t mu;
	unsigned long long requests, ok, s429, s4xx, s5xx, dropped, aborted, overlaps;
	long in_flight, max_in_flight;
	struct htab keys;               /* key -> val: requests in progress */
} g_stats = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct misconf {
	unsigned rl_n, rl_ms;           /* --rate-limit N/MS (N = 0: off) */
	unsigned burst_n, burst_ms;     /* --burst N/MS */
	long retry_after;               /* seconds; -1: no Retry-After */
	int retry_after_date;           /* send it as an HTTP-date */
	double fail_rate, drop_rate;
	unsigned latency_ms, jitter_ms;
};

/* Sliding window: the timestamps of the last n accepted requests. */
struct window {
	unsigned n;
	uint64_t span_us;
	uint64_t *ring;
	unsigned head, count;
};

static struct {
	pthread_mutex_t mu;
	struct misconf cf;
	struct window rl, burst;
	uint64_t rng;
} g_ctl = { .mu = PTHREAD_MUTEX_INITIALIZER };

static pthread_mutex_t g_json_mu = PTHREAD_MUTEX_INITIALIZER;

static struct {
	pthread_mutex_t mu;
	FILE *f;
} g_log = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int g_tls;                       /* serving https; set before MHD starts */

static void window_init(struct window *w, unsigned n, unsigned ms)
{
	w->n = n;
	w->span_us = (uint64_t)ms * 1000u;
	w->ring = n ? xcalloc(n, sizeof *w->ring) : NULL;
	w->head = w->count = 0;
}

static int window_allows(const struct window *w, uint64_t t)
{
	return w->n == 0 || w->count < w->n || t - w->ring[w->head] >= w->span_us;
}

static void window_record(struct window *w, uint64_t t)
{
	if (w->n == 0)
		return;
	if (w->count < w->n) {
		w->ring[(w->head + w->count) % w->n] = t;
		w->count++;
	} else {
		w->ring[w->head] = t;
		w->head = (w->head + 1) % w->n;
	}
}

/* xorshift64*; call with g_ctl.mu held. */
static uint64_t rng_next(void)
{
	uint64_t x = g_ctl.rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g_ctl.rng = x;
	return x * 2685821657736338717ull;
}

static double rng_double(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static void rng_seed(uint64_t seed)
{
	/* splitmix64 step, so that seeds 0, 1, 2 give unrelated streams */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	g_ctl.rng = z ? z : 0x2545f4914f6cdd1dull;
}

static void state_reset(void)
{
	size_t i;
	pthread_mutex_lock(&g_state.mu);
	ht_free(&g_state.perms, NULL);
	for (i = 0; i < g_fx.nseeds; i++)
		ht_insert(&g_state.perms, g_fx.seeds[i].key, g_fx.seeds[i].klen, NULL)->val =
			g_fx.seeds[i].perm;
	pthread_mutex_unlock(&g_state.mu);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The state as sorted lines "kind\tws\ttarget\tsubjectkind\tsubject\tperm\n". */
static struct buf state_text(void)
{
	struct buf out = { 0 };
	char **lines;
	size_t n = 0, i;

	pthread_mutex_lock(&g_state.mu);
	lines = xmalloc((g_state.perms.n ? g_state.perms.n : 1) * sizeof *lines);
	for (i = 0; i < g_state.perms.nb; i++) {
		const struct hent *e;
		for (e = g_state.perms.b[i]; e; e = e->next) {
			struct buf l = { 0 };
			key_render(&l, e->key, e->klen, '\t');
			buf_printf(&l, "\t%s\n", perm_names[e->val]);
			lines[n++] = l.p;
		}
	}
	pthread_mutex_unlock(&g_state.mu);
	qsort(lines, n, sizeof *lines, cmp_lines);
	for (i = 0; i < n; i++) {
		buf_puts(&out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (!out.p)
		buf_add(&out, "", 0);
	return out;
}

/* Writes path atomically: a temporary file beside it, then rename. */
static int write_atomic(const char *path, const char *data, size_t len)
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

/* ------------------------------------------------------------------ */
/* Requests                                                            */

enum { RT_OTHER, RT_PERM, RT_USER, RT_STATE, RT_STATS, RT_RESET, RT_CONFIG, RT_CONTROL_OTHER };

struct req {
	int type;
	int parsed;                     /* RT_PERM whose path has the right shape */
	int kind, subj;
	char *path;                     /* copy of the raw path, split and decoded in place */
	const char *seg[3];             /* ws, target, subject: decoded, as sent */
	char *lower[3];                 /* the same, lowercase (malloced) */
	char *key;                      /* permission key, or NULL */
	size_t klen;
	char method[16];                /* for --log when the client goes away */
	uint64_t start_us;
	int in_flight;                  /* counted in g_stats.in_flight */
	int too_large;
	struct buf body;
	cJSON *json;                    /* parsed PUT body, or NULL */
	char logperm[32];
};

struct reply {
	unsigned status;
	const char *ctype;              /* static string or NULL */
	struct buf body;
	const char *hname;              /* one extra header, or NULL */
	char hval[64];
	const char *logperm;            /* for --log; NULL: "-" */
};

static void reply_error(struct reply *rep, unsigned status, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void reply_error(struct reply *rep, unsigned status, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);    /* truncation is fine for a message */
	va_end(ap);
	rep->status = status;
	rep->ctype = "application/json";
	buf_puts(&rep->body, "{\"type\":\"error\",\"error\":{\"message\":");
	buf_json_str(&rep->body, msg);
	buf_puts(&rep->body, "}}");
}

static void reply_text(struct reply *rep, unsigned status, const char *ctype, const char *text)
{
	rep->status = status;
	rep->ctype = ctype;
	buf_puts(&rep->body, text);
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, struct reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	resp = MHD_create_response_from_buffer(rep->body.len, rep->body.p, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(rep->body.p);
		return MHD_NO;
	}
	if (rep->ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->ctype);
	if (rep->hname)
		MHD_add_response_header(resp, rep->hname, rep->hval);
	ret = MHD_queue_response(c, rep->status, resp);
	MHD_destroy_response(resp);
	return ret;
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

/* Decodes %XX in place ('+' stays '+': this is a path). A malformed escape is
 * kept as it is. Returns -1 if the result would hold a NUL byte. */
static int pct_decode(char *s)
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

/* Classifies the raw path and, for a well-formed permission path, fills in
 * the decoded segments and the permission key. */
static void route(struct req *r, const char *url)
{
	char *segs[8], *p;
	size_t n = 0, i;
	int ok;

	r->type = RT_OTHER;
	if (strncmp(url, "/_", 2) == 0) {
		r->type = strcmp(url, "/_state") == 0 ? RT_STATE
			: strcmp(url, "/_stats") == 0 ? RT_STATS
			: strcmp(url, "/_reset") == 0 ? RT_RESET
			: strcmp(url, "/_config") == 0 ? RT_CONFIG : RT_CONTROL_OTHER;
		return;
	}
	if (strncmp(url, "/2.0/", 5) == 0)
		url += 4;
	if (url[0] != '/')
		return;
	r->path = xstrdup(url + 1);
	for (p = r->path; n < 8; ) {
		segs[n++] = p;
		if (!(p = strchr(p, '/')))
			break;
		*p++ = '\0';
	}
	if (p)                          /* more than 8 segments */
		n = 0;
	if (n == 1 && strcmp(segs[0], "user") == 0) {
		r->type = RT_USER;
		return;
	}
	if (n == 0 || (strcmp(segs[0], "repositories") != 0 && strcmp(segs[0], "workspaces") != 0)) {
		if (n == 0 && (strncmp(r->path, "repositories/", 13) == 0 ||
			       strncmp(r->path, "workspaces/", 11) == 0))
			r->type = RT_PERM;
		return;
	}
	r->type = RT_PERM;
	if (segs[0][0] == 'r') {
		/* repositories/{ws}/{repo}/permissions-config/{groups|users}/{id} */
		ok = n == 6 && strcmp(segs[3], "permissions-config") == 0;
		r->kind = K_REPO;
		r->seg[0] = segs[1];
		r->seg[1] = segs[2];
		i = 4;
	} else {
		/* workspaces/{ws}/projects/{key}/permissions-config/{groups|users}/{id} */
		ok = n == 7 && strcmp(segs[2], "projects") == 0 &&
		     strcmp(segs[4], "permissions-config") == 0;
		r->kind = K_PROJECT;
		r->seg[0] = segs[1];
		r->seg[1] = segs[3];
		i = 5;
	}
	if (!ok)
		return;
	if (strcmp(segs[i], "groups") == 0)
		r->subj = S_GROUP;
	else if (strcmp(segs[i], "users") == 0)
		r->subj = S_USER;
	else
		return;
	r->seg[2] = segs[i + 1];
	for (i = 0; i < 3; i++)
		if (r->seg[i][0] == '\0' || pct_decode((char *)r->seg[i]) != 0)
			return;
	for (i = 0; i < 3; i++)
		r->lower[i] = lower_dup(r->seg[i]);
	r->key = make_key(r->kind, r->lower[0], r->lower[1], r->subj, r->lower[2], &r->klen);
	r->parsed = 1;
}

static void stats_enter(struct req *r)
{
	pthread_mutex_lock(&g_stats.mu);
	g_stats.requests++;
	if (++g_stats.in_flight > g_stats.max_in_flight)
		g_stats.max_in_flight = g_stats.in_flight;
	if (r->key) {
		struct hent *e = ht_insert(&g_stats.keys, r->key, r->klen, NULL);
		if (e->val > 0)
			g_stats.overlaps++;
		e->val++;
	}
	pthread_mutex_unlock(&g_stats.mu);
	r->in_flight = 1;
}

/* status 0: dropped; -1: the client went away. */
static void stats_leave(struct req *r, int status)
{
	pthread_mutex_lock(&g_stats.mu);
	g_stats.in_flight--;
	if (r->key) {
		struct hent *e = ht_find(&g_stats.keys, r->key, r->klen);
		if (e && --e->val <= 0)
			ht_remove(&g_stats.keys, r->key, r->klen);
	}
	if (status < 0)
		g_stats.aborted++;
	else if (status == 0)
		g_stats.dropped++;
	else if (status < 300)
		g_stats.ok++;
	else if (status == 429)
		g_stats.s429++;
	else if (status >= 500)
		g_stats.s5xx++;
	else if (status >= 400)
		g_stats.s4xx++;
	pthread_mutex_unlock(&g_stats.mu);
	r->in_flight = 0;
}

/* Ends a permission request: out of flight, counted, logged. */
static void finish(struct req *r, const char *method, int status, const char *perm)
{
	uint64_t end = now_us();
	struct buf line = { 0 };

	stats_leave(r, status);
	if (!g_log.f)
		return;
	buf_printf(&line, "%llu\t%llu\t%s\t", (unsigned long long)r->start_us,
		   (unsigned long long)end, method);
	if (r->key)
		key_render(&line, r->key, r->klen, '|');
	else
		buf_puts(&line, "-");
	buf_printf(&line, "\t%d\t%s\n", status, perm && perm[0] ? perm : "-");
	pthread_mutex_lock(&g_log.mu);
	fwrite(line.p, 1, line.len, g_log.f);
	fflush(g_log.f);
	pthread_mutex_unlock(&g_log.mu);
	free(line.p);
}

static cJSON *parse_json(const struct buf *b)
{
	cJSON *j;
	if (!b->p)
		return NULL;
	pthread_mutex_lock(&g_json_mu);
	j = cJSON_ParseWithLength(b->p, b->len);
	pthread_mutex_unlock(&g_json_mu);
	return j;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Decodes base64 (padding optional) into out; returns the length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
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

/* The display name of the caller, or NULL if not authenticated. */
static const char *authenticate(struct MHD_Connection *c)
{
	const char *h = header(c, MHD_HTTP_HEADER_AUTHORIZATION), *tok;
	size_t n, i;
	if (!h)
		return NULL;
	while (*h == ' ' || *h == '\t')
		h++;
	tok = h + strcspn(h, " \t");
	n = (size_t)(tok - h);
	while (*tok == ' ' || *tok == '\t')
		tok++;
	{
		size_t tl = strlen(tok);
		while (tl > 0 && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t'))
			tl--;
		if (n == 5 && strncasecmp(h, "Basic", 5) == 0) {
			unsigned char *dec = xmalloc(tl / 4 * 3 + 3);
			long dl = b64_decode(tok, tl, dec);
			const char *who = NULL;
			for (i = 0; dl >= 0 && i < g_fx.ncreds && !who; i++)
				if ((size_t)dl == g_fx.creds[i].userpass_len &&
				    memcmp(dec, g_fx.creds[i].userpass, (size_t)dl) == 0)
					who = g_fx.creds[i].display;
			free(dec);
			return who;
		}
		if (n == 6 && strncasecmp(h, "Bearer", 6) == 0) {
			for (i = 0; i < g_fx.ntokens; i++)
				if (strlen(g_fx.tokens[i]) == tl && memcmp(tok, g_fx.tokens[i], tl) == 0)
					return "Bearer token user";
		}
	}
	return NULL;
}

/* Content-Type is application/json, parameters allowed. */
static int is_json_type(const char *v)
{
	if (!v)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "application/json", 16) != 0)
		return 0;
	v += 16;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || *v == ';';
}

/* The JSON body of a permission: the shape Bitbucket answers GET and PUT with. */
static void perm_body(struct buf *b, struct MHD_Connection *c, const char *url,
		      const struct req *r, int perm, const char *torig, const char *sorig)
{
	const char *host = header(c, MHD_HTTP_HEADER_HOST);
	const char *subject = sorig ? sorig : r->seg[2];
	struct buf tmp = { 0 };

	buf_printf(b, "{\"type\":\"%s_%s_permission\",", kind_names[r->kind], subj_names[r->subj]);
	if (r->subj == S_GROUP) {
		buf_puts(b, "\"group\":{\"type\":\"group\",\"slug\":");
		buf_json_str(b, r->lower[2]);
		buf_puts(b, ",\"name\":");
		buf_json_str(b, subject);
		buf_printf(&tmp, "%s:%s", r->lower[0], r->lower[2]);
		buf_puts(b, ",\"full_slug\":");
		buf_json_str(b, tmp.p);
	} else {
		buf_puts(b, "\"user\":{\"type\":\"user\",");
		buf_puts(b, subject[0] == '{' ? "\"uuid\":" : "\"account_id\":");
		buf_json_str(b, subject);
		buf_puts(b, ",\"display_name\":");
		buf_json_str(b, subject);
	}
	buf_printf(b, "},\"permission\":\"%s\",", perm_names[perm]);
	if (r->kind == K_REPO) {
		tmp.len = 0;
		buf_printf(&tmp, "%s/%s", r->lower[0], r->lower[1]);
		buf_puts(b, "\"repository\":{\"type\":\"repository\",\"full_name\":");
		buf_json_str(b, tmp.p);
		buf_puts(b, ",\"name\":");
		buf_json_str(b, torig ? torig : r->seg[1]);
	} else {
		buf_puts(b, "\"project\":{\"type\":\"project\",\"key\":");
		buf_json_str(b, torig ? torig : r->seg[1]);
	}
	tmp.len = 0;
	buf_printf(&tmp, "%s://%s%s", g_tls ? "https" : "http", host ? host : "127.0.0.1", url);
	buf_puts(b, "},\"links\":{\"self\":{\"href\":");
	buf_json_str(b, tmp.p);
	buf_puts(b, "}}}");
	free(tmp.p);
}

/* The permission endpoints proper, once auth and misbehaviour are passed. */
static void handle_perm(struct MHD_Connection *c, const char *url, const char *method,
			struct req *r, struct reply *rep)
{
	const struct workspace *w;
	const char *torig, *sorig;
	int perm;

	if (!r->parsed) {
		reply_error(rep, 404, "Resource not found");
		return;
	}
	if (!(w = find_ws(r->lower[0]))) {
		reply_error(rep, 404, "Workspace '%s' not found", r->seg[0]);
		return;
	}
	if (!ws_has(w, r->kind == K_REPO ? NT_REPO : NT_PROJECT, r->lower[1], &torig)) {
		if (r->kind == K_REPO)
			reply_error(rep, 404, "Repository '%s/%s' not found", r->seg[0], r->seg[1]);
		else
			reply_error(rep, 404, "Project '%s' not found in workspace '%s'",
				    r->seg[1], r->seg[0]);
		return;
	}
	if (!ws_has(w, r->subj == S_GROUP ? NT_GROUP : NT_USER, r->lower[2], &sorig)) {
		reply_error(rep, 404, "%s '%s' not found", r->subj == S_GROUP ? "Group" : "User",
			    r->seg[2]);
		return;
	}

	if (strcmp(method, "GET") == 0) {
		struct hent *e;
		pthread_mutex_lock(&g_state.mu);
		e = ht_find(&g_state.perms, r->key, r->klen);
		perm = e ? (int)e->val : P_NONE;
		pthread_mutex_unlock(&g_state.mu);
		if (perm == P_NONE) {
			reply_error(rep, 404, "No permission set for %s '%s' on %s '%s'",
				    subj_names[r->subj], r->seg[2], kind_names[r->kind], r->seg[1]);
			return;
		}
		rep->status = 200;
		rep->ctype = "application/json";
		rep->logperm = perm_names[perm];
		perm_body(&rep->body, c, url, r, perm, torig, sorig);
	} else if (strcmp(method, "DELETE") == 0) {
		pthread_mutex_lock(&g_state.mu);
		ht_remove(&g_state.perms, r->key, r->klen);
		pthread_mutex_unlock(&g_state.mu);
		rep->status = 204;
	} else if (strcmp(method, "PUT") == 0) {
		const cJSON *pj;
		char *shown;
		if (!is_json_type(header(c, MHD_HTTP_HEADER_CONTENT_TYPE))) {
			reply_error(rep, 400, "Content-Type must be application/json");
			return;
		}
		if (r->too_large) {
			reply_error(rep, 413, "Request body is larger than %d bytes", MAX_BODY);
			return;
		}
		if (!cJSON_IsObject(r->json)) {
			reply_error(rep, 400, "The request body must be a JSON object");
			return;
		}
		pj = cJSON_GetObjectItemCaseSensitive(r->json, "permission");
		if (!pj) {
			reply_error(rep, 400, "permission: this field is required");
			return;
		}
		if (cJSON_GetArraySize(r->json) != 1) {
			const cJSON *f;
			for (f = r->json->child; f && strcmp(f->string, "permission") == 0; f = f->next)
				;
			reply_error(rep, 400, "Unexpected property '%s'; only 'permission' is allowed",
				    f ? f->string : "permission");
			return;
		}
		perm = cJSON_IsString(pj) ? perm_parse(pj->valuestring, r->kind) : P_NONE;
		if (perm == P_NONE) {
			shown = cJSON_IsString(pj) ? NULL : cJSON_PrintUnformatted(pj);
			reply_error(rep, 400, "permission: value '%s' is not valid",
				    shown ? shown : pj->valuestring);
			free(shown);
			return;
		}
		pthread_mutex_lock(&g_state.mu);
		ht_insert(&g_state.perms, r->key, r->klen, NULL)->val = perm;
		pthread_mutex_unlock(&g_state.mu);
		rep->status = 200;
		rep->ctype = "application/json";
		perm_body(&rep->body, c, url, r, perm, torig, sorig);
	} else {
		reply_error(rep, 405, "Method %s is not allowed here", method);
		rep->hname = "Allow";
		snprintf(rep->hval, sizeof rep->hval, "GET, PUT, DELETE");
	}
}

/* Retry-After as an IMF-fixdate, now + secs. */
static void http_date(char *out, size_t size, long secs)
{
	time_t t = time(NULL) + secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A permission request, on the final call of the handler. */
static enum MHD_Result perm_request(struct MHD_Connection *c, const char *url,
				    const char *method, struct req *r)
{
	struct reply rep = { 0 };
	unsigned delay, fail = 0;
	int drop = 0, limited = 0;
	struct misconf cf;

	/* The requested permission, for --log; the PUT handler uses it too. */
	if (strcmp(method, "PUT") == 0 && !r->too_large) {
		const cJSON *pj;
		r->json = parse_json(&r->body);
		pj = cJSON_GetObjectItemCaseSensitive(r->json, "permission");
		if (cJSON_IsString(pj)) {
			size_t i;
			snprintf(r->logperm, sizeof r->logperm, "%s", pj->valuestring);
			for (i = 0; r->logperm[i]; i++)
				if ((unsigned char)r->logperm[i] < 0x20 || r->logperm[i] == 0x7f)
					r->logperm[i] = '?';
		}
	}

	pthread_mutex_lock(&g_ctl.mu);
	cf = g_ctl.cf;
	delay = cf.latency_ms + (cf.jitter_ms ? (unsigned)(rng_next() % (cf.jitter_ms + 1u)) : 0);
	pthread_mutex_unlock(&g_ctl.mu);
	if (delay)
		sleep_ms(delay);

	pthread_mutex_lock(&g_ctl.mu);
	cf = g_ctl.cf;
	if (cf.drop_rate > 0 || cf.fail_rate > 0) {
		double x = rng_double();
		if (x < cf.drop_rate) {
			drop = 1;
		} else if (x < cf.drop_rate + cf.fail_rate) {
			static const unsigned codes[] = { 500, 502, 503 };
			fail = codes[rng_next() % 3];
		}
	}
	pthread_mutex_unlock(&g_ctl.mu);

	if (drop) {
		finish(r, method, 0, r->logperm);
		return MHD_NO;
	}
	if (fail) {
		const char *title = fail == 500 ? "500 Internal Server Error"
			: fail == 502 ? "502 Bad Gateway" : "503 Service Unavailable";
		rep.status = fail;
		rep.ctype = "text/html";
		buf_printf(&rep.body, "<html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n",
			   title, title);
		/* a proxy in maintenance says when to come back */
		if (fail == 503 && cf.retry_after >= 0) {
			rep.hname = MHD_HTTP_HEADER_RETRY_AFTER;
			snprintf(rep.hval, sizeof rep.hval, "%ld", cf.retry_after);
		}
	} else if (!authenticate(c)) {
		reply_error(&rep, 401, "Unauthorized");
	} else {
		uint64_t t = now_us();
		pthread_mutex_lock(&g_ctl.mu);
		if (!window_allows(&g_ctl.rl, t))
			limited = 1;
		else if (!window_allows(&g_ctl.burst, t))
			limited = 2;
		else {
			window_record(&g_ctl.rl, t);
			window_record(&g_ctl.burst, t);
		}
		cf = g_ctl.cf;
		pthread_mutex_unlock(&g_ctl.mu);
		if (limited) {
			reply_text(&rep, 429, "text/plain", "Rate limit for this resource has been exceeded");
			if (limited == 1 && cf.retry_after >= 0) {
				rep.hname = MHD_HTTP_HEADER_RETRY_AFTER;
				if (cf.retry_after_date)
					http_date(rep.hval, sizeof rep.hval, cf.retry_after);
				else
					snprintf(rep.hval, sizeof rep.hval, "%ld", cf.retry_after);
			}
		} else {
			rep.logperm = r->logperm;
			handle_perm(c, url, method, r, &rep);
		}
	}
	finish(r, method, (int)rep.status, rep.logperm ? rep.logperm : r->logperm);
	return queue_reply(c, &rep);
}

/* ------------------------------------------------------------------ */
/* Control endpoints                                                   */

static void config_json(struct buf *b, const struct misconf *cf)
{
	buf_printf(b, "{\"rate_limit\":\"%u/%u\",\"retry_after\":%ld,\"retry_after_date\":%s,"
		   "\"burst\":\"%u/%u\",\"fail_rate\":%g,\"drop_rate\":%g,"
		   "\"latency_ms\":%u,\"latency_jitter_ms\":%u}\n",
		   cf->rl_n, cf->rl_ms, cf->retry_after, cf->retry_after_date ? "true" : "false",
		   cf->burst_n, cf->burst_ms, cf->fail_rate, cf->drop_rate,
		   cf->latency_ms, cf->jitter_ms);
}

/* "N/MS" with N <= MAX_WINDOW; "0/0" (or N = 0) turns the limit off. */
static int parse_window(const char *s, unsigned *n, unsigned *ms)
{
	char *end;
	unsigned long a, b;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	a = strtoul(s, &end, 10);
	if (errno || *end != '/' || end[1] < '0' || end[1] > '9' || a > MAX_WINDOW)
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (errno || *end || b > UINT_MAX / 1000)
		return -1;
	if (a > 0 && b == 0)
		return -1;
	*n = (unsigned)a;
	*ms = a ? (unsigned)b : 0;
	return 0;
}

static int valid_rate(double d)
{
	return d >= 0.0 && d <= 1.0;
}

/* POST /_config: validates everything first, then applies it in one go. */
static void control_config(struct req *r, struct reply *rep)
{
	cJSON *j = parse_json(&r->body);
	const cJSON *f;
	struct misconf cf;
	struct window rl = { 0 }, burst = { 0 }, old_rl = { 0 }, old_burst = { 0 };
	int set_rl = 0, set_burst = 0;

	pthread_mutex_lock(&g_ctl.mu);
	cf = g_ctl.cf;
	pthread_mutex_unlock(&g_ctl.mu);
	if (!cJSON_IsObject(j)) {
		reply_error(rep, 400, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(f, j) {
		const char *k = f->string;
		double v = cJSON_IsNumber(f) ? f->valuedouble : -1.0;
		if (strcmp(k, "rate_limit") == 0 || strcmp(k, "burst") == 0) {
			int is_rl = k[0] == 'r';
			unsigned *n = is_rl ? &cf.rl_n : &cf.burst_n, *ms = is_rl ? &cf.rl_ms : &cf.burst_ms;
			if (cJSON_IsNull(f) || (cJSON_IsNumber(f) && v == 0)) {
				*n = *ms = 0;
			} else if (!cJSON_IsString(f) || parse_window(f->valuestring, n, ms) != 0) {
				reply_error(rep, 400, "%s: expected \"N/MS\"", k);
				goto out;
			}
			*(is_rl ? &set_rl : &set_burst) = 1;
		} else if (strcmp(k, "retry_after") == 0) {
			if (cJSON_IsNull(f) || v == -1.0) {
				cf.retry_after = -1;
			} else if (!cJSON_IsNumber(f) || v < 0 || v > 86400 * 365 || v != (double)(long)v) {
				reply_error(rep, 400, "retry_after: expected whole seconds, or -1/null for none");
				goto out;
			} else {
				cf.retry_after = (long)v;
			}
		} else if (strcmp(k, "retry_after_date") == 0) {
			if (!cJSON_IsBool(f)) {
				reply_error(rep, 400, "retry_after_date: expected true or false");
				goto out;
			}
			cf.retry_after_date = cJSON_IsTrue(f);
		} else if (strcmp(k, "fail_rate") == 0 || strcmp(k, "drop_rate") == 0) {
			if (!cJSON_IsNumber(f) || !valid_rate(v)) {
				reply_error(rep, 400, "%s: expected a number from 0 to 1", k);
				goto out;
			}
			*(k[0] == 'f' ? &cf.fail_rate : &cf.drop_rate) = v;
		} else if (strcmp(k, "latency_ms") == 0 || strcmp(k, "latency_jitter_ms") == 0) {
			if (!cJSON_IsNumber(f) || v < 0 || v > MAX_DELAY_MS || v != (double)(unsigned)v) {
				reply_error(rep, 400, "%s: expected whole milliseconds from 0 to %u", k,
					    MAX_DELAY_MS);
				goto out;
			}
			*(strcmp(k, "latency_ms") == 0 ? &cf.latency_ms : &cf.jitter_ms) = (unsigned)v;
		} else {
			reply_error(rep, 400, "unknown field '%s'", k);
			goto out;
		}
	}
	if (cf.fail_rate + cf.drop_rate > 1.0) {
		reply_error(rep, 400, "fail_rate + drop_rate must not exceed 1");
		goto out;
	}
	/* Rings are allocated and freed outside the lock. */
	if (set_rl)
		window_init(&rl, cf.rl_n, cf.rl_ms);
	if (set_burst)
		window_init(&burst, cf.burst_n, cf.burst_ms);
	pthread_mutex_lock(&g_ctl.mu);
	g_ctl.cf = cf;
	if (set_rl) {
		old_rl = g_ctl.rl;
		g_ctl.rl = rl;
	}
	if (set_burst) {
		old_burst = g_ctl.burst;
		g_ctl.burst = burst;
	}
	pthread_mutex_unlock(&g_ctl.mu);
	free(old_rl.ring);
	free(old_burst.ring);
	rep->status = 200;
	rep->ctype = "application/json";
	config_json(&rep->body, &cf);
out:
	cJSON_Delete(j);
}

static void control_request(const char *method, struct req *r, struct reply *rep)
{
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

	if (r->type == RT_CONTROL_OTHER) {
		reply_error(rep, 404, "Resource not found");
	} else if (r->type == RT_STATE && get) {
		rep->status = 200;
		rep->ctype = "text/plain";
		rep->body = state_text();
	} else if (r->type == RT_STATS && get) {
		pthread_mutex_lock(&g_stats.mu);
		buf_printf(&rep->body,
			   "{\"requests\":%llu,\"ok\":%llu,\"status_429\":%llu,\"status_5xx\":%llu,"
			   "\"dropped\":%llu,\"status_4xx\":%llu,\"overlaps\":%llu,"
			   "\"max_in_flight\":%ld,\"in_flight\":%ld,\"aborted\":%llu}\n",
			   g_stats.requests, g_stats.ok, g_stats.s429, g_stats.s5xx, g_stats.dropped,
			   g_stats.s4xx, g_stats.overlaps, g_stats.max_in_flight, g_stats.in_flight,
			   g_stats.aborted);
		pthread_mutex_unlock(&g_stats.mu);
		rep->status = 200;
		rep->ctype = "application/json";
	} else if (r->type == RT_RESET && post) {
		pthread_mutex_lock(&g_ctl.mu);
		g_ctl.rl.head = g_ctl.rl.count = 0;
		g_ctl.burst.head = g_ctl.burst.count = 0;
		pthread_mutex_unlock(&g_ctl.mu);
		pthread_mutex_lock(&g_stats.mu);
		g_stats.requests = g_stats.ok = g_stats.s429 = g_stats.s4xx = g_stats.s5xx = 0;
		g_stats.dropped = g_stats.aborted = g_stats.overlaps = 0;
		g_stats.max_in_flight = g_stats.in_flight;
		pthread_mutex_unlock(&g_stats.mu);
		state_reset();
		reply_text(rep, 200, "application/json", "{\"reset\":true}\n");
	} else if (r->type == RT_CONFIG && post) {
		control_config(r, rep);
	} else if (r->type == RT_CONFIG && get) {
		struct misconf cf;
		pthread_mutex_lock(&g_ctl.mu);
		cf = g_ctl.cf;
		pthread_mutex_unlock(&g_ctl.mu);
		rep->status = 200;
		rep->ctype = "application/json";
		config_json(&rep->body, &cf);
	} else {
		reply_error(rep, 405, "Method %s is not allowed here", method);
		rep->hname = "Allow";
		snprintf(rep->hval, sizeof rep->hval, "%s",
			 r->type == RT_RESET ? "POST" : r->type == RT_CONFIG ? "GET, POST" : "GET");
	}
}

/* ------------------------------------------------------------------ */
/* MHD callbacks                                                       */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	struct reply rep = { 0 };
	(void)cls;
	(void)version;

	if (!r) {                       /* headers are in */
		r = xcalloc(1, sizeof *r);
		*con_cls = r;
		r->start_us = now_us();
		snprintf(r->method, sizeof r->method, "%s", method);
		route(r, url);
		if (r->type == RT_PERM)
			stats_enter(r);
		return MHD_YES;
	}
	if (*upload_data_size) {        /* a piece of the body */
		if (r->body.len + *upload_data_size > MAX_BODY)
			r->too_large = 1;
		else
			buf_add(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	switch (r->type) {
	case RT_PERM:
		return perm_request(c, url, method, r);
	case RT_USER: {
		const char *who = strcmp(method, "GET") == 0 ? authenticate(c) : NULL;
		if (strcmp(method, "GET") != 0) {
			reply_error(&rep, 405, "Method %s is not allowed here", method);
		} else if (!who) {
			reply_error(&rep, 401, "Unauthorized");
		} else {
			rep.status = 200;
			rep.ctype = "application/json";
			buf_puts(&rep.body, "{\"type\":\"user\",\"display_name\":");
			buf_json_str(&rep.body, who);
			buf_puts(&rep.body, ",\"uuid\":\"{00000000-0000-4000-8000-00000000fa6e}\","
				 "\"account_id\":\"557058:00000000-0000-0000-0000-00000000fa6e\","
				 "\"nickname\":");
			buf_json_str(&rep.body, who);
			buf_puts(&rep.body, "}");
		}
		break;
	}
	case RT_OTHER:
		reply_error(&rep, 404, "Resource not found");
		break;
	default:
		control_request(method, r, &rep);
		break;
	}
	return queue_reply(c, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	size_t i;
	(void)cls;
	(void)c;
	(void)toe;
	if (!r)
		return;
	if (r->in_flight)               /* the client left before the answer */
		finish(r, r->method, -1, NULL);
	for (i = 0; i < 3; i++)
		free(r->lower[i]);
	free(r->path);
	free(r->key);
	free(r->body.p);
	cJSON_Delete(r->json);
	free(r);
	*con_cls = NULL;
}

/* MHD's error log, less the line it prints for every --drop-rate drop. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (strstr(msg, "Application reported internal error") == NULL)
		fprintf(stderr, "fakebb: %s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

/* Leaves the URL as sent: we split on '/' before decoding. */
static size_t raw_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

struct opts {
	unsigned long port;
	const char *fixture, *state_file, *port_file, *log_path;
	const char *tls_cert, *tls_key;
	unsigned long threads;
	unsigned long long seed;
	int seed_given, retry_after_given;
	struct misconf cf;
};

static void usage(FILE *f)
{
	fputs("usage: fakebb [--port N] [--port-file PATH] [--fixture FILE] [--state-file PATH]\n"
	      "              [--threads N] [--tls-cert PEM --tls-key PEM] [--log PATH] [--seed N]\n"
	      "              [--rate-limit N/MS] [--retry-after SECONDS] [--retry-after-date]\n"
	      "              [--burst N/MS] [--fail-rate F] [--drop-rate F]\n"
	      "              [--latency MS] [--latency-jitter MS]\n"
	      "A fake Bitbucket Cloud permissions API on 127.0.0.1. Prints \"PORT <n>\" once\n"
	      "listening; stops on SIGTERM or SIGINT. See tests/fakebb/README.md.\n", f);
}

static unsigned long num_arg(const char *flag, const char *v, unsigned long max)
{
	char *end;
	unsigned long n;
	errno = 0;
	if (*v < '0' || *v > '9')
		die("%s: expected a whole number, got '%s'", flag, v);
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		die("%s: expected a whole number from 0 to %lu, got '%s'", flag, max, v);
	return n;
}

static double rate_arg(const char *flag, const char *v)
{
	char *end;
	double d;
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !valid_rate(d))
		die("%s: expected a number from 0 to 1, got '%s'", flag, v);
	return d;
}

static int takes_value(const char *flag)
{
	static const char *const flags[] = {
		"--port", "--port-file", "--fixture", "--state-file", "--log", "--tls-cert",
		"--tls-key", "--threads", "--seed", "--rate-limit", "--burst", "--retry-after",
		"--fail-rate", "--drop-rate", "--latency", "--latency-jitter",
	};
	size_t i;
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (strcmp(flag, flags[i]) == 0)
			return 1;
	return 0;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int i;
	o->fixture = DEFAULT_FIXTURE;
	o->cf.retry_after = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		char flag[64];
		size_t fl;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(a, "--", 2) != 0)
			die("unexpected argument '%s' (try --help)", a);
		eq = strchr(a, '=');
		fl = eq ? (size_t)(eq - a) : strlen(a);
		if (fl >= sizeof flag)
			die("unknown option '%s' (try --help)", a);
		memcpy(flag, a, fl);
		flag[fl] = '\0';
		if (strcmp(flag, "--retry-after-date") == 0) {
			if (eq)
				die("--retry-after-date takes no value");
			o->cf.retry_after_date = 1;
			continue;
		}
		if (!takes_value(flag))
			die("unknown option '%s' (try --help)", flag);
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			die("%s needs a value", flag);

		if (strcmp(flag, "--port") == 0)
			o->port = num_arg(flag, v, 65535);
		else if (strcmp(flag, "--port-file") == 0)
			o->port_file = v;
		else if (strcmp(flag, "--fixture") == 0)
			o->fixture = v;
		else if (strcmp(flag, "--state-file") == 0)
			o->state_file = v;
		else if (strcmp(flag, "--log") == 0)
			o->log_path = v;
		else if (strcmp(flag, "--tls-cert") == 0)
			o->tls_cert = v;
		else if (strcmp(flag, "--tls-key") == 0)
			o->tls_key = v;
		else if (strcmp(flag, "--threads") == 0)
			o->threads = num_arg(flag, v, 1024);
		else if (strcmp(flag, "--seed") == 0) {
			o->seed = num_arg(flag, v, ULONG_MAX);
			o->seed_given = 1;
		} else if (strcmp(flag, "--rate-limit") == 0) {
			if (parse_window(v, &o->cf.rl_n, &o->cf.rl_ms) != 0)
				die("--rate-limit: expected N/MS (N up to %u, MS > 0), got '%s'", MAX_WINDOW, v);
		} else if (strcmp(flag, "--burst") == 0) {
			if (parse_window(v, &o->cf.burst_n, &o->cf.burst_ms) != 0)
				die("--burst: expected N/MS (N up to %u, MS > 0), got '%s'", MAX_WINDOW, v);
		} else if (strcmp(flag, "--retry-after") == 0) {
			o->cf.retry_after = (long)num_arg(flag, v, 86400ul * 365);
			o->retry_after_given = 1;
		} else if (strcmp(flag, "--fail-rate") == 0)
			o->cf.fail_rate = rate_arg(flag, v);
		else if (strcmp(flag, "--drop-rate") == 0)
			o->cf.drop_rate = rate_arg(flag, v);
		else if (strcmp(flag, "--latency") == 0)
			o->cf.latency_ms = (unsigned)num_arg(flag, v, MAX_DELAY_MS);
		else if (strcmp(flag, "--latency-jitter") == 0)
			o->cf.jitter_ms = (unsigned)num_arg(flag, v, MAX_DELAY_MS);
		else
			die("unknown option '%s' (try --help)", flag);
	}
	if (o->cf.retry_after_date && !o->retry_after_given)
		die("--retry-after-date needs --retry-after SECONDS");
	if (o->cf.fail_rate + o->cf.drop_rate > 1.0)
		die("--fail-rate plus --drop-rate must not exceed 1");
	if (!o->tls_cert != !o->tls_key)
		die("--tls-cert and --tls-key go together");
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct MHD_Daemon *d;
	struct MHD_OptionItem items[8];
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	char *cert = NULL, *key = NULL;
	unsigned flags, port;
	size_t ni = 0, len;
	sigset_t sigs;
	int sig = 0, rc = 0;

	parse_args(argc, argv, &o);
	load_fixture(o.fixture);
	state_reset();
	g_ctl.cf = o.cf;
	window_init(&g_ctl.rl, o.cf.rl_n, o.cf.rl_ms);
	window_init(&g_ctl.burst, o.cf.burst_n, o.cf.burst_ms);
	rng_seed(o.seed_given ? o.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	if (o.log_path && !(g_log.f = fopen(o.log_path, "w")))
		die("%s: %s", o.log_path, strerror(errno));

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (o.threads == 0)
		flags |= MHD_USE_THREAD_PER_CONNECTION;
	else
		items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)o.threads, NULL };
	if (o.tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			die("this libmicrohttpd was built without TLS support; --tls-cert cannot work");
		cert = read_file(o.tls_cert, &len);
		key = read_file(o.tls_key, &len);
		flags |= MHD_USE_TLS;
		g_tls = 1;
		items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
		items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &sa };
	items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 300, NULL };
	items[ni++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	/* Block the stop signals before MHD starts threads, so that they inherit
	 * the mask and only sigwait() below ever takes them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	d = MHD_start_daemon(flags, (uint16_t)o.port, NULL, NULL, on_request, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_UNESCAPE_CALLBACK, raw_unescape, NULL,
			     MHD_OPTION_ARRAY, items,
			     MHD_OPTION_END);
	if (!d)
		die("cannot listen on 127.0.0.1:%lu (port in use, or bad TLS certificate/key?)", o.port);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : (unsigned)o.port;
	if (o.port_file) {
		char num[16];
		int n = snprintf(num, sizeof num, "%u\n", port);
		if (write_atomic(o.port_file, num, (size_t)n) != 0) {
			MHD_stop_daemon(d);
			exit(2);
		}
	}
	printf("PORT %u\n", port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(d);

	if (o.state_file) {
		struct buf st = state_text();
		if (write_atomic(o.state_file, st.p, st.len) != 0)
			rc = 1;
		free(st.p);
	}
	if (g_log.f)
		fclose(g_log.f);
	ht_free(&g_state.perms, NULL);
	ht_free(&g_stats.keys, NULL);
	free(g_ctl.rl.ring);
	free(g_ctl.burst.ring);
	free_fixture();
	free(cert);
	free(key);
	return rc;
}
