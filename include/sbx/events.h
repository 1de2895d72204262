/*
 * sbx/events.h: the telemetry event stream of a run (docs/telemetry.md).
 *
 * While sbx_run() works, it can emit one JSON object per event: run_started,
 * analysis_finding, limits_applied, sample (every policy.sample_interval_ms), security_event,
 * limit_hit, output_truncated and run_finished (with the full report). Every object carries
 * "schema" (SBX_EVENTS_SCHEMA), "type", "id" (the run id), "seq" (0, 1, 2... per run), "time"
 * (RFC 3339 UTC with microseconds) and "t_us" (microseconds since the run started, from the
 * monotonic clock).
 *
 * Three ways to take the stream: policy.events_file (JSON lines appended to a file, or "-" for
 * the caller's stderr), request.on_event (a callback receiving each object), or both.
 * Samples are only taken while the stream or the live run registry is on.
 */
#ifndef SBX_EVENTS_H
#define SBX_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a field changes meaning or disappears; new fields and new event types do not
 * bump it (consumers ignore what they do not know). */
#define SBX_EVENTS_SCHEMA 1

enum sbx_event_type {
    SBX_EVENT_RUN_STARTED,
    SBX_EVENT_ANALYSIS_FINDING,
    SBX_EVENT_LIMITS_APPLIED,
    SBX_EVENT_SAMPLE,
    SBX_EVENT_SECURITY_EVENT,
    SBX_EVENT_LIMIT_HIT,
    SBX_EVENT_OUTPUT_TRUNCATED,
    SBX_EVENT_RUN_FINISHED,
};

/* "run_started", "sample", ...; "unknown" for a value out of range. */
SBX_API const char *sbx_event_type_name(enum sbx_event_type type);

/* One reading of a live run's resources. */
struct sbx_sample {
    uint64_t t_us;              /* microseconds since the run started */
    double cpu_percent;         /* since the previous sample; 100 = one core busy */
    uint64_t cpu_time_us;       /* all processes of the run, exited ones included */
    uint64_t memory_bytes;      /* now: the cgroup's usage, else the sum of RSS */
    uint64_t memory_peak_bytes; /* the cgroup's peak, else the largest sum seen */
    uint64_t pids;              /* tasks alive (threads count with a cgroup) */
    uint64_t io_read_bytes;     /* rchar of /proc/PID/io over the run's processes */
    uint64_t io_write_bytes;    /* wchar, likewise (pipes and tmpfs included) */
    uint64_t stdout_bytes;      /* written by the program so far */
    uint64_t stderr_bytes;
    const char *source; /* static: "cgroup-v2", "cgroup-v1" or "proc" */
};

/*
 * Called with each event as one JSON object (no trailing newline; `json[len]` is NUL). The
 * text is only valid during the call. It runs on the supervisor's thread, between its other
 * work: keep it short and never block in it.
 */
typedef void (*sbx_event_fn)(void *userdata, enum sbx_event_type type, const char *json,
                             size_t len);

#ifdef __cplusplus
}
#endif
#endif
