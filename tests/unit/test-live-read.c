/*
 * Unit tests for the live registry reader (src/telemetry/live-read.c, live-dir.c): the
 * directory rule, listing of valid entries, refusal of hostile ones (malformed JSON, wrong
 * types, oversize, symlinks, FIFOs, directories, ids that do not match the file name, another
 * uid), stale detection (dead pid, reused pid = other starttime) and cleanup, finished entries
 * (newest first, capped), untrusted directories, and kill (pidfd + starttime re-check,
 * prefixes, ambiguity). Each test points RUSTY_SANDBOX_RUNTIME_DIR at its own temporary
 * directory; "supervisors" are this test process or children it forks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "sbx/live.h"
#include "telemetry/live-dir.h"

/* snprintf that must not truncate (and whose result is used, as -Wformat-truncation wants). */
#define fmt_into(buf, ...)                                                                         \
    cr_assert_lt((size_t)snprintf((buf), sizeof(buf), __VA_ARGS__), sizeof(buf))

#define ID_A "aaaa1111-0000-4000-8000-000000000001"
#define ID_B "aaaa2222-0000-4000-8000-000000000002"
#define ID_C "cccc3333-0000-4000-8000-000000000003"

static char reg[PATH_MAX]; /* the registry directory of the test */

static void reg_setup(void)
{
    tmp_setup();
    fmt_into(reg, "%s/live", test_tmp);
    cr_assert_eq(mkdir(reg, 0700), 0);
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", reg, 1);
}

TestSuite(live_dir, .init = tmp_setup, .fini = tmp_teardown);
TestSuite(live_list, .init = reg_setup, .fini = tmp_teardown);
TestSuite(live_kill, .init = reg_setup, .fini = tmp_teardown);

static uint64_t starttime_of(pid_t pid)
{
    char path[64], buf[1024];
    fmt_into(path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    char *p = strrchr(buf, ')') + 2;
    for (int i = 0; i < 19; i++)
        p = strchr(p, ' ') + 1;
    return strtoull(p, NULL, 10);
}

/* A schema-1 object for `id` with supervisor `pid`/`start`; `extra` is spliced in before the
 * closing brace (", \"k\": v"). */
static char *entry_json(const char *id, pid_t pid, uint64_t start, unsigned uid, const char *state,
                        const char *extra)
{
    char *s = NULL;
    cr_assert_geq(
        asprintf(&s,
                 "{\"schema\": 1, \"id\": \"%s\", \"state\": \"%s\", \"supervisor_pid\": %d, "
                 "\"supervisor_start\": %llu, \"uid\": %u, \"user\": \"u\", "
                 "\"file\": \"/work/p.py\", \"runtime\": \"python\", "
                 "\"started_at\": \"2026-11-28T18:00:00.000000Z\", \"updated_at\": "
                 "\"2026-11-28T18:00:01.000000Z\", \"elapsed_ms\": 1000, "
                 "\"limits\": {\"memory_limit_bytes\": 536870912, \"cpu_time_limit_s\": 2.5, "
                 "\"timeout_s\": 30, \"max_processes\": 128, \"cpus\": 0}, "
                 "\"enforcement\": {\"memory\": \"cgroup-v2\"}, "
                 "\"sample\": {\"cpu_percent\": 12.5, \"cpu_time_ms\": 40, \"memory_bytes\": "
                 "1234567, \"memory_peak_bytes\": 2345678, \"pids\": 3, \"io_read_bytes\": 0, "
                 "\"io_write_bytes\": 0, \"stdout_bytes\": 10, \"stderr_bytes\": 0}, "
                 "\"memory_history\": [1, 2, 3], \"n_events\": 2, \"recent_events\": "
                 "[{\"type\": \"blocked_syscall\", \"time\": \"2026-11-28T18:00:00.500000Z\", "
                 "\"detail\": \"ptrace\"}], \"verdict\": null, \"exit_code\": null, "
                 "\"wall_time_ms\": null%s}",
                 id, state, (int)pid, (unsigned long long)start, uid, extra ? extra : ""),
        0);
    return s;
}

static void put_file(const char *dir, const char *name, const char *content)
{
    char path[PATH_MAX];
    fmt_into(path, "%s/%s", dir, name);
    write_file(path, content, 0600);
}

/* A live entry of this very process (alive, right starttime, our uid). */
static void put_self(const char *id, const char *extra)
{
    char name[128];
    fmt_into(name, "%s.json", id);
    char *s = entry_json(id, getpid(), starttime_of(getpid()), geteuid(), "running", extra);
    put_file(reg, name, s);
    free(s);
}

static struct sbx_live_list *list(unsigned flags)
{
    struct sbx_live_list *l = NULL;
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_list(flags, &l, &err), 0, "sbx_live_list: %s", err.message);
    cr_assert_not_null(l);
    return l;
}

static int in_reg(const char *name)
{
    char path[PATH_MAX];
    fmt_into(path, "%s/%s", reg, name);
    return path_exists(path);
}

/* A child running as `uid`, waiting for a signal. */
static pid_t child_as(uid_t uid)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(p[0]);
        if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
            _exit(1);
        close(p[1]);
        for (;;)
            pause();
    }
    close(p[1]);
    char c;
    cr_assert_eq(read(p[0], &c, 1), 0);
    close(p[0]);
    return pid;
}

/* --- the directory rule --------------------------------------------------------------------- */

Test(live_dir, env_names_the_directory)
{
    char buf[SBX_LIVE_PATH_MAX];
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", "/some/where//", 1);
    cr_assert_eq(sbx_live_dir(buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "/some/where");
    struct sbx__live_path p;
    cr_assert_eq(sbx__live_path(&p), 0);
    cr_assert_eq(p.base_len, 5); /* "/some" is the base, "where" the sandbox's own */
    cr_assert(p.from_env);
    cr_assert_eq(sbx_live_dir(buf, 4), -ENAMETOOLONG);
}

Test(live_dir, relative_env_is_ignored)
{
    char buf[SBX_LIVE_PATH_MAX], want[64];
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", "relative/dir", 1);
    unsetenv("XDG_RUNTIME_DIR");
    cr_assert_eq(sbx_live_dir(buf, sizeof(buf)), 0);
    if (geteuid() == 0)
        fmt_into(want, "/run/rusty-sandbox/live");
    else
        fmt_into(want, "/tmp/rusty-sandbox-%u/live", (unsigned)geteuid());
    cr_assert_str_eq(buf, want);
}

/* The XDG rule as the current (non-root) user: 0 when it holds, else the failed step. */
static int xdg_rule_steps(void)
{
    char buf[SBX_LIVE_PATH_MAX], want[PATH_MAX];
    unsetenv("RUSTY_SANDBOX_RUNTIME_DIR");
    setenv("XDG_RUNTIME_DIR", test_tmp, 1);
    if (chmod(test_tmp, 0700) < 0 || sbx_live_dir(buf, sizeof(buf)) < 0)
        return 1;
    if ((size_t)snprintf(want, sizeof(want), "%s/rusty-sandbox/live", test_tmp) >= sizeof(want) ||
        strcmp(buf, want))
        return 2;
    if (chmod(test_tmp, 0750) < 0 || sbx_live_dir(buf, sizeof(buf)) < 0)
        return 3; /* not 0700: not a usable runtime dir */
    snprintf(want, sizeof(want), "/tmp/rusty-sandbox-%u/live", (unsigned)geteuid());
    return strcmp(buf, want) ? 4 : 0;
}

Test(live_dir, xdg_only_when_private)
{
    if (geteuid() != 0) {
        cr_assert_eq(xdg_rule_steps(), 0);
        return;
    }
    /* root always uses /run/rusty-sandbox/live: check the rule as another user */
    char buf[SBX_LIVE_PATH_MAX];
    setenv("XDG_RUNTIME_DIR", test_tmp, 1);
    unsetenv("RUSTY_SANDBOX_RUNTIME_DIR");
    cr_assert_eq(sbx_live_dir(buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "/run/rusty-sandbox/live");
    cr_assert_eq(chown(test_tmp, 65534, 65534), 0);
    pid_t pid = fork_child();
    if (pid == 0)
        _exit(setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0
                  ? 100
                  : xdg_rule_steps());
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "step %d failed", WEXITSTATUS(st));
}

Test(live_dir, open_creates_private_and_refuses_others)
{
    char dir[PATH_MAX];
    fmt_into(dir, "%s/rt", test_tmp);
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", dir, 1);
    struct sbx__live_path p;
    cr_assert_eq(sbx__live_path(&p), 0);
    struct sbx_error err = {0};
    cr_assert_eq(sbx__live_dir_open(&p, geteuid(), false, &err), -ENOENT);
    int fd = sbx__live_dir_open(&p, geteuid(), true, &err);
    cr_assert_geq(fd, 0, "%s", err.message);
    close(fd);
    struct stat st;
    cr_assert_eq(stat(dir, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0700);
    cr_assert_eq(chmod(dir, 0777), 0); /* other-writable: anyone could plant entries */
    cr_assert_eq(sbx__live_dir_open(&p, geteuid(), false, &err), -EPERM);
    cr_assert(strstr(err.message, dir), "%s", err.message);
    cr_assert_eq(sbx__live_dir_open(&p, geteuid() + 1, false, &err), -EPERM);
    cr_assert_eq(chmod(dir, 0700), 0);
    char target[PATH_MAX];
    fmt_into(target, "%s/elsewhere", test_tmp);
    cr_assert_eq(rename(dir, target), 0);
    cr_assert_eq(symlink(target, dir), 0); /* a symlink is never followed */
    cr_assert_eq(sbx__live_dir_open(&p, geteuid(), true, &err), -ENOTDIR);
}

/* --- listing -------------------------------------------------------------------------------- */

Test(live_list, missing_directory_is_empty)
{
    char dir[PATH_MAX];
    fmt_into(dir, "%s/nothing-here", test_tmp);
    setenv("RUSTY_SANDBOX_RUNTIME_DIR", dir, 1);
    struct sbx_live_list *l = list(SBX_LIVE_WITH_FINISHED);
    cr_assert_eq(l->n_live + l->n_finished + l->n_lost + l->n_skipped, 0);
    cr_assert_str_eq(l->dir, dir);
    sbx_live_list_free(l);
    cr_assert_not(path_exists(dir), "a reader never creates the directory");
}

Test(live_list, valid_entry_all_fields)
{
    put_self(ID_A, ", \"unknown_field\": {\"nested\": [1, 2]}, \"another\": true");
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 1, "skipped: %s", l->skipped_reason);
    cr_assert_eq(l->n_skipped, 0);
    const struct sbx_live_entry *e = &l->live[0];
    cr_assert_str_eq(e->id, ID_A);
    cr_assert_eq(e->state, SBX_LIVE_RUNNING);
    cr_assert_eq(e->supervisor_pid, getpid());
    cr_assert_eq(e->uid, geteuid());
    cr_assert_str_eq(e->file, "/work/p.py");
    cr_assert_str_eq(e->runtime, "python");
    cr_assert_eq(e->elapsed_ms, 1000);
    cr_assert_eq(e->limits.memory_limit_bytes, 536870912);
    cr_assert_float_eq(e->limits.cpu_time_limit_s, 2.5, 1e-9);
    cr_assert_float_eq(e->limits.timeout_s, 30, 1e-9);
    cr_assert_eq(e->limits.max_processes, 128);
    cr_assert_str_eq(sbx_live_enforcement(e, "memory"), "cgroup-v2");
    cr_assert_null(sbx_live_enforcement(e, "landlock"));
    cr_assert(e->has_sample);
    cr_assert_float_eq(e->sample.cpu_percent, 12.5, 1e-9);
    cr_assert_eq(e->sample.memory_bytes, 1234567);
    cr_assert_eq(e->sample.pids, 3);
    cr_assert_eq(e->n_history, 3);
    cr_assert_eq(e->memory_history[2], 3);
    cr_assert_eq(e->n_events, 2);
    cr_assert_eq(e->n_recent_events, 1);
    cr_assert_str_eq(e->recent_events[0].type, "blocked_syscall");
    cr_assert_str_eq(e->verdict, "");
    cr_assert_not(e->has_exit_code);
    cr_assert_not(e->has_wall_time);
    sbx_live_list_free(l);
}

/* Each hostile file is refused without failing the listing; the good one is still listed. */
static void expect_refused(const char *name, const char *why)
{
    put_self(ID_A, NULL);
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 1);
    cr_assert_str_eq(l->live[0].id, ID_A);
    cr_assert_eq(l->n_skipped, 1, "%s should be refused", name);
    cr_assert(strstr(l->skipped_reason, name), "reason names the file: %s", l->skipped_reason);
    cr_assert(strstr(l->skipped_reason, why), "reason says '%s': %s", why, l->skipped_reason);
    sbx_live_list_free(l);
}

Test(live_list, malformed_json)
{
    put_file(reg, ID_B ".json", "{\"schema\": 1, \"id\": ");
    expect_refused(ID_B ".json", "line 1");
}

Test(live_list, wrong_types_and_values)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "flying", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "\"state\"");
}

Test(live_list, duplicate_keys)
{
    char *s =
        entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "running", ", \"uid\": 0");
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "duplicate");
}

Test(live_list, negative_number)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "running",
                         ", \"n_events_extra\": 1");
    /* a negative memory sample */
    char *p = strstr(s, "\"memory_bytes\": 1234567");
    cr_assert_not_null(p);
    memcpy(p, "\"memory_bytes\": -234567", strlen("\"memory_bytes\": -234567"));
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "memory_bytes");
}

Test(live_list, wrong_schema)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "running", NULL);
    s[strlen("{\"schema\": ")] = '2';
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "schema");
}

Test(live_list, id_must_match_file_name)
{
    char *s = entry_json(ID_C, getpid(), starttime_of(getpid()), geteuid(), "running", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "file name");
}

Test(live_list, uid_must_be_the_owner)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid() + 1, "running", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    expect_refused(ID_B ".json", "owner");
}

Test(live_list, oversize)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "running", NULL);
    size_t len = strlen(s);
    char *big = malloc(SBX_LIVE_OBJECT_MAX + 2);
    cr_assert_not_null(big);
    memcpy(big, s, len);
    memset(big + len, ' ', SBX_LIVE_OBJECT_MAX + 1 - len); /* valid JSON, one byte too long */
    big[SBX_LIVE_OBJECT_MAX + 1] = '\0';
    put_file(reg, ID_B ".json", big);
    free(big);
    free(s);
    expect_refused(ID_B ".json", "larger than");
}

Test(live_list, symlink_entry)
{
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()), geteuid(), "running", NULL);
    put_file(test_tmp, "target.json", s);
    free(s);
    char link[PATH_MAX];
    fmt_into(link, "%s/%s.json", reg, ID_B);
    cr_assert_eq(symlink(tmp_path("target.json"), link), 0);
    expect_refused(ID_B ".json", "symlink");
    cr_assert(path_exists(tmp_path("target.json")));
}

Test(live_list, fifo_does_not_block)
{
    char path[PATH_MAX];
    fmt_into(path, "%s/%s.json", reg, ID_B);
    cr_assert_eq(mkfifo(path, 0600), 0);
    expect_refused(ID_B ".json", "regular");
}

Test(live_list, directory_entry)
{
    char path[PATH_MAX];
    fmt_into(path, "%s/%s.json", reg, ID_B);
    cr_assert_eq(mkdir(path, 0700), 0);
    expect_refused(ID_B ".json", "regular");
}

Test(live_list, other_names_are_ignored)
{
    put_file(reg, ".hidden.json", "garbage");
    put_file(reg, "." ID_B ".json.tmp", "garbage");
    put_file(reg, "notes.txt", "garbage");
    put_file(reg, "bad id!.json", "garbage");
    put_self(ID_A, NULL);
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 1);
    cr_assert_eq(l->n_skipped, 0, "%s", l->skipped_reason);
    sbx_live_list_free(l);
}

/* A child that exits at once: its pid is dead (and reaped) afterwards. */
static pid_t dead_pid(void)
{
    pid_t pid = fork_child();
    if (pid == 0)
        _exit(0);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return pid;
}

Test(live_list, stale_dead_pid_is_lost_and_removed)
{
    char *s = entry_json(ID_B, dead_pid(), 12345, geteuid(), "running", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    put_self(ID_A, NULL);
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 1);
    cr_assert_str_eq(l->live[0].id, ID_A);
    cr_assert_eq(l->n_lost, 1);
    cr_assert_str_eq(l->lost[0].id, ID_B);
    cr_assert_eq(l->lost[0].state, SBX_LIVE_LOST);
    cr_assert_str_eq(l->lost[0].verdict, "lost");
    sbx_live_list_free(l);
    cr_assert_not(in_reg(ID_B ".json"), "a stale entry of ours is removed");
    cr_assert(in_reg(ID_A ".json"));
}

Test(live_list, reused_pid_other_starttime)
{
    /* our own pid, but not our starttime: the pid was reused by another process */
    char *s = entry_json(ID_B, getpid(), starttime_of(getpid()) + 1, geteuid(), "running", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    struct sbx_live_list *l = list(SBX_LIVE_NO_CLEANUP);
    cr_assert_eq(l->n_live, 0);
    cr_assert_eq(l->n_lost, 1);
    sbx_live_list_free(l);
    cr_assert(in_reg(ID_B ".json"), "SBX_LIVE_NO_CLEANUP keeps the file");
}

Test(live_list, process_of_another_uid_is_not_a_supervisor)
{
    /* a live process with its real starttime, but not ours: a forged entry (as root: a child
     * running as another uid; else pid 1) */
    pid_t pid = geteuid() == 0 ? child_as(65534) : 1;
    char *s = entry_json(ID_B, pid, starttime_of(pid), geteuid(), "running", NULL);
    put_file(reg, ID_B ".json", s);
    free(s);
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 0);
    cr_assert_eq(l->n_lost, 1);
    sbx_live_list_free(l);
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill(ID_B, SIGTERM, 0, NULL, &err), -ENOENT);
    if (pid != 1) {
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "not signalled");
        kill(pid, SIGKILL);
        cr_assert_eq(waitpid(pid, NULL, 0), pid);
    }
}

/* Write finished/<id>.json with the given mtime (seconds ago). */
static void put_finished(const char *id, const char *verdict, int ago)
{
    char dir[PATH_MAX], name[128], path[PATH_MAX];
    fmt_into(dir, "%s/finished", reg);
    mkdir(dir, 0700);
    char *s = entry_json(id, dead_pid(), 1, geteuid(), "finished", NULL);
    /* set verdict, exit code and wall time */
    char *v = strstr(s, "\"verdict\": null, \"exit_code\": null, \"wall_time_ms\": null");
    cr_assert_not_null(v);
    char tail[160];
    fmt_into(tail, "\"verdict\": \"%s\", \"exit_code\": 3, \"wall_time_ms\": 1500}", verdict);
    *v = '\0';
    char *full = NULL;
    cr_assert_geq(asprintf(&full, "%s%s", s, tail), 0);
    fmt_into(name, "%s.json", id);
    put_file(dir, name, full);
    fmt_into(path, "%s/%s", dir, name);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= ago;
    tv[1] = tv[0];
    cr_assert_eq(utimes(path, tv), 0);
    free(full);
    free(s);
}

Test(live_list, finished_newest_first_and_capped)
{
    for (int i = 0; i < SBX_LIVE_MAX_FINISHED + 5; i++) {
        char id[64];
        fmt_into(id, "f%03d", i);
        put_finished(id, i % 2 ? "ok" : "timeout", 1000 - i); /* f054 is the newest */
    }
    struct sbx_live_list *l = list(SBX_LIVE_WITH_FINISHED);
    cr_assert_eq(l->n_finished, SBX_LIVE_MAX_FINISHED);
    cr_assert_str_eq(l->finished[0].id, "f054");
    cr_assert_str_eq(l->finished[0].verdict, "timeout");
    cr_assert(l->finished[0].has_exit_code);
    cr_assert_eq(l->finished[0].exit_code, 3);
    cr_assert_eq(l->finished[0].wall_time_ms, 1500);
    cr_assert_eq(l->finished[0].state, SBX_LIVE_FINISHED);
    cr_assert_str_eq(l->finished[SBX_LIVE_MAX_FINISHED - 1].id, "f005");
    cr_assert_eq(l->n_lost, 0, "finished entries are not checked for a live supervisor");
    sbx_live_list_free(l);
    l = list(0);
    cr_assert_eq(l->n_finished, 0, "only with SBX_LIVE_WITH_FINISHED");
    sbx_live_list_free(l);
}

Test(live_list, finished_and_live_at_once_is_finished)
{
    put_self(ID_A, NULL);
    put_finished(ID_A, "ok", 0);
    struct sbx_live_list *l = list(SBX_LIVE_WITH_FINISHED);
    cr_assert_eq(l->n_live, 0);
    cr_assert_eq(l->n_finished, 1);
    sbx_live_list_free(l);
}

Test(live_list, untrusted_directory_is_an_error)
{
    cr_assert_eq(chmod(reg, 0777), 0);
    struct sbx_live_list *l = NULL;
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_list(0, &l, &err), -EPERM);
    cr_assert_null(l);
    cr_assert_eq(err.kind, SBX_ERR_HOST);
    cr_assert(strstr(err.message, reg), "%s", err.message);
}

Test(live_list, cut_long_strings)
{
    char file[3000], extra[3100];
    memset(file, 'x', sizeof(file) - 1);
    file[0] = '/';
    file[sizeof(file) - 1] = '\0';
    fmt_into(extra, ", \"file2\": \"%s\"", file);
    char *s = entry_json(ID_A, getpid(), starttime_of(getpid()), geteuid(), "running", extra);
    char *f = strstr(s, "\"/work/p.py\"");
    cr_assert_not_null(f);
    /* point "file" at the long value by renaming the keys */
    memcpy(strstr(s, "\"file\""), "\"fil0\"", 6);
    memcpy(strstr(s, "\"file2\""), "\"file\" ", 7);
    put_file(reg, ID_A ".json", s);
    free(s);
    struct sbx_live_list *l = list(0);
    cr_assert_eq(l->n_live, 1, "%s", l->skipped_reason);
    cr_assert_eq(strlen(l->live[0].file), SBX_LIVE_FILE_MAX - 1);
    cr_assert_str_eq(l->live[0].file + SBX_LIVE_FILE_MAX - 4, "...");
    sbx_live_list_free(l);
}

/* --- kill ----------------------------------------------------------------------------------- */

/* A child "supervisor" that waits for a signal; its entry is published under `id`. */
static pid_t start_supervisor(const char *id)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(p[0]);
        signal(SIGTERM, SIG_DFL);
        close(p[1]); /* ready */
        for (;;)
            pause();
    }
    close(p[1]);
    char c;
    cr_assert_eq(read(p[0], &c, 1), 0, "the child closes the pipe when ready");
    close(p[0]);
    char name[128];
    fmt_into(name, "%s.json", id);
    char *s = entry_json(id, pid, starttime_of(pid), geteuid(), "running", NULL);
    put_file(reg, name, s);
    free(s);
    return pid;
}

static int reap(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

Test(live_kill, by_prefix_waits_for_exit)
{
    pid_t pid = start_supervisor(ID_A);
    struct sbx_live_entry e;
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill("aaaa1", SIGTERM, 10000, &e, &err), 0, "%s", err.message);
    cr_assert_str_eq(e.id, ID_A);
    cr_assert_eq(reap(pid), SIGTERM);
}

Test(live_kill, ambiguous_prefix_lists_candidates)
{
    pid_t a = start_supervisor(ID_A), b = start_supervisor(ID_B);
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill("aaaa", SIGTERM, 0, NULL, &err), -EINVAL);
    cr_assert(strstr(err.message, ID_A) && strstr(err.message, ID_B), "%s", err.message);
    cr_assert_eq(sbx_live_kill(ID_B, SIGTERM, 10000, NULL, &err), 0, "exact id: %s", err.message);
    cr_assert_eq(reap(b), SIGTERM);
    kill(a, SIGKILL);
    cr_assert_eq(reap(a), SIGKILL, "the other one was not signalled by the ambiguous kill");
}

Test(live_kill, unknown_and_invalid_ids)
{
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill("ffff", SIGTERM, 0, NULL, &err), -ENOENT);
    cr_assert(strstr(err.message, "no live run"), "%s", err.message);
    cr_assert_eq(sbx_live_kill("../etc", SIGTERM, 0, NULL, &err), -EINVAL);
    cr_assert_eq(sbx_live_kill("", SIGTERM, 0, NULL, &err), -EINVAL);
    put_finished(ID_C, "ok", 0);
    cr_assert_eq(sbx_live_kill("cccc", SIGTERM, 0, NULL, &err), -ENOENT);
    cr_assert(strstr(err.message, "already finished"), "%s", err.message);
}

Test(live_kill, never_signals_a_reused_pid)
{
    pid_t pid = start_supervisor(ID_A);
    /* rewrite the entry with a starttime the process does not have: as after pid reuse */
    char *s = entry_json(ID_A, pid, starttime_of(pid) + 7, geteuid(), "running", NULL);
    put_file(reg, ID_A ".json", s);
    free(s);
    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill(ID_A, SIGTERM, 0, NULL, &err), -ENOENT);
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the process must still be alive");
    kill(pid, SIGKILL);
    cr_assert_eq(reap(pid), SIGKILL);
}

/* --- root: other users' registries ---------------------------------------------------------- */

#define OTHER 65533u

static char other_dir[PATH_MAX];

static void other_teardown(void)
{
    if (other_dir[0])
        remove_tree(other_dir);
    other_dir[0] = '\0';
    tmp_teardown();
}

TestSuite(live_root, .init = tmp_setup, .fini = other_teardown);

Test(live_root, lists_other_users_checked)
{
    unsetenv("RUSTY_SANDBOX_RUNTIME_DIR");
    if (geteuid() != 0) { /* only root lists other users: a user reads its own directory */
        struct sbx_live_list *l = list(0);
        cr_assert_leq(l->n_dirs, 1);
        sbx_live_list_free(l);
        return;
    }
    fmt_into(other_dir, "/tmp/rusty-sandbox-%u", OTHER);
    char live[PATH_MAX];
    fmt_into(live, "%s/live", other_dir);
    if (path_exists(other_dir))
        skip_or_fail("'%s' exists already: not ours to use", other_dir);
    make_dirs(live, 0700);
    cr_assert_eq(chown(other_dir, OTHER, OTHER), 0);
    cr_assert_eq(chown(live, OTHER, OTHER), 0);
    pid_t pid = child_as(OTHER);
    char *s = entry_json(ID_C, pid, starttime_of(pid), OTHER, "running", NULL);
    put_file(live, ID_C ".json", s);
    free(s);
    /* a forged entry aiming at a root process (this one): never live, never removed by root */
    s = entry_json(ID_B, getpid(), starttime_of(getpid()), OTHER, "running", NULL);
    put_file(live, ID_B ".json", s);
    free(s);
    char path[PATH_MAX];
    fmt_into(path, "%s/%s.json", live, ID_C);
    cr_assert_eq(chown(path, OTHER, OTHER), 0);
    fmt_into(path, "%s/%s.json", live, ID_B);
    cr_assert_eq(chown(path, OTHER, OTHER), 0);

    struct sbx_live_list *l = list(0);
    const struct sbx_live_entry *found = NULL;
    for (size_t i = 0; i < l->n_live; i++) {
        cr_assert_str_neq(l->live[i].id, ID_B, "the forged entry is not live");
        if (!strcmp(l->live[i].id, ID_C))
            found = &l->live[i];
    }
    cr_assert_not_null(found, "root lists the other user's run");
    cr_assert_eq(found->uid, OTHER);
    sbx_live_list_free(l);
    cr_assert(path_exists(path), "root does not remove another user's files");

    cr_assert_eq(chmod(live, 0777), 0); /* now untrusted: silently not listed */
    l = list(0);
    for (size_t i = 0; i < l->n_live; i++)
        cr_assert_str_neq(l->live[i].id, ID_C);
    sbx_live_list_free(l);
    cr_assert_eq(chmod(live, 0700), 0);

    struct sbx_error err = {0};
    cr_assert_eq(sbx_live_kill(ID_C, SIGTERM, 10000, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(reap(pid), SIGTERM);
}
