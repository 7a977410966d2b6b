/* Unit tests for row.c: header mapping, row validation, privileges, UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "row.h"
#include "helpers.h"

/* ---- helpers ------------------------------------------------------------ */



static int header(struct colmap *m, const char *hdr, const struct bb_config *cfg,
                  char *err, size_t errsz)
{
    struct cellv v;
    split(&v, hdr);
    err[0] = '\0';
    return colmap_build(m, v.cells, v.lens, v.n, cfg, err, errsz);
}

/* A view (pointer + length) equals a C string. */
static void assert_view(const char *s, size_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
}

/* Six role columns plus a pass-through column "note" at the end. */
#define FULL_HEADER "workspace,repo,project,group,user,privilege,note"

/* The request's views point into the cells: keep them past validate(). */
static struct cellv row_cells;

static int validate(const char *row, struct request *req, char *msg, size_t msgsz)
{
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, FULL_HEADER, NULL, err, sizeof err), 0);
    struct cellv *v = &row_cells;
    split(v, row);
    msg[0] = '\0';
    memset(req, 0, sizeof *req);
    return row_validate(&m, v->cells, v->lens, v->n, req, msg, msgsz);
}

static void assert_invalid(const char *row, const char *needle1, const char *needle2)
{
    struct request req;
    char msg[256];
    assert_int_equal(validate(row, &req, msg, sizeof msg), -1);
    if (needle1 && !strstr(msg, needle1))
        fail_msg("message '%s' does not mention '%s'", msg, needle1);
    if (needle2 && !strstr(msg, needle2))
        fail_msg("message '%s' does not mention '%s'", msg, needle2);
}

/* ---- colmap_build ------------------------------------------------------- */

static void test_header_canonical_names(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "workspace,repo,group,privilege", NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_WORKSPACE], 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_PROJECT], -1);
    assert_int_equal(m.col[COL_GROUP], 2);
    assert_int_equal(m.col[COL_USER], -1);
    assert_int_equal(m.col[COL_PRIVILEGE], 3);
    assert_int_equal(m.col[COL_STATUS], -1);
    assert_int_equal(m.col[COL_MESSAGE], -1);
    assert_int_equal(m.col[COL_PREVIOUS], -1);
    assert_int_equal(NRESULT_COLS, 5);
    assert_int_equal(m.ninput, 4);
    assert_int_equal(m.nout, 9);
    for (unsigned k = 0; k < NRESULT_COLS; k++)
        assert_int_equal(m.result_at[k], 4 + k);
}

static void test_header_aliases_case_insensitive_trimmed(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, " WorkSpace ,Repository,Group_Slug,Permission", NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_WORKSPACE], 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_GROUP], 2);
    assert_int_equal(m.col[COL_PRIVILEGE], 3);
}

static void test_header_alias_repo_slug_user_id(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "workspace, REPO_SLUG ,user_id,PRIVILEGE", NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_USER], 2);
    assert_int_equal(m.col[COL_GROUP], -1);
}

static void test_header_alias_project_key_account_id(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "Workspace,project_key,account_id,permission", NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_PROJECT], 1);
    assert_int_equal(m.col[COL_REPO], -1);
    assert_int_equal(m.col[COL_USER], 2);
    assert_int_equal(m.col[COL_PRIVILEGE], 3);
}

static void test_header_repo_and_project_columns_may_coexist(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, FULL_HEADER, NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_PROJECT], 2);
    assert_int_equal(m.col[COL_GROUP], 3);
    assert_int_equal(m.col[COL_USER], 4);
    assert_int_equal(m.col[COL_PRIVILEGE], 5);
}

static void assert_header_error(const char *hdr, const struct bb_config *cfg, const char *needle)
{
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, hdr, cfg, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_header_every_missing_column_at_once(void **state)
{
    (void)state;
    struct colmap m;
    char err[1024];
    assert_int_equal(header(&m, "Space, repo ,Team", NULL, err, sizeof err), -1);
    assert_string_equal(err, "header: missing columns 'workspace' (or give --workspace); "
                             "'group' (or 'group_slug') or 'user' (or 'user_id', 'account_id'); "
                             "'privilege' (or 'permission'). The header has 'Space', "
                             "'repo', 'Team'. Name a column with --map, e.g. "
                             "--map workspace=COLUMN");
    /* one missing: singular, and a short buffer is cut visibly */
    assert_int_equal(header(&m, "workspace,repo,group", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing column 'privilege'"));
    assert_non_null(strstr(err, "--map privilege=COLUMN"));
    char small[40];
    assert_int_equal(header(&m, "workspace,repo,group", NULL, small, sizeof small), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_string_equal(small + sizeof small - 4, "...");
}

static void test_header_missing_workspace(void **state)
{
    (void)state;
    assert_header_error("repo,group,privilege", NULL, "'workspace'");
}

static void test_header_missing_target(void **state)
{
    (void)state;
    assert_header_error("workspace,group,privilege", NULL, "'repo'");
    assert_header_error("workspace,group,privilege", NULL, "'project'");
}

static void test_header_missing_subject(void **state)
{
    (void)state;
    assert_header_error("workspace,repo,privilege", NULL, "'group'");
    assert_header_error("workspace,repo,privilege", NULL, "'user'");
}

static void test_header_missing_privilege(void **state)
{
    (void)state;
    assert_header_error("workspace,repo,group", NULL, "'privilege'");
}

static void test_header_two_columns_for_one_role(void **state)
{
    (void)state;
    assert_header_error("workspace,repo,Repository,group,privilege", NULL, "'repo'");
    assert_header_error("workspace,repo,group,permission,privilege", NULL, "'privilege'");
    assert_header_error("workspace,repo,group,privilege,status,Status", NULL, "'status'");
}

static void test_header_pass_through_columns(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "id,workspace,note,repo,group,privilege,owner", NULL, err, sizeof err), 0);
    assert_int_equal(m.col[COL_WORKSPACE], 1);
    assert_int_equal(m.col[COL_REPO], 3);
    assert_int_equal(m.col[COL_GROUP], 4);
    assert_int_equal(m.col[COL_PRIVILEGE], 5);
    assert_int_equal(m.ninput, 7);
    assert_int_equal(m.nout, 12);
    assert_int_equal(m.result_at[0], 7);
    assert_int_equal(m.result_at[1], 8);
    assert_int_equal(m.result_at[2], 9);
    assert_int_equal(m.result_at[3], 10);
    assert_int_equal(m.result_at[4], 11);
}

static void test_header_result_columns_reused_in_place(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "workspace,repo,group,privilege,status,http_status,attempts,message,previous",
                            NULL, err, sizeof err), 0);
    assert_int_equal(m.ninput, 9);
    assert_int_equal(m.nout, 9);
    assert_int_equal(m.col[COL_PREVIOUS], 8);
    assert_int_equal(m.result_at[0], 4);
    assert_int_equal(m.result_at[1], 5);
    assert_int_equal(m.result_at[2], 6);
    assert_int_equal(m.result_at[3], 7);
    assert_int_equal(m.result_at[4], 8);
    /* a result of the earlier four-column format: previous is appended */
    assert_int_equal(header(&m, "workspace,repo,group,privilege,status,http_status,attempts,message",
                            NULL, err, sizeof err), 0);
    assert_int_equal(m.ninput, 8);
    assert_int_equal(m.nout, 9);
    assert_int_equal(m.result_at[0], 4);
    assert_int_equal(m.result_at[3], 7);
    assert_int_equal(m.result_at[4], 8);
}

static void test_header_some_result_columns_present(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    /* message first, status later; http_status, attempts and previous are appended */
    assert_int_equal(header(&m, "message,workspace,repo,group,privilege, STATUS ", NULL, err, sizeof err), 0);
    assert_int_equal(m.ninput, 6);
    assert_int_equal(m.nout, 9);
    assert_int_equal(m.result_at[0], 5);   /* status */
    assert_int_equal(m.result_at[1], 6);   /* http_status */
    assert_int_equal(m.result_at[2], 7);   /* attempts */
    assert_int_equal(m.result_at[3], 0);   /* message */
    assert_int_equal(m.result_at[4], 8);   /* previous */
    assert_int_equal(m.col[COL_WORKSPACE], 1);
}

static void test_colmap_positional(void **state)
{
    (void)state;
    struct colmap m;
    colmap_positional(&m, 5, NULL);
    assert_int_equal(m.col[COL_WORKSPACE], 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_GROUP], 2);
    assert_int_equal(m.col[COL_PRIVILEGE], 3);
    assert_int_equal(m.col[COL_PROJECT], -1);
    assert_int_equal(m.col[COL_USER], -1);
    assert_int_equal(m.col[COL_STATUS], -1);
    assert_int_equal(m.ninput, 5);
    assert_int_equal(m.nout, 10);
    assert_int_equal(m.api, API_CLOUD);
    assert_null(m.default_ws);
    for (unsigned k = 0; k < NRESULT_COLS; k++)
        assert_int_equal(m.result_at[k], 5 + k);
}

static void test_colmap_role_names(void **state)
{
    (void)state;
    assert_string_equal(colmap_role_name(COL_WORKSPACE), "workspace");
    assert_string_equal(colmap_role_name(COL_REPO), "repo");
    assert_string_equal(colmap_role_name(COL_PROJECT), "project");
    assert_string_equal(colmap_role_name(COL_GROUP), "group");
    assert_string_equal(colmap_role_name(COL_USER), "user");
    assert_string_equal(colmap_role_name(COL_PRIVILEGE), "privilege");
    assert_string_equal(colmap_role_name(COL_STATUS), "status");
    assert_string_equal(colmap_role_name(COL_HTTP_STATUS), "http_status");
    assert_string_equal(colmap_role_name(COL_ATTEMPTS), "attempts");
    assert_string_equal(colmap_role_name(COL_MESSAGE), "message");
    assert_string_equal(colmap_role_name(COL_PREVIOUS), "previous");
}

static void map_config(struct bb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->nmap = 2;
    cfg->map_name[0] = "repo";
    cfg->map_column[0] = "Repository Name";
    cfg->map_name[1] = "group";
    cfg->map_column[1] = "Team";
}

static void test_map_renamed_columns(void **state)
{
    (void)state;
    struct bb_config cfg;
    map_config(&cfg);
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "workspace,Repository Name,Team,privilege", &cfg, err, sizeof err), 0);
    assert_int_equal(m.col[COL_WORKSPACE], 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_GROUP], 2);
    assert_int_equal(m.col[COL_PRIVILEGE], 3);
}

static void test_map_matches_case_insensitively_and_trimmed(void **state)
{
    (void)state;
    struct bb_config cfg;
    map_config(&cfg);
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, "workspace, repository name ,TEAM,privilege", &cfg, err, sizeof err), 0);
    assert_int_equal(m.col[COL_REPO], 1);
    assert_int_equal(m.col[COL_GROUP], 2);
}

static void test_map_wins_over_builtin_spelling(void **state)
{
    (void)state;
    struct bb_config cfg;
    map_config(&cfg);
    struct colmap m;
    char err[256];
    /* a plain "repo" column is then just passed through */
    assert_int_equal(header(&m, "workspace,repo,Repository Name,Team,privilege", &cfg, err, sizeof err), 0);
    assert_int_equal(m.col[COL_REPO], 2);
    assert_int_equal(m.col[COL_GROUP], 3);
    assert_int_equal(m.nout, 10);
}

static void test_map_missing_column_is_error(void **state)
{
    (void)state;
    struct bb_config cfg;
    map_config(&cfg);
    assert_header_error("workspace,Repository Name,group,privilege", &cfg, "Team");
}

/* ---- row_validate ------------------------------------------------------- */

static void test_row_repo_group(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate(" acme , web-app ,, devs ,, write ,x", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_int_equal(req.priv, PRIV_WRITE);
    assert_view(req.workspace, req.workspace_len, "acme");
    assert_view(req.target_name, req.target_len, "web-app");
    assert_view(req.subject_name, req.subject_len, "devs");
}

static void test_row_repo_user(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,web-app,,,\t{b2f8c011-1111-2222-3333-44445555abcd}\t,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.priv, PRIV_READ);
    assert_view(req.target_name, req.target_len, "web-app");
    assert_view(req.subject_name, req.subject_len, "{b2f8c011-1111-2222-3333-44445555abcd}");
}

static void test_row_project_group(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,,  PROJ  ,ops,,admin,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_PROJECT);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_int_equal(req.priv, PRIV_ADMIN);
    assert_view(req.workspace, req.workspace_len, "acme");
    assert_view(req.target_name, req.target_len, "PROJ");
    assert_view(req.subject_name, req.subject_len, "ops");
}

static void test_row_project_user(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,,PROJ,,557058:abc-def,create-repo,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_PROJECT);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.priv, PRIV_CREATE_REPO);
    assert_view(req.subject_name, req.subject_len, "557058:abc-def");
}

/* A row with both a repository and its project is a repository row: the
 * project cell says which project the repository is in. */
static void test_row_repo_and_project_both_set(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,web,PROJ,devs,,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_view(req.target_name, req.target_len, "web");
    assert_view(req.project, req.project_len, "PROJ");
    assert_view(req.workspace, req.workspace_len, "acme");
    /* create-repo belongs to projects: still refused on such a row */
    assert_invalid("acme,web,PROJ,devs,,create-repo,", "privilege", "repository row");
}

static void test_row_repo_and_project_both_empty(void **state)
{
    (void)state;
    assert_invalid("acme, ,  ,devs,,read,", "repo", "project");
}

static void test_row_group_and_user_both_set(void **state)
{
    (void)state;
    assert_invalid("acme,web,,devs,u1,read,", "group", "user");
}

static void test_row_group_and_user_both_empty(void **state)
{
    (void)state;
    assert_invalid("acme,web,,,,read,", "group", "user");
}

static void test_row_empty_workspace(void **state)
{
    (void)state;
    assert_invalid("  ,web,,devs,,read,", "workspace: empty", "--workspace");
}

static void test_row_privilege_values(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,web,,devs,,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_READ);
    assert_int_equal(validate("acme,web,,devs,,WRITE,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_WRITE);
    assert_int_equal(validate("acme,web,,devs,, Admin ,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_ADMIN);
    assert_int_equal(validate("acme,web,,devs,,none,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_NONE);
    assert_int_equal(validate("acme,web,,devs,,Revoke,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_NONE);
    assert_int_equal(validate("acme,,P,devs,,create-repo,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_CREATE_REPO);
}

static void test_row_create_repo_on_repo_invalid(void **state)
{
    (void)state;
    assert_invalid("acme,web,,devs,,create-repo,", "privilege", "'create-repo'");
    assert_invalid("acme,web,,devs,,create-repo,", "project rows only", "repository row");
}

static void test_row_bogus_privilege_names_column_and_value(void **state)
{
    (void)state;
    assert_invalid("acme,web,,devs,,bogus,", "privilege", "'bogus'");
}

static void test_row_empty_privilege(void **state)
{
    (void)state;
    assert_invalid("acme,web,,devs,,  ,", "privilege", NULL);
}

static void test_row_dot_names_invalid(void **state)
{
    (void)state;
    assert_invalid("acme,.,,devs,,read,", "repo", "'.'");
    assert_invalid("acme,..,,devs,,read,", "repo", "'..'");
    assert_invalid("acme,,..,devs,,read,", "project", "'..'");
    assert_invalid("acme,web,,..,,read,", "group", "'..'");
    assert_invalid("acme,web,,, . ,read,", "user", "'.'");
    assert_invalid("..,web,,devs,,read,", "workspace", "'..'");
}

static void test_row_slash_in_path_names_invalid(void **state)
{
    (void)state;
    /* %2F is still a separator to many servers and proxies */
    assert_invalid("acme,a/b,,devs,,read,", "repo", "'/'");
    assert_invalid("acme,,P/Q,devs,,read,", "project", "'/'");
    assert_invalid("ac/me,web,,devs,,read,", "workspace", "'/'");
    assert_invalid("acme,web,,dev/s,,read,", "group", "'/'");
    assert_invalid("acme,web,,,{a/b},read,", "user", "'/'");
    /* a pattern names a project with KEY/PATTERN */
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,P2/svc-*,,devs,,read,", &req, msg, sizeof msg), 0);
}

static void test_row_dots_inside_names_fine(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,a..b,,my.team,,read,", &req, msg, sizeof msg), 0);
    assert_view(req.target_name, req.target_len, "a..b");
    assert_view(req.subject_name, req.subject_len, "my.team");
    assert_int_equal(validate("acme,...,,devs,,read,", &req, msg, sizeof msg), 0);
}

static void test_row_control_characters_invalid(void **state)
{
    (void)state;
    assert_invalid("acme,web,,de\x01vs,,read,", "group", "control");
    assert_invalid("acme,we\tb,,devs,,read,", "repo", "control");
    assert_invalid("ac\x7fme,web,,devs,,read,", "workspace", "control");
    assert_invalid("acme,web,,,u\x1b[31m,read,", "user", "control");
    assert_invalid("acme,,PR\rOJ,devs,,read,", "project", "control");
}

static void test_row_invalid_utf8_in_any_cell(void **state)
{
    (void)state;
    /* role cells and the pass-through "note" cell alike */
    assert_invalid("acme,web,,devs,,read,caf\xe9", "UTF-8", NULL);
    assert_invalid("acme,web\xc3,,devs,,read,", "UTF-8", NULL);
    assert_invalid("acme,web,,\xed\xa0\x80,,read,", "UTF-8", NULL);
    assert_invalid("\xc0\xaf,web,,devs,,read,", "UTF-8", NULL);
}

static void test_row_nul_byte_in_any_cell(void **state)
{
    (void)state;
    struct colmap m;
    char err[256];
    assert_int_equal(header(&m, FULL_HEADER, NULL, err, sizeof err), 0);
    const char *cells[7] = {"acme", "web", "", "devs", "", "read", "a\0b"};
    size_t lens[7] = {4, 3, 0, 4, 0, 4, 3};
    struct request req;
    char msg[256] = "";
    assert_int_equal(row_validate(&m, cells, lens, 7, &req, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "NUL"));

    cells[6] = "";
    lens[6] = 0;
    cells[3] = "de\0vs";
    lens[3] = 5;
    msg[0] = '\0';
    assert_int_equal(row_validate(&m, cells, lens, 7, &req, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "NUL"));
}

static void test_row_fewer_cells_than_header(void **state)
{
    (void)state;
    assert_invalid("acme,web,,devs,,read", "cells", NULL);
    assert_invalid("acme,web", "cells", NULL);
}

static void test_row_positional_mapping(void **state)
{
    (void)state;
    struct colmap m;
    colmap_positional(&m, 4, NULL);
    struct cellv v;
    split(&v, "acme,web,devs,write");
    struct request req;
    char msg[256];
    assert_int_equal(row_validate(&m, v.cells, v.lens, v.n, &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_int_equal(req.priv, PRIV_WRITE);
    assert_view(req.target_name, req.target_len, "web");
}

/* ---- rules by API flavour, --workspace, emails, patterns ----------------- */

/* Validate one row under a header and a configuration. */
static int validate_cfg(const struct bb_config *cfg, const char *hdr, const char *row,
                        struct request *req, char *msg, size_t msgsz)
{
    static struct colmap m;
    char err[256];
    if (header(&m, hdr, cfg, err, sizeof err) != 0)
        fail_msg("header '%s' refused: %s", hdr, err);
    split(&row_cells, row);
    msg[0] = '\0';
    memset(req, 0, sizeof *req);
    return row_validate(&m, row_cells.cells, row_cells.lens, row_cells.n, req, msg, msgsz);
}

static void dc_config(struct bb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->api = API_DATACENTER;
}

static void assert_invalid_cfg(const struct bb_config *cfg, const char *hdr, const char *row,
                               const char *needle1, const char *needle2)
{
    struct request req;
    char msg[512];
    if (validate_cfg(cfg, hdr, row, &req, msg, sizeof msg) != -1)
        fail_msg("row '%s' was accepted", row);
    if (needle1 && !strstr(msg, needle1))
        fail_msg("message '%s' does not mention '%s'", msg, needle1);
    if (needle2 && !strstr(msg, needle2))
        fail_msg("message '%s' does not mention '%s'", msg, needle2);
}

/* The name columns of an export or undo file carry a ' before a formula
 * start (csvout_name_cell): the row asks for the name without it. A ' that
 * guards nothing is part of the name; the privilege cell is not a name. */
static void test_dc_row_formula_guard_taken_off(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    struct request req;
    char msg[512];
    const char *hdr = "repo,project,group,user,privilege";
    assert_int_equal(validate_cfg(&cfg, hdr, "'-web,'@P,'=cmd,,read", &req, msg, sizeof msg), 0);
    assert_view(req.target_name, req.target_len, "-web");
    assert_view(req.project, req.project_len, "@P");
    assert_view(req.subject_name, req.subject_len, "=cmd");
    assert_int_equal(validate_cfg(&cfg, hdr, "web,P,, '+1 ,read", &req, msg, sizeof msg), 0);
    assert_view(req.subject_name, req.subject_len, "+1");
    assert_int_equal(validate_cfg(&cfg, hdr, "web,P,'abc,,read", &req, msg, sizeof msg), 0);
    assert_view(req.subject_name, req.subject_len, "'abc");
    assert_int_equal(validate_cfg(&cfg, hdr, "web,P,''=x,,read", &req, msg, sizeof msg), 0);
    assert_view(req.subject_name, req.subject_len, "'=x");
    assert_int_equal(validate_cfg(&cfg, hdr, "web,P,',,read", &req, msg, sizeof msg), 0);
    assert_view(req.subject_name, req.subject_len, "'");
    assert_invalid_cfg(&cfg, hdr, "web,P,devs,,'read", "privilege", NULL);
    /* Cloud: the workspace too */
    assert_int_equal(validate("'-acme,web,,'@team,,read,", &req, msg, sizeof msg), 0);
    assert_view(req.workspace, req.workspace_len, "-acme");
    assert_view(req.subject_name, req.subject_len, "@team");
}

static void test_dc_colmap_follows_config(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    struct colmap m;
    char err[256];
    /* no workspace column needed on Data Center */
    assert_int_equal(header(&m, "repo,project,group,privilege", &cfg, err, sizeof err), 0);
    assert_int_equal(m.api, API_DATACENTER);
    assert_int_equal(m.col[COL_WORKSPACE], -1);
    colmap_positional(&m, 4, &cfg);
    assert_int_equal(m.api, API_DATACENTER);
    colmap_reset(&m, NULL);
    assert_int_equal(m.api, API_CLOUD);
    assert_null(m.default_ws);
    assert_int_equal(m.col[COL_REPO], -1);
    assert_string_equal(m.label[COL_REPO], "repo");
}

static void test_dc_repo_row(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    struct request req;
    char msg[512];
    /* the workspace cell is ignored, whatever it holds */
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, "acme,api,PRJ,dev-team,,REPO_WRITE,", &req,
                                  msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_REPO);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_int_equal(req.priv, PRIV_WRITE);
    assert_int_equal(req.workspace_len, 0);
    assert_view(req.project, req.project_len, "PRJ");
    assert_view(req.target_name, req.target_len, "api");
    assert_view(req.subject_name, req.subject_len, "dev-team");
    assert_int_equal(req.subject_is_email, 0);
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,read,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.workspace_len, 0);
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, "..,api,PRJ,dev-team,,read,", &req, msg,
                                  sizeof msg), 0);
    /* no workspace column at all */
    assert_int_equal(validate_cfg(&cfg, "repo,project,user,privilege", "api,PRJ,jdoe,repo_admin",
                                  &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.priv, PRIV_ADMIN);
    assert_view(req.subject_name, req.subject_len, "jdoe");
}

static void test_dc_repo_row_needs_project(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,,dev-team,,REPO_READ,", "project", "Data Center");
    assert_invalid_cfg(&cfg, "repo,group,privilege", "api,dev-team,read", "project", NULL);
    /* --map project=Key: the message names the column of the file */
    struct bb_config mc;
    dc_config(&mc);
    mc.nmap = 1;
    mc.map_name[0] = "project";
    mc.map_column[0] = "Key";
    assert_invalid_cfg(&mc, "repo,Key,group,privilege", "api,,dev-team,read", "Key: empty", NULL);
}

static void test_dc_project_row(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    struct request req;
    char msg[512];
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",,PRJ,dev-team,,PROJECT_ADMIN,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.target, TARGET_PROJECT);
    assert_int_equal(req.priv, PRIV_ADMIN);
    assert_view(req.target_name, req.target_len, "PRJ");
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",,PRJ,dev-team,,repo_create,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_CREATE_REPO);
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",,PRJ,,jdoe, Project_Write ,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_WRITE);
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",,PRJ,,jdoe,none,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_NONE);
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",,PRJ,,jdoe,create-repo,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.priv, PRIV_CREATE_REPO);
}

static void test_dc_names_any_case(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    static const struct {
        const char *cell;
        enum privilege p;
    } repo[] = {
        {"REPO_READ", PRIV_READ}, {"repo_read", PRIV_READ}, {"Repo_Write", PRIV_WRITE},
        {"rEPO_aDMIN", PRIV_ADMIN}, {"read", PRIV_READ}, {"WRITE", PRIV_WRITE},
        {"Admin", PRIV_ADMIN}, {"revoke", PRIV_NONE},
    };
    for (size_t i = 0; i < sizeof repo / sizeof *repo; i++) {
        char row[128];
        snprintf(row, sizeof row, ",api,PRJ,dev-team,,%s,", repo[i].cell);
        struct request req;
        char msg[512];
        if (validate_cfg(&cfg, FULL_HEADER, row, &req, msg, sizeof msg) != 0)
            fail_msg("'%s' refused on a repository row: %s", repo[i].cell, msg);
        assert_int_equal(req.priv, repo[i].p);
    }
}

static void test_dc_level_mismatch(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    assert_invalid_cfg(&cfg, FULL_HEADER, ",,PRJ,dev-team,,REPO_WRITE,", "'REPO_WRITE'",
                       "repository rows only");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",,PRJ,dev-team,,repo_read,", "privilege", "project row");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,PROJECT_READ,", "'PROJECT_READ'",
                       "project rows only");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,project_admin,", "privilege",
                       "repository row");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,create-repo,", "'create-repo'",
                       "project rows only");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,repo_create,", "'repo_create'",
                       "project rows only");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,,SYS_ADMIN,", "'SYS_ADMIN'",
                       "REPO_WRITE");
}

static void test_dc_subjects(void **state)
{
    (void)state;
    struct bb_config cfg;
    dc_config(&cfg);
    struct request req;
    char msg[512];
    /* a Data Center user is a username, '@' or not: never resolved */
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",api,PRJ,,j.doe@x.com,read,", &req, msg,
                                  sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.subject_is_email, 0);
    assert_view(req.subject_name, req.subject_len, "j.doe@x.com");
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",api,PRJ,Dev Team,,read,", &req, msg,
                                  sizeof msg), 0);
    assert_view(req.subject_name, req.subject_len, "Dev Team");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,dev-team,jdoe,read,", "group", "user");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,,,read,", "group", "user");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,PRJ,..,,read,", "group", "'..'");
    /* the subject goes in the query there: a '/' in a group name is fine */
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, ",api,PRJ,ldap/devs,,read,", &req, msg,
                                  sizeof msg), 0);
    assert_invalid_cfg(&cfg, FULL_HEADER, ",a/b,PRJ,devs,,read,", "repo", "'/'");
    assert_invalid_cfg(&cfg, FULL_HEADER, ",api,P\x01J,dev-team,,read,", "project", "control");
}

static void test_cloud_workspace_default(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.workspace = "acme";
    struct request req;
    char msg[512];
    /* an empty cell takes --workspace */
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, " ,web,,devs,,read,", &req, msg, sizeof msg), 0);
    assert_view(req.workspace, req.workspace_len, "acme");
    /* a filled cell wins */
    assert_int_equal(validate_cfg(&cfg, FULL_HEADER, "other,web,,devs,,read,", &req, msg, sizeof msg), 0);
    assert_view(req.workspace, req.workspace_len, "other");
    /* a header without a workspace column is fine with --workspace */
    assert_int_equal(validate_cfg(&cfg, "repo,group,privilege", "web,devs,write", &req, msg,
                                  sizeof msg), 0);
    assert_view(req.workspace, req.workspace_len, "acme");
    assert_view(req.target_name, req.target_len, "web");
    /* and refused without it, naming the way out */
    assert_header_error("repo,group,privilege", NULL, "--workspace");
    /* positional columns follow the same rule */
    struct colmap m;
    colmap_positional(&m, 4, &cfg);
    assert_string_equal(m.default_ws, "acme");
    split(&row_cells, ",web,devs,write");
    assert_int_equal(row_validate(&m, row_cells.cells, row_cells.lens, row_cells.n, &req, msg,
                                  sizeof msg), 0);
    assert_view(req.workspace, req.workspace_len, "acme");
    colmap_positional(&m, 4, NULL);
    assert_int_equal(row_validate(&m, row_cells.cells, row_cells.lens, row_cells.n, &req, msg,
                                  sizeof msg), -1);
    assert_non_null(strstr(msg, "workspace: empty"));
}

static void test_cloud_email_detection(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    assert_int_equal(validate("acme,web,,,alex@example.com,write,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.subject_is_email, 1);
    assert_view(req.subject_name, req.subject_len, "alex@example.com");
    assert_int_equal(validate("acme,web,,,557058:abc,write,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject_is_email, 0);
    assert_int_equal(validate("acme,web,,,{ABCDEF00-1111-2222-3333-444455556666},write,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject_is_email, 0);
    /* only user cells: a group with '@' is a group */
    assert_int_equal(validate("acme,web,,team@ops,,write,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    assert_int_equal(req.subject_is_email, 0);
}

static void test_cloud_user_forms(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{11111111-2222-3333-4444-555555555555}", "557058:ann", "557058:0f1e2d3c-aaaa-bbbb",
        "5b10ac8d82e05b22cc7d4ef5", "ann@example.com",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!row_cloud_user_ok(good[i], strlen(good[i])))
            fail_msg("'%s' refused", good[i]);
    static const char *const bad[] = {
        "Ann Example", "11111111-2222-3333-4444-555555555555", "{11111111-2222-3333-4444-55555555555}",
        "{not-a-uuid}", "557058:", ":abc", "557058:a b", "5b10ac8d82e05b22cc7d4ef", "ann",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (row_cloud_user_ok(bad[i], strlen(bad[i])))
            fail_msg("'%s' taken for a user", bad[i]);
    /* the row is invalid, and the message says how to write the user */
    assert_invalid("acme,web,,,Ann Example,write,", "user: 'Ann Example' is not a user",
                   "{uuid} with its braces, an account id such as 557058:");
    assert_invalid("acme,web,,,11111111-2222-3333-4444-555555555555,write,",
                   "is a UUID without its braces", "write {11111111-2222-3333-4444-555555555555}");
}

static void test_patterns(void **state)
{
    (void)state;
    struct request req;
    char msg[256];
    const char *pats[] = {"web-*", "we?", "[ab]pi", "*", "api-[0-9]*"};
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        char row[128];
        snprintf(row, sizeof row, "acme,%s,,devs,,read,", pats[i]);
        assert_int_equal(validate(row, &req, msg, sizeof msg), 0);
        if (!req.target_is_pattern)
            fail_msg("'%s' is not taken as a pattern", pats[i]);
        assert_int_equal(req.target, TARGET_REPO);
    }
    assert_int_equal(validate("acme,web-app,,devs,,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target_is_pattern, 0);
    /* a project cell is never a pattern */
    assert_int_equal(validate("acme,,PR*,devs,,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target, TARGET_PROJECT);
    assert_int_equal(req.target_is_pattern, 0);
    /* a pattern repository row with its project */
    assert_int_equal(validate("acme,api-*,PROJ,devs,,read,", &req, msg, sizeof msg), 0);
    assert_int_equal(req.target_is_pattern, 1);
    assert_view(req.project, req.project_len, "PROJ");

    assert_int_equal(repo_is_pattern("a*", 2), 1);
    assert_int_equal(repo_is_pattern("a?", 2), 1);
    assert_int_equal(repo_is_pattern("[a", 2), 1);
    assert_int_equal(repo_is_pattern("a]b", 3), 0);
    assert_int_equal(repo_is_pattern("a-b_c.d", 7), 0);
    assert_int_equal(repo_is_pattern("ab*", 2), 0);     /* the length bounds it */
    assert_int_equal(repo_is_pattern("", 0), 0);
}

static void test_map_user_email_empty_cell(void **state)
{
    (void)state;
    struct bb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.nmap = 1;
    cfg.map_name[0] = "user";
    cfg.map_column[0] = "email";
    const char *hdr = "workspace,repo,group,email,privilege";
    struct request req;
    char msg[512];
    assert_int_equal(validate_cfg(&cfg, hdr, "acme,web,,a@x.com,read", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_USER);
    assert_int_equal(req.subject_is_email, 1);
    assert_view(req.subject_name, req.subject_len, "a@x.com");
    assert_int_equal(validate_cfg(&cfg, hdr, "acme,web,devs,,read", &req, msg, sizeof msg), 0);
    assert_int_equal(req.subject, SUBJECT_GROUP);
    /* both empty: the message names the email column, not 'user' */
    assert_invalid_cfg(&cfg, hdr, "acme,web,,,read", "email: empty", "group");
    /* both set: named by their columns too */
    assert_invalid_cfg(&cfg, hdr, "acme,web,devs,a@x.com,read", "group and email", NULL);
    /* without a group column */
    assert_invalid_cfg(&cfg, "workspace,repo,email,privilege", "acme,web,,read", "email: empty", NULL);
}

static void test_map_labels_in_messages(void **state)
{
    (void)state;
    struct bb_config cfg;
    map_config(&cfg);     /* repo=Repository Name, group=Team */
    assert_invalid_cfg(&cfg, "workspace,Repository Name,Team,privilege", "acme,..,devs,read",
                       "Repository Name", "'..'");
    assert_invalid_cfg(&cfg, "workspace,Repository Name,Team,privilege", "acme,web,,read",
                       "Team: empty", NULL);
}

/* ---- privilege_parse / privilege_name ----------------------------------- */

static void assert_priv(const char *s, enum privilege want)
{
    enum privilege p = (enum privilege)-1;
    if (privilege_parse(s, strlen(s), &p) != 0)
        fail_msg("privilege_parse('%s') failed", s);
    assert_int_equal(p, want);
}

static void test_privilege_parse_accepts(void **state)
{
    (void)state;
    assert_priv("read", PRIV_READ);
    assert_priv("READ", PRIV_READ);
    assert_priv("write", PRIV_WRITE);
    assert_priv(" Write\t", PRIV_WRITE);
    assert_priv("admin", PRIV_ADMIN);
    assert_priv("create-repo", PRIV_CREATE_REPO);
    assert_priv("Create-Repo", PRIV_CREATE_REPO);
    assert_priv("none", PRIV_NONE);
    assert_priv("revoke", PRIV_NONE);
    assert_priv("REVOKE", PRIV_NONE);
}

static void test_privilege_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"", "  ", "rea", "reader", "write!", "create_repo", "createrepo",
                         "owner", "r e a d", "admin,"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        enum privilege p;
        if (privilege_parse(bad[i], strlen(bad[i]), &p) != -1)
            fail_msg("privilege_parse('%s') accepted it", bad[i]);
    }
    /* the length is honoured: "readx" cut to 4 bytes is "read" */
    enum privilege p;
    assert_int_equal(privilege_parse("readx", 4, &p), 0);
    assert_int_equal(p, PRIV_READ);
}

static void test_privilege_parse_level(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        enum privilege p;
        int level;
    } cases[] = {
        {"read", PRIV_READ, -1}, {"WRITE", PRIV_WRITE, -1}, {"admin", PRIV_ADMIN, -1},
        {"none", PRIV_NONE, -1}, {"revoke", PRIV_NONE, -1},
        {"create-repo", PRIV_CREATE_REPO, TARGET_PROJECT},
        {"REPO_READ", PRIV_READ, TARGET_REPO}, {"repo_write", PRIV_WRITE, TARGET_REPO},
        {" Repo_Admin ", PRIV_ADMIN, TARGET_REPO}, {"PROJECT_READ", PRIV_READ, TARGET_PROJECT},
        {"project_write", PRIV_WRITE, TARGET_PROJECT},
        {"PROJECT_ADMIN", PRIV_ADMIN, TARGET_PROJECT},
        {"REPO_CREATE", PRIV_CREATE_REPO, TARGET_PROJECT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        enum privilege p = (enum privilege)-1;
        int level = 99;
        if (privilege_parse_level(cases[i].s, strlen(cases[i].s), &p, &level) != 0)
            fail_msg("privilege_parse_level('%s') refused it", cases[i].s);
        assert_int_equal(p, cases[i].p);
        if (level != cases[i].level)
            fail_msg("'%s': level %d, want %d", cases[i].s, level, cases[i].level);
    }
    const char *bad[] = {"REPO", "REPO_", "repo-write", "PROJECT_CREATE", "SYS_ADMIN",
                         "LICENSED_USER", "REPO_WRITE!"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        enum privilege p;
        int level;
        if (privilege_parse_level(bad[i], strlen(bad[i]), &p, &level) != -1)
            fail_msg("privilege_parse_level('%s') accepted it", bad[i]);
    }
}

static void test_privilege_names(void **state)
{
    (void)state;
    assert_string_equal(privilege_name(PRIV_READ), "read");
    assert_string_equal(privilege_name(PRIV_WRITE), "write");
    assert_string_equal(privilege_name(PRIV_ADMIN), "admin");
    assert_string_equal(privilege_name(PRIV_CREATE_REPO), "create-repo");
    assert_string_equal(privilege_name(PRIV_NONE), "none");
}

/* ---- utf8_problem ------------------------------------------------------- */

static const char *u8(const char *s)
{
    return utf8_problem(s, strlen(s));
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_null(utf8_problem("", 0));
    assert_null(u8("plain ascii ~!@#"));
    assert_null(u8("\x7f"));
    assert_null(u8("caf\xc3\xa9"));                 /* 2 bytes: e-acute */
    assert_null(u8("\xc2\x80"));                     /* U+0080, smallest 2-byte */
    assert_null(u8("\xdf\xbf"));                     /* U+07FF */
    assert_null(u8("\xe0\xa0\x80"));                 /* U+0800, smallest 3-byte */
    assert_null(u8("\xe2\x82\xac"));                 /* euro sign */
    assert_null(u8("\xed\x9f\xbf"));                 /* U+D7FF, just below surrogates */
    assert_null(u8("\xee\x80\x80"));                 /* U+E000, just above */
    assert_null(u8("\xef\xbf\xbf"));                 /* U+FFFF */
    assert_null(u8("\xf0\x90\x80\x80"));             /* U+10000, smallest 4-byte */
    assert_null(u8("\xf0\x9f\x98\x80"));             /* emoji */
    assert_null(u8("\xf4\x8f\xbf\xbf"));             /* U+10FFFF */
}

static void test_utf8_overlong(void **state)
{
    (void)state;
    assert_non_null(u8("\xc0\x80"));
    assert_non_null(u8("\xc0\xaf"));
    assert_non_null(u8("\xc1\xbf"));
    assert_non_null(u8("\xe0\x80\x80"));
    assert_non_null(u8("\xe0\x9f\xbf"));             /* U+07FF in 3 bytes */
    assert_non_null(u8("\xf0\x80\x80\x80"));
    assert_non_null(u8("\xf0\x8f\xbf\xbf"));         /* U+FFFF in 4 bytes */
}

static void test_utf8_surrogates_and_out_of_range(void **state)
{
    (void)state;
    assert_non_null(u8("\xed\xa0\x80"));             /* U+D800 */
    assert_non_null(u8("\xed\xbf\xbf"));             /* U+DFFF */
    assert_non_null(u8("\xf4\x90\x80\x80"));         /* U+110000 */
    assert_non_null(u8("\xf5\x80\x80\x80"));
    assert_non_null(u8("\xfe"));
    assert_non_null(u8("\xff"));
}

static void test_utf8_truncated_and_stray(void **state)
{
    (void)state;
    assert_non_null(u8("\xc3"));
    assert_non_null(u8("ab\xe2\x82"));
    assert_non_null(u8("\xf0\x9f\x98"));
    assert_non_null(u8("\xc3" "A"));                 /* continuation missing */
    assert_non_null(u8("\xe2\x82" "A"));
    assert_non_null(u8("\x80"));                     /* stray continuation */
    assert_non_null(u8("a\xbf" "b"));
    /* the length bounds the check: a sequence cut by len is truncated */
    assert_non_null(utf8_problem("\xc3\xa9", 1));
    assert_null(utf8_problem("ab\xc3\xa9", 2));
}

static void test_utf8_nul_byte(void **state)
{
    (void)state;
    const char *why = utf8_problem("a\0b", 3);
    assert_non_null(why);
    assert_non_null(strstr(why, "NUL"));
    assert_non_null(utf8_problem("\0", 1));
}

/* ---- row_is_blank ------------------------------------------------------- */

static void test_row_is_blank(void **state)
{
    (void)state;
    const char *c1[] = {"", "", ""};
    size_t l1[] = {0, 0, 0};
    assert_int_equal(row_is_blank(c1, l1, 3), 1);
    const char *c2[] = {"  ", "\t", " \t "};
    size_t l2[] = {2, 1, 3};
    assert_int_equal(row_is_blank(c2, l2, 3), 1);
    assert_int_equal(row_is_blank(c1, l1, 0), 1);
    const char *c3[] = {"", " x ", ""};
    size_t l3[] = {0, 3, 0};
    assert_int_equal(row_is_blank(c3, l3, 3), 0);
    const char *c4[] = {"", "", "."};
    size_t l4[] = {0, 0, 1};
    assert_int_equal(row_is_blank(c4, l4, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_canonical_names),
        cmocka_unit_test(test_header_aliases_case_insensitive_trimmed),
        cmocka_unit_test(test_header_alias_repo_slug_user_id),
        cmocka_unit_test(test_header_every_missing_column_at_once),
        cmocka_unit_test(test_header_alias_project_key_account_id),
        cmocka_unit_test(test_header_repo_and_project_columns_may_coexist),
        cmocka_unit_test(test_header_missing_workspace),
        cmocka_unit_test(test_header_missing_target),
        cmocka_unit_test(test_header_missing_subject),
        cmocka_unit_test(test_header_missing_privilege),
        cmocka_unit_test(test_header_two_columns_for_one_role),
        cmocka_unit_test(test_header_pass_through_columns),
        cmocka_unit_test(test_header_result_columns_reused_in_place),
        cmocka_unit_test(test_header_some_result_columns_present),
        cmocka_unit_test(test_colmap_positional),
        cmocka_unit_test(test_colmap_role_names),
        cmocka_unit_test(test_map_renamed_columns),
        cmocka_unit_test(test_map_matches_case_insensitively_and_trimmed),
        cmocka_unit_test(test_map_wins_over_builtin_spelling),
        cmocka_unit_test(test_map_missing_column_is_error),
        cmocka_unit_test(test_row_repo_group),
        cmocka_unit_test(test_row_repo_user),
        cmocka_unit_test(test_row_project_group),
        cmocka_unit_test(test_row_project_user),
        cmocka_unit_test(test_row_repo_and_project_both_set),
        cmocka_unit_test(test_row_repo_and_project_both_empty),
        cmocka_unit_test(test_row_group_and_user_both_set),
        cmocka_unit_test(test_row_group_and_user_both_empty),
        cmocka_unit_test(test_row_empty_workspace),
        cmocka_unit_test(test_row_privilege_values),
        cmocka_unit_test(test_row_create_repo_on_repo_invalid),
        cmocka_unit_test(test_row_bogus_privilege_names_column_and_value),
        cmocka_unit_test(test_row_empty_privilege),
        cmocka_unit_test(test_row_dot_names_invalid),
        cmocka_unit_test(test_row_slash_in_path_names_invalid),
        cmocka_unit_test(test_row_dots_inside_names_fine),
        cmocka_unit_test(test_row_control_characters_invalid),
        cmocka_unit_test(test_row_invalid_utf8_in_any_cell),
        cmocka_unit_test(test_row_nul_byte_in_any_cell),
        cmocka_unit_test(test_row_fewer_cells_than_header),
        cmocka_unit_test(test_row_positional_mapping),
        cmocka_unit_test(test_dc_colmap_follows_config),
        cmocka_unit_test(test_dc_row_formula_guard_taken_off),
        cmocka_unit_test(test_dc_repo_row),
        cmocka_unit_test(test_dc_repo_row_needs_project),
        cmocka_unit_test(test_dc_project_row),
        cmocka_unit_test(test_dc_names_any_case),
        cmocka_unit_test(test_dc_level_mismatch),
        cmocka_unit_test(test_dc_subjects),
        cmocka_unit_test(test_cloud_workspace_default),
        cmocka_unit_test(test_cloud_email_detection),
        cmocka_unit_test(test_cloud_user_forms),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_map_user_email_empty_cell),
        cmocka_unit_test(test_map_labels_in_messages),
        cmocka_unit_test(test_privilege_parse_accepts),
        cmocka_unit_test(test_privilege_parse_rejects),
        cmocka_unit_test(test_privilege_parse_level),
        cmocka_unit_test(test_privilege_names),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_overlong),
        cmocka_unit_test(test_utf8_surrogates_and_out_of_range),
        cmocka_unit_test(test_utf8_truncated_and_stray),
        cmocka_unit_test(test_utf8_nul_byte),
        cmocka_unit_test(test_row_is_blank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
