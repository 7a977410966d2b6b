/*
 * fakebb: the fixture, loaded once before the server starts and read
 * without a lock after that; and the vocabulary of permission keys.
 *
 * Every named thing is a struct ent in a struct space (a Cloud workspace,
 * or the Data Center instance). A space's names table maps a type digit and
 * a lowercase name to its ent; a Cloud object user is in it twice, under its
 * uuid and its account id, so both name the same ent and so the same
 * permission key (the ent's id: the account id if it has one, else the uuid).
 */
#include "fakebb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture g_fx;

const char *const kind_names[] = { "repository", "project" };
const char *const subj_names[] = { "group", "user" };
const char *const perm_names[] = { "none", "read", "write", "admin", "create-repo" };

static const char *const nt_lists[NT_COUNT] = { "repositories", "projects", "groups", "users" };
static const char *const nt_prefixes[NT_COUNT] = {
	"repository_prefixes", "project_prefixes", "group_prefixes", "user_prefixes"
};

int perm_parse(const char *s, int kind)
{
	int p;
	for (p = P_READ; p <= P_CREATE_REPO; p++)
		if (strcmp(s, perm_names[p]) == 0)
			return (p == P_CREATE_REPO && kind != K_PROJECT) ? P_NONE : p;
	return P_NONE;
}

char *key_join(const char *const *parts, size_t n, size_t *klen)
{
	size_t total = 0, off = 0, i;
	char *k;
	for (i = 0; i < n; i++)
		total += strlen(parts[i]) + 1;
	k = xmalloc(total);
	for (i = 0; i < n; i++) {
		size_t len = strlen(parts[i]) + 1;
		memcpy(k + off, parts[i], len);
		off += len;
	}
	*klen = total - 1;
	return k;
}

char *make_key(int kind, const char *ws, const char *target, int subj,
	       const char *subject, size_t *klen)
{
	const char *parts[5] = { kind_names[kind], ws, target, subj_names[subj], subject };
	return key_join(parts, 5, klen);
}

void key_render(struct buf *b, const char *key, size_t klen, char sep)
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
/* Lookups                                                             */

const struct space *find_ws(const char *lname)
{
	struct hent *e = ht_find(&g_fx.workspaces, lname, strlen(lname));
	return e ? e->aux : NULL;
}

static struct hent *name_find(const struct space *s, int nt, const char *lname)
{
	size_t n = strlen(lname);
	char stackbuf[256], *k = n + 1 <= sizeof stackbuf ? stackbuf : xmalloc(n + 1);
	struct hent *e;
	k[0] = (char)('0' + nt);
	memcpy(k + 1, lname, n);
	e = ht_find(&s->names, k, n + 1);
	if (k != stackbuf)
		free(k);
	return e;
}

int space_has(const struct space *s, int nt, const char *lname, const struct ent **e)
{
	struct hent *h = name_find(s, nt, lname);
	size_t n = strlen(lname), i;
	*e = h ? h->aux : NULL;
	if (h)
		return 1;
	for (i = 0; i < s->nprefixes[nt]; i++) {
		size_t pl = strlen(s->prefixes[nt][i]);
		if (n > pl && memcmp(lname, s->prefixes[nt][i], pl) == 0)
			return 1;
	}
	return 0;
}

const char *space_subject_id(const struct space *s, int nt, const char *lname)
{
	struct hent *h = name_find(s, nt, lname);
	return h ? ((const struct ent *)h->aux)->id : lname;
}

void picks_add(struct picks *pk, const struct ent *e)
{
	pk->e = xrealloc(pk->e, (pk->n + 1) * sizeof *pk->e);
	pk->e[pk->n++] = e;
}

static int cmp_ent_id(const void *a, const void *b)
{
	return strcmp((*(const struct ent *const *)a)->id, (*(const struct ent *const *)b)->id);
}

void picks_sort(struct picks *pk, int descending)
{
	size_t i;
	if (pk->n)
		qsort(pk->e, pk->n, sizeof *pk->e, cmp_ent_id);
	for (i = 0; descending && i < pk->n / 2; i++) {
		const struct ent *t = pk->e[i];
		pk->e[i] = pk->e[pk->n - 1 - i];
		pk->e[pk->n - 1 - i] = t;
	}
}

/* ------------------------------------------------------------------ */
/* Building spaces                                                     */

static struct space *space_new(const char *name)
{
	struct space *s = xcalloc(1, sizeof *s);
	s->name = lower_dup(name);
	s->spelling = xstrdup(name);
	return s;
}

/* A new ent owned by s; fields are filled in by the caller. */
static struct ent *ent_new(struct space *s)
{
	struct ent *e = xcalloc(1, sizeof *e);
	e->project = -1;
	s->all = xrealloc(s->all, (s->nall + 1) * sizeof *s->all);
	s->all[s->nall++] = e;
	return e;
}

/* Makes e known in s by the lowercase form of name. 0 if that name is
 * taken already (by e itself too). */
static int ent_name(struct space *s, int nt, struct ent *e, const char *name)
{
	char *k = xmalloc(strlen(name) + 2), *l = lower_dup(name);
	struct hent *h;
	int added;
	k[0] = (char)('0' + nt);
	strcpy(k + 1, l);
	h = ht_insert(&s->names, k, strlen(k), &added);
	if (added)
		h->aux = e;
	free(k);
	free(l);
	return added;
}

static void ent_list(struct space *s, int nt, struct ent *e)
{
	s->list[nt] = xrealloc(s->list[nt], (s->nlist[nt] + 1) * sizeof *s->list[nt]);
	s->list[nt][s->nlist[nt]++] = e;
	e->num = (int)s->nlist[nt];
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A stable random-looking {uuid} for a thing that has none. */
static char *make_uuid(const struct space *s, int nt, const char *id)
{
	struct buf seed = { 0 }, out = { 0 };
	uint64_t a, b;
	buf_printf(&seed, "%s/%d/%s", s->name, nt, id);
	a = mix64(hash_bytes(seed.p, seed.len));
	b = mix64(a ^ 0x9e3779b97f4a7c15ull);
	buf_printf(&out, "{%08x-%04x-4%03x-%04x-%012llx}", (unsigned)(a >> 32),
		   (unsigned)(a >> 16) & 0xffffu, (unsigned)a & 0xfffu,
		   0x8000u | ((unsigned)(b >> 48) & 0x3fffu),
		   (unsigned long long)(b & 0xffffffffffffull));
	free(seed.p);
	return out.p;
}

static void free_space(void *p)
{
	struct space *s = p;
	size_t i;
	int nt;
	if (!s)
		return;
	for (i = 0; i < s->nall; i++) {
		struct ent *e = s->all[i];
		free(e->id);
		free(e->slug);
		free(e->name);
		free(e->uuid);
		free(e->account_id);
		free(e->email);
		free(e);
	}
	free(s->all);
	ht_free(&s->names, NULL);
	for (nt = 0; nt < NT_COUNT; nt++) {
		for (i = 0; i < s->nprefixes[nt]; i++)
			free(s->prefixes[nt][i]);
		free(s->prefixes[nt]);
		free(s->list[nt]);
	}
	free(s->name);
	free(s->spelling);
	free(s->uuid);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Reading JSON                                                        */

static const char *fx_string(const cJSON *j, const char *path, const char *what)
{
	if (!cJSON_IsString(j) || !j->valuestring[0])
		die("%s: %s must be a non-empty string", path, what);
	return j->valuestring;
}

static const char *fx_opt_string(const cJSON *j, const char *path, const char *what)
{
	return j ? fx_string(j, path, what) : NULL;
}

static void fx_check_array(const cJSON *j, const char *path, const char *what)
{
	if (!cJSON_IsArray(j))
		die("%s: %s must be an array", path, what);
}

/* The fields of object j named in names[] into vals[] (NULL if absent).
 * "_" fields are comments; any other field is an error. */
static void fx_fields(const char *path, const char *what, const cJSON *j,
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

/* Exactly one of two alternative fields (a, b) of an entry: *which is 0
 * for a, 1 for b. */
static const char *fx_either(const char *path, const char *what, const cJSON *a,
			     const cJSON *b, const char *na, const char *nb, int *which)
{
	if (!a == !b)
		die("%s: %s needs exactly one of '%s' and '%s'", path, what, na, nb);
	*which = a ? 0 : 1;
	return fx_string(a ? a : b, path, a ? na : nb);
}

/* ------------------------------------------------------------------ */
/* Cloud workspaces                                                    */

/* A Cloud list entry: a string (its name), or an object. */
static void cloud_entry(const char *path, struct space *s, int nt, const cJSON *item)
{
	static const char *const fields[NT_COUNT][5] = {
		{ "slug", "name", "uuid", "project", "listed_after" },
		{ "key", "name", "uuid", NULL, NULL },
		{ "slug", "name", NULL, NULL, NULL },
		{ "uuid", "account_id", "display_name", "email", NULL },
	};
	const cJSON *v[5];
	const char *what = nt_lists[nt], *a, *b, *c, *d;
	struct ent *e = ent_new(s);
	size_t nf = 0;
	int named;

	if (cJSON_IsString(item)) {
		a = fx_string(item, path, what);
		e->slug = xstrdup(a);
		e->name = xstrdup(a);
		if (nt == NT_USER)
			*(a[0] == '{' ? &e->uuid : &e->account_id) = xstrdup(a);
		if (nt == NT_REPO && s->nlist[NT_PROJECT])
			e->project = 0;
		e->id = lower_dup(a);
		if (nt == NT_REPO || nt == NT_PROJECT)
			e->uuid = make_uuid(s, nt, e->id);
		if (ent_name(s, nt, e, a))
			ent_list(s, nt, e);     /* a repeated string is one name */
		return;
	}
	while (nf < 5 && fields[nt][nf])
		nf++;
	fx_fields(path, what, item, fields[nt], v, nf);
	a = fx_opt_string(v[0], path, fields[nt][0]);
	b = fx_opt_string(v[1], path, fields[nt][1]);
	c = nf > 2 ? fx_opt_string(v[2], path, fields[nt][2]) : NULL;
	d = nf > 3 ? fx_opt_string(v[3], path, fields[nt][3]) : NULL;
	if (nt == NT_USER) {
		if (!a && !b)
			die("%s: a user object needs a uuid or an account_id", path);
		e->uuid = a ? xstrdup(a) : NULL;
		e->account_id = b ? xstrdup(b) : NULL;
		e->slug = xstrdup(b ? b : a);
		e->name = xstrdup(c ? c : e->slug);
		e->email = d ? xstrdup(d) : NULL;
		e->id = lower_dup(e->slug);
		named = (!a || ent_name(s, nt, e, a)) && (!b || ent_name(s, nt, e, b));
	} else {
		if (!a)
			die("%s: an entry of %s needs '%s'", path, what, fields[nt][0]);
		e->slug = xstrdup(a);
		e->name = xstrdup(b ? b : a);
		e->id = lower_dup(a);
		e->uuid = c ? xstrdup(c) : nt == NT_GROUP ? NULL : make_uuid(s, nt, e->id);
		if (d) {                /* a repository's project */
			const struct ent *p;
			char *lp = lower_dup(d);
			if (!space_has(s, NT_PROJECT, lp, &p) || !p || p->num == 0)
				die("%s: repository '%s' names project '%s', which workspace '%s' "
				    "does not list", path, a, d, s->spelling);
			e->project = p->num - 1;
			free(lp);
		} else if (nt == NT_REPO && s->nlist[NT_PROJECT]) {
			e->project = 0;
		}
		named = ent_name(s, nt, e, a);
		if (nf > 4 && v[4]) {   /* a repository that appears after N listing pages */
			if (!cJSON_IsNumber(v[4]) || v[4]->valuedouble < 0 ||
			    v[4]->valuedouble > 1000000 || v[4]->valuedouble != (int)v[4]->valuedouble)
				die("%s: repository '%s': listed_after must be a whole number 0..1000000",
				    path, a);
			e->listed_after = (int)v[4]->valuedouble;
		}
	}
	if (!named)
		die("%s: %s: '%s' is listed twice in workspace '%s'", path, what, e->slug,
		    s->spelling);
	ent_list(s, nt, e);
}

/* "forbidden": ["slug", "project:KEY"]: every request on them gets 403. */
static void cloud_forbidden(const char *path, struct space *s, const cJSON *f)
{
	const cJSON *item;
	fx_check_array(f, path, "forbidden");
	cJSON_ArrayForEach(item, f) {
		const char *v = fx_string(item, path, "forbidden[]");
		int nt = strncmp(v, "project:", 8) == 0 ? NT_PROJECT : NT_REPO;
		const char *name = nt == NT_PROJECT ? v + 8 : v;
		char *l = lower_dup(name);
		const struct ent *e;
		if (!space_has(s, nt, l, &e))
			die("%s: forbidden: workspace '%s' has no %s '%s'", path, s->spelling,
			    kind_names[nt == NT_PROJECT ? K_PROJECT : K_REPO], name);
		if (!e) {               /* a name that only a prefix makes exist */
			struct ent *n = ent_new(s);
			n->id = xstrdup(l);
			n->slug = xstrdup(name);
			n->name = xstrdup(name);
			ent_name(s, nt, n, name);
			e = n;
		}
		((struct ent *)e)->denied = 1;
		free(l);
	}
}

static void cloud_prefixes(const char *path, struct space *s, int nt, const cJSON *f)
{
	const cJSON *item;
	fx_check_array(f, path, f->string);
	cJSON_ArrayForEach(item, f) {
		const char *pre = fx_string(item, path, f->string);
		s->prefixes[nt] = xrealloc(s->prefixes[nt],
					   (s->nprefixes[nt] + 1) * sizeof *s->prefixes[nt]);
		s->prefixes[nt][s->nprefixes[nt]++] = lower_dup(pre);
	}
}

static void fx_workspace(const char *path, const cJSON *jw)
{
	struct space *s;
	const cJSON *field, *item;
	struct hent *h;
	int added, nt, pass;

	if (!cJSON_IsObject(jw))
		die("%s: workspace '%s' must be an object", path, jw->string);
	s = space_new(jw->string);
	s->uuid = make_uuid(s, -1, s->name);
	h = ht_insert(&g_fx.workspaces, s->name, strlen(s->name), &added);
	if (!added)
		die("%s: workspace '%s' is listed twice", path, jw->string);
	h->aux = s;
	/* Projects first (repositories name them), "forbidden" last. */
	for (pass = 0; pass < 3; pass++) {
		cJSON_ArrayForEach(field, jw) {
			const char *k = field->string;
			int is_proj = strcmp(k, "projects") == 0, is_forb = strcmp(k, "forbidden") == 0;
			if (k[0] == '_' || pass != (is_proj ? 0 : is_forb ? 2 : 1))
				continue;
			if (is_forb) {
				cloud_forbidden(path, s, field);
				continue;
			}
			for (nt = 0; nt < NT_COUNT; nt++) {
				if (strcmp(k, nt_lists[nt]) == 0) {
					fx_check_array(field, path, k);
					cJSON_ArrayForEach(item, field)
						cloud_entry(path, s, nt, item);
					break;
				}
				if (strcmp(k, nt_prefixes[nt]) == 0) {
					cloud_prefixes(path, s, nt, field);
					break;
				}
			}
			if (nt == NT_COUNT)
				die("%s: workspace '%s': unknown field '%s'", path, jw->string, k);
		}
	}
}

static void add_seed(char *key, size_t klen, int perm)
{
	struct seed *sd;
	g_fx.seeds = xrealloc(g_fx.seeds, (g_fx.nseeds + 1) * sizeof *g_fx.seeds);
	sd = &g_fx.seeds[g_fx.nseeds++];
	sd->key = key;
	sd->klen = klen;
	sd->perm = perm;
}

/* The subject of a permission entry ("group" or "user" field) checked
 * against s; returns its key id. */
static const char *fx_subject(const char *path, const struct space *s, const cJSON *jg,
			      const cJSON *ju, int *subj, char **lsubject)
{
	const struct ent *e;
	const char *subject = fx_either(path, "a permission", jg, ju, "group", "user", subj);
	*lsubject = lower_dup(subject);
	if (!space_has(s, *subj == S_GROUP ? NT_GROUP : NT_USER, *lsubject, &e))
		die("%s: permission names unknown %s '%s'", path, subj_names[*subj], subject);
	return e ? e->id : *lsubject;
}

static void fx_seed(const char *path, const cJSON *jp)
{
	static const char *const names[] = {
		"workspace", "repository", "project", "group", "user", "permission"
	};
	const cJSON *v[6];
	const char *ws, *target, *perm, *sid;
	const struct space *s;
	const struct ent *te;
	char *lws, *ltarget, *lsubject, *key;
	int kind, subj, p;
	size_t klen;

	fx_fields(path, "permissions", jp, names, v, 6);
	if (!v[0] || !v[5])
		die("%s: each permission needs workspace, repository or project, group or user, "
		    "and permission", path);
	ws = fx_string(v[0], path, "workspace");
	target = fx_either(path, "a permission", v[1], v[2], "repository", "project", &kind);
	perm = fx_string(v[5], path, "permission");
	if ((p = perm_parse(perm, kind)) == P_NONE)
		die("%s: permission '%s' is not valid for a %s", path, perm, kind_names[kind]);
	lws = lower_dup(ws);
	ltarget = lower_dup(target);
	if (!(s = find_ws(lws)))
		die("%s: permission names unknown workspace '%s'", path, ws);
	if (!space_has(s, kind == K_REPO ? NT_REPO : NT_PROJECT, ltarget, &te))
		die("%s: permission names unknown %s '%s'", path, kind_names[kind], target);
	sid = fx_subject(path, s, v[3], v[4], &subj, &lsubject);
	key = make_key(kind, lws, ltarget, subj, sid, &klen);
	add_seed(key, klen, p);
	free(lws);
	free(ltarget);
	free(lsubject);
}

/* ------------------------------------------------------------------ */
/* Data Center                                                         */

static const char *const dc_perm_names[2][5] = {
	{ NULL, "REPO_READ", "REPO_WRITE", "REPO_ADMIN", NULL },
	{ NULL, "PROJECT_READ", "PROJECT_WRITE", "PROJECT_ADMIN", "REPO_CREATE" },
};

const char *dc_perm_name(int kind, int perm)
{
	return perm > P_NONE && perm <= P_CREATE_REPO ? dc_perm_names[kind][perm] : NULL;
}

int dc_perm_parse(const char *s, int kind)
{
	int p;
	for (p = P_READ; p <= P_CREATE_REPO; p++)
		if (dc_perm_names[kind][p] && strcmp(s, dc_perm_names[kind][p]) == 0)
			return p;
	return P_NONE;
}

static void dc_projects(const char *path, struct space *s, const cJSON *f)
{
	static const char *const names[] = { "key", "name", "repos" };
	const cJSON *item, *r, *v[3];
	fx_check_array(f, path, "datacenter.projects");
	cJSON_ArrayForEach(item, f) {
		struct ent *p = ent_new(s);
		const char *key, *name;
		fx_fields(path, "datacenter.projects", item, names, v, 3);
		key = fx_string(v[0], path, "datacenter.projects[].key");
		name = fx_opt_string(v[1], path, "datacenter.projects[].name");
		if (strchr(key, '/'))
			die("%s: datacenter project key '%s' holds a '/'", path, key);
		p->slug = xstrdup(key);
		p->name = xstrdup(name ? name : key);
		p->id = lower_dup(key);
		if (!ent_name(s, NT_PROJECT, p, key))
			die("%s: datacenter project '%s' is listed twice", path, key);
		ent_list(s, NT_PROJECT, p);
		if (!v[2])
			continue;
		fx_check_array(v[2], path, "datacenter.projects[].repos");
		cJSON_ArrayForEach(r, v[2]) {
			const char *slug = fx_string(r, path, "datacenter.projects[].repos[]");
			struct ent *e = ent_new(s);
			struct buf id = { 0 };
			if (strchr(slug, '/'))
				die("%s: datacenter repository '%s' holds a '/'", path, slug);
			buf_printf(&id, "%s/%s", key, slug);
			e->slug = xstrdup(slug);
			e->name = xstrdup(slug);
			e->id = lower_dup(id.p);
			e->project = p->num - 1;
			if (!ent_name(s, NT_REPO, e, id.p))
				die("%s: datacenter repository '%s' is listed twice", path, id.p);
			ent_list(s, NT_REPO, e);
			free(id.p);
		}
	}
}

/* "groups": names; "users": {"name", "displayName", "emailAddress"}. */
static void dc_subjects(const char *path, struct space *s, int nt, const cJSON *f)
{
	static const char *const names[] = { "name", "displayName", "emailAddress" };
	const cJSON *item, *v[3];
	fx_check_array(f, path, nt == NT_GROUP ? "datacenter.groups" : "datacenter.users");
	cJSON_ArrayForEach(item, f) {
		struct ent *e = ent_new(s);
		const char *name, *display = NULL, *email = NULL;
		if (nt == NT_USER && cJSON_IsObject(item)) {
			fx_fields(path, "datacenter.users", item, names, v, 3);
			name = fx_string(v[0], path, "datacenter.users[].name");
			display = fx_opt_string(v[1], path, "datacenter.users[].displayName");
			email = fx_opt_string(v[2], path, "datacenter.users[].emailAddress");
		} else {
			name = fx_string(item, path, "a datacenter group or user");
		}
		e->slug = xstrdup(name);
		e->name = xstrdup(display ? display : name);
		e->email = email ? xstrdup(email) : NULL;
		e->id = lower_dup(name);
		if (!ent_name(s, nt, e, name))
			die("%s: datacenter %s '%s' is listed twice", path, subj_names[nt - NT_GROUP], name);
		ent_list(s, nt, e);
	}
}

/* The target of a Data Center entry, "KEY" or "KEY/slug" (both strings
 * given apart: project, repo or NULL), as its ent. */
static struct ent *dc_target(const char *path, const struct space *s, const char *project,
			     const char *repo, int *kind)
{
	const struct ent *e;
	struct buf id = { 0 };
	char *l;
	*kind = repo ? K_REPO : K_PROJECT;
	buf_puts(&id, project);
	if (repo)
		buf_printf(&id, "/%s", repo);
	l = lower_dup(id.p);
	if (!space_has(s, repo ? NT_REPO : NT_PROJECT, l, &e))
		die("%s: datacenter has no %s '%s'", path, kind_names[*kind], id.p);
	free(id.p);
	free(l);
	return (struct ent *)e;
}

/* {"project", "repo"?, "group"|"user"[, "permission"]}: its permission key. */
static char *dc_entry_key(const char *path, const struct space *s, const cJSON *j,
			  int with_perm, int *perm, size_t *klen)
{
	static const char *const names[] = { "project", "repo", "group", "user", "permission" };
	const cJSON *v[5];
	const struct ent *t;
	const char *what = with_perm ? "datacenter.permissions" : "datacenter.delete_conflict";
	char *lsubject, *key;
	const char *sid;
	int kind, subj;

	fx_fields(path, what, j, names, v, with_perm ? 5 : 4);
	t = dc_target(path, s, fx_string(v[0], path, "project"),
		      fx_opt_string(v[1], path, "repo"), &kind);
	sid = fx_subject(path, s, v[2], v[3], &subj, &lsubject);
	if (with_perm) {
		const char *p = fx_string(v[4], path, "permission");
		if ((*perm = dc_perm_parse(p, kind)) == P_NONE)
			die("%s: '%s' is not a Data Center %s permission", path, p, kind_names[kind]);
	}
	key = make_key(kind, DC_SPACE, t->id, subj, sid, klen);
	free(lsubject);
	return key;
}

/* "access_keys": [{"id", "label"?, "text"?}]: the SSH access keys a
 * branch restriction may exempt. */
static void dc_access_keys(const char *path, const cJSON *f)
{
	static const char *const names[] = { "id", "label", "text" };
	const cJSON *item, *v[3];
	size_t i;
	fx_check_array(f, path, "datacenter.access_keys");
	cJSON_ArrayForEach(item, f) {
		struct access_key *k;
		const char *label, *text;
		fx_fields(path, "datacenter.access_keys", item, names, v, 3);
		if (!cJSON_IsNumber(v[0]) || v[0]->valuedouble < 1 || v[0]->valuedouble > 2147483647.0 ||
		    v[0]->valuedouble != (double)(long)v[0]->valuedouble)
			die("%s: datacenter.access_keys[].id must be a whole number from 1", path);
		for (i = 0; i < g_fx.nkeys; i++)
			if (g_fx.keys[i].id == (long)v[0]->valuedouble)
				die("%s: datacenter access key %ld is listed twice", path, g_fx.keys[i].id);
		label = fx_opt_string(v[1], path, "datacenter.access_keys[].label");
		text = fx_opt_string(v[2], path, "datacenter.access_keys[].text");
		g_fx.keys = xrealloc(g_fx.keys, (g_fx.nkeys + 1) * sizeof *g_fx.keys);
		k = &g_fx.keys[g_fx.nkeys++];
		k->id = (long)v[0]->valuedouble;
		k->label = xstrdup(label ? label : "access key");
		k->text = xstrdup(text ? text : "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests");
	}
}

static void fx_datacenter(const char *path, const cJSON *j)
{
	static const char *const names[] = {
		"projects", "groups", "users", "permissions", "not_admin", "delete_conflict", "max_limit",
		"access_keys", "branch_restrictions"
	};
	const cJSON *v[9], *item;
	struct space *s;

	if (!cJSON_IsObject(j))
		die("%s: datacenter must be an object", path);
	fx_fields(path, "datacenter", j, names, v, 9);
	s = g_fx.dc = space_new(DC_SPACE);
	if (v[0])
		dc_projects(path, s, v[0]);
	if (v[1])
		dc_subjects(path, s, NT_GROUP, v[1]);
	if (v[2])
		dc_subjects(path, s, NT_USER, v[2]);
	if (v[3]) {
		fx_check_array(v[3], path, "datacenter.permissions");
		cJSON_ArrayForEach(item, v[3]) {
			size_t klen;
			int perm;
			char *key = dc_entry_key(path, s, item, 1, &perm, &klen);
			add_seed(key, klen, perm);
		}
	}
	if (v[4]) {
		fx_check_array(v[4], path, "datacenter.not_admin");
		cJSON_ArrayForEach(item, v[4]) {
			char *project = xstrdup(fx_string(item, path, "datacenter.not_admin[]"));
			char *slash = strchr(project, '/');
			int kind;
			if (slash)
				*slash++ = '\0';
			dc_target(path, s, project, slash, &kind)->denied = 1;
			free(project);
		}
	}
	if (v[5]) {
		fx_check_array(v[5], path, "datacenter.delete_conflict");
		cJSON_ArrayForEach(item, v[5]) {
			size_t klen;
			char *key = dc_entry_key(path, s, item, 0, NULL, &klen);
			ht_insert(&g_fx.dc_conflicts, key, klen, NULL);
			free(key);
		}
	}
	if (v[6]) {
		if (!cJSON_IsNumber(v[6]) || v[6]->valuedouble < 1 || v[6]->valuedouble > 1000000 ||
		    v[6]->valuedouble != (double)(unsigned)v[6]->valuedouble)
			die("%s: datacenter.max_limit must be a whole number from 1 to 1000000", path);
		g_fx.dc_max_limit = (unsigned)v[6]->valuedouble;
	}
	if (v[7])
		dc_access_keys(path, v[7]);
	if (v[8]) {
		fx_check_array(v[8], path, "datacenter.branch_restrictions");
		cJSON_ArrayForEach(item, v[8])
			branch_seed_dc(path, item);
	}
}

/* ------------------------------------------------------------------ */
/* The whole fixture                                                   */

static void fx_credentials(const char *path, const cJSON *f)
{
	const cJSON *item;
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
		c->username = xstrdup(u);
	}
}

/* A bearer token: a string (names no person), or {"token": T, "user": U}
 * (a personal token of U), or {"token": T, "project": K} or
 * {"token": T, "repository": "K/slug"} (names no person). */
static void fx_token(const char *path, const cJSON *item)
{
	struct token *t;
	const cJSON *u;
	g_fx.tokens = xrealloc(g_fx.tokens, (g_fx.ntokens + 1) * sizeof *g_fx.tokens);
	t = &g_fx.tokens[g_fx.ntokens++];
	t->user = NULL;
	if (!cJSON_IsObject(item)) {
		t->token = xstrdup(fx_string(item, path, "bearer_tokens[]"));
		return;
	}
	t->token = xstrdup(fx_string(cJSON_GetObjectItemCaseSensitive(item, "token"), path,
				     "bearer_tokens[].token"));
	u = cJSON_GetObjectItemCaseSensitive(item, "user");
	if (u)
		t->user = xstrdup(fx_string(u, path, "bearer_tokens[].user"));
}

void load_fixture(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	const cJSON *f, *item;

	g_fx.dc_max_limit = 1000;
	if (!root)
		die("%s: not valid JSON (near byte %ld)", path, end ? (long)(end - text) : 0L);
	if (!cJSON_IsObject(root))
		die("%s: the top level must be an object", path);
	cJSON_ArrayForEach(f, root) {
		if (f->string[0] == '_' || strcmp(f->string, "permissions") == 0 ||
		    strcmp(f->string, "branch_restrictions") == 0 ||
		    strcmp(f->string, "access") == 0)   /* access.c reads it */
			continue;
		if (strcmp(f->string, "credentials") == 0) {
			fx_credentials(path, f);
		} else if (strcmp(f->string, "bearer_tokens") == 0) {
			fx_check_array(f, path, "bearer_tokens");
			cJSON_ArrayForEach(item, f)
				fx_token(path, item);
		} else if (strcmp(f->string, "workspaces") == 0) {
			if (!cJSON_IsObject(f))
				die("%s: workspaces must be an object", path);
			cJSON_ArrayForEach(item, f)
				fx_workspace(path, item);
		} else if (strcmp(f->string, "datacenter") == 0) {
			fx_datacenter(path, f);
		} else {
			die("%s: unknown top-level field '%s'", path, f->string);
		}
	}
	if (!g_fx.dc)
		g_fx.dc = space_new(DC_SPACE);  /* an instance with nothing in it */
	else if (find_ws(DC_SPACE))
		die("%s: a workspace named '%s' would share /_state lines with the datacenter "
		    "section; rename it", path, DC_SPACE);
	/* Seeds last: they refer to workspaces whatever the field order. */
	f = cJSON_GetObjectItemCaseSensitive(root, "permissions");
	if (f) {
		fx_check_array(f, path, "permissions");
		cJSON_ArrayForEach(item, f)
			fx_seed(path, item);
	}
	f = cJSON_GetObjectItemCaseSensitive(root, "branch_restrictions");
	if (f) {
		fx_check_array(f, path, "branch_restrictions");
		cJSON_ArrayForEach(item, f)
			branch_seed_cloud(path, item);
	}
	cJSON_Delete(root);
	free(text);
}

void free_fixture(void)
{
	size_t i;
	for (i = 0; i < g_fx.ncreds; i++) {
		free(g_fx.creds[i].userpass);
		free(g_fx.creds[i].display);
		free(g_fx.creds[i].username);
	}
	free(g_fx.creds);
	for (i = 0; i < g_fx.ntokens; i++) {
		free(g_fx.tokens[i].token);
		free(g_fx.tokens[i].user);
	}
	free(g_fx.tokens);
	for (i = 0; i < g_fx.nseeds; i++)
		free(g_fx.seeds[i].key);
	free(g_fx.seeds);
	for (i = 0; i < g_fx.nkeys; i++) {
		free(g_fx.keys[i].label);
		free(g_fx.keys[i].text);
	}
	free(g_fx.keys);
	ht_free(&g_fx.workspaces, free_space);
	ht_free(&g_fx.dc_conflicts, NULL);
	free_space(g_fx.dc);
}
