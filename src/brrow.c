/* Branch-rule rows: validation (see brrow.h). */
#include "brrow.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

int brrow_validate(const struct colmap *m, const char *const *cells, const size_t *lens,
                   unsigned n, struct request *req, struct brow *b, char *msg, size_t msgsz)
{
    const char *const *L = m->label;
    char why[580], v[80];
    memset(b, 0, sizeof *b);
    b->value = -1;
    if (row_check_cells(m, cells, lens, n, msg, msgsz) ||
        row_target_subject(m, cells, lens, n, 0, req, msg, msgsz))
        return -1;
    int dc = m->api == API_DATACENTER;
    if (req->target == TARGET_PROJECT && !dc) {
        row_show(v, sizeof v, req->target_name, req->target_len);
        return snprintf(msg, msgsz, "%s: Cloud has no project-level branch restrictions; write "
                        "'%s/*' in the %s cell for every repository of the project",
                        L[COL_PROJECT], v, L[COL_REPO]), -1;
    }

    const char *s;
    size_t len;
    row_cell(m, COL_BRANCH, cells, lens, n, &s, &len);
    if (!len)
        return snprintf(msg, msgsz, "%s: empty; a branch rule needs a branch, a pattern or "
                        "model:TYPE", L[COL_BRANCH]), -1;
    if (brule_branch_parse(m->api, s, len, &b->branch, why, sizeof why) != 0)
        return snprintf(msg, msgsz, "%s: %s", L[COL_BRANCH], why), -1;

    row_cell(m, COL_RULE, cells, lens, n, &s, &len);
    b->rule = brule_rule_parse(m->api, s, len, why, sizeof why);
    if (!b->rule)
        return snprintf(msg, msgsz, "%s: %s", L[COL_RULE], why), -1;

    b->has_subject = req->subject_len > 0;
    if (b->has_subject && !(b->rule->flags & BR_SUBJECTS)) {
        enum col_role c = req->subject == SUBJECT_GROUP ? COL_GROUP : COL_USER;
        return snprintf(msg, msgsz, "%s: the rule %s lists no users or groups (only push and "
                        "restrict_merges do); leave it empty", L[c], b->rule->name), -1;
    }
    row_cell(m, COL_PRIVILEGE, cells, lens, n, &s, &len);
    if (len && (ascii_ieq(s, len, "none") || ascii_ieq(s, len, "revoke")))
        b->remove = 1;
    else if (len) {
        row_show(v, sizeof v, s, len);
        return snprintf(msg, msgsz, "%s: '%s' is not a branch rule's: leave it empty to add, or "
                        "write none (or revoke) to remove", L[COL_PRIVILEGE], v), -1;
    }
    req->priv = b->remove ? PRIV_NONE : PRIV_READ;

    row_cell(m, COL_VALUE, cells, lens, n, &s, &len);
    if (len) {
        row_show(v, sizeof v, s, len);
        if (!(b->rule->flags & BR_VALUE))
            return snprintf(msg, msgsz, "%s: '%s': the rule %s takes no value", L[COL_VALUE], v,
                            b->rule->name), -1;
        if (b->remove)
            return snprintf(msg, msgsz, "%s: '%s': a row that removes sets no value; leave it "
                            "empty", L[COL_VALUE], v), -1;
        if (brule_value_parse(s, len, &b->value) != 0)
            return snprintf(msg, msgsz, "%s: '%s' is not a whole number from 0 to 1000000",
                            L[COL_VALUE], v), -1;
    }
    return 0;
}
