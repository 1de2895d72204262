/*
 * Helpers shared by the unit tests: a private temporary directory per test (made by a
 * fixture's .init, removed by its .fini, which Criterion runs even when an assertion fails),
 * file builders, and the probe-then-skip rule of STYLE.md rule 10: a test that needs a host
 * feature probes it and skips with a reason, unless SBX_TESTS_MUST_WORK=1, when a failed probe
 * fails the test so a broken host cannot pass as "all skipped".
 */
#ifndef SBX_TESTS_UNIT_HELPERS_H
#define SBX_TESTS_UNIT_HELPERS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The current test's temporary directory (absolute, symlinks resolved); "" when none. */
static char test_tmp[PATH_MAX] __attribute__((unused));

static inline int tests_must_work(void)
{
    const char *v = getenv("SBX_TESTS_MUST_WORK");
    return v && !strcmp(v, "1");
}

static inline void tmp_teardown(void);

/* Skip the test with `why`, or fail it when SBX_TESTS_MUST_WORK=1. Criterion does not run a
 * suite's .fini after cr_skip_test, so the temporary directory is removed here first. */
#define skip_or_fail(...)                                                                          \
    do {                                                                                           \
        if (tests_must_work())                                                                     \
            cr_assert_fail(__VA_ARGS__);                                                           \
        tmp_teardown();                                                                            \
        cr_skip_test(__VA_ARGS__);                                                                 \
    } while (0)

/* Run argv (no shell) and wait; returns the exit status or -1. Output goes to /dev/null. */
static inline int run_argv(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Remove a tree the tests made, whatever its modes and depth (chmod first for non-root). */
static inline void remove_tree(const char *path)
{
    char chmod_bin[] = "/bin/chmod", rm_bin[] = "/bin/rm", recursive[] = "-R", mode[] = "u+rwx",
         force[] = "-rf", sep[] = "--";
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "%s", path);
    char *const chmod_argv[] = {chmod_bin, recursive, mode, sep, target, NULL};
    char *const rm_argv[] = {rm_bin, force, sep, target, NULL};
    (void)run_argv(chmod_argv);
    (void)run_argv(rm_argv);
}

/* Make test_tmp as a fresh directory under `parent`. */
static inline void tmp_setup_under(const char *parent)
{
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/sbx-unit-XXXXXX", parent);
    cr_assert_not_null(mkdtemp(tmpl), "mkdtemp in '%s': %s", parent, strerror(errno));
    cr_assert_not_null(realpath(tmpl, test_tmp), "realpath: %s", strerror(errno));
}

static inline void tmp_setup(void)
{
    tmp_setup_under("/tmp");
}

static inline void tmp_teardown(void)
{
    if (test_tmp[0])
        remove_tree(test_tmp);
    test_tmp[0] = '\0';
}

/* test_tmp/rel, written into `buf` (PATH_MAX bytes). */
static inline const char *tmp_path_in(char *buf, const char *rel)
{
    int n = snprintf(buf, PATH_MAX, "%s/%s", test_tmp, rel);
    cr_assert(n > 0 && n < PATH_MAX, "path too long");
    return buf;
}

/* test_tmp/rel in a buffer that lives as long as the enclosing block (a compound literal). */
#define tmp_path(rel) tmp_path_in((char[PATH_MAX]){0}, (rel))

static inline void write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    cr_assert(fd >= 0, "open '%s': %s", path, strerror(errno));
    size_t len = strlen(content);
    cr_assert_eq(write(fd, content, len), (ssize_t)len);
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
}

static inline void copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    cr_assert(in >= 0, "open '%s': %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert(out >= 0, "open '%s': %s", to, strerror(errno));
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        cr_assert_eq(write(out, buf, (size_t)n), n);
    cr_assert_eq(n, 0);
    cr_assert_eq(fchmod(out, mode), 0);
    close(in);
    close(out);
}

static inline void make_dirs(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        cr_assert(mkdir(buf, mode) == 0 || errno == EEXIST, "mkdir '%s': %s", buf, strerror(errno));
        *p = '/';
    }
    cr_assert(mkdir(buf, mode) == 0 || errno == EEXIST, "mkdir '%s': %s", buf, strerror(errno));
}

static inline int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* A uid (and gid, same number) that is not ours: nobody's, or one below it when we are
 * nobody. */
static inline uid_t other_uid(void)
{
    return geteuid() == 65534 ? 65533 : 65534;
}

/* Probe: can this process give a file to another uid (CAP_CHOWN)? */
static inline int can_chown_to(const char *path, uid_t uid, gid_t gid)
{
    return chown(path, uid, gid) == 0;
}

/* fork() whose child is killed when the test process dies, so a failed assertion in the
 * parent never leaves a child holding locks behind. */
static inline pid_t fork_child(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
        _exit(127);
    return pid;
}

static inline int fd_is_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags >= 0 && (flags & FD_CLOEXEC);
}

/* A file read whole; load_fixture reads a built WebAssembly fixture (SBX_WASM_FIXTURES, set by
 * meson test). */
struct blob {
    uint8_t *data;
    size_t len;
};

/* The whole file at `path` (one spare byte past the end for the caller). */
static inline struct blob load_blob(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    cr_assert(fstat(fd, &st) == 0);
    struct blob b = {malloc((size_t)st.st_size + 1), (size_t)st.st_size};
    cr_assert(b.data);
    cr_assert_eq(read(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    return b;
}

static inline struct blob load_fixture(const char *name)
{
    const char *dir = getenv("SBX_WASM_FIXTURES");
    cr_assert(dir, "SBX_WASM_FIXTURES is not set (run through meson test)");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return load_blob(path);
}

#endif
