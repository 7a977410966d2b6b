/* bbperm: parse the command line, load the credentials, set up signals and
 * libcurl, and hand the frozen configuration to one command: apply and plan
 * (run.c), export (export.c) or access (access.c). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "api.h"
#include "cancel.h"
#include "cli.h"
#include "creds.h"
#include "export.h"
#include "http.h"
#include "run.h"
#include "util.h"

static int dispatch(struct bb_config *cfg)
{
    if (creds_load(cfg, stderr) != 0 || cancel_init() != 0)
        return 2;
    int online = !cfg->dry_run;
    if (online && http_global_init() != 0) {
        fprintf(stderr, "bbperm: cannot initialise libcurl\n");
        return 2;
    }
    api_init();
    int code = cfg->command == CMD_EXPORT   ? export_main(cfg)
             : cfg->command == CMD_ACCESS ? access_main(cfg)
                                          : run_main(cfg);
    api_cleanup();
    if (online)
        http_global_cleanup();
    return code;
}

int main(int argc, char **argv)
{
    /* first: no file opened later may take the number of a closed 0, 1 or 2 */
    int closed = std_fds_open();
    if (closed < 0)
        return 2;
    struct bb_config cfg;
    int rc = cli_parse(argc, argv, &cfg, stderr);
    if (rc == 0)
        rc = cli_check_terminal(&cfg, isatty(STDIN_FILENO), stderr);
    if (rc == 0 && (closed & 2) && (!cfg.output || !strcmp(cfg.output, "-"))) {
        fprintf(stderr, "bbperm: standard output is closed, so the result would be lost: "
                        "give -o FILE\n");
        rc = 2;
    }
    if (rc == 0)
        rc = dispatch(&cfg);
    else if (rc == 1)
        rc = 0;
    creds_free(&cfg);
    cli_free(&cfg);
    return rc;
}
