/*
 * rusty-sandbox doctor (Linux): probes, in forked children where a probe changes process
 * state, the features a run uses: user namespaces (and what restricts them), cgroups and their
 * delegation, Landlock, seccomp user notification, pidfd and clone3, the new mount API, and
 * the cgroup v1 move cost. It reads, forks and exits; it never changes the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/linux/cgroup.h"
#include "core/errors.h"
#include "platform/linux/landlock.h"
#include "platform/linux/netns-pool.h"
#include "sbx/doctor.h"
#include "sbx/runtime.h"
#include "util/fs.h"

static struct sbx_check *add(struct sbx_doctor *d, const char *name, enum sbx_check_status st,
                             const char *fix, const char *fmt, ...) PRINTF_LIKE(5, 6);
static struct sbx_check *add(struct sbx_doctor *d, const char *name, enum sbx_check_status st,
                             const char *fix, const char *fmt, ...)
{
    if (d->n_checks >= SBX_MAX_CHECKS)
        return NULL;
    struct sbx_check *c = &d->checks[d->n_checks++];
    c->name = name;
    c->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
    va_end(ap);
    snprintf(c->fix, sizeof(c->fix), "%s", fix ? fix : "");
    return c;
}

static int read_int(const char *path, long *ret)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = sbx__read_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EINVAL;
    buf[n] = '\0';
    *ret = strtol(buf, NULL, 10);
    return 0;
}

/* 0 when a child could make a user namespace (as the rest of a run does), else its errno. */
static int try_userns(void)
{
    struct clone_args ca = {.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET,
                            .exit_signal = SIGCHLD};
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(0);
    int st;
    waitpid((pid_t)pid, &st, 0);
    return 0;
}

static void check_userns(struct sbx_doctor *d)
{
    long v;
    int e = try_userns();
    if (e == 0) {
        add(d, "user namespaces", SBX_CHECK_OK, NULL,
            "a new user, mount, pid and network "
            "namespace can be made");
        return;
    }
    char fix[320] = "";
    if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 && v)
        snprintf(fix, sizeof(fix),
                 "AppArmor restricts unprivileged user namespaces: run "
                 "'sysctl kernel.apparmor_restrict_unprivileged_userns=0' or "
                 "give rusty-sandbox an AppArmor profile with 'userns,'");
    else if (read_int("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && !v)
        snprintf(fix, sizeof(fix), "run 'sysctl kernel.unprivileged_userns_clone=1'");
    else if (read_int("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0)
        snprintf(fix, sizeof(fix), "run 'sysctl user.max_user_namespaces=15000'");
    else
        snprintf(fix, sizeof(fix),
                 "check the kernel's CONFIG_USER_NS and any container or "
                 "seccomp policy around this process");
    add(d, "user namespaces", SBX_CHECK_FAIL, fix, "cannot create one: %s", strerror(e));
}

static void check_cgroups(struct sbx_doctor *d)
{
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    unsigned need = SBX_CG_BIT(SBX_CG_MEMORY) | SBX_CG_BIT(SBX_CG_PIDS) | SBX_CG_BIT(SBX_CG_CPU) |
                    SBX_CG_BIT(SBX_CG_CPUACCT);
    if (sbx__cgroup_open_host_parent(NULL, need, &cg, &err) < 0) {
        add(d, "cgroups", SBX_CHECK_FAIL,
            "limits of memory, processes and CPU need a cgroup this user may write; without "
            "one, runs are refused unless --allow-weaker-limits (rlimits)",
            "%s", err.message);
        return;
    }
    add(d, "cgroups", SBX_CHECK_OK, NULL, "%s under %s, writable: memory, pids, cpu limits work",
        cg.ops->name, cg.where);
    sbx__cgroup_close(&cg);
}

static void check_landlock(struct sbx_doctor *d)
{
    int abi = sbx__landlock_probe();
    if (abi >= 6)
        add(d, "landlock", SBX_CHECK_OK, NULL,
            "ABI %d: files, TCP and scoping (--network can be allowed)", abi);
    else if (abi > 0)
        add(d, "landlock", SBX_CHECK_WARN,
            "a kernel of 6.12 or newer scopes abstract sockets and signals too (and allows "
            "--network, refused without the scoping)",
            "ABI %d only: the file rules apply, %s", abi,
            abi >= 4 ? "TCP rules too, no scoping" : "no TCP rules, no scoping");
    else
        add(d, "landlock", SBX_CHECK_FAIL,
            "enable it at boot: lsm=landlock,... (CONFIG_SECURITY_LANDLOCK); until then runs "
            "need --allow-weaker-limits",
            "unavailable: %s", strerror(-abi));
}

static void check_syscalls(struct sbx_doctor *d)
{
    unsigned action = SECCOMP_RET_USER_NOTIF;
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
        add(d, "seccomp notification", SBX_CHECK_OK, NULL,
            "SECCOMP_RET_USER_NOTIF: refused syscalls are reported");
    else
        add(d, "seccomp notification", SBX_CHECK_FAIL, "Linux 5.5 or newer is needed",
            "SECCOMP_RET_USER_NOTIF unavailable: %s", strerror(errno));
    int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    struct clone_args ca = {0};
    long c3 = syscall(SYS_clone3, &ca, 1); /* too small a size: EINVAL if clone3 exists */
    int c3e = c3 < 0 ? errno : 0;
    int ms = (int)syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
    int mse = ms < 0 ? errno : 0;
    if (pfd >= 0)
        close(pfd);
    int ok = pfd >= 0 && c3e != ENOSYS && mse != ENOSYS;
    add(d, "kernel interfaces", ok ? SBX_CHECK_OK : SBX_CHECK_FAIL,
        ok ? NULL : "Linux 5.12 or newer is needed", "pidfd %s, clone3 %s, mount_setattr %s",
        pfd >= 0 ? "yes" : "no", c3e == ENOSYS ? "no" : "yes", mse == ENOSYS ? "no" : "yes");
}

static void check_interpreters(struct sbx_doctor *d)
{
    for (size_t i = 0; i < sbx_runtime_count(); i++) {
        const struct sbx_runtime *rt = sbx_runtime_at(i);
        struct sbx_interpreter in;
        struct sbx_error err = {0};
        if (sbx_interpreter_resolve(rt, NULL, NULL, &in, &err) == 0)
            add(d, sbx_runtime_name(rt), SBX_CHECK_OK, NULL, "interpreter %s", in.path);
        else
            add(d, sbx_runtime_name(rt), SBX_CHECK_WARN,
                "install it, or name it with [runtimes.NAME] interpreter in the config", "%s",
                err.message);
    }
}

static void check_netns_pool(struct sbx_doctor *d)
{
    if (geteuid() != 0) {
        add(d, "network namespaces", SBX_CHECK_OK, NULL,
            "each run creates its own (about 1.5 ms of CPU; root's runs join pre-made ones)");
        return;
    }
    int n = sbx__netns_pool_count(SBX_NETNS_POOL_DIR);
    if (n < 0)
        add(d, "network namespaces", SBX_CHECK_WARN,
            "make " SBX_NETNS_POOL_DIR " a directory of root's, mode 0700, or remove it",
            "the pool in " SBX_NETNS_POOL_DIR " is unusable (%s): each run creates its own",
            strerror(-n));
    else
        add(d, "network namespaces", SBX_CHECK_OK, NULL,
            "runs join pre-made empty ones, one per concurrent run: %d in " SBX_NETNS_POOL_DIR
            " (rusty-sandbox cleanup removes them)",
            n);
}

int sbx_cleanup(struct sbx_cleanup *ret, struct sbx_error *err)
{
    memset(ret, 0, sizeof(*ret));
    if (geteuid() != 0)
        return 0; /* only root's runs keep namespaces; an unprivileged caller has none */
    int r = sbx__netns_pool_clear(SBX_NETNS_POOL_DIR, &ret->netns_removed, &ret->netns_busy);
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -r,
                          "removing the pre-made network namespaces in " SBX_NETNS_POOL_DIR);
    return 0;
}

void sbx_doctor_run(struct sbx_doctor *d)
{
    memset(d, 0, sizeof(*d));
    struct utsname u;
    if (uname(&u) == 0)
        add(d, "kernel", SBX_CHECK_OK, NULL, "%s %s, %s", u.sysname, u.release, u.machine);
    add(d, "identity", SBX_CHECK_OK, NULL, "%s (uid %u): %s",
        geteuid() == 0 ? "root" : "unprivileged", (unsigned)geteuid(),
        geteuid() == 0 ? "each run gets its own host uid from a pool"
                       : "the sandbox's uid 1000 is this user");
    check_userns(d);
    check_cgroups(d);
    check_landlock(d);
    check_syscalls(d);
    check_netns_pool(d);
    check_interpreters(d);
}

const char *sbx_check_status_name(enum sbx_check_status s)
{
    switch (s) {
    case SBX_CHECK_OK:
        return "ok";
    case SBX_CHECK_WARN:
        return "warn";
    case SBX_CHECK_FAIL:
        return "fail";
    }
    return "unknown";
}
