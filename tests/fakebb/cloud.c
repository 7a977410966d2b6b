/*
 * fakebb: Bitbucket Cloud 2.0. The four permission resources (GET, PUT,
 * DELETE), their lists, and the lists of repositories, projects and members
 * of a workspace, paginated the Cloud way: pagelen, and a `next` URL whose
 * `page` token is opaque (a MAC'd, scrambled offset; see token_make).
 */
#include "fakebb.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_EMAILS 90                   /* per members query, as Cloud documents */

/* ------------------------------------------------------------------ */
/* Routing                                                             */

void cloud_route(struct req *r)
{
	char *segs[8], *p;
	size_t n = 0, i = 0, nseg = 0;
	const char *list = NULL, *parts[4];
	int ok = 0;

	r->path = xstrdup(r->rel + 1);
	for (p = r->path; n < 8; ) {
		segs[n++] = p;
		if (!(p = strchr(p, '/')))
			break;
		*p++ = '\0';
	}
	if (p)                          /* more than 8 segments */
		return;
	if (segs[0][0] == 'u') {
		/* users/{uuid or account id}: one user, found in any workspace */
		if (n != 2 || segs[1][0] == '\0' || pct_decode(segs[1]) != 0) {
			r->ep = EP_NONE;
			return;
		}
		r->ep = EP_USER;
		r->seg[0] = segs[1];
		r->lower[0] = lower_dup(segs[1]);
		return;
	}
	if (segs[0][0] == 'r' && (n == 4 || n == 5) && strcmp(segs[3], "branch-restrictions") == 0) {
		/* repositories/{ws}/{repo}/branch-restrictions[/{id}] */
		r->ep = n == 5 ? EP_BRANCH : EP_BRANCH_LIST;
		r->seg[0] = segs[1];
		r->seg[1] = segs[2];
		r->seg[2] = n == 5 ? segs[4] : NULL;
		for (i = 0; i < n - 2; i++) {
			if (r->seg[i][0] == '\0' || pct_decode((char *)r->seg[i]) != 0) {
				r->ep = EP_NONE;
				return;
			}
			r->lower[i] = lower_dup(r->seg[i]);
		}
		parts[0] = n == 5 ? "branch-restriction" : "branch-restrictions";
		parts[1] = r->lower[0];
		parts[2] = r->lower[1];
		parts[3] = r->lower[2];
		if (n == 5)
			r->key = key_join(parts, 4, &r->klen);
		else
			r->listkey = key_join(parts, 3, &r->listklen);
		return;
	}
	if (segs[0][0] == 'r') {
		/* repositories/{ws}[/{repo}/permissions-config/{groups|users}[/{id}]] */
		r->kind = K_REPO;
		if (n == 2) {
			r->ep = EP_REPO_LIST;
			list = "repositories";
			nseg = 1;
		} else if ((n == 5 || n == 6) && strcmp(segs[3], "permissions-config") == 0) {
			r->ep = n == 6 ? EP_PERM : EP_PERM_LIST;
			r->seg[1] = segs[2];
			i = 4;
			ok = 1;
		}
	} else {
		/* workspaces/{ws}/{projects|members}, or
		 * workspaces/{ws}/projects/{key}/permissions-config/{groups|users}[/{id}] */
		r->kind = K_PROJECT;
		if (n == 3 && (strcmp(segs[2], "projects") == 0 || strcmp(segs[2], "members") == 0)) {
			r->ep = segs[2][0] == 'p' ? EP_PROJECT_LIST : EP_MEMBER_LIST;
			list = segs[2];
			nseg = 1;
		} else if ((n == 6 || n == 7) && strcmp(segs[2], "projects") == 0 &&
			   strcmp(segs[4], "permissions-config") == 0) {
			r->ep = n == 7 ? EP_PERM : EP_PERM_LIST;
			r->seg[1] = segs[3];
			i = 5;
			ok = 1;
		}
	}
	if (ok) {
		if (strcmp(segs[i], "groups") == 0)
			r->subj = S_GROUP;
		else if (strcmp(segs[i], "users") == 0)
			r->subj = S_USER;
		else
			ok = 0;
		if (r->ep == EP_PERM)
			r->seg[2] = segs[i + 1];
		nseg = r->ep == EP_PERM ? 3 : 2;
	}
	if (!ok && !list) {
		r->ep = EP_NONE;
		return;
	}
	r->seg[0] = segs[1];
	for (i = 0; i < nseg; i++) {
		if (r->seg[i][0] == '\0' || pct_decode((char *)r->seg[i]) != 0) {
			r->ep = EP_NONE;
			return;
		}
		r->lower[i] = lower_dup(r->seg[i]);
	}
	if (r->ep == EP_PERM) {
		const struct space *ws = find_ws(r->lower[0]);
		const char *sid = ws ? space_subject_id(ws, r->subj == S_GROUP ? NT_GROUP : NT_USER,
							r->lower[2]) : r->lower[2];
		r->key = make_key(r->kind, r->lower[0], r->lower[1], r->subj, sid, &r->klen);
		return;
	}
	if (list) {
		parts[0] = list;
		parts[1] = r->lower[0];
		r->listkey = key_join(parts, 2, &r->listklen);
	} else {
		parts[0] = kind_names[r->kind];
		parts[1] = r->lower[0];
		parts[2] = r->lower[1];
		parts[3] = r->subj == S_GROUP ? "groups" : "users";
		r->listkey = key_join(parts, 4, &r->listklen);
	}
}

/* ------------------------------------------------------------------ */
/* Page tokens                                                         */

#define TOKEN_LEN 11                    /* base62 digits of a 64-bit value */
#define TOKEN_MUL 0x9e3779b97f4a7c15ull /* odd, so invertible mod 2^64 */

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static uint64_t g_salt, g_mask, g_mul_inv;

void cloud_tokens_init(uint64_t salt)
{
	int i;
	g_salt = salt;
	g_mask = hash_bytes((const char *)&salt, sizeof salt) * TOKEN_MUL;
	g_mul_inv = TOKEN_MUL;          /* Newton: each step doubles the correct bits */
	for (i = 0; i < 6; i++)
		g_mul_inv *= 2 - TOKEN_MUL * g_mul_inv;
}

/* 32 bits that only this server can compute for (path, offset). */
static uint32_t token_tag(const char *path, uint32_t offset)
{
	struct buf b = { 0 };
	uint32_t tag;
	buf_printf(&b, "%llx|%s|%u", (unsigned long long)g_salt, path, offset);
	tag = (uint32_t)(hash_bytes(b.p, b.len) >> 16);
	free(b.p);
	return tag;
}

static void token_make(struct buf *b, const char *path, size_t offset)
{
	uint32_t off = (uint32_t)offset;
	uint64_t v = ((((uint64_t)token_tag(path, off) << 32) | off) ^ g_mask) * TOKEN_MUL;
	char out[TOKEN_LEN];
	int i;
	for (i = TOKEN_LEN - 1; i >= 0; i--) {
		out[i] = b62[v % 62];
		v /= 62;
	}
	buf_add(b, out, TOKEN_LEN);
}

/* The offset a token stands for; -1 if this server did not make it. */
static int token_read(const char *path, const char *tok, size_t *offset)
{
	uint64_t v = 0;
	uint32_t off;
	size_t i;
	if (strlen(tok) != TOKEN_LEN)
		return -1;
	for (i = 0; i < TOKEN_LEN; i++) {
		const char *d = tok[i] ? strchr(b62, tok[i]) : NULL;
		if (!d || v > (UINT64_MAX - (uint64_t)(d - b62)) / 62)
			return -1;
		v = v * 62 + (uint64_t)(d - b62);
	}
	v = (v * g_mul_inv) ^ g_mask;
	off = (uint32_t)v;
	if ((uint32_t)(v >> 32) != token_tag(path, off))
		return -1;
	*offset = off;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

struct cpage {
	size_t offset, pagelen;
};

/* pagelen and page of a list request; 400 and -1 if they are not valid. */
static int page_args(const struct req *r, struct reply *rep, struct cpage *pg)
{
	const char *len = query_get(r, "pagelen"), *page = query_get(r, "page");
	long n = len ? parse_count(len, 1000000000L) : 10;
	if (n < 1) {
		reply_error(rep, 400, "Invalid pagelen '%s': expected a whole number from 1", len);
		return -1;
	}
	if (n > 100)
		n = 100;
	if ((unsigned long)n > cfg_max_pagelen())
		n = (long)cfg_max_pagelen();
	pg->pagelen = (size_t)n;
	pg->offset = 0;
	if (page && token_read(r->rel, page, &pg->offset) != 0) {
		reply_error(rep, 400, "Invalid page '%s': follow the next link of the previous page",
			    page);
		return -1;
	}
	return 0;
}

/* The URL of the page at offset: this request's, with a new page token. */
static void next_url(struct buf *b, struct MHD_Connection *c, const struct req *r, size_t offset)
{
	size_t i;
	buf_origin(b, c);
	buf_puts(b, r->url);
	buf_add(b, "?", 1);
	for (i = 0; i < r->nq; i++) {
		if (strcmp(r->q[i].key, "page") == 0)
			continue;
		buf_pct_encode(b, r->q[i].key, "");
		buf_add(b, "=", 1);
		buf_pct_encode(b, r->q[i].val, "");
		buf_add(b, "&", 1);
	}
	buf_puts(b, "page=");
	token_make(b, r->rel, offset);
}

/* A 200 page of a list of total items; item() writes item i. */
void cloud_page_reply(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		      size_t total, item_fn item, const void *ctx)
{
	struct cpage pg;
	size_t i, end;
	if (page_args(r, rep, &pg) != 0)
		return;
	/* a short list (cfg_short_list) says total but stops one item before it */
	size_t upto = total && cfg_short_list(r) ? total - 1 : total;
	end = pg.offset + pg.pagelen < upto ? pg.offset + pg.pagelen : upto;
	reply_json_start(rep, 200);
	buf_json(&rep->body, "{\"pagelen\":%z,\"size\":%z,\"page\":%z,\"values\":[",
		 pg.pagelen, total, pg.offset / pg.pagelen + 1);
	for (i = pg.offset; i < end; i++) {
		if (i > pg.offset)
			buf_add(&rep->body, ",", 1);
		item(&rep->body, ctx, i);
	}
	buf_add(&rep->body, "]", 1);
	if (end < upto) {
		buf_puts(&rep->body, ",\"next\":\"");
		next_url(&rep->body, c, r, end);
		buf_add(&rep->body, "\"", 1);
	}
	buf_puts(&rep->body, "}");
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */

/* A user: by its entity, or (a name matched by a prefix) by its id. */
void cloud_user_json(struct buf *b, const struct ent *e, const char *shown, int with_email)
{
	const char *uuid = e ? e->uuid : shown[0] == '{' ? shown : NULL;
	const char *acct = e ? e->account_id : shown[0] == '{' ? NULL : shown;
	buf_puts(b, "{\"type\":\"user\"");
	if (uuid)
		buf_json(b, ",\"uuid\":%j", uuid);
	if (acct)
		buf_json(b, ",\"account_id\":%j", acct);
	buf_json(b, ",\"display_name\":%j", e ? e->name : shown);
	if (with_email && e && e->email)
		buf_json(b, ",\"email\":%j", e->email);
	buf_puts(b, "}");
}

static void project_json(struct buf *b, const struct ent *p, const char *shown)
{
	buf_json(b, "{\"type\":\"project\",\"key\":%j,\"name\":%j", p ? p->slug : shown,
		 p ? p->name : shown);
	if (p && p->uuid)
		buf_json(b, ",\"uuid\":%j", p->uuid);
	buf_puts(b, "}");
}

/* One permission, as GET, PUT and the lists answer it. */
struct permview {
	int kind, subj, perm;
	const struct space *ws;
	const char *target;             /* lowercase id */
	const struct ent *tent;         /* NULL for a name matched by a prefix */
	const char *tshown;             /* its spelling then */
	const char *subject;            /* lowercase id */
	const struct ent *sent;
	const char *sshown;
};

static void perm_json(struct buf *b, const struct permview *v, const char *href)
{
	buf_json(b, "{\"type\":\"%s_%s_permission\",", kind_names[v->kind], subj_names[v->subj]);
	if (v->subj == S_GROUP) {
		struct buf full = { 0 };
		buf_printf(&full, "%s:%s", v->ws->name, v->subject);
		buf_json(b, "\"group\":{\"type\":\"group\",\"slug\":%j,\"name\":%j,\"full_slug\":%j}",
			 v->subject, v->sent ? v->sent->name : v->sshown, full.p);
		free(full.p);
	} else {
		buf_puts(b, "\"user\":");
		cloud_user_json(b, v->sent, v->sshown, 0);
	}
	buf_json(b, ",\"permission\":%j,", perm_names[v->perm]);
	if (v->kind == K_REPO) {
		struct buf full = { 0 };
		buf_printf(&full, "%s/%s", v->ws->name, v->target);
		buf_json(b, "\"repository\":{\"type\":\"repository\",\"full_name\":%j,\"name\":%j}",
			 full.p, v->tent ? v->tent->name : v->tshown);
		free(full.p);
	} else {
		buf_puts(b, "\"project\":");
		project_json(b, v->tent, v->tshown);
	}
	buf_json(b, ",\"links\":{\"self\":{\"href\":%j}}}", href);
}

static void repo_json(struct buf *b, const struct space *ws, const struct ent *e)
{
	struct buf full = { 0 };
	buf_printf(&full, "%s/%s", ws->name, e->id);
	buf_json(b, "{\"type\":\"repository\",\"uuid\":%j,\"slug\":%j,\"name\":%j,\"full_name\":%j",
		 e->uuid, e->id, e->name, full.p);
	if (e->project >= 0) {
		buf_puts(b, ",\"project\":");
		project_json(b, ws->list[NT_PROJECT][e->project], NULL);
	}
	buf_puts(b, "}");
	free(full.p);
}

/* ------------------------------------------------------------------ */
/* BBQL, the little of it that is needed                               */

struct lex {
	const char *p;
};

static void lx_space(struct lex *l)
{
	while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' || *l->p == '\n')
		l->p++;
}

static int is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.';
}

/* The token w next (a word must not run on); consumed if so. */
static int lx_is(struct lex *l, const char *w)
{
	size_t n = strlen(w);
	lx_space(l);
	if (strncmp(l->p, w, n) != 0 || (is_ident(w[n - 1]) && is_ident(l->p[n])))
		return 0;
	l->p += n;
	return 1;
}

/* A "string" with \" and \\ escapes: malloced, or NULL if there is none. */
static char *lx_string(struct lex *l)
{
	struct buf s = { 0 };
	const char *p;
	lx_space(l);
	if (*l->p != '"')
		return NULL;
	for (p = l->p + 1; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf_add(&s, p, 1);
	}
	if (*p != '"') {
		free(s.p);
		return NULL;
	}
	l->p = p + 1;
	if (!s.p)
		buf_add(&s, "", 0);
	return s.p;
}

static int lx_end(struct lex *l)
{
	lx_space(l);
	return *l->p == '\0';
}

/* q=project.key="KEY": the key, malloced; NULL if q is not that. */
static char *bbql_project_key(const char *q)
{
	struct lex l = { q };
	char *key;
	if (!lx_is(&l, "project.key") || !lx_is(&l, "="))
		return NULL;
	if ((key = lx_string(&l)) != NULL && lx_end(&l))
		return key;
	free(key);
	return NULL;
}

/* q=user.email IN ("a", ...) or user.email="a": the addresses; -1 if q is
 * not that. */
static long bbql_emails(const char *q, char ***out)
{
	struct lex l = { q };
	char **v = NULL, *s;
	long n = 0;
	int in, more = 1;
	if (!lx_is(&l, "user.email"))
		return -1;
	if (!(in = lx_is(&l, "IN") || lx_is(&l, "in")) && !lx_is(&l, "="))
		return -1;
	if (in && !lx_is(&l, "("))
		return -1;
	while (more && (s = lx_string(&l)) != NULL) {
		v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
		v[n++] = s;
		more = in && lx_is(&l, ",");
	}
	if (more || n == 0 || (in && !lx_is(&l, ")")) || !lx_end(&l)) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return -1;
	}
	*out = v;
	return n;
}

/* ------------------------------------------------------------------ */
/* Lists of a workspace                                                */

/* What the item writers of the workspace lists need. */
struct wslist {
	struct picks pk;
	const struct space *ws;
	int with_email;
};

/* sort=FIELD or -FIELD (FIELD: the only one supported); 0 if absent. */
static int sort_arg(const struct req *r, struct reply *rep, const char *field, struct picks *pk)
{
	const char *s = query_get(r, "sort");
	int desc;
	if (!s)
		return 0;
	desc = s[0] == '-';
	if (strcmp(s + desc, field) != 0) {
		reply_error(rep, 400, "Invalid sort field '%s': this server sorts by %s only", s, field);
		return -1;
	}
	picks_sort(pk, desc);
	return 0;
}

static void repo_item(struct buf *b, const void *ctx, size_t i)
{
	const struct wslist *wl = ctx;
	repo_json(b, wl->ws, wl->pk.e[i]);
}

static void project_item(struct buf *b, const void *ctx, size_t i)
{
	const struct wslist *wl = ctx;
	project_json(b, wl->pk.e[i], NULL);
}

static void member_item(struct buf *b, const void *ctx, size_t i)
{
	const struct wslist *wl = ctx;
	buf_puts(b, "{\"type\":\"workspace_membership\",\"user\":");
	cloud_user_json(b, wl->pk.e[i], NULL, wl->with_email);
	buf_json(b, ",\"workspace\":{\"type\":\"workspace\",\"slug\":%j,\"name\":%j,\"uuid\":%j}}",
		 wl->ws->name, wl->ws->spelling, wl->ws->uuid);
}

static void repo_list(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		      struct wslist *wl)
{
	const struct space *ws = wl->ws;
	const char *q = query_get(r, "q");
	char *key = NULL;
	size_t i;
	if (q && !(key = bbql_project_key(q))) {
		reply_error(rep, 400, "Invalid query q=%s: this server supports only "
			    "project.key=\"KEY\"", q);
		return;
	}
	unsigned long long pages = stats_repo_lists();
	for (i = 0; i < ws->nlist[NT_REPO]; i++) {
		const struct ent *e = ws->list[NT_REPO][i];
		if ((unsigned long long)e->listed_after > pages)
			continue;       /* it appears later */
		if (!key || (e->project >= 0 &&
			     strcasecmp(ws->list[NT_PROJECT][e->project]->slug, key) == 0))
			picks_add(&wl->pk, e);
	}
	free(key);
	if (sort_arg(r, rep, "slug", &wl->pk) == 0)
		cloud_page_reply(c, r, rep, wl->pk.n, repo_item, wl);
}

static void project_list(struct MHD_Connection *c, const struct req *r, struct reply *rep,
			 struct wslist *wl)
{
	const struct space *ws = wl->ws;
	size_t i;
	if (query_get(r, "q")) {
		reply_error(rep, 400, "Invalid query: this server filters no project lists");
		return;
	}
	for (i = 0; i < ws->nlist[NT_PROJECT]; i++)
		picks_add(&wl->pk, ws->list[NT_PROJECT][i]);
	if (sort_arg(r, rep, "key", &wl->pk) == 0)
		cloud_page_reply(c, r, rep, wl->pk.n, project_item, wl);
}

static void member_list(struct MHD_Connection *c, const struct req *r, struct reply *rep,
			struct wslist *wl)
{
	const struct space *ws = wl->ws;
	const char *q = query_get(r, "q");
	char **emails = NULL;
	long n = 0, k;
	size_t i;
	if (q && (n = bbql_emails(q, &emails)) < 0) {
		reply_error(rep, 400, "Invalid query q=%s: expected user.email IN (\"...\", ...) "
			    "or user.email=\"...\"", q);
		return;
	}
	if (n > MAX_EMAILS) {
		reply_error(rep, 400, "Too many email addresses: %ld; a query may hold up to %d",
			    n, MAX_EMAILS);
	} else {
		for (i = 0; i < ws->nlist[NT_USER]; i++) {
			const struct ent *e = ws->list[NT_USER][i];
			for (k = 0; q && k < n && !(e->email && strcasecmp(e->email, emails[k]) == 0); k++)
				;
			if (!q || k < n)
				picks_add(&wl->pk, e);
		}
		wl->with_email = q != NULL;
		cloud_page_reply(c, r, rep, wl->pk.n, member_item, wl);
	}
	for (k = 0; k < n; k++)
		free(emails[k]);
	free(emails);
}

/* ------------------------------------------------------------------ */
/* Permissions                                                         */

struct permlist {
	struct permview v;
	struct permrow *rows;
	struct MHD_Connection *c;       /* for the links */
	const struct req *r;
};

static void perm_item(struct buf *b, const void *ctx, size_t i)
{
	const struct permlist *pl = ctx;
	struct permview v = pl->v;
	struct buf href = { 0 };
	const char *shown;
	v.subject = pl->rows[i].subject;
	v.perm = pl->rows[i].perm;
	v.sshown = v.subject;
	space_has(v.ws, v.subj == S_GROUP ? NT_GROUP : NT_USER, v.subject, &v.sent);
	shown = !v.sent ? v.subject : v.subj == S_GROUP ? v.sent->id
		: v.sent->account_id ? v.sent->account_id : v.sent->uuid;
	buf_origin(&href, pl->c);
	buf_printf(&href, "%s/", pl->r->url);
	buf_pct_encode(&href, shown, ":@!$&'()*+,;=");
	perm_json(b, &v, href.p);
	free(href.p);
}

/* GET, PUT or DELETE of one permission, once the names are checked. */
static void perm_one(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		     struct permview *v)
{
	struct buf href = { 0 };
	if (strcmp(r->method, "GET") == 0) {
		if ((v->perm = state_get(r->key, r->klen)) == P_NONE) {
			reply_error(rep, 404, "No permission set for %s '%s' on %s '%s'",
				    subj_names[r->subj], r->seg[2], kind_names[r->kind], r->seg[1]);
			return;
		}
		rep->logperm = perm_names[v->perm];
	} else if (strcmp(r->method, "DELETE") == 0) {
		state_del(r->key, r->klen);
		rep->status = 204;
		return;
	} else {                        /* PUT */
		const cJSON *pj;
		char *shown;
		if (!media_is(header(c, MHD_HTTP_HEADER_CONTENT_TYPE), "application/json")) {
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
		if (!(pj = cJSON_GetObjectItemCaseSensitive(r->json, "permission"))) {
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
		v->perm = cJSON_IsString(pj) ? perm_parse(pj->valuestring, r->kind) : P_NONE;
		if (v->perm == P_NONE) {
			shown = cJSON_IsString(pj) ? NULL : cJSON_PrintUnformatted(pj);
			reply_error(rep, 400, "permission: value '%s' is not valid",
				    shown ? shown : pj->valuestring);
			free(shown);
			return;
		}
		state_set(r->key, r->klen, v->perm);
	}
	reply_json_start(rep, 200);
	buf_origin(&href, c);
	buf_puts(&href, r->url);
	perm_json(&rep->body, v, href.p);
	free(href.p);
}

/* GET /users/{id}: the user by {uuid} or account id, in any workspace. */
static void user_one(const struct req *r, struct reply *rep)
{
	size_t b;
	const struct ent *e = NULL;
	if (strcmp(r->method, "GET") != 0) {
		reply_error(rep, 405, "Method %s is not allowed here", r->method);
		reply_allow(rep, "GET");
		return;
	}
	for (b = 0; b < g_fx.workspaces.nb && !e; b++) {
		const struct hent *h;
		for (h = g_fx.workspaces.b[b]; h && !e; h = h->next) {
			const struct space *s = h->aux;
			if (space_has(s, NT_USER, r->lower[0], &e) && e && !e->uuid)
				e = NULL;
		}
	}
	if (!e) {
		reply_error(rep, 404, "No user with id '%s'", r->seg[0]);
		return;
	}
	reply_json_start(rep, 200);
	cloud_user_json(&rep->body, e, e->id, 0);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

void cloud_handle(struct MHD_Connection *c, struct req *r, struct reply *rep)
{
	const struct space *ws;
	struct permview v = { 0 };
	struct wslist wl = { { 0 }, NULL, 0 };
	int get = strcmp(r->method, "GET") == 0;

	if (r->ep == EP_NONE) {
		reply_error(rep, 404, "Resource not found");
		return;
	}
	if (r->ep == EP_USER) {
		user_one(r, rep);
		return;
	}
	if (!(ws = find_ws(r->lower[0]))) {
		reply_error(rep, 404, "Workspace '%s' not found", r->seg[0]);
		return;
	}
	if (r->ep == EP_BRANCH_LIST || r->ep == EP_BRANCH) {
		const struct ent *tent;
		if (!space_has(ws, NT_REPO, r->lower[1], &tent)) {
			reply_error(rep, 404, "Repository '%s/%s' not found", r->seg[0], r->seg[1]);
			return;
		}
		if (tent && tent->denied) {
			reply_error(rep, 403, "You must be an administrator of repository '%s' to manage "
				    "its branch restrictions", r->seg[1]);
			return;
		}
		branch_cloud_handle(c, r, rep, ws);
		return;
	}
	v.kind = r->kind;
	v.subj = r->subj;
	v.ws = ws;
	if (r->ep == EP_PERM || r->ep == EP_PERM_LIST) {
		v.target = r->lower[1];
		v.tshown = r->seg[1];
		if (!space_has(ws, r->kind == K_REPO ? NT_REPO : NT_PROJECT, v.target, &v.tent)) {
			if (r->kind == K_REPO)
				reply_error(rep, 404, "Repository '%s/%s' not found", r->seg[0], r->seg[1]);
			else
				reply_error(rep, 404, "Project '%s' not found in workspace '%s'",
					    r->seg[1], r->seg[0]);
			return;
		}
		if (v.tent && v.tent->denied) {
			reply_error(rep, 403, "You must be an administrator of %s '%s' to manage "
				    "its permissions", kind_names[r->kind], r->seg[1]);
			return;
		}
	}
	if (r->ep == EP_PERM) {
		v.sshown = r->seg[2];
		if (!space_has(ws, r->subj == S_GROUP ? NT_GROUP : NT_USER, r->lower[2], &v.sent)) {
			reply_error(rep, 404, "%s '%s' not found", r->subj == S_GROUP ? "Group" : "User",
				    r->seg[2]);
			return;
		}
		v.subject = v.sent ? v.sent->id : r->lower[2];
		if (!get && strcmp(r->method, "PUT") != 0 && strcmp(r->method, "DELETE") != 0) {
			reply_error(rep, 405, "Method %s is not allowed here", r->method);
			reply_allow(rep, "GET, PUT, DELETE");
			return;
		}
		perm_one(c, r, rep, &v);
		return;
	}
	if (!get) {
		reply_error(rep, 405, "Method %s is not allowed here", r->method);
		reply_allow(rep, "GET");
		return;
	}
	if (r->bad_query) {
		reply_error(rep, 400, "The query string holds a %%00");
		return;
	}
	wl.ws = ws;
	if (r->ep == EP_PERM_LIST) {
		struct permlist pl = { v, NULL, c, r };
		size_t n = state_scan(r->kind, ws->name, v.target, r->subj, &pl.rows);
		cloud_page_reply(c, r, rep, n, perm_item, &pl);
		permrows_free(pl.rows, n);
	} else if (r->ep == EP_REPO_LIST) {
		repo_list(c, r, rep, &wl);
	} else if (r->ep == EP_PROJECT_LIST) {
		project_list(c, r, rep, &wl);
	} else {
		member_list(c, r, rep, &wl);
	}
	free(wl.pk.e);
}
