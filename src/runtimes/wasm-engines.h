/*
 * WebAssembly engines (internal): the adapters of wasm.c and wasm-engines.c, shared with the
 * unit tests of the command lines they build (tests/unit/test-wasm-engines.c).
 */
#ifndef SBX_RUNTIMES_WASM_ENGINES_H
#define SBX_RUNTIMES_WASM_ENGINES_H

#include <stdbool.h>

#include "runtimes/runtime.h"

#define SBX_WASM_WORKSPACE "/work" /* the workspace inside the sandbox (SBX_WORK_DIR) */
#define SBX_WASM_MAX_DIRS 16
#define SBX_WASM_MAX_PREOPENS (2 + 64 + 1 + SBX_WASM_MAX_DIRS)

/* One preopened directory as the guest sees it; host is the path inside the sandbox (binds are
 * made at the host's own path). */
struct sbx__wasm_preopen {
    const char *guest, *host;
    bool ro;
};

/* The preopens of a policy, in order: "/" and "." (the workspace or the --dir mapped at "/"),
 * allowed_paths, then the other --dir entries. Returns how many, or -E2BIG past cap. */
SBX_INTERNAL int sbx__wasm_preopens(const struct sbx_policy *p, struct sbx__wasm_preopen *out,
                                    size_t cap);
/* Whether one --dir entry is acceptable (canonical existing directory, not a place the sandbox
 * replaces, guest path 1..1024 bytes). 0 or -errno with err. */
SBX_INTERNAL int sbx__wasm_check_dir(const struct sbx_wasm_dir *d, struct sbx_error *err);
/* Whether engine `e` can express policy `p`; 0 or -errno with err naming what it cannot. */
SBX_INTERNAL int sbx__wasm_engine_check(const struct sbx_runtime *e, const struct sbx_policy *p,
                                        struct sbx_error *err);
/* Fill res->trap / res->rejected from the node host's last stderr line and exit code. */
SBX_INTERNAL void sbx__wasm_parse_outcome(struct sbx_result *res);
/* The same from wasmtime's own exit code (134) and "wasm trap: ..." message. */
SBX_INTERNAL void sbx__wasm_parse_wasmtime_trap(struct sbx_result *res);

/* Native engines' command lines (wasm-engines.c): interp, flags, the module; the caller
 * appends the module's arguments. 0 or -errno with err. */
SBX_INTERNAL int sbx__wasm_argv_wasmtime(const struct sbx_policy *p, const char *interp,
                                         const char *program, struct sbx_strv *argv,
                                         struct sbx_error *err);
SBX_INTERNAL int sbx__wasm_argv_wasmer(const struct sbx_policy *p, const char *interp,
                                       const char *program, struct sbx_strv *argv,
                                       struct sbx_error *err);
SBX_INTERNAL int sbx__wasm_argv_wasmedge(const struct sbx_policy *p, const char *interp,
                                         const char *program, struct sbx_strv *argv,
                                         struct sbx_error *err);
SBX_INTERNAL int sbx__wasm_argv_iwasm(const struct sbx_policy *p, const char *interp,
                                      const char *program, struct sbx_strv *argv,
                                      struct sbx_error *err);
SBX_INTERNAL int sbx__wasm_argv_wasm3(const struct sbx_policy *p, const char *interp,
                                      const char *program, struct sbx_strv *argv,
                                      struct sbx_error *err);

SBX_INTERNAL extern const struct sbx_runtime sbx__wasm_engine_wasmtime;
SBX_INTERNAL extern const struct sbx_runtime sbx__wasm_engine_wasmer;
SBX_INTERNAL extern const struct sbx_runtime sbx__wasm_engine_wasmedge;
SBX_INTERNAL extern const struct sbx_runtime sbx__wasm_engine_iwasm;
SBX_INTERNAL extern const struct sbx_runtime sbx__wasm_engine_wasm3;
/* Every engine in `auto`'s order of preference, node (sbx__runtime_wasm) last. */
SBX_INTERNAL extern const struct sbx_runtime *const sbx__wasm_engines[];
SBX_INTERNAL extern const size_t sbx__wasm_engine_count;

/* The node engine's WASI host script (generated from wasm/wasi-host.js at build time). */
SBX_INTERNAL extern const char sbx__wasi_host_js[];

#endif
