/*
 * The option table and its parser. Options may stand before or after FILE; everything after
 * `--` goes to the program. Each option names the commands it belongs to.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/macros.h"
#include "util/parse.h"

struct option_def {
    const char *name;  /* without the leading "--" */
    const char *arg;   /* metavariable, NULL for a flag */
    unsigned commands; /* bit mask of 1 << cli_command */
    const char *help;
    int (*handle)(struct cli *cli, const struct option_def *o, const char *value);
    const char *key;   /* the config key it sets ("resource_limits.timeout_s"), or NULL */
    const char *fixed; /* for a flag that sets a key: the value it sets */
};

#define RUN (1u << CMD_RUN)
#define LIST (1u << CMD_LIST)
#define CONF (1u << CMD_CONFIG)
#define DOC (1u << CMD_DOCTOR)
#define PS (1u << CMD_PS)
#define LIVE (PS | (1u << CMD_KILL) | (1u << CMD_DASHBOARD))
#define CHK (1u << CMD_CHECK)
#define CLEAN (1u << CMD_CLEANUP)
#define RC (RUN | CONF)
#define ALL (RUN | LIST | CONF | DOC | LIVE | CHK | CLEAN | 1u)

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("rusty-sandbox: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int bad_value(const char *name, const char *value, const char *what)
{
    cli_err("--%s: '%s' is not valid: expected %s", name, value, what);
    return EXIT_USAGE;
}

/* A limit or setting that is also a config key: recorded now, applied after the config files
 * (flags win over every file). */
static int opt_key(struct cli *cli, const struct option_def *o, const char *value)
{
    if (cli->n_settings >= CLI_MAX_SETTINGS) {
        cli_err("--%s: too many options", o->name);
        return EXIT_USAGE;
    }
    struct cli_setting *st = &cli->settings[cli->n_settings++];
    st->key = o->key;
    st->value = o->fixed ? o->fixed : value;
    snprintf(st->label, sizeof(st->label), "--%s", o->name);
    return 0;
}

static int opt_env(struct cli *cli, const struct option_def *o, const char *v)
{
    if (!sbx__env_entry_valid(v))
        return bad_value(o->name, v, "KEY=VALUE, KEY of letters, digits and _");
    if (cli->n_env >= CLI_MAX_ENV) {
        cli_err("--%s: at most %d variables", o->name, CLI_MAX_ENV);
        return EXIT_USAGE;
    }
    cli->env[cli->n_env++] = v;
    return 0;
}

/* --dir HOST[::GUEST] (wasmtime's convention): HOST resolved now, so the library gets the
 * canonical path it requires (and binds exactly that). */
static int opt_dir(struct cli *cli, const struct option_def *o, const char *v)
{
    const char *sep = strstr(v, "::");
    size_t hlen = sep ? (size_t)(sep - v) : strlen(v);
    char host[PATH_MAX];
    if (cli->n_dirs >= CLI_MAX_DIRS) {
        cli_err("--%s: at most %d directories", o->name, CLI_MAX_DIRS);
        return EXIT_USAGE;
    }
    if (hlen == 0 || hlen >= sizeof(host) || (sep && !sep[2]))
        return bad_value(o->name, v, "HOST_DIR or HOST_DIR::GUEST_PATH");
    snprintf(host, sizeof(host), "%.*s", (int)hlen, v);
    if (!realpath(host, cli->dir_paths[cli->n_dirs])) {
        cli_err("--%s: '%s': %s", o->name, host, strerror(errno));
        return EXIT_USAGE;
    }
    cli->dirs[cli->n_dirs].host = cli->dir_paths[cli->n_dirs];
    cli->dirs[cli->n_dirs].guest = sep ? sep + 2 : v; /* as written, as wasmtime does */
    cli->n_dirs++;
    return 0;
}

static int opt_string(struct cli *cli, const struct option_def *o, const char *v)
{
    if (!*v) {
        cli_err("--%s: the value must not be empty", o->name);
        return EXIT_USAGE;
    }
    const struct {
        const char *name;
        const char **slot;
    } slots[] = {{"stdin", &cli->stdin_file},
                 {"lang", &cli->lang},
                 {"interpreter", &cli->interpreter},
                 {"config", &cli->config_file}};
    for (size_t i = 0; i < ARRAY_SIZE(slots); i++)
        if (!strcmp(o->name, slots[i].name))
            *slots[i].slot = v;
    return 0;
}

static int opt_flag(struct cli *cli, const struct option_def *o, const char *v)
{
    (void)v;
    const struct {
        const char *name;
        bool *flag;
    } flags[] = {{"json", &cli->json},       {"quiet", &cli->quiet}, {"keep", &cli->keep},
                 {"timings", &cli->timings}, {"help", &cli->help},   {"version", &cli->version}};
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (!strcmp(o->name, flags[i].name))
            *flags[i].flag = true;
    return 0;
}

#define K(key) opt_key, key, NULL
static const struct option_def options[] = {
    {"timeout", "S", RC, "wall-clock limit in seconds, fractional (default 30, 0: none)",
     K("resource_limits.timeout_s")},
    {"memory-limit", "MB", RC, "memory of the whole run, swap off (default 512, 0: none)",
     K("resource_limits.memory_limit_mb")},
    {"cpu-limit", "S", RC, "CPU seconds of all processes, fractional (default: none)",
     K("resource_limits.cpu_time_limit_s")},
    {"cpus", "N", RC, "CPU share, e.g. 0.5 (default: no cap)", K("resource_limits.cpus")},
    {"max-processes", "N", RC, "tasks at once, threads included (default 128, 0: none)",
     K("resource_limits.max_processes")},
    {"max-file-size", "KB", RC, "largest file the program may write (default 65536, 0: none)",
     K("resource_limits.max_file_size_kb")},
    {"max-open-files", "N", RC, "open descriptors per process (default 256; Node.js needs 20)",
     K("resource_limits.max_open_files")},
    {"max-output", "KB", RC, "bytes kept per output stream, head and tail (default 1024)",
     K("resource_limits.max_output_kb")},
    {"output-limit-action", "ACTION", RC,
     "what passing --max-output does: truncate (default) or kill",
     K("resource_limits.output_limit_action")},
    {"allow-weaker-limits", NULL, RC,
     "without a usable cgroup, enforce limits with rlimits instead of refusing to run", opt_key,
     "resource_limits.fallback", "rlimit"},
    {"audit-log", "FILE", RC, "append one JSON line per run to FILE (the audit log)",
     K("general.audit_log")},
    {"telemetry", "FILE", RC, "append the run's events as JSON lines to FILE (-: stderr)",
     K("telemetry.events_file")},
    {"metrics-file", "FILE", RC, "update this Prometheus textfile after the run",
     K("telemetry.metrics_file")},
    {"network", NULL, RC,
     "give the program the host's network (TCP limited by --allow-port; needs Landlock ABI 6)",
     opt_key, "security.enable_network", "true"},
    {"allow-port", "PORT", RC,
     "with --network: a TCP port it may connect to (repeatable; none given: any)",
     K("security.allowed_ports")},
    {"allow-bind-port", "PORT", RC,
     "with --network: a TCP port it may bind to (repeatable; none given: none)",
     K("security.allowed_bind_ports")},
    {"on-violation", "ACTION", RC,
     "a refused dangerous syscall: log (default: refuse and report) or kill the run",
     K("security.on_violation")},
    {"cgroup-parent", "PATH", RC, "cgroup under which runs are placed (default: our own)",
     K("resource_limits.cgroup_parent")},
    {"tmp-size", "MB", RC, "size of the private /tmp (default 64)",
     K("resource_limits.tmp_size_mb")},
    {"workspace-size", "MB", RC, "size of the workspace /work (default 64)",
     K("resource_limits.workspace_size_mb")},
    {"config", "FILE", RC | CHK, "read this TOML config file after the system and user ones",
     opt_string, NULL, NULL},
    {"analysis", "MODE", RC,
     "static analysis before the run: warn (default: report findings), block (refuse the run "
     "on a finding at --block-severity or above; exit 126) or off",
     K("analysis.mode")},
    {"block-severity", "LEVEL", RC | CHK,
     "least severity that blocks (and makes check exit 1): info, low, medium, high (default), "
     "critical",
     K("analysis.block_severity")},
    {"stdin", "FILE", RUN, "feed FILE to the program's stdin (default: this stdin)", opt_string,
     NULL, NULL},
    {"env", "K=V", RUN, "set a variable for the program (repeatable)", opt_env, NULL, NULL},
    {"dir", "HOST[::GUEST]", RUN,
     "WebAssembly: preopen host directory HOST read-write as GUEST (default: HOST as written); "
     "GUEST / "
     "makes it the module's root instead of the workspace (repeatable)",
     opt_dir, NULL, NULL},
    {"wasm-engine", "NAME", RC,
     "WebAssembly engine: auto (default), node, wasmtime, wasmer, wasmedge, iwasm, wasm3",
     K("runtimes.wasm.engine")},
    {"max-memory-pages", "N", RC,
     "WebAssembly: 64 KiB pages of linear memory a module may declare or grow to",
     K("runtimes.wasm.max_memory_pages")},
    {"no-memory-growth", NULL, RC, "WebAssembly: memory.grow fails (returns -1)", opt_key,
     "runtimes.wasm.enable_memory_growth", "false"},
    {"fuel", "N", RC, "WebAssembly: instruction budget, for engines that have one",
     K("runtimes.wasm.fuel")},
    {"lang", "NAME", RUN, "runtime to use instead of guessing from the extension", opt_string, NULL,
     NULL},
    {"interpreter", "PATH", RUN, "interpreter binary to use (absolute path)", opt_string, NULL,
     NULL},
    {"keep", NULL, RUN, "copy the workspace to a host directory after the run and keep it",
     opt_flag, NULL, NULL},
    {"json", NULL, RUN | LIST | CONF | DOC | PS | CHK | CLEAN,
     "print the report (or list, config, doctor, ps, check, cleanup) as JSON on stdout", opt_flag,
     NULL, NULL},
    {"quiet", NULL, RUN, "no summary line on stderr", opt_flag, NULL, NULL},
    {"timings", NULL, RUN, "print where the run's time went, stage by stage", opt_flag, NULL, NULL},
    {"help", NULL, ALL, "show this help", opt_flag, NULL, NULL},
    {"version", NULL, ALL, "show the version", opt_flag, NULL, NULL},
};
#undef K

/* The command words, one table for parsing them and for naming them in messages. */
static const struct {
    const char *name;
    enum cli_command command;
} commands[] = {
    {"run", CMD_RUN},       {"check", CMD_CHECK},         {"list-supported", CMD_LIST},
    {"config", CMD_CONFIG}, {"doctor", CMD_DOCTOR},       {"ps", CMD_PS},
    {"kill", CMD_KILL},     {"dashboard", CMD_DASHBOARD}, {"cleanup", CMD_CLEANUP},
};

static const char *command_name(enum cli_command command)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (commands[i].command == command)
            return commands[i].name;
    return "";
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++)
        if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
            return &options[i];
    return NULL;
}

static int parse_option(struct cli *cli, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "-h"))
        a = "--help";
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct option_def *o = find_option(name, len);
    if (!o || !(o->commands & (1u << cli->command))) {
        cli_err("unknown option '%.*s'%s (see rusty-sandbox%s%s --help)", (int)(len + 2), a,
                o ? " for this command" : "", cli->command ? " " : "", command_name(cli->command));
        return EXIT_USAGE;
    }
    const char *value = NULL;
    if (o->arg && eq)
        value = eq + 1;
    else if (o->arg && *i + 1 < argc)
        value = argv[++*i];
    else if (o->arg) {
        cli_err("--%s needs a value (%s)", o->name, o->arg);
        return EXIT_USAGE;
    } else if (eq) {
        cli_err("--%s takes no value", o->name);
        return EXIT_USAGE;
    }
    return o->handle(cli, o, value);
}

static enum cli_command command_of(const char *word)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(word, commands[i].name))
            return commands[i].command;
    return CMD_NONE;
}

int cli_parse(struct cli *cli, int argc, char **argv)
{
    int i = 0;
    for (; i < argc && cli->command == CMD_NONE; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            int r = parse_option(cli, argc, argv, &i);
            if (r)
                return r;
            continue;
        }
        cli->command = command_of(argv[i]);
        if (cli->command == CMD_NONE) {
            cli_err(
                "unknown command '%s' (commands: run, check, list-supported, config, doctor, ps, "
                "kill, dashboard, cleanup; see --help)",
                argv[i]);
            return EXIT_USAGE;
        }
    }
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            cli->args = argv + i + 1;
            cli->n_args = (size_t)(argc - i - 1);
            break;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            int r = parse_option(cli, argc, argv, &i);
            if (r)
                return r;
        } else if (cli->command == CMD_RUN && !cli->file) {
            cli->file = argv[i];
        } else if (cli->command == CMD_KILL && !cli->target) {
            cli->target = argv[i];
        } else if (cli->command == CMD_CHECK && cli->n_check_files < CLI_MAX_CHECK_FILES) {
            cli->check_files[cli->n_check_files++] = argv[i];
        } else {
            cli_err("unexpected argument '%s' (arguments for the program go after --)", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (cli->n_args > CLI_MAX_ARGS) {
        cli_err("too many program arguments (at most %d)", CLI_MAX_ARGS);
        return EXIT_USAGE;
    }
    if (cli->command == CMD_CHECK && !cli->n_check_files && !cli->help && !cli->version) {
        cli_err("check: no file given (usage: rusty-sandbox check FILE... [--json])");
        return EXIT_USAGE;
    }
    if (cli->command == CMD_RUN && !cli->file && !cli->help && !cli->version) {
        cli_err("run: no program file given (usage: rusty-sandbox run FILE [OPTIONS] [-- ARGS])");
        return EXIT_USAGE;
    }
    return 0;
}

/* The option list in roff, for docs/rusty-sandbox.1 (generated at build time from this table,
 * so the man page and --help cannot disagree). */
void cli_print_roff_options(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const struct option_def *o = &options[i];
        printf(".TP\n.B \\-\\-%s", o->name);
        if (o->arg)
            printf(" \\fI%s\\fR", o->arg);
        printf("\n%s", o->help);
        if (!(o->commands & (1u << CMD_RUN)))
            printf(" (list-supported)");
        else if (o->commands & (1u << CMD_LIST))
            printf(" (run, list-supported, config)");
        if (o->key)
            printf(" Config key: \\fB%s\\fR.", o->key);
        printf(".\n");
    }
}

void cli_print_help(enum cli_command command)
{
    printf("rusty-sandbox %s: run untrusted Python, JavaScript and WebAssembly programs in a "
           "sandbox\n\n",
           sbx_version());
    printf("Usage:\n"
           "  rusty-sandbox run FILE [OPTIONS] [-- ARGS...]   run FILE in the sandbox\n"
           "  rusty-sandbox check FILE... [--json]            static analysis only\n"
           "  rusty-sandbox list-supported [--json]           runtimes and interpreters\n"
           "  rusty-sandbox config [--config FILE] [--json]   the effective configuration\n"
           "  rusty-sandbox doctor [--json]                   what this host can enforce\n"
           "  rusty-sandbox ps [--json]                       live runs (of all users as root)\n"
           "  rusty-sandbox kill ID                           cancel a live run (ID or prefix)\n"
           "  rusty-sandbox dashboard                         watch and stop runs live\n"
           "  rusty-sandbox cleanup [--json]                  remove root's pre-made network "
           "namespaces\n"
           "  rusty-sandbox --help | --version\n\n");
    unsigned mask = 1u << command;
    printf("Options%s:\n", command == CMD_NONE ? " (for run unless noted)" : "");
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const struct option_def *o = &options[i];
        if (command != CMD_NONE && !(o->commands & mask))
            continue;
        char left[40];
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-22s %s\n", left, o->help);
    }
    if (command == CMD_KILL) {
        printf("\nExit codes: 0 cancelled, 1 no live run with that id or prefix (or several, or it "
               "ended\nfirst), 2 the signal cannot be sent, 3 still running 10 s after SIGTERM, 64 "
               "usage error.\n");
        return;
    }
    printf("\nExit codes: the program's own when it ran to completion; 64 usage error, 65 no "
           "runtime\nfor the file, 66 file missing or unreadable, 69 host cannot sandbox, 124 "
           "timeout,\n125 sandbox failure, 126 blocked by static analysis, 127 interpreter not "
           "found,\n128+N killed (or cancelled) by signal N. check: 0 clean, 1 a finding at the "
           "block\nseverity, 2 a file unreadable, unsupported or with a syntax error.\n");
}
