/* libFuzzer target: the CSV reader, row validation, the URL and key
 * builders and the result encoding, on arbitrary bytes.
 *   make fuzz FUZZ_SECONDS=60 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api.h"
#include "csvin.h"
#include "csvout.h"
#include "row.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    int have_header;
    struct colmap map;
    struct buf out;
};

static int on_record(void *p, const struct csvin_record *rec)
{
    struct ctx *c = p;
    char err[256], msg[CSVOUT_MSG_MAX + 1];
    if (!c->have_header) {
        if (colmap_build(&c->map, rec->cells, rec->lens, rec->n, NULL, err, sizeof err) != 0)
            colmap_positional(&c->map, rec->n > 4 ? rec->n : 4);
        c->have_header = 1;
        return 0;
    }
    struct request req;
    c->out.len = 0;
    if (row_validate(&c->map, rec->cells, rec->lens, rec->n, &req, err, sizeof err) == 0) {
        api_path(&c->out, &req);
        /* no encoded path may hold a raw '/' beyond the template's, '?' or '#' */
        if (strchr(c->out.data, '?') || strchr(c->out.data, '#'))
            __builtin_trap();
        size_t slashes = 0;
        for (size_t i = 0; i < c->out.len; i++)
            slashes += c->out.data[i] == '/';
        if (slashes != (req.target == TARGET_REPO ? 6u : 7u))
            __builtin_trap();
        c->out.len = 0;
        api_key(&c->out, &req);
        (void)api_method(&req);
        (void)api_body(&req);
    } else {
        csvout_sanitize(err, msg);
        if (strlen(msg) > CSVOUT_MSG_MAX || strchr(msg, '\n'))
            __builtin_trap();
    }
    for (unsigned i = 0; i < rec->n; i++)
        csvout_cell(&c->out, rec->cells[i], rec->lens[i], ',');
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        api_init();
        ready = 1;
    }
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    struct ctx c;
    memset(&c, 0, sizeof c);
    struct csvin *in = csvin_open(fd, 0);
    if (in) {
        csvin_run(in, on_record, &c, NULL);
        csvin_close(in);
    }
    buf_free(&c.out);
    close(fd);
    return 0;
}
