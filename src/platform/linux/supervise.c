/*
 * The supervisor: one epoll loop per run over init's pidfd, the ctl socket, the program's
 * stdout and stderr pipes, the stdin relay, a timerfd for the wall limit, and the caller's
 * cancel fd. It returns when init has been reaped (so every process of the run is gone: a pid
 * namespace dies with its init) and both output pipes reached EOF.
 *
 * SECURITY: everything read from the sandbox is untrusted: output goes into capped buffers,
 * ctl messages must be exactly one struct and come only from our socketpair. Stdin is relayed
 * through a pipe, never passed as the caller's fd: a terminal fd inside would allow terminal
 * ioctls, and a file fd could be reopened read-write through /proc/self/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/linux.h"
#include "util/capbuf.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum { TAG_PIDFD = 1, TAG_CTL, TAG_OUT, TAG_ERR, TAG_SRC, TAG_SINK, TAG_TIMER, TAG_CANCEL };

struct relay { /* caller's stdin -> program's stdin pipe */
    int src, sink;
    int src_pollable; /* epoll accepts src (not a regular file or /dev/null) */
    int src_watched, sink_watched;
    char buf[65536];
    size_t off, len;
};

struct sup {
    struct sbx__sandbox *sb;
    const struct sbx__launch *l;
    struct sbx_result *res;
    int ep, timer;
    struct sbx_capbuf cap[2];
    int out_fd[2];
    struct relay in;
    int killed; /* why the supervisor killed the run: 0, TAG_TIMER or TAG_CANCEL */
    int kill_sent; /* SIGTERM sent to init; the timer now measures the grace period */
    int have_exit, exit_status;
    int have_error;
    struct rusage ru;
    uint64_t t_exit_ns;
};

static int watch(int ep, int fd, uint32_t events, int tag)
{
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)tag};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void unwatch(int ep, int fd)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
}

/*
 * End the run: SIGTERM asks init to kill every process of the namespace and reap them, so
 * their CPU time is counted; if init has not exited within the grace period (it cannot be
 * blocked by the program, but the supervisor never relies on that) it gets SIGKILL, which the
 * kernel turns into the death of the whole namespace.
 */
#define KILL_GRACE_NS (250 * 1000 * 1000)

static void kill_run(struct sup *s, int why)
{
    if (!s->killed)
        s->killed = why;
    if (s->sb->exited || s->kill_sent)
        return;
    s->kill_sent = 1;
    syscall(SYS_pidfd_send_signal, s->sb->pidfd, SIGTERM, NULL, 0);
    struct itimerspec its = {.it_value = {0, KILL_GRACE_NS}};
    if (timerfd_settime(s->timer, 0, &its, NULL) < 0 || why == 0)
        syscall(SYS_pidfd_send_signal, s->sb->pidfd, SIGKILL, NULL, 0);
}

/* ---- stdin relay ---- */

static void relay_close(struct sup *s)
{
    struct relay *r = &s->in;
    if (r->src_watched)
        unwatch(s->ep, r->src);
    if (r->sink >= 0) {
        if (r->sink_watched)
            unwatch(s->ep, r->sink);
        close(r->sink);
    }
    r->src = r->sink = -1;
    r->src_watched = r->sink_watched = 0;
    s->sb->stdin_w = -1;
}

/* Watch the source when the buffer is empty and it can be polled; else the sink. */
static void relay_interest(struct sup *s)
{
    struct relay *r = &s->in;
    if (r->sink < 0)
        return;
    int want_src = r->len == 0 && r->src_pollable;
    int want_sink = !want_src;
    if (want_src != r->src_watched) {
        if (want_src)
            watch(s->ep, r->src, EPOLLIN, TAG_SRC);
        else
            unwatch(s->ep, r->src);
        r->src_watched = want_src;
    }
    if (want_sink != r->sink_watched) {
        if (want_sink)
            watch(s->ep, r->sink, EPOLLOUT, TAG_SINK);
        else
            unwatch(s->ep, r->sink);
        r->sink_watched = want_sink;
    }
}

static void relay_fill(struct sup *s)
{
    struct relay *r = &s->in;
    ssize_t n = read(r->src, r->buf, sizeof(r->buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) { /* EOF (or an unreadable source): the program sees EOF */
        relay_close(s);
        return;
    }
    r->off = 0;
    r->len = (size_t)n;
}

static void relay_flush(struct sup *s)
{
    struct relay *r = &s->in;
    while (r->len) {
        ssize_t n = write(r->sink, r->buf + r->off, r->len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                relay_close(s); /* EPIPE: the program closed its stdin */
            return;
        }
        r->off += (size_t)n;
        r->len -= (size_t)n;
    }
}

static void relay_event(struct sup *s, int tag)
{
    if (tag == TAG_SRC || (tag == TAG_SINK && s->in.len == 0 && !s->in.src_pollable))
        relay_fill(s);
    if (s->in.sink >= 0)
        relay_flush(s);
    relay_interest(s);
}

static int relay_start(struct sup *s, int src)
{
    struct relay *r = &s->in;
    r->sink = s->sb->stdin_w;
    r->src = src;
    if (src < 0) {
        relay_close(s); /* empty stdin */
        return 0;
    }
    if (fcntl(r->sink, F_SETFL, O_NONBLOCK) < 0)
        return -errno;
    int w = watch(s->ep, src, EPOLLIN, TAG_SRC);
    if (w == 0)
        unwatch(s->ep, src);
    r->src_pollable = w == 0;
    if (w < 0 && w != -EPERM)
        return w;
    relay_interest(s);
    return 0;
}

/* ---- output and control ---- */

static void read_output(struct sup *s, int i)
{
    char buf[65536];
    enum sbx_stream stream = i == 0 ? SBX_STDOUT : SBX_STDERR;
    const struct sbx_request *req = s->l->request;
    for (int rounds = 0; rounds < 16; rounds++) { /* bounded: other fds get their turn */
        ssize_t n = read(s->out_fd[i], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            unwatch(s->ep, s->out_fd[i]);
            close(s->out_fd[i]);
            s->out_fd[i] = -1;
            return;
        }
        size_t head = sbx__capbuf_append(&s->cap[i], buf, (size_t)n);
        if (head && req->on_output)
            req->on_output(req->userdata, stream, buf, head);
    }
}

static void read_ctl(struct sup *s)
{
    for (;;) {
        struct sbx__msg m;
        ssize_t n = recv(s->sb->ctl_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) /* every writer is gone (init exited): stop watching the hang-up */
            unwatch(s->ep, s->sb->ctl_fd);
        if (n <= 0)
            return;
        if ((size_t)n != sizeof(m))
            continue; /* not one of ours */
        m.error.message[sizeof(m.error.message) - 1] = '\0';
        if (m.type == SBX_MSG_STAGE && m.stage < SBX_ST__MAX)
            sbx__result_timing(s->res, sbx__stage_label(m.stage), m.t_ns, s->l->t0_ns);
        else if (m.type == SBX_MSG_ERROR && !s->have_error) {
            s->have_error = 1;
            s->res->error = m.error;
        } else if (m.type == SBX_MSG_EXIT) {
            s->have_exit = 1;
            s->exit_status = m.status;
        }
    }
}

static void reap(struct sup *s)
{
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    if (syscall(SYS_waitid, P_PIDFD, s->sb->pidfd, &info, WEXITED, &s->ru) < 0 && errno != ECHILD)
        return; /* EINTR: epoll will report it again */
    s->sb->exited = 1;
    s->t_exit_ns = sbx__now_ns();
    unwatch(s->ep, s->sb->pidfd);
    relay_close(s);
    unwatch(s->ep, s->timer);
}

static int setup(struct sup *s)
{
    int r;
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    s->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->ep < 0 || s->timer < 0)
        return -errno;
    s->out_fd[0] = s->sb->stdout_r;
    s->out_fd[1] = s->sb->stderr_r;
    s->sb->stdout_r = s->sb->stderr_r = -1;
    for (int i = 0; i < 2; i++) {
        if (sbx__capbuf_init(&s->cap[i], (size_t)s->l->policy->max_output_bytes) < 0)
            return -ENOMEM;
        if (fcntl(s->out_fd[i], F_SETFL, O_NONBLOCK) < 0)
            return -errno;
        if ((r = watch(s->ep, s->out_fd[i], EPOLLIN, i == 0 ? TAG_OUT : TAG_ERR)) < 0)
            return r;
    }
    if ((r = watch(s->ep, s->sb->pidfd, EPOLLIN, TAG_PIDFD)) < 0 ||
        (r = watch(s->ep, s->sb->ctl_fd, EPOLLIN, TAG_CTL)) < 0 ||
        (r = watch(s->ep, s->timer, EPOLLIN, TAG_TIMER)) < 0)
        return r;
    if (s->l->request->cancel_fd >= 0 &&
        (r = watch(s->ep, s->l->request->cancel_fd, EPOLLIN, TAG_CANCEL)) < 0)
        return r;
    double t = s->l->policy->timeout_s;
    if (t > 0) {
        struct itimerspec its = {0};
        its.it_value.tv_sec = (time_t)t;
        its.it_value.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
        if (timerfd_settime(s->timer, 0, &its, NULL) < 0)
            return -errno;
    }
    return relay_start(s, s->l->request->stdin_fd);
}

/* A signalfd tells which signal cancelled the run; any other fd just cancels. */
static void record_cancel(struct sup *s)
{
    struct signalfd_siginfo si;
    int fd = s->l->request->cancel_fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        s->res->cancel_signal = (int)si.ssi_signo;
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl);
}

static void dispatch(struct sup *s, int tag)
{
    switch (tag) {
    case TAG_PIDFD: reap(s); break;
    case TAG_CTL: read_ctl(s); break;
    case TAG_OUT: read_output(s, 0); break;
    case TAG_ERR: read_output(s, 1); break;
    case TAG_SRC:
    case TAG_SINK: relay_event(s, tag); break;
    case TAG_TIMER: {
        uint64_t ticks;
        if (read(s->timer, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
            break;
        if (s->kill_sent) /* grace over */
            syscall(SYS_pidfd_send_signal, s->sb->pidfd, SIGKILL, NULL, 0);
        else
            kill_run(s, TAG_TIMER);
        break;
    }
    case TAG_CANCEL:
        record_cancel(s);
        kill_run(s, TAG_CANCEL);
        unwatch(s->ep, s->l->request->cancel_fd);
        break;
    default: break;
    }
}

static int loop(struct sup *s)
{
    while (!s->sb->exited || s->out_fd[0] >= 0 || s->out_fd[1] >= 0) {
        struct epoll_event evs[8];
        int n = epoll_wait(s->ep, evs, 8, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        for (int i = 0; i < n; i++)
            dispatch(s, (int)evs[i].data.u32);
    }
    read_ctl(s);
    return 0;
}

static void fill_output(struct sbx_capbuf *b, struct sbx_output *o)
{
    if (sbx__capbuf_flatten(b, &o->data, &o->len, &o->head_len) < 0) {
        o->data = NULL;
        o->len = o->head_len = 0;
    }
    o->total_bytes = b->total;
    o->dropped_bytes = b->total - o->len;
    o->truncated = o->dropped_bytes > 0;
}

static void verdict(struct sup *s)
{
    struct sbx_result *res = s->res;
    res->exit_code = -1;
    if (s->have_exit && WIFEXITED(s->exit_status))
        res->exit_code = WEXITSTATUS(s->exit_status);
    if (s->have_exit && WIFSIGNALED(s->exit_status))
        res->signal = WTERMSIG(s->exit_status);
    if (s->have_error) { /* setup or exec failed: the program never ran */
        res->status = SBX_STATUS_INTERNAL_ERROR;
        res->exit_code = -1;
        res->signal = 0;
    } else if (s->killed == TAG_TIMER) {
        res->status = SBX_STATUS_TIMEOUT;
    } else if (s->killed == TAG_CANCEL) {
        res->status = SBX_STATUS_CANCELLED;
    } else if (!s->have_exit) {
        res->status = SBX_STATUS_INTERNAL_ERROR;
        sbx__error(&res->error, SBX_ERR_INTERNAL, SBX_STAGE_SUPERVISE, 0,
                   "the sandbox's init ended without reporting the program's exit");
    } else if (res->signal) {
        res->status = SBX_STATUS_SIGNALED;
    } else {
        res->status = res->exit_code == 0 ? SBX_STATUS_OK : SBX_STATUS_RUNTIME_ERROR;
    }
    if (s->killed) { /* the program did not end by itself: report no exit of its own */
        res->exit_code = -1;
        res->signal = SIGKILL;
    }
}

int sbx__linux_supervise(struct sbx__sandbox *sb, const struct sbx__launch *l,
                         struct sbx_result *res)
{
    struct sup s;
    memset(&s, 0, sizeof(s));
    s.sb = sb;
    s.l = l;
    s.res = res;
    s.ep = s.timer = -1;
    s.out_fd[0] = s.out_fd[1] = -1;
    s.in.src = s.in.sink = -1;

    /* SECURITY: writing to the stdin pipe of a program that closed it raises SIGPIPE; the
     * library must not die of it nor change the caller's handlers, so it is blocked here and any
     * pending instance consumed before the mask is restored. */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);

    int r = setup(&s);
    if (r == 0)
        r = loop(&s);
    if (r < 0) {
        kill_run(&s, 0);
        sbx__error(&res->error, SBX_ERR_INTERNAL, SBX_STAGE_SUPERVISE, -r, "supervising");
    }
    verdict(&s);
    if (r < 0)
        res->status = SBX_STATUS_INTERNAL_ERROR;
    if (s.t_exit_ns)
        sbx__result_timing(res, "exit", s.t_exit_ns, l->t0_ns);
    res->wall_time_us = ((s.t_exit_ns ? s.t_exit_ns : sbx__now_ns()) - sb->t_clone_ns) / 1000;
    res->cpu_user_us = (uint64_t)s.ru.ru_utime.tv_sec * 1000000u + (uint64_t)s.ru.ru_utime.tv_usec;
    res->cpu_sys_us = (uint64_t)s.ru.ru_stime.tv_sec * 1000000u + (uint64_t)s.ru.ru_stime.tv_usec;
    res->peak_rss_kb = (uint64_t)s.ru.ru_maxrss;
    fill_output(&s.cap[0], &res->out);
    fill_output(&s.cap[1], &res->err);

    for (int i = 0; i < 2; i++) {
        sbx__capbuf_done(&s.cap[i]);
        if (s.out_fd[i] >= 0)
            close(s.out_fd[i]);
    }
    relay_close(&s);
    if (s.ep >= 0)
        close(s.ep);
    if (s.timer >= 0)
        close(s.timer);
    if (!sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}
