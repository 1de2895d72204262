/*
 * Security events to syslog ([telemetry] syslog = true): one datagram per event to /dev/log,
 * facility authpriv, severity warning, in the traditional "<PRI>TIMESTAMP TAG[PID]: MSG"
 * form every syslog daemon and journald accept.
 *
 * Not syslog(3): that keeps process-wide state (openlog) and may block on a slow daemon; this
 * socket is the run's own, non-blocking, and a message the daemon cannot take now is dropped.
 * $RUSTY_SANDBOX_SYSLOG_SOCKET names another socket (tests); it is no boundary: whoever sets
 * the environment may as well change the configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "telemetry/telemetry.h"

#define LOG_AUTHPRIV_WARNING ((10 << 3) | 4)

int sbx__syslog_open(void)
{
    const char *path = getenv("RUSTY_SANDBOX_SYSLOG_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path || path[0] != '/')
        path = "/dev/log";
    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int sbx__syslog_send(int fd, const char *msg)
{
    char line[1024], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
    int n = snprintf(line, sizeof(line), "<%d>%s rusty-sandbox[%d]: %s", LOG_AUTHPRIV_WARNING,
                     stamp, (int)getpid(), msg);
    if (n < 0)
        return -EINVAL;
    /* Control characters from a detail would forge lines in a text log. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    return send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}
