/*
 * Corpus replay driver: links with any fuzz target in place of libFuzzer and feeds it every
 * file named on the command line (directories: every regular file in them, sorted), so the
 * corpus runs in the normal test suite with gcc. A crash or abort in the target fails the test.
 *
 * Usage: fuzz-XXX-replay PATH...   Exit: 0 all replayed, 1 a path could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"

/* Inputs larger than this are not fuzzer-sized; refuse them rather than buffer them. */
#define REPLAY_MAX_INPUT (8u * 1024 * 1024)

static int replay_file(int dirfd, const char *name)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    if (st.st_size > (off_t)REPLAY_MAX_INPUT)
        return -EFBIG;
    size_t size = (size_t)st.st_size, len = 0;
    _cleanup_free_ uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    while (len < size) {
        ssize_t n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        len += (size_t)n;
    }
    LLVMFuzzerTestOneInput(buf, len);
    return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *path, size_t *count)
{
    struct dirent **list;
    _cleanup_close_ int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int n = dirfd < 0 ? -1 : scandir(path, &list, NULL, by_name);
    if (n < 0)
        return -errno;
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (r >= 0 && list[i]->d_name[0] != '.') {
            r = replay_file(dirfd, list[i]->d_name);
            if (r < 0)
                fprintf(stderr, "replay: %s/%s: %s\n", path, list[i]->d_name, strerror(-r));
            else
                *count += (size_t)r;
        }
        free(list[i]);
    }
    free(list);
    return r < 0 ? r : 0;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int r;
        if (stat(argv[i], &st) < 0)
            r = -errno;
        else if (S_ISDIR(st.st_mode))
            r = replay_dir(argv[i], &count);
        else if ((r = replay_file(AT_FDCWD, argv[i])) > 0)
            count++;
        if (r < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(-r));
            return 1;
        }
    }
    printf("replayed %zu inputs\n", count);
    return 0;
}
