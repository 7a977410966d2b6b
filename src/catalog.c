#include "catalog.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct listing {
    char *key;                  /* lowercase "ws\x1fproject" (owned) */
    char **slugs;               /* sorted (owned); each "slug\0project": the
                                 * repository's project key follows its slug */
    size_t n, cap;
    int failed;
    int bad_name;               /* the walk stopped at a slug it refused */
    const char *project;        /* the project listed (during the walk), or NULL */
    struct pager_error err;
    struct listing *next;
};

struct catalog {
    const struct api_ops *api;
    char *base;
    struct listing *lists;
    unsigned long nlists, pages;
};

struct catalog *catalog_new(const struct api_ops *api, const char *base)
{
    struct catalog *c = xcalloc(1, sizeof *c);
    c->api = api;
    c->base = xstrdup(base);
    return c;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (struct listing *l = c->lists, *n; l; l = n) {
        n = l->next;
        for (size_t i = 0; i < l->n; i++)
            free(l->slugs[i]);
        free(l->slugs);
        free(l->key);
        free(l);
    }
    free(c->base);
    free(c);
}

int catalog_match(const char *pattern, const char *slug)
{
    return fnmatch(pattern, slug, FNM_CASEFOLD) == 0;
}

static int on_repo(void *ctx, const cJSON *item)
{
    struct listing *l = ctx;
    struct api_target_item t;
    if (api_target_item(item, TARGET_REPO, &t) != 0)
        return 0;
    /* a listed slug becomes a row's URL path: refuse what would change it */
    const char *why = api_name_problem(t.slug, strlen(t.slug));
    if (why) {
        char shown[200];
        str_printable(shown, sizeof shown, t.slug);
        msg_printf(l->err.msg, sizeof l->err.msg, "the server listed a repository '%s', which %s",
                 shown, why);
        l->bad_name = 1;
        return 1;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->slugs = xrealloc(l->slugs, l->cap * sizeof *l->slugs);
    }
    const char *proj = t.project ? t.project : l->project ? l->project : "";
    size_t sl = strlen(t.slug), pl = strlen(proj);
    char *e = xmalloc(sl + pl + 2);
    memcpy(e, t.slug, sl + 1);
    memcpy(e + sl + 1, proj, pl + 1);
    l->slugs[l->n++] = e;
    return 0;
}

static int cmp_slug(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int catalog_repos(struct catalog *c, const char *ws, const char *project,
                  const struct pager_fetch *f, char *const **slugs, size_t *n,
                  struct pager_error *err)
{
    struct buf key = {0};
    for (const char *s = ws; *s; s++)
        buf_addc(&key, (char)tolower((unsigned char)*s));
    buf_addc(&key, '\x1f');
    for (const char *s = project ? project : ""; *s; s++)
        buf_addc(&key, (char)tolower((unsigned char)*s));
    struct listing *l = c->lists;
    while (l && strcmp(l->key, key.data) != 0)
        l = l->next;
    if (!l) {
        l = xcalloc(1, sizeof *l);
        l->project = project;
        struct buf url = {0};
        buf_adds(&url, c->base);
        c->api->repo_list(&url, ws, project);
        unsigned pages = 0;
        int rc = pager_walk(c->api, url.data, f, on_repo, l, &pages, &l->err);
        buf_free(&url);
        c->pages += pages;
        if (rc < 0 && l->err.cancelled) {
            *err = l->err;
            for (size_t i = 0; i < l->n; i++)
                free(l->slugs[i]);
            free(l->slugs);
            free(l);
            buf_free(&key);
            return -1;
        }
        c->nlists++;
        l->project = NULL;
        l->failed = rc < 0 || l->bad_name;
        if (l->n > 1)
            qsort(l->slugs, l->n, sizeof *l->slugs, cmp_slug);
        l->key = key.data;
        key.data = NULL;
        l->next = c->lists;
        c->lists = l;
    }
    buf_free(&key);
    if (l->failed) {
        *err = l->err;
        return -1;
    }
    *slugs = l->slugs;
    *n = l->n;
    return 0;
}

/* The listing of key ws\x1fproject (lowercase), if the run made one that
 * did not fail. */
static const struct listing *find(const struct catalog *c, const char *ws, const char *project)
{
    if (!c)
        return NULL;
    struct buf key = {0};
    for (const char *s = ws; *s; s++)
        buf_addc(&key, (char)tolower((unsigned char)*s));
    buf_addc(&key, '\x1f');
    for (const char *s = project ? project : ""; *s; s++)
        buf_addc(&key, (char)tolower((unsigned char)*s));
    const struct listing *l = c->lists;
    while (l && strcmp(l->key, key.data) != 0)
        l = l->next;
    buf_free(&key);
    return l && !l->failed ? l : NULL;
}

int catalog_held(const struct catalog *c, const char *ws, const char *project,
                 char *const **slugs, size_t *n)
{
    const struct listing *l = find(c, ws, project);
    if (!l)
        return 0;
    *slugs = l->slugs;
    *n = l->n;
    return 1;
}

const char *catalog_project_of(const char *slug)
{
    return slug + strlen(slug) + 1;
}

static int holds(const struct listing *l, const char *slug)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcasecmp(l->slugs[i], slug))
            return 1;
    return 0;
}

int catalog_listed_late(const struct catalog *c, const char *ws, const char *project,
                        const char *slug)
{
    const struct listing *whole = find(c, ws, NULL);
    const struct listing *part = project && project[0] ? find(c, ws, project) : NULL;
    return (whole && !holds(whole, slug)) || (part && !holds(part, slug));
}

void catalog_stats(const struct catalog *c, unsigned long *lists, unsigned long *pages)
{
    *lists = c->nlists;
    *pages = c->pages;
}
