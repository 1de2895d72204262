/*
 * sbx/runtime.h: the languages rusty-sandbox can run.
 *
 * Runtimes are static objects owned by the library; pointers to them stay valid for the life
 * of the process. Resolving an interpreter looks at the host file system only (it never runs
 * anything); sbx_interpreter_version() runs the interpreter once with `--version`.
 */
#ifndef SBX_RUNTIME_H
#define SBX_RUNTIME_H

#include <limits.h>
#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sbx_runtime;

/* Number of runtimes and the i-th one (NULL past the end), in a stable order. */
SBX_API size_t sbx_runtime_count(void);
SBX_API const struct sbx_runtime *sbx_runtime_at(size_t i);

/* The runtime with this name ("python", "javascript"), or NULL. */
SBX_API const struct sbx_runtime *sbx_runtime_by_name(const char *name);

/* The runtime for this file name by its extension (case-sensitive, ".py", ".js", ".mjs"), or
 * NULL. */
SBX_API const struct sbx_runtime *sbx_runtime_for_file(const char *path);

SBX_API const char *sbx_runtime_name(const struct sbx_runtime *rt);
/* NULL-terminated list of extensions, each with its dot. */
SBX_API const char *const *sbx_runtime_extensions(const struct sbx_runtime *rt);
SBX_API const char *sbx_runtime_default_interpreter(const struct sbx_runtime *rt);

#define SBX_VERSION_MAX 64

struct sbx_interpreter {
    char path[PATH_MAX];   /* absolute, symlinks resolved */
    char prefix[PATH_MAX]; /* installation prefix (dir above bin/), "" if under /usr */
};

/*
 * Find the interpreter for `rt`: `override` if not NULL, else the runtime's default path,
 * else its names searched on `search_path` (NULL: $PATH). Symlinks are resolved. A script (a
 * version manager's shim) is refused with SBX_ERR_NO_RUNTIME and a message naming it; a missing
 * one too. Writes `ret` only on success.
 */
SBX_API int sbx_interpreter_resolve(const struct sbx_runtime *rt, const char *override,
                                    const char *search_path, struct sbx_interpreter *ret,
                                    struct sbx_error *err);

/* Run `interp --version` (clean environment, 5 s limit) and write a short version string such
 * as "3.11.2" or "v20.20.2" into ret (size SBX_VERSION_MAX). Returns 0 or a negative errno. */
SBX_API int sbx_interpreter_version(const struct sbx_runtime *rt,
                                    const struct sbx_interpreter *interp, char *ret);

#ifdef __cplusplus
}
#endif
#endif
