/* rusty-sandbox: entry point. Parses the command line and hands over to one command. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_exit_for_error(const struct sbx_error *err)
{
    switch (err->kind) {
    case SBX_ERR_USAGE:
        return EXIT_USAGE;
    case SBX_ERR_INPUT:
        return EXIT_NOINPUT;
    case SBX_ERR_UNSUPPORTED:
        return EXIT_UNSUPPORTED;
    case SBX_ERR_NO_RUNTIME:
        return EXIT_NO_RUNTIME;
    case SBX_ERR_HOST:
        return EXIT_HOST;
    case SBX_ERR_NONE:
    case SBX_ERR_INTERNAL:
        return EXIT_SANDBOX;
    }
    return EXIT_SANDBOX;
}

int cli_print_json(json_t *value)
{
    char *s = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (!s)
        return EXIT_SANDBOX;
    puts(s);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    /* A closed stdout (| head) must not kill the supervisor mid-run: writes get EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (argc == 2 && !strcmp(argv[1], "--help-roff")) { /* build-time: the man page's options */
        cli_print_roff_options();
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--help-toml-roff")) { /* build-time: rusty-sandbox.toml(5) */
        char *keys = sbx_config_keys_roff();
        if (!keys)
            return EXIT_SANDBOX;
        fputs(keys, stdout);
        free(keys);
        return 0;
    }
    static struct cli cli; /* ~100 KiB: zero pages left untouched, not memset on the stack */
    sbx_policy_init(&cli.policy);
    int r = cli_parse(&cli, argc - 1, argv + 1);
    if (r)
        return r;
    if (cli.help) {
        cli_print_help(cli.command);
        return 0;
    }
    if (cli.version) {
        printf("rusty-sandbox %s\n", sbx_version());
        return 0;
    }
    if (cli.command == CMD_NONE) {
        cli_print_help(CMD_NONE);
        return EXIT_USAGE;
    }
    if ((cli.command == CMD_RUN || cli.command == CMD_CONFIG || cli.command == CMD_CHECK) &&
        (r = cli_load_config(&cli))) {
        sbx_config_free(cli.config);
        return r;
    }
    switch (cli.command) {
    case CMD_RUN:
        r = cmd_run(&cli);
        break;
    case CMD_LIST:
        r = cmd_list(&cli);
        break;
    case CMD_DOCTOR:
        r = cmd_doctor(&cli);
        break;
    case CMD_CONFIG:
        r = cmd_config(&cli);
        break;
    case CMD_CLEANUP:
        r = cmd_cleanup(&cli);
        break;
    case CMD_PS:
        r = cmd_ps(&cli);
        break;
    case CMD_KILL:
        r = cmd_kill(&cli);
        break;
    case CMD_DASHBOARD:
        r = cmd_dashboard(&cli);
        break;
    case CMD_CHECK:
        r = cmd_check(&cli);
        break;
    case CMD_NONE:
        break;
    }
    sbx_config_free(cli.config);
    return r;
}
