#ifndef BBPERM_PEOPLE_H
#define BBPERM_PEOPLE_H

#include <stddef.h>
#include "api.h"
#include "pager.h"

/* Users named by email (Cloud): each address resolved to the member's
 * account once per workspace per run, in batches. See the DESIGN comment in
 * people.c. Thread-safe. */

#define PEOPLE_CACHE_MAX 65536  /* resolved addresses kept */

struct people;

struct people *people_new(const struct api_ops *api, const char *base);
void people_free(struct people *p);

/* Main thread: an email row was read (before it is submitted), so the
 * lookup of its address can join a batch. */
void people_note(struct people *p, const char *ws, size_t wslen, const char *email, size_t len);
/* Main thread: 1 while it waits (for rows to finish, or for more input),
 * so workers send the batches they have instead of waiting for fuller ones. */
void people_reader_waiting(struct people *p, int waiting);

/* Worker: the account id of an address in a workspace. Returns 0 with the
 * id in out (and, when uuid is not NULL, the account's {uuid} there, or ""),
 * 1 when no member has the address, -1 with err when the lookup failed or
 * was cancelled, or an answer does not fit. */
int people_resolve(struct people *p, const char *ws, size_t wslen, const char *email,
                   size_t len, const struct pager_fetch *f, char *out, size_t outsz,
                   char *uuid, size_t uuidsz, struct pager_error *err);

/* Requests and addresses so far, for the summary and the tests. */
void people_stats(struct people *p, unsigned long *lookups, unsigned long *addresses);

#endif
