#ifndef BBPERM_EXPORT_H
#define BBPERM_EXPORT_H

#include "api.h"
#include "config.h"
#include "walk.h"
#include "who.h"

/* bbperm export: the live explicit permissions as an input CSV. See the
 * DESIGN comment in export.c. Returns the exit code. */
int export_main(const struct bb_config *cfg);

/* Pure: append a target's rows as export writes them, from its permissions
 * in export's order: with who active, only those people's own grants (no
 * group rows); with revoke, every privilege 'none'. Names from the server
 * are neutralised (a leading = + - @ tab or CR gets a '). Returns the rows
 * appended. */
unsigned export_rows(struct buf *out, const struct api_ops *api, const struct request *t,
                     const struct walk_perms *perms, const struct who *who, char delim, int revoke);

#endif
