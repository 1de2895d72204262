/*
 * The platform backend: the only way the core reaches the operating system's isolation.
 * The build picks one implementation (src/platform/linux today, macos later).
 *
 * Lifecycle for one run: prepare() (host-side checks, identity), spawn() (sandbox created,
 * program started), supervise() (event loop until every process of the run is gone), destroy()
 * (always: kill what is left, reap, release identity). destroy() accepts a sandbox in any state.
 */
#ifndef SBX_PLATFORM_H
#define SBX_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/result.h"
#include "sbx/run.h"
#include "util/macros.h"

struct sbx__launch {
    const struct sbx_policy *policy;
    const struct sbx_request *request;
    char *const *argv; /* argv[0] is the interpreter path (same path inside) */
    char *const *envp;
    const char *root_mnt;         /* host dir on which the new root is mounted (privately) */
    const char *keep_dir;         /* with --keep: host dir that receives /work, else NULL */
    const struct sbx_bind *binds; /* host paths shown at the same path (allowed_paths, the
                                     runtime's packages path) */
    size_t n_binds;
    const char *interp_prefix; /* "" or a host dir bound read-only at the same path */
    const char *program_name;  /* file name of the program inside /work */
    int program_fd;            /* the program, read (pread) into the workspace by init */
    uint64_t t0_ns;            /* CLOCK_MONOTONIC when the run started */
    uid_t host_uid;            /* the sandbox's uid 1000 on the host */
    const char *run_id;        /* names the run's cgroup "sbx-<run_id>" */
    struct sbx__tel *tel;      /* telemetry of the run (src/telemetry), or NULL */
};

struct sbx__identity {
    uid_t host_uid; /* what the sandbox's uid 1000 is on the host */
    gid_t host_gid;
    bool privileged; /* the caller may map any id (root); else only its own */
    int lock_fd;     /* held for the run when the id came from the pool, else -1 */
};

struct sbx__sandbox;

struct sbx__backend {
    const char *name;
    /* Choose the host identity for the sandbox. */
    int (*prepare)(struct sbx__identity *ret, struct sbx_error *err);
    void (*release)(struct sbx__identity *id);
    int (*spawn)(const struct sbx__launch *l, const struct sbx__identity *id,
                 struct sbx__sandbox **ret, struct sbx_error *err);
    /* Runs until the program and every process of the run are gone; fills status, output,
     * usage and timings of `res`. Returns 0, or a negative errno for a supervisor failure
     * (the run is then killed and `res` says internal_error). */
    int (*supervise)(struct sbx__sandbox *sb, const struct sbx__launch *l, struct sbx_result *res);
    void (*destroy)(struct sbx__sandbox *sb);
    /* Fill the enforcement map with what this sandbox really applied (before destroy). */
    void (*enforcement)(const struct sbx__launch *l, const struct sbx__sandbox *sb,
                        struct sbx_result *res);
};

SBX_INTERNAL extern const struct sbx__backend sbx__backend_linux;
#define SBX_BACKEND (&sbx__backend_linux)

/* Helpers for results shared by core and backends. */
SBX_INTERNAL void sbx__result_timing(struct sbx_result *res, const char *stage, uint64_t t_ns,
                                     uint64_t t0_ns);
SBX_INTERNAL void sbx__result_enforce(struct sbx_result *res, const char *key, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
SBX_INTERNAL uint64_t sbx__now_ns(void);
SBX_INTERNAL void sbx__result_event(struct sbx_result *res, const char *type, uint64_t t_ns,
                                    uint64_t t0_ns, const char *fmt, ...) PRINTF_LIKE(5, 6);

#endif
