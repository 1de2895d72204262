/*
 * Loading the configuration for every command, and `rusty-sandbox config`: the effective
 * configuration as TOML (each value with a comment naming its origin) or JSON.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sbx-config.h"

/*
 * SECURITY: root running the installed binary keeps an audit trail by default (the build's
 * system_audit_log, /var/log/rusty-sandbox/audit.jsonl unless a packager chose another); users
 * and development builds default to none. It is the lowest layer: a config file or flag may
 * change it, and audit_log = "" turns it off.
 */
static int installed_root_default(struct sbx_config *c, struct sbx_error *err)
{
    char self[PATH_MAX];
    if (geteuid() != 0 || !SBX_SYSTEM_AUDIT_LOG[0])
        return 0;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 0;
    self[n] = '\0';
    if (strcmp(self, SBX_INSTALLED_BIN))
        return 0;
    return sbx_config_set(c, "general.audit_log", SBX_SYSTEM_AUDIT_LOG,
                          "default for root (installed binary)", err);
}

/* A warning about one runtime's settings is noise for a run of another language. */
static bool warning_applies(const struct cli *cli, const char *runtime)
{
    if (!runtime || cli->command != CMD_RUN)
        return true;
    const struct sbx_runtime *rt =
        cli->lang ? sbx_runtime_by_name(cli->lang) : sbx_runtime_for_file(cli->file);
    return !rt || !strcmp(sbx_runtime_name(rt), runtime);
}

int cli_load_config(struct cli *cli)
{
    struct sbx_error err = {0};
    cli->config = sbx_config_new();
    if (!cli->config) {
        cli_err("out of memory");
        return EXIT_SANDBOX;
    }
    int r = installed_root_default(cli->config, &err);
    if (r == 0)
        r = sbx_config_load_standard(cli->config, &err);
    if (r == 0 && cli->config_file)
        r = sbx_config_load_file(cli->config, cli->config_file, SBX_ORIGIN_FILE, false, &err);
    for (size_t i = 0; r == 0 && i < cli->n_settings; i++)
        r = sbx_config_set(cli->config, cli->settings[i].key, cli->settings[i].value,
                           cli->settings[i].label, &err);
    if (r == 0)
        r = sbx_config_policy(cli->config, &cli->policy, &err);
    if (r < 0) {
        cli_err("%s", err.message);
        return cli_exit_for_error(&err);
    }
    if (sbx_config_log_level(cli->config) >= SBX_LOG_WARN)
        for (size_t i = 0; i < sbx_config_warning_count(cli->config); i++)
            if (warning_applies(cli, sbx_config_warning_runtime(cli->config, i)))
                fprintf(stderr, "rusty-sandbox: warning: %s\n", sbx_config_warning(cli->config, i));
    return 0;
}

int cmd_config(struct cli *cli)
{
    char *text = sbx_config_dump(cli->config, cli->json);
    if (!text) {
        cli_err("out of memory");
        return EXIT_SANDBOX;
    }
    fputs(text, stdout);
    if (cli->json)
        fputc('\n', stdout);
    free(text);
    return 0;
}
