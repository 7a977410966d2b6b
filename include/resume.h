#ifndef BBPERM_RESUME_H
#define BBPERM_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* --resume and --resume-from: which rows an earlier run already did. */

/* 1 when a status cell of an earlier result says 'ok' (spaces around it
 * allowed). */
int resume_status_is_ok(const char *s, size_t len);

/* --resume-from PREV: the data rows PREV shows 'ok', as sorted ranges
 * [from, to); runs of ok rows keep this tiny. */
struct resume {
    uint64_t (*done)[2];        /* owned */
    size_t n, cap, at;
};

/* Read PREV. Returns 0, or -1 after one line on stderr. */
int resume_load(struct resume *r, const char *path, const struct bb_config *cfg);
/* 1 when data row seq was ok in PREV. Asked in increasing order. */
int resume_done(struct resume *r, uint64_t seq);
void resume_free(struct resume *r);

#endif
