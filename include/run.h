#ifndef BBPERM_RUN_H
#define BBPERM_RUN_H

/* The whole run: parse the command line, read the input as a stream, hand
 * rows to the pool, write results in input order. Returns the exit code. */
int bbperm_main(int argc, char **argv);

#endif
