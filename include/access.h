#ifndef BBPERM_ACCESS_H
#define BBPERM_ACCESS_H

#include "config.h"

/* bbperm access: who can reach each repository of the scopes, at which
 * level, and why. See the DESIGN comment in access.c. Returns the exit
 * code. */
int access_main(const struct bb_config *cfg);

#endif
