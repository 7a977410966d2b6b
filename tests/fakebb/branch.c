/*
 * fakebb: branch restrictions of both APIs.
 *
 * DESIGN
 * One store holds every restriction, Cloud's and Data Center's, as a struct
 * brule: its id (one counter for both, so an id names one restriction of the
 * whole server), where it is (workspace and repository; Data Center: "dc" and
 * "key" or "key/slug"), its rule (Cloud `kind`, Data Center `type`), its
 * matcher, an optional value and its subject lists, kept as sorted lowercase
 * ids (users as permission keys name them, group slugs or names, access key
 * numbers). The store is an array in id order, which is the order every list
 * answers in; g_br.mu guards it and the id counter. A handler validates the
 * body against the fixture (read-only, no lock) and then takes the lock for
 * the lookup, the uniqueness check, the change and the rendering of the
 * answer, all of them CPU work: no lock is held while sleeping, and no other
 * lock is taken while this one is held.
 *
 * The rules each API documents, and that this server enforces:
 * - Cloud: a kind + pattern (glob) or kind + branch_type (branching_model)
 *   is unique in a repository (a second one: 409); `users` and `groups` only
 *   on `push` and `restrict_merges` (which need both lists on POST, empty
 *   allowed); `value` only on the kinds that use one; PUT changes the fields
 *   present and ignores the others.
 * - Data Center: no update. POST (one object with application/json, or an
 *   array with application/vnd.atl.bitbucket.bulk+json) of a restriction
 *   whose scope, type and matcher equal an existing one's replaces that one's
 *   exemptions and keeps its id; /_config's "dc_replace": "new" makes it a
 *   new restriction (new id) beside the old one instead, as a server that
 *   does so would, so a client's "delete the old one" path can be tested.
 *
 * The fixture's restrictions are kept apart (g_seeds) and copied into the
 * store at start-up and by /_reset, with ids 1, 2, ... in fixture order.
 */
#include "fakebb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXC "com.atlassian.bitbucket."
#define EXC_BAD_ARG EXC "validation.ArgumentValidationException"
#define BULK_TYPE "application/vnd.atl.bitbucket.bulk+json"
#define ERRLEN 512

/* A sorted set of strings (lowercase ids). */
struct strs {
	char **v;
	size_t n;
};

struct brule {
	long id;
	int api;                        /* API_CLOUD, API_DC */
	char *ws;                       /* lowercase workspace, or DC_SPACE */
	char *target;                   /* lowercase slug (Cloud); "key" or "key/slug" (DC) */
	int scope_num;                  /* DC: the project's or repository's numeric id */
	char *rule;                     /* Cloud kind, Data Center type */
	int model;                      /* Cloud: branching_model (match: branch_type) */
	int mtype;                      /* DC: index into dc_mtypes */
	char *match;                    /* Cloud glob or branch type; DC matcher id */
	char *display;                  /* DC matcher displayId */
	int has_value;
	long value;
	struct strs users, groups, keys;        /* keys: decimal access key ids */
};

static struct {
	pthread_mutex_t mu;
	struct brule **v;               /* in id order */
	size_t n;
	long next_id;
} g_br = { .mu = PTHREAD_MUTEX_INITIALIZER, .next_id = 1 };

static struct {
	struct brule **v;
	size_t n;
} g_seeds;

/* ------------------------------------------------------------------ */
/* Sets, rules                                                         */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a copy of s (once). */
static void strs_add(struct strs *s, const char *v)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = xstrdup(v);
	qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

static void strs_free(struct strs *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void strs_copy(struct strs *to, const struct strs *from)
{
	size_t i;
	to->v = from->n ? xmalloc(from->n * sizeof *to->v) : NULL;
	to->n = from->n;
	for (i = 0; i < from->n; i++)
		to->v[i] = xstrdup(from->v[i]);
}

static void brule_free(struct brule *b)
{
	if (!b)
		return;
	free(b->ws);
	free(b->target);
	free(b->rule);
	free(b->match);
	free(b->display);
	strs_free(&b->users);
	strs_free(&b->groups);
	strs_free(&b->keys);
	free(b);
}

static struct brule *brule_copy(const struct brule *b)
{
	struct brule *c = xmalloc(sizeof *c);
	*c = *b;
	c->ws = xstrdup(b->ws);
	c->target = xstrdup(b->target);
	c->rule = b->rule ? xstrdup(b->rule) : NULL;
	c->match = b->match ? xstrdup(b->match) : NULL;
	c->display = b->display ? xstrdup(b->display) : NULL;
	strs_copy(&c->users, &b->users);
	strs_copy(&c->groups, &b->groups);
	strs_copy(&c->keys, &b->keys);
	return c;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

/* Same place, rule and matcher (the identity each API keeps unique). */
static int same_match(const struct brule *a, const struct brule *b)
{
	return a->api == b->api && strcmp(a->ws, b->ws) == 0 && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->rule, b->rule) == 0 && a->model == b->model && a->mtype == b->mtype &&
	       strcmp(a->match, b->match) == 0;
}

/* Call with g_br.mu held. The index of restriction id at (api, ws,
 * target), or -1. */
static long store_find(int api, const char *ws, const char *target, long id)
{
	size_t i;
	for (i = 0; i < g_br.n; i++) {
		const struct brule *b = g_br.v[i];
		if (b->id == id && b->api == api && strcmp(b->ws, ws) == 0 &&
		    strcmp(b->target, target) == 0)
			return (long)i;
	}
	return -1;
}

/* Call with g_br.mu held: another restriction (not skip) with b's identity. */
static struct brule *store_twin(const struct brule *b, const struct brule *skip)
{
	size_t i;
	for (i = 0; i < g_br.n; i++)
		if (g_br.v[i] != skip && same_match(g_br.v[i], b))
			return g_br.v[i];
	return NULL;
}

/* Call with g_br.mu held: b gets the next id and joins the store (which owns it). */
static void store_add(struct brule *b)
{
	b->id = g_br.next_id++;
	g_br.v = xrealloc(g_br.v, (g_br.n + 1) * sizeof *g_br.v);
	g_br.v[g_br.n++] = b;
}

static void store_del(size_t i)
{
	brule_free(g_br.v[i]);
	memmove(&g_br.v[i], &g_br.v[i + 1], (g_br.n - i - 1) * sizeof *g_br.v);
	g_br.n--;
}

/* The restriction id of a path segment: a whole number, or -1. */
static long parse_id(const char *s)
{
	long n = parse_count(s, 2147483647L);
	return n >= 2147483647L ? -1 : n;
}

/* ------------------------------------------------------------------ */
/* Cloud                                                               */

static const char *const cloud_kinds[] = {
	"push", "delete", "force", "restrict_merges", "require_tasks_to_be_completed",
	"require_approvals_to_merge", "require_review_group_approvals_to_merge",
	"require_default_reviewer_approvals_to_merge", "require_no_changes_requested",
	"require_passing_builds_to_merge", "require_commits_behind",
	"reset_pullrequest_approvals_on_change", "smart_reset_pullrequest_approvals",
	"reset_pullrequest_changes_requested_on_change", "require_all_dependencies_merged",
	"enforce_merge_checks", "allow_auto_merge_when_builds_pass", "require_all_comments_resolved",
};
#define NKINDS (sizeof cloud_kinds / sizeof cloud_kinds[0])

/* The kinds whose `value` means something, as the spec's `value` lists them. */
static const char *const value_kinds[] = {
	"require_approvals_to_merge", "require_default_reviewer_approvals_to_merge",
	"require_passing_builds_to_merge", "require_commits_behind",
};

static const char *const branch_types[] = {
	"feature", "bugfix", "release", "hotfix", "development", "production",
};

static int in_list(const char *v, const char *const *list, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

static int takes_subjects(const char *kind)
{
	return strcmp(kind, "push") == 0 || strcmp(kind, "restrict_merges") == 0;
}

static int takes_value(const char *kind)
{
	return in_list(kind, value_kinds, sizeof value_kinds / sizeof value_kinds[0]);
}

/* A whole number from 0 to max in a JSON number. */
static int json_whole(const cJSON *j, double max)
{
	return cJSON_IsNumber(j) && j->valuedouble >= 0 && j->valuedouble <= max &&
	       j->valuedouble == (double)(long)j->valuedouble;
}

/* Cloud users [{"uuid"} or {"account_id"}] and groups [{"slug"} or
 * {"full_slug": "ws:slug"}] into set; -1 and err on a bad one. */
static int cloud_subjects(const cJSON *arr, const struct space *ws, int nt, struct strs *set,
			  char *err)
{
	const char *field = nt == NT_USER ? "users" : "groups";
	const cJSON *it;
	int i = 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, ERRLEN, "%s: expected an array", field);
		return -1;
	}
	strs_free(set);
	cJSON_ArrayForEach(it, arr) {
		const cJSON *id = NULL;
		const struct ent *e;
		const char *name;
		char *l;
		if (nt == NT_USER) {
			id = cJSON_GetObjectItemCaseSensitive(it, "uuid");
			if (!cJSON_IsString(id))
				id = cJSON_GetObjectItemCaseSensitive(it, "account_id");
		} else {
			id = cJSON_GetObjectItemCaseSensitive(it, "slug");
			if (!cJSON_IsString(id))
				id = cJSON_GetObjectItemCaseSensitive(it, "full_slug");
		}
		if (!cJSON_IsObject(it) || !cJSON_IsString(id) || !id->valuestring[0]) {
			snprintf(err, ERRLEN, "%s[%d]: expected an object with %s", field, i,
				 nt == NT_USER ? "a uuid or an account_id" : "a slug");
			return -1;
		}
		name = id->valuestring;
		if (nt == NT_GROUP && strcmp(id->string, "full_slug") == 0) {
			const char *colon = strchr(name, ':');
			size_t wl = colon ? (size_t)(colon - name) : 0;
			if (!colon || strlen(ws->name) != wl || strncasecmp(name, ws->name, wl) != 0) {
				snprintf(err, ERRLEN, "groups[%d]: full_slug '%s' is not a group of "
					 "workspace '%s'", i, name, ws->spelling);
				return -1;
			}
			name = colon + 1;
		}
		l = lower_dup(name);
		if (!space_has(ws, nt, l, &e)) {
			snprintf(err, ERRLEN, "%s[%d]: %s '%s' is not in workspace '%s'", field, i,
				 nt == NT_USER ? "user" : "group", name, ws->spelling);
			free(l);
			return -1;
		}
		strs_add(set, e ? e->id : l);
		free(l);
		i++;
	}
	return 0;
}

/* Applies the fields of a POST or PUT body to b (on create, b is empty and
 * missing fields take their defaults), then checks the whole. Fields this
 * server does not know (type, id, links, ...) are ignored, as the schema
 * allows. 0, or -1 with a message in err (a 400). */
static int cloud_apply(const cJSON *j, const struct space *ws, struct brule *b, int create,
		       char *err)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	const cJSON *bmk = cJSON_GetObjectItemCaseSensitive(j, "branch_match_kind");
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(j, "pattern");
	const cJSON *bt = cJSON_GetObjectItemCaseSensitive(j, "branch_type");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(j, "value");
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(j, "users");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(j, "groups");
	const char *pattern = NULL, *btype = NULL;
	int was_model;

	if (!cJSON_IsObject(j)) {
		snprintf(err, ERRLEN, "The request body must be a JSON object");
		return -1;
	}
	if (kind) {
		if (!cJSON_IsString(kind) || !in_list(kind->valuestring, cloud_kinds, NKINDS)) {
			snprintf(err, ERRLEN, "kind: '%s' is not a branch restriction kind",
				 cJSON_IsString(kind) ? kind->valuestring : "(not a string)");
			return -1;
		}
		set_str(&b->rule, kind->valuestring);
	} else if (create) {
		snprintf(err, ERRLEN, "kind: this field is required");
		return -1;
	}
	was_model = b->model;
	if (bmk) {
		if (!cJSON_IsString(bmk) || (strcmp(bmk->valuestring, "glob") != 0 &&
					     strcmp(bmk->valuestring, "branching_model") != 0)) {
			snprintf(err, ERRLEN, "branch_match_kind: expected glob or branching_model");
			return -1;
		}
		b->model = bmk->valuestring[0] == 'b';
	}
	if (pat && !cJSON_IsNull(pat)) {
		if (!cJSON_IsString(pat)) {
			snprintf(err, ERRLEN, "pattern: expected a string");
			return -1;
		}
		pattern = pat->valuestring;
	}
	if (bt && !cJSON_IsNull(bt)) {
		if (!cJSON_IsString(bt) || !in_list(bt->valuestring, branch_types,
						    sizeof branch_types / sizeof branch_types[0])) {
			snprintf(err, ERRLEN, "branch_type: expected feature, bugfix, release, hotfix, "
				 "development or production");
			return -1;
		}
		btype = bt->valuestring;
	}
	/* match: the pattern (glob) or the branch type (branching_model); a
	 * PUT that leaves it out keeps it unless the match kind changed. */
	if (b->model != was_model)
		set_str(&b->match, NULL);
	if (b->model) {
		if (pattern && pattern[0]) {
			snprintf(err, ERRLEN, "pattern: must be empty when branch_match_kind is "
				 "branching_model");
			return -1;
		}
		if (btype)
			set_str(&b->match, btype);
		if (!b->match) {
			snprintf(err, ERRLEN, "branch_type: required when branch_match_kind is "
				 "branching_model");
			return -1;
		}
	} else {
		if (pattern)
			set_str(&b->match, pattern);
		if (!b->match || !b->match[0]) {
			snprintf(err, ERRLEN, "pattern: required when branch_match_kind is glob");
			return -1;
		}
	}
	if (val) {
		if (cJSON_IsNull(val)) {
			b->has_value = 0;
		} else if (!json_whole(val, 1000000)) {
			snprintf(err, ERRLEN, "value: expected a whole number from 0");
			return -1;
		} else {
			b->has_value = 1;
			b->value = (long)val->valuedouble;
		}
	}
	if (users && cloud_subjects(users, ws, NT_USER, &b->users, err) != 0)
		return -1;
	if (groups && cloud_subjects(groups, ws, NT_GROUP, &b->groups, err) != 0)
		return -1;
	if (takes_subjects(b->rule)) {
		if (create && (!users || !groups)) {
			snprintf(err, ERRLEN, "%s restrictions require users and groups (empty lists "
				 "deny everybody)", b->rule);
			return -1;
		}
	} else if (b->users.n || b->groups.n) {
		snprintf(err, ERRLEN, "users and groups can only be set on push and restrict_merges "
			 "restrictions, not on %s", b->rule);
		return -1;
	}
	if (b->has_value && !takes_value(b->rule)) {
		snprintf(err, ERRLEN, "value: %s restrictions take no value", b->rule);
		return -1;
	}
	return 0;
}

static void cloud_group_json(struct buf *b, const struct space *ws, const char *id)
{
	const struct ent *e;
	struct buf full = { 0 };
	space_has(ws, NT_GROUP, id, &e);
	buf_printf(&full, "%s:%s", ws->name, id);
	buf_json(b, "{\"type\":\"group\",\"slug\":%j,\"name\":%j,\"full_slug\":%j}", id,
		 e ? e->name : id, full.p);
	free(full.p);
}

/* The branchrestriction object; href: its links.self. */
static void cloud_json(struct buf *b, const struct brule *r, const char *href)
{
	const struct space *ws = find_ws(r->ws);
	size_t i;
	buf_printf(b, "{\"type\":\"branchrestriction\",\"id\":%ld,", r->id);
	buf_json(b, "\"kind\":%j,\"branch_match_kind\":%j,", r->rule,
		 r->model ? "branching_model" : "glob");
	if (r->model)
		buf_json(b, "\"branch_type\":%j,\"pattern\":\"\",", r->match);
	else
		buf_json(b, "\"pattern\":%j,", r->match);
	if (r->has_value)
		buf_printf(b, "\"value\":%ld,", r->value);
	buf_puts(b, "\"users\":[");
	for (i = 0; i < r->users.n; i++) {
		const struct ent *e;
		if (i)
			buf_add(b, ",", 1);
		space_has(ws, NT_USER, r->users.v[i], &e);
		cloud_user_json(b, e, r->users.v[i], 0);
	}
	buf_puts(b, "],\"groups\":[");
	for (i = 0; i < r->groups.n; i++) {
		if (i)
			buf_add(b, ",", 1);
		cloud_group_json(b, ws, r->groups.v[i]);
	}
	buf_json(b, "],\"links\":{\"self\":{\"href\":%j}}}", href);
}

/* The list URL of r's request, absolute: origin + path (less the id). */
static void list_href(struct buf *b, struct MHD_Connection *c, const struct req *r)
{
	size_t n = strlen(r->url);
	buf_origin(b, c);
	if (r->ep == EP_BRANCH)
		while (n > 0 && r->url[n - 1] != '/')
			n--;
	else
		n++;
	buf_add(b, r->url, n - 1);
}

struct clist {
	struct brule **v;               /* copies */
	size_t n;
	struct buf base;                /* list URL */
};

static void cloud_item(struct buf *b, const void *ctx, size_t i)
{
	const struct clist *cl = ctx;
	struct buf href = { 0 };
	buf_printf(&href, "%s/%ld", cl->base.p, cl->v[i]->id);
	cloud_json(b, cl->v[i], href.p);
	free(href.p);
}

/* GET ...branch-restrictions[?kind=K][&pattern=P]. */
static void cloud_list(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		       const struct space *ws)
{
	const char *kind = query_get(r, "kind"), *pattern = query_get(r, "pattern");
	struct clist cl = { NULL, 0, { 0 } };
	size_t i;
	if (r->bad_query) {
		reply_error(rep, 400, "The query string holds a %%00");
		return;
	}
	pthread_mutex_lock(&g_br.mu);
	for (i = 0; i < g_br.n; i++) {
		const struct brule *b = g_br.v[i];
		if (b->api != API_CLOUD || strcmp(b->ws, ws->name) != 0 ||
		    strcmp(b->target, r->lower[1]) != 0)
			continue;
		if ((kind && strcmp(b->rule, kind) != 0) ||
		    (pattern && (b->model || strcmp(b->match, pattern) != 0)))
			continue;
		cl.v = xrealloc(cl.v, (cl.n + 1) * sizeof *cl.v);
		cl.v[cl.n++] = brule_copy(b);
	}
	pthread_mutex_unlock(&g_br.mu);
	list_href(&cl.base, c, r);
	cloud_page_reply(c, r, rep, cl.n, cloud_item, &cl);
	for (i = 0; i < cl.n; i++)
		brule_free(cl.v[i]);
	free(cl.v);
	free(cl.base.p);
}

/* The body checks a Cloud POST or PUT shares; 0 if it may go on. */
static int cloud_body_ok(struct MHD_Connection *c, const struct req *r, struct reply *rep)
{
	if (!media_is(header(c, MHD_HTTP_HEADER_CONTENT_TYPE), "application/json")) {
		reply_error(rep, 400, "Content-Type must be application/json");
		return 0;
	}
	if (r->too_large) {
		reply_error(rep, 413, "Request body is larger than %d bytes", MAX_BODY);
		return 0;
	}
	if (!cJSON_IsObject(r->json)) {
		reply_error(rep, 400, "The request body must be a JSON object");
		return 0;
	}
	return 1;
}

static void cloud_duplicate(struct reply *rep, const struct brule *b)
{
	reply_error(rep, 409, "A %s restriction with %s '%s' already exists on this repository",
		    b->rule, b->model ? "branch type" : "pattern", b->match);
}

static void cloud_create(struct MHD_Connection *c, const struct req *r, struct reply *rep,
			 const struct space *ws)
{
	struct brule *b;
	struct buf href = { 0 };
	char err[ERRLEN];
	if (!cloud_body_ok(c, r, rep))
		return;
	b = xcalloc(1, sizeof *b);
	b->api = API_CLOUD;
	b->ws = xstrdup(ws->name);
	b->target = xstrdup(r->lower[1]);
	if (cloud_apply(r->json, ws, b, 1, err) != 0) {
		reply_error(rep, 400, "%s", err);
		brule_free(b);
		return;
	}
	pthread_mutex_lock(&g_br.mu);
	if (store_twin(b, NULL)) {
		pthread_mutex_unlock(&g_br.mu);
		cloud_duplicate(rep, b);
		brule_free(b);
		return;
	}
	store_add(b);
	list_href(&href, c, r);
	buf_printf(&href, "/%ld", b->id);
	reply_json_start(rep, 201);
	cloud_json(&rep->body, b, href.p);
	pthread_mutex_unlock(&g_br.mu);
	free(href.p);
}

/* GET, PUT or DELETE .../branch-restrictions/{id}. */
static void cloud_one(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		      const struct space *ws)
{
	long id = parse_id(r->seg[2]), at;
	struct buf href = { 0 };
	char err[ERRLEN];
	int put = strcmp(r->method, "PUT") == 0;

	if (put && !cloud_body_ok(c, r, rep))
		return;
	pthread_mutex_lock(&g_br.mu);
	if (id < 0 || (at = store_find(API_CLOUD, ws->name, r->lower[1], id)) < 0) {
		pthread_mutex_unlock(&g_br.mu);
		reply_error(rep, 404, "No branch restriction with id '%s' on repository '%s/%s'",
			    r->seg[2], r->seg[0], r->seg[1]);
		return;
	}
	if (strcmp(r->method, "DELETE") == 0) {
		store_del((size_t)at);
		pthread_mutex_unlock(&g_br.mu);
		rep->status = 204;
		return;
	}
	if (put) {
		struct brule *b = brule_copy(g_br.v[at]);
		if (cloud_apply(r->json, ws, b, 0, err) != 0) {
			pthread_mutex_unlock(&g_br.mu);
			reply_error(rep, 400, "%s", err);
			brule_free(b);
			return;
		}
		if (store_twin(b, g_br.v[at])) {
			pthread_mutex_unlock(&g_br.mu);
			cloud_duplicate(rep, b);
			brule_free(b);
			return;
		}
		brule_free(g_br.v[at]);
		g_br.v[at] = b;
	}
	buf_origin(&href, c);
	buf_puts(&href, r->url);
	reply_json_start(rep, 200);
	cloud_json(&rep->body, g_br.v[at], href.p);
	pthread_mutex_unlock(&g_br.mu);
	free(href.p);
}

void branch_cloud_handle(struct MHD_Connection *c, struct req *r, struct reply *rep,
			 const struct space *ws)
{
	int get = strcmp(r->method, "GET") == 0;
	if (r->ep == EP_BRANCH_LIST) {
		if (get)
			cloud_list(c, r, rep, ws);
		else if (strcmp(r->method, "POST") == 0)
			cloud_create(c, r, rep, ws);
		else {
			reply_error(rep, 405, "Method %s is not allowed here", r->method);
			reply_allow(rep, "GET, POST");
		}
		return;
	}
	if (!get && strcmp(r->method, "PUT") != 0 && strcmp(r->method, "DELETE") != 0) {
		reply_error(rep, 405, "Method %s is not allowed here", r->method);
		reply_allow(rep, "GET, PUT, DELETE");
		return;
	}
	cloud_one(c, r, rep, ws);
}

/* ------------------------------------------------------------------ */
/* Data Center                                                         */

static const char *const dc_types[] = {
	"read-only", "no-deletes", "fast-forward-only", "pull-request-only", "no-creates",
};
#define NTYPES (sizeof dc_types / sizeof dc_types[0])

enum { MT_ANY_REF, MT_BRANCH, MT_PATTERN, MT_MODEL_CATEGORY, MT_MODEL_BRANCH, MT_COUNT };
static const char *const dc_mtypes[MT_COUNT] = {
	"ANY_REF", "BRANCH", "PATTERN", "MODEL_CATEGORY", "MODEL_BRANCH",
};
static const char *const dc_mtype_names[MT_COUNT] = {
	"Any branch", "Branch", "Pattern", "Branching model category", "Branching model branch",
};
static const char *const model_categories[] = { "FEATURE", "BUGFIX", "HOTFIX", "RELEASE" };
static const char *const model_branches[] = { "production", "development" };
#define ANY_REF_ID "ANY_REF_MATCHER_ID"

static int mtype_parse(const char *s)
{
	int i;
	for (i = 0; i < MT_COUNT; i++)
		if (strcmp(s, dc_mtypes[i]) == 0)
			return i;
	return -1;
}

/* "Feature" for FEATURE, "Production" for production. */
static char *capitalised(const char *s)
{
	char *d = lower_dup(s);
	if (d[0] >= 'a' && d[0] <= 'z')
		d[0] = (char)(d[0] - 'a' + 'A');
	return d;
}

/* Names from an array of strings, or of objects with `field`; into set
 * (lowercase; they must exist as nt in Data Center). */
static int dc_names(const cJSON *arr, const char *what, int nt, const char *field,
		    struct strs *set, char *err)
{
	const cJSON *it;
	int i = 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, ERRLEN, "%s: expected an array", what);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		const cJSON *n = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, field) : it;
		const struct ent *e;
		char *l;
		if (cJSON_IsObject(it) && !cJSON_IsString(n) && nt == NT_USER)
			n = cJSON_GetObjectItemCaseSensitive(it, "slug");
		if (!cJSON_IsString(n) || !n->valuestring[0]) {
			snprintf(err, ERRLEN, "%s[%d]: expected a name", what, i);
			return -1;
		}
		l = lower_dup(n->valuestring);
		if (!space_has(g_fx.dc, nt, l, &e)) {
			snprintf(err, ERRLEN, "%s %s does not exist.", nt == NT_USER ? "User" : "Group",
				 n->valuestring);
			free(l);
			return -1;
		}
		strs_add(set, e ? e->id : l);
		free(l);
		i++;
	}
	return 0;
}

/* accessKeyIds [N...] or accessKeys [{"key": {"id": N}}...]. */
static int dc_keys(const cJSON *arr, const char *what, int objects, struct strs *set, char *err)
{
	const cJSON *it;
	int i = 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, ERRLEN, "%s: expected an array", what);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		const cJSON *n = it;
		char num[24];
		size_t k;
		if (objects)
			n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "key"),
							     "id");
		if (!json_whole(n, 2147483647.0)) {
			snprintf(err, ERRLEN, "%s[%d]: expected %s", what, i,
				 objects ? "{\"key\": {\"id\": N}}" : "a whole number");
			return -1;
		}
		for (k = 0; k < g_fx.nkeys && g_fx.keys[k].id != (long)n->valuedouble; k++)
			;
		if (k == g_fx.nkeys) {
			snprintf(err, ERRLEN, "Access key %ld does not exist.", (long)n->valuedouble);
			return -1;
		}
		snprintf(num, sizeof num, "%ld", g_fx.keys[k].id);
		strs_add(set, num);
		i++;
	}
	return 0;
}

/* One RestRestrictionRequest into b (its place set by the caller). */
static int dc_parse(const cJSON *j, struct brule *b, char *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "matcher");
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(m, "type");
	const cJSON *mtid = cJSON_GetObjectItemCaseSensitive(mt, "id");
	const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "id");
	static const struct { const char *field, *sub; int nt; } lists[] = {
		{ "users", "name", NT_USER }, { "userSlugs", NULL, NT_USER },
		{ "groups", "name", NT_GROUP }, { "groupNames", NULL, NT_GROUP },
	};
	const char *id;
	size_t i;

	if (!cJSON_IsObject(j)) {
		snprintf(err, ERRLEN, "A restriction must be a JSON object");
		return -1;
	}
	if (!cJSON_IsString(type) || !in_list(type->valuestring, dc_types, NTYPES)) {
		snprintf(err, ERRLEN, "type: expected read-only, no-deletes, fast-forward-only, "
			 "pull-request-only or no-creates");
		return -1;
	}
	set_str(&b->rule, type->valuestring);
	if (!cJSON_IsObject(m) || !cJSON_IsString(mtid) ||
	    (b->mtype = mtype_parse(mtid->valuestring)) < 0) {
		snprintf(err, ERRLEN, "matcher: expected {\"id\", \"type\": {\"id\": ANY_REF, BRANCH, "
			 "PATTERN, MODEL_CATEGORY or MODEL_BRANCH}}");
		return -1;
	}
	if (b->mtype != MT_ANY_REF && (!cJSON_IsString(mid) || !mid->valuestring[0])) {
		snprintf(err, ERRLEN, "matcher.id: required for a %s matcher", mtid->valuestring);
		return -1;
	}
	id = b->mtype == MT_ANY_REF ? ANY_REF_ID : mid->valuestring;
	free(b->display);
	b->display = NULL;
	switch (b->mtype) {
	case MT_BRANCH:
		if (strncmp(id, "refs/", 5) != 0 || !id[5]) {
			snprintf(err, ERRLEN, "matcher.id: a BRANCH matcher names a full ref "
				 "(refs/heads/NAME), not '%s'", id);
			return -1;
		}
		b->display = xstrdup(strncmp(id, "refs/heads/", 11) == 0 ? id + 11 : id);
		break;
	case MT_MODEL_CATEGORY:
	case MT_MODEL_BRANCH:
		if (!(b->mtype == MT_MODEL_CATEGORY ? in_list(id, model_categories, 4)
		      : in_list(id, model_branches, 2))) {
			snprintf(err, ERRLEN, "matcher.id: '%s' is not a %s (%s)", id, mtid->valuestring,
				 b->mtype == MT_MODEL_CATEGORY ? "FEATURE, BUGFIX, HOTFIX or RELEASE"
				 : "production or development");
			return -1;
		}
		b->display = capitalised(id);
		break;
	default:
		b->display = xstrdup(id);
		break;
	}
	set_str(&b->match, id);
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, lists[i].field);
		if (a && !cJSON_IsNull(a) &&
		    dc_names(a, lists[i].field, lists[i].nt, lists[i].sub ? lists[i].sub : "name",
			     lists[i].nt == NT_USER ? &b->users : &b->groups, err) != 0)
			return -1;
	}
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "accessKeyIds")) && !cJSON_IsNull(m) &&
	    dc_keys(m, "accessKeyIds", 0, &b->keys, err) != 0)
		return -1;
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "accessKeys")) && !cJSON_IsNull(m) &&
	    dc_keys(m, "accessKeys", 1, &b->keys, err) != 0)
		return -1;
	return 0;
}

/* RestRefRestriction. */
static void dc_json(struct buf *b, const struct brule *r)
{
	size_t i, k;
	buf_printf(b, "{\"id\":%ld,\"scope\":{\"type\":\"%s\",\"resourceId\":%d},", r->id,
		   strchr(r->target, '/') ? "REPOSITORY" : "PROJECT", r->scope_num);
	buf_json(b, "\"type\":%j,\"matcher\":{\"id\":%j,\"displayId\":%j,\"type\":{\"id\":%j,"
		 "\"name\":%j},\"active\":true},\"users\":[", r->rule, r->match, r->display,
		 dc_mtypes[r->mtype], dc_mtype_names[r->mtype]);
	for (i = 0; i < r->users.n; i++) {
		const struct ent *e;
		if (i)
			buf_add(b, ",", 1);
		space_has(g_fx.dc, NT_USER, r->users.v[i], &e);
		if (e)
			dc_user_json(b, e);
		else
			buf_json(b, "{\"name\":%j}", r->users.v[i]);
	}
	buf_puts(b, "],\"groups\":[");
	for (i = 0; i < r->groups.n; i++) {
		const struct ent *e;
		space_has(g_fx.dc, NT_GROUP, r->groups.v[i], &e);
		buf_json(b, "%s%j", i ? "," : "", e ? e->slug : r->groups.v[i]);
	}
	buf_puts(b, "],\"accessKeys\":[");
	for (i = 0; i < r->keys.n; i++) {
		long id = strtol(r->keys.v[i], NULL, 10);
		for (k = 0; k < g_fx.nkeys && g_fx.keys[k].id != id; k++)
			;
		if (k == g_fx.nkeys)            /* cannot happen: checked on the way in */
			continue;
		buf_printf(b, "%s{\"key\":{\"id\":%ld,", i ? "," : "", id);
		buf_json(b, "\"label\":%j,\"text\":%j}}", g_fx.keys[k].label, g_fx.keys[k].text);
	}
	buf_puts(b, "]}");
}

static void dc_item(struct buf *b, const void *ctx, size_t i)
{
	dc_json(b, ((const struct clist *)ctx)->v[i]);
}

/* GET .../restrictions[?type=T][&matcherType=M[&matcherId=I]]. */
static void dc_list(const struct req *r, struct reply *rep)
{
	const char *type = query_get(r, "type"), *mtype = query_get(r, "matcherType");
	const char *mid = query_get(r, "matcherId");
	struct clist cl = { NULL, 0, { 0 } };
	int mt = -1;
	size_t i;
	if (r->bad_query) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "The query string holds a %%00");
		return;
	}
	if (type && !in_list(type, dc_types, NTYPES)) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "'%s' is not a restriction type", type);
		return;
	}
	if (mtype && (mt = mtype_parse(mtype)) < 0) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "'%s' is not a matcher type", mtype);
		return;
	}
	if (mid && !mtype) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "matcherId requires matcherType");
		return;
	}
	pthread_mutex_lock(&g_br.mu);
	for (i = 0; i < g_br.n; i++) {
		const struct brule *b = g_br.v[i];
		if (b->api != API_DC || strcmp(b->target, r->lower[1]) != 0)
			continue;
		if ((type && strcmp(b->rule, type) != 0) || (mt >= 0 && b->mtype != mt) ||
		    (mid && strcmp(b->match, mid) != 0))
			continue;
		cl.v = xrealloc(cl.v, (cl.n + 1) * sizeof *cl.v);
		cl.v[cl.n++] = brule_copy(b);
	}
	pthread_mutex_unlock(&g_br.mu);
	dc_page_reply(r, rep, cl.n, dc_item, &cl);
	for (i = 0; i < cl.n; i++)
		brule_free(cl.v[i]);
	free(cl.v);
}

/* Call with g_br.mu held: b (owned by the store afterwards, or freed) takes
 * the place of its twin (unless replace_new), or joins the store. Returns
 * the stored one. */
static const struct brule *dc_store(struct brule *b, int replace_new)
{
	struct brule *twin = replace_new ? NULL : store_twin(b, NULL);
	if (!twin) {
		store_add(b);
		return b;
	}
	strs_free(&twin->users);
	strs_free(&twin->groups);
	strs_free(&twin->keys);
	twin->users = b->users;
	twin->groups = b->groups;
	twin->keys = b->keys;
	memset(&b->users, 0, sizeof b->users);
	memset(&b->groups, 0, sizeof b->groups);
	memset(&b->keys, 0, sizeof b->keys);
	brule_free(b);
	return twin;
}

/* POST: one object (application/json) or an array (the bulk type). */
static void dc_create(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		      const struct ent *t)
{
	const char *ct = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	int bulk = media_is(ct, BULK_TYPE), n, i, replace_new, as_array;
	struct brule **v;
	char err[ERRLEN];

	if (!bulk && !media_is(ct, "application/json")) {
		reply_dc_error(rep, 415, "javax.ws.rs.WebApplicationException", "Unsupported media "
			       "type %s: send application/json or " BULK_TYPE, ct ? ct : "(none)");
		return;
	}
	if (r->too_large) {
		reply_dc_error(rep, 413, EXC_BAD_ARG, "Request body is larger than %d bytes", MAX_BODY);
		return;
	}
	if (bulk ? !cJSON_IsArray(r->json) || cJSON_GetArraySize(r->json) == 0
	    : !cJSON_IsObject(r->json)) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, bulk ? "A bulk request holds a non-empty JSON "
			       "array of restrictions" : "The request body must be a JSON object");
		return;
	}
	n = bulk ? cJSON_GetArraySize(r->json) : 1;
	v = xcalloc((size_t)n, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i] = xcalloc(1, sizeof *v[i]);
		v[i]->api = API_DC;
		v[i]->ws = xstrdup(DC_SPACE);
		v[i]->target = xstrdup(r->lower[1]);
		v[i]->scope_num = t->num;
		if (dc_parse(bulk ? cJSON_GetArrayItem(r->json, i) : r->json, v[i], err) != 0) {
			reply_dc_error(rep, 400, EXC_BAD_ARG, "%s%s", bulk ? "A restriction of the "
				       "request: " : "", err);
			for (; i >= 0; i--)
				brule_free(v[i]);
			free(v);
			return;
		}
	}
	/* the settings first: g_ctl's lock is not taken under g_br.mu */
	replace_new = cfg_dc_replace_new();
	as_array = bulk && (n > 1 || cfg_dc_bulk_array());
	reply_json_start(rep, 200);
	pthread_mutex_lock(&g_br.mu);
	if (as_array)
		buf_add(&rep->body, "[", 1);
	for (i = 0; i < n; i++) {
		if (i)
			buf_add(&rep->body, ",", 1);
		dc_json(&rep->body, dc_store(v[i], replace_new));
	}
	if (as_array)
		buf_add(&rep->body, "]", 1);
	pthread_mutex_unlock(&g_br.mu);
	free(v);
}

/* GET or DELETE .../restrictions/{id}. */
static void dc_one(const struct req *r, struct reply *rep)
{
	long id = parse_id(r->seg[2]), at;
	pthread_mutex_lock(&g_br.mu);
	if (id < 0 || (at = store_find(API_DC, DC_SPACE, r->lower[1], id)) < 0) {
		pthread_mutex_unlock(&g_br.mu);
		reply_dc_error(rep, 404, EXC "NoSuchEntityException", "No restriction exists for "
			       "the ID %s.", r->seg[2]);
		return;
	}
	if (strcmp(r->method, "DELETE") == 0) {
		store_del((size_t)at);
		rep->status = 204;
	} else {
		reply_json_start(rep, 200);
		dc_json(&rep->body, g_br.v[at]);
	}
	pthread_mutex_unlock(&g_br.mu);
}

void branch_dc_handle(struct MHD_Connection *c, struct req *r, struct reply *rep,
		      const struct ent *t)
{
	int get = strcmp(r->method, "GET") == 0;
	if (r->ep == EP_BRANCH_LIST && (get || strcmp(r->method, "POST") == 0)) {
		if (get)
			dc_list(r, rep);
		else
			dc_create(c, r, rep, t);
	} else if (r->ep == EP_BRANCH && (get || strcmp(r->method, "DELETE") == 0)) {
		dc_one(r, rep);
	} else {
		reply_dc_error(rep, 405, "javax.ws.rs.WebApplicationException",
			       "Method %s is not allowed here", r->method);
		reply_allow(rep, r->ep == EP_BRANCH_LIST ? "GET, POST" : "GET, DELETE");
	}
}

/* ------------------------------------------------------------------ */
/* Fixture, reset, /_state                                             */

/* The fields of a fixture entry; "_" fields are comments. */
static void seed_fields(const char *path, const char *what, const cJSON *j,
			const char *const *names, const cJSON **vals, size_t n)
{
	const cJSON *f;
	size_t i;
	if (!cJSON_IsObject(j))
		die("%s: each entry of %s must be an object", path, what);
	for (i = 0; i < n; i++)
		vals[i] = NULL;
	cJSON_ArrayForEach(f, j) {
		if (f->string[0] == '_')
			continue;
		for (i = 0; i < n && strcmp(f->string, names[i]) != 0; i++)
			;
		if (i == n)
			die("%s: %s: unknown field '%s'", path, what, f->string);
		vals[i] = f;
	}
}

static const char *seed_string(const char *path, const char *what, const cJSON *j)
{
	if (!cJSON_IsString(j) || !j->valuestring[0])
		die("%s: %s must be a non-empty string", path, what);
	return j->valuestring;
}

static void seed_add(const char *path, struct brule *b)
{
	size_t i;
	for (i = 0; i < g_seeds.n; i++)
		if (same_match(g_seeds.v[i], b))
			die("%s: branch restriction %s on %s %s is listed twice", path, b->rule,
			    b->target, b->match);
	g_seeds.v = xrealloc(g_seeds.v, (g_seeds.n + 1) * sizeof *g_seeds.v);
	g_seeds.v[g_seeds.n++] = b;
}

void branch_seed_cloud(const char *path, const cJSON *entry)
{
	static const char *const names[] = { "workspace", "repository", "restriction" };
	const cJSON *v[3];
	const struct space *ws;
	const struct ent *t;
	struct brule *b = xcalloc(1, sizeof *b);
	char err[ERRLEN], *l;
	const char *repo;

	seed_fields(path, "branch_restrictions", entry, names, v, 3);
	l = lower_dup(seed_string(path, "branch_restrictions[].workspace", v[0]));
	if (!(ws = find_ws(l)))
		die("%s: branch_restrictions: unknown workspace '%s'", path, v[0]->valuestring);
	free(l);
	repo = seed_string(path, "branch_restrictions[].repository", v[1]);
	b->api = API_CLOUD;
	b->ws = xstrdup(ws->name);
	b->target = lower_dup(repo);
	if (!space_has(ws, NT_REPO, b->target, &t))
		die("%s: branch_restrictions: workspace '%s' has no repository '%s'", path,
		    ws->spelling, repo);
	if (cloud_apply(v[2], ws, b, 1, err) != 0)
		die("%s: branch_restrictions (%s/%s): %s", path, ws->spelling, repo, err);
	seed_add(path, b);
}

void branch_seed_dc(const char *path, const cJSON *entry)
{
	static const char *const names[] = { "project", "repo", "restriction" };
	const cJSON *v[3];
	struct brule *b = xcalloc(1, sizeof *b);
	struct buf id = { 0 };
	const struct ent *t;
	char err[ERRLEN];

	seed_fields(path, "datacenter.branch_restrictions", entry, names, v, 3);
	buf_puts(&id, seed_string(path, "datacenter.branch_restrictions[].project", v[0]));
	if (v[1])
		buf_printf(&id, "/%s", seed_string(path, "datacenter.branch_restrictions[].repo", v[1]));
	b->api = API_DC;
	b->ws = xstrdup(DC_SPACE);
	b->target = lower_dup(id.p);
	if (!space_has(g_fx.dc, v[1] ? NT_REPO : NT_PROJECT, b->target, &t) || !t)
		die("%s: datacenter.branch_restrictions: no %s '%s'", path,
		    v[1] ? "repository" : "project", id.p);
	b->scope_num = t->num;
	if (dc_parse(v[2], b, err) != 0)
		die("%s: datacenter.branch_restrictions (%s): %s", path, id.p, err);
	free(id.p);
	seed_add(path, b);
}

void branch_reset(void)
{
	size_t i;
	pthread_mutex_lock(&g_br.mu);
	while (g_br.n > 0)
		store_del(g_br.n - 1);
	g_br.next_id = 1;
	for (i = 0; i < g_seeds.n; i++)
		store_add(brule_copy(g_seeds.v[i]));
	pthread_mutex_unlock(&g_br.mu);
}

/* A list element or a matcher in a /_state line: control bytes, and ','
 * (list) as %XX. */
static void state_part(struct buf *b, const char *s, int in_list_)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f || (in_list_ && ch == ','))
			buf_printf(b, "%%%02X", ch);
		else
			buf_add(b, s, 1);
	}
}

static void state_list(struct buf *b, const char *label, const struct strs *s)
{
	size_t i;
	buf_printf(b, "\t%s=", label);
	for (i = 0; i < s->n; i++) {
		if (i)
			buf_add(b, ",", 1);
		state_part(b, s->v[i], 1);
	}
}

size_t branch_lines(char ***out)
{
	size_t i;
	char **lines;
	pthread_mutex_lock(&g_br.mu);
	lines = xmalloc((g_br.n ? g_br.n : 1) * sizeof *lines);
	for (i = 0; i < g_br.n; i++) {
		const struct brule *r = g_br.v[i];
		struct buf l = { 0 };
		buf_puts(&l, "branch\t");
		state_part(&l, r->ws, 0);
		buf_add(&l, "\t", 1);
		state_part(&l, r->target, 0);
		buf_printf(&l, "\t%s\t%s:", r->rule, r->api == API_DC ? dc_mtypes[r->mtype]
			   : r->model ? "model" : "glob");
		state_part(&l, r->match, 0);
		if (r->has_value)
			buf_printf(&l, "\tvalue=%ld", r->value);
		else
			buf_puts(&l, "\tvalue=-");
		state_list(&l, "users", &r->users);
		state_list(&l, "groups", &r->groups);
		state_list(&l, "keys", &r->keys);
		buf_add(&l, "\n", 1);
		lines[i] = l.p;
	}
	pthread_mutex_unlock(&g_br.mu);
	*out = lines;
	return i;
}

void branch_free(void)
{
	size_t i;
	pthread_mutex_lock(&g_br.mu);
	while (g_br.n > 0)
		store_del(g_br.n - 1);
	free(g_br.v);
	g_br.v = NULL;
	pthread_mutex_unlock(&g_br.mu);
	for (i = 0; i < g_seeds.n; i++)
		brule_free(g_seeds.v[i]);
	free(g_seeds.v);
	g_seeds.v = NULL;
	g_seeds.n = 0;
}
