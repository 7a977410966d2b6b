/* Data Center branch rules carried to Cloud (see carry.h). */
#include "carry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brule.h"

void carry_start(struct carry *c, const struct colmap *m, const char *const *cells,
                 const size_t *lens, unsigned n, const struct bb_config *cfg)
{
    c->m = m;
    c->on = cfg->api == API_CLOUD && m->col[COL_RULE] >= 0;
    c->workspace = cfg->workspace != NULL;
    c->plain_group = m->col[COL_GROUP];
    c->plain_user = m->col[COL_USER];
    c->keys = -1;
    if (!c->on || !cells)
        return;
    /* the columns a run without --map would read: the Data Center names */
    struct colmap plain;
    struct bb_config bare = *cfg;
    char err[256];
    bare.nmap = 0;
    if (colmap_build(&plain, cells, lens, n, &bare, err, sizeof err) == 0) {
        c->plain_group = plain.col[COL_GROUP];
        c->plain_user = plain.col[COL_USER];
    }
    for (unsigned i = 0; i < n; i++) {
        const char *s = cells[i];
        size_t len = lens[i];
        if (ascii_ieq(s, len, "access_keys"))
            c->keys = (int)i;
    }
}

/* A cell of the record, trimmed ("" for a column it does not have). */
static void cell(const struct csvin_record *rec, int col, const char **s, size_t *len)
{
    *s = "";
    *len = 0;
    if (col < 0 || (unsigned)col >= rec->n)
        return;
    *s = rec->cells[col];
    *len = rec->lens[col];
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

int carry_claims(const struct carry *c, const struct csvin_record *rec)
{
    if (!c->on || rec->problem)
        return 0;
    const char *s;
    size_t len;
    char why[600];
    row_cell(c->m, COL_RULE, rec->cells, rec->lens, rec->n, &s, &len);
    /* the flavours' rule names do not overlap: a Data Center name says so */
    return len && brule_rule_parse(API_DATACENTER, s, len, why, sizeof why) != NULL &&
           brule_rule_parse(API_CLOUD, s, len, why, sizeof why) == NULL;
}

/* Empty a column of both records. */
static void blank(struct carry *c, int col)
{
    if (col < 0 || (unsigned)col >= c->rec[0].n)
        return;
    for (int k = 0; k < 2; k++) {
        c->cells[k][col] = "";
        c->lens[k][col] = 0;
    }
}

static void set(struct carry *c, int col, const char *s, size_t len)
{
    if (col < 0 || (unsigned)col >= c->rec[0].n)
        return;
    for (int k = 0; k < 2; k++) {
        c->cells[k][col] = s;
        c->lens[k][col] = len;
    }
}

/* Append to the note, "; " between parts. */
static void note_add(struct carry *c, const char *part)
{
    size_t at = strlen(c->note);
    msg_printf(c->note + at, sizeof c->note - at, "%s%s", at ? "; " : "", part);
}

/* The subject cells of a rule whose Cloud kind lists who may: the Cloud
 * names must be there (a Data Center username never goes to Cloud).
 * Returns 0 or -1 with a message. */
static int check_subjects(const struct carry *c, const struct csvin_record *rec, char *msg,
                          size_t msgsz)
{
    const struct colmap *m = c->m;
    const char *g, *pg, *u, *pu;
    size_t gl, pgl, ul, pul;
    char v[80];
    row_cell(m, COL_GROUP, rec->cells, rec->lens, rec->n, &g, &gl);
    row_cell(m, COL_USER, rec->cells, rec->lens, rec->n, &u, &ul);
    cell(rec, c->plain_group, &pg, &pgl);
    cell(rec, c->plain_user, &pu, &pul);
    if (!gl && pgl && c->plain_group != m->col[COL_GROUP]) {
        row_show(v, sizeof v, pg, pgl);
        return msg_printf(msg, msgsz, "%s: empty for the Data Center group '%s' (the group column, "
                          "by --map); fill in its Cloud group", m->label[COL_GROUP], v), -1;
    }
    if (gl || (!ul && !pul))
        return 0;
    if (m->label[COL_USER] == colmap_role_name(COL_USER)) {
        row_show(v, sizeof v, u, ul);
        return msg_printf(msg, msgsz, "%s: '%s' is a Data Center username; carry users to Cloud "
                          "by email: --map user=email (the export's email column)",
                          m->label[COL_USER], v), -1;
    }
    if (!ul) {
        row_show(v, sizeof v, pu, pul);
        return msg_printf(msg, msgsz, "%s: empty: the Data Center user '%s' has no email to carry "
                          "them by (the user column, by --map); fill in their address, or "
                          "leave the row out", m->label[COL_USER], v), -1;
    }
    return 0;
}

/* A rule whose Cloud kind lists no one: the subject cells emptied, the
 * note naming what was dropped. A row that removes an exemption has
 * nothing to do on Cloud: invalid (removing the restriction instead would
 * claim less protection). */
static int drop_subjects(struct carry *c, const struct csvin_record *rec, const char *dc,
                         const char *cloud, int remove, char *msg, size_t msgsz)
{
    const struct colmap *m = c->m;
    const char *g, *u;
    size_t gl, ul;
    row_cell(m, COL_GROUP, rec->cells, rec->lens, rec->n, &g, &gl);
    row_cell(m, COL_USER, rec->cells, rec->lens, rec->n, &u, &ul);
    if (!gl)
        cell(rec, c->plain_group, &g, &gl);
    /* the Data Center name, which the user knows the row by */
    const char *pu;
    size_t pul;
    cell(rec, c->plain_user, &pu, &pul);
    if (pul)
        u = pu, ul = pul;
    if (!gl && !ul)
        return 0;
    if (gl && ul)
        return msg_printf(msg, msgsz, "%s and %s: both are set; give exactly one",
                          m->label[COL_GROUP], m->label[COL_USER]), -1;
    char who[90], v[80];
    row_show(v, sizeof v, gl ? g : u, gl ? gl : ul);
    msg_printf(who, sizeof who, "%s %s", gl ? "group" : "user", v);
    if (remove)
        return msg_printf(msg, msgsz, "%s: removing the exemption of %s from %s has nothing to "
                          "carry: Cloud's %s exempts no one", m->label[gl ? COL_GROUP : COL_USER],
                          who, dc, cloud), -1;
    char part[CARRY_NOTE_MAX];
    msg_printf(part, sizeof part, "the exemption of %s is dropped: Cloud's %s exempts no one",
               who, cloud);
    note_add(c, part);
    blank(c, m->col[COL_GROUP]);
    blank(c, m->col[COL_USER]);
    blank(c, c->plain_group);
    blank(c, c->plain_user);
    return 0;
}

int carry_record(struct carry *c, const struct csvin_record *rec, char *msg, size_t msgsz)
{
    const struct colmap *m = c->m;
    const char *const *L = m->label;
    const char *s;
    size_t len;
    char why[600], v[80];
    c->n = 0;
    c->note[0] = '\0';

    row_cell(m, COL_RULE, rec->cells, rec->lens, rec->n, &s, &len);
    const struct brule_rule *rule = brule_rule_parse(API_DATACENTER, s, len, why, sizeof why);
    if (!rule)
        return msg_printf(msg, msgsz, "%s: %s", L[COL_RULE], why), -1;
    if (!c->workspace) {
        /* how to carry it, then Cloud's own rules (as far as they fit) */
        brule_rule_parse(API_CLOUD, s, len, why, sizeof why);
        const char *has = strstr(why, "it has: ");
        return msg_printf(msg, msgsz, "%s: %s is a Data Center rule; to carry Data Center branch "
                          "rules to Cloud, give --workspace W (and --map user=email): see "
                          "docs/datacenter.md; Cloud's rules are %s", L[COL_RULE], rule->name,
                          has ? has + 8 : "push, restrict_merges, ..."), -1;
    }
    struct brule_carry to;
    if (brule_carry_rule(rule->name, &to) != 0 || to.why_not)
        return msg_printf(msg, msgsz, "%s: %s is not carried: %s", L[COL_RULE], rule->name,
                          to.why_not ? to.why_not : "unknown rule"), -1;

    struct brule_branch dcb, cb;
    row_cell(m, COL_BRANCH, rec->cells, rec->lens, rec->n, &s, &len);
    if (!len)
        return msg_printf(msg, msgsz, "%s: empty; a branch rule needs a branch, a pattern or "
                          "model:TYPE", L[COL_BRANCH]), -1;
    if (brule_branch_parse(API_DATACENTER, s, len, &dcb, why, sizeof why) != 0 ||
        brule_carry_branch(&dcb, &cb, why, sizeof why) != 0)
        return msg_printf(msg, msgsz, "%s: %s", L[COL_BRANCH], why), -1;

    /* the records: copies of the row's cells */
    if (rec->n > c->cap) {
        c->cap = rec->n;
        for (int k = 0; k < 2; k++) {
            c->cells[k] = xrealloc(c->cells[k], c->cap * sizeof *c->cells[k]);
            c->lens[k] = xrealloc(c->lens[k], c->cap * sizeof *c->lens[k]);
        }
    }
    for (int k = 0; k < 2; k++) {
        memcpy(c->cells[k], rec->cells, rec->n * sizeof *rec->cells);
        memcpy(c->lens[k], rec->lens, rec->n * sizeof *rec->lens);
        c->rec[k] = *rec;
        c->rec[k].cells = c->cells[k];
        c->rec[k].lens = c->lens[k];
        c->cells[k][m->col[COL_RULE]] = to.rule[k < (int)to.n ? k : 0];
        c->lens[k][m->col[COL_RULE]] = strlen(to.rule[k < (int)to.n ? k : 0]);
    }
    c->branch.len = 0;
    brule_branch_cell(API_CLOUD, &cb, &c->branch);
    buf_addc(&c->branch, '\0');
    set(c, m->col[COL_BRANCH], c->branch.data, c->branch.len - 1);

    /* a project row: every repository of the project in the workspace */
    const char *repo, *proj;
    size_t repol, projl;
    row_cell(m, COL_REPO, rec->cells, rec->lens, rec->n, &repo, &repol);
    row_cell(m, COL_PROJECT, rec->cells, rec->lens, rec->n, &proj, &projl);
    if (!repol && projl) {
        row_show(v, sizeof v, proj, projl);
        if (m->col[COL_REPO] < 0 || (unsigned)m->col[COL_REPO] >= rec->n)
            return msg_printf(msg, msgsz, "%s: a project row goes to every repository of the "
                              "project, written '%s/*' in a repo column the header does not "
                              "have", L[COL_PROJECT], v), -1;
        c->repo.len = 0;
        buf_add(&c->repo, proj, projl);
        buf_adds(&c->repo, "/*");
        buf_addc(&c->repo, '\0');
        set(c, m->col[COL_REPO], c->repo.data, c->repo.len - 1);
    }

    row_cell(m, COL_PRIVILEGE, rec->cells, rec->lens, rec->n, &s, &len);
    int remove = len && (ascii_ieq(s, len, "none") || ascii_ieq(s, len, "revoke"));
    if (to.keeps_subjects ? check_subjects(c, rec, msg, msgsz) != 0
                          : drop_subjects(c, rec, rule->name, to.rule[0], remove, msg,
                                          msgsz) != 0)
        return -1;

    cell(rec, c->keys, &s, &len);
    if (len) {
        row_show(v, sizeof v, s, len);
        char part[CARRY_NOTE_MAX];
        msg_printf(part, sizeof part, "Data Center access keys %s are not carried (Cloud "
                   "exempts users and groups only)", v);
        note_add(c, part);
    }
    c->n = to.n;
    return (int)c->n;
}

void carry_free(struct carry *c)
{
    for (int k = 0; k < 2; k++) {
        free(c->cells[k]);
        free(c->lens[k]);
    }
    buf_free(&c->branch);
    buf_free(&c->repo);
}
