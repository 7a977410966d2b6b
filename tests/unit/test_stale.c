/* Unit tests for stale.c: which rows of a result say what the live state
 * was (and what they leave), which files are a plan's result, and the
 * comparison of a checked row with what the rows before it leave. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rowjob.h"
#include "stale.h"

static const char *const header[] = {"workspace", "repo", "group", "privilege", "status",
                                     "message", "previous"};

static void map_of(struct colmap *m, struct bb_config *cfg)
{
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(header[i]);
    char err[256];
    memset(cfg, 0, sizeof *cfg);
    assert_int_equal(colmap_build(m, header, lens, 7, cfg, err, sizeof err), 0);
}

/* The kind of a row with these privilege, status and previous cells. */
static enum stale_row kind(const char *priv, const char *status, const char *prev,
                           enum privilege *saw, enum privilege *leaves)
{
    struct bb_config cfg;
    struct colmap m;
    map_of(&m, &cfg);
    const char *cells[7] = {"acme", "api", "devs", priv, status, "", prev};
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(cells[i]);
    struct request req;
    char why[540];
    assert_int_equal(row_validate(&m, cells, lens, 7, &req, why, sizeof why), 0);
    return stale_row_kind(&m, cells, lens, 7, &req, saw, leaves);
}

static void test_row_kinds(void **state)
{
    (void)state;
    enum privilege saw, leaves;
    assert_int_equal(kind("admin", "planned", "read", &saw, &leaves), STALE_PLANNED);
    assert_int_equal(saw, PRIV_READ);
    assert_int_equal(leaves, PRIV_ADMIN);
    /* a held row leaves what it saw, whatever its privilege cell says */
    assert_int_equal(kind("none", "held", "write", &saw, &leaves), STALE_PLANNED);
    assert_int_equal(leaves, PRIV_WRITE);
    assert_int_equal(kind("write", " ok ", "write", &saw, &leaves), STALE_SAW);
    assert_int_equal(kind("write", "ok", "read", &saw, &leaves), STALE_WROTE);
    assert_int_equal(kind("write", "planned", "", &saw, &leaves), STALE_BLIND);
    assert_int_equal(kind("write", "ok", "", &saw, &leaves), STALE_SKIP);
    assert_int_equal(kind("write", "failed", "read", &saw, &leaves), STALE_SKIP);
    assert_int_equal(kind("write", "planned", "bogus", &saw, &leaves), STALE_BLIND);
}

static int scan_text(const char *text)
{
    char path[] = "/tmp/test_staleXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    lseek(fd, 0, SEEK_SET);
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = stale_scan(fd, &cfg);
    close(fd);
    unlink(path);
    return rc;
}

static void test_scan(void **state)
{
    (void)state;
    const char *h = "workspace,repo,group,privilege,status,message,previous\n";
    char text[1024];
    /* a plan: a planned row */
    snprintf(text, sizeof text, "%sacme,api,devs,write,ok,unchanged,write\n"
                                "acme,web,devs,write,planned,grant write,none\n", h);
    assert_int_equal(scan_text(text), 1);
    /* a plan with an unchanged row edited by hand is still a plan */
    snprintf(text, sizeof text, "%sacme,api,devs,admin,ok,unchanged,write\n"
                                "acme,web,devs,write,planned,grant write,none\n", h);
    assert_int_equal(scan_text(text), 1);
    /* unchanged rows only (and the caller's kept one): a plan */
    snprintf(text, sizeof text, "%sacme,api,devs,write,ok,unchanged,write\n", h);
    assert_int_equal(scan_text(text), 1);
    /* an apply's result: a row that wrote */
    snprintf(text, sizeof text, "%sacme,api,devs,write,ok,unchanged,write\n"
                                "acme,web,devs,write,ok,,none\n", h);
    assert_int_equal(scan_text(text), 0);
    /* a blind apply's result, a --dry-run's, an input: no level seen */
    snprintf(text, sizeof text, "%sacme,api,devs,write,ok,,\nacme,web,devs,write,planned,PUT x,\n", h);
    assert_int_equal(scan_text(text), 0);
    assert_int_equal(scan_text("workspace,repo,group,privilege\nacme,api,devs,write\n"), 0);
    /* branch rules alone: planned with a previous cell, or ok and unchanged */
    const char *b = "workspace,repo,branch,rule,group,privilege,status,message,previous\n";
    snprintf(text, sizeof text, "%sacme,api,main,push,devs,,planned,add group devs,not listed\n", b);
    assert_int_equal(scan_text(text), 1);
    snprintf(text, sizeof text, "%sacme,api,main,push,devs,,ok,unchanged,listed\n", b);
    assert_int_equal(scan_text(text), 1);
    /* an apply's result of branch rules: a row that wrote */
    snprintf(text, sizeof text, "%sacme,api,main,push,devs,,ok,unchanged,listed\n"
                                "acme,api,main,push,ops,,ok,add group ops to push on main,not listed\n", b);
    assert_int_equal(scan_text(text), 0);
    snprintf(text, sizeof text, "%sacme,api,main,push,devs,,planned,POST x,\n", b);
    assert_int_equal(scan_text(text), 0);
}

/* A branch rule's row says its previous as text; ok rows wrote nothing
 * when their message says unchanged (a note may follow). */
static void test_text_rows(void **state)
{
    (void)state;
    struct bb_config cfg;
    struct colmap m;
    map_of(&m, &cfg);
    static const struct {
        const char *status, *message, *previous;
        enum stale_row want;
    } rows[] = {
        {"planned", "create push on main", "absent", STALE_PLANNED},
        {"held", "x", "listed value 2", STALE_PLANNED},
        {"ok", "unchanged", "listed", STALE_SAW},
        {"ok", "unchanged; bob@example.com is account 557058:bob", "listed", STALE_SAW},
        {"ok", "unchangedx", "listed", STALE_WROTE},
        {"ok", "add group devs to push on main", "not listed", STALE_WROTE},
        {"planned", "POST x", "", STALE_BLIND},
        {"ok", "unchanged", "", STALE_SKIP},
        {"failed", "x", "listed", STALE_SKIP},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *cells[7] = {"acme", "api", "devs", "", rows[i].status, rows[i].message,
                                rows[i].previous};
        size_t lens[7];
        for (int c = 0; c < 7; c++)
            lens[c] = strlen(cells[c]);
        struct stale_check chk;
        memset(&chk, 0, sizeof chk);
        assert_int_equal(stale_text_row(&m, cells, lens, 7, &chk), rows[i].want);
        if (rows[i].want == STALE_PLANNED || rows[i].want == STALE_SAW)
            assert_string_equal(chk.previous, rows[i].previous);
        assert_int_equal(chk.held, !strcmp(rows[i].status, "held"));
    }
}

static struct row_job *checked(struct row_job *j, enum privilege saw, enum privilege leaves,
                           enum privilege now, const char *other)
{
    memset(j, 0, sizeof *j);
    j->role = ROLE_CHECK;
    j->check.saw = saw;
    j->check.leaves = leaves;
    j->res.status = ROW_OK;
    j->res.prev = (int)now;
    snprintf(j->res.named[1], sizeof j->res.named[1], "%s", other);   /* named[0]: the subject */
    j->req.workspace = "acme";
    j->req.workspace_len = 4;
    j->req.target_name = "api";
    j->req.target_len = 3;
    j->req.subject_name = "devs";
    j->req.subject_len = 4;
    j->line = 2;
    return j;
}

static void done(struct stale *s, const struct row_job *j)
{
    stale_row_done(s, j->line, &j->req, &j->res, &j->check);
}

static void test_compare(void **state)
{
    (void)state;
    struct row_job j;
    FILE *devnull = fopen("/dev/null", "w");
    /* two rows of one permission: the second saw what the first leaves */
    struct stale *s = stale_new();
    done(s, checked(&j, PRIV_NONE, PRIV_WRITE, PRIV_NONE, ""));
    done(s, checked(&j, PRIV_WRITE, PRIV_ADMIN, PRIV_NONE, ""));
    assert_int_equal(stale_report(s, devnull, "plan.csv", NULL), 0);
    stale_free(s);
    /* a user under its other name: the rows before it, under the first */
    s = stale_new();
    done(s, checked(&j, PRIV_NONE, PRIV_WRITE, PRIV_NONE, ""));
    checked(&j, PRIV_WRITE, PRIV_ADMIN, PRIV_NONE, "devs");
    j.req.subject_name = "{0000}";
    j.req.subject_len = 6;
    done(s, &j);
    assert_int_equal(stale_report(s, devnull, "plan.csv", NULL), 0);
    stale_free(s);
    /* the live state moved */
    s = stale_new();
    done(s, checked(&j, PRIV_NONE, PRIV_WRITE, PRIV_READ, ""));
    struct buf note = {0};
    assert_int_equal(stale_report(s, devnull, "plan.csv", &note), 1);
    assert_non_null(strstr(note.data, "The plan is stale"));
    buf_free(&note);
    stale_free(s);
    /* a target that cannot be read: nothing is sent either */
    s = stale_new();
    checked(&j, PRIV_NONE, PRIV_WRITE, PRIV_NONE, "")->res.status = ROW_FAILED;
    done(s, &j);
    assert_int_equal(stale_report(s, devnull, "plan.csv", NULL), 1);
    stale_free(s);
    /* a text kind (a branch rule): the plan's previous against what the
     * worker found after the plan's earlier rows; the level is not read */
    s = stale_new();
    checked(&j, PRIV_NONE, PRIV_NONE, PRIV_NONE, "");
    j.res.prev = -1;
    snprintf(j.check.what, sizeof j.check.what, "push on main group devs");
    snprintf(j.check.previous, sizeof j.check.previous, "not listed");
    snprintf(j.res.previous, sizeof j.res.previous, "not listed");
    done(s, &j);
    assert_int_equal(stale_report(s, devnull, "plan.csv", NULL), 0);
    snprintf(j.res.previous, sizeof j.res.previous, "listed");
    done(s, &j);
    assert_int_equal(stale_report(s, devnull, "plan.csv", NULL), 1);
    stale_free(s);
    fclose(devnull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_kinds),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_text_rows),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
