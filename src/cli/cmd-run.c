/*
 * rusty-sandbox run: run one program and report. In normal mode the program's output streams
 * live to our stdout/stderr (its head; a truncated stream ends with a marker and its tail);
 * with --json everything is captured into the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/fs.h"

struct live {
    int broken[3]; /* our stdout/stderr closed (EPIPE): stop writing there */
    struct cli *cli;
};

/* Findings print before the program starts (warn mode) or instead of it (block mode). */
static void on_analysis(void *userdata, const struct sbx_analysis *a)
{
    struct live *lv = userdata;
    if (lv->cli->quiet || (!a->n_findings && !a->syntax_error))
        return;
    cli_print_analysis(stderr, lv->cli->file, a);
    if (a->blocks && lv->cli->policy.analysis_mode == SBX_ANALYSIS_BLOCK)
        fprintf(stderr,
                "rusty-sandbox: blocked: a finding reaches the block severity (%s); the program "
                "was not run (allow a rule with [analysis] allow_rules, or --analysis warn)\n",
                sbx_severity_name(lv->cli->policy.block_severity));
    fflush(stderr);
}

static void forward(struct live *lv, int fd, const char *data, size_t len)
{
    if (!lv->broken[fd] && sbx__write_all(fd, data, len) < 0)
        lv->broken[fd] = 1;
}

static void on_output(void *userdata, enum sbx_stream stream, const char *data, size_t len)
{
    forward(userdata, stream == SBX_STDOUT ? 1 : 2, data, len);
}

static void print_tail(struct live *lv, int fd, const char *name, const struct sbx_output *o)
{
    if (!o->truncated)
        return;
    char marker[160];
    int n = snprintf(marker, sizeof(marker),
                     "\n[rusty-sandbox: %llu bytes of %s dropped; the last %zu bytes follow]\n",
                     (unsigned long long)o->dropped_bytes, name, o->len - o->head_len);
    forward(lv, fd, marker, (size_t)n);
    forward(lv, fd, o->data + o->head_len, o->len - o->head_len);
}

static int exit_code_of(const struct sbx_result *r)
{
    switch (r->status) {
    case SBX_STATUS_OK:
    case SBX_STATUS_RUNTIME_ERROR:
        return r->exit_code;
    case SBX_STATUS_SIGNALED:
        return EXIT_SIGNAL_BASE + r->signal;
    case SBX_STATUS_TIMEOUT:
        return EXIT_TIMEOUT;
    case SBX_STATUS_CPU_LIMIT:
        return EXIT_CPU;
    case SBX_STATUS_MEMORY_LIMIT:
        return EXIT_MEMORY;
    case SBX_STATUS_OUTPUT_LIMIT:
        return EXIT_OUTPUT;
    case SBX_STATUS_SECURITY_VIOLATION:
        return EXIT_VIOLATION;
    case SBX_STATUS_CANCELLED:
        return EXIT_SIGNAL_BASE + (r->cancel_signal ? r->cancel_signal : SIGINT);
    case SBX_STATUS_INTERNAL_ERROR:
        return EXIT_SANDBOX;
    case SBX_STATUS_BLOCKED:
        return EXIT_BLOCKED;
    }
    return EXIT_SANDBOX;
}

static void print_summary(const struct sbx_result *r)
{
    char what[96];
    switch (r->status) {
    case SBX_STATUS_OK:
    case SBX_STATUS_RUNTIME_ERROR:
        snprintf(what, sizeof(what), "exit %d", r->exit_code);
        break;
    case SBX_STATUS_SIGNALED:
        snprintf(what, sizeof(what), "killed by SIG%s",
                 sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?");
        break;
    case SBX_STATUS_TIMEOUT:
        snprintf(what, sizeof(what), "wall-clock limit of %gs reached, killed",
                 r->limits.timeout_s);
        break;
    case SBX_STATUS_CANCELLED:
        snprintf(what, sizeof(what), "cancelled, killed");
        break;
    case SBX_STATUS_CPU_LIMIT:
        snprintf(what, sizeof(what), "CPU time limit of %gs exceeded", r->limits.cpu_time_limit_s);
        break;
    case SBX_STATUS_MEMORY_LIMIT:
        snprintf(what, sizeof(what), "memory limit of %llu MiB hit",
                 (unsigned long long)(r->limits.memory_limit_bytes >> 20));
        break;
    case SBX_STATUS_OUTPUT_LIMIT:
        snprintf(what, sizeof(what), "output limit passed, killed");
        break;
    case SBX_STATUS_SECURITY_VIOLATION:
        snprintf(what, sizeof(what), "a refused dangerous syscall, killed (on_violation kill)");
        break;
    case SBX_STATUS_INTERNAL_ERROR:
        snprintf(what, sizeof(what), "sandbox failure");
        break;
    case SBX_STATUS_BLOCKED:
        snprintf(what, sizeof(what), "refused by static analysis, nothing was run");
        break;
    }
    fprintf(stderr,
            "rusty-sandbox: %s: %s; wall %.1f ms, cpu %.1f ms, peak memory %.1f MiB [%s %s]\n",
            sbx_status_name(r->status), what, (double)r->wall_time_us / 1000.0,
            (double)(r->cpu_user_us + r->cpu_sys_us) / 1000.0, (double)r->peak_memory_kb / 1024.0,
            r->runtime_name, r->interpreter_version[0] ? r->interpreter_version : r->interpreter);
    if (r->status == SBX_STATUS_INTERNAL_ERROR)
        fprintf(stderr, "rusty-sandbox: %s: %s\n", sbx_stage_name(r->error.stage),
                r->error.message);
    if (r->trap[0])
        fprintf(stderr, "rusty-sandbox: the WebAssembly module trapped: %s\n", r->trap);
    if (r->rejected[0])
        fprintf(stderr, "rusty-sandbox: the WebAssembly module was refused before it ran: %s\n",
                r->rejected);
    for (size_t i = 0; i < r->n_events; i++)
        if (strcmp(r->events[i].type, "timeout") && strcmp(r->events[i].type, "cpu_limit"))
            fprintf(stderr, "rusty-sandbox: event %s: %s\n", r->events[i].type,
                    r->events[i].detail);
    if (r->workspace[0])
        fprintf(stderr, "rusty-sandbox: workspace kept at %s\n", r->workspace);
}

static void print_timings(const struct sbx_result *r)
{
    fprintf(stderr, "rusty-sandbox: timings (ms since the run started, +delta):\n");
    uint64_t prev = 0;
    for (size_t i = 0; i < r->n_timings; i++) {
        uint64_t at = r->timings[i].at_us;
        fprintf(stderr, "  %-20s %9.3f  +%.3f\n", r->timings[i].stage, (double)at / 1000.0,
                (double)(at >= prev ? at - prev : 0) / 1000.0);
        prev = at;
    }
}

/* Block the signals that cancel a run and return a signalfd for them (-1 on failure). */
static int cancel_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

static int setup_request(struct cli *cli, struct sbx_request *req)
{
    req->file = cli->file;
    req->interpreter = cli->interpreter;
    req->args = (const char *const *)cli->args;
    req->n_args = cli->n_args;
    if (cli->lang && !(req->runtime = sbx_runtime_by_name(cli->lang))) {
        cli_err("--lang: unknown runtime '%s' (known: python, javascript, wasm)", cli->lang);
        return EXIT_USAGE;
    }
    const struct sbx_runtime *rt = req->runtime ? req->runtime : sbx_runtime_for_file(req->file);
    if (!req->interpreter && rt) /* a flag wins over the config's [runtimes.NAME] interpreter */
        req->interpreter = sbx_config_interpreter(cli->config, sbx_runtime_name(rt));
    if (cli->stdin_file) {
        req->stdin_fd = open(cli->stdin_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (req->stdin_fd < 0) {
            cli_err("--stdin: cannot read '%s': %s", cli->stdin_file, strerror(errno));
            return EXIT_NOINPUT;
        }
        struct stat st;
        if (fstat(req->stdin_fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            cli_err("--stdin: '%s' is a directory", cli->stdin_file);
            close(req->stdin_fd);
            return EXIT_NOINPUT;
        }
    } else {
        req->stdin_fd = fcntl(0, F_GETFD) >= 0 ? 0 : -1;
    }
    return 0;
}

int cmd_run(struct cli *cli)
{
    struct sbx_request req;
    sbx_request_init(&req);
    int r = setup_request(cli, &req);
    if (r)
        return r;
    cli->policy.env = cli->env;
    cli->policy.n_env = cli->n_env;
    cli->policy.wasm_dirs = cli->dirs;
    cli->policy.n_wasm_dirs = cli->n_dirs;
    cli->policy.keep_workspace = cli->keep;

    struct live lv = {{0, 0, 0}, cli};
    req.userdata = &lv;
    req.on_analysis = on_analysis;
    if (!cli->json)
        req.on_output = on_output;
    req.cancel_fd = cancel_signals();

    struct sbx_result *res = NULL;
    struct sbx_error err = {0};
    if (sbx_run(&cli->policy, &req, &res, &err) < 0) {
        cli_err("%s", err.message);
        return cli_exit_for_error(&err);
    }
    if (cli->json) {
        char *json = sbx_result_to_json(res);
        if (json) {
            puts(json);
            free(json);
        }
    } else {
        print_tail(&lv, 1, "stdout", &res->out);
        print_tail(&lv, 2, "stderr", &res->err);
    }
    if (!cli->quiet && !cli->json && sbx_config_log_level(cli->config) >= SBX_LOG_INFO)
        print_summary(res);
    if (cli->timings)
        print_timings(res);
    if (res->telemetry_failed && sbx_config_log_level(cli->config) >= SBX_LOG_WARN)
        fprintf(stderr, "rusty-sandbox: warning: %s\n", res->telemetry_error.message);
    if (res->audit_failed) { /* the run happened, but its record did not: an error */
        cli_err("%s", res->audit_error.message);
        sbx_result_free(res);
        return EXIT_SANDBOX;
    }
    int code = exit_code_of(res);
    sbx_result_free(res);
    return code;
}
