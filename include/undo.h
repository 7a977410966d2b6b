#ifndef BBPERM_UNDO_H
#define BBPERM_UNDO_H

#include <stdio.h>
#include "api.h"
#include "row.h"
#include "util.h"

/* --undo-file: an input CSV that puts back every permission a run changes.
 * See the DESIGN comment in undo.c. */

#define UNDO_HEADER "workspace,repo,project,group,user,privilege"
/* The header when the input may hold branch rules: permission rows get the
 * last three cells empty. */
#define UNDO_HEADER_BRANCH UNDO_HEADER ",branch,rule,value"

struct undo;

/* Create path (it must not exist, or be empty). NULL after one line on
 * err. The header is written by undo_start, or at close when no row came. */
struct undo *undo_open(const char *path, FILE *err);
/* Write the header, before any row: with the branch-rule columns when the
 * input may hold branch rules. Returns 0, or -1 with errno. u may be NULL. */
int undo_start(struct undo *u, int branch_rules);
/* Write lines (whole lines, each ending in a line feed) as they are, with
 * one write(2), before the write they undo is sent. Not folded: the caller
 * decides what is recorded once. Returns 0, or -1 with errno. */
int undo_append(struct undo *u, const char *lines, size_t len);
/* Close, dropping the rows of permissions whose writes were all refused
 * (undo_outcome); returns -1 when the file could not be written completely. */
int undo_close(struct undo *u);

/* Record, before the write is sent, the value a permission has before the
 * run's first change of it. A permission already recorded by this run is
 * not recorded again, under either of its names. subject: the name the
 * write uses; alt: NULL, or the subject's other name (a Cloud user's {uuid}
 * or account id, when known). Returns 0, or -1 with errno when the line
 * could not be written (then the write must not be sent). */
int undo_record(struct undo *u, const struct request *req, const char *subject, size_t len,
                const char *alt, enum privilege before);

/* After a write recorded by undo_record: accepted (2xx), or refused by an
 * answer of the server (4xx: nothing changed, its row is dropped at close
 * unless another write of the permission is accepted). Not called when the
 * outcome is unknown (no answer, cancelled in flight): the row stays. */
void undo_outcome(struct undo *u, const struct request *req, const char *subject, size_t len,
                  const char *alt, int accepted);

/* Pure: the undo row for a permission, with a line feed. */
void undo_format(struct buf *out, const struct request *req, const char *subject, size_t len,
                 enum privilege before);

#endif
