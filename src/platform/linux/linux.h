/*
 * Internals of the Linux backend shared between the supervisor side (spawn.c, supervise.c)
 * and the sandbox side (init.c, mounts.c, caps.c).
 *
 * Process tree of a run:
 *   supervisor (the caller of sbx_run)
 *     └─ init      pid 1 of new user/pid/mount/net/ipc/uts/cgroup namespaces; builds the root,
 *        │         drops every privilege, then reaps; its exit ends the pid namespace
 *        └─ program  pid 2: the interpreter
 * They talk over one SOCK_SEQPACKET socket ("ctl"): fixed-size messages from init and from the
 * program between fork and exec (the socket is close-on-exec, so a successful exec closes the
 * program's end).
 */
#ifndef SBX_PLATFORM_LINUX_H
#define SBX_PLATFORM_LINUX_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "platform/linux/cgroup.h"
#include "platform/linux/watchdog.h"
#include "platform/linux/landlock.h"
#include "platform/linux/netns-pool.h"
#include "platform/linux/seccomp.h"
#include "platform/platform.h"
#include "sbx/error.h"

#define SBX_INSIDE_UID 1000
#define SBX_INSIDE_GID 1000
#define SBX_HOSTNAME "sandbox"
#define SBX_WORK_DIR "/work"

enum sbx__msg_type {
    SBX_MSG_STAGE = 1,  /* a setup stage finished at t_ns */
    SBX_MSG_ERROR,      /* setup failed: see error */
    SBX_MSG_EXIT,       /* the program ended: wait status in status */
    SBX_MSG_EVENT,      /* something to report: error.message holds "type\tdetail" */
    SBX_MSG_SECCOMP_FD, /* the program's seccomp listener rides along (SCM_RIGHTS) */
};

enum sbx__stage_id {
    SBX_ST_INIT_START,
    SBX_ST_IDS_MAPPED,
    SBX_ST_CG_JOINED,
    SBX_ST_ROOT_BUILT,
    SBX_ST_PRIVS_DROPPED,
    SBX_ST_LANDLOCK, /* the program restricted itself */
    SBX_ST_SECCOMP,  /* the program loaded its filters and sent the listener */
    SBX_ST_EXEC,
    SBX_ST__MAX,
};

struct sbx__msg {
    uint32_t type;
    uint32_t stage;
    int32_t status;
    int32_t pid;
    uint64_t t_ns;
    struct sbx_error error;
};

/* Everything init needs, prepared by the supervisor before clone (no allocation after). */
struct sbx__init_args {
    const struct sbx__launch *launch;
    int rlimit_fallback; /* no cgroup: memory, processes and CPU through rlimits only */
    int ctl_fd;          /* init's end of the ctl socket */
    int sync_fd;    /* read end: one byte once the id maps are written, EOF if the parent died */
    int stdio[3];   /* program's stdin (read end), stdout and stderr (write ends) */
    int privileged; /* may call setgroups (root); else setgroups is denied */
    const struct sbx__seccomp_filter *seccomp;  /* loaded by the program before exec */
    const struct sbx__landlock_paths *landlock; /* NULL: no Landlock (accepted fallback) */
    int landlock_abi;
    /* cgroup v1: the run's cgroups' "tasks" files, opened by the supervisor; init writes "0"
     * to each to move itself in (-1: none, v2 or no cgroup). */
    int tasks_fd[SBX_CG__N];
};

/* init.c: the body of pid 1; never returns. */
SBX_INTERNAL _Noreturn void sbx__init_main(const struct sbx__init_args *a);

/* caps.c: become uid/gid 1000 keeping capabilities (securebits locked)... */
SBX_INTERNAL int sbx__become_sandbox_ids(int privileged, struct sbx_error *err);
/* ...then drop every capability for good and set no_new_privs. */
SBX_INTERNAL int sbx__drop_capabilities(struct sbx_error *err);

/* spawn.c, supervise.c: the backend's spawn and supervise ops. */
SBX_INTERNAL int sbx__linux_spawn(const struct sbx__launch *l, const struct sbx__identity *id,
                                  struct sbx__sandbox **ret, struct sbx_error *err);
SBX_INTERNAL int sbx__linux_supervise(struct sbx__sandbox *sb, const struct sbx__launch *l,
                                      struct sbx_result *res);

SBX_INTERNAL void sbx__send_msg(int fd, const struct sbx__msg *m);
/* Time a stage now; it is sent with the next burst (sbx__flush_stages). */
SBX_INTERNAL void sbx__send_stage(int fd, enum sbx__stage_id stage);
SBX_INTERNAL void sbx__flush_stages(int fd);
SBX_INTERNAL const char *sbx__stage_label(enum sbx__stage_id stage);

/* How each resource limit is enforced for a run. */
enum sbx__limit_mode { SBX_LIMIT_NONE, SBX_LIMIT_CGROUP, SBX_LIMIT_RLIMIT, SBX_LIMIT_UNAVAILABLE };

struct sbx__sandbox {
    struct sbx__cgroup cg;
    int have_cg; /* cg holds the run's cgroup */
    struct sbx__watchdog wd;
    int uid_unique; /* the host uid is this run's alone (root's pool) */
    enum sbx__limit_mode mem_mode, pids_mode, cpu_time_mode, cpus_mode;
    pid_t pid; /* init, in our pid namespace */
    int pidfd;
    int ctl_fd;
    int stdin_w, stdout_r, stderr_r;
    int exited;                    /* init has been reaped */
    int notify_fd;                 /* the program's seccomp listener, once received; else -1 */
    int landlock_abi;              /* what the kernel offers (0: none) */
    struct sbx__netns_lease netns; /* a pre-made network namespace (root), held until the end */
    int landlock_applied, seccomp_loaded; /* the program said so before exec */
    uint64_t t_clone_ns;                  /* just before clone3 */
    uint64_t t_cloned_ns;                 /* clone3 returned */
    uint64_t t_released_ns;               /* id maps written, init told to go on */
};

/* The grace past a CPU time limit before the run is killed, so the report shows the real
 * overrun (isolate's "extra time"): 10% of the limit, within [0.05, 0.5] s. */
static inline double sbx__cpu_grace_s(double limit_s)
{
    double g = limit_s * 0.1;
    return g < 0.05 ? 0.05 : g > 0.5 ? 0.5 : g;
}

#endif
