/*
 * WebAssembly (WASI preview1): .wasm binaries and .wat text, run by an engine chosen with
 * [runtimes.wasm] engine = "auto" | "node" | "wasmtime" | "wasmer" | "wasmedge" | "iwasm" |
 * "wasm3" (and `interpreter = PATH`).
 *
 * Each engine is an adapter: one struct sbx_runtime named "wasm" whose build_argv_policy maps
 * the policy onto the engine's own flags. An adapter refuses a policy it cannot express (a
 * memory cap, disabled growth, fuel, preopens, environment) rather than run with less than was
 * asked: nothing is claimed that is not applied. `auto` takes the first native engine on PATH
 * whose adapter can express the policy, else Node.js (always present: JavaScript needs it).
 *
 * The node engine runs src/runtimes/wasm/wasi-host.js, our own WASI preview1 host, embedded in
 * this binary at build time and passed with `node -e` so the program can neither read a stale
 * copy nor change it (MAX_ARG_STRLEN is 128 KiB; the script is checked against it at build
 * time). Its arguments: a JSON config (guest argv[0], environment, preopens, memory limits),
 * the module's path inside /work, then the program's arguments. See the host's file-top
 * comment for path resolution, memory limits and the exit protocol parsed by finish() below.
 *
 * Preopens, the same for every engine: the workspace as "/" and "." (so both absolute and
 * relative guest paths land in it); each allowed_paths entry at its own path (read-only unless
 * PATH:rw; the bind is read-only too); each --dir HOST[::GUEST] read-write at GUEST (default:
 * HOST as written), "/" making it the guest's root (and ".") instead of the workspace. The module's
 * environment is exactly the policy's --env entries: nothing of the sandbox's own PATH, HOME...
 *
 * SECURITY: the engine process is sandboxed like any interpreter; the WASI host is a second
 * layer, not the boundary. --dir host paths must be canonical (the CLI resolves them), and the
 * places the sandbox replaces (/, /proc, /dev, /sys, /work, and /tmp itself) are refused.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/platform.h"
#include "runtimes/runtime.h"
#include "runtimes/wasm-engines.h"

#define WASM_TRAP_EXIT 134     /* the host's exit code for a trap (as wasmtime on Unix) */
#define WASM_REJECTED_EXIT 135 /* the host's exit code for a module refused before start */

static const char *const extensions[] = {".wasm", ".wat", NULL};
static const char *const node_names[] = {"node", "nodejs", NULL};

/* The guest root: the --dir mapped at "/" if any, else the workspace. */
static const char *guest_root(const struct sbx_policy *p)
{
    for (size_t i = 0; i < p->n_wasm_dirs; i++)
        if (!strcmp(p->wasm_dirs[i].guest, "/"))
            return p->wasm_dirs[i].host;
    return SBX_WASM_WORKSPACE;
}

int sbx__wasm_preopens(const struct sbx_policy *p, struct sbx__wasm_preopen *out, size_t cap)
{
    size_t n = 0;
    if (cap < 2 + p->n_binds + p->n_wasm_dirs)
        return -E2BIG;
    const char *root = guest_root(p);
    out[n++] = (struct sbx__wasm_preopen){.guest = "/", .host = root, .ro = false};
    out[n++] = (struct sbx__wasm_preopen){.guest = ".", .host = root, .ro = false};
    for (size_t i = 0; i < p->n_binds; i++)
        out[n++] = (struct sbx__wasm_preopen){
            .guest = p->binds[i].path, .host = p->binds[i].path, .ro = !p->binds[i].writable};
    for (size_t i = 0; i < p->n_wasm_dirs; i++)
        if (strcmp(p->wasm_dirs[i].guest, "/"))
            out[n++] = (struct sbx__wasm_preopen){
                .guest = p->wasm_dirs[i].guest, .host = p->wasm_dirs[i].host, .ro = false};
    return (int)n;
}

/* ---- node: our WASI host ---- */

static char *node_config(const struct sbx_policy *p, const char *program)
{
    struct sbx__wasm_preopen pre[SBX_WASM_MAX_PREOPENS];
    int n = sbx__wasm_preopens(p, pre, ARRAY_SIZE(pre));
    if (n < 0)
        return NULL;
    const char *name = strrchr(program, '/');
    json_t *o = json_object(), *env = json_array(), *dirs = json_array();
    json_object_set_new(o, "name", json_string(name ? name + 1 : program));
    for (size_t i = 0; i < p->n_env; i++)
        json_array_append_new(env, json_string(p->env[i]));
    json_object_set_new(o, "env", env);
    for (int i = 0; i < n; i++)
        json_array_append_new(dirs, json_pack("{s:s, s:s, s:b}", "guest", pre[i].guest, "host",
                                              pre[i].host, "ro", pre[i].ro));
    json_object_set_new(o, "preopens", dirs);
    json_object_set_new(o, "max_pages", json_integer(p->wasm_max_memory_pages));
    json_object_set_new(o, "growth", json_boolean(p->wasm_memory_growth));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int node_check(const struct sbx_policy *p, struct sbx_error *err)
{
    if (p->wasm_fuel)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "runtimes.wasm.fuel: the node engine (V8) has no instruction budget; "
                          "unset fuel (the wall and CPU limits still apply) or use an engine that "
                          "has one (wasmtime, wasmedge)");
    return 0;
}

static int node_argv(const struct sbx_policy *p, const char *interp, const char *program,
                     struct sbx_strv *argv, struct sbx_error *err)
{
    int r = node_check(p, err);
    if (r < 0)
        return r;
    char *cfg = node_config(p, program);
    if (!cfg)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "wasm host config");
    if ((r = sbx__strv_push(argv, interp)) < 0 || (r = sbx__strv_push(argv, "-e")) < 0 ||
        (r = sbx__strv_push(argv, sbx__wasi_host_js)) < 0 || (r = sbx__strv_push(argv, "--")) < 0 ||
        (r = sbx__strv_push(argv, cfg)) < 0 || (r = sbx__strv_push(argv, program)) < 0)
        sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "wasm command line");
    free(cfg);
    return r;
}

/* ---- --dir entries become binds ---- */

static int dir_refused(const char *path)
{
    /* As allowed_paths (config.c): below /tmp is fine (binds are attached over the private
     * /tmp), /tmp itself would hide it. */
    static const char *const covered[] = {"/proc", "/dev", "/sys", "/work"};
    if (!strcmp(path, "/") || !strcmp(path, "/tmp"))
        return 1;
    for (size_t i = 0; i < ARRAY_SIZE(covered); i++) {
        size_t n = strlen(covered[i]);
        if (!strncmp(path, covered[i], n) && (path[n] == '/' || path[n] == '\0'))
            return 1;
    }
    return 0;
}

int sbx__wasm_check_dir(const struct sbx_wasm_dir *d, struct sbx_error *err)
{
    char real[PATH_MAX];
    struct stat st;
    if (!d->host || d->host[0] != '/' || !realpath(d->host, real) || strcmp(real, d->host))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, errno,
                          "--dir: '%.300s' must be an existing directory named by its canonical "
                          "absolute path",
                          d->host ? d->host : "(null)");
    if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, ENOTDIR, "--dir: '%.300s'",
                          d->host);
    if (dir_refused(real))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "--dir: '%.300s' cannot be shown inside the sandbox (it is / or part of "
                          "/proc, /dev, /sys or /work, or /tmp itself, which the sandbox replaces)",
                          d->host);
    if (!d->guest || !d->guest[0] || strlen(d->guest) > 1024)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "--dir: the guest path of '%.300s' must be 1 to 1024 bytes", d->host);
    return 0;
}

static int extra_binds(const struct sbx_policy *p, struct sbx_bind *out, size_t cap,
                       struct sbx_error *err)
{
    if (p->n_wasm_dirs > SBX_WASM_MAX_DIRS || p->n_wasm_dirs > cap)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "--dir: at most %d directories",
                          SBX_WASM_MAX_DIRS);
    for (size_t i = 0; i < p->n_wasm_dirs; i++) {
        int r = sbx__wasm_check_dir(&p->wasm_dirs[i], err);
        if (r < 0)
            return r;
        out[i] = (struct sbx_bind){.path = p->wasm_dirs[i].host, .writable = true};
    }
    return (int)p->n_wasm_dirs;
}

/* ---- choosing the engine ---- */

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* An executable named `name` in an absolute directory of $PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *d = path; d && *d;) {
        size_t n = strcspn(d, ":");
        if (d[0] == '/' &&
            snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, d, name) < (int)sizeof(buf) &&
            access(buf, X_OK) == 0)
            return 1;
        d += n + (d[n] == ':');
    }
    return 0;
}

static const struct sbx_runtime *engine_by_name(const char *name)
{
    for (size_t i = 0; i < sbx__wasm_engine_count; i++)
        if (!strcmp(sbx__wasm_engines[i]->engine, name))
            return sbx__wasm_engines[i];
    return NULL;
}

static int select_engine(const struct sbx_runtime *rt, const struct sbx_policy *p,
                         const char *override, const struct sbx_runtime **ret,
                         struct sbx_error *err)
{
    (void)rt;
    const char *want = p->wasm_engine && *p->wasm_engine ? p->wasm_engine : "auto";
    const struct sbx_runtime *e = NULL;
    if (strcmp(want, "auto")) {
        if (!(e = engine_by_name(want)))
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "runtimes.wasm.engine: unknown engine '%.100s' (known: auto, node, "
                              "wasmtime, wasmer, wasmedge, iwasm, wasm3)",
                              want);
    } else if (override) {
        /* auto with an explicit binary: the adapter named by it (node otherwise). */
        const char *b = basename_of(override);
        e = engine_by_name(b);
        if (!e || !strcmp(b, "nodejs"))
            e = &sbx__runtime_wasm;
    } else {
        struct sbx_error ignored;
        for (size_t i = 0; !e && i < sbx__wasm_engine_count; i++) {
            const struct sbx_runtime *cand = sbx__wasm_engines[i];
            if (cand != &sbx__runtime_wasm && on_path(cand->path_names[0]) &&
                sbx__wasm_engine_check(cand, p, &ignored) == 0)
                e = cand;
        }
        if (!e)
            e = &sbx__runtime_wasm;
    }
    int r = sbx__wasm_engine_check(e, p, err);
    if (r < 0)
        return r;
    *ret = e;
    return 0;
}

/* ---- after the run: the host's trap / rejection line ---- */

/* The last line of the captured stderr (without its newline) into buf. */
static void last_line(const struct sbx_output *o, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!o->data || !o->len)
        return;
    size_t end = o->len;
    if (o->data[end - 1] == '\n')
        end--;
    size_t start = end;
    while (start > 0 && o->data[start - 1] != '\n')
        start--;
    size_t n = MIN(end - start, size - 1);
    memcpy(buf, o->data + start, n);
    buf[n] = '\0';
}

/* "PREFIX kind: ..." -> kind (letters and '_' only) into ret[32]. */
static int parse_kind(const char *line, const char *prefix, char *ret)
{
    size_t plen = strlen(prefix);
    if (strncmp(line, prefix, plen))
        return 0;
    const char *k = line + plen;
    size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz_");
    if (n == 0 || n >= 32 || k[n] != ':')
        return 0;
    memcpy(ret, k, n);
    ret[n] = '\0';
    return 1;
}

void sbx__wasm_parse_outcome(struct sbx_result *res)
{
    char line[256];
    if (res->status != SBX_STATUS_RUNTIME_ERROR)
        return;
    last_line(&res->err, line, sizeof(line));
    if (res->exit_code == WASM_TRAP_EXIT)
        parse_kind(line, "rusty-sandbox: wasm trap: ", res->trap);
    else if (res->exit_code == WASM_REJECTED_EXIT)
        parse_kind(line, "rusty-sandbox: wasm rejected: ", res->rejected);
}

/* wasmtime exits 134 on a trap (and refuses proc_exit codes >= 126, so the module cannot) and
 * prints "wasm trap: <message>" in its error chain; its messages, to our trap kinds. */
void sbx__wasm_parse_wasmtime_trap(struct sbx_result *res)
{
    static const char *const kinds[][2] = {
        {"unreachable", "unreachable"},
        {"out of bounds memory access", "out_of_bounds_memory_access"},
        {"integer divide by zero", "integer_divide_by_zero"},
        {"integer overflow", "integer_overflow"},
        {"invalid conversion to integer", "invalid_conversion_to_integer"},
        {"call stack exhausted", "stack_overflow"},
        {"indirect call type mismatch", "indirect_call_type_mismatch"},
        {"out of bounds table access", "out_of_bounds_table_access"},
        {"uninitialized element", "indirect_call_to_null"},
        {"all fuel consumed", "out_of_fuel"},
        {"interrupt", "interrupted"},
    };
    if (res->status != SBX_STATUS_RUNTIME_ERROR || res->exit_code != WASM_TRAP_EXIT ||
        !res->err.data)
        return;
    const char *t = memmem(res->err.data, res->err.len, "wasm trap: ", 11);
    if (!t)
        return;
    t += 11;
    size_t left = res->err.len - (size_t)(t - res->err.data);
    size_t line = strcspn(t, "\n");
    line = MIN(line, left);
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (memmem(t, line, kinds[i][0], strlen(kinds[i][0]))) {
            snprintf(res->trap, sizeof(res->trap), "%s", kinds[i][1]);
            return;
        }
    snprintf(res->trap, sizeof(res->trap), "unknown");
}

static void finish(const struct sbx_runtime *rt, const struct sbx_policy *p, struct sbx_result *res)
{
    sbx__result_enforce(res, "wasm_engine", "%s", rt->engine);
    const char *how = rt == &sbx__runtime_wasm ? "module-rewrite" : "engine-flag";
    if (p->wasm_max_memory_pages)
        sbx__result_enforce(res, "wasm_max_memory_pages", "%s", how);
    if (!p->wasm_memory_growth)
        sbx__result_enforce(res, "wasm_memory_growth", "%s", how);
    if (p->wasm_fuel)
        sbx__result_enforce(res, "wasm_fuel", "engine-flag");
    if (rt == &sbx__runtime_wasm)
        sbx__wasm_parse_outcome(res);
    else if (rt == &sbx__wasm_engine_wasmtime)
        sbx__wasm_parse_wasmtime_trap(res);
}

/* Build-time argv for the shared "unused" build_argv slot: never called when
 * build_argv_policy is set, but keeps the table total. */
static int plain_argv(const char *interp, const char *program, struct sbx_strv *argv)
{
    int r;
    if ((r = sbx__strv_push(argv, interp)) < 0 || (r = sbx__strv_push(argv, program)) < 0)
        return r;
    return 0;
}

static int no_env(const struct sbx_policy *p, struct sbx_strv *env)
{
    (void)p;
    (void)env;
    return 0;
}

static const char *no_packages(const struct sbx_policy *p)
{
    (void)p;
    return NULL;
}

#define WASM_RUNTIME_COMMON                                                                        \
    .name = "wasm", .extensions = extensions, .build_argv = plain_argv, .build_env = no_env,       \
    .packages_path = no_packages, .parse_version = sbx__version_last_word,                         \
    .select = select_engine, .extra_binds = extra_binds, .finish = finish

/* The registry's entry, and the node engine. */
const struct sbx_runtime sbx__runtime_wasm = {
    WASM_RUNTIME_COMMON,
    .default_interpreter = "/usr/bin/node",
    .path_names = node_names,
    .build_argv_policy = node_argv,
    /* As JavaScript (javascript.c): Node.js needs 19 descriptors to start. The host keeps none
     * for directories (it works by path); each file the module opens takes one more. */
    .min_open_files = 20,
    .engine = "node",
};

#define NATIVE(ENGINE, BUILD)                                                                      \
    static const char *const ENGINE##_names[] = {#ENGINE, NULL};                                   \
    const struct sbx_runtime sbx__wasm_engine_##ENGINE = {                                         \
        WASM_RUNTIME_COMMON,          .default_interpreter = "/usr/bin/" #ENGINE,                  \
        .path_names = ENGINE##_names, .build_argv_policy = BUILD,                                  \
        .min_open_files = 16,         .engine = #ENGINE,                                           \
    }

NATIVE(wasmtime, sbx__wasm_argv_wasmtime);
NATIVE(wasmer, sbx__wasm_argv_wasmer);
NATIVE(wasmedge, sbx__wasm_argv_wasmedge);
NATIVE(iwasm, sbx__wasm_argv_iwasm);
NATIVE(wasm3, sbx__wasm_argv_wasm3);

/* Order of preference for `auto`; node last. */
const struct sbx_runtime *const sbx__wasm_engines[] = {
    &sbx__wasm_engine_wasmtime, &sbx__wasm_engine_wasmer, &sbx__wasm_engine_wasmedge,
    &sbx__wasm_engine_iwasm,    &sbx__wasm_engine_wasm3,  &sbx__runtime_wasm,
};
const size_t sbx__wasm_engine_count = ARRAY_SIZE(sbx__wasm_engines);

int sbx__wasm_engine_check(const struct sbx_runtime *e, const struct sbx_policy *p,
                           struct sbx_error *err)
{
    if (e == &sbx__runtime_wasm)
        return node_check(p, err);
    /* The native adapters check while building; a dry build into a scratch vector tells. */
    struct sbx_strv v;
    sbx__strv_init(&v, 4096);
    int r = e->build_argv_policy(p, e->default_interpreter, SBX_WASM_WORKSPACE "/m.wasm", &v, err);
    sbx__strv_done(&v);
    return r;
}
