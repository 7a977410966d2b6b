/* --user: see who.h. The ids are few (as many as --user was given, plus
 * one or two per resolved address), so they sit in a plain array. */
#include "who.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "people.h"

static void add_id(struct who *w, const char *id)
{
    if (!id || !id[0])
        return;
    for (size_t i = 0; i < w->nids; i++)
        if (!strcmp(w->ids[i], id))
            return;
    w->ids = xrealloc(w->ids, (w->nids + 1) * sizeof *w->ids);
    w->ids[w->nids++] = xstrdup(id);
}

void who_init(struct who *w, const struct bb_config *cfg, const struct api_ops *api)
{
    memset(w, 0, sizeof *w);
    w->active = cfg->nusers > 0;
    w->cloud = api->resolves_emails;
    w->given = (const char *const *)cfg->users;
    w->ngiven = (size_t)cfg->nusers;
    w->given_found = xcalloc(w->ngiven + 1, 1);
    w->email_found = xcalloc(w->ngiven + 1, 1);
    for (int i = 0; i < cfg->nusers; i++) {
        const char *u = cfg->users[i];
        if (strchr(u, '@')) {
            w->emails = xrealloc(w->emails, (w->nemails + 1) * sizeof *w->emails);
            w->emails[w->nemails++] = u;
            if (w->cloud)
                continue;
        }
        add_id(w, u);
    }
}

void who_free(struct who *w)
{
    for (size_t i = 0; i < w->nids; i++)
        free(w->ids[i]);
    free(w->ids);
    free((void *)w->emails);
    free(w->given_found);
    free(w->email_found);
    memset(w, 0, sizeof *w);
}

/* Cloud: resolve the addresses in one workspace; marks what it found. */
static int resolve_emails(struct who *w, struct session *ses, const char *ws, const char *command)
{
    /* the same batched lookup as email rows: 90 addresses a request */
    struct people *p = people_new(ses->api, ses->base.data);
    size_t wslen = strlen(ws);
    for (size_t i = 0; i < w->nemails; i++)
        people_note(p, ws, wslen, w->emails[i], strlen(w->emails[i]));
    people_reader_waiting(p, 1);        /* no more to come: send what there is */
    int rc = 0;
    for (size_t i = 0; i < w->nemails && rc == 0; i++) {
        char account[256], uuid[128];
        struct pager_error err;
        int r = people_resolve(p, ws, wslen, w->emails[i], strlen(w->emails[i]),
                               session_fetch(ses), account, sizeof account, uuid, sizeof uuid,
                               &err);
        if (r < 0) {
            if (!err.cancelled) {
                char shown[400], msg[4 * sizeof err.msg];
                str_printable(shown, sizeof shown, ws);
                str_printable(msg, sizeof msg, err.msg);
                fprintf(stderr, "bbperm: %s: cannot look up --user addresses in %s: %ld %s\n",
                        command, shown, err.status, msg);
            }
            rc = -1;
        } else if (r == 0) {
            add_id(w, account);
            add_id(w, uuid);
            w->email_found[i] = 1;
        }
    }
    people_free(p);
    return rc;
}

struct find {
    const struct api_ops *api;
    const char *who;
};

static int on_user(void *ctx, const cJSON *item)
{
    struct find *f = ctx;
    struct api_reach r;
    if (f->api->member_item(item, &r) != 0)
        return 0;
    return !strcasecmp(r.id, f->who) || (r.email && !strcasecmp(r.email, f->who));
}

/* Is who a person: 1 yes, 0 no, -1 the lookup failed (named on stderr). */
static int find_one(struct session *ses, const char *ws, const char *who, const char *command)
{
    const struct api_ops *api = ses->api;
    struct buf url = {0};
    buf_add(&url, ses->base.data, ses->base.len);
    api->user_find(&url, ws, who);
    buf_addc(&url, '\0');
    struct pager_error err;
    int rc;
    if (api->user_find_lists) {
        struct find f = {api, who};
        rc = pager_walk(api, url.data, session_fetch(ses), on_user, &f, NULL, &err);
        rc = rc < 0 ? -1 : rc;
    } else {
        const struct pager_fetch *f = session_fetch(ses);
        const char *body;
        size_t len;
        memset(&err, 0, sizeof err);
        rc = f->fn(f->ctx, url.data, &body, &len, &err) == 0 ? 1 : err.status == 404 ? 0 : -1;
    }
    buf_free(&url);
    if (rc < 0 && !err.cancelled) {
        char shown[400], msg[4 * sizeof err.msg];
        str_printable(shown, sizeof shown, who);
        str_printable(msg, sizeof msg, err.msg);
        if (err.status)
            fprintf(stderr, "bbperm: %s: cannot look up --user %s: %ld %s\n", command, shown,
                    err.status, msg);
        else
            fprintf(stderr, "bbperm: %s: cannot look up --user %s: %s\n", command, shown, msg);
    }
    return rc;
}

int who_prepare(struct who *w, struct session *ses, const char *command)
{
    if (!w->active)
        return 0;
    const struct bb_config *cfg = ses->cfg;
    int rc = 0;
    /* Cloud: the workspaces of the scopes, each once, and as a message names them */
    char **wss = xcalloc((size_t)cfg->nscopes + 1, sizeof *wss);
    size_t nws = 0;
    struct buf names = {0};
    for (int i = 0; w->cloud && i < cfg->nscopes; i++) {
        size_t wl = strcspn(cfg->scopes[i], "/");
        int again = 0;
        for (size_t k = 0; k < nws; k++)
            again |= strlen(wss[k]) == wl && !strncmp(wss[k], cfg->scopes[i], wl);
        if (again)
            continue;
        wss[nws] = xstrdup(cfg->scopes[i]);
        wss[nws][wl] = '\0';
        char shown[400];
        str_printable(shown, sizeof shown, wss[nws]);
        if (names.len)
            buf_adds(&names, ", ");
        buf_adds(&names, shown);
        nws++;
    }
    buf_addc(&names, '\0');
    if (w->cloud) {
        for (size_t i = 0; i < nws && rc == 0; i++) {
            rc = w->nemails ? resolve_emails(w, ses, wss[i], command) : 0;
            for (size_t k = 0; k < w->ngiven && rc == 0; k++) {
                if (w->given_found[k] || strchr(w->given[k], '@'))
                    continue;
                int r = find_one(ses, wss[i], w->given[k], command);
                if (r < 0)
                    rc = -1;
                else
                    w->given_found[k] = (unsigned char)r;
            }
        }
        for (size_t k = 0, e = 0; k < w->ngiven; k++)
            if (strchr(w->given[k], '@'))
                w->given_found[k] = w->email_found[e++];
    } else {
        for (size_t k = 0; k < w->ngiven && rc == 0; k++) {
            int r = find_one(ses, "", w->given[k], command);
            if (r < 0)
                rc = -1;
            else
                w->given_found[k] = (unsigned char)r;
        }
    }
    for (size_t k = 0; k < w->ngiven && rc == 0; k++) {
        if (w->given_found[k])
            continue;
        char shown[400];
        str_printable(shown, sizeof shown, w->given[k]);
        int email = strchr(w->given[k], '@') != NULL;
        if (w->cloud)
            fprintf(stderr, "bbperm: %s: --user %s names nobody: no member of %s has that %s\n",
                    command, shown, names.data, email ? "address" : "id");
        else
            fprintf(stderr, "bbperm: %s: --user %s names nobody: the server has no user of that "
                            "name%s\n", command, shown, email ? " or address" : "");
    }
    for (size_t k = 0; k < w->ngiven && rc == 0; k++)
        if (!w->given_found[k])
            rc = -1;
    for (size_t i = 0; i < nws; i++)
        free(wss[i]);
    free(wss);
    buf_free(&names);
    return rc;
}

int who_match(const struct who *w, const char *id, const char *alt, const char *email)
{
    if (!w->active)
        return 1;
    for (size_t i = 0; i < w->nids; i++) {
        if ((id && !strcasecmp(w->ids[i], id)) || (alt && !strcasecmp(w->ids[i], alt)))
            return 1;
    }
    if (!w->cloud && email && email[0]) {
        for (size_t i = 0; i < w->nemails; i++)
            if (!strcasecmp(w->emails[i], email))
                return 1;
    }
    return 0;
}
