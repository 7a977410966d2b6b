/*
 * fakebb: a fake Bitbucket server (Cloud 2.0 and Data Center) for the
 * permission endpoints, branch restrictions and the lists around them, used
 * by bbperm's end-to-end tests, the demo and the benchmarks.
 *
 * DESIGN
 * libmicrohttpd (MHD) runs the HTTP side. By default every connection has its
 * own thread (MHD_USE_THREAD_PER_CONNECTION), so a request sleeping for
 * --latency never delays another connection; --threads N uses a pool of N
 * threads instead. MHD calls the access handler at least twice per request:
 * once after the headers (we allocate a struct req, route it: split and
 * decode the raw path, read the query, work out its permission key, count it
 * and mark the key as in flight), then once per body chunk (kept up to 64
 * KiB), then once with no data, when we answer. The completion callback frees
 * the struct req, and takes it out of flight if that last call never came
 * (the client went away).
 *
 * An API request (Cloud: /[2.0/]repositories/..., /[2.0/]workspaces/...;
 * Data Center: /rest/api/{latest,1.0}/..., /rest/branch-permissions/
 * {latest,2.0}/...) goes through the same pipeline whatever its API
 * (api_request): latency, drop or 5xx, authentication, the rate windows;
 * then cloud.c or dc.c answers it (branch restrictions: branch.c, once the
 * API found the target). Each API renders its own error bodies. Both keep
 * their permissions in the one table of state.c, under keys "kind,
 * workspace, target, subject kind, subject" (Data Center's workspace part is
 * "dc", its repository targets "project/slug"), and their branch
 * restrictions in branch.c's store, so /_state, /_reset, --state-file,
 * overlaps and --log treat them alike.
 *
 * MHD percent-decodes the path by default, turning %2F into '/'. We install a
 * no-op unescape callback, split the raw path on '/', then decode each
 * segment, so `a%2Fb` stays one segment. The same callback leaves the %XX of
 * query values to us (MHD has turned '+' into a space before it).
 *
 * Locks. Each protects one thing; none is held while sleeping and none is
 * taken while another is held, so they cannot deadlock: g_ctl.mu here (the
 * misbehaviour settings, the two rate-limit rings, the PRNG), g_json_mu
 * (cJSON's parser, which writes a global error record), those of state.c
 * (permissions, stats, log) and branch.c's (branch restrictions). The
 * fixture is loaded before the daemon starts and never changes after, so it
 * is read without a lock.
 */
#include "fakebb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_WINDOW   10000000u      /* largest N in N/MS */
#define MAX_DELAY_MS 600000u        /* 10 minutes */
#define DEFAULT_FIXTURE "tests/fakebb/fixture.json"

int g_tls;                              /* serving https; set before MHD starts */

/* ------------------------------------------------------------------ */
/* Misbehaviour settings                                               */

struct misconf {
	unsigned rl_n, rl_ms;           /* --rate-limit N/MS (N = 0: off) */
	unsigned burst_n, burst_ms;     /* --burst N/MS */
	long retry_after;               /* seconds; -1: no Retry-After */
	int retry_after_date;           /* send it as an HTTP-date */
	double fail_rate, drop_rate;
	unsigned latency_ms, jitter_ms;
	char latency_path[128];         /* latency only where the path holds it ("": all) */
	unsigned max_pagelen;           /* Cloud: pagelen is clamped to this (<= 100) */
	unsigned dc_max_limit;          /* Data Center: limit is clamped to this */
	char short_list[256];           /* lists whose path ends so drop their last item */
	int dc_replace_new;             /* a re-POSTed restriction is a new one (new id) */
	int dc_bulk_array;              /* a bulk POST of one answers an array */
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


static struct misconf cfg_get(void)
{
	struct misconf cf;
	pthread_mutex_lock(&g_ctl.mu);
	cf = g_ctl.cf;
	pthread_mutex_unlock(&g_ctl.mu);
	return cf;
}

unsigned cfg_max_pagelen(void)
{
	return cfg_get().max_pagelen;
}

unsigned cfg_dc_max_limit(void)
{
	return cfg_get().dc_max_limit;
}

int cfg_short_list(const struct req *r)
{
	struct misconf cf = cfg_get();
	size_t n = strcspn(r->rel, "?"), k = strlen(cf.short_list);
	return k && n >= k && !strncmp(r->rel + n - k, cf.short_list, k);
}

int cfg_dc_replace_new(void)
{
	return cfg_get().dc_replace_new;
}

int cfg_dc_bulk_array(void)
{
	return cfg_get().dc_bulk_array;
}

cJSON *parse_json(const struct buf *b)
{
	cJSON *j;
	if (!b->p)
		return NULL;
	pthread_mutex_lock(&g_json_mu);
	j = cJSON_ParseWithLength(b->p, b->len);
	pthread_mutex_unlock(&g_json_mu);
	return j;
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */

/* The length of an API prefix that url starts with, if it is a whole
 * segment or segments; else 0. */
static size_t has_prefix(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(url, prefix, n) == 0 && (url[n] == '/' || url[n] == '\0') ? n : 0;
}

/* Classifies the raw path; routes an API path to its API. */
static void route(struct req *r, const char *url, struct MHD_Connection *c)
{
	size_t skip;

	r->type = RT_OTHER;
	r->url = xstrdup(url);
	if (strncmp(url, "/_", 2) == 0) {
		r->type = strcmp(url, "/_state") == 0 ? RT_STATE
			: strcmp(url, "/_stats") == 0 ? RT_STATS
			: strcmp(url, "/_reset") == 0 ? RT_RESET
			: strcmp(url, "/_config") == 0 ? RT_CONFIG : RT_CONTROL_OTHER;
		return;
	}
	if ((skip = has_prefix(url, "/rest/branch-permissions/latest")) ||
	    (skip = has_prefix(url, "/rest/branch-permissions/2.0"))) {
		r->type = RT_API;
		r->api = API_DC;
		r->bp = 1;
		r->rel = r->url + skip;
		query_parse(c, r);
		dc_route(r);
		return;
	}
	if ((skip = has_prefix(url, "/rest/api/latest")) || (skip = has_prefix(url, "/rest/api/1.0"))) {
		r->type = RT_API;
		r->api = API_DC;
		r->rel = r->url + skip;
		query_parse(c, r);
		if (!access_route(r))
			dc_route(r);
		return;
	}
	if (strcmp(url, "/plugins/servlet/applinks/whoami") == 0) {
		r->type = RT_WHOAMI;    /* Data Center, at the context root */
		return;
	}
	skip = strncmp(url, "/2.0/", 5) == 0 ? 4 : 0;
	r->rel = r->url + skip;
	if (strncmp(url, "/1.0/groups/", 12) == 0) {
		r->type = RT_API;
		r->api = API_CLOUD;
		query_parse(c, r);
		access_route(r);
		return;
	}
	if (strcmp(r->rel, "/user") == 0) {
		r->type = RT_USER;
	} else if (has_prefix(r->rel, "/repositories") || has_prefix(r->rel, "/workspaces") ||
		   has_prefix(r->rel, "/users")) {
		r->type = RT_API;
		r->api = API_CLOUD;
		query_parse(c, r);
		if (!access_route(r))
			cloud_route(r);
	}
}

/* ------------------------------------------------------------------ */
/* API requests: misbehaviour, authentication, rate windows            */

/* Retry-After as an IMF-fixdate, now + secs. */
static void http_date(char *out, size_t size, long secs)
{
	time_t t = time(NULL) + secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void retry_after(struct reply *rep, long secs, int as_date)
{
	rep->hname = MHD_HTTP_HEADER_RETRY_AFTER;
	if (as_date)
		http_date(rep->hval, sizeof rep->hval, secs);
	else
		snprintf(rep->hval, sizeof rep->hval, "%ld", secs);
}

static void unauthorized(struct MHD_Connection *c, const struct req *r, struct reply *rep)
{
	if (r->api == API_CLOUD)
		reply_error(rep, 401, "Unauthorized");
	else if (header(c, MHD_HTTP_HEADER_AUTHORIZATION))
		reply_dc_error(rep, 401, "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
			       "Authentication failed. Please check your credentials and try again.");
	else
		reply_dc_error(rep, 401, "com.atlassian.bitbucket.AuthorisationException",
			       "You are not permitted to access this resource");
}

/* Cloud: text/plain, Retry-After only for --rate-limit and only if set.
 * Data Center: its error body, and always a Retry-After (1 s by default). */
static void too_many(const struct req *r, struct reply *rep, int window, const struct misconf *cf)
{
	if (r->api == API_CLOUD) {
		reply_text(rep, 429, "text/plain", "Rate limit for this resource has been exceeded");
		if (window == 1 && cf->retry_after >= 0)
			retry_after(rep, cf->retry_after, cf->retry_after_date);
		return;
	}
	reply_dc_error(rep, 429, "com.atlassian.bitbucket.ratelimit.RateLimitedException",
		       "Too many requests: you have been rate limited");
	if (cf->retry_after >= 0)
		retry_after(rep, cf->retry_after, cf->retry_after_date);
	else
		retry_after(rep, 1, 0);
}

/* An API request, on the final call of the handler. */
static enum MHD_Result api_request(struct MHD_Connection *c, const char *method, struct req *r)
{
	struct reply rep = { 0 };
	unsigned delay, fail = 0;
	int drop = 0, limited = 0;
	struct misconf cf;

	/* The requested permission, for --log; the PUT handler uses it too.
	 * A branch restriction's body: its kind (Cloud) or type (Data Center;
	 * a bulk POST: the first one's). */
	if ((strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) && !r->too_large &&
	    (r->api == API_CLOUD || r->ep == EP_BRANCH_LIST)) {
		const cJSON *pj, *bj;
		r->json = parse_json(&r->body);
		bj = cJSON_IsArray(r->json) ? cJSON_GetArrayItem(r->json, 0) : r->json;
		pj = cJSON_GetObjectItemCaseSensitive(bj, r->ep == EP_BRANCH_LIST || r->ep == EP_BRANCH
						      ? (r->api == API_CLOUD ? "kind" : "type")
						      : "permission");
		if (cJSON_IsString(pj))
			set_logperm(r, pj->valuestring);
	}

	pthread_mutex_lock(&g_ctl.mu);
	cf = g_ctl.cf;
	delay = cf.latency_ms + (cf.jitter_ms ? (unsigned)(rng_next() % (cf.jitter_ms + 1u)) : 0);
	if (cf.latency_path[0] && !strstr(r->url, cf.latency_path))
		delay = 0;
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
		if (fail == 503 && cf.retry_after >= 0)
			retry_after(&rep, cf.retry_after, 0);
	} else if (!authenticate(c)) {
		unauthorized(c, r, &rep);
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
			too_many(r, &rep, limited, &cf);
		} else {
			rep.logperm = r->logperm;
			if (r->api == API_DC)   /* Data Center names the user on its answers */
				rep.auser = auth_username(c);
			if (r->ep == EP_ACCESS)
				access_handle(c, r, &rep);
			else if (r->api == API_CLOUD)
				cloud_handle(c, r, &rep);
			else
				dc_handle(c, r, &rep);
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
		   "\"latency_ms\":%u,\"latency_jitter_ms\":%u,\"latency_path\":\"%s\","
		   "\"max_pagelen\":%u,\"dc_max_limit\":%u,\"dc_replace\":\"%s\",\"dc_bulk_array\":%s,"
		   "\"short_list\":",
		   cf->rl_n, cf->rl_ms, cf->retry_after, cf->retry_after_date ? "true" : "false",
		   cf->burst_n, cf->burst_ms, cf->fail_rate, cf->drop_rate,
		   cf->latency_ms, cf->jitter_ms, cf->latency_path, cf->max_pagelen, cf->dc_max_limit,
		   cf->dc_replace_new ? "new" : "update", cf->dc_bulk_array ? "true" : "false");
	if (cf->short_list[0])
		buf_json(b, "%j}\n", cf->short_list);
	else
		buf_puts(b, "null}\n");
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

/* A JSON whole number from lo to hi. */
static int whole_in(const cJSON *f, double lo, double hi)
{
	double v = f->valuedouble;
	return cJSON_IsNumber(f) && v >= lo && v <= hi && v == (double)(unsigned)v;
}

/* POST /_config: validates everything first, then applies it in one go. */
static void control_config(struct req *r, struct reply *rep)
{
	cJSON *j = parse_json(&r->body);
	const cJSON *f;
	struct misconf cf;
	struct window rl = { 0 }, burst = { 0 }, old_rl = { 0 }, old_burst = { 0 };
	int set_rl = 0, set_burst = 0;

	cf = cfg_get();
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
		} else if (strcmp(k, "dc_replace") == 0) {
			if (!cJSON_IsString(f) || (strcmp(f->valuestring, "update") != 0 &&
						   strcmp(f->valuestring, "new") != 0)) {
				reply_error(rep, 400, "dc_replace: expected \"update\" or \"new\"");
				goto out;
			}
			cf.dc_replace_new = f->valuestring[0] == 'n';
		} else if (strcmp(k, "dc_bulk_array") == 0) {
			if (!cJSON_IsBool(f)) {
				reply_error(rep, 400, "dc_bulk_array: expected true or false");
				goto out;
			}
			cf.dc_bulk_array = cJSON_IsTrue(f);
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
			if (!whole_in(f, 0, MAX_DELAY_MS)) {
				reply_error(rep, 400, "%s: expected whole milliseconds from 0 to %u", k,
					    MAX_DELAY_MS);
				goto out;
			}
			*(strcmp(k, "latency_ms") == 0 ? &cf.latency_ms : &cf.jitter_ms) = (unsigned)v;
		} else if (strcmp(k, "latency_path") == 0) {
			const char *lp = cJSON_IsString(f) ? f->valuestring : NULL;
			size_t i, n = lp ? strlen(lp) : 0;
			for (i = 0; lp && i < n && lp[i] > 0x20 && lp[i] < 0x7f && lp[i] != '"' &&
				    lp[i] != '\\'; i++)
				;
			if (!cJSON_IsNull(f) && (!lp || i < n || n >= sizeof cf.latency_path)) {
				reply_error(rep, 400, "latency_path: expected a path part (printable, no quote "
					    "or backslash, under %zu bytes), or null", sizeof cf.latency_path);
				goto out;
			}
			memcpy(cf.latency_path, lp ? lp : "", n + 1);
		} else if (strcmp(k, "max_pagelen") == 0 || strcmp(k, "dc_max_limit") == 0) {
			unsigned hi = k[0] == 'm' ? 100 : 1000000;
			if (!whole_in(f, 1, hi)) {
				reply_error(rep, 400, "%s: expected a whole number from 1 to %u", k, hi);
				goto out;
			}
			*(k[0] == 'm' ? &cf.max_pagelen : &cf.dc_max_limit) = (unsigned)v;
		} else if (strcmp(k, "short_list") == 0) {
			if (cJSON_IsNull(f)) {
				cf.short_list[0] = '\0';
			} else if (!cJSON_IsString(f) || strlen(f->valuestring) >= sizeof cf.short_list) {
				reply_error(rep, 400, "short_list: expected a path suffix or null");
				goto out;
			} else {
				memcpy(cf.short_list, f->valuestring, strlen(f->valuestring) + 1);
			}
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
	reply_json_start(rep, 200);
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
		reply_json_start(rep, 200);
		stats_json(&rep->body);
	} else if (r->type == RT_RESET && post) {
		pthread_mutex_lock(&g_ctl.mu);
		g_ctl.rl.head = g_ctl.rl.count = 0;
		g_ctl.burst.head = g_ctl.burst.count = 0;
		pthread_mutex_unlock(&g_ctl.mu);
		stats_reset();
		state_reset();
		reply_text(rep, 200, "application/json", "{\"reset\":true}\n");
	} else if (r->type == RT_CONFIG && post) {
		control_config(r, rep);
	} else if (r->type == RT_CONFIG && get) {
		struct misconf cf = cfg_get();
		reply_json_start(rep, 200);
		config_json(&rep->body, &cf);
	} else {
		reply_error(rep, 405, "Method %s is not allowed here", method);
		reply_allow(rep, r->type == RT_RESET ? "POST" : r->type == RT_CONFIG ? "GET, POST" : "GET");
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
		route(r, url, c);
		if (r->type == RT_API)
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
	case RT_API:
		return api_request(c, method, r);
	case RT_USER: {
		const char *who = strcmp(method, "GET") == 0 ? authenticate(c) : NULL;
		if (strcmp(method, "GET") == 0)
			stats_identity();
		if (strcmp(method, "GET") != 0) {
			reply_error(&rep, 405, "Method %s is not allowed here", method);
		} else if (!who) {
			reply_error(&rep, 401, "Unauthorized");
		} else {
			reply_json_start(&rep, 200);
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
	case RT_WHOAMI:
		/* Data Center's plain-text name of the caller: empty for a
		 * credential that names no person (a project or repository
		 * token), 401 for a refused one */
		if (strcmp(method, "GET") != 0) {
			reply_dc_error(&rep, 405, "com.atlassian.bitbucket.NotSupportedException",
				       "Method %s is not allowed here", method);
			break;
		}
		stats_identity();
		if (!authenticate(c)) {
			reply_text(&rep, 401, "text/plain", "");
		} else {
			const char *name = auth_username(c);
			reply_text(&rep, 200, "text/plain;charset=UTF-8", name ? name : "");
			rep.auser = name;
		}
		break;
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
	for (i = 0; i < r->nq; i++) {
		free(r->q[i].key);
		free(r->q[i].val);
	}
	free(r->q);
	free(r->url);
	free(r->path);
	free(r->key);
	free(r->listkey);
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
	      "A fake Bitbucket (Cloud and Data Center) permissions API on 127.0.0.1.\n"
	      "Prints \"PORT <n>\" once listening; stops on SIGTERM or SIGINT.\n"
	      "See tests/fakebb/README.md.\n", f);
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
	access_load(o.fixture);
	state_reset();
	o.cf.max_pagelen = 100;
	o.cf.dc_max_limit = g_fx.dc_max_limit;
	g_ctl.cf = o.cf;
	window_init(&g_ctl.rl, o.cf.rl_n, o.cf.rl_ms);
	window_init(&g_ctl.burst, o.cf.burst_n, o.cf.burst_ms);
	rng_seed(o.seed_given ? o.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	/* page tokens differ from run to run, whatever --seed says */
	cloud_tokens_init(now_us() ^ ((uint64_t)time(NULL) << 20) ^ ((uint64_t)getpid() << 44));
	if (o.log_path && log_open(o.log_path) != 0)
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
	log_close();
	state_free();
	free(g_ctl.rl.ring);
	free(g_ctl.burst.ring);
	free_fixture();
	free(cert);
	free(key);
	return rc;
}
