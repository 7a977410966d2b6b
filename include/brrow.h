#ifndef BBPERM_BRROW_H
#define BBPERM_BRROW_H

#include <stddef.h>
#include "brule.h"
#include "row.h"

/* A branch-rule row: what it asks of one restriction (target, branch,
 * rule), validated per flavour. Pure: no I/O, no global state.
 *
 * A row with a non-empty rule cell is a branch rule. Its target and
 * subject cells are read as a permission row's (row_target_subject), but
 * the subject may be absent; the privilege cell is empty (add) or none /
 * revoke (remove); the value cell an integer for the rules that take one. */

struct brow {
    struct brule_branch branch;
    const struct brule_rule *rule;  /* the flavour's table entry (static) */
    long value;                     /* -1: the row sets none */
    int remove;                     /* privilege none / revoke */
    int has_subject;                /* group or user given (req->subject) */
    char carried[200];              /* "" or what carrying the row from Data
                                     * Center dropped (carry.h): added to its
                                     * message; set by run.c after validation */
};

/* Validate a branch-rule record. Returns 0 and fills req (target, subject)
 * and b, or -1 with a message naming the column. A subject cell that an
 * export wrote as '=name (so a spreadsheet never runs it) is read as =name
 * (row_cell). */
int brrow_validate(const struct colmap *m, const char *const *cells, const size_t *lens,
                   unsigned n, struct request *req, struct brow *b, char *msg, size_t msgsz);

#endif
