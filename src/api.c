#include "api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bodies[PRIV_NONE];

void api_init(void)
{
    for (int p = PRIV_READ; p < PRIV_NONE; p++) {
        if (bodies[p])
            continue;
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "permission", privilege_name((enum privilege)p))) {
            fputs("bbperm: out of memory\n", stderr);
            exit(2);
        }
        bodies[p] = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!bodies[p]) {
            fputs("bbperm: out of memory\n", stderr);
            exit(2);
        }
    }
}

void api_cleanup(void)
{
    for (int p = PRIV_READ; p < PRIV_NONE; p++) {
        cJSON_free(bodies[p]);
        bodies[p] = NULL;
    }
}

const char *api_json_body(enum privilege p)
{
    return p < PRIV_NONE ? bodies[p] : NULL;
}

const struct api_ops *api_ops_for(enum api_flavour f)
{
    return f == API_DATACENTER ? &api_datacenter : &api_cloud;
}

void api_encode_segment(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_reserve(out, len * 3);
    char *d = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            *d++ = (char)c;
        } else {
            *d++ = '%';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 15];
        }
    }
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
}

static void add_lower(struct buf *out, const char *s, size_t len)
{
    buf_reserve(out, len);
    for (size_t i = 0; i < len; i++)
        out->data[out->len++] = (char)tolower((unsigned char)s[i]);
    out->data[out->len] = '\0';
}

void api_target_key(struct buf *out, const struct request *req)
{
    /* The unit separator cannot occur in a valid cell (control characters
     * are rejected), so the parts can never run into each other. On Data
     * Center a repository is named by project and slug. */
    buf_addc(out, req->target == TARGET_REPO ? 'r' : 'p');
    buf_addc(out, '\x1f');
    add_lower(out, req->workspace, req->workspace_len);
    buf_addc(out, '\x1f');
    if (!req->workspace_len && req->target == TARGET_REPO) {
        add_lower(out, req->project, req->project_len);
        buf_addc(out, '\x1f');
    }
    add_lower(out, req->target_name, req->target_len);
}

void api_key_subject(struct buf *out, const struct request *req, const char *subject, size_t len)
{
    api_target_key(out, req);
    buf_addc(out, '\x1f');
    buf_addc(out, req->subject == SUBJECT_GROUP ? 'g' : 'u');
    buf_addc(out, '\x1f');
    add_lower(out, subject, len);
}

uint64_t api_key_hash(const struct request *req, const char *subject, size_t len)
{
    struct buf k = {0};
    api_key_subject(&k, req, subject, len);
    uint64_t h = hash64(k.data, k.len);
    buf_free(&k);
    return h ? h : 1;
}

void api_target_label(const struct request *req, char *out, size_t outsz)
{
    if (req->workspace_len)
        snprintf(out, outsz, "%.*s/%.*s", (int)req->workspace_len, req->workspace,
                 (int)req->target_len, req->target_name);
    else if (req->target == TARGET_REPO)
        snprintf(out, outsz, "%.*s/%.*s", (int)req->project_len, req->project,
                 (int)req->target_len, req->target_name);
    else
        snprintf(out, outsz, "%.*s", (int)req->target_len, req->target_name);
}

void api_key(struct buf *out, const struct request *req)
{
    api_key_subject(out, req, req->subject_name, req->subject_len);
}

void api_order_key(struct buf *out, const struct api_ops *api, const struct request *req)
{
    if (api->user_path && req->subject == SUBJECT_USER) {
        api_target_key(out, req);
        buf_adds(out, "\x1fu\x1f*");
        return;
    }
    api_key(out, req);
}

static void copy_text(char *out, size_t outsz, const char *s, size_t len)
{
    if (!outsz)
        return;
    if (len >= outsz)
        len = outsz - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

void api_error_message(const char *body, size_t len, char *out, size_t outsz)
{
    if (!outsz)
        return;
    out[0] = '\0';
    if (!body || !len)
        return;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (root) {
        /* Data Center: {"errors":[{"context":null,"message":"..."}]} */
        cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
        cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
        cJSON *dm = first ? cJSON_GetObjectItemCaseSensitive(first, "message") : NULL;
        if (dm && cJSON_IsString(dm) && dm->valuestring && dm->valuestring[0]) {
            snprintf(out, outsz, "%s", dm->valuestring);
            cJSON_Delete(root);
            return;
        }
        cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
        cJSON *m = err ? cJSON_GetObjectItemCaseSensitive(err, "message") : NULL;
        cJSON *d = err ? cJSON_GetObjectItemCaseSensitive(err, "detail") : NULL;
        if (m && cJSON_IsString(m) && m->valuestring[0]) {
            if (d && cJSON_IsString(d) && d->valuestring[0])
                snprintf(out, outsz, "%s: %s", m->valuestring, d->valuestring);
            else
                snprintf(out, outsz, "%s", m->valuestring);
            cJSON_Delete(root);
            return;
        }
        cJSON_Delete(root);
    }
    /* Not JSON, or JSON without error.message: the first non-empty line.
     * An HTML page says most in its <title>. */
    const char *t = memmem(body, len, "<title>", 7);
    if (t) {
        const char *e = memmem(t + 7, len - (size_t)(t + 7 - body), "</title>", 8);
        if (e) {
            copy_text(out, outsz, t + 7, (size_t)(e - t - 7));
            return;
        }
    }
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *a = p, *b = le;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            copy_text(out, outsz, a, (size_t)(b - a));
            return;
        }
        p = le + 1;
    }
}

void api_user_names(const cJSON *o, const char *path, const char **account_id,
                    const char **uuid)
{
    char p[64];
    int n = snprintf(p, sizeof p, "%s%saccount_id", path, path[0] ? "." : "");
    *account_id = n > 0 && (size_t)n < sizeof p ? api_json_string(o, p) : NULL;
    n = snprintf(p, sizeof p, "%s%suuid", path, path[0] ? "." : "");
    *uuid = n > 0 && (size_t)n < sizeof p ? api_json_string(o, p) : NULL;
    if (*account_id && !(*account_id)[0])
        *account_id = NULL;
    if (*uuid && !(*uuid)[0])
        *uuid = NULL;
}

const char *api_json_string(const cJSON *o, const char *path)
{
    char part[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, part);
        path += n + (dot ? 1 : 0);
    }
    return o && cJSON_IsString(o) && o->valuestring ? o->valuestring : NULL;
}

void api_bbql_string(struct buf *q, const char *s)
{
    buf_addc(q, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addc(q, '\\');
        buf_addc(q, *s);
    }
    buf_addc(q, '"');
}

void api_members_by_email(struct buf *url, const char *workspace, const char *const *emails,
                          unsigned n)
{
    struct buf q = {0};
    buf_adds(&q, "user.email IN (");
    for (unsigned i = 0; i < n; i++) {
        if (i)
            buf_addc(&q, ',');
        api_bbql_string(&q, emails[i]);
    }
    buf_addc(&q, ')');
    buf_adds(url, "/workspaces/");
    api_encode_segment(url, workspace, strlen(workspace));
    buf_adds(url, "/members?q=");
    api_encode_segment(url, q.data, q.len);
    buf_adds(url, "&fields=");
    static const char fields[] = "next,values.user.email,values.user.account_id,values.user.uuid";
    api_encode_segment(url, fields, sizeof fields - 1);
    buf_adds(url, "&pagelen=100");
    buf_free(&q);
}

int api_member_item(const cJSON *item, struct api_member *out)
{
    out->email = api_json_string(item, "user.email");
    out->account_id = api_json_string(item, "user.account_id");
    out->uuid = api_json_string(item, "user.uuid");
    if (!out->account_id || !out->account_id[0])
        out->account_id = out->uuid;
    return out->email && out->account_id ? 0 : -1;
}

int api_target_item(const cJSON *item, enum target_kind kind, struct api_target_item *out)
{
    out->slug = api_json_string(item, kind == TARGET_REPO ? "slug" : "key");
    out->project = kind == TARGET_REPO ? api_json_string(item, "project.key") : NULL;
    return out->slug && out->slug[0] ? 0 : -1;
}

const char *api_name_problem(const char *s, size_t len)
{
    if (len == 0)
        return "is empty";
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return "is '.' or '..', which names no repository, project, group or user";
    if (memchr(s, '/', len))
        return "contains '/'";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "contains a control character";
    return NULL;
}
