/*
 * sbx/policy.h: what a run may do.
 *
 * A struct sbx_policy is a plain value. Fill it with sbx_policy_init() (the safe defaults of
 * DESIGN section 3), change what you need, and pass it to sbx_run(), which validates it and never
 * modifies it. String and array members are borrowed: the caller keeps them alive until
 * sbx_run() returns.
 */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SBX_DEFAULT_TIMEOUT_S 30.0
#define SBX_DEFAULT_MAX_OUTPUT_BYTES (1024u * 1024u)
#define SBX_DEFAULT_TMP_SIZE_BYTES (64u * 1024u * 1024u)
#define SBX_DEFAULT_WORKSPACE_SIZE_BYTES (64u * 1024u * 1024u)
#define SBX_MAX_TIMEOUT_S (7.0 * 24 * 3600)
#define SBX_MAX_OUTPUT_BYTES (1024u * 1024u * 1024u)
#define SBX_MAX_ENV 256
#define SBX_DEFAULT_MEMORY_LIMIT_BYTES (512ull * 1024 * 1024)
#define SBX_DEFAULT_MAX_PROCESSES 128
#define SBX_DEFAULT_MAX_OPEN_FILES 256
#define SBX_DEFAULT_MAX_FILE_SIZE_BYTES (64ull * 1024 * 1024)

/* A host path made visible inside the sandbox at the same path. */
struct sbx_bind {
    const char *path; /* absolute, existing */
    bool writable;    /* read-only unless set */
};

/* What a refused dangerous syscall (a security event) does to the run. */
enum sbx_violation_action {
    SBX_VIOLATION_LOG,  /* refuse it (EPERM), record a blocked_syscall event, go on */
    SBX_VIOLATION_KILL, /* the same, then end the run with status security_violation */
};

/* What happens when a program writes more than max_output_bytes to a stream. */
enum sbx_output_action {
    SBX_OUTPUT_TRUNCATE, /* keep head and tail, count the rest, let the program go on */
    SBX_OUTPUT_KILL,     /* end the run with status output_limit */
};

/* How serious a static-analysis finding is (sbx/analysis.h); ordered, so >= compares. */
enum sbx_severity {
    SBX_SEVERITY_INFO,
    SBX_SEVERITY_LOW,
    SBX_SEVERITY_MEDIUM,
    SBX_SEVERITY_HIGH,
    SBX_SEVERITY_CRITICAL,
};

struct sbx_policy {
    /* Wall-clock limit in seconds (fractional allowed); 0 means none. Default 30. */
    double timeout_s;
    /* Bytes kept per output stream (head and tail halves); the rest is counted and dropped. */
    uint64_t max_output_bytes;
    /* Size of the private /tmp (and /dev/shm) tmpfs in bytes. */
    uint64_t tmp_size_bytes;
    /* Size of the workspace (/work, a tmpfs holding a copy of the program) in bytes. */
    uint64_t workspace_size_bytes;
    /* false (default): own network namespace with only a loopback that is down. */
    bool enable_network;
    /* Copy the workspace to a host directory after the run and keep it there. */
    bool keep_workspace;
    /* Host directory under which run directories (and --keep workspaces) are made, and
     * host-side scratch (mount point, caches); NULL: $TMPDIR or /tmp. */
    const char *workspace_root;
    const char *scratch_root;
    /* Host paths bound at the same path (config allowed_paths beyond /tmp and the workspace). */
    const struct sbx_bind *binds;
    size_t n_binds;
    /* Vendored packages: bound read-only and put on PYTHONPATH / NODE_PATH; NULL: none. */
    const char *python_packages_path;
    const char *node_modules_path;
    /* Extra environment entries "KEY=VALUE" for the program (borrowed). */
    const char *const *env;
    size_t n_env;

    /* Resource limits; 0 means none. Memory, processes and the CPU share need a cgroup (v2
     * delegated subtree or v1 as root); CPU time is measured from the cgroup too. */
    uint64_t memory_limit_bytes;  /* default 512 MiB; swap is off */
    double cpu_time_limit_s;      /* CPU seconds of all processes, fractional; default none */
    double cpus;                  /* CPU share, e.g. 0.5; default none */
    uint64_t max_processes;       /* tasks (threads count); default 128 */
    uint64_t max_file_size_bytes; /* largest file the program may write; default 64 MiB */
    uint64_t max_open_files;      /* RLIMIT_NOFILE; default 256 */
    enum sbx_output_action output_limit_action;
    enum sbx_violation_action on_violation; /* default log */
    /* Without a usable cgroup, enforce what rlimits can (RLIMIT_DATA, RLIMIT_NPROC,
     * RLIMIT_CPU) instead of refusing to run. The enforcement map says which was used. */
    bool allow_weaker_limits;
    /* Parent cgroup for runs (a path inside the hierarchy); NULL: the caller's own. */
    /* Append one JSON line per run to this file (created 0600); NULL: no audit log. A log that
     * cannot be opened refuses the run; one that cannot be written is reported. */
    const char *audit_log;
    const char *cgroup_parent;

    /* WebAssembly ([runtimes.wasm]). Pages are 64 KiB. */
    uint32_t wasm_max_memory_pages; /* a module may not declare or grow past it; 0: no cap */
    bool wasm_memory_growth;        /* false: memory.grow fails; default true */
    const char *wasm_engine;        /* "auto" (default, NULL too), "node", "wasmtime", ... */

    /* Static analysis ([analysis]). A finding blocks when its severity reaches block_severity
     * (default high) unless its rule id is in allow_rules (borrowed array of ids). */
    enum sbx_severity block_severity;
    const char *const *allow_rules;
    size_t n_allow_rules;
};

/* Fill `policy` with the defaults. Never fails. */
SBX_API void sbx_policy_init(struct sbx_policy *policy);

/* Check every field; returns 0, or -EINVAL with `err` naming the field and the problem. */
SBX_API int sbx_policy_validate(const struct sbx_policy *policy, struct sbx_error *err);

#ifdef __cplusplus
}
#endif
#endif
