/*
 * Text for live registry entries (see live-format.h). Everything printed from an entry goes
 * through live_sanitize() or a number format: entries are written by other processes.
 */
#include <stdio.h>
#include <string.h>

#include "cli/live-format.h"
#include "util/macros.h"

void live_fmt_bytes(char *buf, size_t size, uint64_t bytes)
{
    static const char units[] = "BKMGTPE";
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) - 1) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%uB", (unsigned)bytes);
    else if (v < 9.95)
        snprintf(buf, size, "%.1f%c", v, units[u]);
    else
        snprintf(buf, size, "%.0f%c", v, units[u]);
}

void live_fmt_duration(char *buf, size_t size, uint64_t ms)
{
    uint64_t s = ms / 1000;
    if (ms < 10000)
        snprintf(buf, size, "%.1fs", (double)ms / 1000);
    else if (s < 60)
        snprintf(buf, size, "%us", (unsigned)s);
    else if (s < 3600)
        snprintf(buf, size, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
    else if (s < 86400)
        snprintf(buf, size, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
    else
        snprintf(buf, size, "%ud%02uh", (unsigned)MIN(s / 86400, 99999), (unsigned)(s / 3600 % 24));
}

void live_fmt_mem(char *buf, size_t size, const struct sbx_live_entry *e)
{
    if (!e->has_sample) {
        snprintf(buf, size, "-");
        return;
    }
    char used[16], limit[16] = "-";
    live_fmt_bytes(used, sizeof(used), e->sample.memory_bytes);
    if (e->limits.memory_limit_bytes)
        live_fmt_bytes(limit, sizeof(limit), e->limits.memory_limit_bytes);
    snprintf(buf, size, "%s/%s", used, limit);
}

void live_sanitize(char *buf, size_t size, const char *src)
{
    size_t i = 0;
    for (; size && i < size - 1 && src[i]; i++)
        buf[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    if (size)
        buf[i] = '\0';
}

void live_short_id(char *buf, size_t size, const char *id)
{
    char clean[SBX_LIVE_ID_MAX];
    live_sanitize(clean, sizeof(clean), id);
    snprintf(buf, size, "%.*s", LIVE_SHORT_ID, clean);
}

uint64_t live_elapsed_ms(const struct sbx_live_entry *e)
{
    return e->has_wall_time ? e->wall_time_ms : e->elapsed_ms;
}

static json_t *str_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *limits_json(const struct sbx_live_limits *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "memory_limit_bytes", json_integer((json_int_t)l->memory_limit_bytes));
    json_object_set_new(o, "cpu_time_limit_s", json_real(l->cpu_time_limit_s));
    json_object_set_new(o, "timeout_s", json_real(l->timeout_s));
    json_object_set_new(o, "max_processes", json_integer((json_int_t)l->max_processes));
    json_object_set_new(o, "cpus", json_real(l->cpus));
    return o;
}

static json_t *sample_json(const struct sbx_live_entry *e)
{
    if (!e->has_sample)
        return json_null();
    const struct sbx_live_sample *s = &e->sample;
    json_t *o = json_object();
    json_object_set_new(o, "cpu_percent", json_real(s->cpu_percent));
    const struct {
        const char *key;
        uint64_t v;
    } f[] = {{"cpu_time_ms", s->cpu_time_ms},
             {"memory_bytes", s->memory_bytes},
             {"memory_peak_bytes", s->memory_peak_bytes},
             {"pids", s->pids},
             {"io_read_bytes", s->io_read_bytes},
             {"io_write_bytes", s->io_write_bytes},
             {"stdout_bytes", s->stdout_bytes},
             {"stderr_bytes", s->stderr_bytes}};
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        json_object_set_new(o, f[i].key, json_integer((json_int_t)f[i].v));
    return o;
}

static json_t *events_json(const struct sbx_live_entry *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->n_recent_events; i++) {
        const struct sbx_live_event *ev = &e->recent_events[i];
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string(ev->type));
        json_object_set_new(o, "time", str_or_null(ev->time));
        json_object_set_new(o, "detail", json_string(ev->detail));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *live_entry_json(const struct sbx_live_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(SBX_LIVE_SCHEMA));
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "state", json_string(sbx_live_state_name(e->state)));
    json_object_set_new(o, "supervisor_pid", json_integer(e->supervisor_pid));
    json_object_set_new(o, "supervisor_start", json_integer((json_int_t)e->supervisor_start));
    json_object_set_new(o, "uid", json_integer(e->uid));
    json_object_set_new(o, "user", json_string(e->user));
    json_object_set_new(o, "file", json_string(e->file));
    json_object_set_new(o, "runtime", json_string(e->runtime));
    json_object_set_new(o, "started_at", str_or_null(e->started_at));
    json_object_set_new(o, "updated_at", str_or_null(e->updated_at));
    json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)e->elapsed_ms));
    json_object_set_new(o, "limits", limits_json(&e->limits));
    json_t *enf = json_object();
    for (size_t i = 0; i < e->n_enforcement; i++)
        json_object_set_new(enf, e->enforcement[i].key, json_string(e->enforcement[i].value));
    json_object_set_new(o, "enforcement", enf);
    json_object_set_new(o, "sample", sample_json(e));
    json_t *h = json_array();
    for (size_t i = 0; i < e->n_history; i++)
        json_array_append_new(h, json_integer((json_int_t)e->memory_history[i]));
    json_object_set_new(o, "memory_history", h);
    json_object_set_new(o, "n_events", json_integer((json_int_t)e->n_events));
    json_object_set_new(o, "recent_events", events_json(e));
    json_object_set_new(o, "verdict", str_or_null(e->verdict));
    json_object_set_new(o, "exit_code",
                        e->has_exit_code ? json_integer(e->exit_code) : json_null());
    json_object_set_new(o, "wall_time_ms",
                        e->has_wall_time ? json_integer((json_int_t)e->wall_time_ms) : json_null());
    return o;
}
