/*
 * Unit tests for src/platform/linux/uidpool.c: ids come from [SBX_UID_POOL_BASE, +SIZE), one
 * holder per id (an flock per id, so two takes while the first is held differ), a released id
 * can be taken again, a full pool says -EAGAIN, and a lock dir others could write is refused.
 * The pool dir is a per-test temporary directory, never the real /run one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "platform/linux/uidpool.h"

#define NOBODY other_uid()

TestSuite(uidpool, .init = tmp_setup, .fini = tmp_teardown);

static void expect_in_range(uid_t uid)
{
    cr_assert_geq(uid, SBX_UID_POOL_BASE, "uid %u below the pool", (unsigned)uid);
    cr_assert_lt(uid, SBX_UID_POOL_BASE + SBX_UID_POOL_SIZE, "uid %u above the pool",
                 (unsigned)uid);
}

static int take(const char *dir, uid_t *uid)
{
    int fd = sbx__uidpool_take(dir, uid);
    cr_assert_geq(fd, 0, "uidpool_take('%s') = %d (%s)", dir, fd, strerror(-fd));
    expect_in_range(*uid);
    return fd;
}

/* Room for a full pool plus some: needs a few thousand fds. */
static void need_fds(rlim_t n)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= n)
        return;
    if (rl.rlim_max < n)
        rl.rlim_max = n; /* raising the hard limit needs CAP_SYS_RESOURCE */
    rl.rlim_cur = n;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        skip_or_fail("needs %llu open files (RLIMIT_NOFILE): %s", (unsigned long long)n,
                     strerror(errno));
}

Test(uidpool, take_creates_private_dir_and_gives_id_in_range)
{
    const char *dir = tmp_path("run/rusty-sandbox/uids");
    uid_t uid = 0;
    int fd = take(dir, &uid);
    cr_assert(fd_is_cloexec(fd));
    struct stat st;
    cr_assert_eq(stat(dir, &st), 0);
    cr_assert_eq(st.st_mode & 022, 0, "pool dir mode %o", st.st_mode & 07777);
    cr_assert_eq(st.st_uid, geteuid());
    char lock[PATH_MAX];
    snprintf(lock, sizeof(lock), "%s/uid-%u.lock", dir, (unsigned)(uid - SBX_UID_POOL_BASE));
    cr_assert(path_exists(lock), "no lock file %s", lock);
    close(fd);
}

Test(uidpool, held_ids_are_never_shared)
{
    const char *dir = tmp_path("uids");
    uid_t a, b, c;
    int fa = take(dir, &a);
    int fb = take(dir, &b);
    int fc = take(dir, &c);
    cr_assert(a != b && b != c && a != c, "ids %u %u %u", (unsigned)a, (unsigned)b, (unsigned)c);
    close(fa);
    close(fb);
    close(fc);
}

Test(uidpool, full_pool_is_eagain_and_released_id_is_taken_again, .timeout = 60)
{
    need_fds(SBX_UID_POOL_SIZE + 64);
    const char *dir = tmp_path("uids");
    static int fds[SBX_UID_POOL_SIZE];
    static unsigned char seen[SBX_UID_POOL_SIZE];
    for (unsigned i = 0; i < SBX_UID_POOL_SIZE; i++) {
        uid_t uid;
        fds[i] = take(dir, &uid);
        unsigned slot = uid - SBX_UID_POOL_BASE;
        cr_assert_eq(seen[slot], 0, "id %u handed out twice", (unsigned)uid);
        seen[slot] = 1;
    }
    uid_t uid = 0;
    cr_assert_eq(sbx__uidpool_take(dir, &uid), -EAGAIN);
    /* Release one id: it is the one the next take gets. */
    uid_t released;
    int victim = 1234;
    {
        char link[64], target[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[victim]);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        cr_assert_gt(n, 0);
        target[n] = '\0';
        unsigned slot;
        cr_assert_eq(sscanf(strrchr(target, '/'), "/uid-%u.lock", &slot), 1);
        released = SBX_UID_POOL_BASE + slot;
    }
    close(fds[victim]);
    int fd = take(dir, &uid);
    cr_assert_eq(uid, released, "took %u, want the released %u", (unsigned)uid, (unsigned)released);
    cr_assert_eq(sbx__uidpool_take(dir, &uid), -EAGAIN);
    close(fd);
    for (unsigned i = 0; i < SBX_UID_POOL_SIZE; i++)
        if ((int)i != victim)
            close(fds[i]);
    /* All released: taking works again. */
    close(take(dir, &uid));
}

Test(uidpool, id_held_by_another_process_is_not_given_out, .timeout = 60)
{
    need_fds(SBX_UID_POOL_SIZE + 64);
    const char *dir = tmp_path("uids");
    int ready[2], release[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(release[1]);
        close(ready[0]);
        uid_t uid;
        int fd = sbx__uidpool_take(dir, &uid);
        if (fd < 0 || write(ready[1], &uid, sizeof(uid)) != (ssize_t)sizeof(uid))
            _exit(1);
        char c;
        (void)!read(release[0], &c, 1);
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    uid_t child_uid;
    cr_assert_eq(read(ready[0], &child_uid, sizeof(child_uid)), (ssize_t)sizeof(child_uid));
    expect_in_range(child_uid);
    static int fds[SBX_UID_POOL_SIZE];
    unsigned n = 0;
    for (;;) {
        uid_t uid;
        int fd = sbx__uidpool_take(dir, &uid);
        if (fd == -EAGAIN)
            break;
        cr_assert_geq(fd, 0, "take = %d", fd);
        cr_assert_neq(uid, child_uid, "id %u held by another process was given out", (unsigned)uid);
        cr_assert_lt(n, SBX_UID_POOL_SIZE);
        fds[n++] = fd;
    }
    cr_assert_eq(n, SBX_UID_POOL_SIZE - 1);
    close(release[1]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    uid_t uid;
    int fd = take(dir, &uid); /* the child's id, free again now that it is gone */
    cr_assert_eq(uid, child_uid);
    close(fd);
    for (unsigned i = 0; i < n; i++)
        close(fds[i]);
    close(ready[0]);
}

Test(uidpool, refuses_lock_dir_writable_by_others)
{
    static const mode_t modes[] = {0777, 0722, 0702, 0770, 0720, 01777};
    const char *dir = tmp_path("uids");
    make_dirs(dir, 0700);
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        cr_assert_eq(chmod(dir, modes[i]), 0);
        uid_t uid = 4242;
        int fd = sbx__uidpool_take(dir, &uid);
        if (fd >= 0)
            close(fd);
        cr_assert_eq(fd, -EPERM, "mode %o: take = %d", modes[i], fd);
        cr_assert_eq(uid, 4242, "uid written on failure");
    }
    /* Others may read and search it: that is fine. */
    cr_assert_eq(chmod(dir, 0755), 0);
    uid_t uid;
    close(take(dir, &uid));
}

Test(uidpool, refuses_lock_dir_of_another_user)
{
    const char *dir = tmp_path("uids");
    make_dirs(dir, 0700);
    if (!can_chown_to(dir, NOBODY, NOBODY))
        skip_or_fail("needs CAP_CHOWN to give a dir to uid %u: %s", (unsigned)NOBODY,
                     strerror(errno));
    uid_t uid;
    cr_assert_eq(sbx__uidpool_take(dir, &uid), -EPERM);
}

Test(uidpool, refuses_symlinked_lock_dir)
{
    make_dirs(tmp_path("real"), 0700);
    cr_assert_eq(symlink(tmp_path("real"), tmp_path("uids")), 0);
    uid_t uid;
    int fd = sbx__uidpool_take(tmp_path("uids"), &uid);
    if (fd >= 0)
        close(fd);
    cr_assert_lt(fd, 0, "a symlinked lock dir was used");
}

Test(uidpool, lock_dir_is_a_file)
{
    write_file(tmp_path("uids"), "", 0600);
    uid_t uid;
    cr_assert_lt(sbx__uidpool_take(tmp_path("uids"), &uid), 0);
}
