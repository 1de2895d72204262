/*
 * The option table and its parser. Options may stand before or after FILE; everything after
 * `--` goes to the program. Each option names the commands it belongs to.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/macros.h"
#include "util/parse.h"

struct option_def {
    const char *name;   /* without the leading "--" */
    const char *arg;    /* metavariable, NULL for a flag */
    unsigned commands;  /* bit mask of 1 << cli_command */
    const char *help;
    int (*handle)(struct cli *cli, const char *name, const char *value);
};

#define RUN (1u << CMD_RUN)
#define LIST (1u << CMD_LIST)
#define ALL (RUN | LIST | 1u)

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("rusty-sandbox: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int bad_value(const char *name, const char *value, int r, const char *what)
{
    cli_err("--%s: '%s' %s", name, value,
            r == -ERANGE ? "is out of range" : "is not a valid value");
    fprintf(stderr, "  expected %s\n", what);
    return EXIT_USAGE;
}

static int opt_timeout(struct cli *cli, const char *name, const char *v)
{
    double d;
    int r = sbx__parse_decimal(v, 0, SBX_MAX_TIMEOUT_S, &d);
    if (r < 0)
        return bad_value(name, v, r, "seconds, fractional allowed, e.g. 0.5 (0: no limit)");
    cli->policy.timeout_s = d;
    return 0;
}

static int opt_max_output(struct cli *cli, const char *name, const char *v)
{
    uint64_t kb;
    int r = sbx__parse_u64(v, 0, SBX_MAX_OUTPUT_BYTES / 1024, &kb);
    if (r < 0)
        return bad_value(name, v, r, "kilobytes per stream, 0 to 1048576");
    cli->policy.max_output_bytes = kb * 1024;
    return 0;
}

static int opt_tmp_size(struct cli *cli, const char *name, const char *v)
{
    uint64_t mb;
    int r = sbx__parse_u64(v, 1, 1024 * 1024, &mb);
    if (r < 0)
        return bad_value(name, v, r, "megabytes, 1 to 1048576");
    if (!strcmp(name, "workspace-size"))
        cli->policy.workspace_size_bytes = mb * 1024 * 1024;
    else
        cli->policy.tmp_size_bytes = mb * 1024 * 1024;
    return 0;
}

static int opt_memory(struct cli *cli, const char *name, const char *v)
{
    uint64_t mb;
    int r = sbx__parse_u64(v, 0, 16u * 1024 * 1024, &mb);
    if (r < 0 || (mb > 0 && mb < 4))
        return bad_value(name, v, r < 0 ? r : -ERANGE, "megabytes, at least 4 (0: no limit)");
    cli->policy.memory_limit_bytes = mb * 1024 * 1024;
    return 0;
}

static int opt_cpu_limit(struct cli *cli, const char *name, const char *v)
{
    double d;
    int r = sbx__parse_decimal(v, 0, SBX_MAX_TIMEOUT_S, &d);
    if (r < 0)
        return bad_value(name, v, r, "CPU seconds, fractional allowed, e.g. 2.5 (0: no limit)");
    cli->policy.cpu_time_limit_s = d;
    return 0;
}

static int opt_cpus(struct cli *cli, const char *name, const char *v)
{
    double d;
    int r = sbx__parse_decimal(v, 0, 4096, &d);
    if (r < 0 || (d > 0 && d < 0.01))
        return bad_value(name, v, r < 0 ? r : -ERANGE, "a CPU share such as 0.5 or 2 (0: no cap)");
    cli->policy.cpus = d;
    return 0;
}

static int opt_count(struct cli *cli, const char *name, const char *v)
{
    uint64_t n;
    int procs = !strcmp(name, "max-processes");
    int r = sbx__parse_u64(v, 0, procs ? 4194304 : 1048576, &n);
    if (r == 0 && !procs && n > 0 && n < 8)
        r = -ERANGE;
    if (r < 0)
        return bad_value(name, v, r, procs ? "a number of tasks, threads included (0: no limit)"
                                           : "a number of descriptors, 8 to 1048576");
    if (procs)
        cli->policy.max_processes = n;
    else
        cli->policy.max_open_files = n;
    return 0;
}

static int opt_file_size(struct cli *cli, const char *name, const char *v)
{
    uint64_t kb;
    int r = sbx__parse_u64(v, 0, (uint64_t)1 << 40, &kb);
    if (r < 0)
        return bad_value(name, v, r, "kilobytes (0: no limit)");
    cli->policy.max_file_size_bytes = kb * 1024;
    return 0;
}

static int opt_output_action(struct cli *cli, const char *name, const char *v)
{
    if (!strcmp(v, "truncate"))
        cli->policy.output_limit_action = SBX_OUTPUT_TRUNCATE;
    else if (!strcmp(v, "kill"))
        cli->policy.output_limit_action = SBX_OUTPUT_KILL;
    else
        return bad_value(name, v, -EINVAL, "truncate or kill");
    return 0;
}

static int opt_env(struct cli *cli, const char *name, const char *v)
{
    if (!sbx__env_entry_valid(v))
        return bad_value(name, v, -EINVAL, "KEY=VALUE, KEY of letters, digits and _");
    if (cli->n_env >= CLI_MAX_ENV) {
        cli_err("--%s: at most %d variables", name, CLI_MAX_ENV);
        return EXIT_USAGE;
    }
    cli->env[cli->n_env++] = v;
    return 0;
}

static int opt_string(struct cli *cli, const char *name, const char *v)
{
    if (!*v) {
        cli_err("--%s: the value must not be empty", name);
        return EXIT_USAGE;
    }
    if (!strcmp(name, "stdin"))
        cli->stdin_file = v;
    else if (!strcmp(name, "lang"))
        cli->lang = v;
    else if (!strcmp(name, "interpreter"))
        cli->interpreter = v;
    else if (!strcmp(name, "cgroup-parent"))
        cli->policy.cgroup_parent = v;
    return 0;
}

static int opt_flag(struct cli *cli, const char *name, const char *v)
{
    (void)v;
    const struct {
        const char *name;
        bool *flag;
    } flags[] = {{"json", &cli->json},       {"quiet", &cli->quiet}, {"keep", &cli->keep},
                 {"timings", &cli->timings}, {"help", &cli->help},   {"version", &cli->version},
                 {"allow-weaker-limits", &cli->policy.allow_weaker_limits}};
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (!strcmp(name, flags[i].name))
            *flags[i].flag = true;
    return 0;
}

static const struct option_def options[] = {
    {"timeout", "S", RUN, "wall-clock limit in seconds, fractional (default 30, 0: none)",
     opt_timeout},
    {"max-output", "KB", RUN, "bytes kept per output stream, head and tail (default 1024)",
     opt_max_output},
    {"memory-limit", "MB", RUN, "memory of the whole run, swap off (default 512, 0: none)",
     opt_memory},
    {"cpu-limit", "S", RUN, "CPU seconds of all processes, fractional (default: none)",
     opt_cpu_limit},
    {"cpus", "N", RUN, "CPU share, e.g. 0.5 (default: no cap)", opt_cpus},
    {"max-processes", "N", RUN, "tasks at once, threads included (default 128, 0: none)",
     opt_count},
    {"max-file-size", "KB", RUN, "largest file the program may write (default 65536, 0: none)",
     opt_file_size},
    {"max-open-files", "N", RUN, "open file descriptors per process (default 256)", opt_count},
    {"output-limit-action", "ACTION", RUN,
     "what passing --max-output does: truncate (default) or kill", opt_output_action},
    {"allow-weaker-limits", NULL, RUN,
     "without a usable cgroup, enforce limits with rlimits instead of refusing to run",
     opt_flag},
    {"cgroup-parent", "PATH", RUN, "cgroup under which runs are placed (default: our own)",
     opt_string},
    {"tmp-size", "MB", RUN, "size of the private /tmp (default 64)", opt_tmp_size},
    {"workspace-size", "MB", RUN, "size of the workspace /work (default 64)", opt_tmp_size},
    {"stdin", "FILE", RUN, "feed FILE to the program's stdin (default: this stdin)", opt_string},
    {"env", "K=V", RUN, "set a variable for the program (repeatable)", opt_env},
    {"lang", "NAME", RUN, "runtime to use instead of guessing from the extension", opt_string},
    {"interpreter", "PATH", RUN, "interpreter binary to use (absolute path)", opt_string},
    {"keep", NULL, RUN, "copy the workspace to a host directory after the run and keep it",
     opt_flag},
    {"json", NULL, RUN | LIST, "print the report as one JSON object on stdout", opt_flag},
    {"quiet", NULL, RUN, "no summary line on stderr", opt_flag},
    {"timings", NULL, RUN, "print where the run's time went, stage by stage", opt_flag},
    {"help", NULL, ALL, "show this help", opt_flag},
    {"version", NULL, ALL, "show the version", opt_flag},
};

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
                o ? " for this command" : "", cli->command ? " " : "",
                cli->command == CMD_RUN ? "run" : cli->command == CMD_LIST ? "list-supported" : "");
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
    char nbuf[32];
    snprintf(nbuf, sizeof(nbuf), "%s", o->name);
    return o->handle(cli, nbuf, value);
}

static enum cli_command command_of(const char *word)
{
    if (!strcmp(word, "run"))
        return CMD_RUN;
    if (!strcmp(word, "list-supported"))
        return CMD_LIST;
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
            cli_err("unknown command '%s' (commands: run, list-supported; see --help)", argv[i]);
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
        } else {
            cli_err("unexpected argument '%s' (arguments for the program go after --)", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (cli->n_args > CLI_MAX_ARGS) {
        cli_err("too many program arguments (at most %d)", CLI_MAX_ARGS);
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
            printf(" (run, list-supported)");
        printf(".\n");
    }
}

void cli_print_help(enum cli_command command)
{
    printf("rusty-sandbox %s: run untrusted Python and JavaScript programs in a sandbox\n\n",
           sbx_version());
    printf("Usage:\n"
           "  rusty-sandbox run FILE [OPTIONS] [-- ARGS...]   run FILE in the sandbox\n"
           "  rusty-sandbox list-supported [--json]           runtimes and interpreters\n"
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
    printf("\nExit codes: the program's own when it ran to completion; 64 usage error, 65 no "
           "runtime\nfor the file, 66 file missing or unreadable, 69 host cannot sandbox, 124 "
           "timeout,\n125 sandbox failure, 127 interpreter not found, 128+N killed (or "
           "cancelled) by signal N.\n");
}
