/*
 * The runtime ops table (internal). A language is one file defining a struct sbx_runtime and
 * one line in registry.c.
 */
#ifndef SBX_RUNTIMES_RUNTIME_H
#define SBX_RUNTIMES_RUNTIME_H

#include "sbx/policy.h"
#include "sbx/result.h"
#include "sbx/runtime.h"
#include "util/macros.h"
#include "util/strv.h"

struct sbx_runtime {
    const char *name;
    const char *const *extensions;
    const char *default_interpreter;
    const char *const *path_names; /* looked up on PATH when the default is missing */
    /* Push the full argv: interpreter, its flags, the program (path inside the sandbox). The
     * program's own arguments are appended by the caller. 0 or -errno. */
    int (*build_argv)(const char *interp, const char *program, struct sbx_strv *argv);
    /* Push runtime-specific environment entries (may push none). 0 or -errno. */
    int (*build_env)(const struct sbx_policy *p, struct sbx_strv *env);
    /* The vendored packages dir of the policy for this runtime (bound read-only), or NULL. */
    const char *(*packages_path)(const struct sbx_policy *p);
    /* Fewest open files the interpreter needs to start (max_open_files below it is refused). */
    unsigned min_open_files;
    /* Turn `--version` output into a short version string (SBX_VERSION_MAX). */
    void (*parse_version)(const char *output, char *ret);

    /* Optional hooks, for runtimes whose command line depends on the policy (WebAssembly and
     * its engines); NULL for the others. */
    /* The runtime that really runs under this policy (an engine adapter), given the
     * interpreter override (NULL: none). Writes *ret (maybe rt itself); 0 or -errno with err. */
    int (*select)(const struct sbx_runtime *rt, const struct sbx_policy *p, const char *override,
                  const struct sbx_runtime **ret, struct sbx_error *err);
    /* Used instead of build_argv when set. `program` is the path inside the sandbox; the
     * program's own arguments are appended by the caller. 0 or -errno with err. */
    int (*build_argv_policy)(const struct sbx_policy *p, const char *interp, const char *program,
                             struct sbx_strv *argv, struct sbx_error *err);
    /* Extra host directories to bind (at the same path), written into out[0..cap); returns how
     * many, or -errno with err. */
    int (*extra_binds)(const struct sbx_policy *p, struct sbx_bind *out, size_t cap,
                       struct sbx_error *err);
    /* After the run: read what the runtime reported (a trap...) into res. */
    void (*finish)(const struct sbx_runtime *rt, const struct sbx_policy *p,
                   struct sbx_result *res);
    const char *engine; /* WebAssembly engine name ("node", "wasmtime"...), else NULL */
};

SBX_INTERNAL extern const struct sbx_runtime sbx__runtime_python;
SBX_INTERNAL extern const struct sbx_runtime sbx__runtime_javascript;
SBX_INTERNAL extern const struct sbx_runtime sbx__runtime_wasm;

/* Last whitespace-separated word of the first line, at most SBX_VERSION_MAX - 1 bytes. */
SBX_INTERNAL void sbx__version_last_word(const char *output, char *ret);

/* Version with a cache in `cache_dirfd` keyed by the binary's identity (dev, inode, size,
 * mtime), so only the first run after an upgrade pays for `--version`. ret may be "" when the
 * version could not be told; that is not an error. */
SBX_INTERNAL void sbx__interpreter_version_cached(const struct sbx_runtime *rt,
                                                  const struct sbx_interpreter *interp,
                                                  int cache_dirfd, char *ret);

#endif
