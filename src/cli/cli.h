/*
 * The rusty-sandbox command line: a thin client of include/sbx. Options are one table
 * (options.c) that drives parsing, --help and the man page's option list.
 */
#ifndef SBX_CLI_H
#define SBX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sbx/config.h"
#include "sbx/sbx.h"

/* Exit codes (documented in README.md and rusty-sandbox(1)). A program that ran to completion
 * gives its own exit code; these are for everything else. */
enum cli_exit {
    EXIT_USAGE = 64,        /* bad command line: unknown option, bad or missing value */
    EXIT_UNSUPPORTED = 65,  /* no runtime for the file */
    EXIT_NOINPUT = 66,      /* program file (or --stdin file) missing or unreadable */
    EXIT_HOST = 69,         /* this host cannot enforce the policy (e.g. no user namespaces) */
    EXIT_TIMEOUT = 124,     /* wall-clock limit reached */
    EXIT_SANDBOX = 125,     /* the sandbox itself failed */
    EXIT_BLOCKED = 126,     /* refused by static analysis (analysis mode block) */
    EXIT_NO_RUNTIME = 127,  /* interpreter missing or not a real binary */
    EXIT_MEMORY = 137,      /* memory limit (the OOM killer's SIGKILL) */
    EXIT_OUTPUT = 141,      /* output limit with --output-limit-action kill */
    EXIT_CPU = 152,         /* CPU time limit (as SIGXCPU) */
    EXIT_VIOLATION = 159,   /* security violation with --on-violation kill (as SIGSYS) */
    EXIT_SIGNAL_BASE = 128, /* + N: killed by signal N, or cancelled by signal N */
};

enum cli_command {
    CMD_NONE = 0,
    CMD_RUN = 1,
    CMD_LIST = 2,
    CMD_CONFIG = 3,
    CMD_DOCTOR = 4,
    CMD_CHECK = 5,      /* static analysis only (cmd-check.c) */
    CMD_CLEANUP = 6,    /* remove the pre-made network namespaces (cmd-doctor.c) */
    CMD_PS = 10,        /* live runs (cmd-ps.c) */
    CMD_KILL = 11,      /* cancel a live run (cmd-kill.c) */
    CMD_DASHBOARD = 12, /* terminal dashboard (tui/) */
};

/* rusty-sandbox check: exit codes (the format editors and CI expect). */
#define CHECK_EXIT_CLEAN 0    /* no finding reaches the block severity */
#define CHECK_EXIT_FINDINGS 1 /* a finding reaches it */
#define CHECK_EXIT_INPUT 2    /* a file is unreadable, unsupported or has a syntax error */
#define CLI_MAX_CHECK_FILES 4096

#define CLI_MAX_ENV 256
#define CLI_MAX_ARGS 4096
#define CLI_MAX_SETTINGS 64
#define CLI_MAX_DIRS 16

/* A flag that sets a config key, applied after the config files. */
struct cli_setting {
    const char *key, *value;
    char label[40];
};

struct cli {
    enum cli_command command;
    const char *file;
    const char *stdin_file;
    const char *lang;
    const char *interpreter;
    const char *config_file;
    const char *target; /* kill: the run id or prefix */
    struct cli_setting settings[CLI_MAX_SETTINGS];
    size_t n_settings;
    const char *env[CLI_MAX_ENV];
    size_t n_env;
    struct sbx_wasm_dir dirs[CLI_MAX_DIRS]; /* --dir, host resolved into dir_paths */
    char dir_paths[CLI_MAX_DIRS][4096];
    size_t n_dirs;
    char **args;
    size_t n_args;
    const char *check_files[CLI_MAX_CHECK_FILES]; /* rusty-sandbox check FILE... */
    size_t n_check_files;
    bool json, quiet, keep, timings, help, version;
    struct sbx_policy policy; /* from the config and the flags (cli_load_config) */
    struct sbx_config *config;
};

/* Parse argv (after the program name) into cli; prints one error line and returns EXIT_USAGE on
 * bad input, 0 on success. */
int cli_parse(struct cli *cli, int argc, char **argv);
void cli_print_help(enum cli_command command);
void cli_print_roff_options(void);

int cmd_run(struct cli *cli);
int cmd_list(struct cli *cli);
int cmd_config(struct cli *cli);
int cmd_doctor(struct cli *cli);
int cmd_cleanup(struct cli *cli);
int cmd_ps(struct cli *cli);
int cmd_kill(struct cli *cli);
int cmd_dashboard(struct cli *cli);
int cmd_check(struct cli *cli);

/* One finding in the check format, `file:line:col: severity: message: detail [rule]`, to f. */
void cli_print_finding(FILE *f, const char *file, const struct sbx_finding *finding);
/* Every finding (and a syntax error) of an analysis in that format. */
void cli_print_analysis(FILE *f, const char *file, const struct sbx_analysis *a);

/* Load the config layers and the flags into cli->config and cli->policy; prints one error line
 * and returns an exit code on failure, 0 on success. */
int cli_load_config(struct cli *cli);

/* "rusty-sandbox: " + message to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print `value` (jansson's json_t, whose reference this takes) indented on stdout: 0, or
 * EXIT_SANDBOX when it could not be encoded. */
struct json_t;
int cli_print_json(struct json_t *value);
int cli_exit_for_error(const struct sbx_error *err);

#endif
