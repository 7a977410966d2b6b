#include "creds.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int pair(struct bb_config *cfg, const char *uvar, const char *svar,
                const char *source, FILE *err)
{
    const char *u = env(uvar), *s = env(svar);
    if (!u && !s)
        return 0;
    if (!u || !s) {
        fprintf(err, "bbperm: %s is set but %s is not; set both\n",
                u ? uvar : svar, u ? svar : uvar);
        return -1;
    }
    cfg->auth = AUTH_BASIC;
    cfg->user = xstrdup(u);
    cfg->secret = xstrdup(s);
    cfg->auth_source = source;
    return 1;
}

int creds_netrc_has_host(FILE *f, const char *host)
{
    /* netrc is a stream of whitespace-separated tokens: an entry starts at
     * `machine NAME` or `default`; libcurl reads the login and password */
    char tok[512];
    int want_name = 0;
    while (fscanf(f, "%511s", tok) == 1) {
        if (want_name) {
            if (!strcasecmp(tok, host))
                return 1;
            want_name = 0;
        } else if (!strcmp(tok, "default")) {
            return 1;
        } else if (!strcmp(tok, "machine")) {
            want_name = 1;
        }
    }
    return 0;
}

/* --netrc / --netrc-file: the file must be readable and hold an entry for
 * the base URL's host, else libcurl would send every request anonymously. */
static void warn_open(FILE *err, const char *shown, const struct stat *st)
{
    fprintf(err, "bbperm: warning: the netrc file '%s' may be read by others (mode %03o): "
                 "chmod 600 it\n", shown, (unsigned)(st->st_mode & 0777));
}

static int netrc_check(const struct bb_config *cfg, FILE *err)
{
    char path[4096];
    const char *shown = cfg->netrc_file;
    if (cfg->netrc_file) {
        if (snprintf(path, sizeof path, "%s", cfg->netrc_file) >= (int)sizeof path) {
            fprintf(err, "bbperm: --netrc-file: the path is too long\n");
            return -1;
        }
    } else {
        const char *home = env("HOME");
        if (!home) {
            fprintf(err, "bbperm: --netrc: HOME is not set, so there is no ~/.netrc; give --netrc-file PATH\n");
            return -1;
        }
        if (snprintf(path, sizeof path, "%s/.netrc", home) >= (int)sizeof path) {
            fprintf(err, "bbperm: --netrc: the path of ~/.netrc is too long\n");
            return -1;
        }
        shown = path;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "bbperm: cannot read netrc file '%s': %s\n", shown, strerror(errno));
        return -1;
    }
    /* a netrc file others may read holds a password they can read: say so,
     * as curl does, once it is the one the run uses (the run goes on) */
    struct stat st;
    int open_to_others = fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO));
    CURLU *u = curl_url();
    char *host = NULL;
    if (!u || curl_url_set(u, CURLUPART_URL, cfg->base_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        fclose(f);
        if (open_to_others)
            warn_open(err, shown, &st);
        return 0;               /* cli_parse checked the URL already */
    }
    int found = creds_netrc_has_host(f, host);
    fclose(f);
    if (found && open_to_others)
        warn_open(err, shown, &st);
    if (!found)
        fprintf(err, "bbperm: netrc file '%s' has no entry for %s: add 'machine %s login USER "
                     "password SECRET'\n", shown, host, host);
    curl_free(host);
    curl_url_cleanup(u);
    return found ? 0 : -1;
}

/* While secrets are in memory, no core file holds them and no process of
 * the same user may attach to this one (ptrace, /proc/PID/mem). */
static void keep_out_of_dumps(void)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int creds_load(struct bb_config *cfg, FILE *err)
{
    int r = pair(cfg, "BITBUCKET_EMAIL", "BITBUCKET_API_TOKEN",
                 "BITBUCKET_EMAIL + BITBUCKET_API_TOKEN", err);
    if (r < 0)
        return 2;
    if (r == 0 && env("BITBUCKET_TOKEN")) {
        cfg->auth = AUTH_BEARER;
        cfg->secret = xstrdup(env("BITBUCKET_TOKEN"));
        cfg->auth_source = "BITBUCKET_TOKEN";
        r = 1;
    }
    if (r == 0) {
        r = pair(cfg, "BITBUCKET_USERNAME", "BITBUCKET_APP_PASSWORD",
                 "BITBUCKET_USERNAME + BITBUCKET_APP_PASSWORD", err);
        if (r < 0)
            return 2;
    }
    if (r == 0 && (cfg->netrc || cfg->netrc_file)) {
        if (netrc_check(cfg, err) != 0)
            return 2;
        cfg->auth = AUTH_NETRC;
        cfg->auth_source = cfg->netrc_file ? "the --netrc-file" : "~/.netrc";
        r = 1;
    }
    if (r == 1)
        keep_out_of_dumps();
    if (r == 0) {
        if (cfg->dry_run)
            return 0;
        fprintf(err, "bbperm: no credentials: set BITBUCKET_EMAIL and BITBUCKET_API_TOKEN "
                     "(or BITBUCKET_TOKEN), or use --netrc / --netrc-file\n");
        return 2;
    }
    return 0;
}

void creds_free(struct bb_config *cfg)
{
    if (cfg->user) {
        wipe(cfg->user, strlen(cfg->user));
        free(cfg->user);
    }
    if (cfg->secret) {
        wipe(cfg->secret, strlen(cfg->secret));
        free(cfg->secret);
    }
    cfg->user = cfg->secret = NULL;
}
