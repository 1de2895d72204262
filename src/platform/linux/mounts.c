/*
 * The sandbox's file system view, built by init in its own mount namespace.
 *
 *   /            tmpfs (1 MiB), read-only once built; owned by the sandbox's uid
 *   /usr /bin /sbin /lib* the host's, read-only (merged-/usr symlinks copied as symlinks)
 *   /etc         generated passwd, group, hostname, hosts + a few host files read-only
 *   <prefix>     the interpreter's installation prefix when it is outside /usr, read-only
 *   /dev         tmpfs with null zero full random urandom (host nodes bound), fd links, shm
 *   /proc        a fresh procfs of the sandbox's own pid namespace
 *   /tmp         private tmpfs capped at tmp_size_bytes
 *   /work        the run's workspace: a tmpfs capped at workspace_size_bytes holding a copy
 *                of the program, read-write, the cwd (with --keep copied out after the run)
 *
 * Two phases because of user namespaces. As root, init starts as host uid 0, which is not
 * mapped inside: it may look up any host path (the operator chose them) but cannot create files
 * on the new tmpfs (EOVERFLOW). So phase 1 (sbx__mounts_prepare, host identity) mounts the root
 * tmpfs and clones every host tree it needs into detached mounts (open_tree), and phase 2
 * (sbx__mounts_finish, as uid 1000 with capabilities kept) creates mount points relative to the
 * root's fd, attaches the clones (move_mount), mounts the fresh file systems (fsopen/fsmount)
 * and pivots. No host path is resolved after phase 1.
 *
 * SECURITY: the root's propagation is made slave first, so nothing here reaches the host's
 * mount table; every bind is read-only, nosuid and nodev except the device nodes (nosuid,
 * noexec); the only writable places are tmpfs mounts with a size cap (/work, /tmp, /dev/shm),
 * so filling them fails inside while the host's disks stay untouched; the old root is
 * detached after pivot_root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/linux.h"
#include "platform/linux/mounts.h"
#include "util/fs.h"

#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

static const char *const top_dirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
static const char *const etc_files[] = {
    "/etc/ld.so.cache", "/etc/ld.so.conf",   "/etc/ld.so.conf.d",
    "/etc/localtime",   "/etc/alternatives", "/etc/nsswitch.conf",
};
/* With the network on: name resolution, service names and TLS trust anchors (read-only). */
static const char *const net_etc_files[] = {
    "/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf",        "/etc/services",
    "/etc/protocols",   "/etc/ssl",       "/etc/ca-certificates",
};
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};

static int add_tree(struct sbx__mount_plan *p, const char *src, const char *dst, uint64_t attrs,
                    int optional, struct sbx_error *err)
{
    if (p->n_trees >= SBX_MAX_TREES)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, E2BIG, "too many binds");
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) {
        if (optional && errno == ENOENT)
            return 0;
        return sbx__error(err, errno == ENOSYS ? SBX_ERR_HOST : SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS,
                          errno, "cloning mount of '%s'", src);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "stat of '%s'", src);
    }
    struct sbx__tree *t = &p->trees[p->n_trees++];
    snprintf(t->dst, sizeof(t->dst), "%s", dst[0] == '/' ? dst + 1 : dst);
    t->fd = fd;
    t->attrs = attrs;
    t->is_dir = S_ISDIR(st.st_mode);
    t->late = 0;
    return 0;
}

static int add_top_dir(struct sbx__mount_plan *p, const char *path, struct sbx_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return 0;
    if (S_ISLNK(st.st_mode)) {
        if (p->n_links >= SBX_MAX_LINKS)
            return 0;
        struct sbx__link *l = &p->links[p->n_links];
        ssize_t n = readlink(path, l->target, sizeof(l->target) - 1);
        if (n < 0)
            return 0;
        l->target[n] = '\0';
        snprintf(l->name, sizeof(l->name), "%s", path + 1);
        p->n_links++;
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    return add_tree(p, path, path, RO_ATTRS, 1, err);
}

int sbx__mounts_prepare(const struct sbx__launch *l, struct sbx__mount_plan *p,
                        struct sbx_error *err)
{
    /* Not memset: the plan is ~460 KiB (PATH_MAX per tree) of static storage, zero in this
     * fresh clone; writing it all would fault in and zero ~110 pages per run (about 0.3 ms).
     * Entries are written in full as they are added. */
    p->n_trees = p->n_links = 0;
    p->root_fd = p->keep_fd = -1;
    int r;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "making / a slave mount");
    const char *root = l->root_mnt;
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755,uid=1000,gid=1000,size=1m,nr_inodes=4096") < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "mounting the root tmpfs on '%s'", root);
    p->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (p->root_fd < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "opening '%s'", root);

    if ((r = add_tree(p, "/usr", "/usr", RO_ATTRS, 0, err)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(top_dirs); i++)
        if ((r = add_top_dir(p, top_dirs[i], err)) < 0)
            return r;
    for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
        if ((r = add_tree(p, etc_files[i], etc_files[i], RO_ATTRS, 1, err)) < 0)
            return r;
    for (size_t i = 0; l->policy->enable_network && i < ARRAY_SIZE(net_etc_files); i++)
        if ((r = add_tree(p, net_etc_files[i], net_etc_files[i], RO_ATTRS, 1, err)) < 0)
            return r;
    if (l->interp_prefix[0] &&
        (r = add_tree(p, l->interp_prefix, l->interp_prefix, RO_ATTRS, 0, err)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
        char src[32], dst[32];
        snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
        snprintf(dst, sizeof(dst), "dev/%s", dev_nodes[i]);
        if ((r = add_tree(p, src, dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, err)) < 0)
            return r;
    }
    for (size_t i = 0; i < l->n_binds; i++) {
        const struct sbx_bind *b = &l->binds[i];
        uint64_t attrs = b->writable ? MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV : RO_ATTRS;
        if ((r = add_tree(p, b->path, b->path, attrs, 0, err)) < 0)
            return r;
        p->trees[p->n_trees - 1].late = 1;
    }
    if (l->keep_dir) {
        p->keep_fd = open(l->keep_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (p->keep_fd < 0)
            return sbx__error_errno(err, SBX_STAGE_MOUNTS, "opening '%s'", l->keep_dir);
    }
    return 0;
}

/* mkdir -p of a path relative to dirfd; the last component too. */
static int mkdirs_at(int dirfd, const char *rel)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", rel);
    for (char *p = buf;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (buf[0] && mkdirat(dirfd, buf, 0755) < 0 && errno != EEXIST)
                return -errno;
            if (!c)
                return 0;
            *p = c;
        }
    }
}

static int make_mountpoint(int root_fd, const struct sbx__tree *t)
{
    if (t->is_dir)
        return mkdirs_at(root_fd, t->dst);
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", t->dst);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        int r = mkdirs_at(root_fd, parent);
        if (r < 0)
            return r;
    }
    int fd = openat(root_fd, t->dst, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

static int attach_tree(int root_fd, struct sbx__tree *t, struct sbx_error *err)
{
    struct mount_attr a = {.attr_set = t->attrs};
    int r = make_mountpoint(root_fd, t);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, -r, "creating /%s", t->dst);
    if (mount_setattr(t->fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
        return sbx__error(err, errno == ENOSYS ? SBX_ERR_HOST : SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS,
                          errno, "setting mount flags of /%s", t->dst);
    if (move_mount(t->fd, "", root_fd, t->dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "attaching /%s", t->dst);
    close(t->fd);
    t->fd = -1;
    return 0;
}

/* A fresh file system of `type` with `opts` ("k=v,k=v"), attached at root_fd/dst. */
static int attach_fresh(int root_fd, const char *type, const char *dst, const char *opts,
                        unsigned attrs, struct sbx_error *err)
{
    int r = mkdirs_at(root_fd, dst);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, -r, "creating /%s", dst);
    int fs = fsopen(type, FSOPEN_CLOEXEC);
    if (fs < 0)
        return sbx__error(err, errno == ENOSYS ? SBX_ERR_HOST : SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS,
                          errno, "fsopen(%s) for /%s", type, dst);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", opts);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        if (fsconfig(fs, FSCONFIG_SET_STRING, kv, eq ? eq + 1 : NULL, 0) < 0 &&
            (eq || fsconfig(fs, FSCONFIG_SET_FLAG, kv, NULL, 0) < 0)) {
            r = errno;
            close(fs);
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, r, "option %s of /%s", kv,
                              dst);
        }
    }
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        r = errno;
        close(fs);
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_MOUNTS, r,
                          "creating %s for /%s (a host that hides parts of /proc, such as a "
                          "container, refuses a new procfs)",
                          type, dst);
    }
    int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
    close(fs);
    if (m < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "fsmount of /%s", dst);
    r = move_mount(m, "", root_fd, dst, MOVE_MOUNT_F_EMPTY_PATH);
    int e = errno;
    close(m);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, e, "attaching /%s", dst);
    return 0;
}

static int write_chunk(void *fd, const char *buf, size_t len)
{
    return sbx__write_all(*(int *)fd, buf, len);
}

/* The program into /work, read with pread so the caller's file offset is not disturbed. */
static int copy_program(int root_fd, const struct sbx__launch *l, struct sbx_error *err)
{
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s/%s", SBX_WORK_DIR + 1, l->program_name);
    int out = openat(root_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "creating /%s", rel);
    int r = sbx__pread_each(l->program_fd, write_chunk, &out);
    close(out);
    if (r < 0)
        return sbx__error(err, r == -ENOSPC ? SBX_ERR_USAGE : SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS,
                          -r, "copying the program into /%s (is the workspace size too small?)",
                          rel);
    return 0;
}

static int write_file_at(int dirfd, const char *name, const char *text)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int r = sbx__write_all(fd, text, strlen(text));
    close(fd);
    return r;
}

static int make_etc(int root_fd, struct sbx_error *err)
{
    static const struct {
        const char *name, *text;
    } files[] = {
        {"etc/passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                       "sandbox:x:1000:1000:sandbox:/work:/bin/sh\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
        {"etc/group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n"},
        {"etc/hostname", SBX_HOSTNAME "\n"},
        {"etc/hosts", "127.0.0.1\tlocalhost " SBX_HOSTNAME "\n::1\tlocalhost ip6-localhost\n"},
    };
    int r = mkdirs_at(root_fd, "etc");
    for (size_t i = 0; r == 0 && i < ARRAY_SIZE(files); i++)
        if ((r = write_file_at(root_fd, files[i].name, files[i].text)) < 0)
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, -r, "writing /%s",
                              files[i].name);
    return r < 0 ? sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_MOUNTS, -r, "creating /etc") : 0;
}

static int make_dev(int root_fd, uint64_t shm_bytes, struct sbx_error *err)
{
    static const char *const links[][2] = {
        {"/proc/self/fd", "dev/fd"},
        {"/proc/self/fd/0", "dev/stdin"},
        {"/proc/self/fd/1", "dev/stdout"},
        {"/proc/self/fd/2", "dev/stderr"},
    };
    int r = attach_fresh(root_fd, "tmpfs", "dev", "mode=0755,uid=1000,gid=1000,size=64k",
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(links); i++)
        if (symlinkat(links[i][0], root_fd, links[i][1]) < 0)
            return sbx__error_errno(err, SBX_STAGE_MOUNTS, "creating /%s", links[i][1]);
    char opts[96];
    snprintf(opts, sizeof(opts), "mode=1777,size=%llu", (unsigned long long)shm_bytes);
    return attach_fresh(root_fd, "tmpfs", "dev/shm", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                        err);
}

int sbx__mounts_finish(const struct sbx__launch *l, struct sbx__mount_plan *p,
                       struct sbx_error *err)
{
    int rfd = p->root_fd, r;
    for (size_t i = 0; i < p->n_links; i++)
        if (symlinkat(p->links[i].target, rfd, p->links[i].name) < 0)
            return sbx__error_errno(err, SBX_STAGE_MOUNTS, "creating /%s", p->links[i].name);
    if ((r = make_etc(rfd, err)) < 0 || (r = make_dev(rfd, l->policy->tmp_size_bytes, err)) < 0)
        return r;
    for (size_t i = 0; i < p->n_trees; i++)
        if (!p->trees[i].late && (r = attach_tree(rfd, &p->trees[i], err)) < 0)
            return r;
    if ((r = attach_fresh(rfd, "proc", "proc", "",
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err)) < 0)
        return r;
    char opts[96];
    snprintf(opts, sizeof(opts), "mode=1777,size=%llu",
             (unsigned long long)l->policy->tmp_size_bytes);
    if ((r = attach_fresh(rfd, "tmpfs", "tmp", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err)) <
        0)
        return r;
    snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
             (unsigned long long)l->policy->workspace_size_bytes);
    if ((r = attach_fresh(rfd, "tmpfs", SBX_WORK_DIR + 1, opts,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err)) < 0 ||
        (r = copy_program(rfd, l, err)) < 0)
        return r;
    for (size_t i = 0; i < p->n_trees; i++)
        if (p->trees[i].late && (r = attach_tree(rfd, &p->trees[i], err)) < 0)
            return r;

    /* pivot_root(".", ".") stacks the old root under the new one; detaching "." then removes
     * it, with no directory needed to hold it (the trick runc and bubblewrap use). */
    if (fchdir(rfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "detaching the old root");
    close(rfd);
    p->root_fd = -1;
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", 0, &ro, sizeof(ro)) < 0 ||
        mount_setattr(AT_FDCWD, "/dev", 0, &ro, sizeof(ro)) < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "making / and /dev read-only");
    if (chdir(SBX_WORK_DIR) < 0)
        return sbx__error_errno(err, SBX_STAGE_MOUNTS, "entering " SBX_WORK_DIR);
    return 0;
}
