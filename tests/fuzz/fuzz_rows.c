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
    struct colmap map[2];       /* Cloud, Data Center */
    struct buf out;
};

static size_t count(const struct buf *b, char ch)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->data[i] == ch;
    return n;
}

/* The write of a valid row: no value may add a path segment, a query
 * parameter or a fragment. */
static void check_write(struct ctx *c, enum api_flavour f, const struct request *req)
{
    const char *body;
    c->out.len = 0;
    buf_adds(&c->out, "");
    const char *method = api_ops_for(f)->write(&c->out, req, req->subject_name, req->subject_len, &body);
    if (strchr(c->out.data, '#'))
        __builtin_trap();
    if (f == API_CLOUD) {
        if (strchr(c->out.data, '?') || count(&c->out, '/') != (req->target == TARGET_REPO ? 6u : 7u))
            __builtin_trap();
        if ((body == NULL) != (req->priv == PRIV_NONE))
            __builtin_trap();
    } else {
        if (count(&c->out, '?') != 1 || body ||
            count(&c->out, '/') != (req->target == TARGET_REPO ? 6u : 4u) ||
            count(&c->out, '&') != (strcmp(method, "PUT") ? 0u : 1u) ||
            count(&c->out, '=') != (strcmp(method, "PUT") ? 1u : 2u))
            __builtin_trap();
    }
}

static int on_record(void *p, const struct csvin_record *rec)
{
    struct ctx *c = p;
    char err[256], msg[CSVOUT_MSG_MAX + 1];
    if (!c->have_header) {
        for (int f = 0; f < 2; f++) {
            struct bb_config cfg;
            memset(&cfg, 0, sizeof cfg);
            cfg.api = (enum api_flavour)f;
            if (colmap_build(&c->map[f], rec->cells, rec->lens, rec->n, &cfg, err, sizeof err) != 0)
                colmap_positional(&c->map[f], rec->n > 4 ? rec->n : 4, &cfg);
        }
        c->have_header = 1;
        return 0;
    }
    for (int f = 0; f < 2; f++) {
        struct request req;
        if (row_validate(&c->map[f], rec->cells, rec->lens, rec->n, &req, err, sizeof err) == 0) {
            if (!req.target_is_pattern)
                check_write(c, (enum api_flavour)f, &req);
            c->out.len = 0;
            api_key(&c->out, &req);
        } else {
            csvout_sanitize(err, msg);
            if (strlen(msg) > CSVOUT_MSG_MAX || strchr(msg, '\n'))
                __builtin_trap();
        }
    }
    c->out.len = 0;
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
