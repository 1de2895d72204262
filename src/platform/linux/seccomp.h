/*
 * The sandbox's system call filter (seccomp-bpf), built with libseccomp by the supervisor and
 * loaded by the program's process just before exec.
 *
 * The rules are compiled with libseccomp when libsbx is built (seccomp-build.c, run by
 * sbx-seccomp-gen): at about 3 ms, compiling them per run would cost twice the per-run budget.
 *
 * Lifecycle of one run:
 *   supervisor, before clone:  sbx__seccomp_build()  -> the two precompiled BPF programs
 *   program, after fork, after no_new_privs, before exec:
 *                              sbx__seccomp_load()   -> the listener fd, sent to the supervisor
 *                                                       with sbx__send_fd() and closed
 *   supervisor, after clone:   sbx__seccomp_filter_done() (its copy is no longer needed)
 *   supervisor, in its loop:   sbx__seccomp_handle_notification() each time the listener fd is
 *                              readable; every notification is answered with EPERM
 *
 * sbx__seccomp_load() and sbx__send_fd() neither allocate nor touch libseccomp, so they are
 * safe between clone and exec; everything else is supervisor-side only.
 */
#ifndef SBX_PLATFORM_LINUX_SECCOMP_H
#define SBX_PLATFORM_LINUX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "util/macros.h"

struct sbx__seccomp_opts {
    bool enable_network; /* AF_INET and AF_INET6 stream/datagram sockets are allowed */
};

/*
 * Two filters, loaded together (seccomp stacks them and the strictest answer wins):
 *   allow   the allowlist: ALLOW, ERRNO(EPERM) for the reviewed syscalls it leaves out,
 *           ERRNO(ENOSYS) for the ones newer than the review (and for clone3);
 *   report  the listener: USER_NOTIF for the dangerous calls (the supervisor answers EPERM and
 *           records an event), ALLOW for everything else.
 * Release with sbx__seccomp_filter_done() (which frees the programs only if `owned`).
 */
struct sbx__seccomp_filter {
    struct sock_fprog allow;
    struct sock_fprog report;
    bool owned; /* the programs were malloc'd by sbx__seccomp_compile() */
};

/* Both filters for `o`, precompiled into libsbx for the native architecture (nothing is
 * allocated). 0 or a negative errno (err set). */
SBX_INTERNAL int sbx__seccomp_build(const struct sbx__seccomp_opts *o,
                                    struct sbx__seccomp_filter *ret, struct sbx_error *err);

/* The same two filters compiled now with libseccomp (slow: milliseconds; the generator and the
 * tests use it). 0 or a negative errno (err set). */
SBX_INTERNAL int sbx__seccomp_compile(const struct sbx__seccomp_opts *o,
                                      struct sbx__seccomp_filter *ret, struct sbx_error *err);

/* The programs sbx-seccomp-gen wrote into seccomp-bpf.c, indexed by enable_network. */
struct sbx__seccomp_precompiled {
    const struct sock_filter *allow, *report;
    unsigned short allow_len, report_len;
};
SBX_INTERNAL extern const struct sbx__seccomp_precompiled sbx__seccomp_precompiled[2];

/* Release a filter; accepts NULL, a zeroed or an already released filter. */
SBX_INTERNAL void sbx__seccomp_filter_done(struct sbx__seccomp_filter *f);

/*
 * Install both filters in the calling process (which must have no_new_privs set) and return the
 * listener fd (close-on-exec) in *ret_notify_fd. No allocation, no libseccomp: safe between
 * clone and exec. 0 or a negative errno (err set); after a failure the process may hold the
 * allowlist without the report filter, so it must exit rather than exec.
 */
SBX_INTERNAL int sbx__seccomp_load(const struct sbx__seccomp_filter *f, int *ret_notify_fd,
                                   struct sbx_error *err);

/* One refused call, as the supervisor saw it. */
struct sbx__seccomp_event {
    char name[48]; /* "ptrace", "x32:getpid", "i386:getpid", or "syscall-<nr>" */
    uint32_t arch; /* AUDIT_ARCH_* of the call */
    int32_t nr;
    uint64_t args[6];
    pid_t pid;    /* thread id in the supervisor's pid namespace; 0 if it was gone */
    pid_t ns_pid; /* the same thread inside the sandbox's pid namespace; 0 if unknown */
};

/*
 * Receive one notification from `notify_fd`, answer it with EPERM and describe it in *ret.
 * Returns 1 when *ret was filled, 0 when there was nothing to report (the caller was killed
 * before it could be received), -EPIPE when no process can use the filter any more (the caller
 * should stop watching and close the fd), another negative errno on failure.
 */
SBX_INTERNAL int sbx__seccomp_handle_notification(int notify_fd, struct sbx__seccomp_event *ret);
/* The same; with answer false the call is left unanswered, its thread blocked in the kernel
 * until the run is killed (on_violation kill: the refused call never returns to the program). */
SBX_INTERNAL int sbx__seccomp_handle_notification_ex(int notify_fd, bool answer,
                                                     struct sbx__seccomp_event *ret);

/* "ptrace(0x10, 0x1, 0x0, 0x0, 0x0, 0x0) pid 2": the detail of a blocked_syscall event. */
SBX_INTERNAL void sbx__seccomp_event_format(const struct sbx__seccomp_event *e, char *buf,
                                            size_t len);

/* The name of syscall `nr` of `arch` (AUDIT_ARCH_*) into buf, prefixed "x32:" or "i386:" for
 * the foreign ABIs, "syscall-<nr>" when unknown. Supervisor side (libseccomp allocates). */
SBX_INTERNAL void sbx__seccomp_syscall_name(uint32_t arch, int nr, char *buf, size_t len);

/* NULL-terminated list of the syscalls the report filter refuses whatever their arguments. */
SBX_INTERNAL const char *const *sbx__seccomp_reported(void);

/* What the enforcement map says of a loaded filter. */
#define SBX_SECCOMP_DESCRIPTION "allowlist+notify"

/*
 * Passing one fd over a unix socket (SCM_RIGHTS) together with a payload of `len` bytes, so a
 * SOCK_SEQPACKET peer receives both as one message. sbx__send_fd() does not allocate.
 * sbx__recv_fd() returns the payload's length (or -errno); the fd, if one came, is close-on-exec
 * in *ret_fd (else -1); any extra fds or a truncated control message are closed and ignored.
 */
SBX_INTERNAL int sbx__send_fd(int sock, const void *buf, size_t len, int fd);
SBX_INTERNAL ssize_t sbx__recv_fd(int sock, void *buf, size_t len, int flags, int *ret_fd);

#endif
