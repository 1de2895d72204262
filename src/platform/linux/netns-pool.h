/*
 * Pre-made empty network namespaces for root's runs (DESIGN section 7). Creating a network
 * namespace costs 1.1-1.5 ms per run, most of it in the kernel's asynchronous teardown;
 * joining one that exists costs about a microsecond. The pool keeps up to SBX_NETNS_POOL_MAX
 * namespaces alive as nsfs bind mounts, <dir>/slot-<n>, like `ip netns add` does.
 *
 * SECURITY: a slot is leased exclusively, by an flock on <dir>/slot-<n>.lock held for the
 * whole run, so two concurrent runs never share a network namespace (they could otherwise
 * meet on abstract unix sockets or see each other's sockets in /proc/net). A slot's namespace
 * is owned by the host's user namespace, so the sandbox (no capability there) cannot change
 * it: its loopback stays down, as in a namespace made for the run, and nothing of a run
 * survives it (its sockets die with its processes). The directory is root's, mode 0700: only
 * root can put a namespace there, and each slot is checked to be a network namespace before
 * it is joined.
 *
 * Unprivileged users cannot make a bind mount on the host, so their runs keep creating their
 * own namespace (CLONE_NEWNET).
 */
#ifndef SBX_PLATFORM_LINUX_NETNS_POOL_H
#define SBX_PLATFORM_LINUX_NETNS_POOL_H

#include <stdbool.h>

#include "util/macros.h"

#define SBX_NETNS_POOL_DIR "/run/rusty-sandbox/netns"
#define SBX_NETNS_POOL_MAX 64u

struct sbx__netns_lease {
    int ns_fd;   /* the slot's network namespace; -1: none leased */
    int lock_fd; /* held for the life of the run */
    unsigned slot;
    bool created; /* this run made the slot */
};

#define SBX_NETNS_LEASE_INIT                                                                       \
    {                                                                                              \
        .ns_fd = -1, .lock_fd = -1                                                                 \
    }

/* Lease a free slot of the pool in `dir` (root only), creating its namespace when the slot is
 * new. Returns 0 with l->ns_fd >= 0, or a negative errno: -EAGAIN when every slot is taken;
 * the caller then makes a namespace of its own. */
SBX_INTERNAL int sbx__netns_pool_lease(const char *dir, struct sbx__netns_lease *l);
SBX_INTERNAL void sbx__netns_pool_release(struct sbx__netns_lease *l);

/*
 * Clone a child with `flags` (without CLONE_NEWNET) into the leased namespace: the calling
 * thread joins it for the clone3 and goes back to its own right after. Same return as clone3;
 * -1 with errno set when joining or returning fails (before any child exists, or, if going
 * back fails, the thread stays in the empty namespace, which only costs it the network).
 */
struct clone_args;
SBX_INTERNAL long sbx__netns_pool_clone(const struct sbx__netns_lease *l, struct clone_args *ca);

/* Remove every slot no run holds (unmount and unlink; the lock files stay, so a racing lease
 * never sees two locks for one slot). *ret_removed and *ret_busy count slots. 0 or -errno;
 * a missing pool is not an error. */
SBX_INTERNAL int sbx__netns_pool_clear(const char *dir, unsigned *ret_removed, unsigned *ret_busy);

/* Slots that exist (mounted) in `dir`, or a negative errno. */
SBX_INTERNAL int sbx__netns_pool_count(const char *dir);

#endif
