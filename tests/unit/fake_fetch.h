/* A fake list server for unit tests: serves canned pages by exact URL
 * through a pager_fetch, and counts every call. Included by the test files
 * that walk lists (test_live.c, test_pager.c, test_people.c, ...); cmocka
 * must be included before it. */
#ifndef BBPERM_TEST_FAKE_FETCH_H
#define BBPERM_TEST_FAKE_FETCH_H

#include <stdio.h>
#include <string.h>

#include "pager.h"

#define FAKE_PAGES 64
#define FAKE_LOG 128

struct fake_page {
    char url[1024];
    long status;                /* 200, or an error status */
    const char *body;           /* static text */
    unsigned calls;
};

struct fake_server {
    struct fake_page pages[FAKE_PAGES];
    unsigned n;
    unsigned calls;             /* every fetch */
    unsigned unknown;           /* fetches of a URL no page has */
    int cancel;                 /* nonzero: every fetch is cancelled */
    char log[FAKE_LOG][1024];   /* the URLs fetched, in order */
};

static inline void fake_reset(struct fake_server *s)
{
    memset(s, 0, sizeof *s);
}

static inline void fake_add(struct fake_server *s, const char *url, long status, const char *body)
{
    assert_true(s->n < FAKE_PAGES);
    assert_true(strlen(url) < sizeof s->pages[0].url);
    struct fake_page *p = &s->pages[s->n++];
    snprintf(p->url, sizeof p->url, "%s", url);
    p->status = status;
    p->body = body;
    p->calls = 0;
}

/* Calls of one URL so far (0 for a URL not served). */
static inline unsigned fake_calls(const struct fake_server *s, const char *url)
{
    for (unsigned i = 0; i < s->n; i++)
        if (!strcmp(s->pages[i].url, url))
            return s->pages[i].calls;
    return 0;
}

static inline int fake_fetch(void *ctx, const char *url, const char **body, size_t *len,
                             struct pager_error *err)
{
    struct fake_server *s = ctx;
    if (s->calls < FAKE_LOG)
        snprintf(s->log[s->calls], sizeof s->log[0], "%s", url);
    s->calls++;
    if (s->cancel) {
        err->status = 0;
        err->cancelled = 1;
        snprintf(err->msg, sizeof err->msg, "not sent: the run was interrupted");
        return -1;
    }
    for (unsigned i = 0; i < s->n; i++) {
        struct fake_page *p = &s->pages[i];
        if (strcmp(p->url, url) != 0)
            continue;
        p->calls++;
        if (p->status < 200 || p->status >= 300) {
            err->status = p->status;
            err->cancelled = 0;
            snprintf(err->msg, sizeof err->msg, "%s", p->body);
            return -1;
        }
        *body = p->body;
        *len = strlen(p->body);
        return 0;
    }
    s->unknown++;
    err->status = 404;
    err->cancelled = 0;
    snprintf(err->msg, sizeof err->msg, "fake: no page at %.300s", url);
    return -1;
}

static inline struct pager_fetch fake_fetcher(struct fake_server *s)
{
    struct pager_fetch f = {.fn = fake_fetch, .ctx = s};
    return f;
}

#endif
