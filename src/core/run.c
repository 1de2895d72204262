/*
 * sbx_run(): one run, end to end (DESIGN section 1). Validates everything before touching the
 * host, then: identity -> workspace -> program copied in -> spawn -> supervise -> destroy ->
 * cleanup. Every step after the workspace exists is undone on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "core/audit.h"
#include "core/errors.h"
#include "platform/platform.h"
#include "platform/posix/workspace.h"
#include "runtimes/runtime.h"
#include "telemetry/telemetry.h"
#include "sbx-config.h"
#include "sbx/sbx.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define SBX_MAX_PROGRAM_BYTES (64u * 1024u * 1024u)
#define SBX_MAX_ARGS 4096
#define SBX_MAX_BINDS 64
#define SBX_MAX_RUNTIME_BINDS 16 /* a runtime's own extra binds (WebAssembly --dir) */

const char *sbx_version(void)
{
    return SBX_VERSION;
}

void sbx_request_init(struct sbx_request *req)
{
    memset(req, 0, sizeof(*req));
    req->stdin_fd = -1;
    req->cancel_fd = -1;
}

static void rfc3339_now(char *buf, size_t size)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06ldZ", (long)tv.tv_usec);
}

/* Open the program file, checking it is a regular file we may read. */
static int open_program(const char *file, struct sbx_error *err)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, errno, "cannot read '%s'", file);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0, "'%s' is not a regular file",
                          file);
    }
    if ((uint64_t)st.st_size > SBX_MAX_PROGRAM_BYTES) {
        close(fd);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0, "'%s' is larger than 64 MiB",
                          file);
    }
    return fd;
}

static int env_has_key(const struct sbx_policy *p, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < p->n_env; i++)
        if (!strncmp(p->env[i], key, klen) && p->env[i][klen] == '=')
            return 1;
    return 0;
}

/* PATH, HOME, LANG, TERM, then the runtime's own, then the policy's (which win). */
static int build_env(const struct sbx_policy *p, const struct sbx_runtime *rt, struct sbx_strv *env)
{
    const char *lang = getenv("LANG"), *term = getenv("TERM");
    const char *base[][2] = {
        {"PATH", "/usr/local/bin:/usr/bin:/bin"},
        {"HOME", "/work"},
        {"LANG", lang && *lang && !strchr(lang, '\n') ? lang : "C.UTF-8"},
        {"TERM", term && *term && !strchr(term, '\n') ? term : NULL},
    };
    int r;
    for (size_t i = 0; i < ARRAY_SIZE(base); i++)
        if (base[i][1] && !env_has_key(p, base[i][0]) &&
            (r = sbx__strv_pushf(env, "%s=%s", base[i][0], base[i][1])) < 0)
            return r;
    if ((r = rt->build_env(p, env)) < 0)
        return r;
    for (size_t i = 0; i < p->n_env; i++)
        if ((r = sbx__strv_push(env, p->env[i])) < 0)
            return r;
    return 0;
}

static int build_argv(const struct sbx_runtime *rt, const struct sbx_policy *p, const char *interp,
                      const char *name, const struct sbx_request *req, struct sbx_strv *argv,
                      struct sbx_error *err)
{
    char inside[PATH_MAX];
    snprintf(inside, sizeof(inside), "/work/%s", name);
    int r = rt->build_argv_policy ? rt->build_argv_policy(p, interp, inside, argv, err)
                                  : rt->build_argv(interp, inside, argv);
    for (size_t i = 0; r == 0 && i < req->n_args; i++)
        r = sbx__strv_push(argv, req->args[i]);
    return r;
}

struct run_ctx {
    const struct sbx_policy *policy;
    const struct sbx_request *req;
    const struct sbx_runtime *rt;
    struct sbx_interpreter interp;
    struct sbx__identity id;
    struct sbx__workspace ws;
    struct sbx_strv argv, env;
    int program_fd;
    char base_path[PATH_MAX];
    char scratch_path[PATH_MAX];
    struct sbx_bind binds[SBX_MAX_BINDS + 1 + SBX_MAX_RUNTIME_BINDS];
    size_t n_binds;
    struct sbx_analysis *analysis; /* moved into the result */
    uint64_t analysed_ns;
};

/* Everything that can be refused before anything on the host changes. */
static int check_request(struct run_ctx *c, struct sbx_error *err)
{
    int r = sbx_policy_validate(c->policy, err);
    if (r < 0)
        return r;
    if (!c->req->file || !c->req->file[0])
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_RUNTIME, 0, "no program file given");
    if (c->req->n_args > SBX_MAX_ARGS)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_RUNTIME, 0, "more than %d arguments",
                          SBX_MAX_ARGS);
    c->rt = c->req->runtime ? c->req->runtime : sbx_runtime_for_file(c->req->file);
    if (!c->rt) {
        const char *dot = strrchr(c->req->file, '.');
        return sbx__error(err, SBX_ERR_UNSUPPORTED, SBX_STAGE_RUNTIME, 0,
                          "'%s': no runtime for %s%s%s files (supported: .py, .js, .mjs, .cjs, "
                          ".wasm, .wat; "
                          "or choose one with --lang)",
                          c->req->file, dot && !strchr(dot, '/') ? "'" : "",
                          dot && !strchr(dot, '/') ? dot : "extension-less",
                          dot && !strchr(dot, '/') ? "'" : "");
    }
    const struct sbx_policy *p = c->policy;
    if (c->rt->select && (r = c->rt->select(c->rt, p, c->req->interpreter, &c->rt, err)) < 0)
        return r;
    if (p->max_open_files && p->max_open_files < c->rt->min_open_files)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "max open files: %llu is below what the %s runtime needs to start "
                          "(%u: its interpreter's own descriptors); raise it to at least %u",
                          (unsigned long long)p->max_open_files, c->rt->name, c->rt->min_open_files,
                          c->rt->min_open_files);
    if (p->n_binds > SBX_MAX_BINDS)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "allowed paths: at most %d",
                          SBX_MAX_BINDS);
    for (size_t i = 0; i < p->n_binds; i++) {
        if (!p->binds[i].path || p->binds[i].path[0] != '/')
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "allowed paths: '%s' is not an absolute path",
                              p->binds[i].path ? p->binds[i].path : "(null)");
        c->binds[c->n_binds++] = p->binds[i];
    }
    const char *pkgs = c->rt->packages_path(p);
    if (pkgs)
        c->binds[c->n_binds++] = (struct sbx_bind){.path = pkgs, .writable = false};
    if (p->n_wasm_dirs && !c->rt->extra_binds)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "--dir: only WebAssembly modules (.wasm, .wat) take preopened "
                          "directories; use allowed_paths for %s",
                          c->rt->name);
    if (c->rt->extra_binds) {
        if ((r = c->rt->extra_binds(p, c->binds + c->n_binds, SBX_MAX_RUNTIME_BINDS, err)) < 0)
            return r;
        c->n_binds += (size_t)r;
    }
    if ((c->program_fd = open_program(c->req->file, err)) < 0)
        return c->program_fd;
    return sbx_interpreter_resolve(c->rt, c->req->interpreter, NULL, &c->interp, err);
}

/*
 * Static analysis of the program, read from the fd that will be copied into the workspace.
 * SECURITY: in block mode a failed analysis refuses the run (fail closed); in warn mode the run
 * goes on without one. A language without an analyser is not analysed.
 */
static int analyse(struct run_ctx *c, struct sbx_error *err)
{
    const struct sbx_policy *p = c->policy;
    if (p->analysis_mode == SBX_ANALYSIS_OFF)
        return 0;
    const char *lang = c->rt->name;
    if (strcmp(lang, "python") && strcmp(lang, "javascript") && strcmp(lang, "wasm"))
        return 0;
    struct sbx_error aerr = {0};
    int r = sbx__analyze_fd(c->program_fd, lang, p, &c->analysis, &aerr);
    if (r < 0 && p->analysis_mode == SBX_ANALYSIS_BLOCK) {
        if (err)
            *err = aerr;
        return r;
    }
    c->analysed_ns = sbx__now_ns();
    if (c->analysis && c->req->on_analysis)
        c->req->on_analysis(c->req->userdata, c->analysis);
    return 0;
}

static bool blocked(const struct run_ctx *c)
{
    return c->policy->analysis_mode == SBX_ANALYSIS_BLOCK && c->analysis && c->analysis->blocks;
}

static const char *program_name(const char *file)
{
    const char *base = strrchr(file, '/');
    return base ? base + 1 : file;
}

/* Make the run's host directory (the workspace itself is a tmpfs inside the sandbox). */
static int stage_workspace(struct run_ctx *c, struct sbx_error *err)
{
    int base = sbx__workspace_base(c->policy->workspace_root, c->base_path, err);
    if (base < 0)
        return base;
    int scratch;
    if (c->policy->scratch_root) {
        scratch = sbx__workspace_base(c->policy->scratch_root, c->scratch_path, err);
    } else {
        snprintf(c->scratch_path, sizeof(c->scratch_path), "%s", c->base_path);
        scratch = fcntl(base, F_DUPFD_CLOEXEC, 3);
        if (scratch < 0)
            scratch = sbx__error_errno(err, SBX_STAGE_WORKSPACE, "duplicating a fd");
    }
    if (scratch < 0) {
        close(base);
        return scratch;
    }
    return sbx__workspace_create(base, c->base_path, scratch, c->scratch_path, c->id.host_uid,
                                 c->id.host_gid, c->policy->keep_workspace, &c->ws, err);
}

static struct sbx_result *new_result(struct run_ctx *c)
{
    struct sbx_result *res = calloc(1, sizeof(*res));
    if (!res)
        return NULL;
    snprintf(res->id, sizeof(res->id), "%s", c->ws.id);
    rfc3339_now(res->started_at, sizeof(res->started_at));
    res->exit_code = -1;
    res->limits = *c->policy;
    res->limits.env = NULL;
    res->limits.n_env = 0;
    res->limits.workspace_root = NULL;
    res->limits.cgroup_parent = NULL;
    res->limits.audit_log = NULL;
    res->limits.binds = NULL;
    res->limits.n_binds = 0;
    res->limits.scratch_root = NULL;
    res->limits.python_packages_path = NULL;
    res->limits.node_modules_path = NULL;
    res->limits.events_file = NULL;
    res->limits.metrics_file = NULL;
    res->limits.wasm_engine = NULL;
    res->limits.wasm_dirs = NULL;
    res->limits.n_wasm_dirs = 0;
    res->limits.allow_rules = NULL;
    res->limits.n_allow_rules = 0;
    snprintf(res->runtime_name, sizeof(res->runtime_name), "%s", c->rt->name);
    snprintf(res->interpreter, sizeof(res->interpreter), "%s", c->interp.path);
    snprintf(res->file, sizeof(res->file), "%s", c->req->file);
    return res;
}

static int launch(struct run_ctx *c, uint64_t t0, struct sbx__tel *tel, struct sbx_result *res,
                  struct sbx_error *err)
{
    const struct sbx__backend *be = SBX_BACKEND;
    struct sbx__launch l = {
        .policy = c->policy,
        .request = c->req,
        .argv = c->argv.v,
        .envp = c->env.v,
        .root_mnt = c->ws.mnt_path,
        .keep_dir = c->policy->keep_workspace ? c->ws.work_path : NULL,
        .binds = c->binds,
        .n_binds = c->n_binds,
        .interp_prefix = c->interp.prefix,
        .program_name = program_name(c->req->file),
        .program_fd = c->program_fd,
        .t0_ns = t0,
        .host_uid = c->id.host_uid,
        .run_id = c->ws.id,
        .tel = tel,
    };
    struct sbx__sandbox *sb = NULL;
    int r = be->spawn(&l, &c->id, &sb, err);
    if (r == 0 && be->supervise(sb, &l, res) < 0 && res->status != SBX_STATUS_INTERNAL_ERROR)
        res->status = SBX_STATUS_INTERNAL_ERROR;
    if (r == 0)
        be->enforcement(&l, sb, res);
    be->destroy(sb);
    return r;
}

/* The result of a run that analysis refused: nothing was created on the host, nothing ran. */
static struct sbx_result *blocked_result(struct run_ctx *c, uint64_t t0)
{
    sbx__random_id(c->ws.id);
    struct sbx_result *res = new_result(c);
    if (!res)
        return NULL;
    res->status = SBX_STATUS_BLOCKED;
    res->analysis = TAKE_PTR(c->analysis);
    sbx__result_timing(res, "analysed", c->analysed_ns, t0);
    res->wall_time_us = (sbx__now_ns() - t0) / 1000;
    return res;
}

static void finish(struct run_ctx *c, struct sbx_result *res, uint64_t t0)
{
    int keep = c->policy->keep_workspace && res;
    if (res && keep)
        snprintf(res->workspace, sizeof(res->workspace), "%s", c->ws.work_path);
    if (c->ws.base_fd >= 0 || c->ws.lock_fd >= 0)
        sbx__workspace_finish(&c->ws, keep);
    SBX_BACKEND->release(&c->id);
    if (res) {
        sbx__result_timing(res, "cleaned_up", sbx__now_ns(), t0);
        /* Stamps come from the supervisor and from init: put them in time order. */
        for (size_t i = 1; i < res->n_timings; i++)
            for (size_t j = i; j > 0 && res->timings[j].at_us < res->timings[j - 1].at_us; j--) {
                struct sbx_timing t = res->timings[j];
                res->timings[j] = res->timings[j - 1];
                res->timings[j - 1] = t;
            }
    }
    if (c->program_fd >= 0)
        close(c->program_fd);
    sbx_analysis_free(TAKE_PTR(c->analysis));
    sbx__strv_done(&c->argv);
    sbx__strv_done(&c->env);
}

/* The run_started event, then one analysis_finding event per finding. */
static void tel_started(struct sbx__tel *tel, const struct sbx_result *res)
{
    sbx__tel_run_started(tel, res);
    for (size_t i = 0; res->analysis && i < res->analysis->n_findings; i++) {
        const struct sbx_finding *f = &res->analysis->findings[i];
        sbx__tel_analysis_finding(tel, f->rule, f->category, sbx_severity_name(f->severity),
                                  f->line, f->column, f->message);
    }
}

int sbx_run(const struct sbx_policy *policy, const struct sbx_request *req, struct sbx_result **ret,
            struct sbx_error *err)
{
    uint64_t t0 = sbx__now_ns();
    struct run_ctx c = {.policy = policy, .req = req, .program_fd = -1};
    c.ws.base_fd = c.ws.scratch_fd = c.ws.lock_fd = c.ws.run_fd = c.ws.work_fd = -1;
    c.id.lock_fd = -1;
    sbx__strv_init(&c.argv, SBX_MAX_ARGS + 16);
    sbx__strv_init(&c.env, SBX_MAX_ENV + 16);
    struct sbx_result *res = NULL;

    struct sbx__audit audit = {.fd = -1};
    struct sbx__tel *tel = NULL;
    int r = check_request(&c, err);
    if (r >= 0)
        r = analyse(&c, err);
    if (r >= 0)
        r = sbx__audit_open(policy, c.program_fd, &audit, err);
    if (r >= 0)
        r = sbx__tel_open(policy, req, t0, &tel, err);
    if (r >= 0 && blocked(&c) && !(res = blocked_result(&c, t0)))
        r = sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "allocating the result");
    if (r >= 0 && !res)
        r = SBX_BACKEND->prepare(&c.id, err);
    if (r >= 0 && !res)
        r = stage_workspace(&c, err);
    if (r >= 0 && !res &&
        (r = build_argv(c.rt, policy, c.interp.path, program_name(req->file), req, &c.argv, err)) <
            0 &&
        !c.rt->build_argv_policy) /* that hook fills err itself */
        sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "building argv");
    if (r >= 0 && !res && (r = build_env(policy, c.rt, &c.env)) < 0)
        sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "building the environment");
    if (r >= 0 && res) {
        tel_started(tel, res); /* blocked: nothing to launch */
    } else if (r >= 0 && !(res = new_result(&c))) {
        r = sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "allocating the result");
    } else if (r >= 0) {
        if (c.analysis)
            sbx__result_timing(res, "analysed", c.analysed_ns, t0);
        res->analysis = TAKE_PTR(c.analysis);
        sbx__result_timing(res, "workspace_ready", sbx__now_ns(), t0);
        sbx__interpreter_version_cached(c.rt, &c.interp, c.ws.scratch_fd, res->interpreter_version);
        tel_started(tel, res);
        r = launch(&c, t0, tel, res, err);
        if (r >= 0 && c.rt->finish)
            c.rt->finish(c.rt, policy, res);
    }
    if (r < 0) {
        sbx_result_free(res);
        res = NULL;
    }
    finish(&c, res, t0);
    if (r >= 0 && audit.fd >= 0 && sbx__audit_write(&audit, req, res, &res->audit_error) < 0)
        res->audit_failed = true; /* SECURITY: reported, never skipped silently */
    sbx__audit_close(&audit);
    sbx__tel_run_finished(tel, r >= 0 ? res : NULL, err);
    sbx__tel_close(tel);
    if (r < 0)
        return r;
    *ret = res;
    return 0;
}
