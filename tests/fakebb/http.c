/*
 * fakebb: replies, request headers, the query string and authentication,
 * shared by both APIs.
 */
#include "fakebb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Replies                                                             */

void reply_json_start(struct reply *rep, unsigned status)
{
	rep->status = status;
	rep->ctype = "application/json";
}

/* Cloud's error body. */
void reply_error(struct reply *rep, unsigned status, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);    /* truncation is fine for a message */
	va_end(ap);
	reply_json_start(rep, status);
	buf_json(&rep->body, "{\"type\":\"error\",\"error\":{\"message\":%j}}", msg);
}

/* Data Center's error body. */
void reply_dc_error(struct reply *rep, unsigned status, const char *exception,
		    const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reply_json_start(rep, status);
	buf_json(&rep->body, "{\"errors\":[{\"context\":null,\"message\":%j,\"exceptionName\":%j}]}",
		 msg, exception);
}

void reply_text(struct reply *rep, unsigned status, const char *ctype, const char *text)
{
	rep->status = status;
	rep->ctype = ctype;
	buf_puts(&rep->body, text);
}

void reply_allow(struct reply *rep, const char *methods)
{
	rep->hname = "Allow";
	snprintf(rep->hval, sizeof rep->hval, "%s", methods);
}

enum MHD_Result queue_reply(struct MHD_Connection *c, struct reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	resp = MHD_create_response_from_buffer(rep->body.len, rep->body.p, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(rep->body.p);
		return MHD_NO;
	}
	if (rep->ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->ctype);
	if (rep->hname)
		MHD_add_response_header(resp, rep->hname, rep->hval);
	if (rep->auser)
		MHD_add_response_header(resp, "X-AUSERNAME", rep->auser);
	ret = MHD_queue_response(c, rep->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

void buf_origin(struct buf *b, struct MHD_Connection *c)
{
	const char *host = header(c, MHD_HTTP_HEADER_HOST);
	buf_printf(b, "%s://%s", g_tls ? "https" : "http", host ? host : "127.0.0.1");
}

int media_is(const char *v, const char *mt)
{
	size_t n = strlen(mt);
	if (!v)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, mt, n) != 0)
		return 0;
	v += n;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || *v == ';';
}

/* The requested permission, for --log: control bytes become '?'. */
void set_logperm(struct req *r, const char *v)
{
	size_t i;
	snprintf(r->logperm, sizeof r->logperm, "%s", v);
	for (i = 0; r->logperm[i]; i++)
		if ((unsigned char)r->logperm[i] < 0x20 || r->logperm[i] == 0x7f)
			r->logperm[i] = '?';
}

/* MHD has already turned '+' into a space (form encoding) and, with our
 * no-op unescape callback, left the %XX escapes for us. */
static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct req *r = cls;
	char *k = xstrdup(key), *v = xstrdup(value ? value : "");
	(void)kind;
	if (pct_decode(k) != 0 || pct_decode(v) != 0) {
		r->bad_query = 1;
		free(k);
		free(v);
		return MHD_YES;
	}
	r->q = xrealloc(r->q, (r->nq + 1) * sizeof *r->q);
	r->q[r->nq].key = k;
	r->q[r->nq++].val = v;
	return MHD_YES;
}

void query_parse(struct MHD_Connection *c, struct req *r)
{
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_one, r);
}

const char *query_get(const struct req *r, const char *key)
{
	size_t i;
	for (i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].key, key) == 0)
			return r->q[i].val;
	return NULL;
}

long parse_count(const char *s, long max)
{
	long n = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n <= max)
			n = n * 10 + (*s - '0');
	}
	return n > max ? max : n;
}

/* The credential of a request, when valid: its Basic entry or its token. */
static void credential(struct MHD_Connection *c, const struct cred **basic,
		       const struct token **token)
{
	const char *h = header(c, MHD_HTTP_HEADER_AUTHORIZATION), *tok;
	size_t n, i, tl;
	*basic = NULL;
	*token = NULL;
	if (!h)
		return;
	while (*h == ' ' || *h == '\t')
		h++;
	tok = h + strcspn(h, " \t");
	n = (size_t)(tok - h);
	while (*tok == ' ' || *tok == '\t')
		tok++;
	tl = strlen(tok);
	while (tl > 0 && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t'))
		tl--;
	if (n == 5 && strncasecmp(h, "Basic", 5) == 0) {
		unsigned char *dec = xmalloc(tl / 4 * 3 + 3);
		long dl = b64_decode(tok, tl, dec);
		for (i = 0; dl >= 0 && i < g_fx.ncreds && !*basic; i++)
			if ((size_t)dl == g_fx.creds[i].userpass_len &&
			    memcmp(dec, g_fx.creds[i].userpass, (size_t)dl) == 0)
				*basic = &g_fx.creds[i];
		free(dec);
		return;
	}
	if (n == 6 && strncasecmp(h, "Bearer", 6) == 0) {
		for (i = 0; i < g_fx.ntokens && !*token; i++)
			if (strlen(g_fx.tokens[i].token) == tl &&
			    memcmp(tok, g_fx.tokens[i].token, tl) == 0)
				*token = &g_fx.tokens[i];
	}
}

/* The display name of the caller, or NULL if not authenticated. */
const char *authenticate(struct MHD_Connection *c)
{
	const struct cred *b;
	const struct token *t;
	credential(c, &b, &t);
	return b ? b->display : t ? "Bearer token user" : NULL;
}

const char *auth_username(struct MHD_Connection *c)
{
	const struct cred *b;
	const struct token *t;
	credential(c, &b, &t);
	return b ? b->username : t ? t->user : NULL;
}
