#ifndef BBPERM_BRAPPLY_H
#define BBPERM_BRAPPLY_H

#include "apply.h"
#include "brcache.h"

/* The branch-rule kind: kind_branch (kind.h), what apply and plan do with
 * a row that has a rule cell. See the DESIGN comment in brapply.c. */

/* The run's cache of branch restrictions (NULL before the workers start). */
struct brcache *brapply_cache(const struct apply_shared *sh);

#endif
