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
#define SBX_MAX_ALLOW_RULES 256
#define SBX_DEFAULT_MEMORY_LIMIT_BYTES (512ull * 1024 * 1024)
#define SBX_DEFAULT_MAX_PROCESSES 128
#define SBX_DEFAULT_MAX_OPEN_FILES 256
#define SBX_DEFAULT_MAX_FILE_SIZE_BYTES (64ull * 1024 * 1024)
#define SBX_DEFAULT_SAMPLE_INTERVAL_MS 100

/* A host path made visible inside the sandbox at the same path. */
struct sbx_bind {
    const char *path; /* absolute, existing */
    bool writable;    /* read-only unless set */
};

/* A host directory shown to a WebAssembly module as the preopened directory `guest`
 * (`--dir HOST[::GUEST]`); read-write. `host` is absolute and canonical (no symlink, "." or
 * ".."); guest "/" makes it the module's root instead of the workspace. */
struct sbx_wasm_dir {
    const char *host;
    const char *guest;
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

/* What static analysis does before a run ([analysis] mode). */
enum sbx_analysis_mode {
    SBX_ANALYSIS_WARN,  /* analyse; findings go to the report (and the CLI's stderr); run anyway */
    SBX_ANALYSIS_BLOCK, /* analyse; a blocking finding refuses the run (status blocked) */
    SBX_ANALYSIS_OFF,   /* do not analyse */
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
    /* false (default): own network namespace with only a loopback that is down. true: the
     * host's network (it needs Landlock ABI 6, which keeps the host's abstract unix sockets out
     * of reach); TCP connects only to allowed_ports (all when there are none) and binds only
     * to allowed_bind_ports (none when there are none), enforced by Landlock (ABI 4). */
    bool enable_network;
    /* Root, network off: join a pre-made empty network namespace leased for the run alone
     * (/run/rusty-sandbox/netns, `rusty-sandbox cleanup` removes them) instead of creating one,
     * which costs about 1.5 ms of CPU per run. Default true; unprivileged runs always create. */
    bool netns_pool;
    const uint16_t *allowed_ports; /* borrowed; at most 64 */
    size_t n_allowed_ports;
    const uint16_t *allowed_bind_ports; /* borrowed; at most 64 */
    size_t n_allowed_bind_ports;
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

    /* Telemetry ([telemetry]; docs/telemetry.md). */
    const char *events_file;     /* JSON lines of the run's events appended here (created 0600);
                                    "-": the caller's stderr; NULL: none */
    const char *metrics_file;    /* Prometheus textfile updated after each run; NULL: none */
    uint32_t sample_interval_ms; /* sampling period while telemetry or the registry is on:
                                    10..60000, default 100 */
    bool syslog;                 /* also send security events to syslog (default false) */
    bool live_registry;          /* publish the run in the live run registry (default true) */
    /* Instruction budget, for engines that have one (not node); 0: none. */
    uint64_t wasm_fuel;
    /* Extra preopened directories (--dir; borrowed), at most 16. */
    const struct sbx_wasm_dir *wasm_dirs;
    size_t n_wasm_dirs;
    /* Static analysis ([analysis]). A finding blocks when its severity reaches block_severity
     * (default high) unless its rule id is in allow_rules (borrowed array of ids). Network
     * findings are informational (never block) when enable_network is set. */
    enum sbx_analysis_mode analysis_mode; /* default warn */
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
