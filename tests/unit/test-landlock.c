/*
 * Unit tests for src/platform/linux/landlock.c: the ABI probe (7 on the kernel this project
 * targets), the rights handled per ABI, the description for the enforcement map, the default
 * rule table, and, in forked children (a Landlock domain cannot be left), that an applied
 * ruleset allows reading where read-only, writing only where read-write, nothing elsewhere,
 * refuses TCP connect, scopes signals, and is refused without no_new_privs.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/linux/landlock.h"

static int must_work(void)
{
    const char *v = getenv("SBX_TESTS_MUST_WORK");
    return v && !strcmp(v, "1");
}

static int need_landlock(void)
{
    int abi = sbx__landlock_probe();
    if (abi < 1) {
        if (must_work())
            cr_assert_fail("Landlock is unavailable: %s", strerror(-abi));
        cr_skip_test("Landlock is unavailable: %s", strerror(-abi));
    }
    return abi;
}

Test(landlock, probe_reports_the_kernel_abi)
{
    int abi = need_landlock();
    long raw = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
    cr_assert_eq(abi, raw);
    /* The kernel this project targets (6.18) has ABI 7; an older one must at least work. */
    cr_log_info("Landlock ABI %d", abi);
    if (must_work())
        cr_assert_geq(abi, 7, "Linux 6.18 offers ABI 7, got %d", abi);
}

Test(landlock, handled_rights_and_description)
{
    cr_assert_eq(sbx__landlock_handled_fs(0), 0);
    cr_assert_eq(sbx__landlock_handled_fs(1), (1ULL << 13) - 1);
    cr_assert_eq(sbx__landlock_handled_fs(2), (1ULL << 14) - 1);
    cr_assert_eq(sbx__landlock_handled_fs(4), (1ULL << 15) - 1);
    cr_assert_eq(sbx__landlock_handled_fs(5), (1ULL << 16) - 1);
    cr_assert_eq(sbx__landlock_handled_fs(9), sbx__landlock_handled_fs(SBX_LANDLOCK_ABI_MAX));
    char buf[32];
    sbx__landlock_describe(7, buf, sizeof(buf));
    cr_assert_str_eq(buf, "abi-7");
    sbx__landlock_describe(12, buf, sizeof(buf));
    cr_assert_str_eq(buf, "abi-7");
    sbx__landlock_describe(-EOPNOTSUPP, buf, sizeof(buf));
    cr_assert_str_eq(buf, "unavailable");
}

static const struct sbx__landlock_rule *find(const struct sbx__landlock_paths *p, const char *path)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->rules[i].path, path))
            return &p->rules[i];
    return NULL;
}

Test(landlock, default_view)
{
    struct sbx__landlock_paths p;
    cr_assert_eq(sbx__landlock_paths_init(&p, "/opt/python", false), 0);
    cr_assert_eq(find(&p, "/work")->kind, SBX_LL_RW);
    cr_assert_eq(find(&p, "/tmp")->kind, SBX_LL_RW);
    cr_assert_eq(find(&p, "/dev/shm")->kind, SBX_LL_RW);
    cr_assert_eq(find(&p, "/usr")->kind, SBX_LL_RO);
    cr_assert_eq(find(&p, "/etc")->kind, SBX_LL_RO);
    cr_assert_eq(find(&p, "/opt/python")->kind, SBX_LL_RO);
    cr_assert_eq(find(&p, "/proc")->kind, SBX_LL_PROC);
    cr_assert_eq(find(&p, "/dev/null")->kind, SBX_LL_DEV);
    cr_assert_eq(find(&p, "/")->kind, SBX_LL_LIST);
    cr_assert_not(p.enable_network);
    cr_assert_eq(sbx__landlock_paths_init(&p, "", true), 0);
    cr_assert_null(find(&p, ""));
    cr_assert(p.enable_network);
    while (p.n < SBX_LANDLOCK_MAX_RULES)
        cr_assert_eq(sbx__landlock_paths_add(&p, "/x", SBX_LL_RO, true), 0);
    cr_assert_eq(sbx__landlock_paths_add(&p, "/x", SBX_LL_RO, true), -E2BIG);
}

/* ---- applied, in children ---- */

static char dir[PATH_MAX], ro_dir[PATH_MAX + 8], rw_dir[PATH_MAX + 8];

static void make_dirs(void)
{
    snprintf(dir, sizeof(dir), "/var/tmp/sbx-test-landlock-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(ro_dir, sizeof(ro_dir), "%s/ro", dir);
    snprintf(rw_dir, sizeof(rw_dir), "%s/rw", dir);
    cr_assert_eq(mkdir(ro_dir, 0755), 0);
    cr_assert_eq(mkdir(rw_dir, 0755), 0);
    char f[PATH_MAX + 16];
    snprintf(f, sizeof(f), "%s/file", ro_dir);
    int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "x", 1), 1);
    close(fd);
}

static void remove_dirs(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int opens(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

static int connect_tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? -errno : 0;
    close(s);
    return r;
}

/* Exit codes say which check failed. */
static _Noreturn void restricted_child(int abi)
{
    struct sbx__landlock_paths p = {.n = 0};
    sbx__landlock_paths_add(&p, ro_dir, SBX_LL_RO, false);
    sbx__landlock_paths_add(&p, rw_dir, SBX_LL_RW, false);
    sbx__landlock_paths_add(&p, "/dev/null", SBX_LL_DEV, false);
    sbx__landlock_paths_add(&p, "/nonexistent-optional", SBX_LL_RO, true);
    struct sbx_error err = {0};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbx__landlock_apply(&p, abi, &err) < 0)
        _exit(10);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/file", ro_dir);
    if (opens(path, O_RDONLY) != 0)
        _exit(11);
    if (opens(path, O_WRONLY) != -EACCES)
        _exit(12);
    snprintf(path, sizeof(path), "%s/new", rw_dir);
    if (opens(path, O_WRONLY | O_CREAT) != 0)
        _exit(13);
    if (opens("/etc/passwd", O_RDONLY) != -EACCES)
        _exit(14);
    if (opens("/dev/null", O_WRONLY | O_TRUNC) != 0)
        _exit(15);
    if (abi >= 4 && connect_tcp() != -EACCES)
        _exit(16);
    if (abi >= 6 && kill(getppid(), 0) != -1)
        _exit(17); /* the parent is outside the domain */
    _exit(0);
}

Test(landlock, applied_ruleset_mirrors_the_rules, .init = make_dirs, .fini = remove_dirs)
{
    int abi = need_landlock();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        restricted_child(abi);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "status %#x", st);
    cr_assert_eq(WEXITSTATUS(st), 0, "check %d failed (see restricted_child)", WEXITSTATUS(st));
}

Test(landlock, refused_without_no_new_privs)
{
    int abi = need_landlock();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct sbx__landlock_paths p = {.n = 0};
        struct sbx_error err = {0};
        int r = sbx__landlock_apply(&p, abi, &err);
        _exit(r == -EPERM && strstr(err.message, "no_new_privs") ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(landlock, missing_required_path_is_an_error)
{
    int abi = need_landlock();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct sbx__landlock_paths p = {.n = 0};
        sbx__landlock_paths_add(&p, "/nonexistent-required", SBX_LL_RO, false);
        struct sbx_error err = {0};
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        int r = sbx__landlock_apply(&p, abi, &err);
        _exit(r == -ENOENT && strstr(err.message, "/nonexistent-required") ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
