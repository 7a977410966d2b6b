/* Branch restrictions: Cloud's branch-restrictions resource and Data
 * Center's branch-permissions REST API (see api_branch.h). */
#include "api_branch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

const char *branch_method_name(enum branch_method m)
{
    static const char *const names[] = {"GET", "POST", "PUT", "DELETE"};
    return names[m];
}

/* The item's id: a positive integer. */
static long json_id(const cJSON *o)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 1e15)
        return 0;
    return (long)id->valuedouble;
}

static void add_id(struct buf *url, long id)
{
    char s[32];
    snprintf(s, sizeof s, "/%ld", id);
    buf_adds(url, s);
}

static const char *model_types[] = {"production", "development", "feature", "bugfix", "hotfix",
                                    "release"};

void branch_restriction_key(enum api_flavour f, const char *rule, const struct brule_branch *b,
                            struct buf *out)
{
    buf_adds(out, rule);
    buf_addc(out, '\n');
    if (f == API_DATACENTER) {
        buf_adds(out, brule_dc_matcher_type(b));
        buf_addc(out, '\n');
        brule_dc_matcher_id(b, out);
        return;
    }
    buf_adds(out, brule_cloud_is_model(b) ? "model\n" : "glob\n");
    buf_adds(out, b->value);
}

/* ---- Cloud ---------------------------------------------------------------- */

static void cloud_path(struct buf *url, const struct request *t)
{
    buf_adds(url, "/repositories/");
    api_encode_segment(url, t->workspace, t->workspace_len);
    buf_addc(url, '/');
    api_encode_segment(url, t->target_name, t->target_len);
    buf_adds(url, "/branch-restrictions");
}

static void cloud_list(struct buf *url, const struct request *t)
{
    cloud_path(url, t);
    buf_adds(url, "?pagelen=100");
}

static int cloud_item(const cJSON *item, struct brestr *r)
{
    r->id = json_id(item);
    const char *kind = api_json_string(item, "kind");
    const char *match = api_json_string(item, "branch_match_kind");
    if (!r->id || !kind || strlen(kind) >= sizeof r->rule)
        return -1;
    snprintf(r->rule, sizeof r->rule, "%s", kind);
    if (match && strcmp(match, "branching_model") == 0) {
        const char *type = api_json_string(item, "branch_type");
        size_t i = 0;
        while (type && i < sizeof model_types / sizeof model_types[0] &&
               strcmp(type, model_types[i]) != 0)
            i++;
        if (!type || i == sizeof model_types / sizeof model_types[0])
            return -1;
        r->branch.match = i < 2 ? BM_MODEL_BRANCH : BM_MODEL_CATEGORY;
        snprintf(r->branch.value, sizeof r->branch.value, "%s", model_types[i]);
    } else {
        const char *pattern = api_json_string(item, "pattern");
        if (!pattern || !pattern[0] || strlen(pattern) >= sizeof r->branch.value)
            return -1;
        r->branch.match = strpbrk(pattern, "*?") ? BM_PATTERN : BM_BRANCH;
        snprintf(r->branch.value, sizeof r->branch.value, "%s", pattern);
    }
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
    r->value = cJSON_IsNumber(value) && value->valuedouble >= 0 ? (long)value->valuedouble : -1;

    const cJSON *u;
    cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(item, "users")) {
        const char *account_id, *uuid;
        api_user_names(u, "", &account_id, &uuid);
        if (account_id && account_id[0])
            brestr_names_add(&r->users, account_id, uuid);
        else if (uuid && uuid[0])
            brestr_names_add(&r->users, uuid, NULL);
        else
            return -1;
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(item, "groups")) {
        const char *slug = api_json_string(g, "slug");
        if (!slug || !slug[0])
            return -1;
        brestr_names_add(&r->groups, slug, NULL);
    }
    return 0;
}

/* A Cloud user goes by its {uuid} when known (a name with braces), else by
 * its account id. */
static void cloud_user(cJSON *users, const struct brestr_name *n)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "type", "user");
    const char *uuid = n->id[0] == '{' ? n->id : n->alt && n->alt[0] == '{' ? n->alt : NULL;
    const char *account = n->id[0] != '{' ? n->id : n->alt && n->alt[0] != '{' ? n->alt : NULL;
    if (uuid)
        cJSON_AddStringToObject(u, "uuid", uuid);
    if (account)
        cJSON_AddStringToObject(u, "account_id", account);
    cJSON_AddItemToArray(users, u);
}

static void json_out(struct buf *body, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (!s) {
        fprintf(stderr, "bbperm: out of memory\n");
        exit(2);
    }
    buf_adds(body, s);
    cJSON_free(s);
    cJSON_Delete(o);
}

static enum branch_method cloud_write(struct buf *url, struct buf *body, const char **ctype,
                                      const struct request *t, enum brestr_op op,
                                      const struct brestr *live, const struct brestr *want)
{
    cloud_path(url, t);
    *ctype = NULL;
    if (op == BROP_DELETE) {
        add_id(url, live->id);
        return BRM_DELETE;
    }
    /* the description requires type and pattern ("" for the branching
     * model), and a type on each user and group */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "branchrestriction");
    cJSON_AddStringToObject(o, "kind", want->rule);
    if (brule_cloud_is_model(&want->branch)) {
        cJSON_AddStringToObject(o, "branch_match_kind", "branching_model");
        cJSON_AddStringToObject(o, "branch_type", want->branch.value);
        cJSON_AddStringToObject(o, "pattern", "");
    } else {
        cJSON_AddStringToObject(o, "branch_match_kind", "glob");
        cJSON_AddStringToObject(o, "pattern", want->branch.value);
    }
    if (want->value >= 0)
        cJSON_AddNumberToObject(o, "value", (double)want->value);
    const struct brule_rule *rule = brule_rule_find(API_CLOUD, want->rule);
    if (rule && (rule->flags & BR_SUBJECTS)) {
        cJSON *users = cJSON_AddArrayToObject(o, "users");
        for (size_t i = 0; i < want->users.n; i++)
            cloud_user(users, &want->users.v[i]);
        cJSON *groups = cJSON_AddArrayToObject(o, "groups");
        for (size_t i = 0; i < want->groups.n; i++) {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "type", "group");
            cJSON_AddStringToObject(g, "slug", want->groups.v[i].id);
            cJSON_AddItemToArray(groups, g);
        }
    }
    json_out(body, o);
    *ctype = "application/json";
    if (op == BROP_UPDATE) {
        add_id(url, live->id);
        return BRM_PUT;
    }
    return BRM_POST;
}

static long cloud_written_id(const cJSON *answer)
{
    return json_id(answer);
}

const struct branch_api branch_api_cloud = {
    .on_projects = 0,
    .list = cloud_list,
    .item = cloud_item,
    .write = cloud_write,
    .written_id = cloud_written_id,
};

/* ---- Data Center ---------------------------------------------------------- */

/* Cut the base URL (…/CONTEXT/rest/api/latest) back to its context. */
static void dc_context(struct buf *url)
{
    buf_addc(url, '\0');
    url->len--;
    char *rest = strstr(url->data, "/rest/api");
    if (rest)
        url->len = (size_t)(rest - url->data);
}

static void dc_path(struct buf *url, const struct request *t)
{
    dc_context(url);
    buf_adds(url, "/rest/branch-permissions/latest/projects/");
    if (t->target == TARGET_REPO) {
        api_encode_segment(url, t->project, t->project_len);
        buf_adds(url, "/repos/");
    }
    api_encode_segment(url, t->target_name, t->target_len);
    buf_adds(url, "/restrictions");
}

static void dc_list(struct buf *url, const struct request *t)
{
    dc_path(url, t);
    buf_adds(url, "?limit=100");
}

static int dc_item(const cJSON *item, struct brestr *r)
{
    r->id = json_id(item);
    const char *type = api_json_string(item, "type");
    if (!r->id || !type || strlen(type) >= sizeof r->rule)
        return -1;
    snprintf(r->rule, sizeof r->rule, "%s", type);
    if (brule_dc_matcher_parse(api_json_string(item, "matcher.type.id"),
                               api_json_string(item, "matcher.id"), &r->branch) != 0)
        return -1;
    const cJSON *u;
    cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(item, "users")) {
        const char *slug = api_json_string(u, "slug"), *name = api_json_string(u, "name");
        size_t at;
        /* a user goes by its name, as permission rows name one; the slug
         * (the same but for case and characters a URL cannot hold) beside */
        if (name && name[0])
            at = brestr_names_add(&r->users, name, slug && strcmp(name, slug) != 0 ? slug : NULL);
        else if (slug && slug[0])
            at = brestr_names_add(&r->users, slug, NULL);
        else
            return -1;
        brestr_names_email(&r->users, at, api_json_string(u, "emailAddress"));
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(item, "groups")) {
        const char *name = cJSON_IsString(g) ? g->valuestring : api_json_string(g, "name");
        if (!name || !name[0])
            return -1;
        brestr_names_add(&r->groups, name, NULL);
    }
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(item, "accessKeys"), *k;
    size_t nk = (size_t)cJSON_GetArraySize(keys);
    if (nk) {
        r->keys = xcalloc(nk, sizeof *r->keys);
        cJSON_ArrayForEach(k, keys) {
            long id = json_id(cJSON_GetObjectItemCaseSensitive(k, "key"));
            if (!id)
                return -1;
            r->keys[r->nkeys++] = id;
        }
    }
    return 0;
}

static enum branch_method dc_write(struct buf *url, struct buf *body, const char **ctype,
                                   const struct request *t, enum brestr_op op,
                                   const struct brestr *live, const struct brestr *want)
{
    dc_path(url, t);
    *ctype = NULL;
    if (op == BROP_DELETE) {
        add_id(url, live->id);
        return BRM_DELETE;
    }
    cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "type", want->rule);
    cJSON *m = cJSON_AddObjectToObject(o, "matcher");
    struct buf id = {0};
    brule_dc_matcher_id(&want->branch, &id);
    buf_addc(&id, '\0');
    cJSON_AddStringToObject(m, "id", id.data);
    cJSON_AddStringToObject(m, "displayId", want->branch.match == BM_BRANCH &&
                            strncmp(id.data, "refs/heads/", 11) == 0 ? id.data + 11 : id.data);
    buf_free(&id);
    cJSON *type = cJSON_AddObjectToObject(m, "type");
    cJSON_AddStringToObject(type, "id", brule_dc_matcher_type(&want->branch));
    cJSON *users = cJSON_AddArrayToObject(o, "userSlugs");
    for (size_t i = 0; i < want->users.n; i++) {
        const struct brestr_name *n = &want->users.v[i];
        cJSON_AddItemToArray(users, cJSON_CreateString(n->alt ? n->alt : n->id));
    }
    cJSON *groups = cJSON_AddArrayToObject(o, "groupNames");
    for (size_t i = 0; i < want->groups.n; i++)
        cJSON_AddItemToArray(groups, cJSON_CreateString(want->groups.v[i].id));
    cJSON *keys = cJSON_AddArrayToObject(o, "accessKeyIds");
    for (size_t i = 0; i < want->nkeys; i++)
        cJSON_AddItemToArray(keys, cJSON_CreateNumber((double)want->keys[i]));
    json_out(body, arr);
    *ctype = "application/vnd.atl.bitbucket.bulk+json";
    return BRM_POST;
}

static long dc_written_id(const cJSON *answer)
{
    if (cJSON_IsArray(answer))
        return cJSON_GetArraySize(answer) == 1 ? json_id(cJSON_GetArrayItem(answer, 0)) : 0;
    return json_id(answer);
}

const struct branch_api branch_api_datacenter = {
    .on_projects = 1,
    .list = dc_list,
    .item = dc_item,
    .write = dc_write,
    .written_id = dc_written_id,
};

const struct branch_api *branch_api_for(enum api_flavour f)
{
    return f == API_DATACENTER ? &branch_api_datacenter : &branch_api_cloud;
}
