/*
 * Unit tests for src/core/report.c: sbx__utf8_sanitize (every byte that is not part of a valid,
 * shortest-form UTF-8 sequence of a scalar value becomes U+FFFD; NUL and valid multibyte
 * sequences are kept) and sbx_result_to_json on hand-built results, parsed back with jansson.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "sbx/result.h"

#define FFFD "\xef\xbf\xbd"

/* --- sbx__utf8_sanitize ---------------------------------------------------------------- */

static void expect_sanitized(const char *in, size_t in_len, const char *want, size_t want_len)
{
    size_t len = (size_t)-1;
    char *out = sbx__utf8_sanitize(in, in_len, &len);
    cr_assert_not_null(out);
    cr_assert_eq(len, want_len, "length %zu, want %zu", len, want_len);
    cr_assert_eq(memcmp(out, want, want_len), 0, "sanitized bytes differ");
    cr_assert_eq(out[len], '\0', "not NUL-terminated");
    free(out);
}

#define SAN(in, want) expect_sanitized(in, sizeof(in) - 1, want, sizeof(want) - 1)
#define KEPT(in) SAN(in, in)

/* An independent strict UTF-8 check (RFC 3629), used on fuzzed output. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

Test(utf8, ascii_and_empty_unchanged)
{
    KEPT("hello, world\n\t\r\x01\x7f");
    expect_sanitized("", 0, "", 0);
    expect_sanitized(NULL, 0, "", 0);
}

Test(utf8, nul_bytes_are_kept)
{
    KEPT("a\0b\0\0c");
    KEPT("\0");
    KEPT("\xc3\xa9\0\xe2\x82\xac");
}

Test(utf8, valid_multibyte_kept)
{
    KEPT("\xc3\xa9");         /* é */
    KEPT("\xe2\x82\xac");     /* € */
    KEPT("\xf0\x9f\x98\x80"); /* 😀 */
    KEPT("\xc2\x80");         /* U+0080, smallest 2-byte */
    KEPT("\xdf\xbf");         /* U+07FF */
    KEPT("\xe0\xa0\x80");     /* U+0800, smallest 3-byte */
    KEPT("\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
    KEPT("\xee\x80\x80");     /* U+E000, just above */
    KEPT("\xef\xbf\xbf");     /* U+FFFF */
    KEPT("\xef\xbf\xbd");     /* U+FFFD itself */
    KEPT("\xf0\x90\x80\x80"); /* U+10000, smallest 4-byte */
    KEPT("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the largest */
    KEPT("mixed \xc3\xa9t\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x8e\x89!");
}

Test(utf8, overlong_forms_replaced_bytewise)
{
    SAN("\xc0\x80", FFFD FFFD);                   /* NUL, 2 bytes */
    SAN("\xc1\xbf", FFFD FFFD);                   /* U+007F, 2 bytes */
    SAN("\xe0\x80\x80", FFFD FFFD FFFD);          /* NUL, 3 bytes */
    SAN("\xe0\x9f\xbf", FFFD FFFD FFFD);          /* U+07FF, 3 bytes */
    SAN("\xf0\x80\x80\x80", FFFD FFFD FFFD FFFD); /* NUL, 4 bytes */
    SAN("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD); /* U+FFFF, 4 bytes */
    SAN("\xc0\xaf", FFFD FFFD);                   /* the classic overlong '/' */
    SAN("\xe0\x80\xaf", FFFD FFFD FFFD);
    SAN("a\xc0\x80z", "a" FFFD FFFD "z");
}

Test(utf8, surrogates_replaced)
{
    SAN("\xed\xa0\x80", FFFD FFFD FFFD);                            /* U+D800 */
    SAN("\xed\xbf\xbf", FFFD FFFD FFFD);                            /* U+DFFF */
    SAN("\xed\xa0\xbd\xed\xb8\x80", FFFD FFFD FFFD FFFD FFFD FFFD); /* CESU-8 pair */
}

Test(utf8, above_max_and_bytes_f5_to_ff_replaced)
{
    SAN("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* U+110000 */
    SAN("\xf7\xbf\xbf\xbf", FFFD FFFD FFFD FFFD);
    for (unsigned c = 0xf5; c <= 0xff; c++) {
        char in[2] = {(char)c, 'x'};
        expect_sanitized(in, 2, FFFD "x", 4);
    }
    SAN("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD); /* old 5-byte form */
    SAN("\xfc\x84\x80\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD FFFD);
}

Test(utf8, lone_continuation_bytes_replaced)
{
    SAN("\x80", FFFD);
    SAN("\xbf", FFFD);
    SAN("a\x80\x80"
        "b",
        "a" FFFD FFFD "b");
    SAN("\xc3\xa9\xa9", "\xc3\xa9" FFFD);
}

Test(utf8, truncated_sequences_replaced)
{
    SAN("\xc3", FFFD);
    SAN("\xe2\x82", FFFD FFFD);
    SAN("\xf0\x9f\x98", FFFD FFFD FFFD);
    SAN("ok\xf0\x9f", "ok" FFFD FFFD);
    SAN("\xe2\x82"
        "A",
        FFFD FFFD "A");                   /* interrupted by ASCII */
    SAN("\xe2\xc3\xa9", FFFD "\xc3\xa9"); /* interrupted by a valid sequence */
    SAN("\xf0\x9f\x98\xc3\xa9", FFFD FFFD FFFD "\xc3\xa9");
    SAN("\xe2\x82\0", FFFD FFFD "\0"); /* interrupted by NUL, NUL kept */
}

Test(utf8, truncation_by_length_not_by_nul)
{
    /* The input length, not a NUL, ends the data: a sequence cut by `len` is invalid. */
    expect_sanitized("\xe2\x82\xac", 2, FFFD FFFD, 6);
    expect_sanitized("\xe2\x82\xac", 1, FFFD, 3);
}

Test(utf8, every_single_byte)
{
    for (unsigned c = 0; c < 256; c++) {
        char in[1] = {(char)c};
        if (c < 0x80)
            expect_sanitized(in, 1, in, 1);
        else
            expect_sanitized(in, 1, FFFD, 3);
    }
}

Test(utf8, all_invalid_worst_case_growth)
{
    size_t n = 100000;
    char *in = malloc(n);
    memset(in, 0xff, n);
    size_t len;
    char *out = sbx__utf8_sanitize(in, n, &len);
    cr_assert_not_null(out);
    cr_assert_eq(len, 3 * n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(memcmp(out + 3 * i, FFFD, 3), 0);
    free(out);
    free(in);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

Test(utf8, fuzz_output_valid_idempotent_and_valid_input_kept)
{
    uint64_t s = 0x1234567;
    unsigned char in[512];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(rng_next(&s) % sizeof(in));
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rng_next(&s);
            /* Bias toward bytes that start or continue sequences. */
            in[i] = (r & 3) ? (unsigned char)(0x80 + ((r >> 8) % 0x80)) : (unsigned char)(r >> 16);
        }
        size_t len, len2;
        char *out = sbx__utf8_sanitize((const char *)in, n, &len);
        cr_assert_not_null(out);
        cr_assert(valid_utf8((const unsigned char *)out, len), "round %d: invalid output", round);
        cr_assert_leq(len, 3 * n);
        char *again = sbx__utf8_sanitize(out, len, &len2);
        cr_assert_eq(len2, len, "round %d: not idempotent", round);
        cr_assert_eq(memcmp(again, out, len), 0, "round %d: not idempotent", round);
        if (valid_utf8(in, n)) {
            cr_assert_eq(len, n);
            cr_assert_eq(memcmp(out, in, n), 0);
        }
        free(again);
        free(out);
    }
}

Test(utf8, every_code_point_round_trips)
{
    char buf[4];
    for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        size_t n;
        if (cp < 0x80) {
            buf[0] = (char)cp, n = 1;
        } else if (cp < 0x800) {
            buf[0] = (char)(0xc0 | (cp >> 6)), buf[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
        } else if (cp < 0x10000) {
            buf[0] = (char)(0xe0 | (cp >> 12)), buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
        } else {
            buf[0] = (char)(0xf0 | (cp >> 18)), buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), buf[3] = (char)(0x80 | (cp & 0x3f));
            n = 4;
        }
        size_t len;
        char *out = sbx__utf8_sanitize(buf, n, &len);
        cr_assert_not_null(out);
        if (len != n || memcmp(out, buf, n) != 0)
            cr_assert_fail("U+%04X was changed", (unsigned)cp);
        free(out);
    }
}

/* --- sbx_result_to_json ---------------------------------------------------------------- */

static struct sbx_result *res;

static void make_result(void)
{
    res = calloc(1, sizeof(*res));
    cr_assert_not_null(res);
    snprintf(res->id, sizeof(res->id), "0123abcd-0000-4000-8000-000000000001");
    snprintf(res->started_at, sizeof(res->started_at), "2026-01-02T03:04:05.123456Z");
    res->status = SBX_STATUS_OK;
    res->exit_code = 0;
    res->wall_time_us = 1500;
    res->cpu_user_us = 250;
    res->cpu_sys_us = 750;
    res->peak_rss_kb = 2000;
    res->peak_memory_kb = 12345;
    res->ctx_switches_voluntary = 7;
    res->ctx_switches_involuntary = 3;
    res->out.data = strdup("hello\n");
    res->out.len = 6;
    res->out.head_len = 6;
    res->out.total_bytes = 6;
    res->err.data = strdup("");
    sbx_policy_init(&res->limits);
    res->enforcement[0].key = "filesystem";
    snprintf(res->enforcement[0].value, sizeof(res->enforcement[0].value), "mount namespace");
    res->enforcement[1].key = "network";
    snprintf(res->enforcement[1].value, sizeof(res->enforcement[1].value), "none");
    res->n_enforcement = 2;
    snprintf(res->runtime_name, sizeof(res->runtime_name), "python");
    snprintf(res->interpreter, sizeof(res->interpreter), "/usr/bin/python3.11");
    snprintf(res->interpreter_version, sizeof(res->interpreter_version), "3.11.2");
    snprintf(res->file, sizeof(res->file), "hello.py");
    snprintf(res->workspace, sizeof(res->workspace), "/tmp/rusty-sandbox-0/run-x");
    res->timings[0].stage = "workspace";
    res->timings[0].at_us = 100;
    res->timings[1].stage = "exec";
    res->timings[1].at_us = 2500;
    res->n_timings = 2;
}

static void free_result(void)
{
    sbx_result_free(res);
    res = NULL;
}

TestSuite(report, .init = make_result, .fini = free_result);

static json_t *to_json(void)
{
    char *s = sbx_result_to_json(res);
    cr_assert_not_null(s);
    json_error_t e;
    json_t *j = json_loads(s, JSON_ALLOW_NUL, &e);
    cr_assert_not_null(j, "report is not JSON (%s at %d): %s", e.text, e.position, s);
    cr_assert(json_is_object(j));
    free(s);
    return j;
}

static json_t *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert_not_null(v, "key '%s' missing", key);
    return v;
}

static void expect_str(json_t *o, const char *key, const char *want)
{
    json_t *v = get(o, key);
    cr_assert(json_is_string(v), "'%s' is not a string", key);
    cr_assert_str_eq(json_string_value(v), want, "key '%s'", key);
}

static void expect_int(json_t *o, const char *key, json_int_t want)
{
    json_t *v = get(o, key);
    cr_assert(json_is_integer(v), "'%s' is not an integer", key);
    cr_assert_eq(json_integer_value(v), want, "key '%s': %lld, want %lld", key,
                 (long long)json_integer_value(v), (long long)want);
}

static void expect_num(json_t *o, const char *key, double want)
{
    json_t *v = get(o, key);
    cr_assert(json_is_number(v), "'%s' is not a number", key);
    cr_assert_float_eq(json_number_value(v), want, 1e-9, "key '%s': %g, want %g", key,
                       json_number_value(v), want);
}

static void expect_null(json_t *o, const char *key)
{
    cr_assert(json_is_null(get(o, key)), "'%s' is not null", key);
}

static void expect_bool(json_t *o, const char *key, int want)
{
    json_t *v = get(o, key);
    cr_assert(json_is_boolean(v), "'%s' is not a boolean", key);
    cr_assert_eq(json_is_true(v), want, "key '%s'", key);
}

Test(report, ok_run_keys_and_values)
{
    json_t *j = to_json();
    expect_int(j, "schema", 1);
    expect_str(j, "id", res->id);
    expect_str(j, "started_at", "2026-01-02T03:04:05.123456Z");
    expect_str(j, "status", "ok");
    expect_int(j, "exit_code", 0);
    expect_null(j, "signal");
    expect_null(j, "signal_name");
    cr_assert_null(json_object_get(j, "cancel_signal"));
    expect_num(j, "wall_time_ms", 1.5);
    json_t *cpu = get(j, "cpu_time_ms");
    expect_num(cpu, "user", 0.25);
    expect_num(cpu, "sys", 0.75);
    expect_num(cpu, "total", 1.0);
    expect_str(cpu, "source", "rusage");
    expect_int(j, "peak_memory_kb", 12345);
    expect_str(j, "peak_memory_source", "ru_maxrss");
    expect_int(j, "peak_rss_kb", 2000);
    expect_null(j, "peak_pids");
    expect_null(j, "peak_pids_source");
    json_t *cs = get(j, "context_switches");
    expect_int(cs, "voluntary", 7);
    expect_int(cs, "involuntary", 3);
    json_t *ev = get(j, "events");
    cr_assert(json_is_array(ev));
    cr_assert_eq(json_array_size(ev), 0);
    expect_int(j, "events_dropped", 0);
    expect_str(j, "stdout", "hello\n");
    expect_bool(j, "stdout_truncated", 0);
    expect_int(j, "stdout_dropped_bytes", 0);
    expect_int(j, "stdout_bytes", 6);
    expect_int(j, "stdout_head_bytes", 6);
    expect_str(j, "stderr", "");
    expect_int(j, "stderr_bytes", 0);
    json_t *lim = get(j, "limits");
    expect_num(lim, "timeout_s", 30.0);
    expect_int(lim, "max_output_kb", 1024);
    expect_int(lim, "tmp_size_kb", 65536);
    expect_int(lim, "workspace_size_kb", 65536);
    expect_bool(lim, "enable_network", 0);
    expect_num(lim, "memory_limit_mb", 512.0);
    expect_null(lim, "cpu_time_limit_s");
    expect_null(lim, "cpus");
    expect_int(lim, "max_processes", 128);
    expect_int(lim, "max_file_size_kb", 65536);
    expect_int(lim, "max_open_files", 256);
    expect_str(lim, "output_limit_action", "truncate");
    json_t *enf = get(j, "enforcement");
    cr_assert_eq(json_object_size(enf), 2);
    expect_str(enf, "filesystem", "mount namespace");
    expect_str(enf, "network", "none");
    json_t *rt = get(j, "runtime");
    expect_str(rt, "name", "python");
    expect_str(rt, "interpreter", "/usr/bin/python3.11");
    expect_str(rt, "version", "3.11.2");
    expect_str(j, "file", "hello.py");
    expect_str(j, "workspace", "/tmp/rusty-sandbox-0/run-x");
    json_t *t = get(j, "timings");
    cr_assert(json_is_array(t));
    cr_assert_eq(json_array_size(t), 2);
    expect_str(json_array_get(t, 0), "stage", "workspace");
    expect_num(json_array_get(t, 0), "at_ms", 0.1);
    expect_str(json_array_get(t, 1), "stage", "exec");
    expect_num(json_array_get(t, 1), "at_ms", 2.5);
    expect_null(j, "error");
    json_decref(j);
}

Test(report, exit_code_minus_one_is_null_and_signal_named)
{
    res->status = SBX_STATUS_SIGNALED;
    res->exit_code = -1;
    res->signal = SIGKILL;
    json_t *j = to_json();
    expect_str(j, "status", "signaled");
    expect_null(j, "exit_code");
    expect_int(j, "signal", SIGKILL);
    expect_str(j, "signal_name", "KILL");
    json_decref(j);
}

Test(report, runtime_error_exit_code)
{
    res->status = SBX_STATUS_RUNTIME_ERROR;
    res->exit_code = 255;
    json_t *j = to_json();
    expect_str(j, "status", "runtime_error");
    expect_int(j, "exit_code", 255);
    json_decref(j);
}

Test(report, unknown_signal_number_still_valid)
{
    res->status = SBX_STATUS_SIGNALED;
    res->exit_code = -1;
    res->signal = 200;
    json_t *j = to_json();
    expect_int(j, "signal", 200);
    cr_assert(json_is_string(get(j, "signal_name")));
    json_decref(j);
}

Test(report, timeout_and_no_limit)
{
    res->status = SBX_STATUS_TIMEOUT;
    res->exit_code = -1;
    res->signal = SIGKILL;
    res->limits.timeout_s = 0; /* none */
    json_t *j = to_json();
    expect_str(j, "status", "timeout");
    expect_null(get(j, "limits"), "timeout_s");
    json_decref(j);
}

Test(report, zero_limits_are_null_and_set_limits_shown)
{
    res->limits.memory_limit_bytes = 0;
    res->limits.max_processes = 0;
    res->limits.max_file_size_bytes = 0;
    res->limits.max_open_files = 0;
    res->limits.cpu_time_limit_s = 2.5;
    res->limits.cpus = 0.5;
    res->limits.output_limit_action = SBX_OUTPUT_KILL;
    json_t *j = to_json();
    json_t *lim = get(j, "limits");
    expect_null(lim, "memory_limit_mb");
    expect_null(lim, "max_processes");
    expect_null(lim, "max_file_size_kb");
    expect_null(lim, "max_open_files");
    expect_num(lim, "cpu_time_limit_s", 2.5);
    expect_num(lim, "cpus", 0.5);
    expect_str(lim, "output_limit_action", "kill");
    json_decref(j);
}

Test(report, measurement_sources)
{
    res->peak_memory_source = "cgroup-v2";
    res->cpu_time_source = "cgroup-v2";
    res->peak_pids = 42;
    res->peak_pids_source = "pids.peak";
    json_t *j = to_json();
    expect_str(j, "peak_memory_source", "cgroup-v2");
    expect_str(get(j, "cpu_time_ms"), "source", "cgroup-v2");
    expect_int(j, "peak_pids", 42);
    expect_str(j, "peak_pids_source", "pids.peak");
    json_decref(j);
}

Test(report, events_with_untrusted_detail)
{
    res->status = SBX_STATUS_MEMORY_LIMIT;
    res->exit_code = -1;
    res->signal = SIGKILL;
    res->events[0].type = "oom_kill";
    res->events[0].at_us = 1234;
    snprintf(res->events[0].detail, sizeof(res->events[0].detail), "process 'x\xff\xfe' killed");
    res->events[1].type = "output_truncated";
    res->events[1].at_us = 5000;
    res->n_events = 2;
    res->events_dropped = 9;
    json_t *j = to_json();
    expect_str(j, "status", "memory_limit");
    json_t *ev = get(j, "events");
    cr_assert_eq(json_array_size(ev), 2);
    expect_str(json_array_get(ev, 0), "type", "oom_kill");
    expect_num(json_array_get(ev, 0), "at_ms", 1.234);
    expect_str(json_array_get(ev, 0), "detail", "process 'x" FFFD FFFD "' killed");
    expect_str(json_array_get(ev, 1), "type", "output_truncated");
    expect_str(json_array_get(ev, 1), "detail", "");
    expect_int(j, "events_dropped", 9);
    json_decref(j);
}

Test(report, cancelled_has_cancel_signal)
{
    res->status = SBX_STATUS_CANCELLED;
    res->exit_code = -1;
    res->cancel_signal = SIGINT;
    json_t *j = to_json();
    expect_str(j, "status", "cancelled");
    expect_int(j, "cancel_signal", SIGINT);
    json_decref(j);
}

Test(report, invalid_utf8_and_nul_in_stdout)
{
    free(res->out.data);
    static const char raw[] = "ok\xff\xc3(\0end\xed\xa0\x80";
    res->out.data = malloc(sizeof(raw));
    memcpy(res->out.data, raw, sizeof(raw));
    res->out.len = sizeof(raw) - 1;
    res->out.total_bytes = 1000;
    res->out.dropped_bytes = 1000 - res->out.len;
    res->out.head_len = 4;
    res->out.truncated = true;
    json_t *j = to_json();
    json_t *v = get(j, "stdout");
    cr_assert(json_is_string(v));
    static const char want[] = "ok" FFFD FFFD "(\0end" FFFD FFFD FFFD;
    cr_assert_eq(json_string_length(v), sizeof(want) - 1);
    cr_assert_eq(memcmp(json_string_value(v), want, sizeof(want) - 1), 0);
    expect_bool(j, "stdout_truncated", 1);
    expect_int(j, "stdout_bytes", 1000);
    expect_int(j, "stdout_dropped_bytes", 1000 - (json_int_t)(sizeof(raw) - 1));
    expect_int(j, "stdout_head_bytes", 4);
    json_decref(j);
}

Test(report, output_len_is_respected_not_nul)
{
    free(res->err.data);
    res->err.data = strdup("visible-and-hidden");
    res->err.len = 7;
    json_t *j = to_json();
    expect_str(j, "stderr", "visible");
    json_decref(j);
}

Test(report, null_output_data_is_empty_string)
{
    free(res->out.data);
    res->out.data = NULL;
    res->out.len = 0;
    free(res->err.data);
    res->err.data = NULL;
    json_t *j = to_json();
    expect_str(j, "stdout", "");
    expect_str(j, "stderr", "");
    json_decref(j);
}

Test(report, invalid_utf8_in_file_and_interpreter_paths)
{
    snprintf(res->file, sizeof(res->file), "bad\xff\xfe.py");
    snprintf(res->interpreter, sizeof(res->interpreter), "/opt/\xc0\xafpython/bin/python3");
    json_t *j = to_json();
    expect_str(j, "file", "bad" FFFD FFFD ".py");
    expect_str(get(j, "runtime"), "interpreter", "/opt/" FFFD FFFD "python/bin/python3");
    json_decref(j);
}

Test(report, removed_workspace_and_unknown_version_are_null)
{
    res->workspace[0] = '\0';
    res->interpreter_version[0] = '\0';
    json_t *j = to_json();
    expect_null(j, "workspace");
    expect_null(get(j, "runtime"), "version");
    json_decref(j);
}

Test(report, internal_error_object)
{
    res->status = SBX_STATUS_INTERNAL_ERROR;
    res->exit_code = -1;
    res->error.kind = SBX_ERR_INTERNAL;
    res->error.stage = SBX_STAGE_MOUNTS;
    res->error.errnum = 1;
    snprintf(res->error.message, sizeof(res->error.message), "mount '/x\xff': denied");
    json_t *j = to_json();
    expect_str(j, "status", "internal_error");
    json_t *e = get(j, "error");
    expect_str(e, "kind", "internal");
    expect_str(e, "stage", "mounts");
    expect_int(e, "errno", 1);
    expect_str(e, "message", "mount '/x" FFFD "': denied");
    json_decref(j);
}

Test(report, unterminated_error_message_is_bounded)
{
    res->status = SBX_STATUS_INTERNAL_ERROR;
    memset(res->error.message, 'm', sizeof(res->error.message)); /* no NUL at all */
    json_t *j = to_json();
    json_t *msg = get(get(j, "error"), "message");
    cr_assert_eq(json_string_length(msg), sizeof(res->error.message));
    json_decref(j);
}

Test(report, error_is_null_unless_internal_error)
{
    res->status = SBX_STATUS_RUNTIME_ERROR;
    res->exit_code = 1;
    res->error.kind = SBX_ERR_INTERNAL;
    snprintf(res->error.message, sizeof(res->error.message), "stale");
    json_t *j = to_json();
    expect_null(j, "error");
    json_decref(j);
}

Test(report, large_counters_and_many_entries)
{
    res->out.total_bytes = (uint64_t)1 << 40;
    res->out.dropped_bytes = ((uint64_t)1 << 40) - 6;
    res->out.truncated = true;
    res->wall_time_us = (uint64_t)7 * 24 * 3600 * 1000000;
    res->limits.max_output_bytes = 1024u * 1024u * 1024u;
    static char keys[SBX_MAX_ENFORCEMENT][16];
    for (size_t i = 0; i < SBX_MAX_ENFORCEMENT; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
        res->enforcement[i].key = keys[i];
        snprintf(res->enforcement[i].value, sizeof(res->enforcement[i].value), "v%zu", i);
    }
    res->n_enforcement = SBX_MAX_ENFORCEMENT;
    for (size_t i = 0; i < SBX_MAX_TIMINGS; i++) {
        res->timings[i].stage = "stage";
        res->timings[i].at_us = i * 1000;
    }
    res->n_timings = SBX_MAX_TIMINGS;
    json_t *j = to_json();
    expect_int(j, "stdout_bytes", (json_int_t)1 << 40);
    expect_int(j, "stdout_dropped_bytes", ((json_int_t)1 << 40) - 6);
    expect_num(j, "wall_time_ms", 7.0 * 24 * 3600 * 1000);
    expect_int(get(j, "limits"), "max_output_kb", 1024 * 1024);
    cr_assert_eq(json_object_size(get(j, "enforcement")), SBX_MAX_ENFORCEMENT);
    char last_key[16], last_value[16];
    snprintf(last_key, sizeof(last_key), "k%d", SBX_MAX_ENFORCEMENT - 1);
    snprintf(last_value, sizeof(last_value), "v%d", SBX_MAX_ENFORCEMENT - 1);
    expect_str(get(j, "enforcement"), last_key, last_value);
    cr_assert_eq(json_array_size(get(j, "timings")), SBX_MAX_TIMINGS);
    json_decref(j);
}

Test(report, status_names)
{
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_OK), "ok");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_RUNTIME_ERROR), "runtime_error");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_SIGNALED), "signaled");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_TIMEOUT), "timeout");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_CPU_LIMIT), "cpu_limit");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_MEMORY_LIMIT), "memory_limit");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_OUTPUT_LIMIT), "output_limit");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_CANCELLED), "cancelled");
    cr_assert_str_eq(sbx_status_name(SBX_STATUS_INTERNAL_ERROR), "internal_error");
}

Test(report, enforcement_lookup)
{
    cr_assert_str_eq(sbx_result_enforcement(res, "network"), "none");
    cr_assert_null(sbx_result_enforcement(res, "seccomp"));
    sbx_result_free(NULL);
}
