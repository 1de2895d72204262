/*
 * The live registry's directory rule (docs/telemetry.md), one implementation for the writer and
 * the readers. In order: $RUSTY_SANDBOX_RUNTIME_DIR itself when that variable is set and
 * absolute (tests isolate themselves with it); /run/rusty-sandbox/live as root;
 * $XDG_RUNTIME_DIR/rusty-sandbox/live when XDG_RUNTIME_DIR is an absolute directory owned by the
 * euid with mode 0700; /tmp/rusty-sandbox-<euid>/live.
 *
 * Trust: the base of each rule (/run, /tmp, $XDG_RUNTIME_DIR, the parent of
 * $RUSTY_SANDBOX_RUNTIME_DIR) is opened as given. Every component below it is one the sandbox
 * creates with mode 0700 and, created or found, must be a real directory (no symlink) owned by
 * the expected uid and not group/other-writable: in a shared /tmp another user could otherwise
 * pre-create the directory and feed entries to a reader or swap a writer's files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "telemetry/live-dir.h"
#include "util/cleanup.h"

/* Fill ret from a base and the components after it. */
static int make_path(struct sbx__live_path *ret, const char *base, size_t base_len,
                     const char *rest, bool from_env)
{
    int n = snprintf(ret->path, sizeof(ret->path), "%.*s/%s", (int)base_len, base, rest);
    if (n < 0 || (size_t)n >= sizeof(ret->path))
        return -ENAMETOOLONG;
    ret->base_len = base_len;
    ret->from_env = from_env;
    return 0;
}

/* XDG_RUNTIME_DIR counts only when it is what the XDG spec promises: ours, mode 0700. */
static bool xdg_usable(const char *xdg, uid_t euid)
{
    struct stat st;
    return xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) &&
           st.st_uid == euid && (st.st_mode & 07777) == 0700;
}

/* $RUSTY_SANDBOX_RUNTIME_DIR is the registry directory itself (finished/ inside it): its
 * parent is the base and its last component is the sandbox's (trailing slashes ignored). "/"
 * alone has no parent: then "/" is the base of "/live". */
static int from_env(struct sbx__live_path *ret, const char *env)
{
    size_t len = strlen(env);
    while (len > 1 && env[len - 1] == '/')
        len--;
    if (len == 1)
        return make_path(ret, "", 0, "live", true);
    size_t slash = len;
    while (slash > 0 && env[slash - 1] != '/')
        slash--;
    /* env[slash - 1] is the last '/', env[slash..len) the name; the base keeps no trailing '/' */
    size_t base_len = slash - 1;
    while (base_len > 0 && env[base_len - 1] == '/')
        base_len--;
    char rest[SBX_LIVE_PATH_MAX];
    int n = snprintf(rest, sizeof(rest), "%.*s", (int)(len - slash), env + slash);
    if (n < 0 || (size_t)n >= sizeof(rest))
        return -ENAMETOOLONG;
    return make_path(ret, env, base_len, rest, true);
}

int sbx__live_path(struct sbx__live_path *ret)
{
    const char *env = getenv("RUSTY_SANDBOX_RUNTIME_DIR");
    if (env && env[0] == '/')
        return from_env(ret, env);
    uid_t euid = geteuid();
    if (euid == 0)
        return make_path(ret, "/run", 4, "rusty-sandbox/live", false);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg_usable(xdg, euid)) {
        size_t len = strlen(xdg);
        while (len > 1 && xdg[len - 1] == '/')
            len--;
        return make_path(ret, xdg, len == 1 ? 0 : len, "rusty-sandbox/live", false);
    }
    return sbx__live_path_of(0, euid, ret);
}

int sbx__live_path_of(unsigned kind, uid_t uid, struct sbx__live_path *ret)
{
    char base[64], rest[64];
    if (kind == 0) {
        snprintf(rest, sizeof(rest), "rusty-sandbox-%u/live", (unsigned)uid);
        return make_path(ret, "/tmp", 4, rest, false);
    }
    int n = snprintf(base, sizeof(base), "/run/user/%u", (unsigned)uid);
    return make_path(ret, base, (size_t)n, "rusty-sandbox/live", false);
}

int sbx_live_dir(char *buf, size_t size)
{
    struct sbx__live_path p;
    int r = sbx__live_path(&p);
    if (r < 0)
        return r;
    if (strlen(p.path) >= size)
        return -ENAMETOOLONG;
    memcpy(buf, p.path, strlen(p.path) + 1);
    return 0;
}

/* Check one opened component: a directory owned by `owner`, not group/other-writable. */
static int check_component(int fd, uid_t owner, const char *path, struct sbx_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, errno, "'%s'", path);
    if (st.st_uid != owner || (st.st_mode & 022)) {
        /* SECURITY: someone else's (or a shared) directory: its entries cannot be trusted. */
        sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, 0,
                   "'%s' is owned by uid %u with mode %04o; it must be owned by uid %u and not "
                   "group- or other-writable",
                   path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)owner);
        return -EPERM;
    }
    return 0;
}

/* Open (maybe create) component `name` of `dirfd`; `path` is its full path for messages. */
static int open_component(int dirfd, const char *name, const char *path, uid_t owner, bool create,
                          struct sbx_error *err)
{
    if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, errno, "cannot create '%s'", path);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno == ELOOP ? ENOTDIR : errno;
        if (e == ENOENT) {
            sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, 0, "'%s' does not exist", path);
            return -ENOENT;
        }
        if (e == ENOTDIR) {
            sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, 0,
                       "'%s' is a symlink or not a directory: refused", path);
            return -ENOTDIR;
        }
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, e, "cannot open '%s'", path);
    }
    int r = check_component(fd, owner, path, err);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int sbx__live_dir_open(const struct sbx__live_path *p, uid_t owner, bool create,
                       struct sbx_error *err)
{
    char path[SBX_LIVE_PATH_MAX];
    memcpy(path, p->path, sizeof(path));
    path[sizeof(path) - 1] = '\0';
    if (p->base_len >= strlen(path) || path[p->base_len] != '/')
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_NONE, EINVAL, "bad registry path");
    path[p->base_len] = '\0';
    int fd = open(p->base_len ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        sbx__error(err, SBX_ERR_HOST, SBX_STAGE_NONE, e, "cannot open '%s'",
                   p->base_len ? path : "/");
        return -e;
    }
    path[p->base_len] = '/';
    char *name = path + p->base_len + 1;
    for (;;) {
        char *slash = strchr(name, '/');
        if (slash)
            *slash = '\0'; /* path now ends at this component, for messages */
        int nfd = open_component(fd, name, path, owner, create, err);
        close(fd);
        if (nfd < 0 || !slash)
            return nfd;
        fd = nfd;
        *slash = '/';
        name = slash + 1;
    }
}
