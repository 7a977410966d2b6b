#ifndef BBPERM_ROW_H
#define BBPERM_ROW_H

#include <stddef.h>
#include "config.h"

/* A CSV record turned into what it asks for: the header mapping, the
 * validation of one row, and the request it describes. Pure functions: no
 * I/O, no global state, so the unit tests call them directly. */

enum col_role {
    COL_WORKSPACE, COL_REPO, COL_PROJECT, COL_GROUP, COL_USER, COL_PRIVILEGE,
    COL_BRANCH, COL_RULE, COL_VALUE,    /* branch rules (brrow.c) */
    COL_STATUS, COL_HTTP_STATUS, COL_ATTEMPTS, COL_MESSAGE, COL_PREVIOUS,
    NCOL_ROLES
};
#define NRESULT_COLS 5          /* status, http_status, attempts, message, previous */

struct colmap {
    int col[NCOL_ROLES];        /* input column of each role, or -1 */
    const char *label[NCOL_ROLES]; /* name used in messages: the role, or the
                                    * column --map took it from (points into
                                    * the frozen config) */
    unsigned ninput;            /* cells in the input header */
    unsigned nout;              /* cells in each output row */
    unsigned result_at[NRESULT_COLS]; /* output column of status..previous */
    enum api_flavour api;       /* the rules of which API the rows follow */
    const char *default_ws;     /* --workspace, or NULL */
};

/* Build the mapping from the header cells. Returns 0, or -1 with a one-line
 * reason in err (a required column is missing, or a role is ambiguous).
 * A header with a rule column may hold branch rules: it needs neither the
 * group/user nor the privilege column (a permission row without them is
 * invalid, its message naming the column). */
int colmap_build(struct colmap *m, const char *const *cells, const size_t *lens,
                 unsigned n, const struct bb_config *cfg, char *err, size_t errsz);
/* --no-header: workspace,repo,group,privilege by position, n >= 4 cells. */
void colmap_positional(struct colmap *m, unsigned n, const struct bb_config *cfg);
/* Every role absent, labels the role names, flavour and --workspace from cfg
 * (which may be NULL: Cloud, no default). */
void colmap_reset(struct colmap *m, const struct bb_config *cfg);
/* Name of a role's column in the result header ("workspace", "status"...). */
const char *colmap_role_name(enum col_role r);

enum target_kind { TARGET_REPO, TARGET_PROJECT };
enum subject_kind { SUBJECT_GROUP, SUBJECT_USER };
enum privilege { PRIV_READ, PRIV_WRITE, PRIV_ADMIN, PRIV_CREATE_REPO, PRIV_NONE };

/* A record's cells as a job keeps them: cell i at data + off[i], lens[i]
 * bytes (NUL-terminated). A view: its owner keeps the bytes. */
struct row_cells {
    const char *data;
    const size_t *off, *lens;
    unsigned n;
};

/* What a valid row asks for. The strings point into the row's cells (trimmed
 * views, not NUL-terminated), or at the frozen config (--workspace): they
 * live as long as the record does. */
struct request {
    enum target_kind target;
    enum subject_kind subject;
    enum privilege priv;
    const char *workspace; size_t workspace_len;    /* Cloud; empty on Data Center */
    const char *project; size_t project_len;        /* the project cell, may be empty */
    const char *target_name; size_t target_len;     /* repository slug or project key */
    const char *subject_name; size_t subject_len;
    int subject_is_email;       /* Cloud user cell with '@': resolved to an account */
    int target_is_pattern;      /* repo cell with * ? [: expanded over the listing */
};

/* Parse a privilege cell (trimmed, any case): the portable names and Data
 * Center's own (REPO_WRITE, project_admin, repo_create). Returns 0 with the
 * privilege and the level it is tied to (-1: either level, else a
 * target_kind), or -1. */
int privilege_parse_level(const char *s, size_t len, enum privilege *out, int *level);
int privilege_parse(const char *s, size_t len, enum privilege *out);
/* The portable lowercase name: read, write, admin, create-repo, none. */
const char *privilege_name(enum privilege p);

/* 1 when a Cloud user cell (trimmed) names a user as Cloud takes one: a
 * {uuid} with its braces, an account id (557058:0f1e..., or 24 hex digits),
 * or an email. */
int row_cloud_user_ok(const char *s, size_t len);

/* NULL when a group or user name the server lists could be the subject cell
 * of a row of this flavour, else why not: the checks row_validate makes of
 * such a cell (UTF-8 without NUL, not '.' or '..', no control character, no
 * '/' where the name is a path segment (Cloud), 1024 bytes at most; a Cloud
 * user a {uuid} or an account id). A name that fails is never written into
 * a row that revokes. */
const char *row_subject_problem(enum api_flavour api, enum subject_kind kind, const char *s,
                                size_t len);

/* 1 when a repo cell is a shell-style pattern (holds *, ? or [). */
int repo_is_pattern(const char *s, size_t len);

/* Validate one record. Returns 0 and fills req, or -1 with a message that
 * names the column and the problem. */
int row_validate(const struct colmap *m, const char *const *cells,
                 const size_t *lens, unsigned n, struct request *req,
                 char *msg, size_t msgsz);

/* 1 when the record is a branch rule: its rule cell is not empty. */
int row_is_branch_rule(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n);

/* The checks every row of either kind passes first: each cell valid UTF-8,
 * as many cells as the header. Returns 0, or -1 with a message. */
int row_check_cells(const struct colmap *m, const char *const *cells, const size_t *lens,
                    unsigned n, char *msg, size_t msgsz);
/* The trimmed cell of a role; empty when the column is absent. */
void row_cell(const struct colmap *m, enum col_role r, const char *const *cells,
              const size_t *lens, unsigned n, const char **s, size_t *len);
/* A name cell that becomes a request's name: not '.' or '..', no control
 * character, no '/' when segment (a URL path segment), 1024 bytes at most.
 * Returns 0, or -1 with a message naming col. */
int row_check_name(const char *col, const char *s, size_t len, int segment, char *msg,
                   size_t msgsz);
/* Print at most 60 bytes of a value into a message, without line breaks. */
void row_show(char *dst, size_t dstsz, const char *s, size_t len);
/* The target and subject cells of a row into req (workspace, project,
 * target, subject; target_is_pattern, subject_is_email), checked as
 * row_validate checks them. need_subject: 0 lets both group and user be
 * empty (then req->subject_len is 0). Returns 0, or -1 with a message. */
int row_target_subject(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n, int need_subject, struct request *req, char *msg,
                       size_t msgsz);

/* Returns 1 when every cell is empty or only spaces (a blank line). */
int row_is_blank(const char *const *cells, const size_t *lens, unsigned n);

/* Returns NULL when s[0..len) is valid UTF-8 without NUL, else a reason. */
const char *utf8_problem(const char *s, size_t len);

#endif
