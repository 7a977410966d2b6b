#ifndef BBPERM_RESUME_H
#define BBPERM_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "row.h"
#include "util.h"

/* --resume and --resume-from: which rows an earlier run already did. */

/* 1 when a status cell of an earlier result says 'ok' (spaces around it
 * allowed). */
int resume_status_is_ok(const char *s, size_t len);

/* --resume-from PREV: the rows of PREV, matched by what they ask for, not
 * by their position. See the DESIGN comment in resume.c. */
struct resume {
    struct hmap tab;            /* row key -> struct resume_count (resume.c) */
    unsigned long rows;         /* valid rows of PREV */
};

/* Read PREV. Returns 0, or -1 after one line on stderr. */
int resume_load(struct resume *r, const char *path, const struct bb_config *cfg);
/* Refuse a PREV that matches none of the rows of the input at path (read
 * once more, sending nothing), when PREV has rows: it is the result of
 * another input. Returns 0, or -1 after one line on stderr. */
int resume_check_input(const struct resume *r, const char *path, const struct bb_config *cfg);
/* 1 when PREV has an 'ok' row asking for what the record (read with m)
 * asks, matched by the key of its kind (kind.h); that row is then used up,
 * so each ok row of PREV stands for one row of the input. */
int resume_done(struct resume *r, const struct colmap *m, const char *const *cells,
                const size_t *lens, unsigned n);
void resume_free(struct resume *r);

#endif
