/*
 * The JSON lines sink: one event per line, appended to a file (O_APPEND, created 0600) or
 * written to the caller's stderr ("-").
 *
 * It never blocks the supervisor for long. A regular file is written directly (every write
 * holds whole lines on an O_APPEND descriptor, so concurrent runs appending to one file never
 * interleave inside a line). A pipe gets one line per write, which the kernel takes whole or
 * not at all when it fits in PIPE_BUF. For stderr the sink opens its OWN file description
 * (/proc/self/fd/2) and makes that one non-blocking, so the caller's descriptor, shared with
 * its shell or parent, keeps its flags; a socket is written with send(MSG_DONTWAIT). What a
 * slow or full pipe does not take now waits in a capped buffer (16 MiB) and goes out on the
 * next write or at the end (a bounded wait); beyond the cap lines are dropped and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/platform.h"
#include "telemetry/telemetry.h"

/* Our own non-blocking description of the caller's stderr. */
static int open_stderr(int *ret_use_send)
{
    struct stat st;
    if (fstat(2, &st) < 0)
        return -errno;
    *ret_use_send = 0;
    if (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)) { /* a file never blocks; a socket is
                                                        * written with MSG_DONTWAIT */
        *ret_use_send = S_ISSOCK(st.st_mode);
        int fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
    }
    int fd = open("/proc/self/fd/2", O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0)
        return fd;
    /* No /proc: a shared descriptor, written only when poll says it has room. */
    fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? -errno : fd;
}

int sbx__jsonl_open(const char *path, struct sbx__jsonl *ret, struct sbx_error *err)
{
    memset(ret, 0, sizeof(*ret));
    ret->fd = -1;
    snprintf(ret->path, sizeof(ret->path), "%s", strcmp(path, "-") ? path : "stderr");
    if (!strcmp(path, "-")) {
        int fd = open_stderr(&ret->use_send);
        if (fd < 0)
            return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, -fd,
                              "telemetry: stderr cannot take the event stream");
        struct stat st;
        ret->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        ret->fd = fd;
        return 0;
    }
    /* SECURITY: never through a symlink planted where the file is expected. */
    int fd = open(
        path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st;
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, errno,
                          "telemetry events file '%s' cannot be opened for appending", path);
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, 0,
                          "telemetry events file '%s' is not a regular file or a FIFO", path);
    }
    if (S_ISFIFO(st.st_mode)) /* our own description: non-blocking is ours to set */
        fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK);
    ret->regular = S_ISREG(st.st_mode);
    ret->fd = fd;
    return 0;
}

/* Write pending bytes while the fd takes them; 0 when all went out, -EAGAIN when some wait. */
static int drain(struct sbx__jsonl *j)
{
    size_t off = 0;
    int r = 0;
    while (off < j->len) {
        struct pollfd pfd = {.fd = j->fd, .events = POLLOUT};
        if (!j->use_send && poll(&pfd, 1, 0) == 0) { /* covers a shared blocking pipe */
            r = -EAGAIN;
            break;
        }
        size_t chunk = j->len - off;
        if (!j->regular) {
            /* One line per write: a pipe takes a write of up to PIPE_BUF bytes whole or not
             * at all, so a line that fits is never split by whatever else writes to the same
             * stream (the program's stderr forwarded by the CLI). */
            const char *nl = memchr(j->pending + off, '\n', chunk);
            chunk = nl ? (size_t)(nl - (j->pending + off)) + 1 : chunk;
        }
        if (!j->use_send && !j->regular && chunk > 4096 && !(fcntl(j->fd, F_GETFL) & O_NONBLOCK))
            chunk = 4096; /* a shared blocking pipe: poll promised room for one page */
        ssize_t n = j->use_send ? send(j->fd, j->pending + off, chunk, MSG_DONTWAIT | MSG_NOSIGNAL)
                                : write(j->fd, j->pending + off, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            break;
        }
        off += (size_t)n;
    }
    memmove(j->pending, j->pending + off, j->len - off);
    j->len -= off;
    if (r < 0 && r != -EAGAIN) {
        if (!j->error)
            j->error = r;
        j->len = 0; /* a broken stream (EPIPE, EIO): nothing more will go out */
    }
    return r;
}

void sbx__jsonl_write(struct sbx__jsonl *j, const char *line, size_t len)
{
    if (!j || j->fd < 0)
        return;
    if (j->error && j->error != -EAGAIN) {
        j->dropped_lines++;
        return;
    }
    if (j->len + len + 1 > SBX_JSONL_MAX_PENDING) {
        j->dropped_lines++;
        drain(j);
        return;
    }
    if (j->len + len + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 65536;
        while (cap < j->len + len + 1)
            cap *= 2;
        char *p = realloc(j->pending, cap);
        if (!p) {
            j->dropped_lines++;
            return;
        }
        j->pending = p;
        j->cap = cap;
    }
    memcpy(j->pending + j->len, line, len);
    j->pending[j->len + len] = '\n';
    j->len += len + 1;
    drain(j);
}

static uint64_t now_ms(void)
{
    return sbx__now_ns() / 1000000u;
}

int sbx__jsonl_flush(struct sbx__jsonl *j, int timeout_ms)
{
    if (!j || j->fd < 0)
        return 0;
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    int r;
    while ((r = drain(j)) == -EAGAIN) {
        uint64_t now = now_ms();
        if (now >= deadline)
            break;
        struct pollfd pfd = {.fd = j->fd, .events = POLLOUT};
        poll(&pfd, 1, (int)(deadline - now));
    }
    if (r == -EAGAIN && j->len) { /* the reader did not keep up: count what is left */
        for (size_t i = 0; i < j->len; i++)
            j->dropped_lines += j->pending[i] == '\n';
        j->len = 0;
    }
    return r;
}

void sbx__jsonl_close(struct sbx__jsonl *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    free(j->pending);
    j->pending = NULL;
    j->len = j->cap = 0;
}
