/* Branch rules as rows name them (see brule.h): the branch cell, the rule
 * names of each flavour, and the carrying of a Data Center rule to Cloud. */
#include "brule.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- rules ---------------------------------------------------------------- */

/* Cloud: the enum of branchrestriction.kind in Atlassian's description.
 * users and groups apply to push and restrict_merges only; value to the
 * four kinds whose description gives it a meaning. */
static const struct brule_rule cloud_rules[] = {
    {"push", BR_SUBJECTS},
    {"delete", 0},
    {"force", 0},
    {"restrict_merges", BR_SUBJECTS},
    {"require_tasks_to_be_completed", 0},
    {"require_approvals_to_merge", BR_VALUE},
    {"require_review_group_approvals_to_merge", 0},
    {"require_default_reviewer_approvals_to_merge", BR_VALUE},
    {"require_no_changes_requested", 0},
    {"require_passing_builds_to_merge", BR_VALUE},
    {"require_commits_behind", BR_VALUE},
    {"reset_pullrequest_approvals_on_change", 0},
    {"smart_reset_pullrequest_approvals", 0},
    {"reset_pullrequest_changes_requested_on_change", 0},
    {"require_all_dependencies_merged", 0},
    {"enforce_merge_checks", 0},
    {"allow_auto_merge_when_builds_pass", 0},
    {"require_all_comments_resolved", 0},
};

/* Data Center: RestRefRestriction.type; every type takes exemptions. */
static const struct brule_rule dc_rules[] = {
    {"read-only", BR_SUBJECTS},
    {"no-deletes", BR_SUBJECTS},
    {"fast-forward-only", BR_SUBJECTS},
    {"pull-request-only", BR_SUBJECTS},
    {"no-creates", BR_SUBJECTS},
};

const struct brule_rule *brule_rules(enum api_flavour f, size_t *n)
{
    if (f == API_DATACENTER) {
        *n = sizeof dc_rules / sizeof dc_rules[0];
        return dc_rules;
    }
    *n = sizeof cloud_rules / sizeof cloud_rules[0];
    return cloud_rules;
}

const struct brule_rule *brule_rule_parse(enum api_flavour f, const char *s, size_t len,
                                          char *msg, size_t msgsz)
{
    size_t n;
    const struct brule_rule *r = brule_rules(f, &n);
    for (size_t i = 0; i < n; i++)
        if (ascii_ieq(s, len, r[i].name))
            return &r[i];
    struct buf names = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(&names, ", ");
        buf_adds(&names, r[i].name);
    }
    buf_addc(&names, '\0');
    char cell[41], shown[4 * sizeof cell + 1];
    size_t k = len < sizeof cell - 1 ? len : sizeof cell - 1;
    memcpy(cell, s, k);
    cell[k] = '\0';
    msg_printf(msg, msgsz, "'%s%s' is not a branch rule of %s; it has: %s",
               str_printable(shown, sizeof shown, cell), len > k ? "..." : "",
               f == API_DATACENTER ? "Data Center" : "Cloud", names.data);
    buf_free(&names);
    return NULL;
}

const struct brule_rule *brule_rule_find(enum api_flavour f, const char *name)
{
    size_t n;
    const struct brule_rule *r = brule_rules(f, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, r[i].name) == 0)
            return &r[i];
    return NULL;
}

int brule_value_parse(const char *s, size_t len, long *out)
{
    if (len == 0 || len > 7)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 1000000)
        return -1;
    *out = v;
    return 0;
}

/* ---- branches ------------------------------------------------------------- */

static const char *const model_branches[] = {"production", "development"};
static const char *const model_categories[] = {"feature", "bugfix", "hotfix", "release"};

static int set_value(struct brule_branch *out, const char *s, size_t len, char *msg,
                     size_t msgsz)
{
    if (len >= sizeof out->value) {
        msg_printf(msg, msgsz, "is longer than %zu characters", sizeof out->value - 1);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            msg_printf(msg, msgsz, "holds a control character");
            return -1;
        }
    memcpy(out->value, s, len);
    out->value[len] = '\0';
    return 0;
}

static int has_wildcard(const char *s, size_t len)
{
    return memchr(s, '*', len) || memchr(s, '?', len);
}

int brule_branch_parse(enum api_flavour f, const char *s, size_t len, struct brule_branch *out,
                       char *msg, size_t msgsz)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        msg_printf(msg, msgsz, "is empty: name a branch, a pattern or model:TYPE");
        return -1;
    }
    if (len > 6 && strncasecmp(s, "model:", 6) == 0) {
        const char *t = s + 6;
        size_t tl = len - 6;
        for (size_t i = 0; i < 2; i++)
            if (ascii_ieq(t, tl, model_branches[i])) {
                out->match = BM_MODEL_BRANCH;
                return set_value(out, model_branches[i], strlen(model_branches[i]), msg, msgsz);
            }
        for (size_t i = 0; i < 4; i++)
            if (ascii_ieq(t, tl, model_categories[i])) {
                out->match = BM_MODEL_CATEGORY;
                return set_value(out, model_categories[i], strlen(model_categories[i]), msg,
                                 msgsz);
            }
        msg_printf(msg, msgsz, "names no branch type of the branching model: use model: with "
                   "production, development, feature, bugfix, hotfix or release");
        return -1;
    }
    if (len > 8 && strncmp(s, "pattern:", 8) == 0) {
        out->match = BM_PATTERN;
        return set_value(out, s + 8, len - 8, msg, msgsz);
    }
    if (len == 1 && s[0] == '*' && f == API_DATACENTER) {
        out->match = BM_ANY;
        return set_value(out, "*", 1, msg, msgsz);
    }
    if (has_wildcard(s, len)) {
        out->match = BM_PATTERN;
        return set_value(out, s, len, msg, msgsz);
    }
    out->match = BM_BRANCH;
    if (f == API_DATACENTER && !(len > 5 && strncmp(s, "refs/", 5) == 0)) {
        if (len + 11 >= sizeof out->value) {
            msg_printf(msg, msgsz, "is longer than %zu characters", sizeof out->value - 12);
            return -1;
        }
        char ref[BRULE_VALUE_MAX];
        snprintf(ref, sizeof ref, "refs/heads/%.*s", (int)len, s);
        return set_value(out, ref, len + 11, msg, msgsz);
    }
    return set_value(out, s, len, msg, msgsz);
}

int brule_cloud_is_model(const struct brule_branch *b)
{
    return b->match == BM_MODEL_BRANCH || b->match == BM_MODEL_CATEGORY;
}

void brule_branch_cell(enum api_flavour f, const struct brule_branch *b, struct buf *out)
{
    size_t len = strlen(b->value);
    switch (b->match) {
    case BM_MODEL_BRANCH:
    case BM_MODEL_CATEGORY:
        buf_adds(out, "model:");
        buf_adds(out, b->value);
        return;
    case BM_ANY:
        buf_addc(out, '*');
        return;
    case BM_PATTERN:
        /* a pattern that would read back as something else says so */
        if (!has_wildcard(b->value, len) || (f == API_DATACENTER && strcmp(b->value, "*") == 0) ||
            strncasecmp(b->value, "model:", 6) == 0 || strncmp(b->value, "pattern:", 8) == 0)
            buf_adds(out, "pattern:");
        buf_adds(out, b->value);
        return;
    case BM_BRANCH:
        if (f == API_DATACENTER && strncmp(b->value, "refs/heads/", 11) == 0 && len > 11 &&
            !has_wildcard(b->value + 11, len - 11) &&
            strncasecmp(b->value + 11, "model:", 6) != 0 &&
            strncmp(b->value + 11, "pattern:", 8) != 0 &&
            strncmp(b->value + 11, "refs/", 5) != 0) {
            buf_adds(out, b->value + 11);
            return;
        }
        if (f != API_DATACENTER && (has_wildcard(b->value, len) ||
                                    strncasecmp(b->value, "model:", 6) == 0 ||
                                    strncmp(b->value, "pattern:", 8) == 0)) {
            buf_adds(out, "pattern:");
        }
        buf_adds(out, b->value);
        return;
    }
}

const char *brule_dc_matcher_type(const struct brule_branch *b)
{
    switch (b->match) {
    case BM_BRANCH: return "BRANCH";
    case BM_PATTERN: return "PATTERN";
    case BM_ANY: return "ANY_REF";
    case BM_MODEL_BRANCH: return "MODEL_BRANCH";
    case BM_MODEL_CATEGORY: return "MODEL_CATEGORY";
    }
    return "BRANCH";
}

void brule_dc_matcher_id(const struct brule_branch *b, struct buf *out)
{
    if (b->match == BM_ANY) {
        buf_adds(out, "ANY_REF_MATCHER_ID");
        return;
    }
    if (b->match == BM_MODEL_CATEGORY) {
        for (const char *p = b->value; *p; p++)
            buf_addc(out, (char)toupper((unsigned char)*p));
        return;
    }
    buf_adds(out, b->value);
}

int brule_dc_matcher_parse(const char *type, const char *id, struct brule_branch *out)
{
    char msg[128];
    memset(out, 0, sizeof *out);
    if (!type || !id)
        return -1;
    size_t len = strlen(id);
    if (strcmp(type, "ANY_REF") == 0) {
        out->match = BM_ANY;
        return set_value(out, "*", 1, msg, sizeof msg);
    }
    if (strcmp(type, "BRANCH") == 0)
        out->match = BM_BRANCH;
    else if (strcmp(type, "PATTERN") == 0)
        out->match = BM_PATTERN;
    else if (strcmp(type, "MODEL_BRANCH") == 0 || strcmp(type, "MODEL_CATEGORY") == 0) {
        const char *const *names = type[6] == 'B' ? model_branches : model_categories;
        size_t n = type[6] == 'B' ? 2 : 4;
        out->match = type[6] == 'B' ? BM_MODEL_BRANCH : BM_MODEL_CATEGORY;
        for (size_t i = 0; i < n; i++)
            if (ascii_ieq(id, len, names[i]))
                return set_value(out, names[i], strlen(names[i]), msg, sizeof msg);
        return -1;
    } else
        return -1;
    return set_value(out, id, len, msg, sizeof msg);
}

/* ---- Data Center to Cloud ------------------------------------------------- */

int brule_carry_rule(const char *dc_rule, struct brule_carry *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(dc_rule, "read-only") == 0) {
        out->rule[0] = "push";
        out->rule[1] = "restrict_merges";
        out->n = 2;
        out->keeps_subjects = 1;
    } else if (strcmp(dc_rule, "pull-request-only") == 0) {
        out->rule[0] = "push";
        out->n = 1;
        out->keeps_subjects = 1;
    } else if (strcmp(dc_rule, "fast-forward-only") == 0) {
        out->rule[0] = "force";
        out->n = 1;
    } else if (strcmp(dc_rule, "no-deletes") == 0) {
        out->rule[0] = "delete";
        out->n = 1;
    } else if (strcmp(dc_rule, "no-creates") == 0) {
        out->why_not = "Cloud has no branch-creation restriction";
    } else
        return -1;
    return 0;
}

int brule_carry_branch(const struct brule_branch *dc, struct brule_branch *cloud, char *msg,
                       size_t msgsz)
{
    memset(cloud, 0, sizeof *cloud);
    switch (dc->match) {
    case BM_ANY:
        cloud->match = BM_PATTERN;
        return set_value(cloud, "*", 1, msg, msgsz);
    case BM_PATTERN:
    case BM_MODEL_BRANCH:
    case BM_MODEL_CATEGORY:
        *cloud = *dc;
        return 0;
    case BM_BRANCH:
        if (strncmp(dc->value, "refs/heads/", 11) != 0 || !dc->value[11]) {
            msg_printf(msg, msgsz, "Cloud restricts branches only, not %s", dc->value);
            return -1;
        }
        cloud->match = has_wildcard(dc->value + 11, strlen(dc->value + 11)) ? BM_PATTERN
                                                                              : BM_BRANCH;
        return set_value(cloud, dc->value + 11, strlen(dc->value + 11), msg, msgsz);
    }
    return -1;
}
