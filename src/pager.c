#include "pager.h"

#include <stdio.h>
#include <string.h>

#define PAGES_MAX 1000000u      /* no list is that long: a server in a loop */

int pager_walk(const struct api_ops *ops, const char *first, const struct pager_fetch *f,
               pager_item_fn on_item, void *ictx, unsigned *pages, struct pager_error *err)
{
    struct buf url = {0}, next = {0};
    int rc = 0;
    buf_adds(&url, first);
    memset(err, 0, sizeof *err);
    for (unsigned n = 0;; n++) {
        if (n == PAGES_MAX) {
            snprintf(err->msg, sizeof err->msg, "more than %u pages: the list does not end", PAGES_MAX);
            rc = -1;
            break;
        }
        const char *body;
        size_t len;
        if (f->fn(f->ctx, url.data, &body, &len, err) != 0) {
            rc = -1;
            break;
        }
        if (pages)
            (*pages)++;
        cJSON *page = cJSON_ParseWithLength(body, len);
        const cJSON *values = page ? cJSON_GetObjectItemCaseSensitive(page, "values") : NULL;
        if (!cJSON_IsArray(values)) {
            snprintf(err->msg, sizeof err->msg, "the list page is not JSON with 'values': %s", url.data);
            cJSON_Delete(page);
            rc = -1;
            break;
        }
        const cJSON *item;
        int stop = 0;
        cJSON_ArrayForEach(item, values) {
            if (on_item(ictx, item)) {
                stop = 1;
                break;
            }
        }
        int more = stop ? 0 : ops->next_page(page, first, url.data, &next);
        cJSON_Delete(page);
        if (stop) {
            rc = 1;
            break;
        }
        if (more < 0) {
            snprintf(err->msg, sizeof err->msg, "the list page names no valid next page: %s", url.data);
            rc = -1;
            break;
        }
        if (!more)
            break;
        url.len = 0;
        buf_add(&url, next.data, next.len);
    }
    buf_free(&url);
    buf_free(&next);
    return rc;
}
