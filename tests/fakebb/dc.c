/*
 * fakebb: Bitbucket Data Center, under /rest/api/latest and /rest/api/1.0.
 * Permissions of projects and repositories (GET lists them, PUT grants to
 * every ?name=, DELETE revokes one), and the lists of projects and of a
 * project's repositories, paged with start and limit; and routes the branch
 * restrictions of /rest/branch-permissions/ (branch.c answers them). Names
 * are compared case-insensitively; the permission values (REPO_WRITE...)
 * are not.
 */
#include "fakebb.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXC "com.atlassian.bitbucket."
#define EXC_BAD_ARG EXC "validation.ArgumentValidationException"

/* ------------------------------------------------------------------ */
/* Routing                                                             */

/* Under /rest/branch-permissions/{latest,2.0}:
 * projects/{K}/restrictions[/{id}]
 * projects/{K}/repos/{S}/restrictions[/{id}] */
static void dc_branch_route(struct req *r, char **segs, size_t n)
{
	const char *parts[4];
	struct buf target = { 0 };
	size_t i, idseg = 0;

	if ((n == 3 || n == 4) && strcmp(segs[2], "restrictions") == 0) {
		idseg = n == 4 ? 3 : 0;
	} else if ((n == 5 || n == 6) && strcmp(segs[2], "repos") == 0 &&
		   strcmp(segs[4], "restrictions") == 0) {
		r->seg[1] = segs[3];
		idseg = n == 6 ? 5 : 0;
	} else {
		return;
	}
	r->seg[0] = segs[1];
	r->seg[2] = idseg ? segs[idseg] : NULL;
	for (i = 0; i < 3; i++)
		if (r->seg[i] && (r->seg[i][0] == '\0' || pct_decode((char *)r->seg[i]) != 0))
			return;
	r->ep = idseg ? EP_BRANCH : EP_BRANCH_LIST;
	r->kind = r->seg[1] ? K_REPO : K_PROJECT;
	r->lower[0] = lower_dup(r->seg[0]);
	buf_puts(&target, r->seg[0]);
	if (r->seg[1])
		buf_printf(&target, "/%s", r->seg[1]);
	r->lower[1] = lower_dup(target.p);
	free(target.p);
	parts[0] = idseg ? "branch-restriction" : "branch-restrictions";
	parts[1] = DC_SPACE;
	parts[2] = r->lower[1];
	if (idseg) {
		r->lower[2] = lower_dup(r->seg[2]);
		parts[3] = r->lower[2];
		r->key = key_join(parts, 4, &r->klen);
	} else {
		r->listkey = key_join(parts, 3, &r->listklen);
	}
}

/* projects
 * projects/{K}/repos
 * projects/{K}/permissions/{groups|users}
 * projects/{K}/repos/{S}/permissions/{groups|users} */
void dc_route(struct req *r)
{
	char *segs[7], *p;
	const char *parts[4], *name;
	size_t n = 0, i;
	struct buf target = { 0 };

	r->ep = EP_NONE;
	if (r->rel[0] != '/')
		return;
	r->path = xstrdup(r->rel + 1);
	for (p = r->path; n < 7; ) {
		segs[n++] = p;
		if (!(p = strchr(p, '/')))
			break;
		*p++ = '\0';
	}
	if (p || strcmp(segs[0], "projects") != 0)
		return;
	if (r->bp) {
		dc_branch_route(r, segs, n);
		return;
	}
	if (n == 1) {
		r->ep = EP_PROJECT_LIST;
		parts[0] = "projects";
		parts[1] = DC_SPACE;
		r->listkey = key_join(parts, 2, &r->listklen);
		return;
	}
	if (n == 3 && strcmp(segs[2], "repos") == 0) {
		r->ep = EP_REPO_LIST;
	} else if (n == 4 && strcmp(segs[2], "permissions") == 0) {
		r->ep = EP_PERM;
		r->kind = K_PROJECT;
	} else if (n == 6 && strcmp(segs[2], "repos") == 0 && strcmp(segs[4], "permissions") == 0) {
		r->ep = EP_PERM;
		r->kind = K_REPO;
		r->seg[1] = segs[3];
	} else {
		return;
	}
	if (r->ep == EP_PERM) {
		if (strcmp(segs[n - 1], "groups") == 0)
			r->subj = S_GROUP;
		else if (strcmp(segs[n - 1], "users") == 0)
			r->subj = S_USER;
		else
			r->ep = EP_NONE;
	}
	r->seg[0] = segs[1];
	for (i = 0; i < 2 && r->ep != EP_NONE; i++)
		if (r->seg[i] && (r->seg[i][0] == '\0' || pct_decode((char *)r->seg[i]) != 0))
			r->ep = EP_NONE;
	if (r->ep == EP_NONE)
		return;
	/* lower[0]: the project; lower[1]: the target ("key" or "key/slug") */
	r->lower[0] = lower_dup(r->seg[0]);
	buf_puts(&target, r->seg[0]);
	if (r->seg[1])
		buf_printf(&target, "/%s", r->seg[1]);
	r->lower[1] = lower_dup(target.p);
	free(target.p);
	if (r->ep == EP_REPO_LIST) {
		parts[0] = "repositories";
		parts[1] = DC_SPACE;
		parts[2] = r->lower[0];
		r->listkey = key_join(parts, 3, &r->listklen);
	} else if (strcmp(r->method, "GET") == 0) {
		r->ep = EP_PERM_LIST;
		parts[0] = kind_names[r->kind];
		parts[1] = DC_SPACE;
		parts[2] = r->lower[1];
		parts[3] = r->subj == S_GROUP ? "groups" : "users";
		r->listkey = key_join(parts, 4, &r->listklen);
	} else if ((name = query_get(r, "name")) != NULL && name[0]) {
		/* keyed (overlaps, --log) by the first name */
		r->seg[2] = name;
		r->lower[2] = lower_dup(name);
		r->key = make_key(r->kind, DC_SPACE, r->lower[1], r->subj, r->lower[2], &r->klen);
	}
	if ((name = query_get(r, "permission")) != NULL)
		set_logperm(r, name);
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

/* start and limit; 400 and -1 if they are not whole numbers. */
static int page_args(const struct req *r, struct reply *rep, size_t *start, size_t *limit)
{
	const char *s = query_get(r, "start"), *l = query_get(r, "limit");
	long st = s ? parse_count(s, 1000000000L) : 0, li = l ? parse_count(l, 1000000000L) : 25;
	if (st < 0 || li < 0) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "%s must be a whole number",
			       st < 0 ? "start" : "limit");
		return -1;
	}
	*start = (size_t)st;
	*limit = li < 1 ? 1 : (unsigned long)li > cfg_dc_max_limit() ? cfg_dc_max_limit()
		: (size_t)li;
	return 0;
}

void dc_page_reply(const struct req *r, struct reply *rep, size_t total, item_fn item,
		   const void *ctx)
{
	size_t start, limit, end, i;
	if (page_args(r, rep, &start, &limit) != 0)
		return;
	end = start < total ? (total - start < limit ? total : start + limit) : start;
	/* a short list (cfg_short_list): the last page counts its last item in
	 * size but leaves it out */
	size_t upto = end == total && end > start && cfg_short_list(r) ? end - 1 : end;
	reply_json_start(rep, 200);
	buf_json(&rep->body, "{\"size\":%z,\"limit\":%z,\"isLastPage\":%b,\"values\":[",
		 end - start, limit, end >= total);
	for (i = start; i < upto; i++) {
		if (i > start)
			buf_add(&rep->body, ",", 1);
		item(&rep->body, ctx, i);
	}
	buf_json(&rep->body, "],\"start\":%z", start);
	if (end < total)
		buf_json(&rep->body, ",\"nextPageStart\":%z", end);
	buf_puts(&rep->body, "}");
}

/* ------------------------------------------------------------------ */
/* Items                                                               */

static void project_json(struct buf *b, const struct ent *p)
{
	buf_json(b, "{\"key\":%j,\"id\":%d,\"name\":%j,\"public\":false,\"type\":\"NORMAL\"}",
		 p->slug, p->num, p->name);
}

static void project_item(struct buf *b, const void *ctx, size_t i)
{
	project_json(b, ((const struct picks *)ctx)->e[i]);
}

static void repo_item(struct buf *b, const void *ctx, size_t i)
{
	const struct ent *e = ((const struct picks *)ctx)->e[i];
	buf_json(b, "{\"slug\":%j,\"id\":%d,\"name\":%j,\"scmId\":\"git\",\"state\":\"AVAILABLE\","
		 "\"statusMessage\":\"Available\",\"forkable\":true,\"public\":false,"
		 "\"archived\":false,\"project\":", e->slug, e->num, e->name);
	project_json(b, g_fx.dc->list[NT_PROJECT][e->project]);
	buf_puts(b, "}");
}

void dc_user_json(struct buf *b, const struct ent *e)
{
	buf_json(b, "{\"name\":%j,", e->slug);
	if (e->email)
		buf_json(b, "\"emailAddress\":%j,", e->email);
	buf_json(b, "\"displayName\":%j,\"id\":%d,\"slug\":%j,\"type\":\"NORMAL\","
		 "\"active\":true}", e->name, e->num, e->id);
}

struct permlist {
	int kind, subj;
	struct permrow *rows;
};

static void perm_item(struct buf *b, const void *ctx, size_t i)
{
	const struct permlist *pl = ctx;
	const struct permrow *row = &pl->rows[i];
	const struct ent *e;
	space_has(g_fx.dc, pl->subj == S_GROUP ? NT_GROUP : NT_USER, row->subject, &e);
	if (pl->subj == S_GROUP) {
		buf_json(b, "{\"group\":{\"name\":%j}", e ? e->slug : row->subject);
	} else if (e) {
		buf_puts(b, "{\"user\":");
		dc_user_json(b, e);
	} else {                        /* not in the fixture: cannot happen */
		buf_json(b, "{\"user\":{\"name\":%j}", row->subject);
	}
	buf_json(b, ",\"permission\":%j}", dc_perm_name(pl->kind, row->perm));
}

/* ------------------------------------------------------------------ */
/* Permissions                                                         */

static void perm_list(const struct req *r, struct reply *rep)
{
	const char *filter = query_get(r, "filter");
	struct permlist pl = { r->kind, r->subj, NULL };
	size_t n = state_scan(r->kind, DC_SPACE, r->lower[1], r->subj, &pl.rows), i, kept = 0;
	char *lfilter = filter ? lower_dup(filter) : NULL;
	for (i = 0; i < n; i++) {       /* ?filter=: names that contain it */
		if (lfilter && !strstr(pl.rows[i].subject, lfilter))
			free(pl.rows[i].subject);
		else
			pl.rows[kept++] = pl.rows[i];
	}
	free(lfilter);
	dc_page_reply(r, rep, kept, perm_item, &pl);
	permrows_free(pl.rows, kept);
}

/* PUT (every name) or DELETE (the first name) of a permission. */
static void perm_write(const struct req *r, struct reply *rep)
{
	int put = strcmp(r->method, "PUT") == 0, perm = P_NONE;
	int nt = r->subj == S_GROUP ? NT_GROUP : NT_USER;
	const char *pv = query_get(r, "permission");
	struct seed *keys = NULL;       /* one a name */
	size_t i, n = 0;

	if (put && (!pv || !pv[0])) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "The permission parameter is required");
		return;
	}
	if (put && (perm = dc_perm_parse(pv, r->kind)) == P_NONE) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "'%s' is not a valid %s permission; use %s",
			       pv, kind_names[r->kind], r->kind == K_REPO
			       ? "REPO_READ, REPO_WRITE or REPO_ADMIN"
			       : "PROJECT_READ, PROJECT_WRITE, PROJECT_ADMIN or REPO_CREATE");
		return;
	}
	for (i = 0; i < r->nq && (put || n == 0); i++) {
		const struct ent *e;
		char *l;
		if (strcmp(r->q[i].key, "name") != 0 || !r->q[i].val[0])
			continue;
		l = lower_dup(r->q[i].val);
		if (!space_has(g_fx.dc, nt, l, &e)) {
			reply_dc_error(rep, 404, r->subj == S_GROUP ? EXC "user.NoSuchGroupException"
				       : EXC "user.NoSuchUserException", "%s %s does not exist.",
				       r->subj == S_GROUP ? "Group" : "User", r->q[i].val);
			free(l);
			goto out;
		}
		keys = xrealloc(keys, (n + 1) * sizeof *keys);
		keys[n].key = make_key(r->kind, DC_SPACE, r->lower[1], r->subj, l, &keys[n].klen);
		n++;
		free(l);
	}
	if (n == 0) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "The name parameter is required");
	} else if (put) {
		for (i = 0; i < n; i++)
			state_set(keys[i].key, keys[i].klen, perm);
		rep->status = 204;
	} else if (ht_find(&g_fx.dc_conflicts, keys[0].key, keys[0].klen)) {
		reply_dc_error(rep, 409, EXC "IntegrityException", "Revoking this permission "
			       "would lower your own access to the %s", kind_names[r->kind]);
	} else {
		state_del(keys[0].key, keys[0].klen);
		rep->status = 204;
	}
out:
	for (i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

void dc_handle(struct MHD_Connection *c, struct req *r, struct reply *rep)
{
	const struct space *s = g_fx.dc;
	const struct ent *p = NULL, *t = NULL;
	struct picks pk = { 0 };
	int get = strcmp(r->method, "GET") == 0;
	size_t i;

	if (r->ep == EP_NONE) {
		struct buf uri = { 0 };
		buf_origin(&uri, c);
		buf_puts(&uri, r->url);
		reply_dc_error(rep, 404, "com.sun.jersey.api.NotFoundException", "null for uri: %s",
			       uri.p);
		free(uri.p);
		return;
	}
	if (r->ep != EP_PROJECT_LIST) {
		if (!space_has(s, NT_PROJECT, r->lower[0], &p)) {
			reply_dc_error(rep, 404, EXC "project.NoSuchProjectException",
				       "Project %s does not exist.", r->seg[0]);
			return;
		}
		t = p;
		if (r->seg[1] && !space_has(s, NT_REPO, r->lower[1], &t)) {
			reply_dc_error(rep, 404, EXC "repository.NoSuchRepositoryException",
				       "Repository %s/%s does not exist.", r->seg[0], r->seg[1]);
			return;
		}
		if (t->denied) {
			reply_dc_error(rep, 401, EXC "AuthorisationException",
				       "You are not permitted to access this resource");
			return;
		}
	}
	if (r->ep == EP_BRANCH_LIST || r->ep == EP_BRANCH) {
		branch_dc_handle(c, r, rep, t);
		return;
	}
	if (!get && !(r->ep == EP_PERM && (strcmp(r->method, "PUT") == 0 ||
					   strcmp(r->method, "DELETE") == 0))) {
		reply_dc_error(rep, 405, "javax.ws.rs.WebApplicationException",
			       "Method %s is not allowed here", r->method);
		reply_allow(rep, r->ep == EP_PERM || r->ep == EP_PERM_LIST ? "GET, PUT, DELETE" : "GET");
		return;
	}
	if (r->bad_query) {
		reply_dc_error(rep, 400, EXC_BAD_ARG, "The query string holds a %%00");
		return;
	}
	switch (r->ep) {
	case EP_PROJECT_LIST:
		for (i = 0; i < s->nlist[NT_PROJECT]; i++)
			picks_add(&pk, s->list[NT_PROJECT][i]);
		picks_sort(&pk, 0);
		dc_page_reply(r, rep, pk.n, project_item, &pk);
		break;
	case EP_REPO_LIST:
		for (i = 0; i < s->nlist[NT_REPO]; i++)
			if (s->list[NT_PROJECT][s->list[NT_REPO][i]->project] == p)
				picks_add(&pk, s->list[NT_REPO][i]);
		picks_sort(&pk, 0);
		dc_page_reply(r, rep, pk.n, repo_item, &pk);
		break;
	case EP_PERM_LIST:
		perm_list(r, rep);
		break;
	default:
		perm_write(r, rep);
		break;
	}
	free(pk.e);
}
