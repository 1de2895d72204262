/*
 * Creating the sandbox: one clone3() makes init in all its namespaces at once and hands back a
 * pidfd, so no pid is ever reused under us. The parent then writes init's id maps (only the
 * parent can map the sandbox's uid 1000 to the host uid it chose) and releases it.
 *
 * Joining a pre-made empty network namespace (DESIGN section 7) instead of CLONE_NEWNET needs
 * setns() with CAP_SYS_ADMIN over the namespace's owner, which a process born in a new user
 * namespace no longer has; that path will be: clone3 without NEWUSER/NEWNET, setns, then
 * unshare the rest. ns_flags() is where the choice is made.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/linux.h"
#include "util/fs.h"

static uint64_t ns_flags(void)
{
    return CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
           CLONE_NEWUTS | CLONE_NEWCGROUP;
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = sbx__write_all(fd, text, strlen(text));
    close(fd);
    return r;
}

static int write_id_maps(pid_t pid, const struct sbx__identity *id, struct sbx_error *err)
{
    char map[64];
    int r;
    /* An unprivileged writer must deny setgroups before it may write gid_map; root need not,
     * and keeps setgroups so init can clear its supplementary groups. */
    if (!id->privileged && (r = write_proc(pid, "setgroups", "deny")) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_USERNS, -r, "writing setgroups");
    snprintf(map, sizeof(map), "%d %u 1\n", SBX_INSIDE_GID, (unsigned)id->host_gid);
    if ((r = write_proc(pid, "gid_map", map)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_USERNS, -r, "writing gid_map");
    snprintf(map, sizeof(map), "%d %u 1\n", SBX_INSIDE_UID, (unsigned)id->host_uid);
    if ((r = write_proc(pid, "uid_map", map)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_USERNS, -r, "writing uid_map");
    return 0;
}

/* Move a pair of fds off 0-2 (the caller may have closed its stdio): init replaces 0-2. */
static int fds_high(int p[2])
{
    for (int i = 0; i < 2; i++) {
        if (p[i] > 2)
            continue;
        int fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            return -errno;
        close(p[i]);
        p[i] = fd;
    }
    return 0;
}

static int pipe_high(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    return fds_high(p);
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
    p[0] = p[1] = -1;
}

static int clone_error(int e, struct sbx_error *err)
{
    if (e == EPERM || e == ENOSPC || e == EUSERS)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, e,
                          "creating the sandbox's namespaces: user namespaces are disabled or "
                          "restricted on this host (check kernel.unprivileged_userns_clone, "
                          "user.max_user_namespaces and AppArmor's "
                          "kernel.apparmor_restrict_unprivileged_userns)");
    if (e == ENOSYS)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, e,
                          "clone3: this kernel is too old (Linux 5.12 or newer is needed)");
    return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, e, "clone3");
}

int sbx__linux_spawn(const struct sbx__launch *l, const struct sbx__identity *id,
                     struct sbx__sandbox **ret, struct sbx_error *err)
{
    int ctl[2] = {-1, -1}, sync[2] = {-1, -1}, in[2] = {-1, -1}, out[2] = {-1, -1},
        errp[2] = {-1, -1};
    struct sbx__sandbox *sb = calloc(1, sizeof(*sb));
    int r;
    if (!sb)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, ENOMEM, "allocating");
    sb->pidfd = sb->ctl_fd = sb->stdin_w = sb->stdout_r = sb->stderr_r = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
        r = sbx__error_errno(err, SBX_STAGE_SPAWN, "socketpair");
        goto fail;
    }
    if ((r = fds_high(ctl)) < 0 || (r = pipe_high(sync)) < 0 || (r = pipe_high(in)) < 0 || (r = pipe_high(out)) < 0 ||
        (r = pipe_high(errp)) < 0) {
        r = sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "creating pipes");
        goto fail;
    }
    struct sbx__init_args args = {
        .launch = l,
        .ctl_fd = ctl[1],
        .sync_fd = sync[0],
        .stdio = {in[0], out[1], errp[1]},
        .privileged = id->privileged,
    };
    int pidfd = -1;
    struct clone_args ca = {
        .flags = ns_flags() | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&pidfd,
        .exit_signal = SIGCHLD,
    };
    sb->t_clone_ns = sbx__now_ns();
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid < 0) {
        r = clone_error(errno, err);
        goto fail;
    }
    if (pid == 0) {
        close(ctl[0]);
        close(sync[1]);
        close(in[1]);
        close(out[0]);
        close(errp[0]);
        sbx__init_main(&args);
    }
    sb->pid = (pid_t)pid;
    sb->pidfd = pidfd;
    sb->ctl_fd = ctl[0];
    sb->stdin_w = in[1];
    sb->stdout_r = out[0];
    sb->stderr_r = errp[0];
    close(ctl[1]);
    close(sync[0]);
    close(in[0]);
    close(out[1]);
    close(errp[1]);
    *ret = sb; /* from here on the caller's destroy() kills and reaps init */
    if ((r = write_id_maps(sb->pid, id, err)) < 0) {
        close(sync[1]);
        return r;
    }
    r = sbx__write_all(sync[1], "x", 1);
    close(sync[1]);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "releasing init");
    return 0;
fail:
    close_pair(ctl);
    close_pair(sync);
    close_pair(in);
    close_pair(out);
    close_pair(errp);
    free(sb);
    return r;
}
