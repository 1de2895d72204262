/*
 * Unit tests for src/runtimes/wasm.c and wasm-engines.c: the command line each WebAssembly
 * engine adapter builds from a policy (the native engines are not installed on Debian 12, so
 * this is how they are tested), the policies each refuses, the preopen list, the node host's
 * config, how `auto` and an explicit engine are chosen, the --dir checks, and the parsing of
 * the node host's trap / rejection line.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "runtimes/wasm-engines.h"

/* argv joined with '|' (the interp path included). */
static char *joined(const struct sbx_strv *v)
{
    static char buf[8192];
    buf[0] = '\0';
    for (size_t i = 0; i < v->n; i++)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "|" : "", v->v[i]);
    return buf;
}

typedef int (*build_fn)(const struct sbx_policy *, const char *, const char *, struct sbx_strv *,
                        struct sbx_error *);

static void expect_argv(build_fn fn, const struct sbx_policy *p, const char *want)
{
    struct sbx_strv v;
    struct sbx_error err = {0};
    sbx__strv_init(&v, 1000);
    int r = fn(p, "/opt/e/bin/engine", "/work/m.wasm", &v, &err);
    cr_assert_eq(r, 0, "refused: %s", err.message);
    cr_assert_str_eq(joined(&v), want);
    sbx__strv_done(&v);
}

static void expect_refused(build_fn fn, const struct sbx_policy *p, const char *needle)
{
    struct sbx_strv v;
    struct sbx_error err = {0};
    sbx__strv_init(&v, 1000);
    int r = fn(p, "/opt/e/bin/engine", "/work/m.wasm", &v, &err);
    sbx__strv_done(&v);
    cr_assert_lt(r, 0, "expected a refusal containing '%s'", needle);
    cr_assert(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
}

static struct sbx_policy pol;
static const struct sbx_bind binds[] = {{"/srv/data", false}, {"/srv/out", true}};
static const struct sbx_wasm_dir dirs[] = {{"/home/u/proj", "/proj"}};
static const char *const env[] = {"A=1", "B=two words"};

static void init_policy(void)
{
    sbx_policy_init(&pol);
}

/* The full policy: env, allowed paths (ro + rw), a --dir, a cap, fuel. */
static void full(void)
{
    pol.env = env;
    pol.n_env = 2;
    pol.binds = binds;
    pol.n_binds = 2;
    pol.wasm_dirs = dirs;
    pol.n_wasm_dirs = 1;
    pol.wasm_max_memory_pages = 100;
    pol.wasm_fuel = 5000;
}

TestSuite(wasm_engines, .init = init_policy);

Test(wasm_engines, preopens_in_order)
{
    full();
    struct sbx__wasm_preopen pre[SBX_WASM_MAX_PREOPENS];
    int n = sbx__wasm_preopens(&pol, pre, SBX_WASM_MAX_PREOPENS);
    cr_assert_eq(n, 5);
    const char *want[][3] = {{"/", "/work", "rw"},
                             {".", "/work", "rw"},
                             {"/srv/data", "/srv/data", "ro"},
                             {"/srv/out", "/srv/out", "rw"},
                             {"/proj", "/home/u/proj", "rw"}};
    for (int i = 0; i < n; i++) {
        cr_assert_str_eq(pre[i].guest, want[i][0]);
        cr_assert_str_eq(pre[i].host, want[i][1]);
        cr_assert_eq(pre[i].ro, !strcmp(want[i][2], "ro"));
    }
    cr_assert_eq(sbx__wasm_preopens(&pol, pre, 4), -E2BIG);
}

Test(wasm_engines, dir_at_root_replaces_workspace)
{
    static const struct sbx_wasm_dir root[] = {{"/srv/r", "/"}, {"/srv/x", "x"}};
    pol.wasm_dirs = root;
    pol.n_wasm_dirs = 2;
    struct sbx__wasm_preopen pre[SBX_WASM_MAX_PREOPENS];
    int n = sbx__wasm_preopens(&pol, pre, SBX_WASM_MAX_PREOPENS);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(pre[0].host, "/srv/r");
    cr_assert_str_eq(pre[1].host, "/srv/r");
    cr_assert_str_eq(pre[2].guest, "x");
}

Test(wasm_engines, wasmtime)
{
    expect_argv(sbx__wasm_argv_wasmtime, &pol,
                "/opt/e/bin/engine|run|--dir|/work::/|--dir|/work::.|/work/m.wasm");
    full();
    expect_argv(sbx__wasm_argv_wasmtime, &pol,
                "/opt/e/bin/engine|run|--dir|/work::/|--dir|/work::.|--dir|/srv/data::/srv/data|"
                "--dir|/srv/out::/srv/out|--dir|/home/u/proj::/proj|--env|A=1|--env|B=two words|"
                "-W|max-memory-size=6553600|-W|fuel=5000|/work/m.wasm");
    pol.wasm_memory_growth = false;
    expect_refused(sbx__wasm_argv_wasmtime, &pol, "wasmtime cannot disable memory growth");
}

Test(wasm_engines, wasmer)
{
    pol.env = env;
    pol.n_env = 1;
    expect_argv(
        sbx__wasm_argv_wasmer, &pol,
        "/opt/e/bin/engine|run|--mapdir|/:/work|--mapdir|.:/work|--env|A=1|/work/m.wasm|--");
    pol.wasm_max_memory_pages = 10;
    expect_refused(sbx__wasm_argv_wasmer, &pol, "wasmer cannot cap linear memory");
    pol.wasm_max_memory_pages = 0;
    pol.wasm_fuel = 1;
    expect_refused(sbx__wasm_argv_wasmer, &pol, "wasmer cannot limit fuel");
}

Test(wasm_engines, wasmedge)
{
    full();
    expect_argv(sbx__wasm_argv_wasmedge, &pol,
                "/opt/e/bin/engine|--dir|/:/work|--dir|.:/work|--dir|/srv/data:/srv/data|--dir|"
                "/srv/out:/srv/out|--dir|/proj:/home/u/proj|--env|A=1|--env|B=two words|"
                "--memory-page-limit|100|--enable-gas-measuring|--gas-limit|5000|--|/work/m.wasm");
    pol.wasm_memory_growth = false;
    expect_refused(sbx__wasm_argv_wasmedge, &pol, "wasmedge cannot disable memory growth");
}

Test(wasm_engines, iwasm)
{
    pol.env = env;
    pol.n_env = 1;
    expect_argv(sbx__wasm_argv_iwasm, &pol,
                "/opt/e/bin/engine|--map-dir=/::/work|--map-dir=.::/work|--env=A=1|/work/m.wasm");
    pol.wasm_fuel = 3;
    expect_refused(sbx__wasm_argv_iwasm, &pol, "iwasm cannot limit fuel");
}

Test(wasm_engines, wasm3)
{
    expect_argv(sbx__wasm_argv_wasm3, &pol, "/opt/e/bin/engine|/work/m.wasm");
    pol.env = env;
    pol.n_env = 1;
    expect_refused(sbx__wasm_argv_wasm3, &pol, "wasm3 cannot pass environment variables");
    pol.n_env = 0;
    pol.wasm_dirs = dirs;
    pol.n_wasm_dirs = 1;
    expect_refused(sbx__wasm_argv_wasm3, &pol, "wasm3 cannot preopen directories");
}

Test(wasm_engines, node_host_config)
{
    full();
    pol.wasm_fuel = 0;
    pol.wasm_memory_growth = false;
    struct sbx_strv v;
    struct sbx_error err = {0};
    sbx__strv_init(&v, 100);
    cr_assert_eq(
        sbx__runtime_wasm.build_argv_policy(&pol, "/usr/bin/node", "/work/m.wasm", &v, &err), 0,
        "%s", err.message);
    cr_assert_eq(v.n, 6);
    cr_assert_str_eq(v.v[0], "/usr/bin/node");
    cr_assert_str_eq(v.v[1], "-e");
    cr_assert_str_eq(v.v[2], sbx__wasi_host_js);
    cr_assert_lt(strlen(v.v[2]), 128 * 1024, "the host must fit in one argument");
    cr_assert_str_eq(v.v[3], "--");
    cr_assert_str_eq(v.v[5], "/work/m.wasm");
    json_error_t je;
    json_t *cfg = json_loads(v.v[4], 0, &je);
    cr_assert_not_null(cfg, "config is not JSON: %s", je.text);
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "name")), "m.wasm");
    cr_assert_eq(json_integer_value(json_object_get(cfg, "max_pages")), 100);
    cr_assert(json_is_false(json_object_get(cfg, "growth")));
    json_t *e = json_object_get(cfg, "env");
    cr_assert_eq(json_array_size(e), 2);
    cr_assert_str_eq(json_string_value(json_array_get(e, 1)), "B=two words");
    json_t *pre = json_object_get(cfg, "preopens");
    cr_assert_eq(json_array_size(pre), 5);
    json_t *ro = json_array_get(pre, 2);
    cr_assert_str_eq(json_string_value(json_object_get(ro, "guest")), "/srv/data");
    cr_assert(json_is_true(json_object_get(ro, "ro")));
    json_decref(cfg);
    sbx__strv_done(&v);
    pol.wasm_fuel = 10;
    expect_refused(sbx__runtime_wasm.build_argv_policy, &pol, "no instruction budget");
}

static int pick(const char *engine, const char *override, const struct sbx_runtime **ret,
                struct sbx_error *err)
{
    pol.wasm_engine = engine;
    return sbx__runtime_wasm.select(&sbx__runtime_wasm, &pol, override, ret, err);
}

Test(wasm_engines, explicit_engine)
{
    const struct sbx_runtime *rt = NULL;
    struct sbx_error err = {0};
    cr_assert_eq(pick("node", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__runtime_wasm);
    cr_assert_eq(pick("wasmtime", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__wasm_engine_wasmtime);
    cr_assert_str_eq(rt->name, "wasm");
    cr_assert_str_eq(rt->default_interpreter, "/usr/bin/wasmtime");
    cr_assert_lt(pick("v8", NULL, &rt, &err), 0);
    cr_assert(strstr(err.message, "unknown engine 'v8'"));
    pol.wasm_memory_growth = false;
    cr_assert_lt(pick("wasmtime", NULL, &rt, &err), 0);
    cr_assert(strstr(err.message, "wasmtime cannot disable memory growth"), "%s", err.message);
}

Test(wasm_engines, auto_by_override_name)
{
    const struct sbx_runtime *rt = NULL;
    struct sbx_error err = {0};
    cr_assert_eq(pick("auto", "/opt/wasmedge/bin/wasmedge", &rt, &err), 0);
    cr_assert_eq(rt, &sbx__wasm_engine_wasmedge);
    cr_assert_eq(pick(NULL, "/usr/bin/nodejs", &rt, &err), 0);
    cr_assert_eq(rt, &sbx__runtime_wasm);
    cr_assert_eq(pick("auto", "/opt/node20/bin/node", &rt, &err), 0);
    cr_assert_eq(rt, &sbx__runtime_wasm);
}

TestSuite(wasm_auto, .init = tmp_setup, .fini = tmp_teardown);

Test(wasm_auto, native_on_path_if_it_can_apply_the_policy)
{
    sbx_policy_init(&pol);
    const struct sbx_runtime *rt = NULL;
    struct sbx_error err = {0};
    setenv("PATH", test_tmp, 1);
    cr_assert_eq(pick("auto", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__runtime_wasm, "nothing native on PATH: node");
    write_file(tmp_path("wasm3"), "", 0755);
    write_file(tmp_path("wasmtime"), "", 0755);
    cr_assert_eq(pick("auto", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__wasm_engine_wasmtime, "wasmtime comes first");
    pol.wasm_memory_growth = false; /* neither can: node */
    cr_assert_eq(pick("auto", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__runtime_wasm);
    pol.wasm_memory_growth = true;
    pol.wasm_fuel = 5; /* wasmtime can, wasm3 cannot */
    cr_assert_eq(pick("auto", NULL, &rt, &err), 0);
    cr_assert_eq(rt, &sbx__wasm_engine_wasmtime);
}

Test(wasm_auto, dir_checks)
{
    struct sbx_error err = {0};
    char canon[PATH_MAX];
    cr_assert_not_null(realpath(test_tmp, canon));
    struct sbx_wasm_dir d = {canon, "/data"};
    cr_assert_eq(sbx__wasm_check_dir(&d, &err), 0, "%s", err.message);
    char dotted[PATH_MAX + 8];
    snprintf(dotted, sizeof(dotted), "%s/.", canon);
    d.host = dotted;
    cr_assert_lt(sbx__wasm_check_dir(&d, &err), 0);
    cr_assert(strstr(err.message, "canonical"), "%s", err.message);
    const char *refused[] = {"/", "/proc", "/proc/self", "/dev", "/sys", "/tmp"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        d.host = refused[i];
        cr_assert_lt(sbx__wasm_check_dir(&d, &err), 0, "%s accepted", refused[i]);
    }
    d.host = canon;
    d.guest = "";
    cr_assert_lt(sbx__wasm_check_dir(&d, &err), 0);
    write_file(tmp_path("file"), "", 0644);
    d.host = tmp_path("file");
    d.guest = "x";
    cr_assert_lt(sbx__wasm_check_dir(&d, &err), 0);
}

static struct sbx_result *result_with(int exit_code, const char *stderr_text)
{
    struct sbx_result *r = calloc(1, sizeof(*r));
    r->status = exit_code ? SBX_STATUS_RUNTIME_ERROR : SBX_STATUS_OK;
    r->exit_code = exit_code;
    r->err.data = strdup(stderr_text);
    r->err.len = strlen(stderr_text);
    return r;
}

static void outcome(int code, const char *text, const char *trap, const char *rejected)
{
    struct sbx_result *r = result_with(code, text);
    sbx__wasm_parse_outcome(r);
    cr_assert_str_eq(r->trap, trap, "trap for %d '%s'", code, text);
    cr_assert_str_eq(r->rejected, rejected, "rejected for %d '%s'", code, text);
    free(r->err.data);
    free(r);
}

Test(wasm_engines, outcome_line)
{
    outcome(134, "out\nrusty-sandbox: wasm trap: unreachable: unreachable\n", "unreachable", "");
    outcome(134, "rusty-sandbox: wasm trap: stack_overflow: Maximum call stack size exceeded",
            "stack_overflow", "");
    outcome(135, "x.wat:1:2: error\nrusty-sandbox: wasm rejected: wat_error: x.wat: no\n", "",
            "wat_error");
    /* the wrong exit code, not the last line, a malformed kind: nothing */
    outcome(1, "rusty-sandbox: wasm trap: unreachable: forged\n", "", "");
    outcome(135, "rusty-sandbox: wasm trap: unreachable: x\n", "", "");
    outcome(134, "rusty-sandbox: wasm trap: unreachable: x\nmore\n", "", "");
    outcome(134, "rusty-sandbox: wasm trap: Bad-Kind: x\n", "", "");
    outcome(134,
            "rusty-sandbox: wasm trap: "
            "a_kind_name_that_is_far_too_long_to_keep: x\n",
            "", "");
    outcome(134, "", "", "");
}

static void wasmtime_trap(int code, const char *text, const char *trap)
{
    struct sbx_result *r = result_with(code, text);
    sbx__wasm_parse_wasmtime_trap(r);
    cr_assert_str_eq(r->trap, trap, "trap for %d '%s'", code, text);
    free(r->err.data);
    free(r);
}

Test(wasm_engines, wasmtime_trap_messages)
{
    wasmtime_trap(134,
                  "Error: failed to run main module `m.wasm`\n\nCaused by:\n    0: failed to "
                  "invoke command default\n    1: error while executing at wasm backtrace:\n"
                  "    2: wasm trap: wasm `unreachable` instruction executed\n",
                  "unreachable");
    wasmtime_trap(134, "Caused by:\n    wasm trap: out of bounds memory access\n",
                  "out_of_bounds_memory_access");
    wasmtime_trap(134, "wasm trap: call stack exhausted\n", "stack_overflow");
    wasmtime_trap(134, "wasm trap: all fuel consumed by WebAssembly\n", "out_of_fuel");
    wasmtime_trap(134, "wasm trap: something new\n", "unknown");
    wasmtime_trap(134, "no trap line\n", "");
    wasmtime_trap(1, "wasm trap: integer divide by zero\n", "");
}
