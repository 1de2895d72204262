/*
 * Landlock: the second wall behind the mount namespace. The program's process restricts itself
 * (after pivot_root and no_new_privs, before exec) to a ruleset that mirrors the mount view:
 * read and execute where the sandbox binds host trees read-only, read-write only in /work,
 * /tmp and /dev/shm, the few device files, no TCP bind/connect while the network is off, and
 * (ABI 6) no signals or abstract unix sockets reaching outside the sandbox's domain.
 *
 * Lifecycle: the supervisor probes the ABI and fills a struct sbx__landlock_paths before clone
 * (plain pointers to strings it keeps alive); the program calls sbx__landlock_apply(), which
 * neither allocates nor returns anything to release.
 */
#ifndef SBX_PLATFORM_LINUX_LANDLOCK_H
#define SBX_PLATFORM_LINUX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/error.h"
#include "util/macros.h"

/* The highest ABI this code knows; a newer kernel is used at this level. */
#define SBX_LANDLOCK_ABI_MAX 7

enum sbx__landlock_kind {
    SBX_LL_LIST, /* list directories beneath (no file contents): "/", "/dev" */
    SBX_LL_RO,   /* read and execute beneath: /usr, /etc, the interpreter's prefix */
    SBX_LL_PROC, /* read and write files beneath, never execute: /proc */
    SBX_LL_RW,   /* everything beneath but creating device nodes: /work, /tmp, /dev/shm */
    SBX_LL_DEV,  /* one device file: read, write, truncate, ioctl: /dev/null... */
};

struct sbx__landlock_rule {
    const char *path; /* inside the sandbox's root; not owned */
    enum sbx__landlock_kind kind;
    bool optional; /* a missing path is skipped rather than an error */
};

#define SBX_LANDLOCK_MAX_RULES 128 /* the view (20) and up to SBX_MAX_TREES binds */

struct sbx__landlock_paths {
    struct sbx__landlock_rule rules[SBX_LANDLOCK_MAX_RULES];
    size_t n;
    bool enable_network; /* false: TCP bind and connect are handled with no rule (denied) */
    /* With the network on: TCP connect allowed to these ports only (none listed: connect is not
     * handled, any port), bind to these only (none listed: no bind). Borrowed. */
    const uint16_t *connect_ports, *bind_ports;
    size_t n_connect_ports, n_bind_ports;
};

/*
 * The rules for the view mounts.c builds: "/", /usr, /bin, /sbin, /lib*, /etc, `interp_prefix`
 * (may be NULL or ""; kept as a pointer), /proc, /dev and its device files, /dev/shm, /tmp and
 * /work. Returns 0.
 */
SBX_INTERNAL int sbx__landlock_paths_init(struct sbx__landlock_paths *p, const char *interp_prefix,
                                          bool enable_network);

/* Add one rule (`path` is kept as a pointer). 0, or -E2BIG when the table is full. */
SBX_INTERNAL int sbx__landlock_paths_add(struct sbx__landlock_paths *p, const char *path,
                                         enum sbx__landlock_kind kind, bool optional);

/* The kernel's Landlock ABI (1, 2, ...), or a negative errno: -EOPNOTSUPP when Landlock is
 * built but disabled at boot, -ENOSYS when it is not built. */
SBX_INTERNAL int sbx__landlock_probe(void);

/* The file system rights handled at `abi` (capped at SBX_LANDLOCK_ABI_MAX); 0 if abi < 1. */
SBX_INTERNAL uint64_t sbx__landlock_handled_fs(int abi);

/*
 * Restrict the calling process (and every process it starts) to `p`, at min(abi,
 * SBX_LANDLOCK_ABI_MAX). Needs no_new_privs (checked: it is refused without). Paths are opened
 * O_PATH in the current root. No allocation: safe between clone and exec. 0 or a negative errno
 * (err set).
 */
SBX_INTERNAL int sbx__landlock_apply(const struct sbx__landlock_paths *p, int abi,
                                     struct sbx_error *err);

/* What the enforcement map says: "abi-N" for what apply() used at `abi`, else "unavailable". */
SBX_INTERNAL void sbx__landlock_describe(int abi, char *buf, size_t len);

#endif
