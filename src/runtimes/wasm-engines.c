/*
 * Command lines of the native WebAssembly engines (Debian 12 packages none of them; these are
 * tested by the argv they build, tests/unit/test-wasm-engines.c). Each adapter maps the policy
 * onto its engine's own flags and refuses what the engine cannot express, naming it, instead of
 * running with less than the policy asked:
 *
 *   engine    preopens                 env          memory cap               growth off  fuel
 *   wasmtime  --dir HOST::GUEST        --env K=V    -W max-memory-size=BYTES no          -W fuel=N
 *   wasmer    --mapdir GUEST:HOST      --env K=V    no                       no          no
 *   wasmedge  --dir GUEST:HOST         --env K=V    --memory-page-limit N    no --gas-limit N iwasm
 * --map-dir=GUEST::HOST    --env=K=V    no                       no          no wasm3     its cwd
 * (the workspace)  no           no                       no          no
 *
 * (flags as in wasmtime 14+, wasmer 4, WasmEdge 0.13, WAMR 1.3 and wasm3 0.5 documentation).
 * Read-only allowed_paths are also read-only binds, so an engine without a read-only preopen
 * flag still cannot write there. Trap kinds are recorded with the node engine (its host prints
 * the line wasm.c parses) and with wasmtime (exit 134 and its "wasm trap: ..." message); with the
 * other engines a trap is a runtime_error with the engine's own message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "runtimes/wasm-engines.h"

static int cannot(const char *engine, const char *what, struct sbx_error *err)
{
    return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, ENOTSUP,
                      "runtimes.wasm.engine: %s cannot %s; use engine = \"node\" (or \"auto\"), "
                      "or drop that setting",
                      engine, what);
}

static int push_all(struct sbx_strv *v, const char *const *items)
{
    int r = 0;
    for (; *items && r == 0; items++)
        r = sbx__strv_push(v, *items);
    return r;
}

/* Preopens as "<flag>" "<a><sep><b>" (or "<flag>=<a><sep><b>" when joined), guest first when
 * guest_first. */
static int push_preopens(const struct sbx_policy *p, struct sbx_strv *v, const char *flag,
                         const char *sep, int guest_first, int joined)
{
    struct sbx__wasm_preopen pre[SBX_WASM_MAX_PREOPENS];
    int n = sbx__wasm_preopens(p, pre, ARRAY_SIZE(pre)), r = 0;
    if (n < 0)
        return n;
    for (int i = 0; i < n && r == 0; i++) {
        const char *a = guest_first ? pre[i].guest : pre[i].host;
        const char *b = guest_first ? pre[i].host : pre[i].guest;
        if (joined)
            r = sbx__strv_pushf(v, "%s=%s%s%s", flag, a, sep, b);
        else if ((r = sbx__strv_push(v, flag)) == 0)
            r = sbx__strv_pushf(v, "%s%s%s", a, sep, b);
    }
    return r;
}

static int push_env(const struct sbx_policy *p, struct sbx_strv *v, const char *flag, int joined)
{
    int r = 0;
    for (size_t i = 0; i < p->n_env && r == 0; i++) {
        if (joined)
            r = sbx__strv_pushf(v, "%s=%s", flag, p->env[i]);
        else if ((r = sbx__strv_push(v, flag)) == 0)
            r = sbx__strv_push(v, p->env[i]);
    }
    return r;
}

static int done(int r, struct sbx_error *err)
{
    return r < 0 ? sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "wasm command line")
                 : 0;
}

int sbx__wasm_argv_wasmtime(const struct sbx_policy *p, const char *interp, const char *program,
                            struct sbx_strv *argv, struct sbx_error *err)
{
    if (!p->wasm_memory_growth)
        return cannot("wasmtime", "disable memory growth (it has only a size cap)", err);
    const char *head[] = {interp, "run", NULL};
    int r = push_all(argv, head);
    if (r == 0)
        r = push_preopens(p, argv, "--dir", "::", 0, 0);
    if (r == 0)
        r = push_env(p, argv, "--env", 0);
    if (r == 0 && p->wasm_max_memory_pages && (r = sbx__strv_push(argv, "-W")) == 0)
        r = sbx__strv_pushf(argv, "max-memory-size=%llu",
                            (unsigned long long)p->wasm_max_memory_pages * 65536ull);
    if (r == 0 && p->wasm_fuel && (r = sbx__strv_push(argv, "-W")) == 0)
        r = sbx__strv_pushf(argv, "fuel=%llu", (unsigned long long)p->wasm_fuel);
    if (r == 0)
        r = sbx__strv_push(argv, program);
    return done(r, err);
}

int sbx__wasm_argv_wasmer(const struct sbx_policy *p, const char *interp, const char *program,
                          struct sbx_strv *argv, struct sbx_error *err)
{
    if (p->wasm_max_memory_pages)
        return cannot("wasmer", "cap linear memory (max_memory_pages)", err);
    if (!p->wasm_memory_growth)
        return cannot("wasmer", "disable memory growth", err);
    if (p->wasm_fuel)
        return cannot("wasmer", "limit fuel from its command line", err);
    const char *head[] = {interp, "run", NULL};
    int r = push_all(argv, head);
    if (r == 0)
        r = push_preopens(p, argv, "--mapdir", ":", 1, 0);
    if (r == 0)
        r = push_env(p, argv, "--env", 0);
    if (r == 0 && (r = sbx__strv_push(argv, program)) == 0)
        r = sbx__strv_push(argv, "--"); /* the module's arguments follow */
    return done(r, err);
}

int sbx__wasm_argv_wasmedge(const struct sbx_policy *p, const char *interp, const char *program,
                            struct sbx_strv *argv, struct sbx_error *err)
{
    if (!p->wasm_memory_growth)
        return cannot("wasmedge", "disable memory growth (it has only a page limit)", err);
    int r = sbx__strv_push(argv, interp);
    if (r == 0)
        r = push_preopens(p, argv, "--dir", ":", 1, 0);
    if (r == 0)
        r = push_env(p, argv, "--env", 0);
    if (r == 0 && p->wasm_max_memory_pages &&
        (r = sbx__strv_push(argv, "--memory-page-limit")) == 0)
        r = sbx__strv_pushf(argv, "%u", p->wasm_max_memory_pages);
    if (r == 0 && p->wasm_fuel && (r = sbx__strv_push(argv, "--enable-gas-measuring")) == 0 &&
        (r = sbx__strv_push(argv, "--gas-limit")) == 0)
        r = sbx__strv_pushf(argv, "%llu", (unsigned long long)p->wasm_fuel);
    if (r == 0 && (r = sbx__strv_push(argv, "--")) == 0)
        r = sbx__strv_push(argv, program);
    return done(r, err);
}

int sbx__wasm_argv_iwasm(const struct sbx_policy *p, const char *interp, const char *program,
                         struct sbx_strv *argv, struct sbx_error *err)
{
    if (p->wasm_max_memory_pages)
        return cannot("iwasm", "cap linear memory (max_memory_pages)", err);
    if (!p->wasm_memory_growth)
        return cannot("iwasm", "disable memory growth", err);
    if (p->wasm_fuel)
        return cannot("iwasm", "limit fuel", err);
    int r = sbx__strv_push(argv, interp);
    if (r == 0)
        r = push_preopens(p, argv, "--map-dir", "::", 1, 1);
    if (r == 0)
        r = push_env(p, argv, "--env", 1);
    if (r == 0)
        r = sbx__strv_push(argv, program);
    return done(r, err);
}

int sbx__wasm_argv_wasm3(const struct sbx_policy *p, const char *interp, const char *program,
                         struct sbx_strv *argv, struct sbx_error *err)
{
    if (p->wasm_max_memory_pages)
        return cannot("wasm3", "cap linear memory (max_memory_pages)", err);
    if (!p->wasm_memory_growth)
        return cannot("wasm3", "disable memory growth", err);
    if (p->wasm_fuel)
        return cannot("wasm3", "limit fuel", err);
    if (p->n_env)
        return cannot("wasm3", "pass environment variables (--env)", err);
    if (p->n_binds || p->n_wasm_dirs)
        return cannot("wasm3", "preopen directories other than its working directory", err);
    int r = sbx__strv_push(argv, interp);
    if (r == 0)
        r = sbx__strv_push(argv, program);
    return done(r, err);
}
