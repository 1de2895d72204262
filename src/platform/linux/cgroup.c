/*
 * cgroup discovery and helpers shared by v1 and v2 (see cgroup.h). Trusts: the cgroup file
 * systems under root_fd and /proc/self/cgroup. Writes only below the parent it found.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const char *const ctrl_names[SBX_CG__N] = {"memory", "pids", "cpu", "cpuacct"};

void sbx__cgroup_init(struct sbx__cgroup *cg)
{
    memset(cg, 0, sizeof(*cg));
    for (int i = 0; i < SBX_CG__N; i++) {
        cg->parent_fd[i] = cg->dir_fd[i] = -1;
        cg->alias[i] = i;
    }
    for (int i = 0; i < SBX_CG_STAT_SLOTS; i++)
        cg->stat_fd[i] = -1;
}

void sbx__cg_close_stats(struct sbx__cgroup *cg)
{
    for (int i = 0; i < SBX_CG_STAT_SLOTS; i++) {
        if (cg->stat_fd[i] >= 0)
            close(cg->stat_fd[i]);
        cg->stat_fd[i] = -1;
    }
}

void sbx__cgroup_close(struct sbx__cgroup *cg)
{
    sbx__cg_close_stats(cg);
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->parent_fd[i] >= 0 && cg->alias[i] == i)
            close(cg->parent_fd[i]);
        if (cg->dir_fd[i] >= 0 && cg->alias[i] == i)
            close(cg->dir_fd[i]);
        cg->parent_fd[i] = cg->dir_fd[i] = -1;
    }
}

int sbx__cg_write(int dirfd, const char *file, const char *value)
{
    int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, value, strlen(value));
    int r = n < 0 ? -errno : 0;
    close(fd);
    return r;
}

int sbx__cg_set(int dirfd, const char *file, const char *value, struct sbx_error *err)
{
    int r = sbx__cg_write(dirfd, file, value);
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -r, "writing %s = %s", file, value);
    return 0;
}

int sbx__cg_read(int dirfd, const char *file, char *buf, size_t size)
{
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = sbx__read_full(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return (int)n;
    buf[n] = '\0';
    return (int)n;
}

static int parse_u64(const char *buf, uint64_t *ret)
{
    if (!strncmp(buf, "max", 3)) {
        *ret = UINT64_MAX;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf)
        return -EINVAL;
    *ret = v;
    return 0;
}

int sbx__cg_read_u64(int dirfd, const char *file, uint64_t *ret)
{
    char buf[64];
    int r = sbx__cg_read(dirfd, file, buf, sizeof(buf));
    return r < 0 ? r : parse_u64(buf, ret);
}

int sbx__cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
    char buf[4096];
    int r = sbx__cg_read(dirfd, file, buf, sizeof(buf));
    return r < 0 ? r : sbx__cg_parse_key(buf, key, ret);
}

int sbx__cg_read_stat(struct sbx__cgroup *cg, int slot, int dirfd, const char *file, char *buf,
                      size_t size)
{
    if (slot < 0 || slot >= SBX_CG_STAT_SLOTS)
        return -EINVAL;
    if (cg->stat_fd[slot] < 0) {
        cg->stat_fd[slot] = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
        if (cg->stat_fd[slot] < 0)
            return -errno;
    }
    /* From offset 0 each time: the kernel regenerates the text. */
    if (lseek(cg->stat_fd[slot], 0, SEEK_SET) < 0)
        return -errno;
    ssize_t n = sbx__read_full(cg->stat_fd[slot], buf, size - 1);
    if (n < 0)
        return (int)n;
    buf[n] = '\0';
    return (int)n;
}

int sbx__cg_stat_u64(struct sbx__cgroup *cg, int slot, int dirfd, const char *file, uint64_t *ret)
{
    char buf[64];
    int r = sbx__cg_read_stat(cg, slot, dirfd, file, buf, sizeof(buf));
    return r < 0 ? r : parse_u64(buf, ret);
}

int sbx__cg_stat_key(struct sbx__cgroup *cg, int slot, int dirfd, const char *file, const char *key,
                     uint64_t *ret)
{
    char buf[4096];
    int r = sbx__cg_read_stat(cg, slot, dirfd, file, buf, sizeof(buf));
    return r < 0 ? r : sbx__cg_parse_key(buf, key, ret);
}

int sbx__cg_parse_key(const char *text, const char *key, uint64_t *ret)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, key, klen) && line[klen] == ' ') {
            *ret = strtoull(line + klen + 1, NULL, 10);
            return 0;
        }
    }
    return -ENOENT;
}

int sbx__cg_mkdir(const struct sbx__cgroup *cg, int dirfd, const char *name)
{
    int r = cg->mkdir_fn ? cg->mkdir_fn(dirfd, name, 0755) : mkdirat(dirfd, name, 0755);
    return r < 0 ? -errno : 0;
}

int sbx__cg_make_claimed(const struct sbx__cgroup *cg, int parent_fd, const char *name)
{
    for (int attempt = 0; attempt < 32; attempt++) {
        int r = cg->mkdir_fn ? cg->mkdir_fn(parent_fd, name, 0700) : mkdirat(parent_fd, name, 0700);
        if (r < 0)
            return -errno;
        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                continue; /* a reaper took it between mkdir and open */
            return -errno;
        }
        struct stat a, b;
        /* Another run's reaper may hold the lock for a moment (it found the dir unlocked, and
         * removes it or gives up): wait for it, up to about a second. */
        for (int i = 0; (r = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EWOULDBLOCK && i < 2000;
             i++) {
            struct timespec ts = {0, 500 * 1000};
            nanosleep(&ts, NULL);
        }
        if (r < 0) {
            r = errno == EWOULDBLOCK ? -EBUSY : -errno;
            close(fd);
            return r;
        }
        /* Still the dir we made? A reaper may have removed it before the lock was ours. */
        if (fstat(fd, &a) == 0 && fstatat(parent_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
            a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            return fd;
        close(fd);
    }
    return -EAGAIN;
}

int sbx__cg_rmdir(int parent_fd, const char *name)
{
    /* Tasks that have exited may still be accounted for a moment: retry for up to ~200 ms. */
    for (int i = 0; i < 40; i++) {
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -errno;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -EBUSY;
}

/* The path of the hierarchy line of /proc/self/cgroup that lists `ctrl` ("" for v2's "0::"). */
static int self_path(const char *self, const char *ctrl, char *ret, size_t size, int *ret_line)
{
    int line_no = 0;
    for (const char *line = self; line && *line; line_no++) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        if (c2) {
            size_t clen = (size_t)(c2 - c1 - 1);
            int match = 0;
            if (!*ctrl)
                match = clen == 0 && c1 - line == 1 && line[0] == '0';
            else
                for (const char *p = c1 + 1; p < c2;) {
                    const char *comma = memchr(p, ',', (size_t)(c2 - p));
                    const char *e = comma ? comma : c2;
                    if ((size_t)(e - p) == strlen(ctrl) && !strncmp(p, ctrl, strlen(ctrl)))
                        match = 1;
                    p = e + 1;
                }
            if (match) {
                snprintf(ret, size, "%.*s", (int)(line + len - c2 - 1), c2 + 1);
                if (ret_line)
                    *ret_line = line_no;
                return 0;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return -ENOENT;
}

/* openat of "base/path" relative to root_fd, path being absolute inside the hierarchy. */
static int open_in(int root_fd, const char *base, const char *path)
{
    char full[PATH_MAX];
    snprintf(full, sizeof(full), "%s%s%s", base, path[0] == '/' ? "" : "/", path);
    while (strstr(full, "//"))
        memmove(strstr(full, "//"), strstr(full, "//") + 1, strlen(strstr(full, "//")));
    size_t n = strlen(full);
    if (n > 1 && full[n - 1] == '/')
        full[n - 1] = '\0';
    return openat(root_fd, full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
            (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return 1;
    return 0;
}

static int try_v2(int root_fd, const char *self, const char *override, unsigned need,
                  struct sbx__cgroup *cg)
{
    const char *base = NULL;
    if (faccessat(root_fd, "cgroup.controllers", F_OK, 0) == 0)
        base = ".";
    else if (faccessat(root_fd, "unified/cgroup.controllers", F_OK, 0) == 0)
        base = "unified";
    char path[PATH_MAX];
    if (!base || (!override && self_path(self, "", path, sizeof(path), NULL) < 0))
        return -ENOENT;
    if (override)
        snprintf(path, sizeof(path), "%s", override);
    int fd = open_in(root_fd, base, path);
    if (fd < 0)
        return -ENOENT;
    char ctrls[512];
    if (sbx__cg_read(fd, "cgroup.controllers", ctrls, sizeof(ctrls)) < 0)
        ctrls[0] = '\0';
    unsigned avail = SBX_CG_BIT(SBX_CG_CPUACCT); /* cpu.stat exists in every v2 cgroup */
    for (int i = 0; i < SBX_CG_CPUACCT; i++)
        if (has_word(ctrls, ctrl_names[i]))
            avail |= SBX_CG_BIT(i);
    if ((avail & need) != need) {
        close(fd);
        return -ENOENT;
    }
    cg->ops = &sbx__cgroup_v2_ops;
    cg->available = avail;
    cg->parent_fd[0] = fd;
    for (int i = 1; i < SBX_CG__N; i++)
        cg->alias[i] = 0, cg->parent_fd[i] = fd;
    snprintf(cg->where, sizeof(cg->where), "cgroup2 %.200s", path);
    return 0;
}

static int try_v1(int root_fd, const char *self, const char *override, unsigned need,
                  struct sbx__cgroup *cg)
{
    int lines[SBX_CG__N];
    for (int i = 0; i < SBX_CG__N; i++) {
        char path[PATH_MAX];
        lines[i] = -1;
        if (self_path(self, ctrl_names[i], path, sizeof(path), &lines[i]) < 0)
            continue;
        for (int j = 0; j < i; j++)
            if (lines[j] == lines[i] && cg->parent_fd[j] >= 0) {
                cg->alias[i] = j; /* same hierarchy (e.g. cpu,cpuacct): one directory */
                cg->parent_fd[i] = cg->parent_fd[j];
                cg->available |= SBX_CG_BIT(i);
            }
        if (cg->alias[i] != i)
            continue;
        int fd = open_in(root_fd, ctrl_names[i], override ? override : path);
        if (fd < 0)
            continue;
        cg->parent_fd[i] = fd;
        cg->available |= SBX_CG_BIT(i);
        if (i == SBX_CG_MEMORY)
            snprintf(cg->where, sizeof(cg->where), "cgroup v1 memory:%.200s",
                     override ? override : path);
    }
    if ((cg->available & need) != need) {
        sbx__cgroup_close(cg);
        sbx__cgroup_init(cg);
        return -ENOENT;
    }
    cg->ops = &sbx__cgroup_v1_ops;
    return 0;
}

int sbx__cgroup_open_parent(int root_fd, const char *self_cgroup, const char *parent_override,
                            unsigned need, struct sbx__cgroup *cg, struct sbx_error *err)
{
    sbx__cgroup_init(cg);
    if (try_v2(root_fd, self_cgroup, parent_override, need, cg) < 0 &&
        try_v1(root_fd, self_cgroup, parent_override, need, cg) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, ENOENT,
                          "no cgroup hierarchy here offers the controllers the limits need "
                          "(memory, pids, cpu)");
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->parent_fd[i] < 0 || cg->alias[i] != i)
            continue;
        if (faccessat(cg->parent_fd[i], ".", W_OK, AT_EACCESS) < 0) {
            int e = errno;
            char where[256];
            snprintf(where, sizeof(where), "%s", cg->where);
            sbx__cgroup_close(cg);
            return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, e,
                              "cannot create cgroups under %s, which this user may not write: "
                              "%s, point --cgroup-parent at a cgroup delegated to this user, or "
                              "accept weaker limits (rlimits) with --allow-weaker-limits",
                              where,
                              cg->ops == &sbx__cgroup_v2_ops
                                  ? "run under `systemd-run --user --scope -p Delegate=yes`"
                                  : "cgroup v1 cannot be delegated safely, so run as root");
        }
    }
    return 0;
}

int sbx__cgroup_open_host_parent(const char *parent_override, unsigned need, struct sbx__cgroup *cg,
                                 struct sbx_error *err)
{
    char self[4096] = "";
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = sbx__read_full(fd, self, sizeof(self) - 1);
        self[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    int root = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        sbx__cgroup_init(cg);
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, errno,
                          "no cgroup file system at /sys/fs/cgroup");
    }
    int r = sbx__cgroup_open_parent(root, self, parent_override, need, cg, err);
    close(root);
    return r;
}

/* No task left in the cgroup (or it cannot be read: then nothing is claimed either way). */
static bool no_tasks(int dirfd)
{
    char buf[16];
    return sbx__cg_read(dirfd, "cgroup.procs", buf, sizeof(buf)) == 0;
}

int sbx__cgroup_reap_stale(struct sbx__cgroup *cg)
{
    int removed = 0;
    for (int i = 0; i < SBX_CG__N; i++) {
        if (cg->parent_fd[i] < 0 || cg->alias[i] != i)
            continue;
        int fd = openat(cg->parent_fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, "sbx-", 4) || !strcmp(de->d_name, "sbx-supervisor"))
                continue;
            int run = openat(cg->parent_fd[i], de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (run < 0)
                continue;
            /* A live run's supervisor holds this lock for the whole run. Holding it, check the
             * name still means this dir: a creator may have made the name again since we
             * opened it (and only the lock holder removes a dir, so it cannot change after). */
            struct stat a, b;
            if (flock(run, LOCK_EX | LOCK_NB) == 0 && fstat(run, &a) == 0 &&
                fstatat(cg->parent_fd[i], de->d_name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
                a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
                int r = unlinkat(cg->parent_fd[i], de->d_name, AT_REMOVEDIR);
                /* Tasks of a run that just died may still be accounted for a moment. */
                if (r < 0 && errno == EBUSY && no_tasks(run))
                    r = sbx__cg_rmdir(cg->parent_fd[i], de->d_name);
                removed += r == 0;
            }
            close(run);
        }
        closedir(d);
    }
    return removed;
}
