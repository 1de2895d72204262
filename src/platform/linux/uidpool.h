/*
 * Per-run host identities for root. Each concurrent run as root gets its own host uid/gid from
 * [SBX_UID_POOL_BASE, SBX_UID_POOL_BASE + SBX_UID_POOL_SIZE), held by an flock on
 * <dir>/uid-<n>.lock for the life of the run, so two runs never share one and cannot signal or
 * trace each other even outside their namespaces. The range sits far above the ids that
 * useradd and subuid ranges hand out.
 */
#ifndef SBX_PLATFORM_LINUX_UIDPOOL_H
#define SBX_PLATFORM_LINUX_UIDPOOL_H

#include <sys/types.h>

#include "util/macros.h"

#define SBX_UID_POOL_BASE 2000000000u
#define SBX_UID_POOL_SIZE 4096u
#define SBX_UID_POOL_DIR "/run/rusty-sandbox/uids"

/* Take a free id; returns the held lock fd (close it to release) and writes *ret_uid, or a
 * negative errno (-EAGAIN when every id is taken). */
SBX_INTERNAL int sbx__uidpool_take(const char *dir, uid_t *ret_uid);

#endif
