/*
 * cgroup v1: one directory per controller hierarchy (memory, pids, cpu, cpuacct; cpu and
 * cpuacct are often one hierarchy). The sandbox's init moves itself in by writing "0" to each
 * "tasks" file (fds opened by the supervisor, see spawn.c): a single thread moving itself skips
 * the global lock whose write side waits for an RCU grace period (5-19 ms on this kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/cgroup.h"

static int mk(struct sbx__cgroup *cg, int i, struct sbx_error *err)
{
    if (cg->alias[i] != i) {
        cg->dir_fd[i] = cg->dir_fd[cg->alias[i]];
        return 0;
    }
    int fd = sbx__cg_make_claimed(cg, cg->parent_fd[i], cg->name);
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -fd,
                          "creating cgroup %s in the %s hierarchy", cg->name,
                          i == SBX_CG_MEMORY ? "memory"
                          : i == SBX_CG_PIDS ? "pids"
                                             : "cpu");
    cg->dir_fd[i] = fd;
    return 0;
}

static int limits(struct sbx__cgroup *cg, const struct sbx__cg_limits *lim, struct sbx_error *err)
{
    char v[32];
    int r = 0;
    if (lim->memory_bytes) {
        int fd = cg->dir_fd[SBX_CG_MEMORY];
        snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_bytes);
        if ((r = sbx__cg_set(fd, "memory.limit_in_bytes", v, err)) < 0)
            return r;
        /* Swap off: memory+swap capped at the same value where the kernel accounts swap,
         * else swappiness 0 for this cgroup. */
        if (faccessat(fd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0)
            r = sbx__cg_set(fd, "memory.memsw.limit_in_bytes", v, err);
        else
            r = sbx__cg_set(fd, "memory.swappiness", "0", err);
        if (r < 0)
            return r;
    }
    if (lim->pids) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->pids);
        if ((r = sbx__cg_set(cg->dir_fd[SBX_CG_PIDS], "pids.max", v, err)) < 0)
            return r;
    }
    if (lim->cpus > 0) {
        snprintf(v, sizeof(v), "%lld", (long long)(lim->cpus * 100000.0 + 0.5));
        if ((r = sbx__cg_set(cg->dir_fd[SBX_CG_CPU], "cpu.cfs_period_us", "100000", err)) < 0 ||
            (r = sbx__cg_set(cg->dir_fd[SBX_CG_CPU], "cpu.cfs_quota_us", v, err)) < 0)
            return r;
    }
    return 0;
}

static int v1_destroy(struct sbx__cgroup *cg);

static int v1_create(struct sbx__cgroup *cg, const char *name, const struct sbx__cg_limits *lim,
                     struct sbx_error *err)
{
    snprintf(cg->name, sizeof(cg->name), "%s", name);
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->parent_fd[i] < 0)
            continue;
        int r = mk(cg, i, err);
        if (r < 0) {
            v1_destroy(cg);
            return r;
        }
    }
    int r = limits(cg, lim, err);
    if (r < 0)
        v1_destroy(cg);
    return r;
}

static int v1_clone_fd(const struct sbx__cgroup *cg)
{
    (void)cg;
    return -1;
}

/* Slots of cg->stat_fd. */
enum { ST_CPU, ST_MEM_PEAK, ST_MEM_CUR, ST_OOM, ST_PIDS, ST_PIDS_EVENTS };

static int v1_stats(struct sbx__cgroup *cg, struct sbx__cg_stats *st)
{
    memset(st, 0, sizeof(*st));
    int acct = cg->dir_fd[SBX_CG_CPUACCT];
    uint64_t v;
    if (acct >= 0 && sbx__cg_stat_u64(cg, ST_CPU, acct, "cpuacct.usage", &v) == 0) {
        st->cpu_usage_us = v / 1000;
        st->valid |= SBX_CG_HAVE_CPU;
        /* cpuacct.usage_user/_sys are sampled at ticks (4 ms here): too coarse to report;
         * the caller splits the exact total by the rusage proportions. */
    }
    int mem = cg->dir_fd[SBX_CG_MEMORY];
    if (mem >= 0) {
        if (sbx__cg_stat_u64(cg, ST_MEM_PEAK, mem, "memory.max_usage_in_bytes", &st->memory_peak) ==
            0)
            st->valid |= SBX_CG_HAVE_MEM_PEAK;
        sbx__cg_stat_u64(cg, ST_MEM_CUR, mem, "memory.usage_in_bytes", &st->memory_current);
        if (sbx__cg_stat_key(cg, ST_OOM, mem, "memory.oom_control", "oom_kill", &st->oom_kills) ==
            0)
            st->valid |= SBX_CG_HAVE_OOM;
    }
    int pids = cg->dir_fd[SBX_CG_PIDS];
    if (pids >= 0 && sbx__cg_stat_u64(cg, ST_PIDS, pids, "pids.current", &st->pids_current) == 0) {
        st->valid |= SBX_CG_HAVE_PIDS;
        sbx__cg_stat_key(cg, ST_PIDS_EVENTS, pids, "pids.events", "max", &st->pids_max_events);
    }
    return 0;
}

static int v1_kill_all(struct sbx__cgroup *cg)
{
    (void)cg;
    return -EOPNOTSUPP;
}

static int v1_destroy(struct sbx__cgroup *cg)
{
    int r = 0;
    sbx__cg_close_stats(cg);
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->dir_fd[i] < 0)
            continue;
        if (cg->alias[i] == i) {
            close(cg->dir_fd[i]);
            int k = sbx__cg_rmdir(cg->parent_fd[i], cg->name);
            if (k < 0 && r == 0)
                r = k;
        }
        cg->dir_fd[i] = -1;
    }
    return r;
}

const struct sbx__cgroup_ops sbx__cgroup_v1_ops = {
    .name = "cgroup-v1",
    .create = v1_create,
    .clone_fd = v1_clone_fd,
    .stats = v1_stats,
    .kill_all = v1_kill_all,
    .destroy = v1_destroy,
};
