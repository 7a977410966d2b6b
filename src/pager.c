/*
 * DESIGN
 *
 * One walk of a paged list: fetch a page, hand its items over, follow the
 * flavour's next page. Every way a list can go wrong is a failed read,
 * never a shorter list: a page that is not JSON, a next page that does not
 * move on or goes back, an empty page that names a next one, and a list
 * that delivers fewer items than it says it has (Cloud: the largest `size`
 * any page gave, against every item delivered once the list ends;
 * Data Center: each page's `size` against the items on it). The callers
 * decide what a failed read means (access falls back or names the target;
 * export, plan and prune name the target and leave it alone).
 */
#include "pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGES_MAX 1000000u      /* no list is that long: a server in a loop */

/* The page URLs of one walk, compared in full: a server that sends the walk
 * back to a page it already gave (A, B, A) would never end. A keyed hmap of
 * the URLs (it compares the URLs themselves). */
struct seen {
    struct hmap urls;
};

static void seen_free(struct seen *s)
{
    hmap_free(&s->urls);
}

/* Returns 1 when url was seen before, else adds it and returns 0. */
static int seen_add(struct seen *s, const char *url)
{
    int added;
    hmap_kput(&s->urls, url, strlen(url), &added);
    return !added;
}

int pager_walk(const struct api_ops *ops, const char *first, const struct pager_fetch *f,
               pager_item_fn on_item, void *ictx, unsigned *pages, struct pager_error *err)
{
    struct buf url = {0}, next = {0};
    struct seen seen;
    hmap_init_keys(&seen.urls, 0);
    double at = -1;             /* the position of the page before */
    double said = -1;           /* Cloud: the largest size a page gave */
    double delivered = 0;       /* items handed over so far */
    int rc = 0;
    buf_adds(&url, first);
    seen_add(&seen, first);
    memset(err, 0, sizeof *err);
    for (unsigned n = 0;; n++) {
        if (n == PAGES_MAX) {
            msg_printf(err->msg, sizeof err->msg, "more than %u pages: the list does not end", PAGES_MAX);
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
            msg_printf(err->msg, sizeof err->msg, "the list page is not JSON with 'values': %s", url.data);
            cJSON_Delete(page);
            rc = -1;
            break;
        }
        /* a page must move the list on: a later position than the page
         * before it when the flavour tells one */
        double pos = ops->page_position(page, url.data);
        if (pos >= 0 && at >= 0 && pos <= at) {
            msg_printf(err->msg, sizeof err->msg,
                     "the list does not advance: page %.0f follows page %.0f: %s", pos, at, url.data);
            cJSON_Delete(page);
            rc = -1;
            break;
        }
        if (pos >= 0)
            at = pos;
        double size = ops->page_size ? ops->page_size(page) : -1;
        int on_page = cJSON_GetArraySize(values);
        if (size >= 0 && !ops->size_counts_list && size > on_page) {
            msg_printf(err->msg, sizeof err->msg,
                     "the list page says it holds %.0f items but has %d: %s", size, on_page, url.data);
            cJSON_Delete(page);
            rc = -1;
            break;
        }
        if (size > said && ops->size_counts_list)
            said = size;
        delivered += on_page;
        const cJSON *item;
        int stop = 0;
        cJSON_ArrayForEach(item, values) {
            if (on_item(ictx, item)) {
                stop = 1;
                break;
            }
        }
        int more = stop ? 0 : ops->next_page(page, first, url.data, &next);
        int empty = cJSON_GetArraySize(values) == 0;
        cJSON_Delete(page);
        if (stop) {
            rc = 1;
            break;
        }
        if (more < 0) {
            msg_printf(err->msg, sizeof err->msg, "the list page names no valid next page: %s", url.data);
            rc = -1;
            break;
        }
        if (!more) {
            if (said > delivered) {
                msg_printf(err->msg, sizeof err->msg,
                         "the list ended after %.0f of the %.0f items it says it has: %s",
                         delivered, said, url.data);
                rc = -1;
            }
            break;
        }
        if (empty) {
            msg_printf(err->msg, sizeof err->msg,
                     "the list page is empty but names a next page: %s", url.data);
            rc = -1;
            break;
        }
        if (seen_add(&seen, next.data)) {
            msg_printf(err->msg, sizeof err->msg,
                     "the list goes back to a page it already gave: %s", next.data);
            rc = -1;
            break;
        }
        url.len = 0;
        buf_add(&url, next.data, next.len);
    }
    buf_free(&url);
    buf_free(&next);
    seen_free(&seen);
    return rc;
}
