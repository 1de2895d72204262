/*
 * Run directories on the host.
 *
 *   <root>/rusty-sandbox-<uid>/            0700, owned by the caller (checked, never followed)
 *       run-<id>.lock                      with --keep: flock'ed by the live supervisor of
 *                                          run <id> (other runs leave nothing here: the
 *                                          run's cgroup dir carries its live mark)
 *       mnt/                               mount point of every sandbox's tmpfs root, each
 *                                          in its own private mount namespace
 *       run-<id>/work/                     with --keep: the workspace's contents, copied
 *                                          out after the run (owned by the sandbox's uid)
 *       version-*                          interpreter version cache
 *
 * A run dir whose lock nobody holds belongs to a supervisor that died: the next run removes it.
 */
#ifndef SBX_PLATFORM_POSIX_WORKSPACE_H
#define SBX_PLATFORM_POSIX_WORKSPACE_H

#include <limits.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "util/macros.h"

struct sbx__workspace {
    int base_fd;    /* <root>/rusty-sandbox-<uid> */
    int scratch_fd; /* <scratch root>/rusty-sandbox-<uid>: mnt/ and caches (may be a
                       second fd on the same dir) */
    int lock_fd;    /* flock'ed run-<id>.lock (with --keep only; else -1) */
    int run_fd;     /* run-<id> */
    int work_fd;    /* run-<id>/work */
    char id[40];
    char run_path[PATH_MAX]; /* run-<id>, made only with --keep */
    char mnt_path[PATH_MAX]; /* mount point of the sandbox's root (shared, see .c) */
    char work_path[PATH_MAX];
};

/* Open (creating) the base dir for the calling user under `root` (NULL: $TMPDIR or /tmp) and
 * remove stale run dirs. Returns the base dir fd or a negative errno with err set. */
SBX_INTERNAL int sbx__workspace_base(const char *root, char *ret_path, struct sbx_error *err);

/* Remove run dirs under base_fd whose supervisor is gone; returns how many were removed. */
SBX_INTERNAL int sbx__workspace_reap_stale(int base_fd);

/* Choose the run id (taking ownership of base_fd and scratch_fd) and, when `keep`, take a run
 * lock in base_fd and make run-<id>/work owned by uid:gid to receive the workspace's contents
 * after the run; mnt/ (the sandbox root's mount point) is made in the scratch dir. */
SBX_INTERNAL int sbx__workspace_create(int base_fd, const char *base_path, int scratch_fd,
                                       const char *scratch_path, uid_t uid, gid_t gid, int keep,
                                       struct sbx__workspace *ret, struct sbx_error *err);

/* Remove the run dir (unless keep) and release the lock; always closes every fd. */
SBX_INTERNAL int sbx__workspace_finish(struct sbx__workspace *ws, int keep);

/* A fresh random id (32 hex digits, 8-4-4-4-12 grouping as a UUID v4). */
SBX_INTERNAL void sbx__random_id(char ret[40]);

#endif
