/*
 * The cgroup module against a fake cgroupfs tree (a temp dir): discovery of v1 and v2 from
 * /proc/self/cgroup text, the files written for each limit, parsing of the statistics files,
 * and reaping of stale run cgroups. The real v1 hierarchy of the test machine is exercised by
 * the integration tests.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/linux/cgroup.h"

static char root[256];
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *p = dir + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *get(const char *rel)
{
    static char buf[4096];
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* What the kernel would do on mkdir in a cgroupfs: the directory with its interface files. */
static int fake_mkdir(int dirfd, const char *name, mode_t mode)
{
    if (mkdirat(dirfd, name, mode) < 0)
        return -1;
    static const char *const files[] = {
        "cgroup.procs",
        "cgroup.kill",
        "cgroup.controllers",
        "cgroup.subtree_control",
        "memory.max",
        "memory.swap.max",
        "memory.oom.group",
        "memory.current",
        "memory.peak",
        "memory.events",
        "pids.max",
        "pids.current",
        "pids.events",
        "pids.peak",
        "cpu.max",
        "cpu.stat",
        "memory.limit_in_bytes",
        "memory.memsw.limit_in_bytes",
        "memory.max_usage_in_bytes",
        "memory.usage_in_bytes",
        "memory.oom_control",
        "cpu.cfs_period_us",
        "cpu.cfs_quota_us",
        "cpuacct.usage",
    };
    int d = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        close(openat(d, files[i], O_WRONLY | O_CREAT, 0644));
    close(d);
    return 0;
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/sbx-cgtest-XXXXXX");
    cr_assert(mkdtemp(root));
    root_fd = open(root, O_RDONLY | O_DIRECTORY);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    close(root_fd);
}

static void make_v2(void)
{
    put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put("user.slice/app.scope/cgroup.controllers", "cpu memory pids\n");
    put("user.slice/app.scope/cgroup.subtree_control", "");
    put("user.slice/app.scope/cgroup.procs", "");
}

static const unsigned all = SBX_CG_BIT(SBX_CG_MEMORY) | SBX_CG_BIT(SBX_CG_PIDS) |
                            SBX_CG_BIT(SBX_CG_CPU) | SBX_CG_BIT(SBX_CG_CPUACCT);

TestSuite(cgroup, .init = setup, .fini = teardown);

Test(cgroup, v2_found_from_proc_self_cgroup)
{
    make_v2();
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0,
        "%s", err.message);
    cr_assert_eq(cg.ops, &sbx__cgroup_v2_ops);
    cr_assert_eq(cg.available & all, all);
    cr_assert_str_eq(cg.where, "cgroup2 /user.slice/app.scope");
    sbx__cgroup_close(&cg);
}

Test(cgroup, v2_create_writes_every_limit)
{
    make_v2();
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0);
    cg.mkdir_fn = fake_mkdir;
    struct sbx__cg_limits lim = {.memory_bytes = 100u << 20, .pids = 10, .cpus = 0.5};
    cr_assert_eq(cg.ops->create(&cg, "sbx-abc", &lim, &err), 0, "%s", err.message);
    cr_assert_str_eq(get("user.slice/app.scope/cgroup.subtree_control"), "+memory +pids +cpu");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-abc/memory.max"), "104857600");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-abc/memory.swap.max"), "0");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-abc/memory.oom.group"), "1");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-abc/pids.max"), "10");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-abc/cpu.max"), "50000 100000");
    cr_assert_geq(cg.ops->clone_fd(&cg), 0, "v2 gives a fd for CLONE_INTO_CGROUP");
    sbx__cgroup_close(&cg);
}

Test(cgroup, v2_no_limit_no_write)
{
    make_v2();
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0);
    cg.mkdir_fn = fake_mkdir;
    struct sbx__cg_limits lim = {.memory_bytes = 0, .pids = 0, .cpus = 0};
    cr_assert_eq(cg.ops->create(&cg, "sbx-none", &lim, &err), 0);
    cr_assert_str_eq(get("user.slice/app.scope/sbx-none/memory.max"), "");
    cr_assert_str_eq(get("user.slice/app.scope/sbx-none/pids.max"), "");
    sbx__cgroup_close(&cg);
}

Test(cgroup, v2_stats_parsed)
{
    make_v2();
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0);
    cg.mkdir_fn = fake_mkdir;
    struct sbx__cg_limits lim = {.memory_bytes = 64u << 20};
    cr_assert_eq(cg.ops->create(&cg, "sbx-s", &lim, &err), 0);
    put("user.slice/app.scope/sbx-s/cpu.stat",
        "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\n");
    put("user.slice/app.scope/sbx-s/memory.peak", "2097152\n");
    put("user.slice/app.scope/sbx-s/memory.current", "4096\n");
    put("user.slice/app.scope/sbx-s/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
    put("user.slice/app.scope/sbx-s/pids.current", "3\n");
    put("user.slice/app.scope/sbx-s/pids.events", "max 4\n");
    put("user.slice/app.scope/sbx-s/pids.peak", "7\n");
    struct sbx__cg_stats st;
    cr_assert_eq(cg.ops->stats(&cg, &st), 0);
    cr_assert_eq(st.cpu_usage_us, 1500);
    cr_assert_eq(st.cpu_user_us, 1000);
    cr_assert_eq(st.cpu_sys_us, 500);
    cr_assert(st.valid & SBX_CG_HAVE_CPU_SPLIT);
    cr_assert_eq(st.memory_peak, 2097152);
    cr_assert_eq(st.memory_current, 4096);
    cr_assert_eq(st.oom_kills, 2, "oom_kill, not oom");
    cr_assert_eq(st.pids_current, 3);
    cr_assert_eq(st.pids_max_events, 4);
    cr_assert_eq(st.pids_peak, 7);
    cr_assert(st.valid & SBX_CG_HAVE_PIDS_PEAK);
    sbx__cgroup_close(&cg);
}

Test(cgroup, hybrid_host_falls_back_to_v1)
{
    /* This machine's layout: v2 mounted at unified/ with only hugetlb, v1 per controller. */
    put("unified/cgroup.controllers", "hugetlb\n");
    put("memory/process_api/abc/cgroup.procs", "");
    put("pids/cgroup.procs", "");
    put("cpu/cgroup.procs", "");
    put("cpuacct/cgroup.procs", "");
    const char *self = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n"
                       "1:cpu:/\n0::/\n";
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(sbx__cgroup_open_parent(root_fd, self, NULL, all, &cg, &err), 0, "%s",
                 err.message);
    cr_assert_eq(cg.ops, &sbx__cgroup_v1_ops);
    cr_assert_str_eq(cg.where, "cgroup v1 memory:/process_api/abc");
    cg.mkdir_fn = fake_mkdir;
    struct sbx__cg_limits lim = {.memory_bytes = 8u << 20, .pids = 5, .cpus = 1.5};
    cr_assert_eq(cg.ops->create(&cg, "sbx-v1", &lim, &err), 0, "%s", err.message);
    cr_assert_str_eq(get("memory/process_api/abc/sbx-v1/memory.limit_in_bytes"), "8388608");
    cr_assert_str_eq(get("memory/process_api/abc/sbx-v1/memory.memsw.limit_in_bytes"), "8388608");
    cr_assert_str_eq(get("pids/sbx-v1/pids.max"), "5");
    cr_assert_str_eq(get("cpu/sbx-v1/cpu.cfs_quota_us"), "150000");
    cr_assert_str_eq(get("cpu/sbx-v1/cpu.cfs_period_us"), "100000");
    cr_assert_eq(cg.ops->clone_fd(&cg), -1, "v1 cannot clone into a cgroup");
    put("cpuacct/sbx-v1/cpuacct.usage", "2500000\n");
    put("memory/process_api/abc/sbx-v1/memory.max_usage_in_bytes", "12345\n");
    put("memory/process_api/abc/sbx-v1/memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    put("pids/sbx-v1/pids.current", "2\n");
    put("pids/sbx-v1/pids.events", "max 9\n");
    struct sbx__cg_stats st;
    cr_assert_eq(cg.ops->stats(&cg, &st), 0);
    cr_assert_eq(st.cpu_usage_us, 2500);
    cr_assert_eq(st.memory_peak, 12345);
    cr_assert_eq(st.oom_kills, 1);
    cr_assert_eq(st.pids_max_events, 9);
    cr_assert_not(st.valid & SBX_CG_HAVE_PIDS_PEAK, "v1 has no pids.peak");
    sbx__cgroup_close(&cg);
}

Test(cgroup, v1_shared_cpu_cpuacct_hierarchy_is_one_directory)
{
    put("memory/cgroup.procs", "");
    put("pids/cgroup.procs", "");
    put("cpu,cpuacct/cgroup.procs", "");
    char link[512];
    snprintf(link, sizeof(link), "%s/cpu", root);
    cr_assert_eq(symlink("cpu,cpuacct", link), 0);
    snprintf(link, sizeof(link), "%s/cpuacct", root);
    cr_assert_eq(symlink("cpu,cpuacct", link), 0);
    const char *self = "5:pids:/\n4:memory:/\n2:cpu,cpuacct:/\n";
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(sbx__cgroup_open_parent(root_fd, self, NULL, all, &cg, &err), 0, "%s",
                 err.message);
    cr_assert_eq(cg.alias[SBX_CG_CPUACCT], SBX_CG_CPU);
    cg.mkdir_fn = fake_mkdir;
    struct sbx__cg_limits lim = {.cpus = 0.25};
    cr_assert_eq(cg.ops->create(&cg, "sbx-c", &lim, &err), 0, "%s", err.message);
    cr_assert_str_eq(get("cpu,cpuacct/sbx-c/cpu.cfs_quota_us"), "25000");
    sbx__cgroup_close(&cg);
}

Test(cgroup, missing_controller_is_an_error_naming_them)
{
    put("unified/cgroup.controllers", "hugetlb\n");
    put("memory/cgroup.procs", "");
    const char *self = "4:memory:/\n0::/\n";
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_lt(sbx__cgroup_open_parent(root_fd, self, NULL, all, &cg, &err), 0);
    cr_assert_eq(err.kind, SBX_ERR_HOST);
    cr_assert(strstr(err.message, "memory, pids, cpu"), "%s", err.message);
}

Test(cgroup, parent_override_is_used)
{
    make_v2();
    put("sandboxes/cgroup.controllers", "cpu memory pids\n");
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", "/sandboxes", all,
                                         &cg, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(cg.where, "cgroup2 /sandboxes");
    sbx__cgroup_close(&cg);
}

Test(cgroup, stale_run_cgroups_are_reaped)
{
    make_v2();
    put("user.slice/app.scope/sbx-busy/x", ""); /* as a cgroup with tasks: rmdir fails */
    put("user.slice/app.scope/sbx-supervisor/.keepdir", "");
    put("user.slice/app.scope/other/.keepdir", "");
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0);
    char p[512];
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-dead", root);
    cr_assert_eq(mkdir(p, 0700), 0); /* a run whose supervisor died: nobody holds its lock */
    /* a live run: made the way runs make theirs, its lock held by this fd */
    int live = sbx__cg_make_claimed(&cg, cg.parent_fd[0], "sbx-live");
    cr_assert_geq(live, 0);
    struct stat st;
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-live", root);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700, "a run cgroup is its owner's alone");
    cr_assert_eq(sbx__cg_make_claimed(&cg, cg.parent_fd[0], "sbx-live"), -EEXIST);
    /* a live run in another process (its supervisor) */
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = sbx__cg_make_claimed(&cg, cg.parent_fd[0], "sbx-other-process");
        char c = fd >= 0 ? 'y' : 'n';
        (void)!write(ready[1], &c, 1);
        pause();
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(c, 'y');

    cr_assert_eq(sbx__cgroup_reap_stale(&cg), 1);
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-dead", root);
    cr_assert_eq(stat(p, &st), -1, "a dead run's cgroup is removed");
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-live", root);
    cr_assert_eq(stat(p, &st), 0, "a live run's cgroup stays");
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-other-process", root);
    cr_assert_eq(stat(p, &st), 0, "another live supervisor's cgroup stays");
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-busy", root);
    cr_assert_eq(stat(p, &st), 0, "a cgroup that cannot be removed stays");
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-supervisor", root);
    cr_assert_eq(stat(p, &st), 0, "the supervisor leaf stays");
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/other", root);
    cr_assert_eq(stat(p, &st), 0, "cgroups we did not make stay");

    /* the supervisors end: their cgroups are stale now */
    close(live);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cr_assert_eq(sbx__cgroup_reap_stale(&cg), 2);
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-live", root);
    cr_assert_eq(stat(p, &st), -1);
    snprintf(p, sizeof(p), "%s/user.slice/app.scope/sbx-other-process", root);
    cr_assert_eq(stat(p, &st), -1);
    sbx__cgroup_close(&cg);
}

Test(cgroup, unwritable_parent_refused_with_advice)
{
    make_v2();
    char p[512];
    snprintf(p, sizeof(p), "%s/user.slice/app.scope", root);
    cr_assert_eq(chmod(p, 0555), 0);
    cr_assert_eq(chmod(root, 0755), 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
            _exit(3);
        struct sbx__cgroup cg;
        struct sbx_error err = {0};
        int fd = open(root, O_RDONLY | O_DIRECTORY);
        int r = sbx__cgroup_open_parent(fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err);
        _exit(r == -EACCES && strstr(err.message, "systemd-run --user --scope") &&
                      strstr(err.message, "--allow-weaker-limits")
                  ? 0
                  : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    if (geteuid() != 0) {
        cr_skip("needs root to switch to uid 65534");
        return;
    }
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

Test(cgroup, read_key_only_matches_whole_keys)
{
    put("f", "oom 5\noom_kill 2\noom_group_kill 9\n");
    uint64_t v;
    cr_assert_eq(sbx__cg_read_key(root_fd, "f", "oom_kill", &v), 0);
    cr_assert_eq(v, 2);
    cr_assert_eq(sbx__cg_read_key(root_fd, "f", "oom", &v), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(sbx__cg_read_key(root_fd, "f", "missing", &v), -ENOENT);
    put("g", "max\n");
    cr_assert_eq(sbx__cg_read_u64(root_fd, "g", &v), 0);
    cr_assert_eq(v, UINT64_MAX);
}

/* The stats fds are opened once and re-read from offset 0: a value that changes in place is
 * seen, a missing file is an error each time (and opened once it appears), and closing
 * releases every slot. */
Test(cgroup, stat_fds_are_kept_and_reread)
{
    struct sbx__cgroup cg;
    sbx__cgroup_init(&cg);
    uint64_t v;
    cr_assert_eq(sbx__cg_stat_u64(&cg, 0, root_fd, "cur", &v), -ENOENT);
    cr_assert_eq(cg.stat_fd[0], -1);
    put("cur", "5\n");
    cr_assert_eq(sbx__cg_stat_u64(&cg, 0, root_fd, "cur", &v), 0);
    cr_assert_eq(v, 5);
    int fd = cg.stat_fd[0];
    cr_assert_geq(fd, 0);
    int w = openat(root_fd, "cur", O_WRONLY | O_TRUNC);
    cr_assert_eq(write(w, "123456\n", 7), 7);
    close(w);
    cr_assert_eq(sbx__cg_stat_u64(&cg, 0, root_fd, "cur", &v), 0);
    cr_assert_eq(v, 123456);
    cr_assert_eq(cg.stat_fd[0], fd, "the same fd, not a new open");
    put("ev", "low 1\nmax 4\n");
    cr_assert_eq(sbx__cg_stat_key(&cg, 1, root_fd, "ev", "max", &v), 0);
    cr_assert_eq(v, 4);
    cr_assert_eq(sbx__cg_stat_key(&cg, SBX_CG_STAT_SLOTS, root_fd, "ev", "max", &v), -EINVAL);
    char text[8];
    cr_assert_eq(sbx__cg_read_stat(&cg, 0, root_fd, "cur", text, sizeof(text)), 7);
    cr_assert_str_eq(text, "123456\n");
    sbx__cg_close_stats(&cg);
    for (int i = 0; i < SBX_CG_STAT_SLOTS; i++)
        cr_assert_eq(cg.stat_fd[i], -1);
    cr_assert(fcntl(fd, F_GETFD) < 0 && errno == EBADF, "closed");
}

/* Runs start while other runs reap: a reaper that finds a fresh dir before its creator's lock
 * may hold it for a moment, or remove it; the creator must still end up holding its own dir. */
Test(cgroup, claims_survive_concurrent_reapers)
{
    make_v2();
    struct sbx__cgroup cg;
    struct sbx_error err = {0};
    cr_assert_eq(
        sbx__cgroup_open_parent(root_fd, "0::/user.slice/app.scope\n", NULL, all, &cg, &err), 0);
    pid_t reapers[2];
    for (int k = 0; k < 2; k++) {
        reapers[k] = fork();
        if (reapers[k] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion ends the test process */
            for (;;)
                sbx__cgroup_reap_stale(&cg);
        }
    }
    char name[32], p[512];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "sbx-race-%d", i);
        int fd = sbx__cg_make_claimed(&cg, cg.parent_fd[0], name);
        cr_assert_geq(fd, 0, "run %d: %s", i, strerror(-fd));
        struct stat a, b;
        snprintf(p, sizeof(p), "%s/user.slice/app.scope/%s", root, name);
        cr_assert_eq(fstat(fd, &a), 0);
        cr_assert_eq(stat(p, &b), 0, "run %d: its live cgroup was reaped", i);
        cr_assert_eq(a.st_ino, b.st_ino);
        close(fd); /* the run ends: the reapers take it */
    }
    for (int k = 0; k < 2; k++) {
        kill(reapers[k], SIGKILL);
        waitpid(reapers[k], NULL, 0);
    }
    sbx__cgroup_close(&cg);
}
