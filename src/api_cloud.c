/* Bitbucket Cloud, API 2.0: the permissions-config resources, their lists,
 * the workspace listings and Cloud's paging (follow `next` as given). */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The four URL shapes, indexed by [target][subject]. */
struct shape {
    const char *prefix, *middle, *suffix;
};
static const struct shape shapes[2][2] = {
    [TARGET_REPO][SUBJECT_GROUP] = {"/repositories/", "/", "/permissions-config/groups"},
    [TARGET_REPO][SUBJECT_USER] = {"/repositories/", "/", "/permissions-config/users"},
    [TARGET_PROJECT][SUBJECT_GROUP] = {"/workspaces/", "/projects/", "/permissions-config/groups"},
    [TARGET_PROJECT][SUBJECT_USER] = {"/workspaces/", "/projects/", "/permissions-config/users"},
};

static void target_path(struct buf *url, const struct request *req, enum subject_kind kind)
{
    const struct shape *sh = &shapes[req->target][kind];
    buf_adds(url, sh->prefix);
    api_encode_segment(url, req->workspace, req->workspace_len);
    buf_adds(url, sh->middle);
    api_encode_segment(url, req->target_name, req->target_len);
    buf_adds(url, sh->suffix);
}

static const char *cloud_write(struct buf *url, const struct request *req, const char *subject,
                               size_t subject_len, const char **body)
{
    target_path(url, req, req->subject);
    buf_addc(url, '/');
    api_encode_segment(url, subject, subject_len);
    *body = api_json_body(req->priv);
    return req->priv == PRIV_NONE ? "DELETE" : "PUT";
}

static void cloud_perm_list(struct buf *url, const struct request *target, enum subject_kind kind)
{
    target_path(url, target, kind);
    buf_adds(url, "?pagelen=100");
}

static int cloud_perm_item(const cJSON *item, enum subject_kind kind, struct api_perm *out)
{
    memset(out, 0, sizeof *out);
    out->subject = kind;
    const char *p = api_json_string(item, "permission");
    if (!p || privilege_parse(p, strlen(p), &out->priv) != 0)
        return -1;
    if (kind == SUBJECT_GROUP) {
        out->id = api_json_string(item, "group.slug");
        out->display = api_json_string(item, "group.name");
    } else {
        out->id = api_json_string(item, "user.account_id");
        out->alt_id = api_json_string(item, "user.uuid");
        out->display = api_json_string(item, "user.display_name");
        if (!out->id || !out->id[0]) {
            out->id = out->alt_id;
            out->alt_id = NULL;
        }
    }
    return out->id && out->id[0] ? 0 : -1;
}

static void cloud_user_path(struct buf *url, const char *id, size_t len)
{
    buf_adds(url, "/users/");
    api_encode_segment(url, id, len);
}

static void cloud_project_list(struct buf *url, const char *workspace)
{
    buf_adds(url, "/workspaces/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "/projects?pagelen=100");
}

static void cloud_repo_list(struct buf *url, const char *workspace, const char *project)
{
    static const char fields[] = "next,values.slug,values.project.key";
    buf_adds(url, "/repositories/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "?pagelen=100&sort=slug&fields=");
    api_encode_segment(url, fields, sizeof fields - 1);
    if (project) {
        struct buf q = {0};
        buf_adds(&q, "project.key=");
        api_bbql_string(&q, project);
        buf_adds(url, "&q=");
        api_encode_segment(url, q.data, q.len);
        buf_free(&q);
    }
}

/* The scheme, host and port of a URL (the port from the scheme when none
 * is given). Returns 0, or -1 when it is not scheme://host... */
struct origin {
    char scheme[8];
    char host[256];
    unsigned port;
};

static int origin_of(const char *u, struct origin *o)
{
    const char *sep = strstr(u, "://");
    if (!sep || sep == u || (size_t)(sep - u) >= sizeof o->scheme)
        return -1;
    snprintf(o->scheme, sizeof o->scheme, "%.*s", (int)(sep - u), u);
    const char *h = sep + 3, *end = h + strcspn(h, "/?#");
    const char *colon = NULL;
    if (*h == '[') {                    /* [v6]:port */
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close)
            return -1;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
    }
    const char *hend = colon ? colon : end;
    if (hend == h || (size_t)(hend - h) >= sizeof o->host)
        return -1;
    snprintf(o->host, sizeof o->host, "%.*s", (int)(hend - h), h);
    o->port = colon ? (unsigned)strtoul(colon + 1, NULL, 10)
            : !strcasecmp(o->scheme, "https") ? 443u : 80u;
    return 0;
}

/* `next` is followed exactly as given, but only to where the list came from
 * (the credentials go with it): the same scheme, port and host, where
 * localhost and 127.0.0.1 count as one host. */
static int same_origin(const char *url, const char *next)
{
    struct origin a, b;
    if (origin_of(url, &a) != 0 || origin_of(next, &b) != 0)
        return 0;
    if (strcasecmp(a.scheme, b.scheme) != 0 || a.port != b.port)
        return 0;
    return !strcasecmp(a.host, b.host) || (host_is_loopback(a.host) && host_is_loopback(b.host));
}

static int cloud_next_page(const cJSON *page, const char *first, const char *url, struct buf *next)
{
    (void)first;
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "values")))
        return -1;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(page, "next");
    if (!n || cJSON_IsNull(n))
        return 0;
    if (!cJSON_IsString(n) || !n->valuestring[0])
        return -1;
    const char *v = n->valuestring;
    if (!same_origin(url, v))
        return -1;
    if (!strcmp(v, url))
        return -1;              /* a page that names itself would never end */
    next->len = 0;
    buf_adds(next, v);
    return 1;
}

const struct api_ops api_cloud = {
    .name = "cloud",
    .export_header = "workspace,repo,project,group,user,privilege,name",
    .has_workspaces = 1,
    .resolves_emails = 1,
    .write = cloud_write,
    .perm_list = cloud_perm_list,
    .perm_item = cloud_perm_item,
    .project_list = cloud_project_list,
    .repo_list = cloud_repo_list,
    .next_page = cloud_next_page,
    .whoami_path = "/user",
    .user_path = cloud_user_path,
};
