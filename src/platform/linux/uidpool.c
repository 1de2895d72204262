/* The root uid pool (see uidpool.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/linux/uidpool.h"
#include "util/cleanup.h"
#include "util/fs.h"

int sbx__uidpool_take(const char *dir, uid_t *ret_uid)
{
    int r = sbx__mkdir_p(dir);
    if (r < 0)
        return r;
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dfd < 0)
        return -errno;
    if (fstat(dfd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0022))
        return -EPERM; /* SECURITY: a lock dir others can write would let them hold our ids */
    unsigned start = 0;
    if (getrandom(&start, sizeof(start), GRND_NONBLOCK) < 0)
        start = (unsigned)getpid();
    for (unsigned i = 0; i < SBX_UID_POOL_SIZE; i++) {
        unsigned slot = (start + i) % SBX_UID_POOL_SIZE;
        char name[32];
        snprintf(name, sizeof(name), "uid-%u.lock", slot);
        int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *ret_uid = SBX_UID_POOL_BASE + slot;
            return fd;
        }
        close(fd);
    }
    return -EAGAIN;
}
