/* Helpers shared by the unit tests: requests built from plain strings, and
 * checks of the items the list readers (api_cloud, api_datacenter) take
 * apart. cmocka must be included before it. */
#ifndef BBPERM_TEST_HELPERS_H
#define BBPERM_TEST_HELPERS_H

#include <string.h>

#include "api.h"
#include "row.h"
#include "util.h"

/* A request naming its cells by NUL-terminated strings; a NULL project is
 * no project at all (a NULL pointer of length 0). */
static inline struct request mkreq(enum target_kind t, enum subject_kind s, enum privilege p,
                                   const char *ws, const char *project, const char *target,
                                   const char *subject)
{
    struct request r;
    memset(&r, 0, sizeof r);
    r.target = t;
    r.subject = s;
    r.priv = p;
    r.workspace = ws;
    r.workspace_len = strlen(ws);
    r.project = project;
    r.project_len = project ? strlen(project) : 0;
    r.target_name = target;
    r.target_len = strlen(target);
    r.subject_name = subject;
    r.subject_len = strlen(subject);
    return r;
}

/* NULL-aware string check: want NULL means got must be NULL. */
static inline void assert_str_or_null(const char *got, const char *want)
{
    if (want)
        assert_string_equal(got, want);
    else
        assert_null(got);
}

/* What a permission item must read as. */
struct perm_want {
    enum subject_kind subject;
    const char *id, *alt_id, *display, *email;
    enum privilege priv;
};

/* Reads one permission item (JSON text) as a subject kind with ops and
 * checks every field against want. */
static inline void assert_perm_item(const struct api_ops *ops, const char *json,
                                    enum subject_kind kind, struct perm_want want)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    struct api_perm p;
    assert_int_equal(ops->perm_item(j, kind, &p), 0);
    assert_int_equal(p.subject, want.subject);
    assert_str_or_null(p.id, want.id);
    assert_str_or_null(p.alt_id, want.alt_id);
    assert_str_or_null(p.display, want.display);
    assert_str_or_null(p.email, want.email);
    assert_int_equal(p.priv, want.priv);
    cJSON_Delete(j);
}

/* Items ops must not read as the subject kind. */
static inline void assert_perm_items_unreadable(const struct api_ops *ops, enum subject_kind kind,
                                                const char *const *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(bad[i]);
        assert_non_null(j);
        struct api_perm p;
        if (ops->perm_item(j, kind, &p) != -1)
            fail_msg("item %s was read", bad[i]);
        cJSON_Delete(j);
    }
}

/* Reads one target item: want_slug NULL means it must not be read. */
static inline void assert_target_item(const char *json, enum target_kind kind, const char *want_slug,
                                      const char *want_project)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    struct api_target_item t;
    if (!want_slug) {
        assert_int_equal(api_target_item(j, kind, &t), -1);
    } else {
        assert_int_equal(api_target_item(j, kind, &t), 0);
        assert_string_equal(t.slug, want_slug);
        assert_str_or_null(t.project, want_project);
    }
    cJSON_Delete(j);
}

/* The list URL ops builds for the permissions of r's target by subject kind. */
static inline void assert_perm_list(const struct api_ops *ops, const struct request *r,
                                    enum subject_kind kind, const char *want)
{
    struct buf b = {0};
    ops->perm_list(&b, r, kind);
    assert_string_equal(b.data, want);
    buf_free(&b);
}

/* Whether two requests have the same key by fn (api_target_key, api_key). */
static inline int same_key_by(void (*fn)(struct buf *, const struct request *),
                              const struct request *a, const struct request *b)
{
    struct buf ka = {0}, kb = {0};
    fn(&ka, a);
    fn(&kb, b);
    assert_true(ka.len > 0 && kb.len > 0);
    int same = ka.len == kb.len && !memcmp(ka.data, kb.data, ka.len);
    buf_free(&ka);
    buf_free(&kb);
    return same;
}

/* Cells split from a comma-separated string (no quoting: test data only). */
#define MAXCELLS 16
struct cellv {
    const char *cells[MAXCELLS];
    size_t lens[MAXCELLS];
    char store[1024];
    unsigned n;
};

static inline void split(struct cellv *v, const char *s)
{
    size_t len = strlen(s);
    assert_true(len < sizeof v->store);
    memcpy(v->store, s, len + 1);
    v->n = 0;
    char *p = v->store;
    for (;;) {
        assert_true(v->n < MAXCELLS);
        char *comma = strchr(p, ',');
        v->cells[v->n] = p;
        v->lens[v->n] = comma ? (size_t)(comma - p) : strlen(p);
        v->n++;
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
}

#endif
