#ifndef BBPERM_PAGER_H
#define BBPERM_PAGER_H

#include <cjson/cJSON.h>
#include "api.h"

/* Walking a paginated list: fetch the first page, hand every item over,
 * then fetch the page the flavour's next_page names, until the last. The
 * fetching is injected, so the walk is unit-tested without a network. */

struct pager_error {
    long status;                /* HTTP status of the failed page, 0 none */
    int cancelled;              /* the run was interrupted */
    char msg[400];
};

/* Fetch one page. Returns 0 with the body (valid until the next call), or
 * -1 with err filled. */
typedef int (*pager_fetch_fn)(void *ctx, const char *url, const char **body, size_t *len,
                              struct pager_error *err);
/* One item of a page; return nonzero to stop the walk (it then returns 1). */
typedef int (*pager_item_fn)(void *ctx, const cJSON *item);

struct pager_fetch {
    pager_fetch_fn fn;
    void *ctx;
};

/* Returns 0 after the last page, 1 when an item stopped it, -1 with err
 * filled. *pages (may be NULL) counts the pages fetched. */
int pager_walk(const struct api_ops *ops, const char *first, const struct pager_fetch *f,
               pager_item_fn on_item, void *ictx, unsigned *pages, struct pager_error *err);

#endif
