#ifndef BBPERM_BRANCH_H
#define BBPERM_BRANCH_H

#include "api.h"
#include "brestr.h"
#include "pager.h"

/* The branch rules of one target: read from the server (both flavours,
 * through api_branch's tables and the flavour's paging) and written as the
 * rows an export holds. Any thread: nothing shared. */

struct brestr_set {
    struct brestr *v;           /* owned */
    size_t n, cap;
};
void brestr_set_clear(struct brestr_set *s);
void brestr_set_free(struct brestr_set *s);

/* Read every restriction of target t (a repository; on Data Center also a
 * project) into out, sorted by branch cell, then rule. An item that cannot
 * be read fails the read: a restriction bbperm cannot see whole is never
 * taken as absent. Returns 0, or -1 with err. */
int branch_read(const struct api_ops *api, const char *base, const struct pager_fetch *f,
                const struct request *t, struct brestr_set *out, unsigned *pages,
                struct pager_error *err);

/* The header of an export of branch rules, no EOL: Cloud
 * workspace,repo,project,branch,rule,group,user,privilege,value; Data
 * Center the same and email. */
const char *branch_export_header(const struct api_ops *api);

/* The rows of one target's restrictions (as branch_read sorted them): one
 * row per group, then per user, each by name; one row with no subject for
 * a restriction that lists no one; the value, where set, on each. Returns
 * the rows. */
unsigned branch_export_rows(struct buf *out, const struct api_ops *api, const struct request *t,
                            const struct brestr_set *s, char delim);

#endif
