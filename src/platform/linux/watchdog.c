/*
 * The watchdog (see watchdog.h). It reads /proc and the run's cgroup; it never trusts what a
 * process of the run could write (names, command lines): only kernel-provided ids. Races with
 * exiting processes (ENOENT) are not violations.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/linux/watchdog.h"
#include "util/fs.h"

static const char *const ns_names[SBX_WATCHDOG_NS] = {"pid", "mnt", "net",   "user",
                                                      "ipc", "uts", "cgroup"};

void sbx__watchdog_init(struct sbx__watchdog *w, pid_t init_pid, uid_t host_uid, int unique_uid)
{
    memset(w, 0, sizeof(*w));
    w->init_pid = init_pid;
    w->host_uid = host_uid;
    w->unique_uid = unique_uid;
}

/* The inode of /proc/PID/ns/NAME, 0 when the process is gone. */
static ino_t ns_ino(int proc_fd, pid_t pid, const char *name)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "%d/ns/%s", (int)pid, name);
    return fstatat(proc_fd, path, &st, 0) == 0 ? st.st_ino : 0;
}

static int check_init(struct sbx__watchdog *w, int proc_fd, char *detail, size_t size)
{
    for (int i = 0; i < SBX_WATCHDOG_NS; i++) {
        ino_t ino = ns_ino(proc_fd, w->init_pid, ns_names[i]);
        if (!ino)
            return -1; /* init is gone: the run is ending */
        if (!w->armed)
            w->ns[i] = ino;
        else if (ino != w->ns[i]) {
            snprintf(detail, size, "init's %s namespace changed", ns_names[i]);
            return 1;
        }
    }
    w->armed = 1;
    return 0;
}

/* Every pid in the run's cgroup must be in init's pid namespace. */
static int check_cgroup_members(struct sbx__watchdog *w, int proc_fd, const struct sbx__cgroup *cg,
                                char *detail, size_t size)
{
    int dir = -1;
    for (int i = 0; i < SBX_CG__N && dir < 0; i++)
        dir = cg->dir_fd[i];
    int fd = dir >= 0 ? openat(dir, "cgroup.procs", O_RDONLY | O_CLOEXEC) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int r = 0;
    long pid;
    while (r == 0 && fscanf(f, "%ld", &pid) == 1) {
        ino_t ino = ns_ino(proc_fd, (pid_t)pid, "pid");
        if (ino && ino != w->ns[0]) {
            snprintf(detail, size, "pid %ld is in the run's cgroup but outside its pid namespace",
                     pid);
            r = 1;
        }
    }
    fclose(f);
    return r;
}

/* The real, effective, saved and fs uids of a process from /proc/PID/status; -1 if gone. */
static int has_uid(int proc_fd, const char *pid, uid_t uid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "%s/status", pid);
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = sbx__read_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *line = strstr(buf, "\nUid:");
    unsigned long u[4];
    if (!line || sscanf(line + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (u[i] == (unsigned long)uid)
            return 1;
    return 0;
}

/* As root the run's host uid is its own: a process with it outside the run escaped. */
static int check_uid(struct sbx__watchdog *w, int proc_fd, char *detail, size_t size)
{
    int dfd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return 0;
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        if (has_uid(proc_fd, de->d_name, w->host_uid) != 1)
            continue;
        ino_t ino = ns_ino(proc_fd, (pid_t)atol(de->d_name), "pid");
        if (ino && ino != w->ns[0]) {
            snprintf(detail, size,
                     "pid %s has the run's uid %u but lives outside its pid "
                     "namespace",
                     de->d_name, (unsigned)w->host_uid);
            r = 1;
        }
    }
    closedir(d);
    return r;
}

int sbx__watchdog_check(struct sbx__watchdog *w, int proc_fd, const struct sbx__cgroup *cg,
                        char *detail, size_t size)
{
    int first = !w->armed;
    int r = check_init(w, proc_fd, detail, size);
    if (r != 0)
        return r > 0 ? 1 : 0;
    if (first) /* the first call only records: nothing can have left yet, and it is cheap */
        return 0;
    if (cg && (r = check_cgroup_members(w, proc_fd, cg, detail, size)) != 0)
        return 1;
    if (w->unique_uid && (r = check_uid(w, proc_fd, detail, size)) != 0)
        return 1;
    return 0;
}

const char *sbx__watchdog_scope(const struct sbx__watchdog *w, int have_cg)
{
    if (w->unique_uid)
        return have_cg ? "namespaces+cgroup+uid" : "namespaces+uid";
    return have_cg ? "namespaces+cgroup" : "namespaces";
}
