#ifndef BBPERM_CSVOUT_H
#define BBPERM_CSVOUT_H

#include <stddef.h>
#include "row.h"
#include "util.h"

/* Result CSV encoding: quoting of one cell and the rules for the message
 * column. Appends to a buffer; the caller decides when to write it out. */

/* Append one cell, quoted when it holds the delimiter, a quote, CR or LF,
 * or starts or ends with a space; quotes inside are doubled. */
void csvout_cell(struct buf *out, const char *s, size_t len, char delim);

/* 1 when a cell starting with c would be run as a formula by a spreadsheet
 * (OWASP CSV injection): =, +, -, @, tab or CR. */
int csvout_formula_start(unsigned char c);
/* Append a cell that holds text from the server: like csvout_cell, but each
 * control character (below 0x20, and 0x7f) is written as U+FFFD, so no cell
 * carries one raw (a terminal escape, a line break inside a name). */
void csvout_text_cell(struct buf *out, const char *s, size_t len, char delim);
/* Append a cell that holds a name (from the server, or of a permission):
 * csvout_text_cell, with a leading ' when it starts as a formula would. So
 * that the input reader can take it back off without a doubt, a name that
 * starts with ' followed by such a start ('=x, ''-y) gets one ' more too;
 * any other name is written as it is ('abc stays 'abc). */
void csvout_name_cell(struct buf *out, const char *s, size_t len, char delim);
/* The inverse, for the name columns of an input: a cell that is ' followed
 * by what csvout_name_cell guards loses that one '. A trimmed view in
 * place. */
void csvout_name_unguard(const char **s, size_t *len);

/* Make a message safe for one spreadsheet cell: line breaks and other
 * control characters become single spaces, the result is at most 500 bytes
 * (cut on a UTF-8 boundary, ending in "..."), and it starts with ' when it
 * would start as a formula (csvout_formula_start).
 * out must hold at least CSVOUT_MSG_MAX + 1 bytes. */
#define CSVOUT_MSG_MAX 500

/* The cells workspace,repo,project of a target, each followed by delim: a
 * repository's project cell is its project, if known; a project's key goes
 * in the project cell. */
void csvout_target(struct buf *out, const struct request *target, char delim);
/* The cells workspace,repo,project,group,user,privilege of one permission,
 * separated by delim, no line end: the input columns of undo files and
 * exports. A repository's project cell is its project, if known. The names
 * are written by csvout_name_cell (the input reader takes the ' off). */
void csvout_permission(struct buf *out, const struct request *target, enum subject_kind kind,
                       const char *subject, size_t len, enum privilege p, char delim);
void csvout_sanitize(const char *in, char *out);

#endif
