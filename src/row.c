#include "row.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csvout.h"
#include "util.h"

static const char *const role_names[NCOL_ROLES] = {
    "workspace", "repo", "project", "group", "user", "privilege",
    "branch", "rule", "value",
    "status", "http_status", "attempts", "message", "previous"
};

/* Header spellings accepted for each role, matched case-insensitively after
 * trimming. The first spelling is the canonical one. */
static const char *const aliases[NCOL_ROLES][4] = {
    [COL_WORKSPACE] = {"workspace", NULL},
    [COL_REPO] = {"repo", "repository", "repo_slug", NULL},
    [COL_PROJECT] = {"project", "project_key", NULL},
    [COL_GROUP] = {"group", "group_slug", NULL},
    [COL_USER] = {"user", "user_id", "account_id", NULL},
    [COL_PRIVILEGE] = {"privilege", "permission", NULL},
    [COL_BRANCH] = {"branch", NULL},
    [COL_RULE] = {"rule", NULL},
    [COL_VALUE] = {"value", NULL},
    [COL_STATUS] = {"status", NULL},
    [COL_HTTP_STATUS] = {"http_status", NULL},
    [COL_ATTEMPTS] = {"attempts", NULL},
    [COL_MESSAGE] = {"message", NULL},
    [COL_PREVIOUS] = {"previous", NULL},
};

const char *colmap_role_name(enum col_role r)
{
    return role_names[r];
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

void row_show(char *dst, size_t dstsz, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < dstsz && i < 60; i++) {
        dst[n++] = s[i];
        if ((unsigned char)s[i] < 0x20)
            dst[n - 1] = '?';
    }
    if (len > 60 && n + 4 < dstsz) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = '\0';
}

static int role_of_header(const char *cell, size_t len, const struct bb_config *cfg)
{
    trim(&cell, &len);
    /* --map: an explicit mapping wins over the built-in spellings */
    if (cfg) {
        for (int i = 0; i < cfg->nmap; i++) {
            if (strlen(cfg->map_column[i]) == len &&
                !strncasecmp(cfg->map_column[i], cell, len)) {
                for (int r = 0; r < NCOL_ROLES; r++)
                    if (!strcasecmp(cfg->map_name[i], role_names[r]))
                        return r;
            }
        }
    }
    for (int r = 0; r < NCOL_ROLES; r++) {
        /* a role taken over by --map no longer matches its own spellings */
        int mapped = 0;
        for (int i = 0; cfg && i < cfg->nmap; i++)
            if (!strcasecmp(cfg->map_name[i], role_names[r]))
                mapped = 1;
        if (mapped && r < COL_STATUS)
            continue;
        for (int a = 0; aliases[r][a]; a++)
            if (ascii_ieq(cell, len, aliases[r][a]))
                return r;
    }
    return -1;
}

int colmap_build(struct colmap *m, const char *const *cells, const size_t *lens,
                 unsigned n, const struct bb_config *cfg, char *err, size_t errsz)
{
    colmap_reset(m, cfg);
    m->ninput = n;
    for (unsigned i = 0; i < n; i++) {
        int r = role_of_header(cells[i], lens[i], cfg);
        if (r < 0)
            continue;
        if (m->col[r] >= 0) {
            snprintf(err, errsz, "header: columns %d and %u both name '%s'",
                     m->col[r] + 1, i + 1, role_names[r]);
            return -1;
        }
        m->col[r] = (int)i;
    }
    for (int i = 0; cfg && i < cfg->nmap; i++) {
        int found = 0;
        for (unsigned c = 0; c < n; c++) {
            const char *s = cells[c];
            size_t l = lens[c];
            trim(&s, &l);
            if (ascii_ieq(s, l, cfg->map_column[i]))
                found = 1;
        }
        if (!found) {
            snprintf(err, errsz, "header: --map %s=%s: no column named '%s'",
                     cfg->map_name[i], cfg->map_column[i], cfg->map_column[i]);
            return -1;
        }
        for (int r = 0; r < COL_STATUS; r++)
            if (!strcasecmp(cfg->map_name[i], role_names[r]))
                m->label[r] = cfg->map_column[i];
    }
    /* Every missing column at once, what the header has, and --map. Data
     * Center has no workspaces; --workspace fills empty cells. */
    const char *missing[4];
    int nmissing = 0, first = -1;
    if (m->col[COL_WORKSPACE] < 0 && m->api == API_CLOUD && !m->default_ws) {
        missing[nmissing++] = "'workspace' (or give --workspace)";
        first = COL_WORKSPACE;
    }
    if (m->col[COL_REPO] < 0 && m->col[COL_PROJECT] < 0) {
        missing[nmissing++] = "'repo' (or 'repository', 'repo_slug') or 'project' (or 'project_key')";
        first = first < 0 ? COL_REPO : first;
    }
    /* a file of branch rules needs no subject or privilege column */
    int rules = m->col[COL_RULE] >= 0;
    if (!rules && m->col[COL_GROUP] < 0 && m->col[COL_USER] < 0) {
        missing[nmissing++] = "'group' (or 'group_slug') or 'user' (or 'user_id', 'account_id')";
        first = first < 0 ? COL_GROUP : first;
    }
    if (!rules && m->col[COL_PRIVILEGE] < 0) {
        missing[nmissing++] = "'privilege' (or 'permission')";
        first = first < 0 ? COL_PRIVILEGE : first;
    }
    if (nmissing) {
        struct buf b = {0};
        buf_adds(&b, nmissing > 1 ? "header: missing columns " : "header: missing column ");
        for (int i = 0; i < nmissing; i++) {
            if (i)
                buf_adds(&b, "; ");
            buf_adds(&b, missing[i]);
        }
        buf_adds(&b, ". The header has ");
        for (unsigned i = 0; i < n && i < 20; i++) {
            char v[80];
            const char *c = cells[i];
            size_t l = lens[i];
            trim(&c, &l);
            row_show(v, sizeof v, c, l);
            buf_adds(&b, i ? ", '" : "'");
            buf_adds(&b, v);
            buf_adds(&b, "'");
        }
        if (n > 20)
            buf_adds(&b, ", ...");
        if (n == 0)
            buf_adds(&b, "no columns");
        buf_adds(&b, ". Name a column with --map, e.g. --map ");
        buf_adds(&b, role_names[first]);
        buf_adds(&b, "=COLUMN");
        if (b.len >= errsz && errsz > 4)
            memcpy(b.data + errsz - 4, "...", 4);   /* the end is cut, visibly */
        snprintf(err, errsz, "%s", b.data);
        buf_free(&b);
        return -1;
    }
    unsigned nout = n;
    for (int k = 0; k < NRESULT_COLS; k++) {
        int c = m->col[COL_STATUS + k];
        m->result_at[k] = c >= 0 ? (unsigned)c : nout++;
    }
    m->nout = nout;
    return 0;
}

void colmap_reset(struct colmap *m, const struct bb_config *cfg)
{
    memset(m, 0, sizeof *m);
    for (int r = 0; r < NCOL_ROLES; r++) {
        m->col[r] = -1;
        m->label[r] = role_names[r];
    }
    if (cfg) {
        m->api = cfg->api;
        m->default_ws = cfg->workspace;
    }
}

void colmap_positional(struct colmap *m, unsigned n, const struct bb_config *cfg)
{
    colmap_reset(m, cfg);
    m->col[COL_WORKSPACE] = 0;
    m->col[COL_REPO] = 1;
    m->col[COL_GROUP] = 2;
    m->col[COL_PRIVILEGE] = 3;
    m->ninput = n;
    for (int k = 0; k < NRESULT_COLS; k++)
        m->result_at[k] = n + (unsigned)k;
    m->nout = n + NRESULT_COLS;
}

static const char *const priv_names[] = {
    [PRIV_READ] = "read", [PRIV_WRITE] = "write", [PRIV_ADMIN] = "admin",
    [PRIV_CREATE_REPO] = "create-repo", [PRIV_NONE] = "none"
};

/* Data Center's own names, each tied to one level. */
static const struct {
    const char *name;
    enum privilege priv;
    enum target_kind level;
} dc_names[] = {
    {"repo_read", PRIV_READ, TARGET_REPO}, {"repo_write", PRIV_WRITE, TARGET_REPO},
    {"repo_admin", PRIV_ADMIN, TARGET_REPO}, {"project_read", PRIV_READ, TARGET_PROJECT},
    {"project_write", PRIV_WRITE, TARGET_PROJECT}, {"project_admin", PRIV_ADMIN, TARGET_PROJECT},
    {"repo_create", PRIV_CREATE_REPO, TARGET_PROJECT},
};

const char *privilege_name(enum privilege p)
{
    return priv_names[p];
}

int privilege_parse_level(const char *s, size_t len, enum privilege *out, int *level)
{
    trim(&s, &len);
    *level = -1;
    for (int p = PRIV_READ; p <= PRIV_NONE; p++) {
        if (ascii_ieq(s, len, priv_names[p])) {
            *out = (enum privilege)p;
            if (p == PRIV_CREATE_REPO)
                *level = TARGET_PROJECT;
            return 0;
        }
    }
    if (ascii_ieq(s, len, "revoke")) {
        *out = PRIV_NONE;
        return 0;
    }
    for (size_t i = 0; i < sizeof dc_names / sizeof dc_names[0]; i++) {
        if (ascii_ieq(s, len, dc_names[i].name)) {
            *out = dc_names[i].priv;
            *level = (int)dc_names[i].level;
            return 0;
        }
    }
    return -1;
}

int privilege_parse(const char *s, size_t len, enum privilege *out)
{
    int level;
    return privilege_parse_level(s, len, out, &level);
}

int repo_is_pattern(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return 1;
    return 0;
}

const char *utf8_problem(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c == 0)
            return "a NUL byte";
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t need;
        unsigned min;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1; min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2; min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3; min = 0x10000;
        } else {
            return "invalid UTF-8";
        }
        if ((size_t)(end - p) <= need)
            return "invalid UTF-8";
        unsigned cp = c & (0x3f >> need);
        for (size_t i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return "invalid UTF-8";
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return "invalid UTF-8";
        p += need + 1;
    }
    return NULL;
}

int row_is_blank(const char *const *cells, const size_t *lens, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (size_t k = 0; k < lens[i]; k++)
            if (cells[i][k] != ' ' && cells[i][k] != '\t')
                return 0;
    return 1;
}

void row_cell(const struct colmap *m, enum col_role r, const char *const *cells,
                    const size_t *lens, unsigned n, const char **s, size_t *len)
{
    int c = m->col[r];
    if (c < 0 || (unsigned)c >= n) {
        *s = "";
        *len = 0;
        return;
    }
    *s = cells[c];
    *len = lens[c];
    trim(s, len);
    /* a name an export or undo file wrote with a leading ' (a formula
     * guard, csvout_name_cell) is read without it */
    if (r == COL_WORKSPACE || r == COL_REPO || r == COL_PROJECT || r == COL_GROUP || r == COL_USER)
        csvout_name_unguard(s, len);
}

/* segment: the name becomes a URL path segment, where '/' is refused too
 * (encoded as %2F it is still a separator to many servers and proxies). */
int row_check_name(const char *col, const char *s, size_t len, int segment, char *msg,
                      size_t msgsz)
{
    char v[80];
    if (len == 1 && s[0] == '.')
        return snprintf(msg, msgsz, "%s: '.' is not a valid name", col), -1;
    if (len == 2 && s[0] == '.' && s[1] == '.')
        return snprintf(msg, msgsz, "%s: '..' is not a valid name", col), -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            row_show(v, sizeof v, s, len);
            return snprintf(msg, msgsz, "%s: '%s' contains a control character", col, v), -1;
        }
    }
    if (segment && memchr(s, '/', len)) {
        row_show(v, sizeof v, s, len);
        return snprintf(msg, msgsz, "%s: '%s' contains '/', which is not a valid name", col, v), -1;
    }
    if (len > 1024)
        return snprintf(msg, msgsz, "%s: value is %zu bytes long (1024 at most)", col, len), -1;
    return 0;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 1 when s is a UUID, 8-4-4-4-12 hex digits, without braces. */
static int is_uuid(const char *s, size_t len)
{
    if (len != 36)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return 0;
    }
    return 1;
}

int row_cloud_user_ok(const char *s, size_t len)
{
    if (memchr(s, '@', len))
        return 1;               /* an email, resolved to an account */
    if (len == 38 && s[0] == '{' && s[37] == '}' && is_uuid(s + 1, 36))
        return 1;
    /* an Atlassian account id: 557058:0f1e... (a number, a colon, then
     * letters, digits and dashes), or the older 24 hex digits */
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i > 0 && i + 1 < len && s[i] == ':') {
        for (i++; i < len; i++) {
            char c = s[i];
            int word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       c == '-' || c == '_';
            if (!word)
                return 0;
        }
        return 1;
    }
    if (len == 24) {
        for (i = 0; i < len && is_hex(s[i]); i++)
            ;
        return i == len;
    }
    return 0;
}

const char *row_subject_problem(enum api_flavour api, enum subject_kind kind, const char *s,
                                size_t len)
{
    const char *why = utf8_problem(s, len);
    if (why)
        return why;
    if (!len)
        return "is empty";
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return "is '.' or '..'";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "contains a control character";
    if (api != API_DATACENTER && memchr(s, '/', len))
        return "contains '/'";
    if (len > 1024)
        return "is longer than 1024 bytes";
    if (api != API_DATACENTER && kind == SUBJECT_USER &&
        (!row_cloud_user_ok(s, len) || memchr(s, '@', len)))
        return "is not a {uuid} or an account id";
    return NULL;
}

int row_check_cells(const struct colmap *m, const char *const *cells, const size_t *lens,
                    unsigned n, char *msg, size_t msgsz)
{
    for (unsigned i = 0; i < n; i++) {
        const char *why = utf8_problem(cells[i], lens[i]);
        if (why) {
            snprintf(msg, msgsz, "column %u: %s", i + 1, why);
            return -1;
        }
    }
    if (n < m->ninput) {
        snprintf(msg, msgsz, "record has %u cells, the header has %u", n, m->ninput);
        return -1;
    }
    return 0;
}

int row_is_branch_rule(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n)
{
    const char *s;
    size_t len;
    row_cell(m, COL_RULE, cells, lens, n, &s, &len);
    return len > 0;
}

int row_target_subject(const struct colmap *m, const char *const *cells, const size_t *lens,
                       unsigned n, int need_subject, struct request *req, char *msg,
                       size_t msgsz)
{
    const char *ws, *repo, *proj, *grp, *usr;
    size_t wsl, repol, projl, grpl, usrl;
    row_cell(m, COL_WORKSPACE, cells, lens, n, &ws, &wsl);
    row_cell(m, COL_REPO, cells, lens, n, &repo, &repol);
    row_cell(m, COL_PROJECT, cells, lens, n, &proj, &projl);
    row_cell(m, COL_GROUP, cells, lens, n, &grp, &grpl);
    row_cell(m, COL_USER, cells, lens, n, &usr, &usrl);
    const char *const *L = m->label;
    int dc = m->api == API_DATACENTER;

    if (dc) {
        ws = "";                /* Data Center has no workspaces */
        wsl = 0;
    } else {
        if (!wsl && m->default_ws) {
            ws = m->default_ws;
            wsl = strlen(ws);
        }
        if (!wsl)
            return snprintf(msg, msgsz, "%s: empty (fill it or give --workspace)", L[COL_WORKSPACE]), -1;
        if (row_check_name(L[COL_WORKSPACE], ws, wsl, 1, msg, msgsz))
            return -1;
    }
    if (!repol && !projl)
        return snprintf(msg, msgsz, "%s and %s: both are empty; give a repository or a project",
                        L[COL_REPO], L[COL_PROJECT]), -1;
    if (dc && repol && !projl)
        return snprintf(msg, msgsz, "%s: empty; a Data Center repository row needs its project key",
                        L[COL_PROJECT]), -1;
    if (grpl && usrl)
        return snprintf(msg, msgsz, "%s and %s: both are set; give exactly one", L[COL_GROUP], L[COL_USER]), -1;
    if (!grpl && !usrl && need_subject) {
        if (m->col[COL_GROUP] < 0 && m->col[COL_USER] < 0)
            return snprintf(msg, msgsz, "%s and %s: the header has neither column; a permission "
                            "row needs one", L[COL_GROUP], L[COL_USER]), -1;
        /* --map user=email: say which column was empty */
        if (m->label[COL_USER] != role_names[COL_USER] && m->col[COL_USER] >= 0)
            return snprintf(msg, msgsz, "%s: empty (the user column, by --map) and %s is empty too",
                            L[COL_USER], L[COL_GROUP]), -1;
        if (m->label[COL_GROUP] != role_names[COL_GROUP] && m->col[COL_GROUP] >= 0)
            return snprintf(msg, msgsz, "%s: empty (the group column, by --map) and %s is empty too",
                            L[COL_GROUP], L[COL_USER]), -1;
        return snprintf(msg, msgsz, "%s and %s: both are empty; give exactly one", L[COL_GROUP], L[COL_USER]), -1;
    }
    /* a pattern may be KEY/PATTERN; its matches are checked when listed */
    if (repol && row_check_name(L[COL_REPO], repo, repol, !repo_is_pattern(repo, repol), msg, msgsz))
        return -1;
    if (projl && row_check_name(L[COL_PROJECT], proj, projl, 1, msg, msgsz))
        return -1;
    /* Data Center names the subject in the query, not the path */
    if ((grpl || usrl) &&
        row_check_name(grpl ? L[COL_GROUP] : L[COL_USER], grpl ? grp : usr, grpl ? grpl : usrl, !dc, msg, msgsz))
        return -1;

    char v[80];
    if (!dc && usrl && !row_cloud_user_ok(usr, usrl)) {
        row_show(v, sizeof v, usr, usrl);
        if (is_uuid(usr, usrl))
            return snprintf(msg, msgsz, "%s: '%s' is a UUID without its braces: write {%s}",
                            L[COL_USER], v, v), -1;
        return snprintf(msg, msgsz, "%s: '%s' is not a user: write a {uuid} with its braces, an "
                        "account id such as 557058:0f1e..., or an email", L[COL_USER], v), -1;
    }
    req->target = repol ? TARGET_REPO : TARGET_PROJECT;
    req->subject = grpl ? SUBJECT_GROUP : SUBJECT_USER;
    req->workspace = ws;
    req->workspace_len = wsl;
    req->project = proj;
    req->project_len = projl;
    req->target_name = repol ? repo : proj;
    req->target_len = repol ? repol : projl;
    req->subject_name = grpl ? grp : usr;
    req->subject_len = grpl ? grpl : usrl;
    req->subject_is_email = !dc && !grpl && usrl && memchr(usr, '@', usrl) != NULL;
    req->target_is_pattern = repol && repo_is_pattern(repo, repol);
    return 0;
}

int row_validate(const struct colmap *m, const char *const *cells,
                 const size_t *lens, unsigned n, struct request *req,
                 char *msg, size_t msgsz)
{
    if (row_check_cells(m, cells, lens, n, msg, msgsz) ||
        row_target_subject(m, cells, lens, n, 1, req, msg, msgsz))
        return -1;
    const char *priv;
    size_t privl;
    row_cell(m, COL_PRIVILEGE, cells, lens, n, &priv, &privl);
    const char *const *L = m->label;
    char v[80];
    int level;
    if (!privl && m->col[COL_PRIVILEGE] < 0)
        return snprintf(msg, msgsz, "%s: the header has no such column; a permission row needs "
                        "one (read, write, admin, create-repo or none)", L[COL_PRIVILEGE]), -1;
    if (!privl)
        return snprintf(msg, msgsz, "%s: empty (use read, write, admin, create-repo or none)", L[COL_PRIVILEGE]), -1;
    if (privilege_parse_level(priv, privl, &req->priv, &level)) {
        row_show(v, sizeof v, priv, privl);
        return snprintf(msg, msgsz, "%s: '%s' is not one of read, write, admin, create-repo, none, revoke "
                        "(or REPO_READ, REPO_WRITE, REPO_ADMIN, PROJECT_READ, PROJECT_WRITE, "
                        "PROJECT_ADMIN, REPO_CREATE)", L[COL_PRIVILEGE], v), -1;
    }
    enum target_kind kind = req->target;
    if (level >= 0 && level != (int)kind) {
        row_show(v, sizeof v, priv, privl);
        return snprintf(msg, msgsz, "%s: '%s' applies to %s rows only, and this is a %s row",
                        L[COL_PRIVILEGE], v, level == TARGET_REPO ? "repository" : "project",
                        kind == TARGET_REPO ? "repository" : "project"), -1;
    }
    return 0;
}
