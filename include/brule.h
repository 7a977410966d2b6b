#ifndef BBPERM_BRULE_H
#define BBPERM_BRULE_H

#include <stddef.h>
#include "config.h"
#include "util.h"

/* Branch rules as rows name them: the branch cell (which branches), the rule
 * cell (what is restricted), who a rule lists and its value, per API flavour,
 * and the carrying of a Data Center rule to Cloud. Pure functions: no I/O,
 * no global state.
 *
 * The branch cell:
 *   main                  a branch: Cloud glob "main"; Data Center BRANCH
 *                         refs/heads/main (a cell starting "refs/" is the ref)
 *   release-?, v?.x       a pattern (a cell with '*' or '?'): Cloud glob;
 *                         Data Center PATTERN
 *   pattern:NAME          a pattern without a wildcard (Cloud: the glob NAME)
 *   *                     Cloud glob "*"; Data Center ANY_REF
 *   model:production, model:development
 *                         Cloud branching_model; Data Center MODEL_BRANCH
 *   model:feature|bugfix|hotfix|release
 *                         Cloud branching_model; Data Center MODEL_CATEGORY */

enum brule_match {
    BM_BRANCH,          /* Data Center BRANCH (a ref); Cloud: a glob without wildcards */
    BM_PATTERN,         /* a glob (Cloud) or PATTERN (Data Center) */
    BM_ANY,             /* Data Center ANY_REF; Cloud writes it as the glob "*" */
    BM_MODEL_BRANCH,    /* production, development */
    BM_MODEL_CATEGORY   /* feature, bugfix, hotfix, release */
};

/* Which branches a rule covers. value is NUL-terminated: the glob, the full
 * ref (refs/heads/main), or the branching model's type in lowercase. */
#define BRULE_VALUE_MAX 256
struct brule_branch {
    enum brule_match match;
    char value[BRULE_VALUE_MAX];
};

/* Parse a trimmed branch cell for a flavour. Returns 0, or -1 with a message
 * (naming no column: the caller adds it). */
int brule_branch_parse(enum api_flavour f, const char *s, size_t len, struct brule_branch *out,
                       char *msg, size_t msgsz);
/* The cell an export writes for a branch, such that brule_branch_parse gives
 * the same branch back. Appends to out. */
void brule_branch_cell(enum api_flavour f, const struct brule_branch *b, struct buf *out);
/* Data Center's matcher type id ("BRANCH", "PATTERN", ...) and matcher id
 * ("refs/heads/main", "FEATURE", ...). */
const char *brule_dc_matcher_type(const struct brule_branch *b);
void brule_dc_matcher_id(const struct brule_branch *b, struct buf *out);
/* Read a Data Center matcher back (type id and id as the API lists them).
 * Returns 0, or -1 when the type is unknown or the id does not fit. */
int brule_dc_matcher_parse(const char *type, const char *id, struct brule_branch *out);
/* Cloud: 1 when a rule goes by the branching model (branch_match_kind
 * "branching_model", branch_type value); else it is the glob in value. */
int brule_cloud_is_model(const struct brule_branch *b);

/* The rules of each flavour: an index into the flavour's list of names. */
enum brule_flag {
    BR_SUBJECTS = 1,    /* takes users and groups (Cloud: who may; DC: exempt) */
    BR_VALUE = 2        /* takes an integer value */
};
struct brule_rule {
    const char *name;   /* as the API names it */
    unsigned flags;
};
/* The flavour's rules, n in *n. */
const struct brule_rule *brule_rules(enum api_flavour f, size_t *n);
/* The rule named by a trimmed cell (exact, lowercase as the API spells it;
 * any case accepted), or NULL with a message listing the flavour's rules. */
const struct brule_rule *brule_rule_parse(enum api_flavour f, const char *s, size_t len,
                                          char *msg, size_t msgsz);

/* The rule of that exact name, or NULL. */
const struct brule_rule *brule_rule_find(enum api_flavour f, const char *name);

/* Parse a value cell: a decimal integer 0..1000000. Returns 0 or -1. */
int brule_value_parse(const char *s, size_t len, long *out);

/* Carrying a Data Center rule to Cloud. A Data Center rule becomes up to two
 * Cloud rules (read-only: push and restrict_merges). */
struct brule_carry {
    const char *rule[2];        /* Cloud rule names; n of them */
    unsigned n;
    int keeps_subjects;         /* the exemptions become who may push / merge */
    const char *why_not;        /* NULL, or why the rule is not carried */
};
/* The Cloud rules for a Data Center rule name. Returns 0, or -1 for a rule
 * Data Center does not have. */
int brule_carry_rule(const char *dc_rule, struct brule_carry *out);
/* The Cloud branch for a Data Center branch: a BRANCH ref under refs/heads/
 * becomes the glob of its name, PATTERN the glob, ANY_REF "*", a model type
 * the same type. Returns 0, or -1 (message) for a ref Cloud cannot restrict
 * (a tag, refs/other/...). */
int brule_carry_branch(const struct brule_branch *dc, struct brule_branch *cloud, char *msg,
                       size_t msgsz);

#endif
