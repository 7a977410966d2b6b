#ifndef BBPERM_CSVIN_H
#define BBPERM_CSVIN_H

#include <stddef.h>

/* Streaming CSV input on libcsv. Reads the file descriptor in chunks and
 * hands each record to a callback, so memory depends on the longest record,
 * never on the number of records. A UTF-8 byte-order mark is skipped, so is
 * Excel's `sep=X` first line (it sets the delimiter unless one is given),
 * the delimiter is otherwise detected from the first line unless given, CRLF and LF both
 * end a record, cells are passed byte for byte (libcsv's trimming is off),
 * and empty lines are skipped. A record that cannot be read as it should
 * (a cell over CSVIN_CELL_MAX bytes, a quote out of place, an unterminated
 * quote at the end of the input) is still handed over, with `problem` set. */

#define CSVIN_CELL_MAX 65536
#define CSVIN_CELLS_MAX 4096

struct csvin_record {
    const char *const *cells;   /* NUL-terminated copies, valid during the callback */
    const size_t *lens;         /* byte lengths (a cell may hold a NUL byte) */
    unsigned n;
    unsigned long line;         /* line the record starts on, from 1 */
    const char *problem;        /* NULL, or why the record is malformed */
};

/* Return nonzero to stop reading. */
typedef int (*csvin_cb)(void *ctx, const struct csvin_record *rec);

struct csvin;

/* delim 0 means detect among , ; TAB | from the first line. */
struct csvin *csvin_open(int fd, char delim);
/* Read to the end. before_read (may be NULL) runs before every read(2) and
 * stops the run by returning nonzero. Returns 0 at end of input, 1 when a
 * callback asked to stop, -1 on a read error (errno is kept). */
int csvin_run(struct csvin *in, csvin_cb cb, void *ctx, int (*before_read)(void *ctx));
/* Bytes read from the descriptor so far. */
unsigned long long csvin_bytes_read(const struct csvin *in);
char csvin_delimiter(const struct csvin *in);
/* 1 when the input began with a UTF-8 byte-order mark (skipped). */
int csvin_bom(const struct csvin *in);
/* The delimiter named by an Excel `sep=X` first line (skipped, not a
 * record), or 0 when there was none. */
char csvin_sep(const struct csvin *in);
/* 1 when the first record ended in CRLF. */
int csvin_crlf(const struct csvin *in);
void csvin_close(struct csvin *in);

/* Pick the delimiter of a header line among , ; TAB |: the one that occurs
 * most often outside quotes (',' when none does). */
char csvin_detect_delimiter(const char *s, size_t len);

#endif
