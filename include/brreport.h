#ifndef BBPERM_BRREPORT_H
#define BBPERM_BRREPORT_H

#include "markdown.h"

/* What the --markdown report shows of a branch-rule row (the branch-rule
 * kind's .report): its section "Branch rule changes", per target, one line
 * per row that changes a restriction (branch, rule, the change: create,
 * add or remove a group or user, set value, delete; the subject, the value
 * the row sets, what the row found), and the failures table's "rule" cell
 * ("push on main, none"). Pure: reads the row's view
 * (struct report_row) only. */
extern const struct markdown_kind brreport_markdown;

#endif
