/*
 * fakebb: declarations shared by the fake server's files. See fakebb.c for
 * the DESIGN, and README.md for what the server does.
 *
 *   util.c     memory, growable buffers, JSON and URL text, the hash table
 *   fixture.c  the fixture (immutable once loaded) and the permission keys
 *   state.c    shared mutable state: the permissions, /_stats, --log
 *   http.c     replies, the query string, authentication, paging helpers
 *   cloud.c    Bitbucket Cloud 2.0: permissions, their lists, repositories,
 *              projects, members
 *   dc.c       Bitbucket Data Center: /rest/api/{latest,1.0}/...
 *   branch.c   branch restrictions of both APIs: their store and resources
 *   fakebb.c   misbehaviour, control endpoints, libmicrohttpd glue, main
 */
#ifndef FAKEBB_H
#define FAKEBB_H

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include <stddef.h>
#include <stdint.h>

#define MAX_BODY     (64 * 1024)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ------------------------------------------------------------------ */
/* util.c                                                              */

void die(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *lower_dup(const char *s);
uint64_t now_us(void);
void sleep_ms(unsigned ms);
uint64_t hash_bytes(const char *k, size_t n);
char *read_file(const char *path, size_t *len);
int write_atomic(const char *path, const char *data, size_t len);
int cmp_strp(const void *a, const void *b);     /* qsort: char * by strcmp */

/* Growable, always NUL-terminated byte buffer (after the first write). */
struct buf {
	char *p;
	size_t len, cap;
};

void buf_add(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3) __attribute__((nonnull(1, 2)));
void buf_json_str(struct buf *b, const char *s);
/* JSON text from a template: %j a JSON string (NULL: null), %s raw text,
 * %d an int, %z a size_t, %b a boolean (int), %% a '%'. */
void buf_json(struct buf *b, const char *fmt, ...);
/* Percent-encodes all but the unreserved characters and those in keep. */
void buf_pct_encode(struct buf *b, const char *s, const char *keep);
/* Decodes %XX in place ('+' stays). -1 if it would hold a NUL byte. */
int pct_decode(char *s);
long b64_decode(const char *s, size_t n, unsigned char *out);

/* Hash table: byte-string keys, chained, power-of-two buckets. */
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

struct hent *ht_find(const struct htab *t, const char *k, size_t n);
struct hent *ht_insert(struct htab *t, const char *k, size_t n, int *added);
void ht_remove(struct htab *t, const char *k, size_t n);
void ht_free(struct htab *t, void (*free_aux)(void *));

/* ------------------------------------------------------------------ */
/* fixture.c: vocabulary, permission keys, the fixture                 */

enum { K_REPO, K_PROJECT };                     /* what a permission is on */
enum { S_GROUP, S_USER };                       /* who it is for */
enum { P_NONE, P_READ, P_WRITE, P_ADMIN, P_CREATE_REPO };
enum { NT_REPO, NT_PROJECT, NT_GROUP, NT_USER, NT_COUNT };

extern const char *const kind_names[];          /* "repository", "project" */
extern const char *const subj_names[];          /* "group", "user" */
extern const char *const perm_names[];          /* "none", "read", ... */

/* The workspace part of Data Center keys, in /_state and --log. */
#define DC_SPACE "dc"

/* read|write|admin, and create-repo for projects; P_NONE if not valid. */
int perm_parse(const char *s, int kind);

/* Keys are lowercase parts joined by NUL bytes (names cannot hold NUL):
 * a permission is kind, workspace, target, subject kind, subject. Returns
 * malloced bytes (NUL-terminated too); *klen excludes the last NUL. */
char *key_join(const char *const *parts, size_t n, size_t *klen);
char *make_key(int kind, const char *ws, const char *target, int subj,
	       const char *subject, size_t *klen);
/* Appends a key with its NUL separators as sep. Control bytes, and sep
 * inside a name, are written as %XX so a line stays one line. */
void key_render(struct buf *b, const char *key, size_t klen, char sep);

/* One named thing of a fixture: a repository, project, group or user. */
struct ent {
	char *id;               /* lowercase; how a permission key names it */
	char *slug;             /* slug, key or username, as the fixture spells it */
	char *name;             /* name or display name (the slug if none given) */
	char *uuid;             /* "{...}" or NULL (Cloud users without one) */
	char *account_id;       /* Cloud users, or NULL */
	char *email;            /* users, or NULL */
	int project;            /* repositories: index into the projects, or -1 */
	int num;                /* Data Center's numeric id (1, 2, ...) */
	int denied;             /* Cloud "forbidden" (403), Data Center "not_admin" (401) */
	int listed_after;       /* Cloud repositories: left out of the workspace's
				 * listings until this many listing pages were answered */
};

/* A Cloud workspace, or the Data Center instance (name DC_SPACE), whose
 * repository ids are "projectkey/slug". */
struct space {
	char *name;                     /* lowercase */
	char *spelling;                 /* as the fixture spells it */
	char *uuid;
	struct ent **list[NT_COUNT];    /* the listed ones, fixture order */
	size_t nlist[NT_COUNT];
	struct ent **all;               /* every ent, listed or not (owner) */
	size_t nall;
	struct htab names;              /* type digit + lowercase id -> aux: ent */
	char **prefixes[NT_COUNT];      /* lowercase */
	size_t nprefixes[NT_COUNT];
};

struct seed {
	char *key;
	size_t klen;
	int perm;
};

/* A Data Center SSH access key (fixture "datacenter.access_keys"). */
struct access_key {
	long id;
	char *label, *text;
};

struct cred {
	char *userpass;                 /* "user:pass" */
	size_t userpass_len;
	char *display;
	char *username;                 /* the user it names (X-AUSERNAME) */
};

/* A Data Center HTTP access token: a personal one names its user; a
 * project or repository token (and a bare string in the fixture) names
 * no person. */
struct token {
	char *token;
	char *user;                     /* or NULL */
};

extern struct fixture {
	struct cred *creds;
	size_t ncreds;
	struct token *tokens;
	size_t ntokens;
	struct htab workspaces;         /* lowercase name -> aux: struct space * */
	struct space *dc;               /* empty without a "datacenter" section */
	struct htab dc_conflicts;       /* permission keys whose DELETE gets 409 */
	unsigned dc_max_limit;
	struct seed *seeds;
	size_t nseeds;
	struct access_key *keys;        /* Data Center access keys */
	size_t nkeys;
} g_fx;

void load_fixture(const char *path);
void free_fixture(void);
const struct space *find_ws(const char *lname);
/* Does the lowercase name of type nt exist in s? *e gets its entity, or
 * NULL for a name that only a prefix makes exist. */
int space_has(const struct space *s, int nt, const char *lname, const struct ent **e);
/* The lowercase id a permission key uses for the subject named lname. */
const char *space_subject_id(const struct space *s, int nt, const char *lname);
/* Entities picked for a list, in the order it shows them. */
struct picks {
	const struct ent **e;
	size_t n;
};
void picks_add(struct picks *pk, const struct ent *e);
void picks_sort(struct picks *pk, int descending);     /* by id */

/* Data Center's name of a permission (REPO_WRITE...), or NULL; and back
 * (case matters), P_NONE for a name that is not one for kind. */
const char *dc_perm_name(int kind, int perm);
int dc_perm_parse(const char *s, int kind);

/* ------------------------------------------------------------------ */
/* state.c: permissions, stats, log                                    */

int state_get(const char *key, size_t klen);
void state_set(const char *key, size_t klen, int perm);
void state_del(const char *key, size_t klen);
void state_reset(void);
struct buf state_text(void);

/* One permission of a target: the subject id (the key's last part). */
struct permrow {
	char *subject;
	int perm;
};
/* Every permission whose key starts with the given parts (kind, workspace,
 * target, subject kind), sorted by subject; free with permrows_free. */
size_t state_scan(int kind, const char *ws, const char *target, int subj,
		  struct permrow **out);
void permrows_free(struct permrow *rows, size_t n);

/* ------------------------------------------------------------------ */
/* Requests and replies (http.c)                                       */

enum { RT_OTHER, RT_API, RT_USER, RT_WHOAMI, RT_STATE, RT_STATS, RT_RESET, RT_CONFIG, RT_CONTROL_OTHER };
enum { API_CLOUD, API_DC };
/* What an API path names. */
enum { EP_NONE, EP_PERM, EP_PERM_LIST, EP_REPO_LIST, EP_PROJECT_LIST, EP_MEMBER_LIST, EP_USER,
       EP_ACCESS, EP_BRANCH_LIST, EP_BRANCH };

struct qparam {
	char *key, *val;                /* decoded */
};

struct req {
	int type;                       /* RT_* */
	int api;                        /* API_* (RT_API) */
	int bp;                         /* Data Center: under /rest/branch-permissions/ */
	int ep;                         /* EP_*; EP_NONE: no known shape */
	int kind, subj;
	char *url;                      /* the raw path, as sent */
	const char *rel;                /* url less its API prefix (/2.0, /rest/api/1.0) */
	char *path;                     /* copy of rel, split and decoded in place */
	const char *seg[3];             /* workspace|project, target, subject (branch
					 * restrictions: the id): decoded, as sent */
	char *lower[3];                 /* the same, lowercase (malloced) */
	char *key;                      /* permission key, or NULL */
	size_t klen;
	char *listkey;                  /* list key for --log, or NULL */
	size_t listklen;
	char method[16];
	uint64_t start_us;
	int in_flight;                  /* counted in the in-flight stats */
	int too_large;
	struct buf body;
	cJSON *json;                    /* parsed PUT or POST body, or NULL */
	char logperm[64];
	struct qparam *q;               /* the query, in order */
	size_t nq;
	int bad_query;                  /* a %00 in the query */
};

struct reply {
	unsigned status;
	const char *ctype;              /* static string or NULL */
	struct buf body;
	const char *hname;              /* one extra header, or NULL */
	char hval[64];
	const char *auser;              /* Data Center: X-AUSERNAME, or NULL */
	const char *logperm;            /* for --log; NULL: "-" */
};

void reply_error(struct reply *rep, unsigned status, const char *fmt, ...) PRINTF_LIKE(3, 4);
void reply_dc_error(struct reply *rep, unsigned status, const char *exception,
		    const char *fmt, ...) PRINTF_LIKE(4, 5);
void reply_text(struct reply *rep, unsigned status, const char *ctype, const char *text);
void reply_json_start(struct reply *rep, unsigned status);
void reply_allow(struct reply *rep, const char *methods);
enum MHD_Result queue_reply(struct MHD_Connection *c, struct reply *rep);

const char *header(struct MHD_Connection *c, const char *name);
const char *authenticate(struct MHD_Connection *c);
/* The user name a valid credential names (Basic: its user; a personal
 * token: its owner), or NULL (none, refused, or a project or repository
 * token). */
const char *auth_username(struct MHD_Connection *c);
void set_logperm(struct req *r, const char *v);
void query_parse(struct MHD_Connection *c, struct req *r);
const char *query_get(const struct req *r, const char *key);     /* first, or NULL */
/* Writes item i of a list (ctx: what the list needs). */
typedef void (*item_fn)(struct buf *b, const void *ctx, size_t i);
extern int g_tls;                       /* serving https (fakebb.c) */
/* Whole number; max if larger (max < LONG_MAX / 10); -1 if not one. */
long parse_count(const char *s, long max);
/* "scheme://host" of the request. */
void buf_origin(struct buf *b, struct MHD_Connection *c);
/* A Content-Type value is the media type mt (parameters allowed). */
int media_is(const char *v, const char *mt);

/* ------------------------------------------------------------------ */
/* The two APIs                                                        */

/* The misbehaviour settings the handlers read (fakebb.c). */
unsigned cfg_max_pagelen(void);
unsigned cfg_dc_max_limit(void);
/* 1 when /_config's short_list ends the request's path (without the query):
 * the list then drops its last item but still counts it (a list that ends
 * early). */
int cfg_short_list(const struct req *r);

/* Fill in ep, kind, subj, seg, lower, key, listkey from r->rel. */
void cloud_route(struct req *r);
void dc_route(struct req *r);
/* Answer a request that passed authentication and the rate windows. */
void cloud_handle(struct MHD_Connection *c, struct req *r, struct reply *rep);
void dc_handle(struct MHD_Connection *c, struct req *r, struct reply *rep);
void cloud_tokens_init(uint64_t salt);
/* A 200 page of a list of total items, paged each API's way (pagelen and a
 * `next` URL; start, limit and nextPageStart); item() writes item i. */
void cloud_page_reply(struct MHD_Connection *c, const struct req *r, struct reply *rep,
		      size_t total, item_fn item, const void *ctx);
void dc_page_reply(const struct req *r, struct reply *rep, size_t total, item_fn item,
		   const void *ctx);
/* Cloud's user object (e, or the id `shown` of a name a prefix makes exist). */
void cloud_user_json(struct buf *b, const struct ent *e, const char *shown, int with_email);
/* Data Center's user object (RestApplicationUser). */
void dc_user_json(struct buf *b, const struct ent *e);

/* branch.c: branch restrictions (Cloud branch-restrictions, Data Center
 * branch-permissions restrictions). The handlers run once the target was
 * found and may be managed: the repository r->lower[1] of ws (Cloud), or the
 * project or repository t (Data Center). */
void branch_cloud_handle(struct MHD_Connection *c, struct req *r, struct reply *rep,
			 const struct space *ws);
void branch_dc_handle(struct MHD_Connection *c, struct req *r, struct reply *rep,
		      const struct ent *t);
/* Fixture entries: {"workspace", "repository", "restriction": Cloud body};
 * {"project", "repo"?, "restriction": Data Center body}. Die on a bad one. */
void branch_seed_cloud(const char *path, const cJSON *entry);
void branch_seed_dc(const char *path, const cJSON *entry);
void branch_reset(void);                /* back to the fixture's restrictions */
/* The restrictions as /_state lines (malloced, each ending in a newline). */
size_t branch_lines(char ***out);
void branch_free(void);
/* /_config knobs of Data Center's POST (see README). */
int cfg_dc_replace_new(void);
int cfg_dc_bulk_array(void);
/* cJSON's parser under its lock (fakebb.c). */
cJSON *parse_json(const struct buf *b);

/* access.c: the access review's resources (the fixture's "access" section) */
void access_load(const char *path);
void access_free(void);
int access_route(struct req *r);
void access_handle(struct MHD_Connection *c, const struct req *r, struct reply *rep);

/* state.c: the counters of /_stats and the --log line. */
enum { LC_NONE, LC_PERMS, LC_REPOS, LC_PROJECTS, LC_MEMBERS, LC_ACCESS, LC_BRANCH };
int list_counter(const struct req *r);
void stats_enter(struct req *r);
void finish(struct req *r, const char *method, int status, const char *perm);
void stats_identity(void);
/* Repository listing pages answered 200 so far (repo_lists of /_stats). */
unsigned long long stats_repo_lists(void);
void stats_json(struct buf *b);
void stats_reset(void);
int log_open(const char *path);
void log_close(void);
void state_free(void);

#endif
