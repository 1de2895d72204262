/*
 * Unit tests for src/platform/posix/workspace.c: the per-user base dir (private, never a
 * symlink or someone else's), run locks and run dirs (made only with keep), finishing a run,
 * reaping the dirs of dead supervisors without touching live ones or following symlinks, and
 * run ids. Everything happens under a per-test temporary root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "platform/posix/workspace.h"

#define NOBODY other_uid()

TestSuite(workspace, .init = tmp_setup, .fini = tmp_teardown);

static char base_path[PATH_MAX];

static const char *base_rel(void)
{
    static char rel[64];
    snprintf(rel, sizeof(rel), "rusty-sandbox-%u", (unsigned)geteuid());
    return rel;
}

/* Open the base dir under test_tmp; also fills base_path. */
static int open_base(void)
{
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int fd = sbx__workspace_base(test_tmp, base_path, &err);
    cr_assert_geq(fd, 0, "workspace_base: %s", err.message);
    return fd;
}

/* base_path/<a><b><c> in `buf` (PATH_MAX bytes). */
static const char *in_base_in(char *buf, const char *a, const char *b, const char *c)
{
    int n = snprintf(buf, PATH_MAX, "%s/%s%s%s", base_path, a, b, c);
    cr_assert(n > 0 && n < PATH_MAX);
    return buf;
}

/* A path under the base dir, valid until the end of the enclosing block. */
#define in_base(a, b, c) in_base_in((char[PATH_MAX]){0}, (a), (b), (c))

static struct sbx__workspace create(int keep, uid_t uid, gid_t gid)
{
    struct sbx__workspace ws;
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int base = open_base();
    int scratch = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* same dir */
    cr_assert(scratch >= 0);
    int r = sbx__workspace_create(base, base_path, scratch, base_path, uid, gid, keep, &ws, &err);
    cr_assert_eq(r, 0, "workspace_create: %s", err.message);
    return ws;
}

/* Whether someone holds an exclusive flock on `path` (probed from a new open file description). */
static int lock_held(const char *path)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

static void expect_uuid(const char *id)
{
    cr_assert_eq(strlen(id), 36, "id '%s'", id);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            cr_assert_eq(id[i], '-', "id '%s'", id);
        else
            cr_assert(strchr("0123456789abcdef", id[i]) && id[i], "id '%s'", id);
    }
    cr_assert_eq(id[14], '4', "not a v4 id: '%s'", id);
    cr_assert(strchr("89ab", id[19]), "bad variant: '%s'", id);
}

/* --- base dir -------------------------------------------------------------------------- */

Test(workspace, base_is_private_dir_under_root)
{
    int fd = open_base();
    cr_assert_str_eq(base_path, tmp_path(base_rel()));
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 07777, 0700);
    cr_assert_eq(st.st_uid, geteuid());
    cr_assert(fd_is_cloexec(fd));
    close(fd);
    /* Opening it again is fine. */
    close(open_base());
}

Test(workspace, base_without_root_uses_tmpdir)
{
    cr_assert_eq(setenv("TMPDIR", test_tmp, 1), 0);
    struct sbx_error err;
    char path[PATH_MAX];
    int fd = sbx__workspace_base(NULL, path, &err);
    cr_assert_geq(fd, 0, "%s", err.message);
    cr_assert_str_eq(path, tmp_path(base_rel()));
    close(fd);
}

Test(workspace, base_fixes_mode_of_own_dir)
{
    make_dirs(tmp_path(base_rel()), 0755);
    cr_assert_eq(chmod(tmp_path(base_rel()), 0755), 0);
    close(open_base());
    struct stat st;
    cr_assert_eq(stat(tmp_path(base_rel()), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0700);
}

Test(workspace, base_refuses_symlink)
{
    make_dirs(tmp_path("elsewhere"), 0700);
    cr_assert_eq(symlink(tmp_path("elsewhere"), tmp_path(base_rel())), 0);
    struct sbx_error err;
    char path[PATH_MAX] = "unchanged";
    int fd = sbx__workspace_base(test_tmp, path, &err);
    cr_assert_lt(fd, 0, "a symlinked base dir was used");
    cr_assert_eq(err.kind, SBX_ERR_HOST);
    cr_assert_eq(err.stage, SBX_STAGE_WORKSPACE);
    cr_assert_not_null(strstr(err.message, tmp_path(base_rel())), "message: %s", err.message);
    cr_assert_str_eq(path, "unchanged");
}

Test(workspace, base_refuses_dir_of_another_user)
{
    const char *p = tmp_path(base_rel());
    make_dirs(p, 0700);
    if (!can_chown_to(p, NOBODY, NOBODY))
        skip_or_fail("needs CAP_CHOWN to give a dir to uid %u: %s", (unsigned)NOBODY,
                     strerror(errno));
    struct sbx_error err;
    char path[PATH_MAX];
    int fd = sbx__workspace_base(test_tmp, path, &err);
    cr_assert_eq(fd, -EPERM);
    cr_assert_eq(err.kind, SBX_ERR_HOST);
    cr_assert_eq(err.errnum, EPERM);
    cr_assert_not_null(strstr(err.message, p), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "another user"), "message: %s", err.message);
}

Test(workspace, base_root_too_long)
{
    /* An existing root so long that the base path would not leave room for run names. */
    static char root[PATH_MAX];
    int n = snprintf(root, sizeof(root), "%s", test_tmp);
    char comp[201];
    memset(comp, 'a', 200);
    comp[200] = '\0';
    while (n < PATH_MAX - 110) { /* ends 100-110 bytes short of PATH_MAX */
        int len = PATH_MAX - 105 - n - 1;
        n += snprintf(root + n, sizeof(root) - (size_t)n, "/%.*s", len < 200 ? len : 200, comp);
        cr_assert_eq(mkdir(root, 0755), 0, "mkdir: %s", strerror(errno));
    }
    struct sbx_error err;
    char path[PATH_MAX];
    int fd = sbx__workspace_base(root, path, &err);
    cr_assert_eq(fd, -ENAMETOOLONG, "base = %d: %s", fd, err.message);
    cr_assert_eq(err.kind, SBX_ERR_USAGE);
    cr_assert_eq(err.stage, SBX_STAGE_WORKSPACE);
}

Test(workspace, base_creates_missing_configured_root_only_one_level)
{
    struct sbx_error err;
    char path[PATH_MAX];
    int fd = sbx__workspace_base(tmp_path("configured"), path, &err);
    cr_assert_geq(fd, 0, "%s", err.message);
    close(fd);
    cr_assert(path_exists(tmp_path("configured")));
    fd = sbx__workspace_base(tmp_path("missing/parent"), path, &err);
    cr_assert_lt(fd, 0);
    cr_assert_eq(err.kind, SBX_ERR_HOST);
    cr_assert_not_null(strstr(err.message, tmp_path("missing/parent")), "%s", err.message);
}

/* --- create / finish ------------------------------------------------------------------- */

Test(workspace, create_without_keep_leaves_nothing_in_the_base_dir)
{
    struct sbx__workspace ws = create(0, geteuid(), getegid());
    expect_uuid(ws.id);
    cr_assert(!path_exists(in_base("run-", ws.id, ".lock")), "a lock file without keep");
    cr_assert(!path_exists(in_base("run-", ws.id, "")), "run dir made without keep");
    cr_assert_eq(ws.lock_fd, -1);
    cr_assert_str_eq(ws.mnt_path, in_base("mnt", "", ""));
    struct stat st;
    cr_assert_eq(stat(ws.mnt_path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert(fd_is_cloexec(ws.base_fd));

    cr_assert_eq(sbx__workspace_finish(&ws, 0), 0);
    cr_assert(path_exists(base_path), "finish removed the base dir");
    cr_assert_eq(ws.base_fd, -1);
    cr_assert_eq(ws.lock_fd, -1);
    cr_assert_eq(ws.scratch_fd, -1);
    cr_assert_eq(ws.run_fd, -1);
    cr_assert_eq(ws.work_fd, -1);
    /* two runs, two ids */
    struct sbx__workspace a = create(0, geteuid(), getegid());
    struct sbx__workspace b = create(0, geteuid(), getegid());
    cr_assert_str_neq(a.id, b.id);
    sbx__workspace_finish(&a, 0);
    sbx__workspace_finish(&b, 0);
}

Test(workspace, mount_point_goes_to_the_scratch_dir)
{
    struct sbx_error err;
    char scratch_path[PATH_MAX];
    int scratch = sbx__workspace_base(tmp_path("scratch-root"), scratch_path, &err);
    cr_assert_geq(scratch, 0, "%s", err.message); /* a missing configured root is made */
    char want[PATH_MAX];
    cr_assert_lt(snprintf(want, sizeof(want), "%s/%s", tmp_path("scratch-root"), base_rel()),
                 (int)sizeof(want));
    cr_assert_str_eq(scratch_path, want);
    int base = open_base();
    struct sbx__workspace ws;
    cr_assert_eq(sbx__workspace_create(base, base_path, scratch, scratch_path, geteuid(), getegid(),
                                       0, &ws, &err),
                 0, "%s", err.message);
    cr_assert_lt(snprintf(want, sizeof(want), "%s/mnt", scratch_path), (int)sizeof(want));
    cr_assert_str_eq(ws.mnt_path, want);
    cr_assert(path_exists(want));
    cr_assert(!path_exists(in_base("mnt", "", "")), "mnt made in the base dir");
    cr_assert_eq(sbx__workspace_finish(&ws, 0), 0);
}

Test(workspace, create_with_keep_makes_run_and_work_dirs)
{
    struct sbx__workspace ws = create(1, geteuid(), getegid());
    const char *run = in_base("run-", ws.id, "");
    cr_assert_str_eq(ws.run_path, run);
    cr_assert_str_eq(ws.work_path, in_base("run-", ws.id, "/work"));
    struct stat st;
    cr_assert_eq(lstat(ws.work_path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 07777, 0700);
    cr_assert_eq(st.st_uid, geteuid());
    cr_assert_eq(lstat(run, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0700);
    cr_assert(fd_is_cloexec(ws.work_fd) && fd_is_cloexec(ws.run_fd));

    /* Kept: the run dir and what the run left stay; the lock goes. */
    int f = openat(ws.work_fd, "result.txt", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    cr_assert(f >= 0);
    close(f);
    const char *lock = in_base("run-", ws.id, ".lock");
    cr_assert_eq(sbx__workspace_finish(&ws, 1), 0);
    cr_assert(path_exists(in_base("run-", ws.id, "/work/result.txt")), "kept run dir removed");
    cr_assert(!path_exists(lock), "lock left after finish with keep");
}

Test(workspace, finish_without_keep_removes_hostile_run_dir)
{
    write_file(tmp_path("outside"), "precious", 0644);
    struct sbx__workspace ws = create(1, geteuid(), getegid());
    char run[PATH_MAX];
    snprintf(run, sizeof(run), "%s", ws.run_path);
    cr_assert_eq(symlinkat(tmp_path("outside"), ws.work_fd, "link"), 0);
    cr_assert_eq(mkdirat(ws.work_fd, "locked", 0755), 0);
    int f = openat(ws.work_fd, "locked/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0000);
    cr_assert(f >= 0);
    close(f);
    cr_assert_eq(fchmodat(ws.work_fd, "locked", 0000, 0), 0);
    cr_assert_eq(fchmod(ws.work_fd, 0000), 0);
    const char *lock = in_base("run-", ws.id, ".lock");
    cr_assert_eq(sbx__workspace_finish(&ws, 0), 0);
    cr_assert(!path_exists(run), "run dir left");
    cr_assert(!path_exists(lock), "lock left");
    int fd = open(tmp_path("outside"), O_RDONLY | O_CLOEXEC);
    char buf[16] = {0};
    cr_assert_eq(read(fd, buf, sizeof(buf) - 1), 8);
    close(fd);
    cr_assert_str_eq(buf, "precious");
}

Test(workspace, keep_work_dir_belongs_to_sandbox_uid)
{
    write_file(tmp_path("probe"), "", 0600);
    if (!can_chown_to(tmp_path("probe"), NOBODY, NOBODY))
        skip_or_fail("needs CAP_CHOWN to give a dir to uid %u: %s", (unsigned)NOBODY,
                     strerror(errno));
    struct sbx__workspace ws = create(1, NOBODY, NOBODY);
    struct stat st;
    cr_assert_eq(fstat(ws.work_fd, &st), 0);
    cr_assert_eq(st.st_uid, NOBODY);
    cr_assert_eq(st.st_gid, NOBODY);
    cr_assert_eq(sbx__workspace_finish(&ws, 0), 0);
    cr_assert(!path_exists(in_base("run-", ws.id, "")));
}

Test(workspace, ids_are_unique_v4_uuids)
{
    struct sbx__workspace a = create(1, geteuid(), getegid()); /* kept runs have locks */
    struct sbx__workspace b = create(1, geteuid(), getegid());
    cr_assert_str_neq(a.id, b.id);
    cr_assert(lock_held(in_base("run-", a.id, ".lock")));
    cr_assert(lock_held(in_base("run-", b.id, ".lock")));
    cr_assert_eq(sbx__workspace_finish(&a, 0), 0);
    cr_assert(lock_held(in_base("run-", b.id, ".lock")), "finishing a released b");
    cr_assert_eq(sbx__workspace_finish(&b, 0), 0);

    static char ids[2000][40];
    for (int i = 0; i < 2000; i++) {
        sbx__random_id(ids[i]);
        expect_uuid(ids[i]);
    }
    for (int i = 0; i < 2000; i++)
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(ids[i], ids[j]);
}

/* --- reaping --------------------------------------------------------------------------- */

/* A run whose supervisor died: an unlocked lock file and a run dir with content. */
static void make_stale(const char *id)
{
    write_file(in_base("run-", id, ".lock"), "", 0600);
    make_dirs(in_base("run-", id, "/work/sub"), 0700);
    write_file(in_base("run-", id, "/work/sub/file"), "data", 0600);
}

Test(workspace, reap_removes_stale_and_keeps_live)
{
    close(open_base());
    struct sbx__workspace live = create(1, geteuid(), getegid()); /* held by our own fd */
    make_stale("stale-1");
    make_stale("stale-2");
    int base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(sbx__workspace_reap_stale(base), 2);
    cr_assert(!path_exists(in_base("run-", "stale-1", "")));
    cr_assert(!path_exists(in_base("run-", "stale-1", ".lock")));
    cr_assert(!path_exists(in_base("run-", "stale-2", "")));
    cr_assert(path_exists(live.run_path), "a live run dir was reaped");
    cr_assert(lock_held(in_base("run-", live.id, ".lock")), "a live lock was taken");
    cr_assert_eq(sbx__workspace_reap_stale(base), 0);
    close(base);
    cr_assert_eq(sbx__workspace_finish(&live, 0), 0);
}

Test(workspace, reap_keeps_run_locked_by_another_process)
{
    close(open_base());
    make_stale("child");
    int ready[2], release[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(release[1]);
        close(ready[0]);
        int fd = open(in_base("run-", "child", ".lock"), O_RDWR | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
            _exit(1);
        char c = 'k';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        (void)!read(release[0], &c, 1); /* until the parent closes its end */
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "child could not take the lock");
    int base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(sbx__workspace_reap_stale(base), 0);
    cr_assert(path_exists(in_base("run-", "child", "/work/sub/file")), "live run reaped");
    cr_assert(path_exists(in_base("run-", "child", ".lock")));

    close(release[1]); /* the supervisor dies */
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(base);
    /* A fresh fd: reaping twice through one fd is its own test (reap_twice_on_one_fd). */
    base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(sbx__workspace_reap_stale(base), 1);
    cr_assert(!path_exists(in_base("run-", "child", "")));
    cr_assert(!path_exists(in_base("run-", "child", ".lock")));
    close(base);
    close(ready[0]);
}

/* The base fd lives as long as the caller wants; each reap must look at the whole dir again. */
Test(workspace, reap_twice_on_one_fd)
{
    close(open_base());
    int base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    make_stale("first");
    cr_assert_eq(sbx__workspace_reap_stale(base), 1);
    make_stale("second");
    int r = sbx__workspace_reap_stale(base);
    close(base);
    cr_expect_eq(r, 1, "second reap through the same base fd removed %d stale runs, want 1", r);
    cr_expect(!path_exists(in_base("run-", "second", "")), "stale run dir left");
}

Test(workspace, base_reaps_stale_runs)
{
    close(open_base());
    make_stale("old");
    close(open_base());
    cr_assert(!path_exists(in_base("run-", "old", "")));
    cr_assert(!path_exists(in_base("run-", "old", ".lock")));
}

Test(workspace, reap_does_not_follow_symlinks)
{
    close(open_base());
    write_file(tmp_path("outside-lock"), "", 0600);
    make_dirs(tmp_path("outside-dir"), 0700);
    write_file(tmp_path("outside-dir/precious"), "x", 0600);
    /* A symlinked lock: never opened, so nothing is reaped through it. */
    cr_assert_eq(symlink(tmp_path("outside-lock"), in_base("run-", "evil", ".lock")), 0);
    cr_assert_eq(symlink(tmp_path("outside-dir"), in_base("run-", "evil", "")), 0);
    /* A real stale lock whose run "dir" is a symlink: only the link goes. */
    write_file(in_base("run-", "evil2", ".lock"), "", 0600);
    cr_assert_eq(symlink(tmp_path("outside-dir"), in_base("run-", "evil2", "")), 0);
    int base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sbx__workspace_reap_stale(base);
    close(base);
    cr_assert(path_exists(tmp_path("outside-lock")));
    cr_assert(path_exists(tmp_path("outside-dir/precious")), "reaping followed a symlink");
    cr_assert(!path_exists(in_base("run-", "evil2", "")));
}

Test(workspace, reap_ignores_other_names)
{
    close(open_base());
    make_dirs(in_base("run-", "kept", ""), 0700); /* a kept run: no lock, never reaped */
    write_file(in_base("run-", ".lock", ""), "", 0600);
    write_file(in_base("other.lock", "", ""), "", 0600);
    write_file(in_base("version-0123abcd", "", ""), "python 1\n3.11\n", 0600);
    make_dirs(in_base("run-", "dir", ".lock"), 0700); /* a directory named like a lock */
    int base = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(sbx__workspace_reap_stale(base), 0);
    close(base);
    cr_assert(path_exists(in_base("run-", "kept", "")));
    cr_assert(path_exists(in_base("run-", ".lock", "")));
    cr_assert(path_exists(in_base("other.lock", "", "")));
    cr_assert(path_exists(in_base("version-0123abcd", "", "")));
}
