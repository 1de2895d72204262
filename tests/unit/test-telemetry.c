/*
 * Unit tests for src/telemetry: the event encoders (envelope, each body, the mapping of the
 * result's events), the Prometheus textfile (format, parse back, merge, refusal of foreign
 * files, the locked read-modify-write), the JSON lines sink against a pipe nobody reads (it
 * must not block), and the live registry writer in a private directory.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "platform/platform.h"
#include "telemetry/telemetry.h"

static struct sbx_result *result_new(void)
{
    struct sbx_result *r = calloc(1, sizeof(*r));
    cr_assert_not_null(r);
    snprintf(r->id, sizeof(r->id), "run-1");
    snprintf(r->started_at, sizeof(r->started_at), "2026-11-28T18:00:00.000000Z");
    snprintf(r->runtime_name, sizeof(r->runtime_name), "python");
    snprintf(r->interpreter, sizeof(r->interpreter), "/usr/bin/python3");
    snprintf(r->file, sizeof(r->file), "prog.py");
    sbx_policy_init(&r->limits);
    r->exit_code = 0;
    r->wall_time_us = 420000;
    return r;
}

static void add_event(struct sbx_result *r, const char *type, const char *detail)
{
    struct sbx_event *e = &r->events[r->n_events++];
    e->type = type;
    e->at_us = 1000 * r->n_events;
    snprintf(e->detail, sizeof(e->detail), "%s", detail);
}

static json_t *parse(const char *s)
{
    json_error_t je;
    json_t *o = json_loads(s, 0, &je);
    cr_assert_not_null(o, "not JSON (%s): %s", je.text, s);
    return o;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* ---- encoders ---- */

Test(events, rfc3339_microseconds)
{
    char buf[40];
    sbx__ev_rfc3339(1795888800000000ull + 1234, buf, sizeof(buf)); /* 2026-11-28T18:00:00Z */
    cr_assert_str_eq(buf, "2026-11-28T18:00:00.001234Z");
    sbx__ev_rfc3339(0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
}

Test(events, envelope_first_and_in_order)
{
    struct sbx__ev_clock c = {.wall_t0_us = 1795888800000000ull, .seq = 0};
    snprintf(c.id, sizeof(c.id), "abc");
    json_t *body = json_object();
    json_object_set_new(body, "x", json_integer(7));
    char *line = sbx__ev_encode(&c, SBX_EVENT_SAMPLE, 2500001, body);
    cr_assert_not_null(line);
    cr_assert(!strncmp(line,
                       "{\"schema\":1,\"type\":\"sample\",\"id\":\"abc\",\"seq\":0,"
                       "\"time\":\"2026-11-28T18:00:02.500001Z\",\"t_us\":2500001,\"x\":7}",
                       strlen(line)),
              "%s", line);
    cr_assert_null(strchr(line, '\n'));
    free(line);
    line = sbx__ev_encode(&c, SBX_EVENT_RUN_FINISHED, 1, NULL);
    json_t *o = parse(line);
    cr_assert_eq(json_integer_value(json_object_get(o, "seq")), 1);
    cr_assert_str_eq(str(o, "type"), "run_finished");
    json_decref(o);
    free(line);
}

Test(events, type_names)
{
    const char *want[] = {"run_started",    "analysis_finding", "limits_applied",   "sample",
                          "security_event", "limit_hit",        "output_truncated", "run_finished"};
    for (int i = 0; i < 8; i++)
        cr_assert_str_eq(sbx_event_type_name((enum sbx_event_type)i), want[i]);
    cr_assert_str_eq(sbx_event_type_name((enum sbx_event_type)99), "unknown");
}

Test(events, sample_fields)
{
    struct sbx_sample s = {.t_us = 5,
                           .cpu_percent = 12.34,
                           .cpu_time_us = 40999,
                           .memory_bytes = 1,
                           .memory_peak_bytes = 2,
                           .pids = 3,
                           .io_read_bytes = 4,
                           .io_write_bytes = 5,
                           .stdout_bytes = 6,
                           .stderr_bytes = 7,
                           .source = "cgroup-v2"};
    json_t *o = sbx__ev_sample(&s);
    cr_assert_float_eq(json_real_value(json_object_get(o, "cpu_percent")), 12.3, 1e-9);
    cr_assert_eq(json_integer_value(json_object_get(o, "cpu_time_ms")), 40);
    cr_assert_eq(json_integer_value(json_object_get(o, "stderr_bytes")), 7);
    cr_assert_str_eq(str(o, "source"), "cgroup-v2");
    json_decref(o);
}

Test(events, result_events_mapped)
{
    struct sbx_result *r = result_new();
    r->limits.memory_limit_bytes = 64u << 20;
    r->limits.on_violation = SBX_VIOLATION_KILL;
    sbx__result_enforce(r, "memory", "cgroup-v2");
    enum sbx_event_type t;
    struct sbx_event e = {.type = "blocked_syscall", .at_us = 3};
    snprintf(e.detail, sizeof(e.detail), "ptrace(PTRACE_ATTACH, 1) pid 2");
    json_t *o = sbx__ev_from_result(&e, r, &t);
    cr_assert_eq(t, SBX_EVENT_SECURITY_EVENT);
    cr_assert_str_eq(str(o, "syscall"), "ptrace");
    cr_assert_str_eq(str(o, "action"), "refused+killed");
    json_decref(o);
    e.type = "oom_kill";
    o = sbx__ev_from_result(&e, r, &t);
    cr_assert_eq(t, SBX_EVENT_LIMIT_HIT);
    cr_assert_str_eq(str(o, "kind"), "memory");
    cr_assert_eq(json_integer_value(json_object_get(o, "limit")), 64 << 20);
    cr_assert_str_eq(str(o, "enforced_by"), "cgroup-v2");
    json_decref(o);
    e.type = "timeout";
    r->limits.timeout_s = 2.5;
    o = sbx__ev_from_result(&e, r, &t);
    cr_assert_float_eq(json_number_value(json_object_get(o, "limit")), 2.5, 1e-12);
    cr_assert(json_is_null(json_object_get(o, "enforced_by")));
    json_decref(o);
    e.type = "output_truncated";
    snprintf(e.detail, sizeof(e.detail), "stderr passed 512 bytes");
    o = sbx__ev_from_result(&e, r, &t);
    cr_assert_eq(t, SBX_EVENT_OUTPUT_TRUNCATED);
    cr_assert_str_eq(str(o, "stream"), "stderr");
    json_decref(o);
    e.type = "something_new";
    cr_assert_null(sbx__ev_from_result(&e, r, &t));
    sbx_result_free(r);
}

Test(events, untrusted_strings_stay_valid_utf8)
{
    json_t *o = sbx__ev_analysis_finding("r\xff", "cat", "high", 3, 4, "bad \xc3\x28 byte");
    char *s = json_dumps(o, JSON_COMPACT);
    cr_assert_not_null(s);
    cr_assert_not_null(strstr(s, "\"message\":\"bad \xef\xbf\xbd( byte\""), "%s", s);
    cr_assert_not_null(strstr(s, "\"line\":3,\"column\":4"), "%s", s);
    free(s);
    json_decref(o);
}

Test(events, run_finished_with_and_without_report)
{
    struct sbx_result *r = result_new();
    r->status = SBX_STATUS_MEMORY_LIMIT;
    r->exit_code = -1;
    json_t *o = sbx__ev_run_finished(r, NULL);
    cr_assert_str_eq(str(o, "verdict"), "memory_limit");
    cr_assert(json_is_null(json_object_get(o, "exit_code")));
    cr_assert_str_eq(str(json_object_get(o, "report"), "id"), "run-1");
    json_decref(o);
    struct sbx_error err = {.kind = SBX_ERR_HOST, .stage = SBX_STAGE_SPAWN};
    snprintf(err.message, sizeof(err.message), "clone failed");
    o = sbx__ev_run_finished(NULL, &err);
    cr_assert_str_eq(str(o, "verdict"), "internal_error");
    cr_assert(json_is_null(json_object_get(o, "report")));
    cr_assert_str_eq(str(json_object_get(o, "error"), "message"), "clone failed");
    json_decref(o);
    sbx_result_free(r);
}

/* ---- metrics ---- */

static double value_of(const char *text, const char *series)
{
    const char *p = strstr(text, series);
    cr_assert_not_null(p, "no %s in:\n%s", series, text);
    return strtod(p + strlen(series) + 1, NULL);
}

Test(metrics, add_format_parse_roundtrip)
{
    struct sbx__metrics *m = calloc(1, sizeof(*m));
    struct sbx_result *r = result_new();
    add_event(r, "blocked_syscall", "mount(...) pid 2");
    add_event(r, "blocked_syscall", "ptrace(...) pid 2");
    add_event(r, "oom_kill", "killed");
    cr_assert_eq(sbx__metrics_add_run(m, r), 0);
    r->wall_time_us = 7 * 1000000;
    r->status = SBX_STATUS_TIMEOUT;
    cr_assert_eq(sbx__metrics_add_run(m, r), 0);
    char *text = sbx__metrics_format(m);
    cr_assert_not_null(text);
    cr_assert_eq(value_of(text, "rusty_sandbox_runs_total{runtime=\"python\",verdict=\"ok\"}"), 1);
    cr_assert_eq(value_of(text, "rusty_sandbox_runs_total{runtime=\"python\",verdict=\"timeout\"}"),
                 1);
    cr_assert_eq(value_of(text, "rusty_sandbox_security_events_total{type=\"blocked_syscall\"}"),
                 4);
    cr_assert_eq(value_of(text, "rusty_sandbox_limit_hits_total{kind=\"memory\"}"), 2);
    const char *b = "rusty_sandbox_run_duration_seconds_bucket{runtime=\"python\",le=";
    char key[160];
    snprintf(key, sizeof(key), "%s\"0.5\"}", b);
    cr_assert_eq(value_of(text, key), 1);
    snprintf(key, sizeof(key), "%s\"10\"}", b);
    cr_assert_eq(value_of(text, key), 2);
    snprintf(key, sizeof(key), "%s\"+Inf\"}", b);
    cr_assert_eq(value_of(text, key), 2);
    cr_assert_float_eq(value_of(text, "rusty_sandbox_run_duration_seconds_sum{runtime=\"python\"}"),
                       7.42, 1e-9);
    cr_assert_not_null(strstr(text, "# TYPE rusty_sandbox_run_duration_seconds histogram\n"));

    struct sbx__metrics *back = calloc(1, sizeof(*back));
    unsigned line = 0;
    cr_assert_eq(sbx__metrics_parse(text, strlen(text), back, &line), 0, "line %u", line);
    char *again = sbx__metrics_format(back);
    cr_assert_str_eq(again, text);
    free(again);
    free(text);
    free(back);
    free(m);
    sbx_result_free(r);
}

Test(metrics, label_escaping_roundtrip)
{
    struct sbx__metrics *m = calloc(1, sizeof(*m));
    struct sbx_result *r = result_new();
    snprintf(r->runtime_name, sizeof(r->runtime_name), "we\"ird\\rt\nx");
    cr_assert_eq(sbx__metrics_add_run(m, r), 0);
    char *text = sbx__metrics_format(m);
    cr_assert_not_null(strstr(text, "runtime=\"we\\\"ird\\\\rt\\nx\""), "%s", text);
    struct sbx__metrics *back = calloc(1, sizeof(*back));
    unsigned line;
    cr_assert_eq(sbx__metrics_parse(text, strlen(text), back, &line), 0);
    cr_assert_str_eq(back->s[0].label, "we\"ird\\rt\nx");
    free(text);
    free(back);
    free(m);
    sbx_result_free(r);
}

Test(metrics, foreign_or_malformed_lines_refused_with_line)
{
    struct sbx__metrics *m = calloc(1, sizeof(*m));
    unsigned line = 0;
    const char *cases[] = {
        "# HELP x\nnode_cpu_seconds_total 3\n",
        "\nrusty_sandbox_runs_total{runtime=\"py\"} 3\n", /* verdict missing */
        "\nrusty_sandbox_runs_total{runtime=\"py\",verdict=\"ok\"} x\n",
        "\nrusty_sandbox_run_duration_seconds_bucket{runtime=\"py\",le=\"0.3\"} 1\n",
        "\nrusty_sandbox_limit_hits_total{kind=\"memory\",other=\"1\"} 1\n",
        "\nrusty_sandbox_limit_hits_total{kind=\"mem\\q\"} 1\n",
        "\nrusty_sandbox_limit_hits_total{kind=\"memory\"} -1\n",
        "\nrusty_sandbox_runs_total_bucket{runtime=\"py\",verdict=\"ok\",le=\"1\"} 1\n",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(sbx__metrics_parse(cases[i], strlen(cases[i]), m, &line), -EBADMSG,
                     "case %zu accepted", i);
        cr_assert_eq(line, 2u, "case %zu: line %u", i, line);
    }
    free(m);
}

Test(metrics, series_cap)
{
    struct sbx__metrics *m = calloc(1, sizeof(*m));
    struct sbx_result *r = result_new();
    int r_last = 0;
    for (int i = 0; i < SBX_METRICS_MAX_SERIES && r_last == 0; i++) {
        snprintf(r->runtime_name, sizeof(r->runtime_name), "rt%d", i);
        r_last = sbx__metrics_add_run(m, r);
    }
    cr_assert_eq(r_last, -E2BIG);
    cr_assert_leq(m->n, SBX_METRICS_MAX_SERIES);
    free(m);
    sbx_result_free(r);
}

TestSuite(metrics_file, .init = tmp_setup, .fini = tmp_teardown);

Test(metrics_file, read_modify_write_and_refusal)
{
    const char *path = tmp_path("m.prom");
    struct sbx_result *r = result_new();
    struct sbx_error err = {0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sbx__metrics_update(path, r, &err), 0, "%s", err.message);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_eq(value_of(buf, "rusty_sandbox_runs_total{runtime=\"python\",verdict=\"ok\"}"), 3);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert(path_exists(tmp_path("m.prom.lock")));
    cr_assert(!path_exists(tmp_path(".m.prom.tmp")));

    const char *other = tmp_path("other.prom");
    write_file(other, "node_load1 0.5\n", 0644);
    cr_assert_lt(sbx__metrics_update(other, r, &err), 0);
    cr_assert_not_null(strstr(err.message, "other.prom:1: not a rusty-sandbox metrics line"), "%s",
                       err.message);
    fd = open(other, O_RDONLY | O_CLOEXEC);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "node_load1 0.5\n", "a foreign file was changed");
    sbx_result_free(r);
}

/* ---- the JSON lines sink ---- */

Test(jsonl, full_pipe_never_blocks_and_drops_are_counted)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    int saved = dup(2);
    cr_assert_eq(dup2(p[1], 2), 2); /* stderr is a pipe nobody reads yet */
    struct sbx__jsonl j;
    struct sbx_error err = {0};
    int r = sbx__jsonl_open("-", &j, &err);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(r, 0, "%s", err.message);
    char line[1000];
    memset(line, 'x', sizeof(line));
    uint64_t t0 = sbx__now_ns();
    for (int i = 0; i < 200; i++) /* 200 KB into a 4 KB pipe */
        sbx__jsonl_write(&j, line, sizeof(line));
    cr_assert_lt(sbx__now_ns() - t0, 2000000000ull, "the writer blocked");
    cr_assert_gt(j.len, 0u, "nothing waits: the pipe took it all?");
    /* A reader appears and takes everything: the flush completes. */
    pid_t pid = fork_child();
    if (pid == 0) {
        close(p[1]); /* the write ends: EOF once the parent closes its own */
        close(j.fd);
        /* Everything arrives, in whole lines of 1000 'x'. */
        char b[65536];
        size_t total = 0, col = 0;
        int bad = 0;
        for (ssize_t n; (n = read(p[0], b, sizeof(b))) > 0;)
            for (ssize_t i = 0; i < n; i++, total++) {
                bad |= col == 1000 ? b[i] != '\n' : b[i] != 'x';
                col = col == 1000 ? 0 : col + 1;
            }
        _exit(!bad && total == 200 * 1001 ? 0 : 1);
    }
    close(p[0]);
    cr_assert_eq(sbx__jsonl_flush(&j, 5000), 0);
    cr_assert_eq(j.dropped_lines, 0u);
    sbx__jsonl_close(&j);
    close(p[1]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lines lost or split");
}

Test(jsonl, nobody_reads_flush_gives_up)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    int saved = dup(2);
    dup2(p[1], 2);
    struct sbx__jsonl j;
    struct sbx_error err = {0};
    int r = sbx__jsonl_open("-", &j, &err);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(r, 0);
    char line[1000];
    memset(line, 'y', sizeof(line));
    for (int i = 0; i < 20; i++)
        sbx__jsonl_write(&j, line, sizeof(line));
    uint64_t t0 = sbx__now_ns();
    cr_assert_eq(sbx__jsonl_flush(&j, 100), -EAGAIN);
    cr_assert_lt(sbx__now_ns() - t0, 1000000000ull);
    cr_assert_gt(j.dropped_lines, 0u);
    cr_assert_lt(j.dropped_lines, 20u);
    sbx__jsonl_close(&j);
    close(p[0]);
    close(p[1]);
}

TestSuite(jsonl_file, .init = tmp_setup, .fini = tmp_teardown);

Test(jsonl_file, appends_lines_0600_and_refuses_symlinks)
{
    const char *path = tmp_path("ev.jsonl");
    struct sbx__jsonl j;
    struct sbx_error err = {0};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(sbx__jsonl_open(path, &j, &err), 0, "%s", err.message);
        sbx__jsonl_write(&j, "{\"a\":1}", 7);
        cr_assert_eq(sbx__jsonl_flush(&j, 0), 0);
        sbx__jsonl_close(&j);
    }
    char buf[64] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_eq(read(fd, buf, sizeof(buf) - 1), 16);
    close(fd);
    cr_assert_str_eq(buf, "{\"a\":1}\n{\"a\":1}\n");
    struct stat st;
    stat(path, &st);
    cr_assert_eq(st.st_mode & 0777, 0600);
    const char *link = tmp_path("link.jsonl");
    cr_assert_eq(symlink(path, link), 0);
    cr_assert_lt(sbx__jsonl_open(link, &j, &err), 0);
    cr_assert_not_null(strstr(err.message, "link.jsonl"));
}

/* ---- the live registry writer ---- */

TestSuite(live, .init = tmp_setup, .fini = tmp_teardown);

static struct sbx__live *live_in(const char *dir)
{
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", dir, 1);
    struct sbx__live *lv = NULL;
    int r = sbx__live_open(&lv);
    cr_assert_eq(r, 0, "sbx__live_open: %s", strerror(-r));
    return lv;
}

static json_t *load(const char *path)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    cr_assert_not_null(o, "%s: %s", path, je.text);
    return o;
}

Test(live, entry_published_then_finished)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", tmp_path("rt"));
    struct sbx__live *lv = live_in(dir);
    struct sbx_result *r = result_new();
    struct sbx__ev_clock c = {.wall_t0_us = 1795888800000000ull, .t0_ns = sbx__now_ns()};
    snprintf(c.id, sizeof(c.id), "run-1");
    sbx__live_start(lv, &c, r, "/abs/prog.py");
    struct stat st;
    cr_assert_neq(stat(tmp_path("rt/run-1.json"), &st), 0, "written on the run's critical path");
    /* "starting" is due only if the sandbox is still being built 20 ms on. */
    int due = sbx__live_due_ms(lv);
    cr_assert(due > 0 && due <= 21, "due in %d ms", due);
    cr_assert_eq(sbx__live_publish(lv, false), 0);
    cr_assert_neq(stat(tmp_path("rt/run-1.json"), &st), 0, "not written before it is due");
    usleep((useconds_t)due * 1000);
    cr_assert_eq(sbx__live_due_ms(lv), 0);
    cr_assert_eq(sbx__live_publish(lv, false), 0);
    cr_assert_eq(stat(dir, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    cr_assert_eq(stat(tmp_path("rt/run-1.json"), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    json_t *o = load(tmp_path("rt/run-1.json"));
    cr_assert_str_eq(str(o, "state"), "starting");
    cr_assert_eq(json_integer_value(json_object_get(o, "supervisor_pid")), getpid());
    cr_assert_gt(json_integer_value(json_object_get(o, "supervisor_start")), 0);
    cr_assert_str_eq(str(o, "file"), "/abs/prog.py");
    cr_assert(json_is_null(json_object_get(o, "sample")));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(o, "limits"), "timeout_s")),
                 30);
    json_decref(o);

    sbx__result_enforce(r, "memory", "cgroup-v2");
    sbx__live_running(lv, r);
    for (int i = 0; i < 70; i++) {
        struct sbx_sample s = {.memory_bytes = (uint64_t)i, .source = "proc"};
        sbx__live_sample(lv, &s);
    }
    for (int i = 0; i < 12; i++) {
        struct sbx_event e = {.type = "blocked_syscall", .at_us = (uint64_t)i};
        snprintf(e.detail, sizeof(e.detail), "call %d", i);
        sbx__live_event(lv, &e);
    }
    sbx__live_publish(lv, true);
    o = load(tmp_path("rt/run-1.json"));
    cr_assert_str_eq(str(o, "state"), "running");
    cr_assert_str_eq(str(json_object_get(o, "enforcement"), "memory"), "cgroup-v2");
    json_t *h = json_object_get(o, "memory_history");
    cr_assert_eq(json_array_size(h), 60);
    cr_assert_eq(json_integer_value(json_array_get(h, 0)), 10);
    cr_assert_eq(json_integer_value(json_array_get(h, 59)), 69);
    cr_assert_eq(json_integer_value(json_object_get(o, "n_events")), 12);
    json_t *rec = json_object_get(o, "recent_events");
    cr_assert_eq(json_array_size(rec), 10);
    cr_assert_str_eq(str(json_array_get(rec, 9), "detail"), "call 11");
    cr_assert(json_is_null(json_object_get(o, "verdict")));
    json_decref(o);

    r->status = SBX_STATUS_TIMEOUT;
    r->exit_code = -1;
    r->wall_time_us = 1500000;
    cr_assert_eq(sbx__live_finish(lv, r), 0);
    cr_assert(!path_exists(tmp_path("rt/run-1.json")));
    cr_assert(!path_exists(tmp_path("rt/.run-1.json.tmp")));
    o = load(tmp_path("rt/finished/run-1.json"));
    cr_assert_str_eq(str(o, "state"), "finished");
    cr_assert_str_eq(str(o, "verdict"), "timeout");
    cr_assert(json_is_null(json_object_get(o, "exit_code")));
    cr_assert_eq(json_integer_value(json_object_get(o, "wall_time_ms")), 1500);
    json_decref(o);
    sbx__live_close(lv);
    sbx_result_free(r);
}

/* A run that execs within 20 ms is never published as "starting": the first write is
 * "running", and nothing was written while the sandbox was being built. */
Test(live, fast_start_goes_straight_to_running)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", tmp_path("rt"));
    struct sbx__live *lv = live_in(dir);
    struct sbx_result *r = result_new();
    struct sbx__ev_clock c = {.wall_t0_us = 1, .t0_ns = sbx__now_ns()};
    snprintf(c.id, sizeof(c.id), "fast");
    sbx__live_start(lv, &c, r, NULL);
    struct sbx_event e = {.type = "blocked_syscall", .at_us = 1};
    sbx__live_event(lv, &e); /* an event before exec does not force a write either */
    cr_assert_eq(sbx__live_publish(lv, false), 0);
    cr_assert(!path_exists(tmp_path("rt/fast.json")));
    sbx__live_running(lv, r);
    json_t *o = load(tmp_path("rt/fast.json"));
    cr_assert_str_eq(str(o, "state"), "running");
    cr_assert_eq(json_integer_value(json_object_get(o, "n_events")), 1);
    json_decref(o);
    cr_assert_eq(sbx__live_finish(lv, r), 0);
    cr_assert(!path_exists(tmp_path("rt/fast.json")));
    cr_assert(path_exists(tmp_path("rt/finished/fast.json")));
    sbx__live_close(lv);
    sbx_result_free(r);
}

Test(live, finished_pruned_to_newest_50)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", tmp_path("rt"));
    struct sbx__live *lv = live_in(dir);
    time_t now = time(NULL);
    for (int i = 0; i < 70; i++) { /* 71 with the new one: past 50 + the slack of 14 */
        char name[64];
        snprintf(name, sizeof(name), "rt/finished/old-%02d.json", i);
        write_file(tmp_path(name), "{}", 0600);
        struct timeval tv[2] = {{now - 1000 + i, 0}, {now - 1000 + i, 0}};
        cr_assert_eq(utimes(tmp_path(name), tv), 0);
    }
    write_file(tmp_path("rt/.dead.json.tmp"), "{", 0600);
    struct timeval old[2] = {{now - 3600, 0}, {now - 3600, 0}};
    utimes(tmp_path("rt/.dead.json.tmp"), old);
    struct sbx_result *r = result_new();
    struct sbx__ev_clock c = {.wall_t0_us = 1, .t0_ns = sbx__now_ns()};
    snprintf(c.id, sizeof(c.id), "new");
    sbx__live_start(lv, &c, r, NULL);
    cr_assert_eq(sbx__live_finish(lv, r), 0);
    sbx__live_close(lv);
    cr_assert(path_exists(tmp_path("rt/finished/new.json")));
    cr_assert(path_exists(tmp_path("rt/finished/old-69.json")));
    cr_assert(path_exists(tmp_path("rt/finished/old-21.json")));
    cr_assert(!path_exists(tmp_path("rt/finished/old-20.json")), "the oldest were kept");
    cr_assert(!path_exists(tmp_path("rt/.dead.json.tmp")), "a stale tmp file was kept");
    sbx_result_free(r);
}

Test(live, unsafe_directory_disables_the_registry)
{
    make_dirs(tmp_path("shared"), 0700);
    chmod(tmp_path("shared"), 0777); /* group/other-writable: anyone could plant entries */
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", tmp_path("shared"), 1);
    struct sbx__live *lv = (struct sbx__live *)1;
    cr_assert_eq(sbx__live_open(&lv), -EPERM);
    cr_assert_null(lv);
    cr_assert_eq(symlink(tmp_path("elsewhere"), tmp_path("link")), 0);
    make_dirs(tmp_path("elsewhere"), 0700);
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", tmp_path("link"), 1);
    cr_assert_lt(sbx__live_open(&lv), 0, "followed a symlink");
    cr_assert_null(lv);
}

Test(live, directory_rules)
{
    char buf[PATH_MAX];
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", "/some/where/", 1);
    cr_assert_eq(sbx__live_dir_path(buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "/some/where");
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", "relative", 1);
    unsetenv("XDG_RUNTIME_DIR");
    cr_assert_eq(sbx__live_dir_path(buf, sizeof(buf)), 0);
    char want[64];
    if (geteuid() == 0)
        snprintf(want, sizeof(want), "/run/rusty-sandbox/live");
    else
        snprintf(want, sizeof(want), "/tmp/rusty-sandbox-%u/live", (unsigned)geteuid());
    cr_assert_str_eq(buf, want);
}
