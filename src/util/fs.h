/*
 * File helpers for the host side. Everything that touches a directory the sandbox could write
 * works relative to a directory fd and never follows a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW).
 */
#ifndef SBX_UTIL_FS_H
#define SBX_UTIL_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/macros.h"

/* write() all of buf (retrying EINTR and short writes); 0 or -errno. */
SBX_INTERNAL int sbx__write_all(int fd, const void *buf, size_t len);

/* read() until len bytes or EOF; returns bytes read or -errno. */
SBX_INTERNAL ssize_t sbx__read_full(int fd, void *buf, size_t len);

/* Read fd from offset 0 to EOF with pread (the file offset is left alone), handing each chunk
 * to fn; stops at the first negative return of fn. 0 or -errno. */
SBX_INTERNAL int sbx__pread_each(int fd, int (*fn)(void *ud, const char *buf, size_t len),
                                 void *ud);

/* Copy at most max_bytes from src_fd into a new file `name` in dirfd (O_EXCL|O_NOFOLLOW),
 * mode `mode`. -EFBIG if the source is larger. 0 or -errno. */
SBX_INTERNAL int sbx__copy_into(int src_fd, int dirfd, const char *name, mode_t mode,
                                uint64_t max_bytes);

/* Remove dirfd/name and everything below it without following symlinks or crossing into other
 * file systems; directories without write or search permission are chmod'ed first. 0 or
 * -errno of the first failure (it goes on removing what it can). */
SBX_INTERNAL int sbx__rm_rf_at(int dirfd, const char *name);

/* Make sure `path` is a directory owned by `uid` with mode 0700 (creating it if missing),
 * refusing a symlink or a directory someone else owns. Returns an O_DIRECTORY fd or -errno. */
SBX_INTERNAL int sbx__private_dir(const char *path, uid_t uid);

/* mkdir -p for an absolute `path`: missing parents 0755, the last component 0700 (existing
 * ones are left as they are; the caller checks what it opens). 0 or -errno. */
SBX_INTERNAL int sbx__mkdir_p(const char *path);

#endif
