/*
 * cgroup v2: one directory in the unified hierarchy. The sandbox's init is born inside it
 * (clone3 with CLONE_INTO_CGROUP), so no migration is ever paid. Controllers must be enabled in
 * the parent's cgroup.subtree_control, which v2 refuses while the parent holds processes (the
 * "no internal processes" rule): when the parent holds the caller itself (a delegated scope
 * from `systemd-run --user --scope -p Delegate=yes`), the caller moves into a leaf
 * "sbx-supervisor" first, as crun and systemd do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/cgroup.h"

static int enable_controllers(struct sbx__cgroup *cg, struct sbx_error *err)
{
    int pfd = cg->parent_fd[0];
    char have[512];
    if (sbx__cg_read(pfd, "cgroup.subtree_control", have, sizeof(have)) < 0)
        have[0] = '\0';
    char want[64] = "";
    const char *names[] = {"memory", "pids", "cpu"};
    for (size_t i = 0; i < 3; i++)
        if (!strstr(have, names[i]))
            snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s+%s", want[0] ? " " : "",
                     names[i]);
    if (!want[0])
        return 0;
    int r = sbx__cg_write(pfd, "cgroup.subtree_control", want);
    if (r == -EBUSY) { /* we live in the parent: move into a leaf, then try again */
        if ((r = sbx__cg_mkdir(cg, pfd, "sbx-supervisor")) < 0 && r != -EEXIST)
            return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -r,
                              "creating sbx-supervisor in %s", cg->where);
        int leaf = openat(pfd, "sbx-supervisor", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char pid[24];
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        r = leaf < 0 ? -errno : sbx__cg_write(leaf, "cgroup.procs", pid);
        if (leaf >= 0)
            close(leaf);
        if (r == 0)
            r = sbx__cg_write(pfd, "cgroup.subtree_control", want);
    }
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -r,
                          "enabling %s for children of %s (other processes live in it; use a "
                          "delegated cgroup of its own: systemd-run --user --scope -p "
                          "Delegate=yes)",
                          want, cg->where);
    return 0;
}

static int limits(int fd, const struct sbx__cg_limits *lim, struct sbx_error *err)
{
    char v[48];
    int r;
    if (lim->memory_bytes) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_bytes);
        if ((r = sbx__cg_set(fd, "memory.max", v, err)) < 0)
            return r;
        if (faccessat(fd, "memory.swap.max", F_OK, 0) == 0 &&
            (r = sbx__cg_set(fd, "memory.swap.max", "0", err)) < 0)
            return r;
        /* One OOM kill ends the whole run, so the verdict is never a half-dead program. */
        if (faccessat(fd, "memory.oom.group", F_OK, 0) == 0 &&
            (r = sbx__cg_set(fd, "memory.oom.group", "1", err)) < 0)
            return r;
    }
    if (lim->pids) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->pids);
        if ((r = sbx__cg_set(fd, "pids.max", v, err)) < 0)
            return r;
    }
    if (lim->cpus > 0) {
        snprintf(v, sizeof(v), "%lld 100000", (long long)(lim->cpus * 100000.0 + 0.5));
        if ((r = sbx__cg_set(fd, "cpu.max", v, err)) < 0)
            return r;
    }
    return 0;
}

static int v2_destroy(struct sbx__cgroup *cg);

static int v2_create(struct sbx__cgroup *cg, const char *name, const struct sbx__cg_limits *lim,
                     struct sbx_error *err)
{
    snprintf(cg->name, sizeof(cg->name), "%s", name);
    int r = enable_controllers(cg, err);
    if (r < 0)
        return r;
    int fd = sbx__cg_make_claimed(cg, cg->parent_fd[0], name);
    if (fd < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -fd, "creating cgroup %s in %s", name,
                          cg->where);
    for (int i = 0; i < SBX_CG__N; i++)
        cg->dir_fd[i] = fd;
    if ((r = limits(fd, lim, err)) < 0)
        v2_destroy(cg);
    return r;
}

static int v2_clone_fd(const struct sbx__cgroup *cg)
{
    return cg->dir_fd[0];
}

/* Slots of cg->stat_fd. */
enum { ST_CPU, ST_MEM_CUR, ST_MEM_PEAK, ST_MEM_EVENTS, ST_PIDS, ST_PIDS_EVENTS, ST_PIDS_PEAK };

static int v2_stats(struct sbx__cgroup *cg, struct sbx__cg_stats *st)
{
    memset(st, 0, sizeof(*st));
    int fd = cg->dir_fd[0];
    if (fd < 0)
        return -EBADF;
    char cpu[1024];
    if (sbx__cg_read_stat(cg, ST_CPU, fd, "cpu.stat", cpu, sizeof(cpu)) >= 0) {
        if (sbx__cg_parse_key(cpu, "usage_usec", &st->cpu_usage_us) == 0)
            st->valid |= SBX_CG_HAVE_CPU;
        if (sbx__cg_parse_key(cpu, "user_usec", &st->cpu_user_us) == 0 &&
            sbx__cg_parse_key(cpu, "system_usec", &st->cpu_sys_us) == 0)
            st->valid |= SBX_CG_HAVE_CPU_SPLIT;
    }
    sbx__cg_stat_u64(cg, ST_MEM_CUR, fd, "memory.current", &st->memory_current);
    if (sbx__cg_stat_u64(cg, ST_MEM_PEAK, fd, "memory.peak", &st->memory_peak) == 0)
        st->valid |= SBX_CG_HAVE_MEM_PEAK;
    if (sbx__cg_stat_key(cg, ST_MEM_EVENTS, fd, "memory.events", "oom_kill", &st->oom_kills) == 0)
        st->valid |= SBX_CG_HAVE_OOM;
    if (sbx__cg_stat_u64(cg, ST_PIDS, fd, "pids.current", &st->pids_current) == 0) {
        st->valid |= SBX_CG_HAVE_PIDS;
        sbx__cg_stat_key(cg, ST_PIDS_EVENTS, fd, "pids.events", "max", &st->pids_max_events);
        if (sbx__cg_stat_u64(cg, ST_PIDS_PEAK, fd, "pids.peak", &st->pids_peak) == 0)
            st->valid |= SBX_CG_HAVE_PIDS_PEAK;
    }
    return 0;
}

static int v2_kill_all(struct sbx__cgroup *cg)
{
    if (cg->dir_fd[0] < 0)
        return -EBADF;
    return sbx__cg_write(cg->dir_fd[0], "cgroup.kill", "1");
}

static int v2_destroy(struct sbx__cgroup *cg)
{
    sbx__cg_close_stats(cg);
    if (cg->dir_fd[0] < 0)
        return 0;
    close(cg->dir_fd[0]);
    for (int i = 0; i < SBX_CG__N; i++)
        cg->dir_fd[i] = -1;
    return sbx__cg_rmdir(cg->parent_fd[0], cg->name);
}

const struct sbx__cgroup_ops sbx__cgroup_v2_ops = {
    .name = "cgroup-v2",
    .create = v2_create,
    .clone_fd = v2_clone_fd,
    .stats = v2_stats,
    .kill_all = v2_kill_all,
    .destroy = v2_destroy,
};
