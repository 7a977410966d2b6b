/* Bitbucket Data Center / Server, REST API 1.0 (`/rest/api/latest`):
 * permissions as query strings on .../permissions/{groups,users}, Data
 * Center's privilege names, and start/limit paging (never assume the page
 * size asked for: a server may clamp `limit`). */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Data Center's names, by [target][privilege]. */
static const char *const dc_priv[2][PRIV_NONE] = {
    [TARGET_REPO] = {[PRIV_READ] = "REPO_READ", [PRIV_WRITE] = "REPO_WRITE",
                     [PRIV_ADMIN] = "REPO_ADMIN", [PRIV_CREATE_REPO] = NULL},
    [TARGET_PROJECT] = {[PRIV_READ] = "PROJECT_READ", [PRIV_WRITE] = "PROJECT_WRITE",
                        [PRIV_ADMIN] = "PROJECT_ADMIN", [PRIV_CREATE_REPO] = "REPO_CREATE"},
};

static void target_path(struct buf *url, const struct request *req, enum subject_kind kind)
{
    buf_adds(url, "/projects/");
    if (req->target == TARGET_REPO) {
        api_encode_segment(url, req->project, req->project_len);
        buf_adds(url, "/repos/");
    }
    api_encode_segment(url, req->target_name, req->target_len);
    buf_adds(url, kind == SUBJECT_GROUP ? "/permissions/groups" : "/permissions/users");
}

static const char *dc_write(struct buf *url, const struct request *req, const char *subject,
                            size_t subject_len, const char **body)
{
    target_path(url, req, req->subject);
    *body = NULL;
    if (req->priv == PRIV_NONE) {
        buf_adds(url, "?name=");
        api_encode_segment(url, subject, subject_len);
        return "DELETE";
    }
    buf_adds(url, "?permission=");
    buf_adds(url, dc_priv[req->target][req->priv] ? dc_priv[req->target][req->priv] : "");
    buf_adds(url, "&name=");
    api_encode_segment(url, subject, subject_len);
    return "PUT";
}

static void dc_perm_list(struct buf *url, const struct request *target, enum subject_kind kind)
{
    target_path(url, target, kind);
    buf_adds(url, "?limit=1000");
}

static int dc_perm_item(const cJSON *item, enum subject_kind kind, struct api_perm *out)
{
    memset(out, 0, sizeof *out);
    out->subject = kind;
    const char *p = api_json_string(item, "permission");
    if (!p || privilege_parse(p, strlen(p), &out->priv) != 0)
        return -1;
    if (kind == SUBJECT_GROUP) {
        out->id = api_json_string(item, "group.name");
        out->display = out->id;     /* a Data Center group is its name */
    } else {
        out->id = api_json_string(item, "user.name");
        out->display = api_json_string(item, "user.displayName");
        out->email = api_json_string(item, "user.emailAddress");
    }
    return out->id && out->id[0] ? 0 : -1;
}

static void dc_project_list(struct buf *url, const char *workspace)
{
    (void)workspace;
    buf_adds(url, "/projects?limit=1000");
}

static void dc_repo_list(struct buf *url, const char *workspace, const char *project)
{
    (void)workspace;
    buf_adds(url, "/projects/");
    api_encode_segment(url, project ? project : "", project ? strlen(project) : 0);
    buf_adds(url, "/repos?limit=1000");
}

/* The start a page URL asked for (bbperm appends it last), 0 when none. */
static double requested_start(const char *url)
{
    const char *q = strchr(url, '?'), *at = NULL;
    for (const char *p = q; p; p = strchr(p + 1, '&'))
        if (!strncmp(p + 1, "start=", 6))
            at = p + 7;
    return at ? strtod(at, NULL) : 0;
}

static double dc_page_position(const cJSON *page, const char *url)
{
    (void)page;
    return requested_start(url);
}

/* Data Center's `size` is the number of items on this page. */
static double dc_page_size(const cJSON *page)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(page, "size");
    return cJSON_IsNumber(n) && n->valuedouble >= 0 ? n->valuedouble : -1;
}

static int dc_next_page(const cJSON *page, const char *first, const char *url, struct buf *next)
{
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "values")))
        return -1;
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(page, "isLastPage");
    if (!last || cJSON_IsTrue(last))
        return 0;
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(page, "start");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(page, "nextPageStart");
    /* the later of the page's start and the one the request asked for: a
     * page that says it starts earlier than asked must not lead back */
    double at = requested_start(url);
    if (cJSON_IsNumber(start) && start->valuedouble > at)
        at = start->valuedouble;
    if (!cJSON_IsNumber(ns) || ns->valuedouble <= at)
        return -1;              /* a next page that does not move on would never end */
    char num[32];
    snprintf(num, sizeof num, "%.0f", ns->valuedouble);
    next->len = 0;
    buf_adds(next, first);
    buf_adds(next, strchr(first, '?') ? "&start=" : "?start=");
    buf_adds(next, num);
    return 1;
}

/* {context}/plugins/servlet/applinks/whoami: the context is the base URL
 * before its REST root (/rest/api/latest). */
static void dc_caller_url(struct buf *url, const char *base)
{
    const char *rest = NULL;
    for (const char *p = strstr(base, "/rest/"); p; p = strstr(p + 1, "/rest/"))
        rest = p;
    buf_add(url, base, rest ? (size_t)(rest - base) : strlen(base));
    buf_adds(url, "/plugins/servlet/applinks/whoami");
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A user name, malloced, when s names one: the whoami body (plain text,
 * trimmed), or X-AUSERNAME (form-encoded: %XX and '+'; 'anonymous' when
 * the request named no user). NULL for none or a name no list could hold. */
static char *dc_user_name(const char *s, size_t len, int encoded)
{
    struct buf b = {0};
    while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                   s[len - 1] == '\n'))
        len--;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (encoded && s[i] == '+') {
            buf_addc(&b, ' ');
        } else if (encoded && s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
                   (lo = hexval(s[i + 2])) >= 0) {
            buf_addc(&b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            buf_addc(&b, s[i]);
        }
    }
    if (!b.len || api_name_problem(b.data, b.len) || (encoded && !strcmp(b.data, "anonymous"))) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void dc_caller_read(const char *body, size_t len, const char *header, char **id,
                           char **alt)
{
    *alt = NULL;
    *id = header ? dc_user_name(header, strlen(header), 1) : NULL;
    if (!*id && body)
        *id = dc_user_name(body, len, 0);
}

static void dc_admins_list(struct buf *url, const char *workspace, enum subject_kind kind)
{
    (void)workspace;
    buf_adds(url, kind == SUBJECT_GROUP ? "/admin/permissions/groups?limit=1000"
                                        : "/admin/permissions/users?limit=1000");
}

static const char *dc_admin_label(const char *level)
{
    if (strcmp(level, "ADMIN") == 0)
        return "global ADMIN";
    if (strcmp(level, "SYS_ADMIN") == 0)
        return "global SYS_ADMIN";
    return NULL;
}

static int dc_reach_item(const cJSON *item, enum subject_kind kind, struct api_reach *out)
{
    memset(out, 0, sizeof *out);
    out->level = api_json_string(item, "permission");
    if (kind == SUBJECT_GROUP) {
        out->id = api_json_string(item, "group.name");
    } else {
        out->id = api_json_string(item, "user.name");
        out->display = api_json_string(item, "user.displayName");
        out->email = api_json_string(item, "user.emailAddress");
    }
    return out->id && out->id[0] ? 0 : -1;
}

static void dc_members_list(struct buf *url, const char *workspace, const char *group)
{
    (void)workspace;
    buf_adds(url, "/admin/groups/more-members?context=");
    api_encode_segment(url, group, strlen(group));
    buf_adds(url, "&limit=1000");
}

static int dc_member_item(const cJSON *item, struct api_reach *out)
{
    memset(out, 0, sizeof *out);
    out->id = api_json_string(item, "name");
    out->display = api_json_string(item, "displayName");
    out->email = api_json_string(item, "emailAddress");
    return out->id && out->id[0] ? 0 : -1;
}

static void dc_user_find(struct buf *url, const char *workspace, const char *who)
{
    (void)workspace;
    buf_adds(url, "/users?limit=1000&filter=");
    api_encode_segment(url, who, strlen(who));
}

/* Matches names that contain the filter: the caller compares each name. */
static void dc_group_find(struct buf *url, const char *name)
{
    buf_adds(url, "/admin/groups?limit=1000&filter=");
    api_encode_segment(url, name, strlen(name));
}

static void dc_default_check(struct buf *url, const char *project, enum privilege p)
{
    buf_adds(url, "/projects/");
    api_encode_segment(url, project, strlen(project));
    buf_adds(url, p == PRIV_WRITE ? "/permissions/PROJECT_WRITE/all" : "/permissions/PROJECT_READ/all");
}

static int dc_default_item(const cJSON *answer)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(answer, "permitted");
    return cJSON_IsBool(p) ? cJSON_IsTrue(p) : -1;
}

const struct api_ops api_datacenter = {
    .name = "datacenter",
    .flavour = API_DATACENTER,
    .export_header = "workspace,repo,project,group,user,privilege,name,email",
    .has_workspaces = 0,
    .resolves_emails = 0,
    .write = dc_write,
    .perm_list = dc_perm_list,
    .perm_item = dc_perm_item,
    .project_list = dc_project_list,
    .repo_list = dc_repo_list,
    .next_page = dc_next_page,
    .page_position = dc_page_position,
    .page_size = dc_page_size,
    .whoami_path = "/projects?limit=1",
    .basic_user_is_caller = 1,
    .caller_header = "X-AUSERNAME",
    .caller_url = dc_caller_url,
    .caller_read = dc_caller_read,
    .admins_list = dc_admins_list,
    .admins_groups = 1,
    .admin_label = dc_admin_label,
    .admins_what = "the global permissions",
    .admins_global = 1,
    .reach_item = dc_reach_item,
    .members_list = dc_members_list,
    .member_item = dc_member_item,
    .user_find = dc_user_find,
    .user_find_lists = 1,
    .group_find = dc_group_find,
    .default_check = dc_default_check,
    .default_item = dc_default_item,
    .access_header = "workspace,repo,project,user,name,permission,via,email",
};
