/*
 * rusty-sandbox kill ID: cancel a live run from another terminal. ID is a run id or a unique
 * prefix of one (as `ps` shows). The run's supervisor gets SIGTERM through a pidfd (never a
 * reused pid), which cancels the run: the whole sandbox is killed and the run ends with verdict
 * "cancelled". Waits up to KILL_WAIT_MS for the supervisor to exit.
 *
 * Exit codes (documented in rusty-sandbox(1)): 0 the run was cancelled; 1 no live run has that
 * id or prefix, the prefix is ambiguous, or the run ended first; 2 the signal could not be sent
 * (another user's run); 3 the signal was sent but the run had not ended after the wait.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/live-format.h"
#include "sbx/live.h"

#define KILL_WAIT_MS 10000

int cmd_kill(struct cli *cli)
{
    if (!cli->target) {
        cli_err("kill: no run id given (usage: rusty-sandbox kill ID; see rusty-sandbox ps)");
        return EXIT_USAGE;
    }
    struct sbx_live_entry e;
    struct sbx_error err = {0};
    int r = sbx_live_kill(cli->target, SIGTERM, KILL_WAIT_MS, &e, &err);
    if (r == 0) {
        char file[256];
        live_sanitize(file, sizeof(file), e.file);
        printf("cancelled run %s (%s)\n", e.id, file);
        return 0;
    }
    char msg[sizeof(err.message)]; /* may quote a runtime name from a registry file */
    live_sanitize(msg, sizeof(msg), err.message);
    cli_err("kill: %s", msg);
    switch (-r) {
    case ENOENT:
    case EINVAL:
    case ESRCH:
        return 1;
    case ETIMEDOUT:
        return 3;
    default:
        return 2;
    }
}
