/*
 * Telemetry internals (docs/telemetry.md): the per-run context that sbx_run() and the
 * supervisor feed, the event encoders, and the sinks (JSON lines, Prometheus textfile, syslog,
 * live run registry).
 *
 * Lifecycle of one run: sbx__tel_open() before anything on the host changes (an events file
 * that cannot be opened refuses the run, as the audit log does) -> sbx__tel_run_started() once
 * the result exists -> from the supervisor: sbx__tel_limits_applied() at exec, sbx__tel_sample()
 * on its sampling timer, sbx__tel_events() after each batch of work -> sbx__tel_run_finished()
 * after cleanup -> sbx__tel_close(). Every function accepts a NULL context (telemetry off) and
 * never fails the run: a sink that cannot keep up or be written is reported in the result's
 * telemetry_error.
 */
#ifndef SBX_TELEMETRY_H
#define SBX_TELEMETRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sbx/sbx.h"
#include "util/macros.h"

struct sbx__tel;

/* ---- the context (telemetry.c) ---- */

/* *ret is NULL when nothing is on (no events file, callback, metrics, syslog or registry). */
SBX_INTERNAL int sbx__tel_open(const struct sbx_policy *p, const struct sbx_request *req,
                               uint64_t t0_ns, struct sbx__tel **ret, struct sbx_error *err);
/* Whether the supervisor should sample (a stream or the registry is on). */
SBX_INTERNAL bool sbx__tel_wants_samples(const struct sbx__tel *t);
SBX_INTERNAL uint32_t sbx__tel_sample_interval_ms(const struct sbx__tel *t);
SBX_INTERNAL void sbx__tel_run_started(struct sbx__tel *t, const struct sbx_result *res);
/*
 * One static-analysis finding as an analysis_finding event. Call it after
 * sbx__tel_run_started() for each finding of the run, in order. Strings are copied.
 */
SBX_INTERNAL void sbx__tel_analysis_finding(struct sbx__tel *t, const char *rule,
                                            const char *category, const char *severity,
                                            unsigned line, unsigned column, const char *message);
SBX_INTERNAL void sbx__tel_limits_applied(struct sbx__tel *t, const struct sbx_result *res);
SBX_INTERNAL void sbx__tel_sample(struct sbx__tel *t, const struct sbx_sample *s);
/* Stream the result's events recorded since the last call (limit hits, security events...). */
SBX_INTERNAL void sbx__tel_events(struct sbx__tel *t, const struct sbx_result *res);
/* Milliseconds until deferred work is due (a registry update held back), or -1. */
SBX_INTERNAL int sbx__tel_timeout_ms(const struct sbx__tel *t);
SBX_INTERNAL void sbx__tel_idle(struct sbx__tel *t);
/* The end: res may be NULL when the run failed after it started (err says why). Fills
 * res->telemetry_error when a sink failed. */
SBX_INTERNAL void sbx__tel_run_finished(struct sbx__tel *t, struct sbx_result *res,
                                        const struct sbx_error *err);
SBX_INTERNAL void sbx__tel_close(struct sbx__tel *t);

/* ---- encoders (events.c): pure, unit-tested ---- */

struct sbx__ev_clock {
    char id[40];         /* the run id */
    uint64_t wall_t0_us; /* wall clock (µs since the epoch) when the run started */
    uint64_t t0_ns;      /* CLOCK_MONOTONIC then */
    uint64_t seq;        /* next sequence number */
};

/* "2026-11-28T18:00:00.123456Z" into buf (at least 32 bytes). */
SBX_INTERNAL void sbx__ev_rfc3339(uint64_t wall_us, char *buf, size_t size);
/* The envelope (schema, type, id, seq, time, t_us) followed by body's fields; steals body.
 * Returns a malloc'd compact line without newline, or NULL. */
SBX_INTERNAL char *sbx__ev_encode(struct sbx__ev_clock *c, enum sbx_event_type type, uint64_t t_us,
                                  json_t *body);
SBX_INTERNAL json_t *sbx__ev_run_started(const struct sbx_result *res, long supervisor_pid,
                                         const char *abs_file);
SBX_INTERNAL json_t *sbx__ev_analysis_finding(const char *rule, const char *category,
                                              const char *severity, unsigned line, unsigned column,
                                              const char *message);
SBX_INTERNAL json_t *sbx__ev_limits_applied(const struct sbx_result *res);
SBX_INTERNAL json_t *sbx__ev_sample(const struct sbx_sample *s);
/* A result event as a stream event; NULL when its type is not streamed on its own. */
SBX_INTERNAL json_t *sbx__ev_from_result(const struct sbx_event *e, const struct sbx_result *res,
                                         enum sbx_event_type *ret_type);
SBX_INTERNAL json_t *sbx__ev_run_finished(const struct sbx_result *res,
                                          const struct sbx_error *err);
/* The limit kind of a result event type ("oom_kill" -> "memory"), or NULL. */
SBX_INTERNAL const char *sbx__ev_limit_kind(const char *result_type);
SBX_INTERNAL bool sbx__ev_is_security(const char *result_type);
/* The effective limits as JSON numbers (0 = none): the registry's "limits" object. */
SBX_INTERNAL json_t *sbx__ev_limits_numbers(const struct sbx_policy *p);
SBX_INTERNAL json_t *sbx__ev_enforcement(const struct sbx_result *res);

/* ---- JSON lines sink (jsonl.c) ---- */

struct sbx__jsonl {
    int fd;
    int use_send;  /* a socket: send(MSG_DONTWAIT) */
    int regular;   /* a regular file: writes never wait */
    char *pending; /* bytes not yet accepted by a slow reader */
    size_t len, cap;
    uint64_t dropped_lines;
    int error; /* first write error (-errno), 0 if none */
    char path[256];
};

#define SBX_JSONL_MAX_PENDING (16u << 20)

SBX_INTERNAL int sbx__jsonl_open(const char *path, struct sbx__jsonl *ret, struct sbx_error *err);
/* Queue one line (a newline is added) and write what the fd accepts now, never blocking. */
SBX_INTERNAL void sbx__jsonl_write(struct sbx__jsonl *j, const char *line, size_t len);
/* Write what is pending, waiting at most timeout_ms for a slow reader; 0 or -EAGAIN/-errno. */
SBX_INTERNAL int sbx__jsonl_flush(struct sbx__jsonl *j, int timeout_ms);
SBX_INTERNAL void sbx__jsonl_close(struct sbx__jsonl *j);

/* ---- Prometheus textfile (metrics.c) ---- */

#define SBX_METRICS_MAX_SERIES 1024
#define SBX_METRICS_N_BUCKETS 14 /* +Inf included */

struct sbx__metric_series {
    int family;      /* index into the families table */
    char label[64];  /* the one label's value (runtime, type or kind) */
    char label2[64]; /* runs_total: verdict */
    double value;    /* counters */
    double buckets[SBX_METRICS_N_BUCKETS], sum, count; /* the histogram */
};

struct sbx__metrics {
    struct sbx__metric_series s[SBX_METRICS_MAX_SERIES];
    size_t n;
};

SBX_INTERNAL extern const double sbx__metrics_bounds[SBX_METRICS_N_BUCKETS];
/* Parse a file written by sbx__metrics_format (HELP/TYPE comments, blank lines allowed).
 * -EBADMSG with *ret_line set on anything else. */
SBX_INTERNAL int sbx__metrics_parse(const char *text, size_t len, struct sbx__metrics *m,
                                    unsigned *ret_line);
SBX_INTERNAL int sbx__metrics_add_run(struct sbx__metrics *m, const struct sbx_result *res);
SBX_INTERNAL char *sbx__metrics_format(const struct sbx__metrics *m);
/* Read-modify-write `path` under an flock of "<path>.lock"; tmp + rename. */
SBX_INTERNAL int sbx__metrics_update(const char *path, const struct sbx_result *res,
                                     struct sbx_error *err);

/* ---- syslog (syslog.c) ---- */

/* A non-blocking datagram socket connected to /dev/log (or $RUSTY_SANDBOX_SYSLOG_SOCKET), or
 * -errno. */
SBX_INTERNAL int sbx__syslog_open(void);
/* Send one LOG_AUTHPRIV|LOG_WARNING message; never blocks. 0 or -errno. */
SBX_INTERNAL int sbx__syslog_send(int fd, const char *msg);

/* ---- the live run registry writer (live.c; /work/live-registry-spec.md) ---- */

#define SBX_LIVE_SCHEMA 1
#define SBX_LIVE_MAX_BYTES (64 * 1024)
#define SBX_LIVE_HISTORY 60
#define SBX_LIVE_RECENT 10
#define SBX_LIVE_KEEP_FINISHED 50

struct sbx__live;

/* The registry directory's path by the spec's rules. 0 or -errno. */
SBX_INTERNAL int sbx__live_dir_path(char *buf, size_t size);
/* Open (making what is missing, 0700) and check the registry; *ret NULL when it is unusable
 * (the run goes on without publishing). */
SBX_INTERNAL int sbx__live_open(struct sbx__live **ret);
SBX_INTERNAL void sbx__live_start(struct sbx__live *lv, const struct sbx__ev_clock *c,
                                  const struct sbx_result *res, const char *abs_file);
SBX_INTERNAL void sbx__live_running(struct sbx__live *lv, const struct sbx_result *res);
SBX_INTERNAL void sbx__live_sample(struct sbx__live *lv, const struct sbx_sample *s);
SBX_INTERNAL void sbx__live_event(struct sbx__live *lv, const struct sbx_event *e);
/* Publish now (force) or when at least 50 ms passed since the last publication. */
SBX_INTERNAL int sbx__live_publish(struct sbx__live *lv, bool force);
SBX_INTERNAL int sbx__live_due_ms(const struct sbx__live *lv);
SBX_INTERNAL int sbx__live_finish(struct sbx__live *lv, const struct sbx_result *res);
SBX_INTERNAL void sbx__live_close(struct sbx__live *lv);
/* The entry as JSON (for tests). */
SBX_INTERNAL json_t *sbx__live_object(const struct sbx__live *lv);

#endif
