/* The pool of pre-made network namespaces (see netns-pool.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/linux/netns-pool.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* The pool directory, made if missing; refused unless it is root's and nobody else's. */
static int open_dir(const char *dir, bool create)
{
    if (create) {
        int r = sbx__mkdir_p(dir);
        if (r < 0)
            return r;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    struct stat st;
    /* SECURITY: a namespace someone else could place here would be joined by every run. */
    if (fstat(dfd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 0077)) {
        close(dfd);
        return -EPERM;
    }
    return dfd;
}

/* fd of slot `name` if it is a mounted network namespace; -ENOENT or -ESTALE otherwise. */
static int open_slot(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC ||
        ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
        close(fd);
        return -ESTALE; /* a plain file: the slot was cleared, or never made */
    }
    return fd;
}

/* A new empty network namespace bind-mounted on <dir>/<name>, made by this thread, which goes
 * straight back to its own namespace. */
static int make_slot(int dfd, const char *dir, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    close(fd);
    char target[PATH_MAX];
    if (snprintf(target, sizeof(target), "%s/%s", dir, name) >= (int)sizeof(target))
        return -ENAMETOOLONG;
    _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -errno;
    if (unshare(CLONE_NEWNET) < 0)
        return -errno;
    int r = mount("/proc/thread-self/ns/net", target, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
    if (setns(self, CLONE_NEWNET) < 0)
        return -errno;
    return r;
}

int sbx__netns_pool_lease(const char *dir, struct sbx__netns_lease *l)
{
    *l = (struct sbx__netns_lease)SBX_NETNS_LEASE_INIT;
    _cleanup_close_ int dfd = open_dir(dir, true);
    if (dfd < 0)
        return dfd;
    for (unsigned n = 0; n < SBX_NETNS_POOL_MAX; n++) {
        char name[32];
        snprintf(name, sizeof(name), "slot-%u.lock", n);
        int lock = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lock < 0)
            return -errno;
        if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
            close(lock);
            continue;
        }
        snprintf(name, sizeof(name), "slot-%u", n);
        int fd = open_slot(dfd, name);
        bool created = false;
        if (fd == -ENOENT || fd == -ESTALE) {
            int r = make_slot(dfd, dir, name);
            fd = r < 0 ? r : open_slot(dfd, name);
            created = true;
        }
        if (fd < 0) {
            close(lock);
            return fd;
        }
        *l = (struct sbx__netns_lease){.ns_fd = fd, .lock_fd = lock, .slot = n, .created = created};
        return 0;
    }
    return -EAGAIN;
}

void sbx__netns_pool_release(struct sbx__netns_lease *l)
{
    if (l->ns_fd >= 0)
        close(l->ns_fd);
    if (l->lock_fd >= 0)
        close(l->lock_fd);
    *l = (struct sbx__netns_lease)SBX_NETNS_LEASE_INIT;
}

long sbx__netns_pool_clone(const struct sbx__netns_lease *l, struct clone_args *ca)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -1;
    if (setns(l->ns_fd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(self);
        errno = e;
        return -1;
    }
    long pid = syscall(SYS_clone3, ca, sizeof(*ca));
    if (pid == 0) {
        close(self); /* SECURITY: init never holds a handle on the host's network */
        return 0;
    }
    int e = errno;
    if (setns(self, CLONE_NEWNET) < 0 && pid < 0)
        e = errno;
    close(self);
    errno = e;
    return pid;
}

int sbx__netns_pool_clear(const char *dir, unsigned *ret_removed, unsigned *ret_busy)
{
    *ret_removed = *ret_busy = 0;
    _cleanup_close_ int dfd = open_dir(dir, false);
    if (dfd == -ENOENT)
        return 0;
    if (dfd < 0)
        return dfd;
    for (unsigned n = 0; n < SBX_NETNS_POOL_MAX; n++) {
        char name[32], target[PATH_MAX];
        snprintf(name, sizeof(name), "slot-%u.lock", n);
        _cleanup_close_ int lock = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (lock < 0)
            continue;
        if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
            (*ret_busy)++;
            continue;
        }
        snprintf(name, sizeof(name), "slot-%u", n);
        snprintf(target, sizeof(target), "%s/%s", dir, name);
        /* Every mount stacked there (a slot made again over a stale one), until none is left:
         * EINVAL (not a mount point) or ENOENT (no slot file). */
        bool mounted = false;
        while (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
            mounted = true;
        if (errno != EINVAL && errno != ENOENT)
            return -errno;
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
            return -errno;
        *ret_removed += mounted;
    }
    return 0;
}

int sbx__netns_pool_count(const char *dir)
{
    _cleanup_close_ int dfd = open_dir(dir, false);
    if (dfd == -ENOENT)
        return 0;
    if (dfd < 0)
        return dfd;
    int count = 0;
    for (unsigned n = 0; n < SBX_NETNS_POOL_MAX; n++) {
        char name[32];
        snprintf(name, sizeof(name), "slot-%u", n);
        int fd = open_slot(dfd, name);
        if (fd >= 0) {
            count++;
            close(fd);
        }
    }
    return count;
}
