/*
 * The per-run telemetry context (see telemetry.h): encodes each event once and hands the
 * line to every sink that is on (the events file or stderr, the request's callback), keeps
 * the live registry entry current, sends security events to syslog when asked, and updates
 * the Prometheus textfile after the run. Sink failures never change the run: they are counted
 * and reported in the result's telemetry_error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/platform.h"
#include "telemetry/telemetry.h"

/* At the end a slow stderr reader gets this long to take the last lines. */
#define FINAL_FLUSH_MS 2000

struct sbx__tel {
    const struct sbx_policy *policy;
    const struct sbx_request *req;
    struct sbx__ev_clock clock;
    bool stream; /* events file or callback */
    bool have_file;
    struct sbx__jsonl jsonl;
    struct sbx__live *live;
    int live_error;
    int syslog_fd;
    size_t n_forwarded; /* result events already streamed */
    bool started;
    char abs_file[PATH_MAX];
    uint64_t n_lines;
};

int sbx__tel_open(const struct sbx_policy *p, const struct sbx_request *req, uint64_t t0_ns,
                  struct sbx__tel **ret, struct sbx_error *err)
{
    *ret = NULL;
    if (!p->events_file && !req->on_event && !p->metrics_file && !p->syslog && !p->live_registry)
        return 0;
    struct sbx__tel *t = calloc(1, sizeof(*t));
    if (!t)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "telemetry");
    t->policy = p;
    t->req = req;
    t->syslog_fd = -1;
    t->jsonl.fd = -1;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t now = sbx__now_ns();
    t->clock.t0_ns = t0_ns;
    t->clock.wall_t0_us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec -
                          (now > t0_ns ? (now - t0_ns) / 1000 : 0);
    if (p->events_file) {
        int r = sbx__jsonl_open(p->events_file, &t->jsonl, err);
        if (r < 0) {
            free(t);
            return r;
        }
        t->have_file = true;
    }
    t->stream = t->have_file || req->on_event;
    if (p->syslog)
        t->syslog_fd = sbx__syslog_open(); /* none (no /dev/log): reported at the end */
    if (p->live_registry)
        t->live_error = sbx__live_open(&t->live);
    if (!realpath(req->file, t->abs_file))
        snprintf(t->abs_file, sizeof(t->abs_file), "%s", req->file);
    *ret = t;
    return 0;
}

bool sbx__tel_wants_samples(const struct sbx__tel *t)
{
    return t && (t->stream || t->live);
}

uint32_t sbx__tel_sample_interval_ms(const struct sbx__tel *t)
{
    return t ? t->policy->sample_interval_ms : SBX_DEFAULT_SAMPLE_INTERVAL_MS;
}

static uint64_t t_now(const struct sbx__tel *t)
{
    uint64_t now = sbx__now_ns();
    return now > t->clock.t0_ns ? (now - t->clock.t0_ns) / 1000 : 0;
}

/* Encode once, hand to every stream sink. */
static void emit(struct sbx__tel *t, enum sbx_event_type type, uint64_t t_us, json_t *body)
{
    if (!t->stream || !t->started) {
        json_decref(body);
        return;
    }
    char *line = sbx__ev_encode(&t->clock, type, t_us, body);
    if (!line)
        return;
    size_t len = strlen(line);
    t->n_lines++;
    if (t->have_file)
        sbx__jsonl_write(&t->jsonl, line, len);
    if (t->req->on_event)
        t->req->on_event(t->req->event_userdata, type, line, len);
    free(line);
}

void sbx__tel_run_started(struct sbx__tel *t, const struct sbx_result *res)
{
    if (!t)
        return;
    snprintf(t->clock.id, sizeof(t->clock.id), "%s", res->id);
    t->started = true;
    emit(t, SBX_EVENT_RUN_STARTED, t_now(t),
         t->stream ? sbx__ev_run_started(res, (long)getpid(), t->abs_file) : NULL);
    sbx__live_start(t->live, &t->clock, res, t->abs_file);
}

void sbx__tel_analysis_finding(struct sbx__tel *t, const char *rule, const char *category,
                               const char *severity, unsigned line, unsigned column,
                               const char *message)
{
    if (!t || !t->stream)
        return;
    emit(t, SBX_EVENT_ANALYSIS_FINDING, t_now(t),
         sbx__ev_analysis_finding(rule, category, severity, line, column, message));
}

void sbx__tel_limits_applied(struct sbx__tel *t, const struct sbx_result *res)
{
    if (!t)
        return;
    if (t->stream)
        emit(t, SBX_EVENT_LIMITS_APPLIED, t_now(t), sbx__ev_limits_applied(res));
    sbx__live_running(t->live, res);
}

void sbx__tel_sample(struct sbx__tel *t, const struct sbx_sample *s)
{
    if (!t)
        return;
    if (t->stream)
        emit(t, SBX_EVENT_SAMPLE, s->t_us, sbx__ev_sample(s));
    sbx__live_sample(t->live, s);
}

static void to_syslog(struct sbx__tel *t, const struct sbx_event *e)
{
    if (t->syslog_fd < 0)
        return;
    char msg[512];
    snprintf(msg, sizeof(msg), "run %s (uid %u, %.200s): security event %s: %s", t->clock.id,
             (unsigned)getuid(), t->abs_file, e->type, e->detail);
    sbx__syslog_send(t->syslog_fd, msg);
}

void sbx__tel_events(struct sbx__tel *t, const struct sbx_result *res)
{
    if (!t)
        return;
    for (; t->n_forwarded < res->n_events; t->n_forwarded++) {
        const struct sbx_event *e = &res->events[t->n_forwarded];
        enum sbx_event_type type;
        json_t *body = t->stream ? sbx__ev_from_result(e, res, &type) : NULL;
        if (body)
            emit(t, type, e->at_us, body);
        if (sbx__ev_is_security(e->type))
            to_syslog(t, e);
        sbx__live_event(t->live, e);
    }
}

int sbx__tel_timeout_ms(const struct sbx__tel *t)
{
    return t ? sbx__live_due_ms(t->live) : -1;
}

void sbx__tel_idle(struct sbx__tel *t)
{
    if (t && sbx__live_due_ms(t->live) == 0)
        sbx__live_publish(t->live, false);
}

static void report(struct sbx_result *res, const char *what, int errnum)
{
    if (!res || res->telemetry_failed)
        return;
    res->telemetry_failed = true;
    sbx__error(&res->telemetry_error, SBX_ERR_HOST, SBX_STAGE_CLEANUP, errnum, "telemetry: %s",
               what);
}

void sbx__tel_run_finished(struct sbx__tel *t, struct sbx_result *res, const struct sbx_error *err)
{
    if (!t || !t->started)
        return;
    if (res)
        sbx__tel_events(t, res);
    emit(t, SBX_EVENT_RUN_FINISHED, t_now(t), t->stream ? sbx__ev_run_finished(res, err) : NULL);
    char what[320];
    if (t->have_file) {
        sbx__jsonl_flush(&t->jsonl, FINAL_FLUSH_MS);
        if (t->jsonl.dropped_lines || t->jsonl.error) {
            snprintf(what, sizeof(what), "events to '%s': %llu of %llu lines dropped",
                     t->jsonl.path, (unsigned long long)t->jsonl.dropped_lines,
                     (unsigned long long)t->n_lines);
            report(res, what, t->jsonl.error && t->jsonl.error != -EAGAIN ? -t->jsonl.error : 0);
        }
    }
    int r = sbx__live_finish(t->live, res);
    if (r < 0)
        report(res, "writing the live run registry", -r);
    if (t->policy->live_registry && !t->live) {
        char dir[PATH_MAX];
        if (sbx__live_dir_path(dir, sizeof(dir)) < 0)
            snprintf(dir, sizeof(dir), "?");
        /* SECURITY: a directory someone else made (a /tmp squatter) is never used */
        snprintf(what, sizeof(what), "live run registry '%.200s' %s; the run was not published",
                 dir,
                 t->live_error == -EPERM ? "is not private (another user's, or writable by others)"
                                         : "is unusable");
        report(res, what, t->live_error == -EPERM ? 0 : -t->live_error);
    }
    if (t->policy->syslog && t->syslog_fd < 0)
        report(res, "syslog socket (/dev/log) unavailable", 0);
    struct sbx_error merr = {0};
    if (res && t->policy->metrics_file &&
        sbx__metrics_update(t->policy->metrics_file, res, &merr) < 0 && !res->telemetry_failed) {
        res->telemetry_failed = true;
        res->telemetry_error = merr;
    }
}

void sbx__tel_close(struct sbx__tel *t)
{
    if (!t)
        return;
    sbx__jsonl_close(&t->jsonl);
    sbx__live_close(t->live);
    if (t->syslog_fd >= 0)
        close(t->syslog_fd);
    free(t);
}
