/*
 * cgroups: one small interface, two implementations (cgroup-v1.c, cgroup-v2.c).
 *
 * A run's cgroup is "sbx-<run id>" under a parent: the caller's own cgroup (v1: per
 * controller, from /proc/self/cgroup; v2: its delegated subtree) or a configured one. The code
 * reaches the cgroup file systems only through `root_fd`, the directory where they are mounted
 * (/sys/fs/cgroup), so tests aim it at a fake tree. It never writes to a cgroup it did not
 * create, except enabling controllers for children in a v2 parent (and, when that parent holds
 * the caller itself, moving the caller into a leaf "sbx-supervisor" first, as v2 requires).
 */
#ifndef SBX_PLATFORM_LINUX_CGROUP_H
#define SBX_PLATFORM_LINUX_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "util/macros.h"

enum sbx__cg_ctrl { SBX_CG_MEMORY, SBX_CG_PIDS, SBX_CG_CPU, SBX_CG_CPUACCT, SBX_CG__N };

#define SBX_CG_BIT(c) (1u << (c))

struct sbx__cg_limits {
    uint64_t memory_bytes; /* 0: none */
    uint64_t pids;         /* 0: none */
    double cpus;           /* 0: none */
};

enum {
    SBX_CG_HAVE_CPU = 1u << 0,
    SBX_CG_HAVE_CPU_SPLIT = 1u << 1, /* user/sys */
    SBX_CG_HAVE_MEM_PEAK = 1u << 2,
    SBX_CG_HAVE_OOM = 1u << 3,
    SBX_CG_HAVE_PIDS = 1u << 4,
    SBX_CG_HAVE_PIDS_PEAK = 1u << 5,
};

struct sbx__cg_stats {
    unsigned valid;
    uint64_t cpu_usage_us, cpu_user_us, cpu_sys_us;
    uint64_t memory_current, memory_peak;
    uint64_t oom_kills;
    uint64_t pids_current, pids_peak, pids_max_events;
};

struct sbx__cgroup;

struct sbx__cgroup_ops {
    const char *name; /* "cgroup-v1", "cgroup-v2" */
    int (*create)(struct sbx__cgroup *cg, const char *name, const struct sbx__cg_limits *lim,
                  struct sbx_error *err);
    /* The fd for clone3's CLONE_INTO_CGROUP, or -1. */
    int (*clone_fd)(const struct sbx__cgroup *cg);
    int (*stats)(struct sbx__cgroup *cg, struct sbx__cg_stats *ret);
    /* Kill every process in the cgroup (v2 cgroup.kill); -EOPNOTSUPP where there is none. */
    int (*kill_all)(struct sbx__cgroup *cg);
    /* Remove the run's cgroup (waiting briefly for exiting tasks); closes every fd. */
    int (*destroy)(struct sbx__cgroup *cg);
};

#define SBX_CG_STAT_SLOTS 8

struct sbx__cgroup {
    const struct sbx__cgroup_ops *ops;
    int parent_fd[SBX_CG__N]; /* v1: per controller (-1: controller not available); v2: [0] */
    int dir_fd[SBX_CG__N];    /* the run's cgroup, per controller */
    int alias[SBX_CG__N];     /* v1: index of the controller whose hierarchy this one shares */
    unsigned available;       /* controllers usable under the parent */
    char name[64];
    /* The run cgroup's statistics files, each opened once and re-read with pread (the
     * supervisor reads them every tick: no path lookup each time). -1: not open yet. */
    int stat_fd[SBX_CG_STAT_SLOTS];
    char where[256]; /* human-readable parent, for messages */
    /* mkdirat by default; a test replaces it to fill a fake cgroupfs directory with the
     * interface files the kernel would create. */
    int (*mkdir_fn)(int dirfd, const char *name, mode_t mode);
};

SBX_INTERNAL extern const struct sbx__cgroup_ops sbx__cgroup_v1_ops;
SBX_INTERNAL extern const struct sbx__cgroup_ops sbx__cgroup_v2_ops;

SBX_INTERNAL void sbx__cgroup_init(struct sbx__cgroup *cg);

/*
 * Find the parent for run cgroups. `self_cgroup` is the text of /proc/self/cgroup;
 * `parent_override` a path inside the hierarchy ("/my/parent") or NULL. Prefers v2 when the
 * unified hierarchy has the controllers, else v1. Returns 0; -ENOENT when no cgroup file system
 * with the needed controllers exists; -EACCES when it is not writable by us (err explains).
 * On success cg->available says which controllers are usable.
 */
SBX_INTERNAL int sbx__cgroup_open_parent(int root_fd, const char *self_cgroup,
                                         const char *parent_override, unsigned need,
                                         struct sbx__cgroup *cg, struct sbx_error *err);

/* sbx__cgroup_open_parent on this host: /sys/fs/cgroup and /proc/self/cgroup. */
SBX_INTERNAL int sbx__cgroup_open_host_parent(const char *parent_override, unsigned need,
                                              struct sbx__cgroup *cg, struct sbx_error *err);

/* Remove run cgroups "sbx-<id>" under the parent whose run is dead: no supervisor holds the
 * flock on the directory (sbx__cg_make_claimed), and no task is left in it. */
SBX_INTERNAL int sbx__cgroup_reap_stale(struct sbx__cgroup *cg);

/* Release the parent fds (after destroy, or when no run cgroup was made). */
SBX_INTERNAL void sbx__cgroup_close(struct sbx__cgroup *cg);

/* Shared helpers for the two implementations. */
SBX_INTERNAL int sbx__cg_write(int dirfd, const char *file, const char *value);
/* sbx__cg_write with an error record naming the file and value (a limit that cannot be set). */
SBX_INTERNAL int sbx__cg_set(int dirfd, const char *file, const char *value, struct sbx_error *err);
SBX_INTERNAL int sbx__cg_read(int dirfd, const char *file, char *buf, size_t size);
SBX_INTERNAL int sbx__cg_read_u64(int dirfd, const char *file, uint64_t *ret);
/* The value of "key N" in a flat-keyed file such as memory.events; -ENOENT if absent. */
SBX_INTERNAL int sbx__cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret);
/* Parse "key N" out of a flat-keyed file's text; -ENOENT if absent. */
SBX_INTERNAL int sbx__cg_parse_key(const char *text, const char *key, uint64_t *ret);
/* Read a statistics file of the run's cgroup (in dirfd) through cg->stat_fd[slot], opened on
 * first use and kept until destroy; sbx__cg_read's contract otherwise. */
SBX_INTERNAL int sbx__cg_read_stat(struct sbx__cgroup *cg, int slot, int dirfd, const char *file,
                                   char *buf, size_t size);
SBX_INTERNAL int sbx__cg_stat_u64(struct sbx__cgroup *cg, int slot, int dirfd, const char *file,
                                  uint64_t *ret);
SBX_INTERNAL int sbx__cg_stat_key(struct sbx__cgroup *cg, int slot, int dirfd, const char *file,
                                  const char *key, uint64_t *ret);
/* Close the statistics fds (before the run cgroup is removed). */
SBX_INTERNAL void sbx__cg_close_stats(struct sbx__cgroup *cg);
SBX_INTERNAL int sbx__cg_rmdir(int parent_fd, const char *name);
/* A run cgroup directory: made 0700 under parent_fd, opened, and flock'ed (LOCK_EX) through
 * the returned fd, which the supervisor keeps until the run is over: the mark of a live run,
 * without a lock file per run. Made again when a reaper removed it between mkdir and the
 * lock. Returns the fd or -errno (-EEXIST: the name is taken). */
SBX_INTERNAL int sbx__cg_make_claimed(const struct sbx__cgroup *cg, int parent_fd,
                                      const char *name);
SBX_INTERNAL int sbx__cg_mkdir(const struct sbx__cgroup *cg, int dirfd, const char *name);

#endif
