#include "creds.h"

#include <stdlib.h>
#include <string.h>
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

/* While secrets are in memory, no core file holds them and no process of
 * the same user may attach to this one (ptrace, /proc/PID/mem). */
static void keep_out_of_dumps(void)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* A netrc file others may read holds a password they can read: say so, as
 * curl does (the run goes on). path NULL: ~/.netrc. */
static void netrc_mode_warning(const char *path, FILE *err)
{
    char buf[4096];
    if (!path) {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return;
        int n = snprintf(buf, sizeof buf, "%s/.netrc", home);
        if (n < 0 || (size_t)n >= sizeof buf)
            return;
        path = buf;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        fprintf(err, "bbperm: warning: the netrc file '%s' may be read by others (mode %03o): "
                     "chmod 600 it\n", path, (unsigned)(st.st_mode & 0777));
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
        if (cfg->netrc_file && access(cfg->netrc_file, R_OK) != 0) {
            fprintf(err, "bbperm: cannot read netrc file '%s'\n", cfg->netrc_file);
            return 2;
        }
        netrc_mode_warning(cfg->netrc_file, err);
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
