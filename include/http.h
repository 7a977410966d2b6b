#ifndef BBPERM_HTTP_H
#define BBPERM_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>
#include "config.h"
#include "util.h"

/* One libcurl easy handle per worker, reused for every request it sends so
 * that the connection and TLS session stay up (keep-alive). The handles share
 * DNS and TLS sessions through one CURLSH. Nothing here is shared between
 * threads except the share object, which locks itself. */

#define HTTP_BODY_MAX ((size_t)16 << 20) /* list pages can be large; error bodies are cut when shown */

struct http_share;

struct http_response {
    long status;                /* HTTP status, 0 when no response came */
    CURLcode code;              /* CURLE_OK or the transfer error */
    const char *error;          /* curl's error text when code != CURLE_OK */
    const char *body;           /* first HTTP_BODY_MAX bytes, NUL-terminated */
    size_t body_len;
    double retry_after;         /* seconds from Retry-After, -1 when absent */
    double elapsed;             /* seconds */
    const char *named;          /* the value of the client's name_header, or NULL */
    unsigned sent;              /* requests that went out (libcurl may resend once) */
};

struct http_client {
    CURL *curl;
    struct curl_slist *put_headers;
    struct curl_slist *other_headers;
    char errbuf[CURL_ERROR_SIZE];
    struct buf body;
    char retry_after[128];
    const char *name_header;    /* a header to keep (the caller's name), or NULL */
    char named[256];            /* its value, trimmed; cut at its size */
    int has_named;
    unsigned sent;
    const atomic_int *abort;    /* nonzero: abort the transfer in flight */
};

int http_global_init(void);
void http_global_cleanup(void);

struct http_share *http_share_new(void);
void http_share_free(struct http_share *s);

/* Set up a handle with everything that does not change per request: auth,
 * TLS, timeouts, headers. The credentials are copied by libcurl. */
int http_client_init(struct http_client *c, const struct bb_config *cfg,
                     struct http_share *share, const atomic_int *abort);
void http_client_cleanup(struct http_client *c);

/* Send one request. body NULL: no body (DELETE, GET). The response points
 * into the client and stays valid until its next request. */
void http_send(struct http_client *c, const char *method, const char *url,
               const char *body, struct http_response *r);
/* The same with the body's content type (NULL: application/json). */
void http_send_typed(struct http_client *c, const char *method, const char *url,
                     const char *body, const char *content_type, struct http_response *r);

#endif
