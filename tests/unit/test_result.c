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
#include "rowjob.h"
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

/* A comma-separated list (no quoting) split into cells. */
struct cells {
    char store[MAXC][64];
    const char *cell[MAXC];
    size_t len[MAXC];
    unsigned n;
};

static void split(struct cells *c, const char *s)
{
    c->n = 0;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t l = comma ? (size_t)(comma - s) : strlen(s);
        assert_true(c->n < MAXC && l < 64);
        memcpy(c->store[c->n], s, l);
        c->store[c->n][l] = '\0';
        c->cell[c->n] = c->store[c->n];
        c->len[c->n] = l;
        c->n++;
        if (!comma)
            break;
        s = comma + 1;
    }
}

static void open_fixture(struct fixture *fx, const char *hdr)
{
    memset(fx, 0, sizeof *fx);
    struct cells h;
    split(&h, hdr);
    char err[256];
    assert_int_equal(colmap_build(&fx->map, h.cell, h.len, h.n, NULL, err, sizeof err), 0);
    fx->w.out = open_memstream(&fx->text, &fx->len);
    assert_non_null(fx->w.out);
    fx->w.name = "memory";
    fx->w.map = &fx->map;
    fx->w.delim = ',';
    fx->w.eol = "\n";
    result_header(&fx->w, h.cell, h.len, h.n);
}

static const char *close_fixture(struct fixture *fx)
{
    fflush(fx->w.out);
    fclose(fx->w.out);
    fx->w.out = NULL;
    buf_free(&fx->w.line);
    return fx->text;
}

static void make_job(struct row_job *j, const char *row)
{
    memset(j, 0, sizeof *j);
    struct cells c;
    split(&c, row);
    j->off = calloc(c.n, sizeof *j->off);
    j->lens = calloc(c.n, sizeof *j->lens);
    for (unsigned i = 0; i < c.n; i++) {
        j->off[i] = j->data.len;
        j->lens[i] = c.len[i];
        buf_add(&j->data, c.cell[i], c.len[i]);
        buf_addc(&j->data, '\0');
    }
    j->n = j->cap = c.n;
    j->res.prev = -1;
}

/* Writes the job's row with an outcome: status, HTTP status, attempts, the
 * permission before it (-1: not read) and its message (NULL: left as it is). */
static void write_row(struct fixture *fx, struct row_job *j, enum row_status status, long http,
                      unsigned attempts, int prev, const char *msg)
{
    j->res.status = status;
    j->res.http_status = http;
    j->res.attempts = attempts;
    j->res.prev = prev;
    if (msg)
        snprintf(j->res.msg, sizeof j->res.msg, "%s", msg);
    struct row_cells c = row_job_cells(j);
    result_row(&fx->w, &c, &j->res);
}

static void free_job(struct row_job *j)
{
    buf_free(&j->data);
    free(j->off);
    free(j->lens);
}

/* A result holds the cells as the run read them: the column named as a role
 * that --map took from elsewhere gets that cell, an empty workspace cell
 * gets --workspace; so it is fed back without those options. */
static void test_result_cells_as_read(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.api = API_CLOUD;
    cfg.workspace = "acme";
    cfg.nmap = 2;
    cfg.map_name[0] = "user";
    cfg.map_column[0] = "email";
    cfg.map_name[1] = "group";
    cfg.map_column[1] = "cloud_group";
    struct fixture fx;
    memset(&fx, 0, sizeof fx);
    struct cells h;
    split(&h, "workspace,repo,group,user,privilege,email,cloud_group");
    char err[256];
    assert_int_equal(colmap_build(&fx.map, h.cell, h.len, h.n, &cfg, err, sizeof err), 0);
    fx.w.out = open_memstream(&fx.text, &fx.len);
    fx.w.name = "memory";
    fx.w.map = &fx.map;
    fx.w.delim = ',';
    fx.w.eol = "\n";
    fx.w.ws_col[0] = fx.w.ws_col[1] = -1;
    result_header(&fx.w, h.cell, h.len, h.n);
    result_fill_roles(&fx.w, h.cell, h.len, h.n, &cfg);
    struct row_job j;
    make_job(&j, ",api,qa+ops,jdoe,write,j@x.com,qa-ops");
    write_row(&fx, &j, ROW_PLANNED, 0, 0, PRIV_NONE, "grant write");
    free_job(&j);
    make_job(&j, "globex,web,devs,,read,,devs");
    write_row(&fx, &j, ROW_OK, 200, 1, PRIV_NONE, NULL);
    free_job(&j);
    free(fx.w.from);
    assert_string_equal(close_fixture(&fx),
                        "workspace,repo,group,user,privilege,email,cloud_group,status,http_status,attempts,message,previous\n"
                        "acme,api,qa-ops,j@x.com,write,j@x.com,qa-ops,planned,,0,grant write,none\n"
                        "globex,web,devs,,read,,devs,ok,200,1,,none\n");
    free(fx.text);
}

static void test_result_columns_appended(void **state)
{
    (void)state;
    struct fixture fx;
    open_fixture(&fx, "workspace,repo,group,privilege,ticket");
    struct row_job j;
    make_job(&j, "acme,web,devs,write,OPS-1");
    write_row(&fx, &j, ROW_OK, 200, 1, PRIV_READ, NULL);
    write_row(&fx, &j, ROW_PLANNED, 0, 0, PRIV_NONE, "grant write");
    /* -1: the live state was not read */
    write_row(&fx, &j, ROW_FAILED, 404, 2, -1, "=Not found,\nreally");
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
    struct row_job j;
    make_job(&j, "admin,acme,web,devs,write,failed,500,6,gave up");
    write_row(&fx, &j, ROW_OK, 204, 1, PRIV_CREATE_REPO, NULL);
    /* a kept row (--resume) is copied as it was */
    j.res.status = ROW_KEPT;
    struct row_cells c = row_job_cells(&j);
    result_row(&fx.w, &c, &j.res);
    free_job(&j);
    assert_string_equal(close_fixture(&fx),
                        "previous,workspace,repo,group,privilege,status,http_status,attempts,message\n"
                        "create-repo,acme,web,devs,write,ok,204,1,\n"
                        "admin,acme,web,devs,write,failed,500,6,gave up\n");
    free(fx.text);
}

static void test_result_extra_cells_kept(void **state)
{
    (void)state;
    /* a row with more cells than the header: the extra cells come after
     * the result columns, none dropped */
    struct fixture fx;
    open_fixture(&fx, "workspace,repo,group,privilege");
    struct row_job j;
    make_job(&j, "acme,web,devs,write,extra1,extra2");
    write_row(&fx, &j, ROW_OK, 200, 1, PRIV_READ, NULL);
    free_job(&j);
    make_job(&j, "acme,web,devs,write");
    write_row(&fx, &j, ROW_OK, 200, 1, -1, NULL);
    free_job(&j);
    assert_string_equal(close_fixture(&fx),
                        "workspace,repo,group,privilege,status,http_status,attempts,message,previous\n"
                        "acme,web,devs,write,ok,200,1,,read,extra1,extra2\n"
                        "acme,web,devs,write,ok,200,1,,\n");
    free(fx.text);
}

static void test_status_names(void **state)
{
    (void)state;
    static const struct {
        enum row_status status;
        const char *name;
    } cases[] = {
        {ROW_OK, "ok"}, {ROW_KEPT, "ok"}, {ROW_DONE_BEFORE, "ok"}, {ROW_FAILED, "failed"},
        {ROW_INVALID, "invalid"}, {ROW_PLANNED, "planned"}, {ROW_CANCELLED, "cancelled"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_string_equal(result_status_name(cases[i].status), cases[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_columns_appended),
        cmocka_unit_test(test_result_cells_as_read),
        cmocka_unit_test(test_result_columns_in_place),
        cmocka_unit_test(test_result_extra_cells_kept),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
