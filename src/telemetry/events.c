/*
 * Event encoders (docs/telemetry.md): each event type's body as a jansson object, and the
 * envelope every event shares (schema, type, id, seq, time, t_us). Pure code: no I/O, no
 * clock; the caller passes the times. "time" is the wall clock at the run's start plus t_us,
 * so the two never disagree (a clock step during a run is not reflected).
 *
 * Strings that come from the program or the host (file names, event details) are passed
 * through the report's UTF-8 sanitizer, so every line is valid JSON in valid UTF-8.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/report.h"
#include "telemetry/telemetry.h"

const char *sbx_event_type_name(enum sbx_event_type type)
{
    switch (type) {
    case SBX_EVENT_RUN_STARTED:
        return "run_started";
    case SBX_EVENT_ANALYSIS_FINDING:
        return "analysis_finding";
    case SBX_EVENT_LIMITS_APPLIED:
        return "limits_applied";
    case SBX_EVENT_SAMPLE:
        return "sample";
    case SBX_EVENT_SECURITY_EVENT:
        return "security_event";
    case SBX_EVENT_LIMIT_HIT:
        return "limit_hit";
    case SBX_EVENT_OUTPUT_TRUNCATED:
        return "output_truncated";
    case SBX_EVENT_RUN_FINISHED:
        return "run_finished";
    }
    return "unknown";
}

void sbx__ev_rfc3339(uint64_t wall_us, char *buf, size_t size)
{
    time_t sec = (time_t)(wall_us / 1000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06uZ", (unsigned)(wall_us % 1000000u));
}

static json_t *text(const char *s)
{
    size_t n;
    char *clean = sbx__utf8_sanitize(s ? s : "", s ? strlen(s) : 0, &n);
    json_t *j = clean ? json_stringn(clean, n) : NULL;
    free(clean);
    return j ? j : json_null();
}

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

/* A whole number as an integer, else a real: 30 for 30 s, 2.5 for 2.5 s. */
static json_t *number(double v)
{
    if (v == (double)(json_int_t)v && v < 9e15 && v > -9e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

char *sbx__ev_encode(struct sbx__ev_clock *c, enum sbx_event_type type, uint64_t t_us, json_t *body)
{
    json_t *o = json_object();
    char when[40];
    if (!o) {
        json_decref(body);
        return NULL;
    }
    sbx__ev_rfc3339(c->wall_t0_us + t_us, when, sizeof(when));
    json_object_set_new(o, "schema", json_integer(SBX_EVENTS_SCHEMA));
    json_object_set_new(o, "type", json_string(sbx_event_type_name(type)));
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "seq", u64(c->seq++));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "t_us", u64(t_us));
    if (body)
        json_object_update(o, body);
    json_decref(body);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return s;
}

json_t *sbx__ev_limits_numbers(const struct sbx_policy *p)
{
    json_t *l = json_object();
    json_object_set_new(l, "memory_limit_bytes", u64(p->memory_limit_bytes));
    json_object_set_new(l, "cpu_time_limit_s", number(p->cpu_time_limit_s));
    json_object_set_new(l, "timeout_s", number(p->timeout_s));
    json_object_set_new(l, "max_processes", u64(p->max_processes));
    json_object_set_new(l, "cpus", number(p->cpus));
    return l;
}

json_t *sbx__ev_enforcement(const struct sbx_result *res)
{
    json_t *e = json_object();
    for (size_t i = 0; i < res->n_enforcement; i++)
        json_object_set_new(e, res->enforcement[i].key, text(res->enforcement[i].value));
    return e;
}

/* The policy summary of run_started: the limits a reader needs to judge the run. */
static json_t *policy_summary(const struct sbx_policy *p)
{
    json_t *o = sbx__ev_limits_numbers(p);
    json_object_set_new(o, "max_output_bytes", u64(p->max_output_bytes));
    json_object_set_new(o, "max_file_size_bytes", u64(p->max_file_size_bytes));
    json_object_set_new(o, "max_open_files", u64(p->max_open_files));
    json_object_set_new(o, "enable_network", json_boolean(p->enable_network));
    json_object_set_new(
        o, "output_limit_action",
        json_string(p->output_limit_action == SBX_OUTPUT_KILL ? "kill" : "truncate"));
    json_object_set_new(o, "on_violation",
                        json_string(p->on_violation == SBX_VIOLATION_KILL ? "kill" : "log"));
    json_object_set_new(o, "allow_weaker_limits", json_boolean(p->allow_weaker_limits));
    json_object_set_new(o, "sample_interval_ms", u64(p->sample_interval_ms));
    return o;
}

json_t *sbx__ev_run_started(const struct sbx_result *res, long supervisor_pid, const char *abs_file)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", text(abs_file ? abs_file : res->file));
    json_t *rt = json_object();
    json_object_set_new(rt, "name", json_string(res->runtime_name));
    json_object_set_new(rt, "interpreter", text(res->interpreter));
    json_object_set_new(rt, "version",
                        res->interpreter_version[0] ? text(res->interpreter_version) : json_null());
    json_object_set_new(o, "runtime", rt);
    json_object_set_new(o, "started_at", json_string(res->started_at));
    json_object_set_new(o, "supervisor_pid", json_integer(supervisor_pid));
    json_object_set_new(o, "policy", policy_summary(&res->limits));
    return o;
}

json_t *sbx__ev_analysis_finding(const char *rule, const char *category, const char *severity,
                                 unsigned line, unsigned column, const char *message)
{
    json_t *o = json_object();
    json_object_set_new(o, "rule", text(rule));
    json_object_set_new(o, "category", text(category));
    json_object_set_new(o, "severity", text(severity));
    json_object_set_new(o, "line", json_integer(line));
    json_object_set_new(o, "column", json_integer(column));
    json_object_set_new(o, "message", text(message));
    return o;
}

json_t *sbx__ev_limits_applied(const struct sbx_result *res)
{
    json_t *o = json_object();
    json_object_set_new(o, "limits", sbx__ev_limits_numbers(&res->limits));
    json_object_set_new(o, "enforcement", sbx__ev_enforcement(res));
    return o;
}

json_t *sbx__ev_sample(const struct sbx_sample *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "cpu_percent",
                        json_real((double)(int64_t)(s->cpu_percent * 10 + 0.5) / 10.0));
    json_object_set_new(o, "cpu_time_ms", u64(s->cpu_time_us / 1000));
    json_object_set_new(o, "memory_bytes", u64(s->memory_bytes));
    json_object_set_new(o, "memory_peak_bytes", u64(s->memory_peak_bytes));
    json_object_set_new(o, "pids", u64(s->pids));
    json_object_set_new(o, "io_read_bytes", u64(s->io_read_bytes));
    json_object_set_new(o, "io_write_bytes", u64(s->io_write_bytes));
    json_object_set_new(o, "stdout_bytes", u64(s->stdout_bytes));
    json_object_set_new(o, "stderr_bytes", u64(s->stderr_bytes));
    json_object_set_new(o, "source", json_string(s->source ? s->source : "proc"));
    return o;
}

static const struct {
    const char *result_type, *kind;
} limit_kinds[] = {
    {"timeout", "timeout"},    {"cpu_limit", "cpu_time"},  {"oom_kill", "memory"},
    {"pids_max", "processes"}, {"file_size", "file_size"}, {"output_limit", "output"},
};

const char *sbx__ev_limit_kind(const char *result_type)
{
    for (size_t i = 0; i < ARRAY_SIZE(limit_kinds); i++)
        if (!strcmp(result_type, limit_kinds[i].result_type))
            return limit_kinds[i].kind;
    return NULL;
}

bool sbx__ev_is_security(const char *result_type)
{
    return !strcmp(result_type, "blocked_syscall") || !strcmp(result_type, "escape_suspected");
}

/* The limit a kind refers to, in its natural unit (0: none or not known). */
static json_t *limit_value(const char *kind, const struct sbx_policy *p)
{
    if (!strcmp(kind, "timeout"))
        return number(p->timeout_s);
    if (!strcmp(kind, "cpu_time"))
        return number(p->cpu_time_limit_s);
    if (!strcmp(kind, "memory"))
        return u64(p->memory_limit_bytes);
    if (!strcmp(kind, "processes"))
        return u64(p->max_processes);
    if (!strcmp(kind, "file_size"))
        return u64(p->max_file_size_bytes);
    return u64(p->max_output_bytes);
}

static const char *limit_unit(const char *kind)
{
    if (!strcmp(kind, "timeout") || !strcmp(kind, "cpu_time"))
        return "s";
    if (!strcmp(kind, "processes"))
        return "tasks";
    return "bytes";
}

/* "ptrace(PTRACE_ATTACH, ...) pid 2" -> "ptrace". */
static json_t *syscall_name(const char *detail)
{
    size_t n = strcspn(detail, "( ");
    if (n == 0 || n > 64 || detail[n] != '(')
        return json_null();
    char name[72];
    snprintf(name, sizeof(name), "%.*s", (int)n, detail);
    return text(name);
}

json_t *sbx__ev_from_result(const struct sbx_event *e, const struct sbx_result *res,
                            enum sbx_event_type *ret_type)
{
    const struct sbx_policy *lim = &res->limits;
    json_t *o = NULL;
    const char *kind = sbx__ev_limit_kind(e->type);
    if (sbx__ev_is_security(e->type)) {
        o = json_object();
        *ret_type = SBX_EVENT_SECURITY_EVENT;
        int killed =
            !strcmp(e->type, "escape_suspected") || lim->on_violation == SBX_VIOLATION_KILL;
        json_object_set_new(o, "kind", json_string(e->type));
        json_object_set_new(o, "syscall",
                            !strcmp(e->type, "blocked_syscall") ? syscall_name(e->detail)
                                                                : json_null());
        json_object_set_new(o, "action", json_string(killed ? "refused+killed" : "refused"));
    } else if (kind) {
        o = json_object();
        *ret_type = SBX_EVENT_LIMIT_HIT;
        json_object_set_new(o, "kind", json_string(kind));
        json_object_set_new(o, "limit", limit_value(kind, lim));
        json_object_set_new(o, "unit", json_string(limit_unit(kind)));
        /* the enforcement map's keys are the limit kinds, except cpu_time's own */
        const char *by = sbx_result_enforcement(res, kind);
        json_object_set_new(o, "enforced_by", by ? json_string(by) : json_null());
    } else if (!strcmp(e->type, "output_truncated")) {
        o = json_object();
        *ret_type = SBX_EVENT_OUTPUT_TRUNCATED;
        json_object_set_new(o, "stream",
                            json_string(!strncmp(e->detail, "stderr", 6) ? "stderr" : "stdout"));
        json_object_set_new(o, "max_output_bytes", u64(lim->max_output_bytes));
        json_object_set_new(o, "action", json_string("truncate"));
    }
    if (o) {
        json_object_set_new(o, "result_type", json_string(e->type));
        json_object_set_new(o, "detail", text(e->detail));
    }
    return o;
}

json_t *sbx__ev_run_finished(const struct sbx_result *res, const struct sbx_error *err)
{
    json_t *o = json_object();
    json_t *report = NULL;
    if (res) {
        char *s = sbx_result_to_json(res);
        report = s ? json_loads(s, 0, NULL) : NULL;
        free(s);
    }
    json_object_set_new(o, "verdict",
                        json_string(res ? sbx_status_name(res->status) : "internal_error"));
    json_object_set_new(o, "exit_code",
                        res && res->exit_code >= 0 ? json_integer(res->exit_code) : json_null());
    json_object_set_new(o, "wall_time_ms",
                        res ? json_real((double)res->wall_time_us / 1000.0) : json_null());
    if (!res && err) {
        json_t *e = json_object();
        json_object_set_new(e, "kind", json_string(sbx_error_kind_name(err->kind)));
        json_object_set_new(e, "stage", json_string(sbx_stage_name(err->stage)));
        json_object_set_new(e, "message", text(err->message));
        json_object_set_new(o, "error", e);
    }
    json_object_set_new(o, "report", report ? report : json_null());
    return o;
}
