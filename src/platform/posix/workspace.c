/*
 * Run directories (layout in workspace.h). Trusts: the base dir, once checked to be ours and
 * 0700. Does not trust: anything under run-<id>/work, which the sandboxed program writes; it is
 * only ever removed, through fs.c's no-follow, same-file-system removal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/posix/workspace.h"
#include "util/cleanup.h"
#include "util/fs.h"

void sbx__random_id(char ret[40])
{
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        /* getrandom never fails for 16 bytes once the pool is ready; mix in what we have. */
        uint64_t t = (uint64_t)getpid() ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)b;
        for (size_t i = 0; i < sizeof(b); i++)
            b[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)i;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(ret, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

int sbx__workspace_base(const char *root, char *ret_path, struct sbx_error *err)
{
    /* A configured dir (working_dir, tmp_dir) is made when missing; $TMPDIR is not. */
    if (root && mkdir(root, 0755) < 0 && errno != EEXIST)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_WORKSPACE, errno,
                          "cannot create the directory '%s'", root);
    if (!root) {
        root = getenv("TMPDIR");
        if (!root || root[0] != '/')
            root = "/tmp";
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/rusty-sandbox-%u", root, (unsigned)geteuid()) >=
        (int)sizeof(path) - 128)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_WORKSPACE, ENAMETOOLONG,
                          "workspace root '%.200s'", root);
    int fd = sbx__private_dir(path, geteuid());
    if (fd == -EPERM)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_WORKSPACE, EPERM,
                          "workspace dir '%s' belongs to another user or is not private; remove "
                          "it or choose another workspace root",
                          path);
    if (fd < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_WORKSPACE, -fd,
                          "cannot use workspace dir '%s'", path);
    sbx__workspace_reap_stale(fd);
    snprintf(ret_path, PATH_MAX, "%s", path);
    return fd;
}

static int lock_is_stale(int base_fd, const char *lock_name)
{
    _cleanup_close_ int fd = openat(base_fd, lock_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0)
        return 0; /* a live supervisor holds it */
    /* We hold the lock: remove the dir first, then the lock file, still holding the lock. */
    char dir[NAME_MAX + 1];
    snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(lock_name) - strlen(".lock")), lock_name);
    sbx__rm_rf_at(base_fd, dir);
    unlinkat(base_fd, lock_name, 0);
    return 1;
}

int sbx__workspace_reap_stale(int base_fd)
{
    /* A new open file description: a dup would share (and leave) the read position. */
    int dup_fd = openat(base_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup_fd < 0)
        return 0;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return 0;
    }
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 9 && !strncmp(de->d_name, "run-", 4) && !strcmp(de->d_name + n - 5, ".lock"))
            removed += lock_is_stale(base_fd, de->d_name);
    }
    closedir(d);
    return removed;
}

/* Create and lock run-<id>.lock; retries when a reaper unlinked it under us. */
static int take_lock(int base_fd, struct sbx__workspace *ws)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        sbx__random_id(ws->id);
        char name[64];
        snprintf(name, sizeof(name), "run-%s.lock", ws->id);
        int fd = openat(base_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return -errno;
        }
        struct stat a, b;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 &&
            fstatat(base_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino)
            return fd;
        close(fd); /* a reaper saw it unlocked between open and flock: start again */
    }
    return -EAGAIN;
}

int sbx__workspace_create(int base_fd, const char *base_path, int scratch_fd,
                          const char *scratch_path, uid_t uid, gid_t gid, int keep,
                          struct sbx__workspace *ret, struct sbx_error *err)
{
    struct sbx__workspace ws = {
        .base_fd = base_fd, .scratch_fd = scratch_fd, .lock_fd = -1, .run_fd = -1, .work_fd = -1};
    /* Only a kept run has a directory here, guarded by its lock; any other run leaves no
     * trace in the base dir (a run's cgroup carries its own live mark, see cgroup.h). */
    int r = keep ? take_lock(base_fd, &ws) : 0;
    if (r < 0) {
        sbx__workspace_finish(&ws, 0);
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_WORKSPACE, -r,
                          "cannot create a run lock in '%s'", base_path);
    }
    if (!keep)
        sbx__random_id(ws.id);
    ws.lock_fd = keep ? r : -1;
    char name[64];
    snprintf(name, sizeof(name), "run-%s", ws.id);
    if (snprintf(ws.run_path, sizeof(ws.run_path) - 8, "%s/%s", base_path, name) >=
        (int)sizeof(ws.run_path) - 8) {
        sbx__workspace_finish(&ws, 0);
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_WORKSPACE, ENAMETOOLONG, "'%s'", base_path);
    }
    snprintf(ws.work_path, sizeof(ws.work_path), "%.4000s/work", ws.run_path);
    snprintf(ws.mnt_path, sizeof(ws.mnt_path), "%.4000s/mnt", scratch_path);
    const char *what = ws.mnt_path;
    /* One mount point for every run's root: each mounts it in its own private mount
     * namespace, so they never see each other's, and no directory is made per run. */
    if (mkdirat(scratch_fd, "mnt", 0755) < 0 && errno != EEXIST)
        goto fail;
    if (!keep) {
        *ret = ws;
        return 0;
    }
    what = ws.run_path;
    if (mkdirat(base_fd, name, 0700) < 0)
        goto fail;
    ws.run_fd = openat(base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ws.run_fd < 0)
        goto fail;
    what = ws.work_path;
    if (mkdirat(ws.run_fd, "work", 0700) < 0)
        goto fail;
    ws.work_fd = openat(ws.run_fd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ws.work_fd < 0)
        goto fail;
    if ((uid != geteuid() || gid != getegid()) && fchown(ws.work_fd, uid, gid) < 0)
        goto fail;
    *ret = ws;
    return 0;
fail:
    r = errno;
    sbx__workspace_finish(&ws, 0);
    return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_WORKSPACE, r, "cannot create '%s'", what);
}

int sbx__workspace_finish(struct sbx__workspace *ws, int keep)
{
    int r = 0;
    if (ws->work_fd >= 0)
        close(ws->work_fd);
    if (ws->run_fd >= 0)
        close(ws->run_fd);
    if (ws->base_fd >= 0 && ws->id[0] && ws->lock_fd >= 0) { /* a kept run's dir and lock */
        char name[64];
        if (!keep) {
            snprintf(name, sizeof(name), "run-%s", ws->id);
            r = sbx__rm_rf_at(ws->base_fd, name);
        }
        snprintf(name, sizeof(name), "run-%s.lock", ws->id);
        if (!keep || r == 0)
            unlinkat(ws->base_fd, name, 0);
    }
    if (ws->lock_fd >= 0)
        close(ws->lock_fd);
    if (ws->base_fd >= 0)
        close(ws->base_fd);
    if (ws->scratch_fd >= 0)
        close(ws->scratch_fd);
    ws->work_fd = ws->run_fd = ws->lock_fd = ws->base_fd = ws->scratch_fd = -1;
    return r;
}
