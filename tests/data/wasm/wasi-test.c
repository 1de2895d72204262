/*
 * A WASI preview1 test program (clang --target=wasm32-wasi -O2), one subcommand per check of
 * tests/integration/test_wasm.py. Prints what it sees; the test decides what is right.
 */
#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include <wasi/libc.h>

extern char **environ;

static int cmd_args(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    return 0;
}

static int cmd_env(void)
{
    int n = 0;
    for (char **e = environ; *e; e++, n++)
        printf("%s\n", *e);
    printf("count=%d\n", n);
    return 0;
}

static int cmd_echo(void)
{
    char buf[4096];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
        total += n;
    }
    fprintf(stderr, "echoed %zu bytes\n", total);
    return 0;
}

static int check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : strerror(errno));
    return ok ? 0 : 1;
}

/* create, write, read back, rename, readdir, stat, unlink in `dir` */
static int cmd_files(const char *dir)
{
    char a[512], b[512], sub[512];
    snprintf(a, sizeof(a), "%s/a.txt", dir);
    snprintf(b, sizeof(b), "%s/b.txt", dir);
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    int bad = 0;
    FILE *f = fopen(a, "w");
    bad |= check("create", f != NULL);
    if (!f)
        return 1;
    fputs("hello file\n", f);
    fclose(f);
    bad |= check("rename", rename(a, b) == 0);
    char line[64] = "";
    f = fopen(b, "r");
    bad |= check("open renamed", f != NULL);
    if (f) {
        fgets(line, sizeof(line), f);
        fclose(f);
    }
    printf("content=%s", line);
    f = fopen(b, "a");
    if (f) {
        fputs("more\n", f);
        fclose(f);
    }
    struct stat st;
    bad |= check("stat", stat(b, &st) == 0 && S_ISREG(st.st_mode));
    printf("size=%lld\n", (long long)st.st_size);
    bad |= check("mkdir", mkdir(sub, 0755) == 0);
    DIR *d = opendir(dir);
    bad |= check("opendir", d != NULL);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                printf("entry=%s type=%d\n", e->d_name, e->d_type);
        closedir(d);
    }
    int fd = open(b, O_RDWR);
    bad |= check("lseek", fd >= 0 && lseek(fd, 6, SEEK_SET) == 6);
    char four[5] = "";
    bad |= check("read at 6", read(fd, four, 4) == 4);
    printf("at6=%s\n", four);
    close(fd);
    bad |= check("rmdir", rmdir(sub) == 0);
    bad |= check("unlink", unlink(b) == 0);
    bad |= check("gone", access(b, F_OK) != 0 && errno == ENOENT);
    return bad;
}

/* The raw import, with an explicit length (wasi-libc's wrapper takes a C string). */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
              int64_t base, int64_t inherit, int32_t fdflags, int32_t ret);

/* Raw path_open on preopen fd 3 so the errno is exactly what the host returned. */
static int raw_open(const char *path, size_t len, __wasi_lookupflags_t lf)
{
    __wasi_fd_t fd;
    return raw_path_open(3, (int32_t)lf, (int32_t)(uintptr_t)path, (int32_t)len, 0,
                         (int64_t)__WASI_RIGHTS_FD_READ, 0, 0, (int32_t)(uintptr_t)&fd);
}

static int cmd_escape(const char *outside)
{
    /* via libc: ../, an absolute host path, a symlink pointing out (made by the test) */
    const char *paths[] = {"../etc/passwd",  "/../../etc/passwd", outside,   "link-out/secret",
                           "rel-out/secret", "abs-link",          "in-link", NULL};
    for (int i = 0; paths[i]; i++) {
        errno = 0;
        FILE *f = fopen(paths[i], "r");
        char line[128] = "";
        if (f && fgets(line, sizeof(line), f))
            printf("OPENED %s: %s", paths[i], line);
        else
            printf("refused %s: errno %d (%s)\n", paths[i], errno, strerror(errno));
        if (f)
            fclose(f);
    }
    /* raw WASI: the host's own errno values */
    printf("raw dotdot=%d\n", raw_open("../x", 4, 0));
    printf("raw deep-dotdot=%d\n", raw_open("d/../../x", 9, 0));
    printf("raw inner-dotdot=%d\n", raw_open("d/../inside.txt", 15, 0));
    printf("raw absolute=%d\n", raw_open("/etc/passwd", 11, 0));
    printf("raw nul=%d\n", raw_open("ok\0/../../x", 11, 0));
    printf("raw badutf8=%d\n", raw_open("\xff\xfe", 2, 0));
    printf("raw link-out=%d\n", raw_open("link-out/secret", 15, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    printf("raw rel-out=%d\n", raw_open("rel-out/secret", 14, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    printf("raw abs-link=%d\n", raw_open("abs-link", 8, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    printf("raw abs-link-nofollow=%d\n", raw_open("abs-link", 8, 0));
    printf("raw inside-link=%d\n", raw_open("in-link", 7, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    return 0;
}

static int cmd_cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("cannot open %s: errno %d (%s)\n", path, errno, strerror(errno));
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

/* The rest of preview1 through wasi-libc: symlink/readlink/link, utimes, truncate, pread/pwrite,
 * fd_renumber (dup2), fd_fdstat of stdio, poll on stdin and a timeout, sched_yield, O_EXCL,
 * O_DIRECTORY on a file, unlink of a directory, rmdir of a non-empty one. */
static int cmd_more(void)
{
    int bad = 0;
    int fd = open("m.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    bad |= check("create", fd >= 0);
    bad |= check("pwrite", pwrite(fd, "abcdef", 6, 0) == 6);
    bad |= check("pwrite at 10", pwrite(fd, "Z", 1, 10) == 1);
    char buf[16] = "";
    bad |= check("pread", pread(fd, buf, 3, 2) == 3 && !memcmp(buf, "cde", 3));
    bad |= check("ftruncate", ftruncate(fd, 4) == 0);
    struct stat st;
    bad |= check("fstat size 4", fstat(fd, &st) == 0 && st.st_size == 4);
    bad |= check("tell unchanged by pread", lseek(fd, 0, SEEK_CUR) == 0);
    int fd2 = open("m.txt", O_RDONLY);
    bad |= check("fd_renumber", fd2 >= 0 && __wasilibc_fd_renumber(fd2, fd) == 0);
    bad |= check("write on renumbered read-only fd fails", write(fd, "x", 1) < 0);
    close(fd);
    bad |= check("symlink", symlink("m.txt", "m.lnk") == 0);
    ssize_t n = readlink("m.lnk", buf, sizeof(buf));
    bad |= check("readlink", n == 5 && !memcmp(buf, "m.txt", 5));
    bad |= check("lstat is a link", lstat("m.lnk", &st) == 0 && S_ISLNK(st.st_mode));
    bad |= check("stat follows", stat("m.lnk", &st) == 0 && S_ISREG(st.st_mode));
    bad |= check("link", link("m.txt", "m.hard") == 0);
    bad |= check("nlink 2", stat("m.txt", &st) == 0 && st.st_nlink == 2);
    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500000000}};
    bad |= check("utimensat", utimensat(AT_FDCWD, "m.txt", ts, 0) == 0);
    bad |= check("mtime set", stat("m.txt", &st) == 0 && st.st_mtim.tv_sec == 1234567890);
    errno = 0;
    bad |= check("O_EXCL on existing: EEXIST",
                 open("m.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST);
    errno = 0;
    bad |= check("O_DIRECTORY on a file: ENOTDIR",
                 open("m.txt", O_RDONLY | O_DIRECTORY) < 0 && errno == ENOTDIR);
    bad |= check("mkdir", mkdir("dd", 0755) == 0);
    bad |= check("file in dir", close(open("dd/f", O_CREAT | O_WRONLY, 0644)) == 0);
    errno = 0;
    bad |= check("rmdir non-empty: ENOTEMPTY", rmdir("dd") < 0 && errno == ENOTEMPTY);
    errno = 0;
    bad |= check("unlink a dir: EISDIR or EPERM",
                 unlink("dd") < 0 && (errno == EISDIR || errno == EPERM));
    errno = 0;
    bad |= check("open missing: ENOENT", open("nope", O_RDONLY) < 0 && errno == ENOENT);
    bad |= check("rename over existing", rename("m.hard", "m.txt") == 0);
    bad |= check("cleanup", unlink("dd/f") == 0 && rmdir("dd") == 0 && unlink("m.lnk") == 0 &&
                                unlink("m.txt") == 0);
    bad |= check("stdout fdstat is not seekable", lseek(1, 0, SEEK_CUR) < 0 && errno == ESPIPE);
    bad |= check("sched_yield", sched_yield() == 0);
    struct pollfd pfd = {.fd = 0, .events = POLLIN};
    bad |= check("poll stdin", poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
    bad |= check("poll timeout only", poll(NULL, 0, 20) == 0);
    return bad;
}

static int cmd_grow(long pages)
{
    long got = 0;
    for (long i = 0; i < pages; i++) {
        if (__builtin_wasm_memory_grow(0, 1) == (size_t)-1)
            break;
        got++;
    }
    printf("grew %ld of %ld pages, now %zu\n", got, pages, __builtin_wasm_memory_size(0));
    return 0;
}

static int cmd_bigout(long bytes)
{
    static char buf[65536];
    memset(buf, 'x', sizeof(buf));
    for (long left = bytes; left > 0;) {
        long n = left < (long)sizeof(buf) ? left : (long)sizeof(buf);
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            return 1;
        left -= n;
    }
    return 0;
}

static volatile unsigned sink;
static int cmd_loop(void)
{
    for (;;)
        sink++;
}

static unsigned deep(unsigned n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return n == 0 ? 0 : deep(n - 1) + pad[0];
}

static int cmd_clock(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec d = {0, 50 * 1000 * 1000};
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    time_t now = time(NULL);
    unsigned char r[16] = {0};
    getentropy(r, sizeof(r));
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero += r[i] != 0;
    printf("slept_ms=%ld realtime=%lld random_nonzero=%d\n", ms, (long long)now, nonzero);
    return 0;
}

/* A compute-heavy kernel for the benchmark: sieve + a hash loop. */
static int cmd_compute(long n)
{
    char *sieve = calloc((size_t)n + 1, 1);
    long count = 0;
    for (long i = 2; i <= n; i++) {
        if (sieve[i])
            continue;
        count++;
        for (long j = i * 2; j <= n; j += i)
            sieve[j] = 1;
    }
    uint64_t h = 1469598103934665603ull;
    for (long i = 0; i < n * 10; i++)
        h = (h ^ (uint64_t)i) * 1099511628211ull;
    printf("primes=%ld hash=%llx\n", count, (unsigned long long)h);
    free(sieve);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "hello";
    const char *arg = argc > 2 ? argv[2] : "";
    if (!strcmp(cmd, "hello"))
        return puts("hello from wasi") < 0;
    if (!strcmp(cmd, "args"))
        return cmd_args(argc, argv);
    if (!strcmp(cmd, "env"))
        return cmd_env();
    if (!strcmp(cmd, "echo"))
        return cmd_echo();
    if (!strcmp(cmd, "files"))
        return cmd_files(arg[0] ? arg : ".");
    if (!strcmp(cmd, "escape"))
        return cmd_escape(arg);
    if (!strcmp(cmd, "more"))
        return cmd_more();
    if (!strcmp(cmd, "cat"))
        return cmd_cat(arg);
    if (!strcmp(cmd, "grow"))
        return cmd_grow(atol(arg));
    if (!strcmp(cmd, "exit"))
        exit(atoi(arg));
    if (!strcmp(cmd, "bigout"))
        return cmd_bigout(atol(arg));
    if (!strcmp(cmd, "loop"))
        return cmd_loop();
    if (!strcmp(cmd, "stack"))
        return (int)deep(100000000u);
    if (!strcmp(cmd, "clock"))
        return cmd_clock();
    if (!strcmp(cmd, "compute"))
        return cmd_compute(atol(arg));
    fprintf(stderr, "unknown command '%s'\n", cmd);
    return 2;
}
