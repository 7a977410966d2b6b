#ifndef BBPERM_BRESTR_H
#define BBPERM_BRESTR_H

#include <stddef.h>
#include "brule.h"
#include "util.h"

/* One branch restriction (target, branch, rule) as bbperm holds it: who it
 * lists and its value, what a row does to it, and the write that gets the
 * server from the live restriction to the wanted one. Pure: no I/O.
 *
 * A restriction lists users and groups: on Cloud who may (push, merge), on
 * Data Center who is exempt. A user has up to two names (Cloud: account id
 * and {uuid}; Data Center: the user slug and the name), either of which a
 * row may use; names compare as Bitbucket compares them, ignoring case.
 * Data Center's access keys are kept as they are: rows never name them. */

struct brestr_name {
    char *id;                   /* account id / user slug / group slug or name (owned) */
    char *alt;                  /* {uuid} / user name, or NULL (owned) */
    char *email;                /* Data Center: the user's emailAddress, or NULL (owned) */
};

struct brestr_names {
    struct brestr_name *v;      /* owned */
    size_t n, cap;
};

/* Set the email of the entry at i (a copy; NULL or "" clears it). */
void brestr_names_email(struct brestr_names *l, size_t i, const char *email);

struct brestr {
    long id;                    /* the server's id; 0 when not created */
    char rule[48];              /* as the flavour names it */
    struct brule_branch branch;
    long value;                 /* -1: none */
    struct brestr_names users, groups;
    long *keys;                 /* Data Center access key ids (owned) */
    size_t nkeys;
};

void brestr_init(struct brestr *r);
void brestr_free(struct brestr *r);
/* A deep copy; dst is freed first. */
void brestr_copy(struct brestr *dst, const struct brestr *src);

/* Add a name (alt may be NULL); a name already listed (by either name) is
 * not added twice, and learns alt when it had none. Returns its index. */
size_t brestr_names_add(struct brestr_names *l, const char *id, const char *alt);
/* The index of a name listed as id or alt, or -1. */
long brestr_names_find(const struct brestr_names *l, const char *name, size_t len);
/* Remove the entry at i. */
void brestr_names_del(struct brestr_names *l, size_t i);

/* What a row asks of one restriction. */
enum brestr_subject { BRS_NONE, BRS_USER, BRS_GROUP };
struct brestr_row {
    enum brestr_subject kind;
    const char *name;           /* the subject as the row names it (a view) */
    size_t len;
    const char *alt;            /* the subject's other name when known, or NULL */
    int remove;                 /* privilege none / revoke */
    long value;                 /* -1: the row sets none */
};

/* Apply a row to the wanted state. *exists says whether the restriction
 * exists (in and out). The row's findings, before it ran, go to previous as
 * the result's previous cell: "absent", "present" (no subject; with
 * " value N" when set), "listed" or "not listed" (with a subject; the same
 * value suffix). */
void brestr_row_apply(struct brestr *want, int *exists, const struct brestr_row *row,
                      struct buf *previous);

/* The write from live to wanted. */
enum brestr_op { BROP_NONE, BROP_CREATE, BROP_UPDATE, BROP_DELETE };
enum brestr_op brestr_diff(const struct brestr *live, int live_exists, const struct brestr *want,
                           int want_exists);
/* 1 when two restrictions list the same users, groups, keys and value. */
int brestr_same(const struct brestr *a, const struct brestr *b);

#endif
