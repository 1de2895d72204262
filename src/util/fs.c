/*
 * Host-side file helpers. SECURITY: workspaces are writable by the sandboxed program, so the
 * host never resolves a path inside them: all work is *at() relative to a trusted dir fd, with
 * O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, and removal stays on the workspace's own file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

int sbx__write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t sbx__read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int sbx__pread_each(int fd, int (*fn)(void *ud, const char *buf, size_t len), void *ud)
{
    char buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        int r = fn(ud, buf, (size_t)n);
        if (r < 0)
            return r;
        off += n;
    }
}

int sbx__copy_into(int src_fd, int dirfd, const char *name, mode_t mode, uint64_t max_bytes)
{
    _cleanup_close_ int out =
        openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (out < 0)
        return -errno;
    char buf[65536];
    uint64_t copied = 0;
    for (;;) {
        ssize_t n = read(src_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        copied += (uint64_t)n;
        if (copied > max_bytes)
            return -EFBIG;
        int r = sbx__write_all(out, buf, (size_t)n);
        if (r < 0)
            return r;
    }
    if (fchmod(out, mode) < 0) /* umask must not narrow it */
        return -errno;
    return 0;
}

/*
 * Removal. One fd is held per level, so a tree deeper than the fd limit could not be walked:
 * below HOIST_DEPTH a directory is renamed up into the tree's top (same file system, checked)
 * and removed by a later pass. Each level makes one pass; the top makes passes while they
 * make progress, so an entry that cannot be removed costs passes x entries, never
 * passes^depth.
 */
#define HOIST_DEPTH 128

struct rm_ctx {
    dev_t dev;
    int top_fd;
    unsigned long progress; /* entries removed or hoisted */
    unsigned hoisted;
};

static int rm_children(struct rm_ctx *c, int dfd, int depth);

static int rm_entry(struct rm_ctx *c, int dirfd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return -errno;
        c->progress++;
        return 0;
    }
    if (st.st_dev != c->dev)
        return -EXDEV; /* a mount point: never descend into another file system */
    if ((st.st_mode & 0700) != 0700)
        (void)!fchmodat(dirfd, name, 0700, 0); /* the program may have made it unreadable */
    if (depth >= HOIST_DEPTH) {
        char to[32];
        snprintf(to, sizeof(to), ".sbx-deep-%u", c->hoisted++);
        if (renameat(dirfd, name, c->top_fd, to) == 0) {
            c->progress++;
            return 0;
        }
    }
    int dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int r = dfd < 0 ? -errno : rm_children(c, dfd, depth + 1); /* closes dfd */
    if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0) {
        c->progress++;
        return r;
    }
    if (errno == ENOENT)
        return r;
    return r < 0 ? r : -errno;
}

/* Takes ownership of dfd. */
static int rm_children(struct rm_ctx *c, int dfd, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        int r = -errno;
        close(dfd);
        return r;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int k = rm_entry(c, dirfd(d), de->d_name, depth);
        if (k < 0 && r == 0)
            r = k;
    }
    closedir(d);
    return r;
}

int sbx__rm_rf_at(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    struct rm_ctx c = {.dev = st.st_dev, .top_fd = -1};
    if (!S_ISDIR(st.st_mode))
        return rm_entry(&c, dirfd, name, 0);
    if ((st.st_mode & 0700) != 0700)
        (void)!fchmodat(dirfd, name, 0700, 0);
    c.top_fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c.top_fd < 0)
        return -errno;
    int r = 0;
    for (int pass = 0; pass < 1000; pass++) {
        unsigned long before = c.progress;
        int top = openat(c.top_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = top < 0 ? -errno : rm_children(&c, top, 1);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
            r = 0;
            break;
        }
        if (errno != ENOTEMPTY && errno != EEXIST) {
            r = r < 0 ? r : -errno;
            break;
        }
        if (c.progress == before && pass >= 2) { /* three passes without progress: give up */
            r = r < 0 ? r : -ENOTEMPTY;
            break;
        }
    }
    close(c.top_fd);
    return r;
}

int sbx__private_dir(const char *path, uid_t uid)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP || errno == ENOTDIR ? -ENOTDIR : -errno;
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) < 0)
        r = -errno;
    else if (st.st_uid != uid)
        r = -EPERM; /* SECURITY: someone else made it (a /tmp squatter): never use it */
    else if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
        r = -errno;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int sbx__mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}
