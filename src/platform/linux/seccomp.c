/*
 * The system call filter at run time: picking the precompiled programs (the rules and why they
 * are what they are: seccomp-build.c), loading them in the program's process, answering the
 * notifications in the supervisor, and passing the listener fd between the two.
 *
 * Trusts: the kernel. Reads from the sandbox only notifications (fixed-size) and
 * /proc/<pid>/status of a notifying thread, whose id is re-checked before it is believed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* ---- the precompiled programs ---- */

/* SECURITY: the kernel only reads a filter; sock_fprog's member is not const in its header. */
static struct sock_filter *unconst(const struct sock_filter *p)
{
    return (struct sock_filter *)(uintptr_t)p;
}

int sbx__seccomp_build(const struct sbx__seccomp_opts *o, struct sbx__seccomp_filter *ret,
                       struct sbx_error *err)
{
    const struct sbx__seccomp_precompiled *pc = &sbx__seccomp_precompiled[o->enable_network];
    if (!pc->allow_len || !pc->report_len)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, ENOENT,
                          "seccomp: no precompiled filter in this build");
    *ret = (struct sbx__seccomp_filter){
        .allow = {.len = pc->allow_len, .filter = unconst(pc->allow)},
        .report = {.len = pc->report_len, .filter = unconst(pc->report)},
        .owned = false,
    };
    return 0;
}

void sbx__seccomp_filter_done(struct sbx__seccomp_filter *f)
{
    if (!f)
        return;
    if (f->owned) {
        free(f->allow.filter);
        free(f->report.filter);
    }
    f->allow = f->report = (struct sock_fprog){0, NULL};
    f->owned = false;
}

/* ---- loading (between fork and exec: no allocation) ---- */

int sbx__seccomp_load(const struct sbx__seccomp_filter *f, int *ret_notify_fd,
                      struct sbx_error *err)
{
    if (!f->allow.filter || !f->report.filter)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, EINVAL,
                          "seccomp: no filter was built");
    /* The allowlist first: `report` and the calls that follow (sendmsg, close, execve) pass it. */
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->allow) < 0)
        return sbx__error_errno(err, SBX_STAGE_EXEC, "seccomp: loading the allowlist");
    /* SECURITY: the allowlist alone lets the dangerous calls through (`report` refuses them):
     * on failure below the caller must not exec, and init's program_main exits. The kernel
     * creates the listener close-on-exec. */
    long fd =
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &f->report);
    if (fd < 0)
        return sbx__error(err, errno == EINVAL ? SBX_ERR_HOST : SBX_ERR_INTERNAL, SBX_STAGE_EXEC,
                          errno,
                          "seccomp: loading the report filter (user notification needs "
                          "Linux 5.0 or newer)");
    *ret_notify_fd = (int)fd;
    return 0;
}

/* ---- the supervisor's side ---- */

/* The thread's id in the innermost pid namespace (the last NSpid field), or 0. */
static pid_t ns_pid_of(pid_t pid)
{
    char path[64], text[4096];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = sbx__read_full(fd, text, sizeof(text) - 1);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    const char *line = strstr(text, "\nNSpid:");
    if (!line)
        return 0;
    line += 7;
    long last = 0;
    char *end;
    for (;;) {
        long v = strtol(line, &end, 10);
        if (end == line)
            break;
        last = v;
        line = end;
    }
    return (pid_t)last;
}

/* The kernel's notification sizes may exceed the header's; the buffers below must cover them. */
union notif_buf {
    struct seccomp_notif n;
    char room[512];
};
union resp_buf {
    struct seccomp_notif_resp r;
    char room[128];
};

static int sizes_fit(void)
{
    static int fit = -1;
    if (fit < 0) {
        struct seccomp_notif_sizes s;
        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) < 0)
            return -errno;
        fit = s.seccomp_notif <= sizeof(union notif_buf) &&
              s.seccomp_notif_resp <= sizeof(union resp_buf);
    }
    return fit ? 0 : -EOVERFLOW;
}

int sbx__seccomp_handle_notification(int notify_fd, struct sbx__seccomp_event *ret)
{
    return sbx__seccomp_handle_notification_ex(notify_fd, true, ret);
}

int sbx__seccomp_handle_notification_ex(int notify_fd, bool answer, struct sbx__seccomp_event *ret)
{
    struct pollfd p = {.fd = notify_fd, .events = POLLIN};
    if (poll(&p, 1, 0) < 0)
        return errno == EINTR ? 0 : -errno;
    if (!(p.revents & POLLIN))
        return p.revents & (POLLHUP | POLLERR | POLLNVAL) ? -EPIPE : 0;
    int r = sizes_fit();
    if (r < 0)
        return r;
    union notif_buf req;
    memset(&req, 0, sizeof(req)); /* the kernel refuses a buffer that is not zeroed */
    if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return errno == ENOENT || errno == EINTR ? 0 : -errno; /* ENOENT: the caller died */
    struct sbx__seccomp_event e = {
        .arch = req.n.data.arch, .nr = req.n.data.nr, .pid = (pid_t)req.n.pid};
    memcpy(e.args, req.n.data.args, sizeof(e.args));
    sbx__seccomp_syscall_name(e.arch, e.nr, e.name, sizeof(e.name));
    e.ns_pid = ns_pid_of(e.pid);
    /* SECURITY: the pid may have been reused once the call was interrupted; believe what was
     * read about it only if the notification is still pending. */
    uint64_t id = req.n.id;
    if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
        e.pid = e.ns_pid = 0;
    } else if (answer) {
        /* SECURITY: always an error, never SECCOMP_USER_NOTIF_FLAG_CONTINUE. */
        union resp_buf resp;
        memset(&resp, 0, sizeof(resp));
        resp.r.id = req.n.id;
        resp.r.error = -EPERM;
        if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
            return -errno;
    }
    *ret = e;
    return 1;
}

void sbx__seccomp_event_format(const struct sbx__seccomp_event *e, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", e->name,
                     (unsigned long long)e->args[0], (unsigned long long)e->args[1],
                     (unsigned long long)e->args[2], (unsigned long long)e->args[3],
                     (unsigned long long)e->args[4], (unsigned long long)e->args[5]);
    if (n < 0 || (size_t)n >= len)
        return;
    if (e->ns_pid)
        snprintf(buf + n, len - (size_t)n, " pid %d", (int)e->ns_pid);
    else if (!e->pid)
        snprintf(buf + n, len - (size_t)n, " (caller gone)");
}

/* ---- passing the listener to the supervisor ---- */

int sbx__send_fd(int sock, const void *buf, size_t len, int fd)
{
    union {
        struct cmsghdr h;
        char room[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.room,
                       .msg_controllen = sizeof(ctl.room)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    while ((n = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* Close every fd a control message carried; keep the first SCM_RIGHTS one in *kept if asked. */
static void take_fds(struct msghdr *m, int *kept)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (kept && *kept < 0)
                *kept = fd;
            else
                close(fd);
        }
    }
}

ssize_t sbx__recv_fd(int sock, void *buf, size_t len, int flags, int *ret_fd)
{
    union {
        struct cmsghdr h;
        char room[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.room,
                       .msg_controllen = sizeof(ctl.room)};
    *ret_fd = -1;
    ssize_t n = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;
    /* SECURITY: a truncated control message may hold a partial fd list: keep none of it. */
    take_fds(&m, m.msg_flags & MSG_CTRUNC ? NULL : ret_fd);
    return n;
}
