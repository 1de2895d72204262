/*
 * Where the live run registry lives, shared by its writer (src/telemetry/live.c) and its reader
 * (src/telemetry/live-read.c) so both follow one rule. sbx_live_dir() (sbx/live.h) gives the
 * path; these give the split between the part that must already exist (the base, not checked)
 * and the components the sandbox creates and checks, and open the directory safely.
 */
#ifndef SBX_TELEMETRY_LIVE_DIR_H
#define SBX_TELEMETRY_LIVE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "sbx/live.h"
#include "util/macros.h"

/* path[0..base_len) is the base ("/tmp", "/run", $XDG_RUNTIME_DIR, the parent of
 * $RUSTY_SANDBOX_RUNTIME_DIR); path[base_len] is '/' and the rest are the components the
 * sandbox creates (mode 0700) and checks. */
struct sbx__live_path {
    char path[SBX_LIVE_PATH_MAX];
    size_t base_len;
    bool from_env; /* chosen by RUSTY_SANDBOX_RUNTIME_DIR */
};

/* The rule of sbx_live_dir() for the euid; 0 or -ENAMETOOLONG. */
SBX_INTERNAL int sbx__live_path(struct sbx__live_path *ret);

/* The standard directory of another user `uid` (for root's listing): kind 0 is
 * /tmp/rusty-sandbox-<uid>/live, kind 1 is /run/user/<uid>/rusty-sandbox/live (base
 * /run/user/<uid>, which the caller checks like XDG_RUNTIME_DIR). 0 or -ENAMETOOLONG. */
SBX_INTERNAL int sbx__live_path_of(unsigned kind, uid_t uid, struct sbx__live_path *ret);

/*
 * Open the directory of `p`: the base with O_DIRECTORY (following symlinks: it is the system's
 * or the user's own choice), then each component with O_DIRECTORY|O_NOFOLLOW, creating it with
 * mode 0700 first when `create`. SECURITY: every component must be owned by `owner` and not
 * group- or other-writable, so nobody else can plant or swap entries. Returns an O_DIRECTORY
 * fd (close-on-exec), or -ENOENT (a component is missing and !create), -EPERM (wrong owner or
 * mode: err names the directory), -ENOTDIR (a symlink or not a directory), other -errno.
 */
SBX_INTERNAL int sbx__live_dir_open(const struct sbx__live_path *p, uid_t owner, bool create,
                                    struct sbx_error *err);

#endif
