/*
 * The JSON report (DESIGN section 4). One object; the same one will feed telemetry and the
 * audit log. Program output is untrusted bytes: invalid UTF-8 becomes U+FFFD so the report is
 * always valid JSON.
 */
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "core/report.h"
#include "sbx/result.h"

#define SBX_REPORT_SCHEMA 1

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

char *sbx__utf8_sanitize(const char *data, size_t len, size_t *ret_len)
{
    char *out = malloc(len * 3 + 1); /* each invalid byte may become 3 bytes */
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(s + i, len - i);
        if (k) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    *ret_len = o;
    return out;
}

static json_t *text(const char *data, size_t len)
{
    size_t n;
    char *clean = sbx__utf8_sanitize(data ? data : "", data ? len : 0, &n);
    if (!clean)
        return json_null();
    json_t *j = json_stringn(clean, n);
    free(clean);
    return j ? j : json_null();
}

static json_t *ms(uint64_t us)
{
    return json_real((double)us / 1000.0);
}

static void add_output(json_t *o, const char *name, const struct sbx_output *out)
{
    char key[48];
    json_object_set_new(o, name, text(out->data, out->len));
    snprintf(key, sizeof(key), "%s_truncated", name);
    json_object_set_new(o, key, json_boolean(out->truncated));
    snprintf(key, sizeof(key), "%s_dropped_bytes", name);
    json_object_set_new(o, key, json_integer((json_int_t)out->dropped_bytes));
    snprintf(key, sizeof(key), "%s_bytes", name);
    json_object_set_new(o, key, json_integer((json_int_t)out->total_bytes));
    snprintf(key, sizeof(key), "%s_head_bytes", name);
    json_object_set_new(o, key, json_integer((json_int_t)out->head_len));
}

static json_t *limits(const struct sbx_policy *p)
{
    json_t *l = json_object();
    json_object_set_new(l, "timeout_s", p->timeout_s > 0 ? json_real(p->timeout_s) : json_null());
    json_object_set_new(l, "max_output_kb", json_integer((json_int_t)(p->max_output_bytes / 1024)));
    json_object_set_new(l, "tmp_size_kb", json_integer((json_int_t)(p->tmp_size_bytes / 1024)));
    json_object_set_new(l, "workspace_size_kb",
                        json_integer((json_int_t)(p->workspace_size_bytes / 1024)));
    json_object_set_new(l, "enable_network", json_boolean(p->enable_network));
    json_object_set_new(l, "memory_limit_mb",
                        p->memory_limit_bytes ? json_real((double)p->memory_limit_bytes / 1048576.0)
                                              : json_null());
    json_object_set_new(l, "cpu_time_limit_s",
                        p->cpu_time_limit_s > 0 ? json_real(p->cpu_time_limit_s) : json_null());
    json_object_set_new(l, "cpus", p->cpus > 0 ? json_real(p->cpus) : json_null());
    json_object_set_new(l, "max_processes",
                        p->max_processes ? json_integer((json_int_t)p->max_processes)
                                         : json_null());
    json_object_set_new(l, "max_file_size_kb",
                        p->max_file_size_bytes
                            ? json_integer((json_int_t)(p->max_file_size_bytes / 1024))
                            : json_null());
    json_object_set_new(l, "max_open_files",
                        p->max_open_files ? json_integer((json_int_t)p->max_open_files)
                                          : json_null());
    json_object_set_new(
        l, "output_limit_action",
        json_string(p->output_limit_action == SBX_OUTPUT_KILL ? "kill" : "truncate"));
    json_object_set_new(l, "on_violation",
                        json_string(p->on_violation == SBX_VIOLATION_KILL ? "kill" : "log"));
    return l;
}

static json_t *error_obj(const struct sbx_error *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(sbx_error_kind_name(e->kind)));
    json_object_set_new(o, "stage", json_string(sbx_stage_name(e->stage)));
    json_object_set_new(o, "errno", json_integer(e->errnum));
    json_object_set_new(o, "message", text(e->message, strnlen(e->message, sizeof(e->message))));
    return o;
}

/* CPU, memory, tasks and context switches. */
static void add_usage(json_t *o, const struct sbx_result *r)
{
    json_object_set_new(o, "wall_time_ms", ms(r->wall_time_us));
    json_t *cpu = json_object();
    json_object_set_new(cpu, "user", ms(r->cpu_user_us));
    json_object_set_new(cpu, "sys", ms(r->cpu_sys_us));
    json_object_set_new(cpu, "total", ms(r->cpu_user_us + r->cpu_sys_us));
    json_object_set_new(o, "cpu_time_ms", cpu);
    json_object_set_new(cpu, "source",
                        json_string(r->cpu_time_source ? r->cpu_time_source : "rusage"));
    json_object_set_new(o, "peak_memory_kb", json_integer((json_int_t)r->peak_memory_kb));
    json_object_set_new(o, "peak_memory_source",
                        json_string(r->peak_memory_source ? r->peak_memory_source : "ru_maxrss"));
    json_object_set_new(o, "peak_rss_kb", json_integer((json_int_t)r->peak_rss_kb));
    json_object_set_new(o, "peak_pids",
                        r->peak_pids_source ? json_integer((json_int_t)r->peak_pids) : json_null());
    json_object_set_new(o, "peak_pids_source",
                        r->peak_pids_source ? json_string(r->peak_pids_source) : json_null());
    json_t *cs = json_object();
    json_object_set_new(cs, "voluntary", json_integer((json_int_t)r->ctx_switches_voluntary));
    json_object_set_new(cs, "involuntary", json_integer((json_int_t)r->ctx_switches_involuntary));
    json_object_set_new(o, "context_switches", cs);
}

/* The events and the enforcement map. */
static void add_events(json_t *o, const struct sbx_result *r)
{
    json_t *ev = json_array();
    for (size_t i = 0; i < r->n_events; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "type", json_string(r->events[i].type));
        json_object_set_new(e, "at_ms", ms(r->events[i].at_us));
        json_object_set_new(e, "detail", text(r->events[i].detail, strlen(r->events[i].detail)));
        json_array_append_new(ev, e);
    }
    json_object_set_new(o, "events", ev);
    json_object_set_new(o, "events_dropped", json_integer((json_int_t)r->events_dropped));
    json_t *enf = json_object();
    for (size_t i = 0; i < r->n_enforcement; i++)
        json_object_set_new(enf, r->enforcement[i].key, json_string(r->enforcement[i].value));
    json_object_set_new(o, "enforcement", enf);
}

/* The runtime, the WebAssembly outcome, the files and the stage timings. */
static void add_runtime(json_t *o, const struct sbx_result *r)
{
    json_t *rt = json_object();
    json_object_set_new(rt, "name", json_string(r->runtime_name));
    json_object_set_new(rt, "interpreter", text(r->interpreter, strlen(r->interpreter)));
    json_object_set_new(rt, "version",
                        r->interpreter_version[0] ? json_string(r->interpreter_version)
                                                  : json_null());
    json_object_set_new(o, "runtime", rt);
    if (r->trap[0])
        json_object_set_new(o, "trap", json_string(r->trap));
    if (r->rejected[0])
        json_object_set_new(o, "rejected", json_string(r->rejected));
    json_object_set_new(o, "file", text(r->file, strlen(r->file)));
    json_object_set_new(o, "workspace",
                        r->workspace[0] ? text(r->workspace, strlen(r->workspace)) : json_null());
    json_t *t = json_array();
    for (size_t i = 0; i < r->n_timings; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "stage", json_string(r->timings[i].stage));
        json_object_set_new(e, "at_ms", ms(r->timings[i].at_us));
        json_array_append_new(t, e);
    }
    json_object_set_new(o, "timings", t);
}

char *sbx_result_to_json(const struct sbx_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "schema", json_integer(SBX_REPORT_SCHEMA));
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "started_at", json_string(r->started_at));
    json_object_set_new(o, "status", json_string(sbx_status_name(r->status)));
    json_object_set_new(o, "exit_code",
                        r->exit_code >= 0 ? json_integer(r->exit_code) : json_null());
    json_object_set_new(o, "signal", r->signal ? json_integer(r->signal) : json_null());
    json_object_set_new(o, "signal_name",
                        r->signal
                            ? json_string(sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?")
                            : json_null());
    if (r->status == SBX_STATUS_CANCELLED)
        json_object_set_new(o, "cancel_signal", json_integer(r->cancel_signal));
    add_usage(o, r);
    add_output(o, "stdout", &r->out);
    add_output(o, "stderr", &r->err);
    json_object_set_new(o, "limits", limits(&r->limits));
    add_events(o, r);
    add_runtime(o, r);
    json_object_set_new(
        o, "error", r->status == SBX_STATUS_INTERNAL_ERROR ? error_obj(&r->error) : json_null());
    json_object_set_new(o, "findings", sbx__analysis_findings_json(r->analysis));
    json_t *an = sbx__analysis_json(r->analysis, r->limits.analysis_mode);
    json_object_set_new(an, "block_severity",
                        json_string(sbx_severity_name(r->limits.block_severity)));
    json_object_set_new(o, "analysis", an);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return s;
}
