#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backoff.h"

struct http_share {
    CURLSH *sh;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

int http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK ? 0 : -1;
}

void http_global_cleanup(void)
{
    curl_global_cleanup();
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
    (void)h;
    (void)access;
    struct http_share *s = userp;
    pthread_mutex_lock(&s->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
    (void)h;
    struct http_share *s = userp;
    pthread_mutex_unlock(&s->locks[data]);
}

struct http_share *http_share_new(void)
{
    struct http_share *s = xcalloc(1, sizeof *s);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    s->sh = curl_share_init();
    if (!s->sh) {
        free(s);
        return NULL;
    }
    curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
    curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return s;
}

void http_share_free(struct http_share *s)
{
    if (!s)
        return;
    curl_share_cleanup(s->sh);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->locks[i]);
    free(s);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct http_client *c = userp;
    size_t n = size * nmemb;
    if (c->body.len < HTTP_BODY_MAX) {
        size_t take = n < HTTP_BODY_MAX - c->body.len ? n : HTTP_BODY_MAX - c->body.len;
        buf_add(&c->body, ptr, take);
    }
    return n;
}

/* The value of a header line "Name: value\r\n" when its name is name. */
static int header_value(const char *line, size_t n, const char *name, const char **v, size_t *len)
{
    size_t nl = strlen(name);
    if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return 0;
    const char *s = line + nl + 1, *e = line + n;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *v = s;
    *len = (size_t)(e - s);
    return 1;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct http_client *c = userp;
    size_t n = size * nmemb;
    const char *v;
    size_t vl;
    if (n >= 5 && !strncmp(ptr, "HTTP/", 5))
        c->has_named = 0;       /* a new answer (after a 100 or a redirect) */
    if (c->name_header && header_value(ptr, n, c->name_header, &v, &vl)) {
        if (vl >= sizeof c->named)
            vl = sizeof c->named - 1;
        memcpy(c->named, v, vl);
        c->named[vl] = '\0';
        c->has_named = 1;
    }
    if (n > 12 && !strncasecmp(ptr, "Retry-After:", 12)) {
        size_t len = n - 12;
        if (len >= sizeof c->retry_after)
            len = sizeof c->retry_after - 1;
        memcpy(c->retry_after, ptr + 12, len);
        c->retry_after[len] = '\0';
    }
    return n;
}

/* libcurl re-sends a request by itself when a reused connection turns out
 * dead; it calls this right before every request it sends, so `sent`
 * counts requests exactly. */
static int on_prereq(void *userp, char *conn_primary_ip, char *conn_local_ip,
                     int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip; (void)conn_local_ip; (void)conn_primary_port; (void)conn_local_port;
    struct http_client *c = userp;
    c->sent++;
    return CURL_PREREQFUNC_OK;
}

/* libcurl looks up the proxy variables for every transfer; when none is
 * set, say so once. */
static int proxy_from_env(void)
{
    static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                                        "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL};
    for (int i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

static int on_progress(void *userp, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt; (void)dn; (void)ut; (void)un;
    struct http_client *c = userp;
    return atomic_load(c->abort) ? 1 : 0;
}

int http_client_init(struct http_client *c, const struct bb_config *cfg,
                     struct http_share *share, const atomic_int *abort)
{
    memset(c, 0, sizeof *c);
    c->abort = abort;
    c->curl = curl_easy_init();
    if (!c->curl)
        return -1;
    CURL *h = c->curl;
    c->put_headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->put_headers = curl_slist_append(c->put_headers, "Accept: application/json");
    c->put_headers = curl_slist_append(c->put_headers, "Expect:");
    c->other_headers = curl_slist_append(NULL, "Accept: application/json");
    if (!c->put_headers || !c->other_headers)
        return -1;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_SHARE, share->sh);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "bbperm/" BBPERM_VERSION);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, cfg->timeout < 15 ? cfg->timeout : 15L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    /* send the path as built: never fold a "/../" a server's name made */
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    if (cfg->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->cacert);
    switch (cfg->auth) {
    case AUTH_BASIC:
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->secret);
        break;
    case AUTH_BEARER:
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, cfg->secret);
        break;
    case AUTH_NETRC:
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
        if (cfg->netrc_file)
            curl_easy_setopt(h, CURLOPT_NETRC_FILE, cfg->netrc_file);
        break;
    case AUTH_NONE:
        break;
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, c);
    if (!proxy_from_env())
        curl_easy_setopt(h, CURLOPT_PROXY, "");
    return 0;
}

void http_client_cleanup(struct http_client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->put_headers);
    curl_slist_free_all(c->other_headers);
    buf_free(&c->body);
    memset(c, 0, sizeof *c);
}

void http_send(struct http_client *c, const char *method, const char *url,
               const char *body, struct http_response *r)
{
    http_send_typed(c, method, url, body, NULL, r);
}

void http_send_typed(struct http_client *c, const char *method, const char *url,
                     const char *body, const char *content_type, struct http_response *r)
{
    CURL *h = c->curl;
    /* a body of another type than JSON: its own headers, for this request */
    struct curl_slist *typed = NULL;
    if (body && content_type && strcmp(content_type, "application/json") != 0) {
        char line[200];
        if (snprintf(line, sizeof line, "Content-Type: %s", content_type) < (int)sizeof line) {
            typed = curl_slist_append(NULL, line);
            struct curl_slist *more = typed ? curl_slist_append(typed, "Accept: application/json") : NULL;
            more = more ? curl_slist_append(more, "Expect:") : NULL;
            if (!more) {
                curl_slist_free_all(typed);
                typed = NULL;
            }
        }
    }
    c->body.len = 0;
    buf_reserve(&c->body, 0);
    c->body.data[0] = '\0';
    c->retry_after[0] = '\0';
    c->has_named = 0;
    c->errbuf[0] = '\0';
    c->sent = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, typed ? typed : c->put_headers);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->other_headers);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);

    r->code = curl_easy_perform(h);
    if (typed) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->put_headers);
        curl_slist_free_all(typed);
    }
    r->status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    double t = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &t);
    r->elapsed = t;
    r->error = r->code == CURLE_OK ? NULL
             : c->errbuf[0] ? c->errbuf : curl_easy_strerror(r->code);
    r->body = c->body.data;
    r->body_len = c->body.len;
    r->sent = c->sent ? c->sent : (r->code == CURLE_OK ? 1 : 0);
    r->named = c->has_named ? c->named : NULL;
    r->retry_after = c->retry_after[0] ? retry_after_parse(c->retry_after, time(NULL)) : -1;
}
