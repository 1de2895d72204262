/*
 * poll_oneoff on stdin and on clocks alone, straight through __wasi_poll_oneoff (clang
 * --target=wasm32-wasi -O2; test_wasm.py, test_poll_*). What fired goes to stderr, one line
 * per poll; the bytes read from stdin are echoed to stdout, exactly.
 *
 *   wait MS...   for each MS: poll fd_read on stdin plus a relative monotonic clock of MS;
 *                print "poll: stdin nbytes=N hangup=H" or "poll: clock"; stop polling at the
 *                first stdin event; then echo stdin to EOF ("echoed N bytes").
 *   abswait MS   the same with one absolute realtime clock (now + MS).
 *   once MS      one poll as `wait` does, then exit 0 without reading stdin at all.
 *   sleep MS     a poll with one relative monotonic clock alone: "slept_ms=N".
 *   chunks N     read N bytes with fd_read first (before any poll), then until EOF: poll
 *                stdin alone (no clock), read at most 1000 bytes; echo all, then
 *                "echoed N bytes polls=P".
 *   errors       the event errors: a bad fd (EBADF), an unknown clock id (EINVAL), and the
 *                call with no subscription (EINVAL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static uint64_t now_ns(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0)
        abort();
    return t;
}

static void clock_sub(__wasi_subscription_t *s, uint64_t userdata, __wasi_clockid_t id,
                      uint64_t timeout, int abs)
{
    memset(s, 0, sizeof(*s));
    s->userdata = userdata;
    s->u.tag = __WASI_EVENTTYPE_CLOCK;
    s->u.u.clock.id = id;
    s->u.u.clock.timeout = timeout;
    s->u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
}

static void read_sub(__wasi_subscription_t *s, uint64_t userdata, __wasi_fd_t fd)
{
    memset(s, 0, sizeof(*s));
    s->userdata = userdata;
    s->u.tag = __WASI_EVENTTYPE_FD_READ;
    s->u.u.fd_read.file_descriptor = fd;
}

/* Poll stdin (userdata 1) and, when n == 2, the clock in subs[1] (userdata 2); print what
 * fired. Returns 1 when stdin did. */
static int poll_print(__wasi_subscription_t *subs, size_t n)
{
    __wasi_event_t ev[2];
    __wasi_size_t got = 0;
    read_sub(&subs[0], 1, 0);
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, n, &got);
    if (e != 0 || got < 1 || got > n) {
        fprintf(stderr, "poll failed: errno %d, %u events\n", e, (unsigned)got);
        exit(2);
    }
    int stdin_ready = 0;
    for (size_t i = 0; i < got; i++) {
        if (ev[i].error != 0) {
            fprintf(stderr, "poll: event %llu error %d\n", (unsigned long long)ev[i].userdata,
                    ev[i].error);
            exit(2);
        }
        if (ev[i].userdata == 1 && ev[i].type == __WASI_EVENTTYPE_FD_READ) {
            fprintf(stderr, "poll: stdin nbytes=%llu hangup=%d\n",
                    (unsigned long long)ev[i].fd_readwrite.nbytes,
                    !!(ev[i].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP));
            stdin_ready = 1;
        } else if (ev[i].userdata == 2 && ev[i].type == __WASI_EVENTTYPE_CLOCK) {
            fprintf(stderr, "poll: clock\n");
        } else {
            fprintf(stderr, "poll: unexpected event %llu type %d\n",
                    (unsigned long long)ev[i].userdata, ev[i].type);
            exit(2);
        }
    }
    return stdin_ready;
}

/* fd_read of at most `max` bytes into buf; 0 at EOF. */
static size_t read_some(char *buf, size_t max)
{
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = max};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_read(0, &iov, 1, &n);
    if (e != 0) {
        fprintf(stderr, "fd_read: errno %d\n", e);
        exit(3);
    }
    return n;
}

static void write_all(const char *buf, size_t n)
{
    while (n > 0) {
        __wasi_ciovec_t iov = {.buf = (const uint8_t *)buf, .buf_len = n};
        __wasi_size_t put = 0;
        if (__wasi_fd_write(1, &iov, 1, &put) != 0 || put == 0)
            exit(4);
        buf += put;
        n -= put;
    }
}

static size_t echo_rest(void)
{
    static char buf[65536];
    size_t total = 0, n;
    while ((n = read_some(buf, sizeof(buf))) > 0) {
        write_all(buf, n);
        total += n;
    }
    return total;
}

static int cmd_wait(int argc, char **argv, int abs, int echo)
{
    __wasi_subscription_t subs[2];
    for (int i = 0; i < argc; i++) {
        uint64_t ms = strtoull(argv[i], NULL, 10);
        if (abs)
            clock_sub(&subs[1], 2, __WASI_CLOCKID_REALTIME,
                      now_ns(__WASI_CLOCKID_REALTIME) + ms * 1000000, 1);
        else
            clock_sub(&subs[1], 2, __WASI_CLOCKID_MONOTONIC, ms * 1000000, 0);
        if (poll_print(subs, 2))
            break;
    }
    if (echo)
        fprintf(stderr, "echoed %zu bytes\n", echo_rest());
    return 0;
}

static int cmd_sleep(uint64_t ms)
{
    __wasi_subscription_t sub;
    __wasi_event_t ev;
    __wasi_size_t got = 0;
    clock_sub(&sub, 7, __WASI_CLOCKID_MONOTONIC, ms * 1000000, 0);
    uint64_t t0 = now_ns(__WASI_CLOCKID_MONOTONIC);
    __wasi_errno_t e = __wasi_poll_oneoff(&sub, &ev, 1, &got);
    uint64_t t1 = now_ns(__WASI_CLOCKID_MONOTONIC);
    if (e != 0 || got != 1 || ev.userdata != 7 || ev.error != 0 ||
        ev.type != __WASI_EVENTTYPE_CLOCK) {
        fprintf(stderr, "sleep poll: errno %d, %u events\n", e, (unsigned)got);
        return 2;
    }
    printf("slept_ms=%llu\n", (unsigned long long)((t1 - t0) / 1000000));
    return 0;
}

static int cmd_chunks(size_t first)
{
    static char buf[65536];
    size_t total = 0, polls = 0, n;
    if (first > sizeof(buf))
        first = sizeof(buf);
    while (total < first && (n = read_some(buf, first - total)) > 0) {
        write_all(buf, n);
        total += n;
    }
    for (;;) {
        __wasi_subscription_t sub;
        __wasi_event_t ev;
        __wasi_size_t got = 0;
        read_sub(&sub, 1, 0);
        if (__wasi_poll_oneoff(&sub, &ev, 1, &got) != 0 || got != 1 || ev.error != 0 ||
            (ev.fd_readwrite.nbytes == 0 &&
             !(ev.fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP))) {
            fprintf(stderr, "chunks: bad poll\n");
            return 2;
        }
        polls++;
        n = read_some(buf, 1000);
        if (n == 0)
            break;
        write_all(buf, n);
        total += n;
    }
    fprintf(stderr, "echoed %zu bytes polls=%zu\n", total, polls);
    return 0;
}

static int cmd_errors(void)
{
    __wasi_subscription_t subs[2];
    __wasi_event_t ev[2];
    __wasi_size_t got = 0;
    read_sub(&subs[0], 1, 99);
    clock_sub(&subs[1], 2, 77, 1000000, 0);
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, 2, &got);
    printf("call=%d events=%u\n", e, (unsigned)got);
    for (__wasi_size_t i = 0; i < got && i < 2; i++)
        printf("event %llu type=%d error=%d\n", (unsigned long long)ev[i].userdata, ev[i].type,
               ev[i].error);
    e = __wasi_poll_oneoff(subs, ev, 0, &got);
    printf("empty call=%d\n", e);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "wait"))
        return cmd_wait(argc - 2, argv + 2, 0, 1);
    if (argc == 3 && !strcmp(argv[1], "abswait"))
        return cmd_wait(1, argv + 2, 1, 1);
    if (argc == 3 && !strcmp(argv[1], "once"))
        return cmd_wait(1, argv + 2, 0, 0);
    if (argc == 3 && !strcmp(argv[1], "sleep"))
        return cmd_sleep(strtoull(argv[2], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "chunks"))
        return cmd_chunks(strtoull(argv[2], NULL, 10));
    if (argc == 2 && !strcmp(argv[1], "errors"))
        return cmd_errors();
    fprintf(stderr,
            "usage: poll-stdin wait MS... | abswait MS | once MS | sleep MS | chunks N | errors\n");
    return 64;
}
