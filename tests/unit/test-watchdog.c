/*
 * The watchdog against a fake /proc (a temp dir): a namespace of init that changes, a process
 * in the run's cgroup outside its pid namespace, a process with the run's uid outside it, and
 * no alarm when init is gone.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/linux/watchdog.h"

static char root[64];
static int proc_fd = -1;

static void put(const char *rel, const char *text)
{
    char path[256], cmd[300];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
    cr_assert_eq(system(cmd), 0);
    /* A new inode, as a new namespace has: made while the old one still exists, so its number
     * cannot be the old one's. */
    char tmp[280];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    cr_assert_eq(rename(tmp, path), 0);
}

static void make_process(int pid, const char *pidns, unsigned uid)
{
    static const char *const ns[] = {"mnt", "net", "user", "ipc", "uts", "cgroup"};
    char rel[64], status[128];
    snprintf(rel, sizeof(rel), "%d/ns/pid", pid);
    /* processes "in the same pid namespace" share one file: link it */
    char target[256], link[256];
    snprintf(target, sizeof(target), "%s/ns-%s", root, pidns);
    if (access(target, F_OK) != 0)
        put(strrchr(target, '/') + 1, pidns);
    snprintf(link, sizeof(link), "%s/%s", root, rel);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%d/ns' && ln -f '%s' '%s'", root, pid, target, link);
    cr_assert_eq(system(cmd), 0);
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        snprintf(rel, sizeof(rel), "%d/ns/%s", pid, ns[i]);
        snprintf(target, sizeof(target), "%s/%s", root, rel);
        if (access(target, F_OK) != 0)
            put(rel, ns[i]);
    }
    snprintf(rel, sizeof(rel), "%d/status", pid);
    snprintf(status, sizeof(status), "Name:\tx\nUid:\t%u\t%u\t%u\t%u\n", uid, uid, uid, uid);
    put(rel, status);
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/sbx-wdtest-XXXXXX");
    cr_assert(mkdtemp(root));
    proc_fd = open(root, O_RDONLY | O_DIRECTORY);
    make_process(100, "sandbox", 5000); /* init */
    make_process(101, "sandbox", 5000); /* the program */
    make_process(200, "host", 0);       /* someone else on the host */
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    close(proc_fd);
}

TestSuite(watchdog, .init = setup, .fini = teardown);

Test(watchdog, quiet_when_all_is_well)
{
    struct sbx__watchdog w;
    char detail[160] = "";
    sbx__watchdog_init(&w, 100, 5000, 1);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0, "%s", detail);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0, "%s", detail);
}

Test(watchdog, changed_namespace_of_init)
{
    struct sbx__watchdog w;
    char detail[160] = "";
    sbx__watchdog_init(&w, 100, 5000, 1);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0);
    put("100/ns/net", "another"); /* a new inode */
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 1);
    cr_assert_str_eq(detail, "init's net namespace changed");
}

Test(watchdog, run_uid_outside_the_pid_namespace)
{
    struct sbx__watchdog w;
    char detail[160] = "";
    sbx__watchdog_init(&w, 100, 5000, 1);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0);
    make_process(300, "host", 5000);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 1);
    cr_assert(strstr(detail, "pid 300 has the run's uid 5000"), "%s", detail);
    /* a shared uid (an unprivileged user's own) is not checked */
    sbx__watchdog_init(&w, 100, 5000, 0);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0);
}

Test(watchdog, cgroup_member_outside_the_pid_namespace)
{
    struct sbx__watchdog w;
    char detail[160] = "";
    put("cg/cgroup.procs", "100\n101\n200\n");
    struct sbx__cgroup cg;
    sbx__cgroup_init(&cg);
    cg.dir_fd[0] = openat(proc_fd, "cg", O_RDONLY | O_DIRECTORY);
    sbx__watchdog_init(&w, 100, 5000, 0);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, &cg, detail, sizeof(detail)), 0,
                 "the first check only records the namespaces");
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, &cg, detail, sizeof(detail)), 1);
    cr_assert(strstr(detail, "pid 200 is in the run's cgroup"), "%s", detail);
    close(cg.dir_fd[0]);
}

Test(watchdog, no_alarm_once_init_is_gone)
{
    struct sbx__watchdog w;
    char detail[160] = "";
    sbx__watchdog_init(&w, 100, 5000, 1);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/100'", root);
    cr_assert_eq(system(cmd), 0);
    make_process(300, "host", 5000);
    cr_assert_eq(sbx__watchdog_check(&w, proc_fd, NULL, detail, sizeof(detail)), 0);
}
