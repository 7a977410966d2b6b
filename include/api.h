#ifndef BBPERM_API_H
#define BBPERM_API_H

#include <stddef.h>
#include "row.h"
#include "util.h"

/* The shapes of Bitbucket Cloud's permission API: one table of the four URL
 * templates (repository or project x group or user), the request body, the
 * key that identifies one permission, and the message of an error answer. */

/* Build the bodies once with cJSON; call before threads start. */
void api_init(void);
void api_cleanup(void);

/* "PUT" or "DELETE". */
const char *api_method(const struct request *req);
/* Static JSON body for a PUT ({"permission":"write"}), NULL for a DELETE. */
const char *api_body(const struct request *req);

/* Append the percent-encoded path (starting with '/') to out. */
void api_path(struct buf *out, const struct request *req);
/* Append s percent-encoded as one path segment: every byte but A-Z a-z 0-9
 * - . _ ~ becomes %XX, so no value can add or climb a path segment. */
void api_encode_segment(struct buf *out, const char *s, size_t len);

/* Append the key of the permission a request touches: two requests with the
 * same key change the same permission. Slugs, keys and ids are compared as
 * Bitbucket does, case-insensitively. */
void api_key(struct buf *out, const struct request *req);

/* The message of an error answer: error.message (plus error.detail) of a
 * JSON body, else its first non-empty line. Writes a NUL-terminated string. */
void api_error_message(const char *body, size_t len, char *out, size_t outsz);

#endif
