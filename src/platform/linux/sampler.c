/*
 * The sampler: one reading of a live run's resources for telemetry and the live registry.
 *
 * With a cgroup (v1 or v2), CPU time, memory (current and peak) and tasks come from the
 * cgroup reading the supervisor makes anyway (check_cgroup), and the run's processes are
 * listed from cgroup.procs. Without one (the rlimit fallback), the processes are found by
 * walking /proc/PID/task/TID/children from init, and CPU time (utime+stime+cutime+cstime) and
 * memory (sum of RSS) come from /proc/PID/stat. I/O is the same on both: rchar/wchar of
 * /proc/PID/io summed over the run's live processes; a reaped child's counts are added to its
 * parent's by the kernel (wait_task_zombie), and init reaps every orphan, so nothing that
 * exited is lost while init lives. Neither v1 blkio nor v2 io.stat is used: the run's files are
 * on tmpfs, which block I/O statistics never see, and the io controller is not enabled.
 *
 * SECURITY: /proc/PID files of sandboxed processes are read by the supervisor only, through
 * the /proc fd it holds, with hard caps (256 processes, 4 KiB per file); what they say is
 * only reported, never acted on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/linux/sampler.h"
#include "util/fs.h"

#define MAX_TASKS 64

static ssize_t read_at(int dirfd, const char *path, char *buf, size_t size)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t n = sbx__read_full(fd, buf, size - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* Append the pids in a whitespace-separated list to pids[]. */
static size_t parse_pids(const char *s, pid_t *pids, size_t n, size_t max)
{
    while (*s && n < max) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s) {
            s++;
            continue;
        }
        if (v > 0)
            pids[n++] = (pid_t)v;
        s = end;
    }
    return n;
}

/* Processes of the run from the cgroup (any controller's directory lists them all). */
static size_t cgroup_pids(const struct sbx__cgroup *cg, pid_t *pids)
{
    char buf[8192];
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->dir_fd[i] < 0)
            continue;
        ssize_t n = read_at(cg->dir_fd[i], "cgroup.procs", buf, sizeof(buf));
        if (n >= 0)
            return parse_pids(buf, pids, 0, SBX_SAMPLER_MAX_PROCS);
    }
    return 0;
}

/* Processes of the run by walking children from init, breadth first. */
static size_t tree_pids(int proc_fd, pid_t init, pid_t *pids)
{
    char path[64], buf[4096];
    size_t n = 0;
    pids[n++] = init;
    for (size_t i = 0; i < n && n < SBX_SAMPLER_MAX_PROCS; i++) {
        snprintf(path, sizeof(path), "%d/task", (int)pids[i]);
        pid_t tasks[MAX_TASKS];
        size_t nt = 0;
        int fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d && fd >= 0)
            close(fd);
        for (struct dirent *de; d && nt < MAX_TASKS && (de = readdir(d));)
            if (de->d_name[0] != '.')
                tasks[nt++] = (pid_t)atoi(de->d_name);
        if (d)
            closedir(d);
        for (size_t t = 0; t < nt && n < SBX_SAMPLER_MAX_PROCS; t++) {
            snprintf(path, sizeof(path), "%d/task/%d/children", (int)pids[i], (int)tasks[t]);
            if (read_at(proc_fd, path, buf, sizeof(buf)) > 0)
                n = parse_pids(buf, pids, n, SBX_SAMPLER_MAX_PROCS);
        }
    }
    return n;
}

static uint64_t key_u64(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

struct proc_totals {
    uint64_t cpu_ticks, rss_pages, rchar, wchar;
};

static void add_proc(int proc_fd, pid_t pid, int want_stat, struct proc_totals *t)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "%d/io", (int)pid);
    if (read_at(proc_fd, path, buf, sizeof(buf)) > 0) {
        t->rchar += key_u64(buf, "rchar: ");
        t->wchar += key_u64(buf, "wchar: ");
    }
    if (!want_stat)
        return;
    snprintf(path, sizeof(path), "%d/stat", (int)pid);
    if (read_at(proc_fd, path, buf, sizeof(buf)) <= 0)
        return;
    char *p = strrchr(buf, ')');
    unsigned long long f[24] = {0}; /* f[k]: field k (1-based), from 3 on */
    for (int k = 3; p && k <= 24; k++) {
        p = strchr(p + 1, ' ');
        if (p)
            f[k - 1] = strtoull(p + 1, NULL, 10);
    }
    t->cpu_ticks += f[13] + f[14] + f[15] + f[16]; /* utime stime cutime cstime */
    t->rss_pages += f[23];
}

void sbx__sampler_read(struct sbx__sampler *sm, const struct sbx__sandbox *sb,
                       const struct sbx__cg_stats *cg, int proc_fd, uint64_t now_ns,
                       struct sbx_sample *ret)
{
    pid_t *pids = sm->pids;
    int use_cg = sb->have_cg && cg && (cg->valid & SBX_CG_HAVE_CPU);
    size_t n = use_cg ? cgroup_pids(&sb->cg, pids) : 0;
    if (!use_cg && proc_fd >= 0 && !sb->exited)
        n = tree_pids(proc_fd, sb->pid, pids);
    struct proc_totals t = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        add_proc(proc_fd, pids[i], !use_cg, &t);
    struct sbx_sample s;
    memset(&s, 0, sizeof(s));
    s.io_read_bytes = t.rchar;
    s.io_write_bytes = t.wchar;
    if (use_cg) {
        s.source = sb->cg.ops->name;
        s.cpu_time_us = cg->cpu_usage_us;
        s.memory_bytes = cg->memory_current;
        s.memory_peak_bytes = (cg->valid & SBX_CG_HAVE_MEM_PEAK) ? cg->memory_peak : 0;
        s.pids = (cg->valid & SBX_CG_HAVE_PIDS) ? cg->pids_current : n;
    } else {
        long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
        s.source = "proc";
        s.cpu_time_us = t.cpu_ticks * (uint64_t)(1000000 / (hz > 0 ? hz : 100));
        s.memory_bytes = t.rss_pages * (uint64_t)(page > 0 ? page : 4096);
        s.pids = n;
    }
    /* The counters only grow; a process that exits before init reaps it drops out of the
     * sums for a moment. Keep what was already reported. */
    if (s.cpu_time_us < sm->cpu_us)
        s.cpu_time_us = sm->cpu_us;
    if (s.io_read_bytes < sm->io_read)
        s.io_read_bytes = sm->io_read;
    if (s.io_write_bytes < sm->io_write)
        s.io_write_bytes = sm->io_write;
    if (s.memory_bytes > sm->mem_peak)
        sm->mem_peak = s.memory_bytes;
    if (s.memory_peak_bytes < sm->mem_peak)
        s.memory_peak_bytes = sm->mem_peak;
    if (sm->t_ns && now_ns > sm->t_ns)
        s.cpu_percent =
            (double)(s.cpu_time_us - sm->cpu_us) * 100000.0 / (double)(now_ns - sm->t_ns);
    sm->cpu_us = s.cpu_time_us;
    sm->io_read = s.io_read_bytes;
    sm->io_write = s.io_write_bytes;
    sm->t_ns = now_ns;
    *ret = s;
}
