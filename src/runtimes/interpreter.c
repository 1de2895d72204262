/*
 * Finding the interpreter binary and telling its version.
 *
 * SECURITY: the interpreter runs inside the sandbox, but it is chosen by the operator (flag or
 * config) or from the operator's PATH: what is trusted here is the host file system, never the
 * program. A script (a version manager's shim) is refused rather than followed: its real target
 * depends on files and environment the sandbox does not provide.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "runtimes/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Check that `path` resolves to an executable ELF file; fill ret->path with the resolved path. */
static int check_binary(const struct sbx_runtime *rt, const char *path, char *resolved,
                        struct sbx_error *err)
{
    if (!realpath(path, resolved))
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, errno,
                          "%s interpreter '%.300s' not found", rt->name, path);
    _cleanup_close_ int fd = open(resolved, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, errno,
                          "%s interpreter '%.300s' cannot be read", rt->name, resolved);
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                          "%s interpreter '%.300s' is not an executable file", rt->name, resolved);
    unsigned char magic[4] = {0};
    ssize_t n = sbx__read_full(fd, magic, sizeof(magic));
    if (n >= 2 && magic[0] == '#' && magic[1] == '!')
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                          "%s interpreter '%.300s' is a script (a version manager's shim?), not "
                          "the interpreter itself: pass the real binary with --interpreter PATH "
                          "(or [runtimes.%s] interpreter = \"PATH\" in the config)",
                          rt->name, path, rt->name);
    if (n < 4 || memcmp(magic, "\177ELF", 4) != 0)
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                          "%s interpreter '%.300s' is not an ELF executable", rt->name, resolved);
    return 0;
}

/* The directory to bind for an interpreter outside /usr: the parent of its bin/, or its own
 * directory. Refuses prefixes that would expose a whole home or the root. */
static int find_prefix(const struct sbx_runtime *rt, const char *resolved, char *ret,
                       struct sbx_error *err)
{
    ret[0] = '\0';
    if (!strncmp(resolved, "/usr/", 5))
        return 0;
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", resolved);
    char *slash = strrchr(buf, '/');
    *slash = '\0'; /* dir of the binary */
    size_t len = strlen(buf);
    if (len >= 4 && !strcmp(buf + len - 4, "/bin"))
        buf[len - 4] = '\0';
    /* The sandbox mounts its own file systems on these: a bind under them would be hidden. */
    static const char *const covered[] = {"/tmp", "/dev", "/proc", "/work", "/sys", "/run"};
    for (size_t i = 0; i < ARRAY_SIZE(covered); i++) {
        size_t n = strlen(covered[i]);
        if (!strncmp(buf, covered[i], n) && (buf[n] == '/' || buf[n] == '\0'))
            return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                              "%s interpreter '%.300s': it is installed under %s, which the "
                              "sandbox replaces with its own; install it elsewhere (e.g. under "
                              "/opt)",
                              rt->name, resolved, covered[i]);
    }
    int depth = 0;
    for (const char *p = buf; *p; p++)
        depth += *p == '/';
    if (depth < 2 || !strcmp(buf, "/root") || (!strncmp(buf, "/home/", 6) && depth == 2))
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                          "%s interpreter '%.300s': its installation directory '%.300s' is too "
                          "broad to show inside the sandbox; install it under its own prefix "
                          "(e.g. /opt/NAME/bin)",
                          rt->name, resolved, buf[0] ? buf : "/");
    snprintf(ret, PATH_MAX, "%s", buf);
    return 0;
}

static int search_path(const struct sbx_runtime *rt, const char *path_list, char *found)
{
    if (!path_list)
        return -ENOENT;
    _cleanup_free_ char *copy = strdup(path_list);
    if (!copy)
        return -ENOMEM;
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        if (dir[0] != '/')
            continue; /* SECURITY: a relative PATH entry depends on the cwd */
        for (const char *const *name = rt->path_names; *name; name++) {
            snprintf(found, PATH_MAX, "%s/%s", dir, *name);
            if (access(found, X_OK) == 0)
                return 0;
        }
    }
    return -ENOENT;
}

int sbx_interpreter_resolve(const struct sbx_runtime *rt, const char *override, const char *search,
                            struct sbx_interpreter *ret, struct sbx_error *err)
{
    char candidate[PATH_MAX];
    if (override) {
        if (override[0] != '/')
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_RUNTIME, 0,
                              "interpreter '%.300s': must be an absolute path", override);
        if (snprintf(candidate, sizeof(candidate), "%s", override) >= (int)sizeof(candidate))
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_RUNTIME, ENAMETOOLONG,
                              "interpreter '%.100s...'", override);
    } else if (access(rt->default_interpreter, X_OK) == 0) {
        snprintf(candidate, sizeof(candidate), "%s", rt->default_interpreter);
    } else if (search_path(rt, search ? search : getenv("PATH"), candidate) < 0) {
        return sbx__error(err, SBX_ERR_NO_RUNTIME, SBX_STAGE_RUNTIME, 0,
                          "%s interpreter not found: not at '%s' nor as '%s' on PATH; install it "
                          "or pass --interpreter PATH",
                          rt->name, rt->default_interpreter, rt->path_names[0]);
    }
    struct sbx_interpreter tmp;
    int r = check_binary(rt, candidate, tmp.path, err);
    if (r < 0)
        return r;
    if ((r = find_prefix(rt, tmp.path, tmp.prefix, err)) < 0)
        return r;
    *ret = tmp;
    return 0;
}

void sbx__version_last_word(const char *output, char *ret)
{
    ret[0] = '\0';
    size_t line = strcspn(output, "\r\n");
    size_t end = line;
    while (end > 0 && (output[end - 1] == ' ' || output[end - 1] == '\t'))
        end--;
    size_t start = end;
    while (start > 0 && output[start - 1] != ' ' && output[start - 1] != '\t')
        start--;
    size_t n = MIN(end - start, (size_t)SBX_VERSION_MAX - 1);
    memcpy(ret, output + start, n);
    ret[n] = '\0';
}

/* Read from fd until EOF or the deadline; returns bytes read (the buffer is NUL-terminated). */
static size_t read_until(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t got = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (got + 1 < cap) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (spent >= timeout_ms || poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
            break;
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

int sbx_interpreter_version(const struct sbx_runtime *rt, const struct sbx_interpreter *interp,
                            char *ret)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    char path[PATH_MAX], flag[] = "--version", env_path[] = "PATH=/usr/bin:/bin",
                         env_lang[] = "LANG=C";
    snprintf(path, sizeof(path), "%s", interp->path);
    char *const argv[] = {path, flag, NULL};
    char *const envp[] = {env_path, env_lang, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return -r;
    }
    char out[512];
    read_until(p[0], out, sizeof(out), 5000);
    close(p[0]);
    kill(pid, SIGKILL); /* no-op if it already exited; it may hang, it must not outlive us */
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    rt->parse_version(out, ret);
    return ret[0] ? 0 : -ENODATA;
}

void sbx__interpreter_version_cached(const struct sbx_runtime *rt,
                                     const struct sbx_interpreter *interp, int cache_dirfd,
                                     char *ret)
{
    ret[0] = '\0';
    struct stat st;
    if (stat(interp->path, &st) < 0)
        return;
    char key[256], name[64];
    snprintf(key, sizeof(key), "%s %llu %llu %lld %lld.%09ld", rt->name,
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    uint32_t h = 2166136261u; /* FNV-1a of the key and path picks the file name */
    for (const char *s = key; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    for (const char *s = interp->path; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    snprintf(name, sizeof(name), "version-%08x", h);

    char line[512];
    int fd = openat(cache_dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = sbx__read_full(fd, line, sizeof(line) - 1);
        close(fd);
        line[n > 0 ? n : 0] = '\0';
        size_t klen = strlen(key);
        if (n > 0 && !strncmp(line, key, klen) && line[klen] == '\n') {
            snprintf(ret, SBX_VERSION_MAX, "%.*s", (int)strcspn(line + klen + 1, "\n"),
                     line + klen + 1);
            return;
        }
    }
    if (sbx_interpreter_version(rt, interp, ret) < 0)
        return;
    char tmp[80];
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
    fd = openat(cache_dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int n = snprintf(line, sizeof(line), "%s\n%s\n", key, ret);
    int w = sbx__write_all(fd, line, (size_t)n);
    close(fd);
    if (w < 0 || renameat(cache_dirfd, tmp, cache_dirfd, name) < 0)
        unlinkat(cache_dirfd, tmp, 0);
}
