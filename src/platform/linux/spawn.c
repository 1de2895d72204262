/*
 * Creating the sandbox: one clone3() makes init in all its namespaces at once and hands back a
 * pidfd, so no pid is ever reused under us. The parent then writes init's id maps (only the
 * parent can map the sandbox's uid 1000 to the host uid it chose) and releases it.
 *
 * Without the network, root's runs join a pre-made empty network namespace leased for the run
 * alone (netns-pool.h) instead of creating one: the supervisor's thread joins it just for the
 * clone3, as a process born in a new user namespace could no longer join a namespace of the
 * host's. Unprivileged runs, and root's when the pool cannot be used, create their own; with
 * the network on, none is made (the host's network, under Landlock's port rules and scoping).
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

/* With the network on, the sandbox keeps the host's network namespace (see prepare_security);
 * with a leased pre-made one, it is born in that. */
static uint64_t ns_flags(const struct sbx_policy *p, bool pooled_netns)
{
    return CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
           (p->enable_network || pooled_netns ? 0 : CLONE_NEWNET) | CLONE_NEWIPC | CLONE_NEWUTS |
           CLONE_NEWCGROUP;
}

/* A slot of the pool, when this run may use one; any failure just means a namespace of its
 * own (slower, as safe). */
static void lease_netns(const struct sbx_policy *p, const struct sbx__identity *id,
                        struct sbx__sandbox *sb)
{
    if (p->enable_network || !p->netns_pool || !id->privileged)
        return;
    if (sbx__netns_pool_lease(SBX_NETNS_POOL_DIR, &sb->netns) < 0)
        sbx__netns_pool_release(&sb->netns);
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

static unsigned needed_controllers(const struct sbx_policy *p)
{
    unsigned need = 0;
    if (p->memory_limit_bytes)
        need |= SBX_CG_BIT(SBX_CG_MEMORY);
    if (p->max_processes)
        need |= SBX_CG_BIT(SBX_CG_PIDS);
    if (p->cpus > 0)
        need |= SBX_CG_BIT(SBX_CG_CPU);
    if (p->cpu_time_limit_s > 0)
        need |= SBX_CG_BIT(SBX_CG_CPUACCT);
    return need;
}

static enum sbx__limit_mode mode_for(int requested, enum sbx__limit_mode how)
{
    return requested ? how : SBX_LIMIT_NONE;
}

static void set_modes(const struct sbx_policy *p, struct sbx__sandbox *sb, int cgroup)
{
    enum sbx__limit_mode weak = cgroup ? SBX_LIMIT_CGROUP : SBX_LIMIT_RLIMIT;
    sb->mem_mode = mode_for(p->memory_limit_bytes != 0, weak);
    sb->pids_mode = mode_for(p->max_processes != 0, weak);
    sb->cpu_time_mode = mode_for(p->cpu_time_limit_s > 0, weak);
    sb->cpus_mode = mode_for(p->cpus > 0, cgroup ? SBX_LIMIT_CGROUP : SBX_LIMIT_UNAVAILABLE);
}

/*
 * The run's cgroup "sbx-<id>" with its limits, under the caller's cgroup or the configured
 * parent. Without a usable one the run is refused, unless the policy accepts the rlimit
 * fallback.
 */
static int setup_cgroup(const struct sbx__launch *l, struct sbx__sandbox *sb, struct sbx_error *err)
{
    const struct sbx_policy *p = l->policy;
    unsigned need = needed_controllers(p);
    set_modes(p, sb, 0);
    if (!need)
        return 0;
    struct sbx_error cgerr = {0};
    int r = sbx__cgroup_open_host_parent(p->cgroup_parent, need, &sb->cg, &cgerr);
    if (r == 0) {
        struct sbx__cg_limits lim = {
            .memory_bytes = p->memory_limit_bytes, .pids = p->max_processes, .cpus = p->cpus};
        char name[64];
        snprintf(name, sizeof(name), "sbx-%s", l->run_id);
        sbx__cgroup_reap_stale(&sb->cg);
        r = sb->cg.ops->create(&sb->cg, name, &lim, &cgerr);
        if (r < 0)
            sbx__cgroup_close(&sb->cg);
    }
    if (r < 0) {
        if (!p->allow_weaker_limits) {
            if (err)
                *err = cgerr;
            return r;
        }
        set_modes(p, sb, 0); /* SECURITY: weaker, and the enforcement map says so */
        return 0;
    }
    sb->have_cg = 1;
    set_modes(p, sb, 1);
    return 0;
}

/*
 * The seccomp filter (precompiled into libsbx) and the Landlock rules (the mount view plus the
 * binds), ready before clone: the program only applies them. Without Landlock the run is
 * refused, unless the policy accepts weaker enforcement (the enforcement map then says so).
 */
static int prepare_security(const struct sbx__launch *l, struct sbx__sandbox *sb,
                            struct sbx__seccomp_filter *filter, struct sbx__landlock_paths *ll,
                            struct sbx_error *err)
{
    const struct sbx_policy *p = l->policy;
    int abi = sbx__landlock_probe();
    if (abi < 1 && !p->allow_weaker_limits)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -abi,
                          "Landlock is not available (Linux 5.13 or newer, with landlock in "
                          "the lsm= list); --allow-weaker-limits runs without it");
    sb->landlock_abi = abi > 0 ? abi : 0;
    /* SECURITY: in the host's network namespace the host's abstract unix sockets (D-Bus, X11,
     * container runtimes...) would be reachable: only Landlock's scoping (ABI 6) keeps them
     * out, and the port rules need ABI 4. No weaker fallback for this one. */
    if (p->enable_network && abi < 6)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, EOPNOTSUPP,
                          "network: enabling it needs Landlock ABI 6 (Linux 6.12) to keep the "
                          "host's abstract unix sockets out of reach; this kernel offers %d",
                          abi > 0 ? abi : 0);
    sbx__landlock_paths_init(ll, l->interp_prefix, p->enable_network);
    ll->connect_ports = p->allowed_ports;
    ll->n_connect_ports = p->n_allowed_ports;
    ll->bind_ports = p->allowed_bind_ports;
    ll->n_bind_ports = p->n_allowed_bind_ports;
    for (size_t i = 0; i < l->n_binds; i++)
        if (sbx__landlock_paths_add(ll, l->binds[i].path,
                                    l->binds[i].writable ? SBX_LL_RW : SBX_LL_RO, false) < 0)
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_SPAWN, E2BIG,
                              "too many allowed paths for the Landlock ruleset");
    struct sbx__seccomp_opts so = {.enable_network = p->enable_network};
    return sbx__seccomp_build(&so, filter, err);
}

/*
 * cgroup v1 without the cost of a move: a process that writes "0" to a cgroup's "tasks" file
 * moves only itself, and the kernel then skips the global threadgroup lock whose write side
 * waits for an RCU grace period (5-19 ms here; cgroup.procs and moving another pid take it).
 * init, single-threaded, does that first thing, through fds opened here with our credentials
 * (the kernel checks the opener's), before anything of the program exists.
 */
static void close_tasks(int fds[SBX_CG__N])
{
    for (int i = 0; i < SBX_CG__N; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

static int open_tasks(const struct sbx__cgroup *cg, int fds[SBX_CG__N], struct sbx_error *err)
{
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->dir_fd[i] < 0 || cg->alias[i] != i)
            continue;
        fds[i] = openat(cg->dir_fd[i], "tasks", O_WRONLY | O_CLOEXEC);
        if (fds[i] >= 0 && fds[i] <= 2) { /* init makes 0-2 /dev/null */
            int high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            close(fds[i]);
            fds[i] = high;
        }
        if (fds[i] < 0) {
            int e = errno;
            close_tasks(fds);
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, e,
                              "opening the tasks file of cgroup %s", cg->name);
        }
    }
    return 0;
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
    struct sbx__seccomp_filter filter = {.owned = false};
    struct sbx__landlock_paths ll;
    int r;
    if (!sb)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, ENOMEM, "allocating");
    sb->pidfd = sb->ctl_fd = sb->stdin_w = sb->stdout_r = sb->stderr_r = sb->notify_fd = -1;
    sb->netns = (struct sbx__netns_lease)SBX_NETNS_LEASE_INIT;
    sbx__cgroup_init(&sb->cg);
    if ((r = setup_cgroup(l, sb, err)) < 0) {
        free(sb);
        return r;
    }
    if ((r = prepare_security(l, sb, &filter, &ll, err)) < 0)
        goto fail;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
        r = sbx__error_errno(err, SBX_STAGE_SPAWN, "socketpair");
        goto fail;
    }
    if ((r = fds_high(ctl)) < 0 || (r = pipe_high(sync)) < 0 || (r = pipe_high(in)) < 0 ||
        (r = pipe_high(out)) < 0 || (r = pipe_high(errp)) < 0) {
        r = sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "creating pipes");
        goto fail;
    }
    struct sbx__init_args args = {
        .launch = l,
        .ctl_fd = ctl[1],
        .sync_fd = sync[0],
        .stdio = {in[0], out[1], errp[1]},
        .privileged = id->privileged,
        .rlimit_fallback = !sb->have_cg,
        .seccomp = &filter,
        .landlock = sb->landlock_abi ? &ll : NULL,
        .landlock_abi = sb->landlock_abi,
        .tasks_fd = {-1, -1, -1, -1},
    };
    lease_netns(l->policy, id, sb);
    int pidfd = -1;
    struct clone_args ca = {
        .flags = ns_flags(l->policy, sb->netns.ns_fd >= 0) | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&pidfd,
        .exit_signal = SIGCHLD,
    };
    int cg_fd = sb->have_cg ? sb->cg.ops->clone_fd(&sb->cg) : -1;
    if (cg_fd >= 0) { /* v2: born inside its cgroup, no migration */
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cg_fd;
    } else if (sb->have_cg && (r = open_tasks(&sb->cg, args.tasks_fd, err)) < 0) {
        goto fail;
    }
    sb->t_clone_ns = sbx__now_ns();
    long pid = sb->netns.ns_fd >= 0 ? sbx__netns_pool_clone(&sb->netns, &ca)
                                    : syscall(SYS_clone3, &ca, sizeof(ca));
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
    sbx__seccomp_filter_done(&filter);
    close_tasks(args.tasks_fd);
    sb->t_cloned_ns = sbx__now_ns();
    sb->uid_unique = id->privileged;
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
    sb->t_released_ns = sbx__now_ns();
    r = sbx__write_all(sync[1], "x", 1);
    close(sync[1]);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "releasing init");
    return 0;
fail:
    sbx__netns_pool_release(&sb->netns);
    sbx__seccomp_filter_done(&filter);
    close_tasks(args.tasks_fd);
    if (sb->have_cg) {
        sb->cg.ops->destroy(&sb->cg);
        sbx__cgroup_close(&sb->cg);
    }
    close_pair(ctl);
    close_pair(sync);
    close_pair(in);
    close_pair(out);
    close_pair(errp);
    free(sb);
    return r;
}
