/*
 * init: pid 1 of the sandbox. It is born (clone3) in fresh user, pid, mount, network, ipc, uts
 * and cgroup namespaces, with every capability inside them and none outside. It waits for the
 * supervisor to write its id maps, builds the root (mounts.c), becomes uid 1000 and drops every
 * capability (caps.c), then forks the program and reaps every process until the program
 * exits. Its own exit makes the kernel kill whatever is left in the pid namespace, so a
 * double-forked daemon cannot outlive the run.
 *
 * Runs between clone and exec of a copy of the caller: it never allocates, never returns, and
 * reports only through the ctl socket (struct sbx__msg).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "util/fs.h"
#include "platform/linux/linux.h"
#include "platform/linux/mounts.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static struct sbx__mount_plan plan; /* large; static is private to this process after clone */

void sbx__send_msg(int fd, const struct sbx__msg *m)
{
    while (send(fd, m, sizeof(*m), MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* Stages are timed when reached and sent in bursts (before the fork, before exec, with an
 * error): the supervisor wakes once per burst instead of once per stage. */
static struct {
    enum sbx__stage_id stage;
    uint64_t t_ns;
} queued[SBX_ST__MAX];
static unsigned n_queued;

void sbx__flush_stages(int fd)
{
    for (unsigned i = 0; i < n_queued; i++) {
        struct sbx__msg m = {.type = SBX_MSG_STAGE,
                             .stage = queued[i].stage,
                             .pid = getpid(),
                             .t_ns = queued[i].t_ns};
        sbx__send_msg(fd, &m);
    }
    n_queued = 0;
}

void sbx__send_stage(int fd, enum sbx__stage_id stage)
{
    if (n_queued == SBX_ST__MAX)
        sbx__flush_stages(fd);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    queued[n_queued].stage = stage;
    queued[n_queued++].t_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static _Noreturn void fail(int ctl, const struct sbx_error *err, int code)
{
    sbx__flush_stages(ctl);
    struct sbx__msg m = {.type = SBX_MSG_ERROR, .pid = getpid(), .error = *err};
    sbx__send_msg(ctl, &m);
    _exit(code);
}

static void reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP and 32/33 */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int limit(int resource, uint64_t value, uint64_t hard_value)
{
    struct rlimit cur, want;
    if (getrlimit(resource, &cur) < 0)
        return -errno;
    /* Only lowering is possible without CAP_SYS_RESOURCE in the initial namespace; a limit
     * above the inherited hard one is enforced at that hard one, which is stricter. */
    want.rlim_max = hard_value < cur.rlim_max ? hard_value : cur.rlim_max;
    want.rlim_cur = value < want.rlim_max ? value : want.rlim_max;
    return setrlimit(resource, &want) < 0 ? -errno : 0;
}

/*
 * Per-process limits, set in the program just before exec. With a cgroup these are
 * backstops (RLIMIT_CPU one second past the limit, RLIMIT_NPROC at the pids limit); without
 * one (an accepted fallback) they are the limits.
 */
static int set_rlimits(const struct sbx_policy *p, int fallback, struct sbx_error *err)
{
    int r = limit(RLIMIT_CORE, 0, 0); /* no core files in the workspace */
    if (r == 0 && p->max_file_size_bytes)
        r = limit(RLIMIT_FSIZE, p->max_file_size_bytes, p->max_file_size_bytes);
    if (r == 0 && p->max_open_files)
        r = limit(RLIMIT_NOFILE, p->max_open_files, p->max_open_files);
    if (r == 0 && p->max_processes)
        r = limit(RLIMIT_NPROC, p->max_processes + (fallback ? 0 : 16),
                  p->max_processes + (fallback ? 0 : 16)); /* backstop past the pids cgroup */
    if (r == 0 && p->cpu_time_limit_s > 0) {
        /* RLIMIT_CPU counts whole seconds of one process, on scheduler ticks that can run a
         * few percent ahead of the exact time: past the limit plus its grace (as the cgroup
         * check), rounded up, and one more second with a cgroup so the backstop never fires
         * before the real check. */
        double end = p->cpu_time_limit_s + sbx__cpu_grace_s(p->cpu_time_limit_s);
        uint64_t s = (uint64_t)end + ((double)(uint64_t)end < end) + (fallback ? 0 : 1);
        r = limit(RLIMIT_CPU, s, s + 1);
    }
    if (r == 0 && fallback && p->memory_limit_bytes)
        r = limit(RLIMIT_DATA, p->memory_limit_bytes, p->memory_limit_bytes);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, -r, "setting resource limits");
    /* A write past RLIMIT_FSIZE fails with EFBIG instead of killing the writer. */
    signal(SIGXFSZ, SIG_IGN);
    return 0;
}

/*
 * The last walls, in the program's own process (init stays outside both, so it can still
 * reap, kill and copy /work out): Landlock first, since the seccomp allowlist would not care
 * for its syscalls; then the filters, whose listener goes to the supervisor and is closed
 * here. no_new_privs is already set (init, before the fork).
 */
static int apply_security(const struct sbx__init_args *a, struct sbx_error *err)
{
    if (a->landlock) {
        if (sbx__landlock_apply(a->landlock, a->landlock_abi, err) < 0)
            return -1;
        sbx__send_stage(a->ctl_fd, SBX_ST_LANDLOCK);
    }
    int nfd = -1;
    if (sbx__seccomp_load(a->seccomp, &nfd, err) < 0)
        return -1;
    struct sbx__msg m = {.type = SBX_MSG_SECCOMP_FD, .pid = getpid()};
    int r = sbx__send_fd(a->ctl_fd, &m, sizeof(m), nfd);
    close(nfd);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, -r,
                          "sending the seccomp listener to the supervisor");
    sbx__send_stage(a->ctl_fd, SBX_ST_SECCOMP);
    return 0;
}

static _Noreturn void program_main(const struct sbx__init_args *a)
{
    const struct sbx__launch *l = a->launch;
    struct sbx_error err = {0};
    reset_signals();
    if (set_rlimits(l->policy, a->rlimit_fallback, &err) < 0)
        fail(a->ctl_fd, &err, 127);
    for (int i = 0; i < 3; i++)
        if (dup2(a->stdio[i], i) < 0) {
            sbx__error_errno(&err, SBX_STAGE_EXEC, "setting up stdio");
            fail(a->ctl_fd, &err, 127);
        }
    /* SECURITY: nothing but 0-2 crosses exec; the ctl socket stays until exec succeeds so a
     * failure can still be reported. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        sbx__error_errno(&err, SBX_STAGE_EXEC, "marking fds close-on-exec");
        fail(a->ctl_fd, &err, 127);
    }
    if (apply_security(a, &err) < 0)
        fail(a->ctl_fd, &err, 127);
    sbx__send_stage(a->ctl_fd, SBX_ST_EXEC);
    sbx__flush_stages(a->ctl_fd);
    execve(l->argv[0], l->argv, l->envp);
    sbx__error(&err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, errno, "executing '%s' in the sandbox",
               l->argv[0]);
    fail(a->ctl_fd, &err, 127);
}

static int program_entry(void *arg)
{
    program_main(arg);
}

/* The program's stack until it execs: program_main, Landlock's rules, seccomp and an error
 * message need a few KiB; only the pages touched are ever allocated. */
#define PROGRAM_STACK_BYTES (256u * 1024)

/*
 * Start the program's process the way posix_spawn does: clone with CLONE_VM|CLONE_VFORK on a
 * stack of its own, so init's address space is neither copied (page tables, then a
 * copy-on-write fault for each page either side touches) nor torn down again at the exec;
 * init sleeps until the child has exec'd or exited. Until then the child shares init's memory
 * and runs only program_main, our own code: the program itself only ever runs after execve,
 * in a fresh address space. What the child changes stays its own: signal dispositions (no
 * CLONE_SIGHAND), mask, rlimits, fds (no CLONE_FILES), Landlock and seccomp (per task); the
 * stage queue it fills is always flushed before it execs or exits.
 */
static pid_t spawn_program(const struct sbx__init_args *a)
{
    /* A guard page below: an overflow faults instead of writing over init's memory. */
    size_t guard = (size_t)sysconf(_SC_PAGESIZE), size = guard + PROGRAM_STACK_BYTES;
    char *stack =
        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    pid_t pid = -1;
    if (mprotect(stack, guard, PROT_NONE) == 0)
        pid = clone(program_entry, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD,
                    (void *)(uintptr_t)a);
    int e = errno;
    munmap(stack, size); /* the child has exec'd or exited */
    errno = e;
    return pid;
}

/*
 * Wait until the program (pid `child`) exits, reaping every other process on the way.
 * SIGTERM (sent by the supervisor at a limit, or by the program itself, which only ends its
 * own run) kills every process of the namespace.
 */
/*
 * CPU time of every process of the namespace, in microseconds: the reaped ones from init's
 * rusage, the live ones (with the children they reaped) from /proc/PID/stat, on clock ticks.
 * Used only without a cgroup, where nothing else sees the run's total.
 */
static uint64_t namespace_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    uint64_t us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
                  (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    long hz = sysconf(_SC_CLK_TCK);
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && hz > 0 && (de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9' || !strcmp(de->d_name, "1"))
            continue;
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
        unsigned long long f[5] = {0};
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
                        &f[0], &f[1], &f[2], &f[3]) == 4)
            us += (f[0] + f[1] + f[2] + f[3]) * 1000000u / (uint64_t)hz;
    }
    if (d)
        closedir(d);
    return us;
}

/* Without a cgroup, a tick that ends the run at limit + grace of CPU time (RLIMIT_CPU only
 * sees one process, in whole seconds). Returns a timerfd or -1. */
static int fallback_cpu_timer(const struct sbx__init_args *a, uint64_t *ret_kill_us)
{
    double lim = a->launch->policy->cpu_time_limit_s;
    if (!a->rlimit_fallback || lim <= 0)
        return -1;
    *ret_kill_us = (uint64_t)((lim + sbx__cpu_grace_s(lim)) * 1e6);
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec its = {.it_value = {0, 10000000}, .it_interval = {0, 10000000}};
    if (t >= 0 && timerfd_settime(t, 0, &its, NULL) < 0) {
        close(t);
        t = -1;
    }
    return t;
}

static int wait_program(const struct sbx__init_args *a, int sfd, pid_t child)
{
    uint64_t kill_us = 0;
    int status = 0x7f00; /* exit 127 if the program were lost, which cannot happen */
    int tfd = fallback_cpu_timer(a, &kill_us);
    struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
    for (;;) {
        if (poll(pf, tfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        uint64_t ticks;
        if (tfd >= 0 && (pf[1].revents & POLLIN) && read(tfd, &ticks, sizeof(ticks)) > 0 &&
            namespace_cpu_us() >= kill_us)
            kill(-1, SIGKILL);
        struct signalfd_siginfo si;
        ssize_t n = (pf[0].revents & POLLIN) ? read(sfd, &si, sizeof(si)) : 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == (ssize_t)sizeof(si) && si.ssi_signo == SIGTERM)
            kill(-1, SIGKILL);
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
            if (w == child) {
                status = st;
                goto done;
            }
        if (w < 0 && errno == ECHILD)
            break; /* cannot happen: the program is our child */
    }
done:
    if (tfd >= 0)
        close(tfd);
    return status;
}

/*
 * The program has ended: kill and reap whatever it left (daemons, orphans) before init exits.
 * Reaping them here, rather than letting the kernel do it when pid 1 exits, is what puts their
 * CPU time into init's rusage: the kernel's own teardown reaps with SIGCHLD ignored, which
 * discards the children's usage.
 */
static void end_everything(void)
{
    for (;;) {
        kill(-1, SIGKILL);
        int st;
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0 && errno == ECHILD)
            return;
    }
}

/*
 * --keep: copy the workspace (a tmpfs that dies with the sandbox) into the host directory.
 * Runs in init after every process of the program is dead, as the sandbox's uid, never
 * following a link: symlinks are copied as symlinks, anything but files, dirs and links is
 * skipped. Takes ownership of both fds.
 */
struct copy_budget {
    unsigned entries;
};

static void copy_file(int src_dir, int dst_dir, const char *name, mode_t mode)
{
    int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out =
        openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (sbx__write_all(out, buf, (size_t)n) < 0)
            break;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
}

static void copy_tree(int src, int dst, int depth, struct copy_budget *b)
{
    DIR *d = fdopendir(src);
    if (!d) {
        close(src);
        close(dst);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) && b->entries > 0) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        b->entries--;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            copy_file(dirfd(d), dst, de->d_name, st.st_mode);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
            if (n >= 0) {
                target[n] = '\0';
                (void)!symlinkat(target, dst, de->d_name);
            }
        } else if (S_ISDIR(st.st_mode) && depth < 64 && mkdirat(dst, de->d_name, 0700) == 0) {
            int s2 = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int d2 = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s2 >= 0 && d2 >= 0)
                copy_tree(s2, d2, depth + 1, b);
            else {
                if (s2 >= 0)
                    close(s2);
                if (d2 >= 0)
                    close(d2);
            }
            (void)!fchmodat(dst, de->d_name, st.st_mode & 0777, 0);
        }
    }
    closedir(d);
    close(dst);
}

/* Files that reached max_file_size, reported as file_size events (bounded walk). */
struct scan {
    int ctl;
    uint64_t limit;
    unsigned entries, reported;
};

/* `name` is opened relative to `at`; `path` is its full path inside, for the event. */
static void scan_big_files(struct scan *sc, int at, const char *name, const char *path, int depth)
{
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) && sc->entries++ < 20000 && sc->reported < 8) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        char full[512];
        snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (S_ISDIR(st.st_mode) && depth < 16) {
            scan_big_files(sc, dirfd(d), de->d_name, full, depth + 1);
        } else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size >= sc->limit) {
            struct sbx__msg m = {.type = SBX_MSG_EVENT, .pid = getpid()};
            snprintf(m.error.message, sizeof(m.error.message),
                     "file_size\t%.400s reached max_file_size (%llu bytes)", full,
                     (unsigned long long)sc->limit);
            sbx__send_msg(sc->ctl, &m);
            sc->reported++;
        }
    }
    closedir(d);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/*
 * SECURITY: init is a copy of the caller, holding every fd the caller had open without
 * close-on-exec (its terminal, its files, its sockets). Keep only what the run needs (all >= 3,
 * see spawn.c) and point 0-2 at /dev/null, before anything else.
 */
static int keep_only_needed_fds(const struct sbx__init_args *a)
{
    int keep[6 + SBX_CG__N] = {a->ctl_fd,   a->sync_fd,  a->stdio[0],
                               a->stdio[1], a->stdio[2], a->launch->program_fd};
    size_t n = 6;
    for (int i = 0; i < SBX_CG__N; i++)
        if (a->tasks_fd[i] >= 0)
            keep[n++] = a->tasks_fd[i];
    qsort(keep, n, sizeof(keep[0]), cmp_int);
    unsigned lo = 3;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) < 0)
            return -errno;
        lo = (unsigned)keep[i] + 1;
    }
    if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
        return -errno;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return -errno;
    for (int fd = 0; fd < 3; fd++)
        if (dup2(null, fd) < 0)
            return -errno;
    close(null);
    return 0;
}

/* cgroup v1: move ourselves (single-threaded) into the run's cgroups; see spawn.c. */
static int join_cgroups(const struct sbx__init_args *a, struct sbx_error *err)
{
    int joined = 0;
    for (int i = 0; i < SBX_CG__N; i++) {
        if (a->tasks_fd[i] < 0)
            continue;
        ssize_t n = write(a->tasks_fd[i], "0", 1);
        int e = errno;
        close(a->tasks_fd[i]);
        if (n != 1)
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, e,
                              "moving into the run's cgroup");
        joined = 1;
    }
    if (joined)
        sbx__send_stage(a->ctl_fd, SBX_ST_CG_JOINED);
    return 0;
}

static int parent_gone(int ctl)
{
    struct pollfd p = {.fd = ctl, .events = 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

/* The root, the hostname, a new session, every privilege dropped (see the file comment). */
static int build_sandbox(const struct sbx__init_args *a, struct sbx_error *err)
{
    const struct sbx__launch *l = a->launch;
    int r;
    if ((r = sbx__mounts_prepare(l, &plan, err)) < 0 ||
        (r = sbx__become_sandbox_ids(a->privileged, err)) < 0 ||
        (r = sbx__mounts_finish(l, &plan, err)) < 0)
        return r;
    if (sethostname(SBX_HOSTNAME, strlen(SBX_HOSTNAME)) < 0 || setdomainname("", 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "setting the hostname");
    /* A new session: no controlling terminal, so TIOCSTI and job control signals to the
     * user's terminal are impossible. */
    if (setsid() < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "setsid");
    sbx__send_stage(a->ctl_fd, SBX_ST_ROOT_BUILT);
    if ((r = sbx__drop_capabilities(err)) < 0)
        return r;
    /* SECURITY: init keeps a copy of the caller's memory (its environment, maybe secrets) and
     * runs as the program's uid: not dumpable, so the program can neither ptrace it nor read
     * /proc/1/mem, environ or fd. (Unprivileged, the uid did not change, so the kernel would
     * have left it dumpable.) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "PR_SET_DUMPABLE");
    return 0;
}

/* Every process of the program is gone: copy /work out (--keep), report big files. */
static void after_program(const struct sbx__init_args *a)
{
    const struct sbx_policy *p = a->launch->policy;
    if (plan.keep_fd >= 0) {
        struct copy_budget b = {.entries = 100000};
        int src = open(SBX_WORK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src >= 0)
            copy_tree(src, plan.keep_fd, 0, &b);
    }
    if (p->max_file_size_bytes) {
        struct scan sc = {.ctl = a->ctl_fd, .limit = p->max_file_size_bytes};
        scan_big_files(&sc, AT_FDCWD, SBX_WORK_DIR, SBX_WORK_DIR, 0);
        scan_big_files(&sc, AT_FDCWD, "/tmp", "/tmp", 0);
    }
}

/*
 * SECURITY: init is a copy of the supervisor, so /proc/1/cmdline (readable by anyone who can
 * see pid 1: the program) would show the caller's command line: host paths, flags, --env
 * values. Overwrite the argv area in place (arg_start..arg_end, fields 48-49 of
 * /proc/self/stat). A non-NUL last byte tells the kernel the title was rewritten, so it shows
 * the text up to the first NUL.
 */
static void hide_command_line(void)
{
    static const char title[] = "rusty-sandbox-init";
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char *f = strrchr(buf, ')'); /* comm may hold spaces and ')' */
    unsigned long start = 0, end = 0;
    for (int field = 2; f && field < 49; field++) {
        f = strchr(f + 1, ' ');
        if (f && field + 1 == 48)
            start = strtoul(f + 1, NULL, 10);
        if (f && field + 1 == 49)
            end = strtoul(f + 1, NULL, 10);
    }
    if (!start || end <= start || end - start > (1ul << 21))
        return;
    char *area = (char *)start;
    memset(area, 0, end - start);
    if (end - start > sizeof(title)) {
        memcpy(area, title, sizeof(title));
        area[end - start - 1] = ' ';
    }
}

void sbx__init_main(const struct sbx__init_args *a)
{
    const struct sbx__launch *l = a->launch;
    struct sbx_error err = {0};
    int ctl = a->ctl_fd;

    /* SECURITY: if the supervisor dies, so does the sandbox. Set before waiting on sync_fd, so
     * a parent that dies before writing the maps is seen as EOF there. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (keep_only_needed_fds(a) < 0) {
        sbx__error_errno(&err, SBX_STAGE_SPAWN, "closing inherited file descriptors");
        fail(ctl, &err, 1);
    }
    sbx__send_stage(ctl, SBX_ST_INIT_START);
    if (join_cgroups(a, &err) < 0)
        fail(ctl, &err, 1);
    char go;
    if (read(a->sync_fd, &go, 1) != 1)
        _exit(1);
    close(a->sync_fd);
    sbx__send_stage(ctl, SBX_ST_IDS_MAPPED);

    if (build_sandbox(a, &err) < 0)
        fail(ctl, &err, 1);
    /* The uid change cleared the parent-death signal: set it again, then check the parent did
     * not die in between. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent_gone(ctl))
        _exit(1);
    sbx__send_stage(ctl, SBX_ST_PRIVS_DROPPED);

    /* SIGCHLD and SIGTERM are taken through a signalfd, blocked before the fork so none is
     * lost; the program's copy unblocks everything before exec. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) {
        sbx__error_errno(&err, SBX_STAGE_EXEC, "signalfd");
        fail(ctl, &err, 1);
    }
    /* Late: the launch's strings (the program's name) may live in the caller's argv. */
    hide_command_line();
    sbx__flush_stages(ctl); /* the program's copy starts with none queued */
    pid_t child = spawn_program(a);
    if (child < 0) {
        sbx__error_errno(&err, SBX_STAGE_EXEC, "starting the program's process");
        fail(ctl, &err, 1);
    }
    for (int i = 0; i < 3; i++)
        close(a->stdio[i]);
    close(l->program_fd);
    int status = wait_program(a, sfd, child);
    end_everything();
    after_program(a);
    struct sbx__msg m = {.type = SBX_MSG_EXIT, .status = status, .pid = child};
    sbx__send_msg(ctl, &m);
    _exit(0);
}
