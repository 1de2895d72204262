/*
 * Unit tests for src/platform/linux/seccomp.c and seccomp-build.c: both filters compile (with
 * and without network), the exported BPF is non-empty and within the kernel's limit, the
 * programs precompiled into libsbx are exactly what libseccomp compiles now (a libseccomp
 * upgraded without a rebuild shows here), syscall names resolve for the
 * native and foreign ABIs, fds pass over a unix socket close-on-exec, and, end to end in a
 * forked child, a loaded filter: allows ordinary calls, answers ENOSYS for clone3 and for
 * numbers past the review, EPERM for the reviewed ones it leaves out, and turns every
 * dangerous call into a notification that this process, acting as the supervisor, answers
 * with EPERM. The child is forked because a filter cannot be removed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/linux/seccomp.h"

static struct sbx__seccomp_filter built(bool network, bool now)
{
    struct sbx__seccomp_opts o = {.enable_network = network};
    struct sbx__seccomp_filter f;
    struct sbx_error err = {0};
    int r = now ? sbx__seccomp_compile(&o, &f, &err) : sbx__seccomp_build(&o, &f, &err);
    cr_assert_eq(r, 0, "%s: %d %s", now ? "compile" : "build", r, err.message);
    cr_assert_eq(f.owned, now);
    return f;
}

static void expect_same(const struct sock_fprog *a, const struct sock_fprog *b, const char *what)
{
    cr_assert_eq(a->len, b->len, "%s: %u vs %u instructions", what, a->len, b->len);
    cr_assert_eq(memcmp(a->filter, b->filter, a->len * sizeof(*a->filter)), 0, "%s differs", what);
}

Test(seccomp, precompiled_equals_compiled)
{
    for (int net = 0; net < 2; net++) {
        struct sbx__seccomp_filter pre = built(net, false), now = built(net, true);
        expect_same(&pre.allow, &now.allow, "allowlist");
        expect_same(&pre.report, &now.report, "report filter");
        sbx__seccomp_filter_done(&now);
        sbx__seccomp_filter_done(&pre); /* not owned: nothing freed */
    }
    struct sbx__seccomp_filter off = built(false, false), on = built(true, false);
    cr_assert_neq(off.report.filter, on.report.filter, "the network changes the socket rules");
}

Test(seccomp, compile_exports_two_programs)
{
    for (int net = 0; net < 2; net++) {
        struct sbx__seccomp_filter f = built(net, true);
        cr_assert_not_null(f.allow.filter);
        cr_assert_not_null(f.report.filter);
        cr_assert_gt(f.allow.len, 10, "allowlist: %u instructions", f.allow.len);
        cr_assert_gt(f.report.len, 10, "report: %u instructions", f.report.len);
        cr_assert_leq(f.allow.len, BPF_MAXINSNS);
        cr_assert_leq(f.report.len, BPF_MAXINSNS);
        sbx__seccomp_filter_done(&f);
        cr_assert_null(f.allow.filter);
        sbx__seccomp_filter_done(&f); /* twice is fine */
    }
    sbx__seccomp_filter_done(NULL);
}

static void expect_name(uint32_t arch, int nr, const char *want)
{
    char buf[48];
    sbx__seccomp_syscall_name(arch, nr, buf, sizeof(buf));
    cr_assert_str_eq(buf, want, "arch %#x nr %d", arch, nr);
}

Test(seccomp, syscall_names)
{
#if defined(__x86_64__)
    expect_name(AUDIT_ARCH_X86_64, SYS_ptrace, "ptrace");
    expect_name(AUDIT_ARCH_X86_64, SYS_io_uring_setup, "io_uring_setup");
    expect_name(AUDIT_ARCH_X86_64, 0x40000000 | SYS_getpid, "x32:getpid");
    expect_name(AUDIT_ARCH_I386, 20, "i386:getpid");
    expect_name(AUDIT_ARCH_X86_64, 467, "open_tree_attr"); /* newer than libseccomp 2.5 */
    expect_name(AUDIT_ARCH_X86_64, 9999, "syscall-9999");
#else
    cr_skip_test("names are checked on x86_64");
#endif
}

Test(seccomp, reported_list_and_event_format)
{
    const char *const *list = sbx__seccomp_reported();
    int have_bpf = 0, have_ptrace = 0, have_mount = 0;
    for (; *list; list++) {
        have_bpf |= !strcmp(*list, "bpf");
        have_ptrace |= !strcmp(*list, "ptrace");
        have_mount |= !strcmp(*list, "mount");
    }
    cr_assert(have_bpf && have_ptrace && have_mount);
    struct sbx__seccomp_event e = {
        .name = "bpf", .args = {0xffffffffffffffffULL, 0, 3}, .pid = 1234, .ns_pid = 2};
    char buf[160];
    sbx__seccomp_event_format(&e, buf, sizeof(buf));
    cr_assert_str_eq(buf, "bpf(0xffffffffffffffff, 0, 0x3, 0, 0, 0) pid 2");
    e.pid = e.ns_pid = 0;
    sbx__seccomp_event_format(&e, buf, sizeof(buf));
    cr_assert(strstr(buf, "(caller gone)"), "%s", buf);
}

Test(seccomp, fd_passing_is_cloexec)
{
    int sv[2], p[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    cr_assert_eq(sbx__send_fd(sv[0], "hello", 5, p[1]), 0);
    char buf[16];
    int fd = -1;
    cr_assert_eq(sbx__recv_fd(sv[1], buf, sizeof(buf), 0, &fd), 5);
    cr_assert_geq(fd, 0);
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    cr_assert_eq(write(fd, "x", 1), 1); /* the same pipe */
    cr_assert_eq(read(p[0], buf, 1), 1);
    /* A plain message carries no fd. */
    cr_assert_eq(send(sv[0], "abc", 3, 0), 3);
    cr_assert_eq(sbx__recv_fd(sv[1], buf, sizeof(buf), 0, &fd), 3);
    cr_assert_eq(fd, -1);
}

/* ---- end to end in a child ---- */

enum { R_GETPID, R_BPF, R_CLONE3, R_SYSLOG, R_NEW, R_TIOCSTI, R_INET, R_UNIX, R_X32, R_N };

static long call(long nr, long a, long b, long c)
{
    errno = 0;
    long r = syscall(nr, a, b, c);
    return r < 0 ? -errno : r;
}

static _Noreturn void child(int sock, const struct sbx__seccomp_filter *f)
{
    struct sbx_error err = {0};
    int nfd = -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbx__seccomp_load(f, &nfd, &err) < 0)
        _exit(10);
    if (sbx__send_fd(sock, "n", 1, nfd) < 0)
        _exit(11);
    close(nfd);
    long res[R_N];
    res[R_GETPID] = call(SYS_getpid, 0, 0, 0);
    res[R_BPF] = call(SYS_bpf, -1, 0, 0);
    res[R_CLONE3] = call(SYS_clone3, 0, 0, 0);
    res[R_SYSLOG] = call(SYS_syslog, 10, 0, 0);
    res[R_NEW] = call(470, 0, 0, 0);
    res[R_TIOCSTI] = call(SYS_ioctl, 0, (long)((1UL << 32) | TIOCSTI), 0);
    res[R_INET] = call(SYS_socket, AF_INET, SOCK_STREAM, 0);
    res[R_UNIX] = call(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    res[R_X32] = call(0x40000000 | SYS_getpid, 0, 0, 0);
    _exit(send(sock, res, sizeof(res), 0) == (ssize_t)sizeof(res) ? 0 : 12);
}

struct seen {
    char names[16][48];
    int n;
    pid_t ns_pid;
};

/* Be the supervisor until the child has sent its results. */
static void supervise(int sock, long *res, struct seen *seen)
{
    char one;
    int nfd = -1;
    cr_assert_eq(sbx__recv_fd(sock, &one, 1, 0, &nfd), 1, "the child sent no listener");
    cr_assert_geq(nfd, 0);
    for (;;) {
        struct pollfd p[2] = {{.fd = nfd, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
        cr_assert_geq(poll(p, 2, 10000), 1, "timed out");
        if (p[0].revents) {
            struct sbx__seccomp_event e;
            int r = sbx__seccomp_handle_notification(nfd, &e);
            cr_assert(r >= 0 || r == -EPIPE, "handle: %d", r);
            if (r == 1 && seen->n < 16) {
                snprintf(seen->names[seen->n++], 48, "%s", e.name);
                seen->ns_pid = e.ns_pid;
            }
        }
        if (p[1].revents & POLLIN) {
            cr_assert_eq(recv(sock, res, sizeof(long) * R_N, 0), (ssize_t)(sizeof(long) * R_N));
            break;
        }
    }
    close(nfd);
}

static int saw(const struct seen *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->names[i], name))
            return 1;
    return 0;
}

Test(seccomp, loaded_filter_refuses_and_reports)
{
    struct sbx__seccomp_filter f = built(false, false);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(sv[0]);
        child(sv[1], &f);
    }
    close(sv[1]);
    long res[R_N];
    struct seen seen = {.n = 0};
    supervise(sv[0], res, &seen);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);

    cr_assert_eq(res[R_GETPID], pid);
    cr_assert_eq(res[R_BPF], -EPERM);
    cr_assert_eq(res[R_CLONE3], -ENOSYS);
    cr_assert_eq(res[R_SYSLOG], -EPERM);
    cr_assert_eq(res[R_NEW], -ENOSYS);
    cr_assert_eq(res[R_TIOCSTI], -EPERM, "TIOCSTI with junk in the upper half: %ld",
                 res[R_TIOCSTI]);
    cr_assert_eq(res[R_INET], -EPERM);
    cr_assert_geq(res[R_UNIX], 0);
    cr_assert_eq(res[R_X32], -EPERM);
    /* Reported: the dangerous ones, not the silent EPERM/ENOSYS ones. */
    cr_assert(saw(&seen, "bpf") && saw(&seen, "ioctl") && saw(&seen, "socket"), "%d events",
              seen.n);
    cr_assert(saw(&seen, "x32:getpid"));
    cr_assert(!saw(&seen, "syslog") && !saw(&seen, "clone3"));
    cr_assert_eq(seen.n, 4, "exactly the four dangerous calls: %d", seen.n);
    cr_assert_eq(seen.ns_pid, pid, "the caller's pid in our namespace");
    sbx__seccomp_filter_done(&f);
}

Test(seccomp, load_without_filter_fails_cleanly)
{
    struct sbx__seccomp_filter f = {.owned = false};
    struct sbx_error err = {0};
    int fd = -1;
    cr_assert_eq(sbx__seccomp_load(&f, &fd, &err), -EINVAL);
    cr_assert_eq(fd, -1);
    cr_assert(strstr(err.message, "seccomp"), "%s", err.message);
}
