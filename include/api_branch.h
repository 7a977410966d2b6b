#ifndef BBPERM_API_BRANCH_H
#define BBPERM_API_BRANCH_H

#include <cjson/cJSON.h>
#include "brestr.h"
#include "config.h"
#include "row.h"
#include "util.h"

/* The shapes of branch restrictions, one table per flavour (as api_ops is
 * for permissions): the list of a target's restrictions, one item of it,
 * and the writes. Cloud: /repositories/{w}/{slug}/branch-restrictions[/{id}]
 * (POST creates, PUT updates the lists and value, DELETE). Data Center:
 * {context}/rest/branch-permissions/latest/projects/{K}[/repos/{S}]/
 * restrictions[/{id}]: no update, a POST of the restriction with its new
 * lists (an array, application/vnd.atl.bitbucket.bulk+json) replaces it or
 * creates a new one, and DELETE by id.
 *
 * URLs are built as the API's base URL (in url on entry, no trailing '/')
 * followed by the path; the Data Center table first cuts the base back to
 * the context (what precedes /rest/api/). Paging and next pages are the
 * flavour's api_ops next_page. */

enum branch_method { BRM_GET, BRM_POST, BRM_PUT, BRM_DELETE };

struct branch_api {
    /* 1 when projects have restrictions of their own (Data Center); Cloud
     * has none in its public API */
    int on_projects;
    /* First page of a target's restrictions (a repository; on Data Center
     * also a project: target TARGET_PROJECT). */
    void (*list)(struct buf *url, const struct request *target);
    /* One item of such a list into r (brestr_init'ed first); -1 when the
     * item cannot be read. Names point nowhere: r owns copies. */
    int (*item)(const cJSON *item, struct brestr *r);
    /* The request that gets the server from live to want for op (create,
     * update, delete): its method, URL (appended) and body (appended, JSON,
     * empty for none) and the body's content type (NULL for none). A Data
     * Center update is a POST: the caller deletes live->id when the answer
     * names another id, once the new one is in place. */
    enum branch_method (*write)(struct buf *url, struct buf *body, const char **content_type,
                                const struct request *target, enum brestr_op op,
                                const struct brestr *live, const struct brestr *want);
    /* The id of the restriction a write's answer names (Cloud: the object;
     * Data Center: the first of the array, or the object), or 0. */
    long (*written_id)(const cJSON *answer);
};

extern const struct branch_api branch_api_cloud;
extern const struct branch_api branch_api_datacenter;
const struct branch_api *branch_api_for(enum api_flavour f);

/* The key of a restriction within its target: the rule and the branch as
 * the flavour tells branches apart (Cloud: the glob, or the model's type;
 * Data Center: matcher type and id). Appended, case kept. */
void branch_restriction_key(enum api_flavour f, const char *rule, const struct brule_branch *b,
                            struct buf *out);

const char *branch_method_name(enum branch_method m);

#endif
