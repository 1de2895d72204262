/*
 * Unit tests for src/util/fs.c, the host-side file helpers that touch sandbox-writable trees:
 * sbx__rm_rf_at (never follows a symlink, never leaves its file system, copes with modes the
 * program set), sbx__private_dir (refuses symlinks and other owners, fixes our own modes) and
 * sbx__copy_into (O_EXCL|O_NOFOLLOW, size cap, exact mode), plus the read/write loops.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "util/fs.h"

#define NOBODY other_uid()

TestSuite(rm_rf, .init = tmp_setup, .fini = tmp_teardown);
TestSuite(private_dir, .init = tmp_setup, .fini = tmp_teardown);
TestSuite(copy_into, .init = tmp_setup, .fini = tmp_teardown);
TestSuite(io, .init = tmp_setup, .fini = tmp_teardown);
TestSuite(mkdir_p, .init = tmp_setup, .fini = tmp_teardown);

static int open_tmp(void)
{
    int fd = open(test_tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(fd >= 0);
    return fd;
}

static void read_back(const char *path, const char *want)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0, "open '%s': %s", path, strerror(errno));
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    cr_assert_geq(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, want, "content of '%s'", path);
}

/* --- sbx__rm_rf_at --------------------------------------------------------------------- */

/*
 * Run sbx__rm_rf_at(test_tmp, name) in a child, with RLIMIT_NOFILE's soft limit set to
 * `nofile` (0: unchanged), and give it `seconds`: a removal that never ends must fail the test,
 * not hang the suite. Returns its result, or INT_MIN if it had to be killed.
 */
#define RM_TIMED_OUT INT_MIN
static int rm_rf_bounded(const char *name, rlim_t nofile, int seconds)
{
    pid_t pid = fork_child();
    if (pid == 0) {
        if (nofile) {
            struct rlimit rl;
            getrlimit(RLIMIT_NOFILE, &rl);
            rl.rlim_cur = nofile < rl.rlim_max ? nofile : rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                _exit(255);
        }
        int dfd = open(test_tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            _exit(254);
        int r = sbx__rm_rf_at(dfd, name);
        _exit(r < 0 && -r < 250 ? -r : r < 0 ? 253 : 0);
    }
    int status;
    for (int waited_ms = 0;; waited_ms += 10) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        cr_assert_geq(w, 0);
        if (w == pid)
            break;
        if (waited_ms >= seconds * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return RM_TIMED_OUT;
        }
        usleep(10000);
    }
    cr_assert(WIFEXITED(status), "rm_rf child died (status %#x)", status);
    int code = WEXITSTATUS(status);
    cr_assert_lt(code, 253, "rm_rf child could not run (%d)", code);
    return -code;
}

static void expect_rm_ok(const char *name)
{
    int r = rm_rf_bounded(name, 0, 60);
    cr_assert_neq(r, RM_TIMED_OUT, "rm_rf('%s') did not finish in 60 s", name);
    cr_assert_eq(r, 0, "rm_rf('%s') = %d (%s)", name, r, strerror(-r));
}

Test(rm_rf, removes_tree_but_not_symlink_targets_outside)
{
    write_file(tmp_path("outside.txt"), "precious", 0644);
    make_dirs(tmp_path("outside-dir/sub"), 0755);
    write_file(tmp_path("outside-dir/sub/keep"), "keep", 0644);
    make_dirs(tmp_path("tree/a/b/c"), 0755);
    write_file(tmp_path("tree/file"), "x", 0644);
    write_file(tmp_path("tree/a/b/c/deep"), "y", 0644);
    cr_assert_eq(symlink(tmp_path("outside.txt"), tmp_path("tree/link-to-file")), 0);
    cr_assert_eq(symlink(tmp_path("outside-dir"), tmp_path("tree/a/link-to-dir")), 0);
    cr_assert_eq(symlink("../../outside.txt", tmp_path("tree/a/rel-link")), 0);
    cr_assert_eq(symlink("/nonexistent", tmp_path("tree/dangling")), 0);
    cr_assert_eq(link(tmp_path("outside.txt"), tmp_path("tree/a/hardlink")), 0);
    cr_assert_eq(mkfifo(tmp_path("tree/a/fifo"), 0600), 0);

    expect_rm_ok("tree");
    cr_assert(!path_exists(tmp_path("tree")), "tree still exists");
    read_back(tmp_path("outside.txt"), "precious");
    read_back(tmp_path("outside-dir/sub/keep"), "keep");
}

Test(rm_rf, name_that_is_a_symlink_removes_only_the_link)
{
    make_dirs(tmp_path("target"), 0755);
    write_file(tmp_path("target/keep"), "keep", 0644);
    cr_assert_eq(symlink(tmp_path("target"), tmp_path("link")), 0);
    expect_rm_ok("link");
    cr_assert(!path_exists(tmp_path("link")));
    read_back(tmp_path("target/keep"), "keep");
}

Test(rm_rf, missing_name_and_plain_file)
{
    int dfd = open_tmp();
    cr_assert_eq(sbx__rm_rf_at(dfd, "nothing-here"), 0);
    write_file(tmp_path("plain"), "x", 0400);
    cr_assert_eq(sbx__rm_rf_at(dfd, "plain"), 0);
    cr_assert(!path_exists(tmp_path("plain")));
    close(dfd);
}

Test(rm_rf, directories_with_mode_000)
{
    make_dirs(tmp_path("tree/locked/inner"), 0755);
    write_file(tmp_path("tree/locked/inner/f"), "x", 0000);
    write_file(tmp_path("tree/locked/g"), "x", 0000);
    make_dirs(tmp_path("tree/noexec"), 0755);
    write_file(tmp_path("tree/noexec/h"), "x", 0644);
    make_dirs(tmp_path("tree/readonly"), 0755);
    write_file(tmp_path("tree/readonly/i"), "x", 0644);
    cr_assert_eq(chmod(tmp_path("tree/locked/inner"), 0000), 0);
    cr_assert_eq(chmod(tmp_path("tree/locked"), 0000), 0);
    cr_assert_eq(chmod(tmp_path("tree/noexec"), 0600), 0);
    cr_assert_eq(chmod(tmp_path("tree/readonly"), 0500), 0);
    cr_assert_eq(chmod(tmp_path("tree"), 0000), 0);
    expect_rm_ok("tree");
    cr_assert(!path_exists(tmp_path("tree")));
}

Test(rm_rf, many_entries)
{
    make_dirs(tmp_path("tree"), 0755);
    int tfd = open(tmp_path("tree"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(tfd >= 0);
    for (int i = 0; i < 3000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%04d", i);
        int fd = openat(tfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        cr_assert(fd >= 0);
        close(fd);
    }
    close(tfd);
    expect_rm_ok("tree");
    cr_assert(!path_exists(tmp_path("tree")));
}

/* Build test_tmp/tree/d/d/.../d, `depth` levels below tree, holding two fds at a time. */
static void make_deep_tree(int depth)
{
    make_dirs(tmp_path("tree"), 0755);
    int fd = open(tmp_path("tree"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(fd >= 0);
    for (int i = 0; i < depth; i++) {
        cr_assert_eq(mkdirat(fd, "d", 0755), 0, "mkdir at depth %d: %s", i, strerror(errno));
        if (i % 7 == 0) {
            int f = openat(fd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            cr_assert(f >= 0);
            close(f);
        }
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(next >= 0, "open at depth %d: %s", i, strerror(errno));
        close(fd);
        fd = next;
    }
    close(fd);
}

Test(rm_rf, deep_nesting)
{
    make_deep_tree(300); /* far deeper than PATH_MAX allows as one path */
    expect_rm_ok("tree");
    cr_assert(!path_exists(tmp_path("tree")));
}

/* The sandboxed program decides how deep its workspace goes (mkdir d; cd d; repeat). With
 * Debian's default soft limit of 1024 open files, a 2000-level tree must still be removed, or
 * at least the removal must end with an error: it must never hang the supervisor. */
Test(rm_rf, nesting_deeper_than_the_open_file_limit_ends)
{
    make_deep_tree(2000);
    int r = rm_rf_bounded("tree", 1024, 20);
    cr_assert_neq(r, RM_TIMED_OUT,
                  "rm_rf of a 2000-level tree with 1024 open files did not end in 20 s");
    cr_expect_eq(r, 0, "rm_rf of a 2000-level tree with 1024 open files = %d (%s)", r,
                 strerror(-r));
    cr_expect(!path_exists(tmp_path("tree")), "tree left on disk");
}

static int write_proc(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* What the child of mount_case saw. */
struct mount_case {
    char probe_failed[160]; /* non-empty: the host could not give us a private tmpfs mount */
    int r;                  /* sbx__rm_rf_at's result */
    int mount_survived;     /* the file on the mounted file system is still there */
    int sibling_removed;    /* test_tmp/<sibling> is gone */
};

/* In a single-threaded child (user namespaces need one): enter a private mount namespace (in
 * a user namespace mapping our ids to root when we lack CAP_SYS_ADMIN), mount a tmpfs on
 * test_tmp/<mnt>, put a file on it, and run sbx__rm_rf_at(test_tmp, "tree") with 20 s to
 * finish. The mount vanishes with the child. */
static void mount_case_child(const char *mnt, const char *sibling, struct mount_case *c)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) < 0) {
        char map[64];
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            snprintf(c->probe_failed, sizeof(c->probe_failed),
                     "needs a private mount namespace (unshare: %s)", strerror(errno));
            return;
        }
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
        int ok = write_proc("/proc/self/uid_map", map) == 0 &&
                 write_proc("/proc/self/setgroups", "deny") == 0;
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
        if (!ok || write_proc("/proc/self/gid_map", map) < 0) {
            snprintf(c->probe_failed, sizeof(c->probe_failed),
                     "cannot map our ids in a user namespace: %s", strerror(errno));
            return;
        }
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", tmp_path(mnt), "tmpfs", 0, "size=64k") < 0) {
        snprintf(c->probe_failed, sizeof(c->probe_failed), "cannot mount a private tmpfs: %s",
                 strerror(errno));
        return;
    }
    char file[PATH_MAX];
    snprintf(file, sizeof(file), "%s/on-other-fs", tmp_path(mnt));
    int f = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) {
        snprintf(c->probe_failed, sizeof(c->probe_failed), "cannot write on the tmpfs: %s",
                 strerror(errno));
        return;
    }
    close(f);
    int dfd = open(test_tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    alarm(20); /* a removal that never ends must fail the test, not hang the suite */
    c->r = sbx__rm_rf_at(dfd, "tree");
    alarm(0);
    c->mount_survived = path_exists(file);
    c->sibling_removed = !path_exists(tmp_path(sibling));
}

static struct mount_case mount_case(const char *mnt, const char *sibling)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        struct mount_case c;
        memset(&c, 0, sizeof(c));
        mount_case_child(mnt, sibling, &c);
        _exit(write(p[1], &c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
    }
    close(p[1]);
    struct mount_case c;
    memset(&c, 0, sizeof(c));
    ssize_t n = read(p[0], &c, sizeof(c));
    close(p[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        cr_assert_fail("rm_rf did not end in 20 s");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t)sizeof(c),
              "mount test child failed (status %#x)", status);
    if (c.probe_failed[0])
        skip_or_fail("%s", c.probe_failed);
    return c;
}

Test(rm_rf, does_not_cross_into_another_file_system)
{
    make_dirs(tmp_path("tree/mnt"), 0755);
    write_file(tmp_path("tree/sibling"), "x", 0644);
    struct mount_case c = mount_case("tree/mnt", "tree/sibling");
    cr_assert_eq(c.r, -EXDEV, "rm_rf = %d, want -EXDEV", c.r);
    cr_assert(c.mount_survived, "removal went into the mounted file system");
    cr_assert(c.sibling_removed, "it goes on removing what it can");
}

/* One directory that cannot be emptied, 16 levels down, must cost about one failed attempt per
 * level, not a number of attempts that grows exponentially with the depth. */
Test(rm_rf, unremovable_entry_deep_in_tree_fails_quickly)
{
    char rel[PATH_MAX] = "tree";
    for (int i = 0; i < 16; i++)
        strcat(rel, "/d");
    strcat(rel, "/mnt");
    make_dirs(tmp_path(rel), 0755);
    write_file(tmp_path("tree/d/sibling"), "x", 0644);
    struct mount_case c = mount_case(rel, "tree/d/sibling");
    cr_assert_eq(c.r, -EXDEV, "rm_rf = %d, want -EXDEV", c.r);
    cr_assert(c.mount_survived, "removal went into the mounted file system");
    cr_assert(c.sibling_removed, "it goes on removing what it can");
}

/* --- sbx__private_dir ------------------------------------------------------------------ */

static mode_t mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "lstat '%s': %s", path, strerror(errno));
    return st.st_mode & 07777;
}

static void expect_private_fd(int fd, const char *path)
{
    cr_assert_geq(fd, 0, "private_dir('%s') = %d (%s)", path, fd, strerror(-fd));
    struct stat a, b;
    cr_assert_eq(fstat(fd, &a), 0);
    cr_assert_eq(lstat(path, &b), 0);
    cr_assert(S_ISDIR(a.st_mode));
    cr_assert_eq(a.st_ino, b.st_ino);
    cr_assert_eq(a.st_uid, geteuid());
    cr_assert_eq(a.st_mode & 07777, 0700, "mode %o", a.st_mode & 07777);
    cr_assert(fd_is_cloexec(fd), "fd is not close-on-exec");
    close(fd);
}

Test(private_dir, creates_missing_dir_0700)
{
    umask(0);
    const char *p = tmp_path("new");
    expect_private_fd(sbx__private_dir(p, geteuid()), p);
}

Test(private_dir, existing_0700_dir)
{
    const char *p = tmp_path("d");
    make_dirs(p, 0700);
    expect_private_fd(sbx__private_dir(p, geteuid()), p);
}

Test(private_dir, fixes_0755_and_special_bits)
{
    const char *p = tmp_path("d");
    make_dirs(p, 0755);
    cr_assert_eq(chmod(p, 0755), 0);
    expect_private_fd(sbx__private_dir(p, geteuid()), p);
    cr_assert_eq(chmod(p, 01777), 0);
    expect_private_fd(sbx__private_dir(p, geteuid()), p);
    cr_assert_eq(chmod(p, 02700), 0);
    expect_private_fd(sbx__private_dir(p, geteuid()), p);
}

Test(private_dir, refuses_symlink_to_dir)
{
    const char *target = tmp_path("real");
    make_dirs(target, 0755);
    cr_assert_eq(chmod(target, 0755), 0);
    const char *link = tmp_path("link");
    cr_assert_eq(symlink(target, link), 0);
    int fd = sbx__private_dir(link, geteuid());
    cr_assert_lt(fd, 0, "a symlink was accepted");
    cr_assert_eq(fd, -ENOTDIR);
    cr_assert_eq(mode_of(target), 0755, "the symlink's target was changed");
}

Test(private_dir, refuses_dangling_symlink_without_creating_target)
{
    const char *link = tmp_path("link");
    cr_assert_eq(symlink(tmp_path("would-be-created"), link), 0);
    int fd = sbx__private_dir(link, geteuid());
    cr_assert_lt(fd, 0);
    cr_assert(!path_exists(tmp_path("would-be-created")));
}

Test(private_dir, refuses_regular_file)
{
    const char *p = tmp_path("file");
    write_file(p, "", 0600);
    cr_assert_eq(sbx__private_dir(p, geteuid()), -ENOTDIR);
}

Test(private_dir, refuses_dir_of_another_uid_argument)
{
    /* Our own dir, but the caller asks for another owner: refused, nothing changed. */
    const char *p = tmp_path("d");
    make_dirs(p, 0755);
    cr_assert_eq(chmod(p, 0755), 0);
    cr_assert_eq(sbx__private_dir(p, geteuid() + 1), -EPERM);
    cr_assert_eq(mode_of(p), 0755);
}

Test(private_dir, refuses_dir_owned_by_another_user)
{
    const char *p = tmp_path("squatted");
    make_dirs(p, 0777);
    cr_assert_eq(chmod(p, 0777), 0);
    if (!can_chown_to(p, NOBODY, NOBODY))
        skip_or_fail("needs CAP_CHOWN to give a dir to uid %u: %s", (unsigned)NOBODY,
                     strerror(errno));
    cr_assert_eq(sbx__private_dir(p, geteuid()), -EPERM);
    cr_assert_eq(mode_of(p), 0777, "another user's dir was chmod'ed");
}

Test(private_dir, missing_parent)
{
    int fd = sbx__private_dir(tmp_path("no/such/parent"), geteuid());
    cr_assert_eq(fd, -ENOENT);
}

/* --- sbx__copy_into -------------------------------------------------------------------- */

static int src_with(const char *content)
{
    const char *p = tmp_path("src");
    write_file(p, content, 0644);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0);
    return fd;
}

Test(copy_into, copies_content_with_exact_mode)
{
    make_dirs(tmp_path("dst"), 0755);
    int dir = open(tmp_path("dst"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int src = src_with("print('hi')\n");
    umask(077); /* must not narrow the requested mode */
    cr_assert_eq(sbx__copy_into(src, dir, "prog.py", 0644, 1024), 0);
    read_back(tmp_path("dst/prog.py"), "print('hi')\n");
    cr_assert_eq(mode_of(tmp_path("dst/prog.py")), 0644);
    close(src);
    close(dir);
}

Test(copy_into, refuses_to_overwrite)
{
    int dir = open_tmp();
    write_file(tmp_path("existing"), "original", 0600);
    int src = src_with("new content");
    cr_assert_eq(sbx__copy_into(src, dir, "existing", 0644, 1024), -EEXIST);
    read_back(tmp_path("existing"), "original");
    cr_assert_eq(mode_of(tmp_path("existing")), 0600);
    close(src);
    close(dir);
}

Test(copy_into, refuses_symlink)
{
    int dir = open_tmp();
    write_file(tmp_path("victim"), "victim", 0600);
    cr_assert_eq(symlink(tmp_path("victim"), tmp_path("link")), 0);
    cr_assert_eq(symlink(tmp_path("created-through-link"), tmp_path("dangling")), 0);
    int src = src_with("attacker");
    cr_assert_lt(sbx__copy_into(src, dir, "link", 0644, 1024), 0);
    cr_assert_lt(sbx__copy_into(src, dir, "dangling", 0644, 1024), 0);
    read_back(tmp_path("victim"), "victim");
    cr_assert_eq(mode_of(tmp_path("victim")), 0600);
    cr_assert(!path_exists(tmp_path("created-through-link")));
    close(src);
    close(dir);
}

Test(copy_into, max_bytes_is_inclusive)
{
    int dir = open_tmp();
    int src = src_with("0123456789");
    cr_assert_eq(sbx__copy_into(src, dir, "exact", 0600, 10), 0);
    read_back(tmp_path("exact"), "0123456789");
    close(src);
    src = src_with("0123456789");
    cr_assert_eq(sbx__copy_into(src, dir, "over", 0600, 9), -EFBIG);
    close(src);
    src = src_with("");
    cr_assert_eq(sbx__copy_into(src, dir, "empty", 0600, 0), 0);
    read_back(tmp_path("empty"), "");
    close(src);
    src = src_with("x");
    cr_assert_eq(sbx__copy_into(src, dir, "zero-cap", 0600, 0), -EFBIG);
    close(src);
    close(dir);
}

Test(copy_into, large_source_beyond_cap)
{
    /* Bigger than one read buffer; the cap is hit in the middle of a chunk. */
    const char *p = tmp_path("big");
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    char chunk[65536];
    memset(chunk, 'z', sizeof(chunk));
    for (int i = 0; i < 10; i++)
        cr_assert_eq(write(fd, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
    close(fd);
    int dir = open_tmp();
    int src = open(p, O_RDONLY | O_CLOEXEC);
    cr_assert_eq(sbx__copy_into(src, dir, "copy", 0600, 100000), -EFBIG);
    close(src);
    src = open(p, O_RDONLY | O_CLOEXEC);
    cr_assert_eq(sbx__copy_into(src, dir, "copy2", 0600, 10 * 65536), 0);
    struct stat st;
    cr_assert_eq(stat(tmp_path("copy2"), &st), 0);
    cr_assert_eq(st.st_size, 10 * 65536);
    close(src);
    close(dir);
}

Test(copy_into, from_a_pipe)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    cr_assert_eq(write(p[1], "piped", 5), 5);
    close(p[1]);
    int dir = open_tmp();
    cr_assert_eq(sbx__copy_into(p[0], dir, "stdin.txt", 0400, 100), 0);
    read_back(tmp_path("stdin.txt"), "piped");
    cr_assert_eq(mode_of(tmp_path("stdin.txt")), 0400);
    close(p[0]);
    close(dir);
}

/* --- read/write loops ------------------------------------------------------------------ */

Test(io, write_all_and_read_full_through_a_pipe)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(p[0]);
        static char big[1 << 20];
        memset(big, 'w', sizeof(big));
        _exit(sbx__write_all(p[1], big, sizeof(big)) == 0 ? 0 : 1);
    }
    close(p[1]);
    static char buf[(1 << 20) + 10];
    ssize_t n = sbx__read_full(p[0], buf, sizeof(buf));
    cr_assert_eq(n, 1 << 20, "read_full returned %zd", n);
    cr_assert_eq(buf[0], 'w');
    cr_assert_eq(buf[(1 << 20) - 1], 'w');
    close(p[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(io, errors_are_negative_errno)
{
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    close(p[0]);
    cr_assert_eq(sbx__write_all(p[1], "x", 1), -EPIPE);
    close(p[1]);
    char c;
    cr_assert_eq(sbx__read_full(-1, &c, 1), -EBADF);
    cr_assert_eq(sbx__write_all(-1, "x", 1), -EBADF);
    cr_assert_eq(sbx__write_all(-1, "", 0), 0);
}

Test(mkdir_p, makes_parents_and_a_private_leaf)
{
    mode_t old = umask(0);
    const char *leaf = tmp_path("a/b/c");
    cr_assert_eq(sbx__mkdir_p(leaf), 0);
    struct stat st;
    cr_assert_eq(stat(tmp_path("a/b"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755, "a parent is 0%o", st.st_mode & 07777);
    cr_assert_eq(stat(leaf, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 07777, 0700, "the leaf is 0%o", st.st_mode & 07777);
    cr_assert_eq(sbx__mkdir_p(leaf), 0, "existing dirs are fine");
    write_file(tmp_path("file"), "x", 0644);
    cr_assert_eq(sbx__mkdir_p(tmp_path("file/sub")), -ENOTDIR);
    static char long_path[PATH_MAX + 16];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    cr_assert_eq(sbx__mkdir_p(long_path), -ENAMETOOLONG);
    umask(old);
}
