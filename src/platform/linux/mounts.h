/* The sandbox's mount plan: see mounts.c. */
#ifndef SBX_PLATFORM_LINUX_MOUNTS_H
#define SBX_PLATFORM_LINUX_MOUNTS_H

#include <limits.h>
#include <stdint.h>

#include "platform/platform.h"
#include "util/macros.h"

#define SBX_MAX_TREES 112
#define SBX_MAX_LINKS 8

struct sbx__tree {
    int fd;         /* detached clone (open_tree) */
    uint64_t attrs; /* MOUNT_ATTR_* to set */
    int is_dir;
    int late;           /* a user bind: attached after /tmp and /work, so it shows on top */
    char dst[PATH_MAX]; /* relative to the new root */
};

struct sbx__link {
    char name[32];
    char target[256];
};

struct sbx__mount_plan {
    int root_fd;
    int keep_fd; /* with --keep: the host dir that receives /work after the run, else -1 */
    struct sbx__tree trees[SBX_MAX_TREES];
    size_t n_trees;
    struct sbx__link links[SBX_MAX_LINKS];
    size_t n_links;
};

/* Phase 1, with the host identity init was born with. */
SBX_INTERNAL int sbx__mounts_prepare(const struct sbx__launch *l, struct sbx__mount_plan *p,
                                     struct sbx_error *err);
/* Phase 2, as the sandbox uid with capabilities kept; ends inside the new root, in /work. */
SBX_INTERNAL int sbx__mounts_finish(const struct sbx__launch *l, struct sbx__mount_plan *p,
                                    struct sbx_error *err);

#endif
