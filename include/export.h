#ifndef BBPERM_EXPORT_H
#define BBPERM_EXPORT_H

#include "api.h"
#include "config.h"
#include "pager.h"
#include "util.h"
#include "walk.h"
#include "who.h"

/* bbperm export: the live explicit permissions as an input CSV. See the
 * DESIGN comment in export.c. Returns the exit code. */
int export_main(const struct bb_config *cfg);

/* What a kind's export reads, frozen while the pool runs. */
struct export_ctx {
    const struct api_ops *api;
    const char *base;           /* the API root */
    const struct who *who;      /* --user (a kind may not take it: cli_check) */
    char delim;                 /* the output's delimiter */
    int revoke;                 /* --revoke */
};

/* What export does with one kind of resource (kind.h's tables point to
 * one, as .export): which options ask for it, the header it writes, the
 * rows of one target, and whether projects hold it. export.c picks the
 * kind and calls the table; it never asks which kind it exports. */
struct kind_export {
    /* 1 when cfg asks for this kind (--branch-rules). NULL: the kind taken
     * when no other is asked for (permissions). */
    int (*chosen)(const struct bb_config *cfg);
    /* The header of the output, no EOL. */
    const char *(*header)(const struct api_ops *api);
    /* Worker: read target t through f (pages: list pages read, added to)
     * and append its rows to out. Returns the rows appended, or -1 with
     * err. */
    long (*rows)(const struct export_ctx *x, const struct pager_fetch *f,
                 const struct request *t, struct buf *out, unsigned *pages,
                 struct pager_error *err);
    /* 1 when the flavour has this kind on projects too, not only on
     * repositories */
    int (*on_projects)(const struct api_ops *api);
};

extern const struct kind_export export_permission;     /* export.c */
extern const struct kind_export export_branch;         /* branch.c */

/* Pure: append a target's rows as export writes them, from its permissions
 * in export's order: with who active, only those people's own grants (no
 * group rows); with revoke, every privilege 'none'. Names from the server
 * are neutralised (a leading = + - @ tab or CR gets a '). Returns the rows
 * appended. */
unsigned export_rows(struct buf *out, const struct api_ops *api, const struct request *t,
                     const struct walk_perms *perms, const struct who *who, char delim, int revoke);

#endif
