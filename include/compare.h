#ifndef BBPERM_COMPARE_H
#define BBPERM_COMPARE_H

#include <stddef.h>
#include <stdio.h>

/* access --compare PREVIOUS.csv: the earlier review's rows, held sorted by
 * repository then user, so each repository's rows are found by a binary
 * search and merged with the new ones. Loaded on the main thread before
 * the pool starts, then read-only. */

struct compare_row {
    char *ws, *repo, *project, *user, *name, *email;
    int rank;                   /* 1 read, 2 write, 3 admin */
};

struct compare {
    struct compare_row *rows;
    size_t n;
    int by_project;             /* Data Center: a repository is project, slug */
};

/* Keep a row? (scope and --user) */
typedef int (*compare_keep_fn)(void *ctx, const struct compare_row *r);

/* Read PREVIOUS (an access CSV: the header names the columns). Rows whose
 * permission is none are no access and are dropped, so are rows keep
 * refuses. Returns 0, or -1 after one line on err. */
int compare_load(struct compare *c, const char *path, int by_project, compare_keep_fn keep,
                 void *ctx, FILE *err);
void compare_free(struct compare *c);

/* The order of repositories: workspace (or project), then slug, ignoring
 * case, then byte for byte. */
int compare_repo_cmp(const struct compare *c, const char *ws, const char *project,
                     const char *repo, const struct compare_row *r);
/* The rows of one repository: the index of the first and how many. */
size_t compare_find(const struct compare *c, const char *ws, const char *project,
                    const char *repo, size_t *n);
/* "added", "removed", "raised", "lowered" or "" from two ranks (0: none). */
const char *compare_change(int before, int now);

#endif
