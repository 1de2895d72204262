/* The result object: ownership, names, and helpers the backends fill it with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"
#include "sbx/analysis.h"
#include "sbx/result.h"

void sbx_result_free(struct sbx_result *result)
{
    if (!result)
        return;
    free(result->out.data);
    free(result->err.data);
    sbx_analysis_free(result->analysis);
    free(result);
}

const char *sbx_status_name(enum sbx_status status)
{
    switch (status) {
    case SBX_STATUS_OK:
        return "ok";
    case SBX_STATUS_RUNTIME_ERROR:
        return "runtime_error";
    case SBX_STATUS_SIGNALED:
        return "signaled";
    case SBX_STATUS_TIMEOUT:
        return "timeout";
    case SBX_STATUS_CPU_LIMIT:
        return "cpu_limit";
    case SBX_STATUS_MEMORY_LIMIT:
        return "memory_limit";
    case SBX_STATUS_OUTPUT_LIMIT:
        return "output_limit";
    case SBX_STATUS_SECURITY_VIOLATION:
        return "security_violation";
    case SBX_STATUS_CANCELLED:
        return "cancelled";
    case SBX_STATUS_INTERNAL_ERROR:
        return "internal_error";
    case SBX_STATUS_BLOCKED:
        return "blocked";
    }
    return "unknown";
}

const char *sbx_result_enforcement(const struct sbx_result *result, const char *key)
{
    for (size_t i = 0; i < result->n_enforcement; i++)
        if (!strcmp(result->enforcement[i].key, key))
            return result->enforcement[i].value;
    return NULL;
}

uint64_t sbx__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sbx__result_timing(struct sbx_result *res, const char *stage, uint64_t t_ns, uint64_t t0_ns)
{
    if (res->n_timings >= SBX_MAX_TIMINGS)
        return;
    res->timings[res->n_timings].stage = stage;
    res->timings[res->n_timings].at_us = t_ns > t0_ns ? (t_ns - t0_ns) / 1000 : 0;
    res->n_timings++;
}

void sbx__result_event(struct sbx_result *res, const char *type, uint64_t t_ns, uint64_t t0_ns,
                       const char *fmt, ...)
{
    if (res->n_events >= SBX_MAX_EVENTS) {
        res->events_dropped++;
        return;
    }
    struct sbx_event *e = &res->events[res->n_events++];
    e->type = type;
    e->at_us = t_ns > t0_ns ? (t_ns - t0_ns) / 1000 : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
}

void sbx__result_enforce(struct sbx_result *res, const char *key, const char *fmt, ...)
{
    struct sbx_kv *kv = NULL;
    for (size_t i = 0; i < res->n_enforcement; i++)
        if (!strcmp(res->enforcement[i].key, key))
            kv = &res->enforcement[i];
    if (!kv) {
        if (res->n_enforcement >= SBX_MAX_ENFORCEMENT)
            return;
        kv = &res->enforcement[res->n_enforcement++];
        kv->key = key;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kv->value, sizeof(kv->value), fmt, ap);
    va_end(ap);
}
