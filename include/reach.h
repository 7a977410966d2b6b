#ifndef BBPERM_REACH_H
#define BBPERM_REACH_H

#include <stddef.h>
#include "row.h"
#include "util.h"

/* The effective-level join of one repository: who reaches it, at which
 * level, and through which sources (the access review's `via`). Pure: the
 * caller hands over the grants, group membership and, on Cloud, the
 * levels Bitbucket reports. See the DESIGN comment in reach.c. */

/* The kinds of source, in the order `via` lists them. */
enum reach_src {
    REACH_GLOBAL,               /* workspace admin (owner); global ADMIN / SYS_ADMIN */
    REACH_REPO_USER,
    REACH_REPO_GROUP,
    REACH_PROJECT_USER,
    REACH_PROJECT_GROUP,
    REACH_PROJECT_DEFAULT       /* Data Center: every licensed user */
};

struct reach_grant {
    enum reach_src src;
    int group;                  /* id names a group: the grant reaches its members */
    const char *id;             /* user (account id, {uuid}, user name) or group */
    const char *alt;            /* Cloud user: the {uuid}, or NULL */
    const char *display, *email;        /* a user's, or NULL */
    enum privilege priv;        /* REACH_GLOBAL: PRIV_ADMIN */
    const char *label;          /* REACH_GLOBAL: "workspace admin", "global ADMIN", ... */
};

struct reach_member {
    const char *id, *alt, *display, *email;
};

/* The members of a group: 0 with them, -1 when membership is unknown. */
typedef int (*reach_members_fn)(void *ctx, const char *group, const struct reach_member **m,
                                size_t *n);

/* A level Bitbucket reports (Cloud's effective lists). */
struct reach_level {
    const char *id, *alt, *display;
    enum privilege priv;
};

struct reach_input {
    const struct reach_grant *grants;
    size_t ngrants;
    const struct reach_level *reported; /* Cloud: who reaches it, and how high */
    size_t nreported;
    int computed;               /* Data Center: the level is the highest source */
    reach_members_fn members;
    void *ctx;
};

struct reach_row {
    const char *id, *display, *email;   /* point into the input ("" when none) */
    enum privilege level;               /* PRIV_READ, PRIV_WRITE or PRIV_ADMIN */
    int unexplained;                    /* the level is higher than any source */
    struct buf via;                     /* "; "-separated, in the fixed order */
};

struct reach_out {
    struct reach_row *rows;             /* sorted by id */
    size_t n, cap;
    int unknown_groups;                 /* some group's members were unknown */
    /* Data Center: the highest rank a group of unknown members grants here
     * (0: none), and those groups as `via` text ("repository group G
     * write?; ..."): a user may reach this repository through them unseen */
    int unsure_rank;
    struct buf unsure_via;
};

/* A level's rank: none 0, read 1, write and create-repo 2, admin 3. */
int reach_rank(enum privilege p);
/* Join one repository; out is reset first. */
void reach_join(const struct reach_input *in, struct reach_out *out);
void reach_out_free(struct reach_out *o);
/* The order of rows: by id ignoring case, then byte for byte. */
int reach_cmp_id(const char *a, const char *b);

#endif
