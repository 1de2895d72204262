/*
 * sbx-probe: call each system call the sandbox must refuse, with arguments the kernel would
 * reject, and print one JSON line per call so a test can tell "refused by the filter" from
 * "reached the kernel" (in the spirit of bubblewrap's tests):
 *
 *   {"syscall":"bpf","result":"eperm","errno":1}
 *
 * result is "eperm" (-1/EPERM: the filter, or the kernel refusing for want of privilege),
 * "enosys" (-1/ENOSYS: the filter's answer for clone3 and unknown numbers, or a kernel without
 * the call) or "reached-kernel" (anything else: EBADF, EFAULT, EINVAL... or success, with errno
 * 0). The arguments are chosen so that no call can do anything even where nothing filters it
 * (run as root on a host): NULL pointers, fd -1, invalid flags, signal 0.
 *
 * It can stand in for an interpreter (--interpreter): it ignores its arguments, and answers
 * --version like one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define HIGH_BITS (1UL << 32) /* ignored by the kernel where it reads an int */
#define NR_OPEN_TREE_ATTR 467

static void report(const char *name, long r, int e)
{
    const char *what = "reached-kernel";
    if (r == -1 && e == EPERM)
        what = "eperm";
    else if (r == -1 && e == ENOSYS)
        what = "enosys";
    printf("{\"syscall\":\"%s\",\"result\":\"%s\",\"errno\":%d}\n", name, what, r == -1 ? e : 0);
}

/* syscall(2) with six arguments; closes what a socket call returns. */
static void probe(const char *name, long nr, long a, long b, long c, long d, long e, long f)
{
    errno = 0;
    long r = syscall(nr, a, b, c, d, e, f);
    int saved = errno;
    if (r >= 0 && (nr == SYS_socket))
        close((int)r);
    report(name, r, saved);
}

#define P(name, nr, ...) probe(name, nr, __VA_ARGS__)

/* getpid through the i386 entry point (int 0x80): arch AUDIT_ARCH_I386. */
static void probe_i386(void)
{
#if defined(__x86_64__)
    long r = 20; /* __NR_getpid on i386 */
    __asm__ volatile("int $0x80" : "+a"(r) : : "memory");
    report("i386:getpid", r < 0 && r > -4096 ? -1 : r, r < 0 && r > -4096 ? (int)-r : 0);
#endif
}

static void probe_tty(void)
{
    static const char *const names[][2] = {
        {"ioctl:TIOCSTI:0", "ioctl:TIOCLINUX:0"},
        {"ioctl:TIOCSTI:1", "ioctl:TIOCLINUX:1"},
        {"ioctl:TIOCSTI:2", "ioctl:TIOCLINUX:2"},
    };
    for (int fd = 0; fd < 3; fd++) {
        P(names[fd][0], SYS_ioctl, fd, TIOCSTI, 0, 0, 0, 0);
        P(names[fd][1], SYS_ioctl, fd, TIOCLINUX, 0, 0, 0, 0);
    }
    P("ioctl:TIOCSTI-high-bits:0", SYS_ioctl, 0, (long)(HIGH_BITS | TIOCSTI), 0, 0, 0, 0);
    P("ioctl:FIONREAD:0", SYS_ioctl, 0, FIONREAD, 0, 0, 0, 0); /* control */
}

static void probe_sockets(void)
{
    int sv[2];
    P("socket:AF_INET", SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socket:AF_INET-high-bits", SYS_socket, (long)(HIGH_BITS | AF_INET),
      SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socket:AF_INET6", SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socket:AF_PACKET", SYS_socket, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socket:SOCK_RAW", SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, 1, 0, 0, 0);
    P("socket:AF_NETLINK-audit", SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9, 0, 0, 0);
    /* controls: unix sockets, and route netlink (interface lists) */
    P("socket:AF_UNIX", SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socket:AF_NETLINK-route", SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0, 0, 0, 0);
    P("socketpair:AF_INET", SYS_socketpair, AF_INET, SOCK_STREAM, 0, (long)(uintptr_t)sv, 0, 0);
}

static void probe_mounts(void)
{
    P("mount", SYS_mount, 0, 0, 0, 0, 0, 0);
    P("umount2", SYS_umount2, 0, 0, 0, 0, 0, 0);
    P("move_mount", SYS_move_mount, -1, 0, -1, 0, 0, 0);
    P("open_tree", SYS_open_tree, -1, 0, 0, 0, 0, 0);
    P("open_tree_attr", NR_OPEN_TREE_ATTR, -1, 0, 0, 0, 0, 0);
    P("fsopen", SYS_fsopen, 0, 0, 0, 0, 0, 0);
    P("fsmount", SYS_fsmount, -1, 0, 0, 0, 0, 0);
    P("fsconfig", SYS_fsconfig, -1, -1, 0, 0, 0, 0);
    P("fspick", SYS_fspick, -1, 0, 0, 0, 0, 0);
    P("mount_setattr", SYS_mount_setattr, -1, 0, 0, 0, 0, 0);
    P("pivot_root", SYS_pivot_root, 0, 0, 0, 0, 0, 0);
    P("chroot", SYS_chroot, 0, 0, 0, 0, 0, 0);
}

static void probe_namespaces(void)
{
    /* CLONE_THREAD without CLONE_SIGHAND is EINVAL: no child is ever made. */
    long bad_clone = CLONE_NEWUSER | CLONE_THREAD;
    P("unshare", SYS_unshare, -1, 0, 0, 0, 0, 0);
    P("setns", SYS_setns, -1, 0, 0, 0, 0, 0);
    P("clone:CLONE_NEWUSER", SYS_clone, bad_clone, 0, 0, 0, 0, 0);
    P("clone:CLONE_NEWUSER-high-bits", SYS_clone, (long)(HIGH_BITS | (unsigned long)bad_clone), 0,
      0, 0, 0, 0);
    P("clone:CLONE_NEWNET", SYS_clone, CLONE_NEWNET | CLONE_THREAD, 0, 0, 0, 0, 0);
    P("clone3", SYS_clone3, 0, 0, 0, 0, 0, 0);
}

static void probe_kernel(void)
{
    P("ptrace", SYS_ptrace, 0x7fffffff, -1, 0, 0, 0, 0);
    P("process_vm_readv", SYS_process_vm_readv, -1, 0, 0, 0, 0, 0);
    P("process_vm_writev", SYS_process_vm_writev, -1, 0, 0, 0, 0, 0);
    P("bpf", SYS_bpf, -1, 0, 0, 0, 0, 0);
    P("io_uring_setup", SYS_io_uring_setup, 0, 0, 0, 0, 0, 0);
    P("io_uring_enter", SYS_io_uring_enter, -1, 0, 0, 0, 0, 0);
    P("io_uring_register", SYS_io_uring_register, -1, 0, 0, 0, 0, 0);
    P("keyctl", SYS_keyctl, -1, 0, 0, 0, 0, 0);
    P("add_key", SYS_add_key, 0, 0, 0, 0, 0, 0);
    P("request_key", SYS_request_key, 0, 0, 0, 0, 0, 0);
    P("perf_event_open", SYS_perf_event_open, 0, 0, -1, -1, 0, 0);
    P("userfaultfd", SYS_userfaultfd, -1, 0, 0, 0, 0, 0);
    P("kexec_load", SYS_kexec_load, 0, 0, 0, 0xffffffffL, 0, 0);
    P("kexec_file_load", SYS_kexec_file_load, -1, -1, 0, 0, 0xffffffffL, 0);
    P("init_module", SYS_init_module, 0, 0, 0, 0, 0, 0);
    P("finit_module", SYS_finit_module, -1, 0, 0, 0, 0, 0);
    P("delete_module", SYS_delete_module, 0, 0, 0, 0, 0, 0);
    P("open_by_handle_at", SYS_open_by_handle_at, -1, 0, 0, 0, 0, 0);
    P("name_to_handle_at", SYS_name_to_handle_at, -1, 0, 0, 0, 0, 0);
    P("swapon", SYS_swapon, 0, 0, 0, 0, 0, 0);
    P("swapoff", SYS_swapoff, 0, 0, 0, 0, 0, 0);
    P("reboot", SYS_reboot, 0, 0, 0, 0, 0, 0);
    P("kill:-1", SYS_kill, -1, 0, 0, 0, 0, 0); /* signal 0: only a permission check */
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--version")) {
        puts("sbx-probe 1");
        return 0;
    }
    P("getpid", SYS_getpid, 0, 0, 0, 0, 0, 0); /* control: always reaches the kernel */
    probe_kernel();
    probe_mounts();
    probe_namespaces();
    probe_tty();
    probe_sockets();
    P("x32:getpid", X32_SYSCALL_BIT | SYS_getpid, 0, 0, 0, 0, 0, 0);
    probe_i386();
    P("syslog", SYS_syslog, 10, 0, 0, 0, 0, 0); /* reviewed, not allowed: EPERM, silent */
    P("syscall-470", 470, 0, 0, 0, 0, 0, 0);    /* past the review: ENOSYS */
    P("syscall-1000", 1000, 0, 0, 0, 0, 0, 0);
    return 0;
}
