#ifndef BBPERM_EXPORT_H
#define BBPERM_EXPORT_H

#include "config.h"

/* bbperm export: the live explicit permissions as an input CSV. See the
 * DESIGN comment in export.c. Returns the exit code. */
int export_main(const struct bb_config *cfg);

#endif
