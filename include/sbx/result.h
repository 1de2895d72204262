/*
 * sbx/result.h: what happened in a run.
 *
 * sbx_run() returns a struct sbx_result that the caller owns and frees with
 * sbx_result_free(). All members are read-only for the caller. Nothing in it is claimed that was
 * not measured or applied: `enforcement` lists the mechanism that actually enforced each control.
 */
#ifndef SBX_RESULT_H
#define SBX_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sbx_status {
    SBX_STATUS_OK,                 /* exited with code 0 */
    SBX_STATUS_RUNTIME_ERROR,      /* exited with a non-zero code */
    SBX_STATUS_SIGNALED,           /* killed by a signal it caused or sent itself */
    SBX_STATUS_TIMEOUT,            /* wall-clock limit reached; the whole tree was killed */
    SBX_STATUS_CPU_LIMIT,          /* used more CPU time than cpu_time_limit_s */
    SBX_STATUS_MEMORY_LIMIT,       /* the kernel's OOM killer acted on the run's memory limit */
    SBX_STATUS_OUTPUT_LIMIT,       /* wrote past max_output_bytes with output_limit_action kill */
    SBX_STATUS_SECURITY_VIOLATION, /* a refused dangerous syscall with on_violation kill */
    SBX_STATUS_CANCELLED,          /* the caller cancelled the run (Ctrl-C, SIGTERM) */
    SBX_STATUS_INTERNAL_ERROR,     /* the sandbox failed; see `error` */
    SBX_STATUS_BLOCKED,            /* refused by static analysis (analysis mode block); the
                                      program was not started; see `analysis` */
};

enum sbx_stream { SBX_STDOUT = 1, SBX_STDERR = 2 };

struct sbx_output {
    char *data;             /* head, then tail if truncated; NUL-terminated; may hold NULs */
    size_t len;             /* bytes in data */
    size_t head_len;        /* data[0..head_len) is the head, the rest the tail */
    uint64_t total_bytes;   /* everything the program wrote to this stream */
    uint64_t dropped_bytes; /* total_bytes - len */
    bool truncated;
};

struct sbx_kv {
    const char *key;
    char value[64];
};

#define SBX_MAX_ENFORCEMENT 32
#define SBX_MAX_TIMINGS 24
#define SBX_MAX_EVENTS 64

/* Something that happened during the run: a limit hit, a refusal. */
struct sbx_event {
    const char *type; /* static: "timeout", "cpu_limit", "oom_kill", "pids_max",
                         "file_size", "output_truncated", "output_limit" */
    uint64_t at_us;   /* microseconds since the run started */
    char detail[160];
};

struct sbx_timing {
    const char *stage; /* static string */
    uint64_t at_us;    /* microseconds since the run started */
};

struct sbx_result {
    char id[40];         /* unique run id */
    char started_at[40]; /* RFC 3339 UTC with microseconds */
    enum sbx_status status;
    int exit_code;     /* the program's exit code, -1 if it did not exit */
    int signal;        /* the signal that ended the program, 0 if none */
    int cancel_signal; /* for SBX_STATUS_CANCELLED: signal the caller reported, or 0 */
    uint64_t wall_time_us;
    uint64_t cpu_user_us; /* every process of the run, from the kernel's rusage */
    uint64_t cpu_sys_us;
    uint64_t peak_rss_kb;           /* largest resident set of any one process (ru_maxrss) */
    uint64_t peak_memory_kb;        /* of the whole run, from the cgroup; else peak_rss_kb */
    const char *peak_memory_source; /* static: "cgroup-v2", "cgroup-v1", "ru_maxrss" */
    const char *cpu_time_source;    /* static: "cgroup-v2", "cgroup-v1", "rusage" */
    uint64_t peak_pids;             /* most tasks alive at once (0: unknown) */
    const char *peak_pids_source;   /* static: "pids.peak", "sampled", NULL */
    uint64_t ctx_switches_voluntary, ctx_switches_involuntary;

    struct sbx_event events[SBX_MAX_EVENTS];
    size_t n_events;
    uint64_t events_dropped;

    struct sbx_output out;
    struct sbx_output err;

    struct sbx_policy limits; /* the effective policy; its pointers are not valid after
                                 sbx_run() returns and are cleared */
    struct sbx_kv enforcement[SBX_MAX_ENFORCEMENT];
    size_t n_enforcement;

    char runtime_name[32];
    char interpreter[4096];
    char interpreter_version[SBX_VERSION_MAX];
    char file[4096];      /* the program as the caller named it */
    char workspace[4096]; /* host path of the workspace, "" once removed */

    struct sbx_timing timings[SBX_MAX_TIMINGS];
    size_t n_timings;

    /* WebAssembly: the trap that ended the module ("unreachable", "stack_overflow"...), or why
     * the module was refused before it started ("invalid_module", "memory_limit"...); "" if
     * none. */
    char trap[32];
    char rejected[32];

    struct sbx_error error; /* set when status is SBX_STATUS_INTERNAL_ERROR */
    bool audit_failed;      /* the policy's audit log could not be written: see audit_error */
    struct sbx_error audit_error;
    bool telemetry_failed; /* an events, metrics or registry write failed: telemetry_error */
    struct sbx_error telemetry_error;

    /* Static analysis of the program (sbx/analysis.h), owned by the result; NULL when the
     * policy's analysis mode is off or no analyser handles the language. */
    struct sbx_analysis *analysis;
};

SBX_API void sbx_result_free(struct sbx_result *result);

SBX_API const char *sbx_status_name(enum sbx_status status);

/* The value the enforcement map gives `key`, or NULL. */
SBX_API const char *sbx_result_enforcement(const struct sbx_result *result, const char *key);

/* The report of DESIGN section 4 as one JSON object (malloc'd, NUL-terminated, caller frees),
 * or NULL on allocation failure. Output bytes that are not UTF-8 become U+FFFD. */
SBX_API char *sbx_result_to_json(const struct sbx_result *result);

#ifdef __cplusplus
}
#endif
#endif
