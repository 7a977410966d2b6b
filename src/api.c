#include "api.h"

#include <cjson/cJSON.h>
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

const char *api_method(const struct request *req)
{
    return req->priv == PRIV_NONE ? "DELETE" : "PUT";
}

const char *api_body(const struct request *req)
{
    return req->priv == PRIV_NONE ? NULL : bodies[req->priv];
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

/* The four URL shapes, indexed by [target][subject]:
 * prefix, workspace, middle, target, suffix, subject. */
struct shape {
    const char *prefix, *middle, *suffix;
};
static const struct shape shapes[2][2] = {
    [TARGET_REPO][SUBJECT_GROUP] = {"/repositories/", "/", "/permissions-config/groups/"},
    [TARGET_REPO][SUBJECT_USER] = {"/repositories/", "/", "/permissions-config/users/"},
    [TARGET_PROJECT][SUBJECT_GROUP] = {"/workspaces/", "/projects/", "/permissions-config/groups/"},
    [TARGET_PROJECT][SUBJECT_USER] = {"/workspaces/", "/projects/", "/permissions-config/users/"},
};

void api_path(struct buf *out, const struct request *req)
{
    const struct shape *sh = &shapes[req->target][req->subject];
    buf_adds(out, sh->prefix);
    api_encode_segment(out, req->workspace, req->workspace_len);
    buf_adds(out, sh->middle);
    api_encode_segment(out, req->target_name, req->target_len);
    buf_adds(out, sh->suffix);
    api_encode_segment(out, req->subject_name, req->subject_len);
}

static void add_lower(struct buf *out, const char *s, size_t len)
{
    buf_reserve(out, len);
    for (size_t i = 0; i < len; i++)
        out->data[out->len++] = (char)tolower((unsigned char)s[i]);
    out->data[out->len] = '\0';
}

void api_key(struct buf *out, const struct request *req)
{
    /* The unit separator cannot occur in a valid cell (control characters
     * are rejected), so the parts can never run into each other. */
    buf_addc(out, req->target == TARGET_REPO ? 'r' : 'p');
    buf_addc(out, '\x1f');
    add_lower(out, req->workspace, req->workspace_len);
    buf_addc(out, '\x1f');
    add_lower(out, req->target_name, req->target_len);
    buf_addc(out, '\x1f');
    buf_addc(out, req->subject == SUBJECT_GROUP ? 'g' : 'u');
    buf_addc(out, '\x1f');
    add_lower(out, req->subject_name, req->subject_len);
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
