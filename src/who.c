/* --user: see who.h. The ids are few (as many as --user was given, plus
 * one or two per resolved address), so they sit in a plain array. */
#include "who.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

struct found {
    struct who *w;
    unsigned char *seen;        /* per email of the batch */
    const char *const *batch;
    unsigned n;
};

static int on_member(void *ctx, const cJSON *item)
{
    struct found *f = ctx;
    struct api_member m;
    if (api_member_item(item, &m) != 0)
        return 0;
    for (unsigned i = 0; i < f->n; i++) {
        if (!strcasecmp(f->batch[i], m.email)) {
            f->seen[i] = 1;
            add_id(f->w, m.account_id);
            add_id(f->w, m.uuid);
        }
    }
    return 0;
}

int who_resolve(struct who *w, struct session *ses, const char *ws, const char *command)
{
    if (!w->cloud || w->nemails == 0)
        return 0;
    int rc = 0;
    for (size_t at = 0; at < w->nemails && rc == 0; at += API_EMAILS_PER_QUERY) {
        unsigned n = (unsigned)(w->nemails - at < API_EMAILS_PER_QUERY ? w->nemails - at
                                                                       : API_EMAILS_PER_QUERY);
        unsigned char seen[API_EMAILS_PER_QUERY] = {0};
        struct found f = {w, seen, w->emails + at, n};
        struct buf url = {0};
        buf_add(&url, ses->base.data, ses->base.len);
        api_members_by_email(&url, ws, w->emails + at, n);
        struct pager_error err;
        unsigned pages = 0;
        int wr = pager_walk(ses->api, url.data, session_fetch(ses), on_member, &f, &pages, &err);
        buf_free(&url);
        w->lookups += pages;
        char shown[400], msg[4 * sizeof err.msg];
        if (wr < 0) {
            if (!err.cancelled) {
                str_printable(shown, sizeof shown, ws);
                str_printable(msg, sizeof msg, err.msg);
                fprintf(stderr, "bbperm: %s: cannot look up --user addresses in %s: %ld %s\n",
                        command, shown, err.status, msg);
            }
            rc = -1;
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            if (!seen[i]) {
                char who_shown[400];
                str_printable(who_shown, sizeof who_shown, f.batch[i]);
                str_printable(shown, sizeof shown, ws);
                fprintf(stderr, "bbperm: %s: no member of %s has the address %s\n", command,
                        shown, who_shown);
            }
        }
    }
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
