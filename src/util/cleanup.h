/*
 * Scope-cleanup attributes (systemd style). `_cleanup_free_ char *p = NULL;` frees p when the
 * scope ends; TAKE_PTR(p) / TAKE_FD(fd) move ownership out so the cleanup does nothing.
 */
#ifndef SBX_UTIL_CLEANUP_H
#define SBX_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sbx__freep(void *p)
{
    free(*(void **)p);
}
static inline void sbx__closep(const int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
static inline void sbx__fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void sbx__closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sbx__freep)
#define _cleanup_close_ _cleanup_(sbx__closep)
#define _cleanup_fclose_ _cleanup_(sbx__fclosep)
#define _cleanup_closedir_ _cleanup_(sbx__closedirp)

#define TAKE_PTR(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _p = (p);                                                                    \
        (p) = NULL;                                                                                \
        _p;                                                                                        \
    })
#define TAKE_FD(fd)                                                                                \
    ({                                                                                             \
        int _fd = (fd);                                                                            \
        (fd) = -1;                                                                                 \
        _fd;                                                                                       \
    })

#endif
