/* Unit tests for result.c: the result CSV's header and rows, with the five
 * result columns (status, http_status, attempts, message, previous). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "result.h"
#include "row.h"
#include "util.h"

#define MAXC 16

struct fixture {
    struct colmap map;
    struct result w;
    char *text;
    size_t len;
};

/* Split a comma-separated list (no quoting) into cells. */
static unsigned split(const char *s, char store[MAXC][64], const char *cells[MAXC], size_t lens[MAXC])
{
    unsigned n = 0;
    for (;;) {
        const char *c = strchr(s, ',');
        size_t l = c ? (size_t)(c - s) : strlen(s);
        assert_true(n < MAXC && l < 64);
        memcpy(store[n], s, l);
        store[n][l] = '\0';
        cells[n] = store[n];
        lens[n] = l;
        n++;
        if (!c)
            break;
        s = c + 1;
    }
    return n;
}

static void open_fixture(struct fixture *fx, const char *hdr)
{
    memset(fx, 0, sizeof *fx);
    char store[MAXC][64];
    const char *cells[MAXC];
    size_t lens[MAXC];
    unsigned n = split(hdr, store, cells, lens);
    char err[256];
    assert_int_equal(colmap_build(&fx->map, cells, lens, n, NULL, err, sizeof err), 0);
    fx->w.out = open_memstream(&fx->text, &fx->len);
    assert_non_null(fx->w.out);
    fx->w.name = "memory";
    fx->w.map = &fx->map;
    fx->w.delim = ',';
    fx->w.eol = "\n";
    result_header(&fx->w, cells, lens, n);
}

static const char *close_fixture(struct fixture *fx)
{
    fflush(fx->w.out);
    fclose(fx->w.out);
    fx->w.out = NULL;
    buf_free(&fx->w.line);
    return fx->text;
}

static void make_job(struct job *j, const char *row)
{
    memset(j, 0, sizeof *j);
    char store[MAXC][64];
    const char *cells[MAXC];
    size_t lens[MAXC];
    unsigned n = split(row, store, cells, lens);
    j->off = calloc(n, sizeof *j->off);
    j->lens = calloc(n, sizeof *j->lens);
    for (unsigned i = 0; i < n; i++) {
        j->off[i] = j->data.len;
        j->lens[i] = lens[i];
        buf_add(&j->data, cells[i], lens[i]);
        buf_addc(&j->data, '\0');
    }
    j->n = j->cap = n;
    j->prev = -1;
}

static void free_job(struct job *j)
{
    buf_free(&j->data);
    free(j->off);
    free(j->lens);
}

static void test_result_columns_appended(void **state)
{
    (void)state;
    struct fixture fx;
    open_fixture(&fx, "workspace,repo,group,privilege,ticket");
    struct job j;
    make_job(&j, "acme,web,devs,write,OPS-1");
    j.status = ROW_OK;
    j.http_status = 200;
    j.attempts = 1;
    j.prev = PRIV_READ;
    result_row(&fx.w, &j);
    j.status = ROW_PLANNED;
    j.http_status = 0;
    j.attempts = 0;
    j.prev = PRIV_NONE;
    snprintf(j.msg, sizeof j.msg, "grant write");
    result_row(&fx.w, &j);
    j.status = ROW_FAILED;
    j.http_status = 404;
    j.attempts = 2;
    j.prev = -1;                /* the live state was not read */
    snprintf(j.msg, sizeof j.msg, "=Not found,\nreally");
    result_row(&fx.w, &j);
    free_job(&j);
    assert_string_equal(close_fixture(&fx),
                        "workspace,repo,group,privilege,ticket,status,http_status,attempts,message,previous\n"
                        "acme,web,devs,write,OPS-1,ok,200,1,,read\n"
                        "acme,web,devs,write,OPS-1,planned,,0,grant write,none\n"
                        "acme,web,devs,write,OPS-1,failed,404,2,\"'=Not found, really\",\n");
    free(fx.text);
}

static void test_result_columns_in_place(void **state)
{
    (void)state;
    /* a result fed back in: its result columns are filled where they are */
    struct fixture fx;
    open_fixture(&fx, "previous,workspace,repo,group,privilege,status,http_status,attempts,message");
    struct job j;
    make_job(&j, "admin,acme,web,devs,write,failed,500,6,gave up");
    j.status = ROW_OK;
    j.http_status = 204;
    j.attempts = 1;
    j.prev = PRIV_CREATE_REPO;
    result_row(&fx.w, &j);
    /* a kept row (--resume) is copied as it was */
    j.status = ROW_KEPT;
    result_row(&fx.w, &j);
    free_job(&j);
    assert_string_equal(close_fixture(&fx),
                        "previous,workspace,repo,group,privilege,status,http_status,attempts,message\n"
                        "create-repo,acme,web,devs,write,ok,204,1,\n"
                        "admin,acme,web,devs,write,failed,500,6,gave up\n");
    free(fx.text);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(result_status_name(ROW_OK), "ok");
    assert_string_equal(result_status_name(ROW_KEPT), "ok");
    assert_string_equal(result_status_name(ROW_DONE_BEFORE), "ok");
    assert_string_equal(result_status_name(ROW_FAILED), "failed");
    assert_string_equal(result_status_name(ROW_INVALID), "invalid");
    assert_string_equal(result_status_name(ROW_PLANNED), "planned");
    assert_string_equal(result_status_name(ROW_CANCELLED), "cancelled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_columns_appended),
        cmocka_unit_test(test_result_columns_in_place),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
