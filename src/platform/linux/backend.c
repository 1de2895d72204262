/*
 * The Linux backend's ops table: identity, spawn, supervise, destroy, and the enforcement map,
 * which names only what this backend really applied.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/linux.h"
#include "platform/linux/uidpool.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

const char *sbx__stage_label(enum sbx__stage_id stage)
{
    switch (stage) {
    case SBX_ST_INIT_START:
        return "init_start";
    case SBX_ST_IDS_MAPPED:
        return "ids_mapped";
    case SBX_ST_CG_JOINED:
        return "cgroup_joined";
    case SBX_ST_ROOT_BUILT:
        return "root_built";
    case SBX_ST_PRIVS_DROPPED:
        return "privileges_dropped";
    case SBX_ST_LANDLOCK:
        return "landlock";
    case SBX_ST_SECCOMP:
        return "seccomp";
    case SBX_ST_EXEC:
        return "exec";
    case SBX_ST__MAX:
        break;
    }
    return "unknown";
}

static int prepare(struct sbx__identity *ret, struct sbx_error *err)
{
    struct sbx__identity id = {.host_uid = geteuid(), .host_gid = getegid(), .lock_fd = -1};
    if (id.host_uid == 0) {
        /* SECURITY: root never maps itself into the sandbox: each run gets its own uid. */
        uid_t uid;
        int fd = sbx__uidpool_take(SBX_UID_POOL_DIR, &uid);
        if (fd < 0)
            return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_USERNS, -fd,
                              "taking a sandbox uid from the pool in " SBX_UID_POOL_DIR);
        id.host_uid = uid;
        id.host_gid = uid;
        id.privileged = true;
        id.lock_fd = fd;
    }
    *ret = id;
    return 0;
}

static void release(struct sbx__identity *id)
{
    if (id->lock_fd >= 0)
        close(id->lock_fd);
    id->lock_fd = -1;
}

static void destroy(struct sbx__sandbox *sb)
{
    if (!sb)
        return;
    if (sb->pidfd >= 0 && !sb->exited) {
        /* Killing init kills the whole pid namespace. */
        syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
        siginfo_t info;
        while (syscall(SYS_waitid, P_PIDFD, sb->pidfd, &info, WEXITED, NULL) < 0 && errno == EINTR)
            ;
        sb->exited = 1;
    }
    sbx__netns_pool_release(&sb->netns); /* init, and with it every task, is gone */
    if (sb->have_cg) {                   /* every task is gone with init; the cgroup is empty now */
        sb->cg.ops->destroy(&sb->cg);
        sbx__cgroup_close(&sb->cg);
        sb->have_cg = 0;
    }
    int *fds[] = {&sb->pidfd,    &sb->ctl_fd,   &sb->stdin_w,
                  &sb->stdout_r, &sb->stderr_r, &sb->notify_fd};
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(sb);
}

static void limit_entry(struct sbx_result *res, const char *key, enum sbx__limit_mode mode,
                        const struct sbx__sandbox *sb, const char *rlimit)
{
    switch (mode) {
    case SBX_LIMIT_NONE:
        sbx__result_enforce(res, key, "none");
        break;
    case SBX_LIMIT_CGROUP:
        sbx__result_enforce(res, key, "%s", sb->cg.ops->name);
        break;
    case SBX_LIMIT_RLIMIT:
        sbx__result_enforce(res, key, "%s", rlimit);
        break;
    case SBX_LIMIT_UNAVAILABLE:
        sbx__result_enforce(res, key, "unavailable");
        break;
    }
}

/* "landlock:80,443" (or "landlock:N ports" when that does not fit), `none_text` for none. */
static void port_entry(struct sbx_result *res, const char *key, const uint16_t *ports, size_t n,
                       const char *none_text)
{
    char buf[64];
    size_t len = (size_t)snprintf(buf, sizeof(buf), "landlock:");
    for (size_t i = 0; i < n && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "",
                                (unsigned)ports[i]);
    if (len >= sizeof(buf))
        snprintf(buf, sizeof(buf), "landlock:%zu ports", n);
    sbx__result_enforce(res, key, "%s", n ? buf : none_text);
}

static void enforcement(const struct sbx__launch *l, const struct sbx__sandbox *sb,
                        struct sbx_result *res)
{
    const struct sbx_policy *p = l->policy;
    sbx__result_enforce(res, "user", "userns:1000=host-%u", (unsigned)l->host_uid);
    sbx__result_enforce(res, "pid", "pidns");
    sbx__result_enforce(res, "filesystem", "mountns+pivot_root");
    if (p->enable_network) { /* spawn refuses it without Landlock ABI 6 */
        sbx__result_enforce(res, "network", "host");
        port_entry(res, "tcp_connect", p->allowed_ports, p->n_allowed_ports, "any");
        port_entry(res, "tcp_bind", p->allowed_bind_ports, p->n_allowed_bind_ports,
                   "landlock:none");
    } else {
        sbx__result_enforce(res, "network", sb->netns.ns_fd >= 0 ? "netns:pre-made" : "netns");
    }
    sbx__result_enforce(res, "ipc", "ipcns");
    sbx__result_enforce(res, "uts", "utsns");
    sbx__result_enforce(res, "cgroup_view", "cgroupns");
    sbx__result_enforce(res, "capabilities", "dropped");
    sbx__result_enforce(res, "no_new_privs", "prctl");
    sbx__result_enforce(res, "terminal", "setsid");
    sbx__result_enforce(res, "watchdog", "%s", sbx__watchdog_scope(&sb->wd, sb->have_cg));
    sbx__result_enforce(res, "tmp", "tmpfs-size-%lluk",
                        (unsigned long long)(p->tmp_size_bytes / 1024));
    sbx__result_enforce(res, "workspace", "tmpfs-size-%lluk",
                        (unsigned long long)(p->workspace_size_bytes / 1024));
    sbx__result_enforce(res, "timeout", p->timeout_s > 0 ? "supervisor-timer" : "none");
    limit_entry(res, "memory", sb->mem_mode, sb, "rlimit-data");
    limit_entry(res, "processes", sb->pids_mode, sb, "rlimit-nproc");
    limit_entry(res, "cpu_time", sb->cpu_time_mode, sb, "proc-poll+rlimit-cpu");
    limit_entry(res, "cpus", sb->cpus_mode, sb, "unavailable");
    if (p->memory_limit_bytes && sb->mem_mode == SBX_LIMIT_CGROUP)
        sbx__result_enforce(res, "swap", "off");
    if (sb->cpu_time_mode == SBX_LIMIT_CGROUP)
        sbx__result_enforce(res, "cpu_time_backstop", "rlimit-cpu");
    sbx__result_enforce(res, "file_size", p->max_file_size_bytes ? "rlimit-fsize" : "none");
    sbx__result_enforce(res, "open_files", p->max_open_files ? "rlimit-nofile" : "none");
    sbx__result_enforce(res, "output",
                        p->output_limit_action == SBX_OUTPUT_KILL ? "capped-reader+kill"
                                                                  : "capped-reader");
    /* What the program itself reported applying before exec; "none" if it never got there. */
    sbx__result_enforce(res, "seccomp", sb->seccomp_loaded ? SBX_SECCOMP_DESCRIPTION : "none");
    char ll[32];
    sbx__landlock_describe(sb->landlock_applied ? sb->landlock_abi : 0, ll, sizeof(ll));
    sbx__result_enforce(res, "landlock", "%s",
                        sb->landlock_applied ? ll
                        : sb->landlock_abi   ? "none"
                                             : "unavailable");
}

const struct sbx__backend sbx__backend_linux = {
    .name = "linux",
    .prepare = prepare,
    .release = release,
    .spawn = sbx__linux_spawn,
    .supervise = sbx__linux_supervise,
    .destroy = destroy,
    .enforcement = enforcement,
};
