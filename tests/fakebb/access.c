/* The access review's resources (the "access" section of a fixture):
 * Cloud's effective lists (computed from the live permissions, the group
 * members and the owners, plus "extra" levels no source explains),
 * workspace owners and the 1.0 groups with their members ("groups_gone":
 * true makes it answer 410); Data Center's group members, global
 * permissions and project defaults ("members_error" makes a group's
 * members answer an error), and the users search. Lists are paged as every other list of
 * their API (cloud_page_reply, dc_page_reply): the items are written into one
 * buffer first (struct items), then the page's share is copied out. The 1.0
 * groups resource is one bare array, as Atlassian serves it. */
#include "fakebb.h"

#include <stdlib.h>
#include <string.h>

static cJSON *g_access;         /* the section, or NULL; read-only after load */

void access_load(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	if (root) {
		g_access = cJSON_DetachItemFromObjectCaseSensitive(root, "access");
		cJSON_Delete(root);
	}
}

void access_free(void)
{
	cJSON_Delete(g_access);
	g_access = NULL;
}

static const cJSON *section(const char *ws)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(g_access, ws ? "workspaces" : "datacenter");
	return ws ? cJSON_GetObjectItemCaseSensitive(w, ws) : w;
}

static int in_list(const cJSON *arr, const char *a, const char *b)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, arr) {
		if (cJSON_IsString(x) && ((a && !strcmp(x->valuestring, a)) || (b && !strcmp(x->valuestring, b))))
			return 1;
	}
	return 0;
}

/* The items of a list, written one after another into b; item i ends at
 * end[i]. */
struct items {
	struct buf b;
	size_t *end;
	size_t n, cap;
};

/* Ends the item just written into it->b. */
static void items_mark(struct items *it)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? 2 * it->cap : 16;
		it->end = xrealloc(it->end, it->cap * sizeof *it->end);
	}
	it->end[it->n++] = it->b.len;
}

static void items_free(struct items *it)
{
	free(it->b.p);
	free(it->end);
}

static void item_copy(struct buf *b, const void *ctx, size_t i)
{
	const struct items *it = ctx;
	size_t from = i ? it->end[i - 1] : 0;
	buf_add(b, it->b.p + from, it->end[i] - from);
}

/* Route what access serves: sets ep = EP_ACCESS. Returns 1 when it did. */
int access_route(struct req *r)
{
	const char *p = r->rel;
	if (r->api == API_CLOUD) {
		if (!strncmp(r->url, "/1.0/groups/", 12) || !strncmp(p, "/workspaces/", 12)) {
			const char *rest = !strncmp(r->url, "/1.0/groups/", 12) ? NULL : strchr(p + 12, '/');
			/* /workspaces/{ws}/permissions..., and one member: .../members/{id} */
			if (rest && strncmp(rest, "/permissions", 12) != 0 &&
			    !(!strncmp(rest, "/members/", 9) && rest[9] && rest[9] != '?'))
				return 0;
			r->ep = EP_ACCESS;
			return 1;
		}
		return 0;
	}
	if (!strncmp(p, "/admin/", 7) || (!strncmp(p, "/users", 6) && (!p[6] || p[6] == '?')) ||
	    (!strncmp(p, "/projects/", 10) && strstr(p, "/permissions/PROJECT_") && strstr(p, "/all"))) {
		r->ep = EP_ACCESS;
		return 1;
	}
	return 0;
}

static void user_obj(struct buf *b, const struct ent *u)
{
	buf_puts(b, "{\"type\":\"user\"");
	if (u->uuid)
		buf_json(b, ",\"uuid\":%j", u->uuid);
	if (u->account_id)
		buf_json(b, ",\"account_id\":%j", u->account_id);
	buf_json(b, ",\"display_name\":%j,\"nickname\":%j}", u->name, u->name);
}

static int rank(int p)
{
	return p == P_CREATE_REPO ? 2 : p;   /* P_READ 1, P_WRITE 2, P_ADMIN 3 */
}

static int grant(int kind, const struct space *ws, const char *target, int subj, const char *id)
{
	size_t kl;
	char *k = make_key(kind, ws->name, target, subj, id, &kl);
	int p = state_get(k, kl);
	free(k);
	return rank(p);
}

/* Bitbucket's level of user u on repository e. */
static int level_of(const struct space *ws, const struct ent *e, const struct ent *u)
{
	const cJSON *sec = section(ws->name);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(sec, "groups");
	int best = in_list(cJSON_GetObjectItemCaseSensitive(sec, "owners"), u->account_id, u->uuid) ? 3 : 0;
	const struct ent *proj = e->project >= 0 ? ws->list[NT_PROJECT][e->project] : NULL;
	int l = grant(K_REPO, ws, e->id, S_USER, u->id);
	best = l > best ? l : best;
	if (proj && (l = grant(K_PROJECT, ws, proj->id, S_USER, u->id)) > best)
		best = l;
	for (size_t i = 0; i < ws->nlist[NT_GROUP]; i++) {
		const struct ent *g = ws->list[NT_GROUP][i];
		if (!in_list(cJSON_GetObjectItemCaseSensitive(groups, g->slug), u->account_id, u->uuid))
			continue;
		if ((l = grant(K_REPO, ws, e->id, S_GROUP, g->id)) > best)
			best = l;
		if (proj && (l = grant(K_PROJECT, ws, proj->id, S_GROUP, g->id)) > best)
			best = l;
	}
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sec, "extra")) {
		const char *repo = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "repository"));
		const char *user = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "user"));
		const char *perm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "permission"));
		if (repo && user && perm && !strcasecmp(repo, e->id) &&
		    ((u->account_id && !strcmp(user, u->account_id)) || (u->uuid && !strcmp(user, u->uuid))) &&
		    (l = rank(perm_parse(perm, K_REPO))) > best)
			best = l;
	}
	return best;
}

static void effective(struct MHD_Connection *c, const struct req *r, const struct space *ws,
		      const char *only, struct reply *rep)
{
	static const char *const names[] = {"none", "read", "write", "admin"};
	struct items it = {0};
	for (size_t i = 0; i < ws->nlist[NT_REPO]; i++) {
		const struct ent *e = ws->list[NT_REPO][i];
		if (only && strcasecmp(only, e->id))
			continue;
		for (size_t k = 0; k < ws->nlist[NT_USER]; k++) {
			const struct ent *u = ws->list[NT_USER][k];
			int l = level_of(ws, e, u);
			if (!l)
				continue;
			buf_json(&it.b, "{\"type\":\"repository_permission\",\"permission\":%j,\"user\":",
				 names[l]);
			user_obj(&it.b, u);
			buf_json(&it.b, ",\"repository\":{\"type\":\"repository\",\"full_name\":\"%s/%s\","
				 "\"name\":%j}}", ws->name, e->id, e->name);
			items_mark(&it);
		}
	}
	cloud_page_reply(c, r, rep, it.n, item_copy, &it);
	items_free(&it);
}

static void cloud(struct MHD_Connection *c, const struct req *r, struct reply *rep)
{
	char *path = xstrdup(!strncmp(r->url, "/1.0/", 5) ? r->url + 4 : r->rel);
	char *q = strchr(path, '?');
	if (q)
		*q = '\0';
	char *seg[6] = {0};
	size_t n = 0;
	char *save = NULL;     /* strtok_r: requests are answered on several threads */
	for (char *p = strtok_r(path, "/", &save); p && n < 6; p = strtok_r(NULL, "/", &save))
		seg[n++] = p;
	char *lws = n > 1 ? lower_dup(seg[1]) : NULL;
	const struct space *ws = lws ? find_ws(lws) : NULL;
	const cJSON *sec = lws ? section(lws) : NULL;
	if (!ws) {
		reply_error(rep, 404, "No workspace");
	} else if (!strcmp(seg[0], "groups")) {
		/* GET /1.0/groups/{ws}/ */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sec, "groups_gone"))) {
			reply_text(rep, 410, "text/plain", "Gone");
		} else {
			const cJSON *groups = cJSON_GetObjectItemCaseSensitive(sec, "groups");
			reply_json_start(rep, 200);
			buf_puts(&rep->body, "[");
			for (size_t i = 0; i < ws->nlist[NT_GROUP]; i++) {
				const struct ent *g = ws->list[NT_GROUP][i];
				buf_puts(&rep->body, i ? "," : "");
				buf_json(&rep->body, "{\"name\":%j,\"slug\":%j,\"permission\":null,\"auto_add\":false,"
					 "\"email_forwarding_disabled\":false,\"owner\":{\"display_name\":%j},\"members\":[",
					 g->name, g->id, ws->spelling);
				int first = 1;
				for (size_t k = 0; k < ws->nlist[NT_USER]; k++) {
					const struct ent *u = ws->list[NT_USER][k];
					if (!in_list(cJSON_GetObjectItemCaseSensitive(groups, g->slug), u->account_id, u->uuid))
						continue;
					buf_puts(&rep->body, first ? "" : ",");
					first = 0;
					user_obj(&rep->body, u);
				}
				buf_puts(&rep->body, "]}");
			}
			buf_puts(&rep->body, "]");
		}
	} else if (n == 4 && !strcmp(seg[2], "members")) {
		/* GET /workspaces/{ws}/members/{account id or uuid}: 404 for no member */
		const struct ent *m = NULL;
		if (pct_decode(seg[3]) == 0)
			for (size_t k = 0; k < ws->nlist[NT_USER] && !m; k++) {
				const struct ent *u = ws->list[NT_USER][k];
				if ((u->uuid && !strcasecmp(u->uuid, seg[3])) ||
				    (u->account_id && !strcmp(u->account_id, seg[3])))
					m = u;
			}
		if (!m) {
			reply_error(rep, 404, "No workspace member %s", seg[3]);
		} else {
			reply_json_start(rep, 200);
			buf_puts(&rep->body, "{\"type\":\"workspace_membership\",\"user\":");
			user_obj(&rep->body, m);
			buf_json(&rep->body, ",\"workspace\":{\"type\":\"workspace\",\"slug\":%j,"
				 "\"name\":%j,\"uuid\":%j}}", ws->name, ws->spelling, ws->uuid);
		}
	} else if (n == 3) {
		/* GET /workspaces/{ws}/permissions (owners) */
		const cJSON *owners = cJSON_GetObjectItemCaseSensitive(sec, "owners");
		struct items it = {0};
		for (size_t k = 0; k < ws->nlist[NT_USER]; k++) {
			const struct ent *u = ws->list[NT_USER][k];
			if (!in_list(owners, u->account_id, u->uuid))
				continue;
			buf_puts(&it.b, "{\"type\":\"workspace_membership\",\"permission\":\"owner\",\"user\":");
			user_obj(&it.b, u);
			buf_puts(&it.b, "}");
			items_mark(&it);
		}
		cloud_page_reply(c, r, rep, it.n, item_copy, &it);
		items_free(&it);
	} else if (n >= 4 && !strcmp(seg[3], "repositories")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sec, "effective_timeout")) && n == 4)
			reply_error(rep, 504, "Gateway timeout");
		else
			effective(c, r, ws, n == 5 ? seg[4] : NULL, rep);
	} else {
		reply_error(rep, 404, "No such resource");
	}
	free(lws);
	free(path);
}

/* A user as Data Center writes one: emailAddress only when there is one. */
static void dc_user(struct buf *b, const struct ent *u)
{
	buf_json(b, "{\"name\":%j,", u->slug);
	if (u->email)
		buf_json(b, "\"emailAddress\":%j,", u->email);
	buf_json(b, "\"displayName\":%j,\"id\":%d,\"slug\":%j,\"active\":true,\"type\":\"NORMAL\"}",
		 u->name, u->num, u->id);
}

static const struct ent *dc_ent(int nt, const char *name)
{
	char *l = lower_dup(name);
	const struct ent *e = NULL;
	space_has(g_fx.dc, nt, l, &e);
	free(l);
	return e;
}

/* 1 when s contains part, ignoring case. */
static int contains(const char *s, const char *part)
{
	size_t n = strlen(part);
	for (; s && *s; s++)
		if (!strncasecmp(s, part, n))
			return 1;
	return s && !n;
}

/* GET /admin/groups?filter=T (paged): the groups whose name contains T,
 * ignoring case (what plan --prune asks of a group new to its target). */
static void dc_group_search(const struct req *r, struct reply *rep)
{
	const char *f = query_get(r, "filter");
	struct items it = {0};
	for (size_t k = 0; g_fx.dc && k < g_fx.dc->nlist[NT_GROUP]; k++) {
		const struct ent *g = g_fx.dc->list[NT_GROUP][k];
		if (f && !contains(g->slug, f))
			continue;
		buf_json(&it.b, "{\"name\":%j,\"deletable\":true}", g->slug);
		items_mark(&it);
	}
	dc_page_reply(r, rep, it.n, item_copy, &it);
	items_free(&it);
}

static void dc(const struct req *r, struct reply *rep)
{
	const cJSON *sec = section(NULL), *x;
	struct items it = {0};
	if (!strcmp(r->rel, "/admin/groups")) {
		dc_group_search(r, rep);
	} else if (!strncmp(r->rel, "/users", 6)) {
		/* GET /users?filter=: the users whose name, display name or email
		 * contains it */
		const char *f = query_get(r, "filter");
		for (size_t k = 0; g_fx.dc && k < g_fx.dc->nlist[NT_USER]; k++) {
			const struct ent *u = g_fx.dc->list[NT_USER][k];
			if (f && !contains(u->slug, f) && !contains(u->name, f) && !contains(u->email, f))
				continue;
			dc_user(&it.b, u);
			items_mark(&it);
		}
		dc_page_reply(r, rep, it.n, item_copy, &it);
		items_free(&it);
	} else if (!strncmp(r->rel, "/admin/groups/more-members", 26)) {
		const char *g = query_get(r, "context");
		const cJSON *m = NULL;
		/* "members_error": {"GROUP": STATUS}: that group's members are unreadable */
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sec, "members_error")) {
			if (g && !strcasecmp(x->string, g) && cJSON_IsNumber(x)) {
				int st = x->valueint;
				reply_dc_error(rep, st, st == 403 ? "com.atlassian.bitbucket.AuthorisationException"
								  : "java.lang.IllegalStateException",
					       st == 403 ? "You are not permitted to access this resource"
							 : "The members of %s could not be read", g);
				return;
			}
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sec, "members"))
			if (g && !strcasecmp(x->string, g))
				m = x;
		cJSON_ArrayForEach(x, m) {
			const struct ent *u = cJSON_IsString(x) ? dc_ent(NT_USER, x->valuestring) : NULL;
			if (!u)
				continue;
			dc_user(&it.b, u);
			items_mark(&it);
		}
		dc_page_reply(r, rep, it.n, item_copy, &it);
		items_free(&it);
	} else if (!strncmp(r->rel, "/admin/permissions/", 19)) {
		int groups = !strncmp(r->rel + 19, "groups", 6);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sec, groups ? "global_groups" : "global_users")) {
			const struct ent *u = groups ? NULL : dc_ent(NT_USER, x->string);
			if (!groups && !u)
				continue;
			if (groups) {
				buf_json(&it.b, "{\"group\":{\"name\":%j},\"permission\":%j}", x->string,
					 cJSON_GetStringValue(x));
			} else {
				buf_puts(&it.b, "{\"user\":");
				dc_user(&it.b, u);
				buf_json(&it.b, ",\"permission\":%j}", cJSON_GetStringValue(x));
			}
			items_mark(&it);
		}
		dc_page_reply(r, rep, it.n, item_copy, &it);
		items_free(&it);
	} else {
		/* /projects/{key}/permissions/{PROJECT_READ|PROJECT_WRITE}/all */
		char key[256] = "";
		const char *k = r->rel + 10, *slash = strchr(k, '/');
		size_t kl = slash ? (size_t)(slash - k) : 0;
		if (kl < sizeof key)
			memcpy(key, k, kl), key[kl] = '\0';
		int asked = strstr(r->rel, "PROJECT_WRITE") ? 2 : 1, has = 0;
		if (!dc_ent(NT_PROJECT, key)) {
			reply_dc_error(rep, 404, "com.atlassian.bitbucket.project.NoSuchProjectException",
				       "Project %s does not exist.", key);
			return;
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sec, "defaults"))
			if (!strcasecmp(x->string, key) && cJSON_IsString(x))
				has = !strcmp(x->valuestring, "PROJECT_WRITE") ? 2 : 1;
		reply_json_start(rep, 200);
		buf_json(&rep->body, "{\"permitted\":%b}", has >= asked);
	}
}

void access_handle(struct MHD_Connection *c, const struct req *r, struct reply *rep)
{
	if (strcmp(r->method, "GET") != 0) {
		reply_allow(rep, "GET");
		return;
	}
	if (r->api == API_CLOUD)
		cloud(c, r, rep);
	else
		dc(r, rep);
}
