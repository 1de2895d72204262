/*
 * The supervisor's sampler (sampler.c): CPU, memory, tasks and I/O of a live run, from its
 * cgroup and /proc. The caller supplies the time and the latest cgroup reading; the sampler
 * keeps what it needs for rates (CPU %) and monotonic counters.
 */
#ifndef SBX_PLATFORM_LINUX_SAMPLER_H
#define SBX_PLATFORM_LINUX_SAMPLER_H

#include <stdint.h>

#include "platform/linux/linux.h"
#include "sbx/events.h"

#define SBX_SAMPLER_MAX_PROCS 256

struct sbx__sampler {
    pid_t pids[SBX_SAMPLER_MAX_PROCS];
    uint64_t t_ns; /* previous sample (0: none yet) */
    uint64_t cpu_us, io_read, io_write, mem_peak;
};

/* Fill *ret (stdout/stderr bytes and t_us are left 0 for the caller). `cg` is the reading
 * just made when the run has a cgroup, else ignored. */
SBX_INTERNAL void sbx__sampler_read(struct sbx__sampler *sm, const struct sbx__sandbox *sb,
                                    const struct sbx__cg_stats *cg, int proc_fd, uint64_t now_ns,
                                    struct sbx_sample *ret);

#endif
