/*
 * fakebb: the shared mutable state. Each lock guards one thing and none is
 * held while another is taken:
 *   g_state.mu  the permission table (key -> permission).
 *   g_stats.mu  the /_stats counters, the in-flight count and the table of
 *               requests in progress per permission key.
 *   g_log.mu    serialises writes to --log.
 * (branch.c's g_br.mu guards the branch restrictions; state_text, state_reset
 * and state_free call into branch.c with none of these held.)
 */
#include "fakebb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	pthread_mutex_t mu;
	struct htab perms;              /* key -> val: P_* */
} g_state = { .mu = PTHREAD_MUTEX_INITIALIZER };

enum { C_REQUESTS, C_OK, C_429, C_5XX, C_DROPPED, C_4XX, C_OVERLAPS, C_ABORTED,
       C_LISTS, C_REPO_LISTS, C_PROJECT_LISTS, C_MEMBER_LISTS, C_WRITES, C_GETS,
       C_ACCESS_LISTS, C_IDENTITY, C_BRANCH_LISTS, C_BRANCH_GETS, C_BRANCH_WRITES, C_COUNT };

/* In the order /_stats shows them, in_flight and max_in_flight aside. */
static const char *const counter_names[C_COUNT] = {
	"requests", "ok", "status_429", "status_5xx", "dropped", "status_4xx", "overlaps",
	"aborted", "lists", "repo_lists", "project_lists", "member_lists", "writes", "gets",
	"access_lists", "identity", "branch_lists", "branch_gets", "branch_writes",
};

static struct {
	pthread_mutex_t mu;
	unsigned long long n[C_COUNT];
	long in_flight, max_in_flight;
	struct htab keys;               /* key -> val: requests in progress */
} g_stats = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct {
	pthread_mutex_t mu;
	FILE *f;
} g_log = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------------ */
/* Permissions                                                         */

int state_get(const char *key, size_t klen)
{
	struct hent *e;
	int perm;
	pthread_mutex_lock(&g_state.mu);
	e = ht_find(&g_state.perms, key, klen);
	perm = e ? (int)e->val : P_NONE;
	pthread_mutex_unlock(&g_state.mu);
	return perm;
}

void state_set(const char *key, size_t klen, int perm)
{
	pthread_mutex_lock(&g_state.mu);
	ht_insert(&g_state.perms, key, klen, NULL)->val = perm;
	pthread_mutex_unlock(&g_state.mu);
}

void state_del(const char *key, size_t klen)
{
	pthread_mutex_lock(&g_state.mu);
	ht_remove(&g_state.perms, key, klen);
	pthread_mutex_unlock(&g_state.mu);
}

void state_reset(void)
{
	size_t i;
	pthread_mutex_lock(&g_state.mu);
	ht_free(&g_state.perms, NULL);
	for (i = 0; i < g_fx.nseeds; i++)
		ht_insert(&g_state.perms, g_fx.seeds[i].key, g_fx.seeds[i].klen, NULL)->val =
			g_fx.seeds[i].perm;
	pthread_mutex_unlock(&g_state.mu);
	branch_reset();
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct permrow *)a)->subject, ((const struct permrow *)b)->subject);
}

size_t state_scan(int kind, const char *ws, const char *target, int subj,
		  struct permrow **out)
{
	size_t plen, n = 0, cap = 0, i;
	char *prefix = make_key(kind, ws, target, subj, "", &plen);
	struct permrow *rows = NULL;

	pthread_mutex_lock(&g_state.mu);
	for (i = 0; i < g_state.perms.nb; i++) {
		const struct hent *e;
		for (e = g_state.perms.b[i]; e; e = e->next) {
			if (e->klen <= plen || memcmp(e->key, prefix, plen) != 0)
				continue;
			if (n == cap)
				rows = xrealloc(rows, (cap = cap ? cap * 2 : 16) * sizeof *rows);
			rows[n].subject = xstrdup(e->key + plen);
			rows[n++].perm = (int)e->val;
		}
	}
	pthread_mutex_unlock(&g_state.mu);
	free(prefix);
	if (n)
		qsort(rows, n, sizeof *rows, cmp_rows);
	*out = rows;
	return n;
}

void permrows_free(struct permrow *rows, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(rows[i].subject);
	free(rows);
}

/* The state as sorted lines "kind\tws\ttarget\tsubjectkind\tsubject\tperm\n",
 * and the branch restrictions' lines (branch_lines). */
struct buf state_text(void)
{
	struct buf out = { 0 };
	char **lines, **blines;
	size_t n = 0, i, nb = branch_lines(&blines);

	pthread_mutex_lock(&g_state.mu);
	lines = xmalloc((g_state.perms.n + nb + 1) * sizeof *lines);
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
	for (i = 0; i < nb; i++)
		lines[n++] = blines[i];
	free(blines);
	qsort(lines, n, sizeof *lines, cmp_strp);
	for (i = 0; i < n; i++) {
		buf_puts(&out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (!out.p)
		buf_add(&out, "", 0);
	return out;
}

void state_free(void)
{
	ht_free(&g_state.perms, NULL);
	ht_free(&g_stats.keys, NULL);
	branch_free();
}

/* ------------------------------------------------------------------ */
/* Stats                                                               */

int list_counter(const struct req *r)
{
	if (strcmp(r->method, "GET") != 0)
		return LC_NONE;
	switch (r->ep) {
	case EP_PERM_LIST: return LC_PERMS;
	case EP_REPO_LIST: return LC_REPOS;
	case EP_PROJECT_LIST: return LC_PROJECTS;
	case EP_MEMBER_LIST: return LC_MEMBERS;
	case EP_ACCESS: return LC_ACCESS;
	case EP_BRANCH_LIST: return LC_BRANCH;
	default: return LC_NONE;
	}
}

void stats_enter(struct req *r)
{
	int write = strcmp(r->method, "PUT") == 0 || strcmp(r->method, "DELETE") == 0;
	pthread_mutex_lock(&g_stats.mu);
	g_stats.n[C_REQUESTS]++;
	if (r->ep == EP_PERM && write)
		g_stats.n[C_WRITES]++;
	else if (r->ep == EP_PERM && strcmp(r->method, "GET") == 0)
		g_stats.n[C_GETS]++;
	else if ((r->ep == EP_BRANCH || r->ep == EP_BRANCH_LIST) &&
		 (write || strcmp(r->method, "POST") == 0))
		g_stats.n[C_BRANCH_WRITES]++;
	else if (r->ep == EP_BRANCH && strcmp(r->method, "GET") == 0)
		g_stats.n[C_BRANCH_GETS]++;
	if (++g_stats.in_flight > g_stats.max_in_flight)
		g_stats.max_in_flight = g_stats.in_flight;
	if (r->key) {
		struct hent *e = ht_insert(&g_stats.keys, r->key, r->klen, NULL);
		if (e->val > 0)
			g_stats.n[C_OVERLAPS]++;
		e->val++;
	}
	pthread_mutex_unlock(&g_stats.mu);
	r->in_flight = 1;
}

/* status 0: dropped; -1: the client went away. */
static void stats_leave(struct req *r, int status)
{
	static const int list_c[] = { -1, C_LISTS, C_REPO_LISTS, C_PROJECT_LISTS, C_MEMBER_LISTS,
				      C_ACCESS_LISTS, C_BRANCH_LISTS };
	int lc = list_counter(r);
	pthread_mutex_lock(&g_stats.mu);
	g_stats.in_flight--;
	if (r->key) {
		struct hent *e = ht_find(&g_stats.keys, r->key, r->klen);
		if (e && --e->val <= 0)
			ht_remove(&g_stats.keys, r->key, r->klen);
	}
	if (status < 0)
		g_stats.n[C_ABORTED]++;
	else if (status == 0)
		g_stats.n[C_DROPPED]++;
	else if (status < 300)
		g_stats.n[C_OK]++;
	else if (status == 429)
		g_stats.n[C_429]++;
	else if (status >= 500)
		g_stats.n[C_5XX]++;
	else if (status >= 400)
		g_stats.n[C_4XX]++;
	if (status == 200 && lc != LC_NONE)
		g_stats.n[list_c[lc]]++;
	pthread_mutex_unlock(&g_stats.mu);
	r->in_flight = 0;
}

/* GET /user: not an API request (no misbehaviour, not in `requests`), but
 * counted on its own so a run's whole budget can be told. */
void stats_identity(void)
{
	pthread_mutex_lock(&g_stats.mu);
	g_stats.n[C_IDENTITY]++;
	pthread_mutex_unlock(&g_stats.mu);
}

unsigned long long stats_repo_lists(void)
{
	unsigned long long n;
	pthread_mutex_lock(&g_stats.mu);
	n = g_stats.n[C_REPO_LISTS];
	pthread_mutex_unlock(&g_stats.mu);
	return n;
}

void stats_json(struct buf *b)
{
	int i;
	pthread_mutex_lock(&g_stats.mu);
	buf_puts(b, "{");
	for (i = 0; i < C_COUNT; i++)
		buf_printf(b, "\"%s\":%llu,", counter_names[i], g_stats.n[i]);
	buf_printf(b, "\"max_in_flight\":%ld,\"in_flight\":%ld}\n", g_stats.max_in_flight,
		   g_stats.in_flight);
	pthread_mutex_unlock(&g_stats.mu);
}

void stats_reset(void)
{
	pthread_mutex_lock(&g_stats.mu);
	memset(g_stats.n, 0, sizeof g_stats.n);
	g_stats.max_in_flight = g_stats.in_flight;
	pthread_mutex_unlock(&g_stats.mu);
}

/* ------------------------------------------------------------------ */
/* --log                                                               */

int log_open(const char *path)
{
	return (g_log.f = fopen(path, "w")) != NULL ? 0 : -1;
}

void log_close(void)
{
	if (g_log.f)
		fclose(g_log.f);
	g_log.f = NULL;
}

/* Ends an API request: out of flight, counted, logged. */
void finish(struct req *r, const char *method, int status, const char *perm)
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
	else if (r->listkey)
		key_render(&line, r->listkey, r->listklen, '|');
	else
		buf_puts(&line, "-");
	buf_printf(&line, "\t%d\t%s\n", status, perm && perm[0] ? perm : "-");
	pthread_mutex_lock(&g_log.mu);
	fwrite(line.p, 1, line.len, g_log.f);
	fflush(g_log.f);
	pthread_mutex_unlock(&g_log.mu);
	free(line.p);
}
