/*
 * Fuzz target for the live registry entry parser (src/telemetry/live-read.c): any bytes in, no
 * crash, no undefined behaviour, and a parsed entry obeys the caps of sbx/live.h (checked
 * below; a violation aborts, which the fuzzer and the replay test report as a failure).
 */
#include <stdlib.h>
#include <string.h>

#include "sbx/live.h"
#include "telemetry/live-read.h"
#include "tests/fuzz/fuzz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#define TERMINATED(s) CHECK(memchr((s), '\0', sizeof(s)) != NULL)

static void check_entry(const struct sbx_live_entry *e)
{
    TERMINATED(e->id);
    TERMINATED(e->user);
    TERMINATED(e->file);
    TERMINATED(e->runtime);
    TERMINATED(e->started_at);
    TERMINATED(e->updated_at);
    TERMINATED(e->verdict);
    CHECK(e->id[0] != '\0' && e->supervisor_pid > 0);
    CHECK(e->state == SBX_LIVE_STARTING || e->state == SBX_LIVE_RUNNING ||
          e->state == SBX_LIVE_FINISHED);
    CHECK(e->n_enforcement <= SBX_LIVE_ENFORCEMENT_MAX);
    CHECK(e->n_history <= SBX_LIVE_HISTORY_MAX);
    CHECK(e->n_recent_events <= SBX_LIVE_EVENTS_MAX && e->n_events >= e->n_recent_events);
    for (size_t i = 0; i < e->n_enforcement; i++) {
        TERMINATED(e->enforcement[i].key);
        TERMINATED(e->enforcement[i].value);
    }
    for (size_t i = 0; i < e->n_recent_events; i++) {
        TERMINATED(e->recent_events[i].type);
        TERMINATED(e->recent_events[i].time);
        TERMINATED(e->recent_events[i].detail);
    }
    CHECK(e->limits.cpu_time_limit_s >= 0 && e->limits.timeout_s >= 0 && e->limits.cpus >= 0);
    CHECK(e->sample.cpu_percent >= 0);
    CHECK(!e->has_exit_code || (e->exit_code >= -255 && e->exit_code <= 255));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_live_entry *e = malloc(sizeof(*e));
    char why[SBX__LIVE_WHY_MAX] = "";
    if (!e)
        return 0;
    if (sbx__live_parse((const char *)data, size, e, why) == 0)
        check_entry(e);
    else
        CHECK(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
    free(e);
    return 0;
}
