#ifndef BBPERM_API_H
#define BBPERM_API_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "config.h"
#include "row.h"
#include "util.h"

/* The shapes of the Bitbucket APIs, one table per flavour (api_cloud.c,
 * api_dc.c): every URL, method, query string, body, list item and paging
 * rule bbperm uses. Nothing outside this module knows what a URL looks like
 * or how a list page names its next page. URLs are built as the base URL
 * (no trailing '/') followed by what these functions append. */

/* One permission as a list reports it. The strings point into the parsed
 * JSON and live as long as it does. */
struct api_perm {
    enum subject_kind subject;
    const char *id;             /* group slug or name, user account id / username */
    const char *alt_id;         /* Cloud user: the {uuid}; else NULL */
    const char *display;        /* group name / user display name, or NULL */
    const char *email;          /* Data Center user emailAddress, or NULL */
    enum privilege priv;
};

/* A repository or project as a listing reports it. */
struct api_target_item {
    const char *slug;           /* repository slug, or project key */
    const char *project;        /* a repository's project key, or NULL */
};

/* A member found by email (Cloud). */
struct api_member {
    const char *email;
    const char *account_id;     /* account id, or the {uuid} when there is none */
    const char *uuid;           /* the {uuid}, or NULL */
};

/* A user as the access review's lists report one: an effective level
 * (Cloud), a workspace owner, a global permission (Data Center), or a group
 * member (level NULL). The strings point into the parsed JSON. */
struct api_reach {
    const char *id;             /* account id ({uuid} when none) / user name; for a
                                 * Data Center global permission of a group, its name */
    const char *alt_id;         /* Cloud: the {uuid}; else NULL */
    const char *display;        /* or NULL */
    const char *email;          /* Data Center emailAddress, or NULL */
    const char *repo;           /* Cloud effective lists: the repository slug */
    const char *level;          /* the permission as listed, or NULL */
};

struct api_ops {
    const char *name;                   /* "cloud", "datacenter" */
    enum api_flavour flavour;           /* the same, for tables kept per flavour elsewhere */
    const char *export_header;          /* the header line of an export, no EOL */
    int has_workspaces;                 /* rows and exports name a workspace */
    int resolves_emails;                /* a user cell with '@' is an email */

    /* The write of one row: method, path and query after the base URL, and
     * a static body or NULL. subject is the name to send (a resolved
     * account id for an email row). */
    const char *(*write)(struct buf *url, const struct request *req, const char *subject,
                         size_t subject_len, const char **body);
    /* First page of the explicit permissions of the row's target. */
    void (*perm_list)(struct buf *url, const struct request *target, enum subject_kind kind);
    /* One item of such a list; returns -1 for an item it cannot read. */
    int (*perm_item)(const cJSON *item, enum subject_kind kind, struct api_perm *out);
    /* First page of the projects of a workspace (ignored on Data Center). */
    void (*project_list)(struct buf *url, const char *workspace);
    /* First page of the repositories of a workspace, or of one project when
     * project is not NULL (Cloud: workspace-wide listing with a BBQL filter;
     * Data Center: the project's repos). */
    void (*repo_list)(struct buf *url, const char *workspace, const char *project);
    /* The URL of the page after `page` (fetched from `url`, which followed
     * `first`), or 0 when it is the last; -1 when the page cannot be read. */
    int (*next_page)(const cJSON *page, const char *first, const char *url, struct buf *next);
    /* Where a page (fetched from url) sits in its list, or -1 when it does
     * not say: each page must sit later than the one before. */
    double (*page_position)(const cJSON *page, const char *url);
    /* How many items a page says there are, or -1 when it does not say:
     * Cloud's optional `size` counts the whole list, Data Center's `size`
     * this page (size_counts_list tells which). A list that delivers fewer
     * than that was not read whole. */
    double (*page_size)(const cJSON *page);
    int size_counts_list;
    /* Listings of projects and repositories come in export's order (Cloud
     * sorts by slug); else a sorted walk holds and sorts them (walk.c). */
    int lists_sorted;
    /* A cheap authenticated request for --check-auth. */
    const char *whoami_path;
    /* Who the run authenticates as (the caller, whose own access prune
     * keeps). check_names_caller: the answer to whoami_path names it in
     * its body (Cloud's GET /user). basic_user_is_caller: a Basic user
     * name is the caller's name (Data Center; on Cloud it is an email).
     * caller_header: a header of every authenticated answer that names
     * the caller (Data Center's X-AUSERNAME), or NULL. caller_url: the
     * resource that names the caller, from the base URL (Cloud: /user;
     * Data Center: {context}/plugins/servlet/applinks/whoami). caller_read:
     * the caller's names from such a body (NULL: none) and header value
     * (NULL: none); each out name malloced, or NULL when it names no one. */
    int check_names_caller;
    int basic_user_is_caller;
    const char *caller_header;
    void (*caller_url)(struct buf *url, const char *base);
    void (*caller_read)(const char *body, size_t len, const char *header, char **id,
                        char **alt);
    /* Cloud: one user by {uuid} or account id (GET /users/{id}), which
     * answers both spellings; NULL where a user has one name only. */
    void (*user_path)(struct buf *url, const char *id, size_t len);
    /* --user: is there such a person? Cloud: one member of a workspace by
     * account id or {uuid} (GET /workspaces/{w}/members/{id}: 200, or 404
     * for no member); Data Center (user_find_lists): the paged users whose
     * name or email contains who (GET /users?filter=), items read by
     * member_item. */
    void (*user_find)(struct buf *url, const char *workspace, const char *who);
    int user_find_lists;

    /* The access review: the third list shape of each flavour.
     * Bitbucket's own effective levels of a workspace (repo NULL) or of one
     * repository; NULL where levels are computed from the sources (Data
     * Center). */
    void (*effective_list)(struct buf *url, const char *workspace, const char *repo);
    /* Who reaches everything as admin: Cloud's workspace owners (kind
     * SUBJECT_USER only), Data Center's global permissions of users or of
     * groups. */
    void (*admins_list)(struct buf *url, const char *workspace, enum subject_kind kind);
    /* How admins_list reads. admins_groups: it lists groups too (Data
     * Center), not only users. admin_label: the label of a listed level
     * that reaches everything as admin (Cloud "owner": "workspace admin";
     * Data Center ADMIN, SYS_ADMIN), or NULL for any other level.
     * admins_what: what the list is called when it cannot be read;
     * admins_global: it is the server's (Data Center), not the workspace's. */
    int admins_groups;
    const char *(*admin_label)(const char *level);
    const char *admins_what;
    int admins_global;
    /* An item of an effective list, of admins_list, or of a group's
     * members; -1 for an item it cannot read. */
    int (*reach_item)(const cJSON *item, enum subject_kind kind, struct api_reach *out);
    /* The members of groups. Cloud: url holds the 2.0 base URL and becomes
     * the 1.0 groups resource of the workspace (every group with its
     * members, one unpaginated array; group is ignored). Data Center: the
     * paginated members of one group. */
    void (*members_list)(struct buf *url, const char *workspace, const char *group);
    int members_all;            /* members_list answers every group at once */
    /* Cloud: one group of the 1.0 answer, its slug and members array. */
    int (*group_item)(const cJSON *item, const char **slug, const cJSON **members);
    int (*member_item)(const cJSON *item, struct api_reach *out);
    /* Data Center: whether every licensed user has level p on a project
     * (GET .../permissions/{PROJECT_READ|PROJECT_WRITE}/all); NULL on Cloud. */
    void (*default_check)(struct buf *url, const char *project, enum privilege p);
    int (*default_item)(const cJSON *answer);   /* 1 permitted, 0 not, -1 unreadable */
    const char *access_header;  /* the header line of access, no EOL */

    /* plan --prune: Data Center's groups whose name contains name
     * (GET /admin/groups?filter=), items read by member_item (their
     * "name"); NULL on Cloud, whose groups come from members_list at once.
     * Users are looked up with user_find. */
    void (*group_find)(struct buf *url, const char *name);
};

extern const struct api_ops api_cloud;
extern const struct api_ops api_datacenter;
const struct api_ops *api_ops_for(enum api_flavour f);

/* Build the bodies once with cJSON; call before threads start. */
void api_init(void);
void api_cleanup(void);
/* Static JSON body {"permission":"write"} for Cloud PUTs. */
const char *api_json_body(enum privilege p);

/* Append s percent-encoded as one path segment: every byte but A-Z a-z 0-9
 * - . _ ~ becomes %XX, so no value can add or climb a path segment. The
 * same encoding serves for query values (a '+' goes as %2B, a space as %20). */
void api_encode_segment(struct buf *out, const char *s, size_t len);

/* Append the key of the permission a request touches: two requests with the
 * same key change the same permission. Names are compared as Bitbucket
 * does, case-insensitively. subject overrides the row's subject cell. */
void api_key(struct buf *out, const struct request *req);
/* The key that orders rows: rows with equal keys run one at a time, in file
 * order. A Cloud user can be written as {uuid}, account id or email, and
 * which spellings are one person is known only once the server answers, so
 * every user row of one target shares one key there; elsewhere it is
 * api_key. */
void api_order_key(struct buf *out, const struct api_ops *api, const struct request *req);
void api_key_subject(struct buf *out, const struct request *req, const char *subject, size_t len);
/* The key of a request's target alone (repository or project). */
void api_target_key(struct buf *out, const struct request *req);

/* A target as people name it in messages: acme/api, acme/OPS (Cloud),
 * PRJ/api, PRJ (Data Center). */
void api_target_label(const struct request *req, char *out, size_t outsz);
/* A nonzero 64-bit hash of api_key_subject: one permission, compact. Two
 * permissions may share one: a set that decides what is revoked or skipped
 * keeps the key itself (a keyed hmap). */
uint64_t api_key_hash(const struct request *req, const char *subject, size_t len);

/* The message of an error answer: Cloud's error.message (plus detail),
 * Data Center's errors[].message, else the first non-empty line or an HTML
 * title. Writes a NUL-terminated string. */
void api_error_message(const char *body, size_t len, char *out, size_t outsz);

/* The members of a Cloud workspace with any of n emails (at most
 * API_EMAILS_PER_QUERY): GET /workspaces/{ws}/members?q=user.email IN (...). */
#define API_EMAILS_PER_QUERY 90
void api_members_by_email(struct buf *url, const char *workspace, const char *const *emails,
                          unsigned n);
int api_member_item(const cJSON *item, struct api_member *out);

/* A repository (slug, project.key) or project (key) of a listing; the same
 * fields in both flavours. */
int api_target_item(const cJSON *item, enum target_kind kind, struct api_target_item *out);

/* Append s as a BBQL string literal: in double quotes, " and \ escaped. */
void api_bbql_string(struct buf *q, const char *s);

/* The two names of a Cloud user object (account_id and uuid, either may be
 * NULL) at a dotted path ("user", or "" for the object itself). */
void api_user_names(const cJSON *o, const char *path, const char **account_id,
                    const char **uuid);
/* 1 when a page URL `next` may be fetched with the credentials of `url`:
 * the same scheme, host and port as libcurl parses them (localhost and
 * 127.0.0.0/8 count as one host), and no user-info. */
int api_same_origin(const char *url, const char *next);

/* NULL when a name (repository slug, project key, workspace, group slug,
 * account id or {uuid}) may become one URL path segment, else why not:
 * empty, '.' or '..', or holding '/' or a control character (NUL too).
 * Names a server lists are checked with it before they are used. */
const char *api_name_problem(const char *s, size_t len);

/* The string at a dotted path ("user.account_id") of a JSON object, or NULL. */
const char *api_json_string(const cJSON *o, const char *path);

#endif
