#ifndef BBPERM_RUN_H
#define BBPERM_RUN_H

#include "config.h"

/* The apply and plan commands: read the input as a stream, hand rows to
 * the pool, write results in input order. See the DESIGN comment in
 * run.c. Returns the exit code. */
int run_main(const struct bb_config *cfg);

#endif
