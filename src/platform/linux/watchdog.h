/*
 * The watchdog: on each tick the supervisor checks that the sandbox is still what it built.
 * - init's namespaces are the ones it was born in;
 * - every process in the run's cgroup lives in the run's pid namespace;
 * - as root, where the run's host uid belongs to this run alone, no process with that uid
 *   exists outside the run's pid namespace.
 * A failed check means something left the sandbox: the caller records escape_suspected and
 * kills the run.
 */
#ifndef SBX_PLATFORM_LINUX_WATCHDOG_H
#define SBX_PLATFORM_LINUX_WATCHDOG_H

#include <stddef.h>
#include <sys/types.h>

#include "platform/linux/cgroup.h"
#include "util/macros.h"

#define SBX_WATCHDOG_NS 7

struct sbx__watchdog {
    pid_t init_pid;
    uid_t host_uid;
    int unique_uid;
    int armed;
    ino_t ns[SBX_WATCHDOG_NS];
};

SBX_INTERNAL void sbx__watchdog_init(struct sbx__watchdog *w, pid_t init_pid, uid_t host_uid,
                                     int unique_uid);

/* 0 when all is well (or init is already gone); 1 with `detail` filled on a violation.
 * `cg` may be NULL (no cgroup). `proc_fd` is an fd of /proc (tests aim it elsewhere). */
SBX_INTERNAL int sbx__watchdog_check(struct sbx__watchdog *w, int proc_fd,
                                     const struct sbx__cgroup *cg, char *detail, size_t size);

/* What the watchdog checks for this run, for the enforcement map. */
SBX_INTERNAL const char *sbx__watchdog_scope(const struct sbx__watchdog *w, int have_cg);

#endif
