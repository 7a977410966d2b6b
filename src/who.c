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
    memset(w, 0, sizeof *w);
}

int who_resolve(struct who *w, struct session *ses, const char *ws, const char *command)
{
    if (!w->cloud || w->nemails == 0)
        return 0;
    /* the same batched lookup as email rows: 90 addresses a request */
    struct people *p = people_new(ses->api, ses->base.data);
    size_t wslen = strlen(ws);
    for (size_t i = 0; i < w->nemails; i++)
        people_note(p, ws, wslen, w->emails[i], strlen(w->emails[i]));
    people_reader_waiting(p, 1);        /* no more to come: send what there is */
    int rc = 0;
    char shown[400], who_shown[400];
    for (size_t i = 0; i < w->nemails && rc == 0; i++) {
        char account[256], uuid[128];
        struct pager_error err;
        int r = people_resolve(p, ws, wslen, w->emails[i], strlen(w->emails[i]),
                               session_fetch(ses), account, sizeof account, uuid, sizeof uuid,
                               &err);
        str_printable(shown, sizeof shown, ws);
        if (r < 0) {
            if (!err.cancelled) {
                char msg[4 * sizeof err.msg];
                str_printable(msg, sizeof msg, err.msg);
                fprintf(stderr, "bbperm: %s: cannot look up --user addresses in %s: %ld %s\n",
                        command, shown, err.status, msg);
            }
            rc = -1;
        } else if (r > 0) {
            str_printable(who_shown, sizeof who_shown, w->emails[i]);
            fprintf(stderr, "bbperm: %s: no member of %s has the address %s\n", command, shown,
                    who_shown);
        } else {
            add_id(w, account);
            add_id(w, uuid);
        }
    }
    people_free(p);
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
