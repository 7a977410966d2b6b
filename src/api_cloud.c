/* Bitbucket Cloud, API 2.0: the permissions-config resources, their lists,
 * the workspace listings and Cloud's paging (follow `next` as given). */
#include "api.h"

#include <curl/curl.h>

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

static void cloud_user_find(struct buf *url, const char *workspace, const char *who)
{
    buf_adds(url, "/workspaces/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "/members/");
    api_encode_segment(url, who, strlen(who));
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

static void cloud_effective_list(struct buf *url, const char *workspace, const char *repo)
{
    buf_adds(url, "/workspaces/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "/permissions/repositories");
    if (repo) {
        buf_addc(url, '/');
        api_encode_segment(url, repo, strlen(repo));
    }
    buf_adds(url, "?pagelen=100");
}

static void cloud_admins_list(struct buf *url, const char *workspace, enum subject_kind kind)
{
    (void)kind;
    static const char q[] = "permission=\"owner\"";
    buf_adds(url, "/workspaces/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "/permissions?pagelen=100&q=");
    api_encode_segment(url, q, sizeof q - 1);
}

static const char *cloud_admin_label(const char *level)
{
    return strcmp(level, "owner") == 0 ? "workspace admin" : NULL;
}

static int cloud_reach_item(const cJSON *item, enum subject_kind kind, struct api_reach *out)
{
    (void)kind;
    memset(out, 0, sizeof *out);
    api_user_names(item, "user", &out->id, &out->alt_id);
    out->display = api_json_string(item, "user.display_name");
    out->level = api_json_string(item, "permission");
    const char *full = api_json_string(item, "repository.full_name");
    if (full) {
        const char *slash = strchr(full, '/');
        out->repo = slash ? slash + 1 : full;
    }
    if (!out->id || !out->id[0]) {
        out->id = out->alt_id;
        out->alt_id = NULL;
    }
    return out->id && out->id[0] ? 0 : -1;
}

/* https://api.bitbucket.org/2.0 -> https://api.bitbucket.org/1.0/groups/{ws}/ */
static void cloud_members_list(struct buf *url, const char *workspace, const char *group)
{
    (void)group;
    buf_addc(url, '\0');
    char *scheme = strstr(url->data, "://");
    char *path = scheme ? strchr(scheme + 3, '/') : NULL;
    url->len = path ? (size_t)(path - url->data) : strlen(url->data);
    buf_adds(url, "/1.0/groups/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_addc(url, '/');
}

static int cloud_group_item(const cJSON *item, const char **slug, const cJSON **members)
{
    *slug = api_json_string(item, "slug");
    *members = cJSON_GetObjectItemCaseSensitive(item, "members");
    return *slug && (*slug)[0] && cJSON_IsArray(*members) ? 0 : -1;
}

static int cloud_member_item(const cJSON *item, struct api_reach *out)
{
    memset(out, 0, sizeof *out);
    api_user_names(item, "", &out->id, &out->alt_id);
    out->display = api_json_string(item, "display_name");
    if (!out->id || !out->id[0]) {
        out->id = out->alt_id;
        out->alt_id = NULL;
    }
    return out->id && out->id[0] ? 0 : -1;
}

/* The scheme, host and port of a URL as libcurl itself reads it (the port
 * from the scheme when none is given), so that what is compared is where
 * libcurl would connect. Returns 0, or -1 when libcurl cannot parse it or
 * it carries user-info (user:password@), which would replace the
 * credentials or hide the real host from a reader. */
struct origin {
    char *scheme, *host, *port;         /* curl_free */
};

static void origin_free(struct origin *o)
{
    curl_free(o->scheme);
    curl_free(o->host);
    curl_free(o->port);
}

static int origin_of(const char *url, struct origin *o)
{
    memset(o, 0, sizeof *o);
    CURLU *u = curl_url();
    char *user = NULL, *password = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_NO_PASSWORD &&
        curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        rc = 0;
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    if (rc)
        origin_free(o);
    return rc;
}

/* `next` is followed exactly as given, but only to where the list came from
 * (the credentials go with it): the same scheme, port and host, where
 * localhost and 127.0.0.1 count as one host. */
int api_same_origin(const char *url, const char *next)
{
    struct origin a, b;
    if (origin_of(url, &a) != 0)
        return 0;
    if (origin_of(next, &b) != 0) {
        origin_free(&a);
        return 0;
    }
    int same = !strcasecmp(a.scheme, b.scheme) && !strcmp(a.port, b.port) &&
               (!strcasecmp(a.host, b.host) || (host_is_loopback(a.host) && host_is_loopback(b.host)));
    origin_free(&a);
    origin_free(&b);
    return same;
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
    if (!api_same_origin(url, v))
        return -1;
    if (!strcmp(v, url))
        return -1;              /* a page that names itself would never end */
    next->len = 0;
    buf_adds(next, v);
    return 1;
}

static void cloud_caller_url(struct buf *url, const char *base)
{
    buf_adds(url, base);
    buf_adds(url, "/user");
}

/* GET /user: the account id and {uuid} of the caller. */
static void cloud_caller_read(const char *body, size_t len, const char *header, char **id,
                              char **alt)
{
    (void)header;
    *id = *alt = NULL;
    if (!body)
        return;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *account, *uuid;
    api_user_names(root, "", &account, &uuid);
    if (account && !api_name_problem(account, strlen(account)))
        *id = xstrdup(account);
    if (uuid && !api_name_problem(uuid, strlen(uuid)))
        *alt = xstrdup(uuid);
    cJSON_Delete(root);
}

/* Cloud numbers its pages in `page` when it numbers them at all. */
static double cloud_page_position(const cJSON *page, const char *url)
{
    (void)url;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(page, "page");
    return cJSON_IsNumber(n) && n->valuedouble >= 0 ? n->valuedouble : -1;
}

/* Cloud's `size` (optional) is the number of items in the whole list. */
static double cloud_page_size(const cJSON *page)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(page, "size");
    return cJSON_IsNumber(n) && n->valuedouble >= 0 ? n->valuedouble : -1;
}

const struct api_ops api_cloud = {
    .name = "cloud",
    .flavour = API_CLOUD,
    .export_header = "workspace,repo,project,group,user,privilege,name",
    .has_workspaces = 1,
    .resolves_emails = 1,
    .write = cloud_write,
    .perm_list = cloud_perm_list,
    .perm_item = cloud_perm_item,
    .project_list = cloud_project_list,
    .repo_list = cloud_repo_list,
    .next_page = cloud_next_page,
    .page_position = cloud_page_position,
    .page_size = cloud_page_size,
    .size_counts_list = 1,
    .lists_sorted = 1,
    .whoami_path = "/user",
    .check_names_caller = 1,
    .caller_url = cloud_caller_url,
    .caller_read = cloud_caller_read,
    .user_path = cloud_user_path,
    .user_find = cloud_user_find,
    .effective_list = cloud_effective_list,
    .admins_list = cloud_admins_list,
    .admin_label = cloud_admin_label,
    .admins_what = "the owners",
    .reach_item = cloud_reach_item,
    .members_list = cloud_members_list,
    .members_all = 1,
    .group_item = cloud_group_item,
    .member_item = cloud_member_item,
    .access_header = "workspace,repo,project,user,name,permission,via",
};
