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
#include "platform/linux/sampler.h"
#include "telemetry/telemetry.h"
#include "util/capbuf.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum {
    TAG_PIDFD = 1,
    TAG_CTL,
    TAG_OUT,
    TAG_ERR,
    TAG_SRC,
    TAG_SINK,
    TAG_TIMER,
    TAG_CANCEL,
    TAG_TICK,
    TAG_NOTIFY,
    TAG_WATCH,
    TAG_CPU,
    TAG_OUTPUT,
    TAG_VIOLATION, /* kill reasons only */
    TAG_ESCAPE,
    TAG_SAMPLE,
};

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
    int killed;    /* why the supervisor killed the run: 0, TAG_TIMER or TAG_CANCEL */
    int kill_sent; /* SIGTERM sent to init; the timer now measures the grace period */
    int have_exit, exit_status, exit_sig;
    int have_error;
    int tick;                           /* periodic cgroup checks (CPU limit, OOM, pids), or -1 */
    int watch_timer, proc_fd;           /* the watchdog's tick and its /proc */
    uint64_t cpu_limit_us, cpu_kill_us; /* over the first: cpu_limit; at the second: killed */
    struct sbx__cg_stats cg;            /* last cgroup reading */
    uint64_t pids_sampled_peak;
    uint64_t oom_seen, pids_max_seen;
    int truncated_seen[2];
    struct rusage ru;
    uint64_t t_exit_ns;
    int sample_timer; /* telemetry sampling (src/telemetry), or -1 */
    struct sbx__sampler sampler;
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
        if (head < (size_t)n && !s->truncated_seen[i]) {
            s->truncated_seen[i] = 1;
            const struct sbx_policy *p = s->l->policy;
            sbx__result_event(
                s->res,
                p->output_limit_action == SBX_OUTPUT_KILL ? "output_limit" : "output_truncated",
                sbx__now_ns(), s->l->t0_ns, "%s passed %llu bytes", i == 0 ? "stdout" : "stderr",
                (unsigned long long)(s->cap[i].head_cap));
            if (p->output_limit_action == SBX_OUTPUT_KILL)
                kill_run(s, TAG_OUTPUT);
        }
        if (head && req->on_output)
            req->on_output(req->userdata, stream, buf, head);
    }
}

/* Read the cgroup and turn news into events; kill at the CPU limit (plus its grace). */
static void check_cgroup(struct sup *s)
{
    if (!s->sb->have_cg || s->sb->cg.ops->stats(&s->sb->cg, &s->cg) < 0)
        return;
    uint64_t now = sbx__now_ns();
    if (s->cg.pids_current > s->pids_sampled_peak)
        s->pids_sampled_peak = s->cg.pids_current;
    if (s->cg.oom_kills > s->oom_seen) {
        sbx__result_event(s->res, "oom_kill", now, s->l->t0_ns,
                          "the kernel killed %llu process(es) at the memory limit of %llu MiB",
                          (unsigned long long)(s->cg.oom_kills - s->oom_seen),
                          (unsigned long long)(s->l->policy->memory_limit_bytes >> 20));
        s->oom_seen = s->cg.oom_kills;
    }
    if (s->cg.pids_max_events > s->pids_max_seen) {
        sbx__result_event(s->res, "pids_max", now, s->l->t0_ns,
                          "%llu fork/clone call(s) refused at max_processes=%llu",
                          (unsigned long long)(s->cg.pids_max_events - s->pids_max_seen),
                          (unsigned long long)s->l->policy->max_processes);
        s->pids_max_seen = s->cg.pids_max_events;
    }
    if (s->cpu_kill_us && (s->cg.valid & SBX_CG_HAVE_CPU) && s->cg.cpu_usage_us >= s->cpu_kill_us)
        kill_run(s, TAG_CPU);
}

/* ---- seccomp notifications ---- */

/* The program's listener arrived with its message: watch it (one per run). */
static void take_listener(struct sup *s, int *fd)
{
    if (s->sb->notify_fd >= 0 || watch(s->ep, *fd, EPOLLIN, TAG_NOTIFY) < 0)
        return; /* the caller closes it */
    s->sb->notify_fd = *fd;
    s->sb->seccomp_loaded = 1;
    *fd = -1;
}

/* SECURITY: every notification is a refused call (answered EPERM) and becomes an event. */
static void read_notification(struct sup *s)
{
    struct sbx__seccomp_event e;
    int kill = s->l->policy->on_violation == SBX_VIOLATION_KILL;
    int r = sbx__seccomp_handle_notification_ex(s->sb->notify_fd, !kill, &e);
    if (r == 1) {
        char detail[160];
        sbx__seccomp_event_format(&e, detail, sizeof(detail));
        sbx__result_event(s->res, "blocked_syscall", sbx__now_ns(), s->l->t0_ns, "%s", detail);
        if (kill)
            kill_run(s, TAG_VIOLATION);
    } else if (r < 0) { /* no process left that uses the filter, or a failure: the kernel
                         * answers ENOSYS to any later call once the listener is closed */
        unwatch(s->ep, s->sb->notify_fd);
        close(s->sb->notify_fd);
        s->sb->notify_fd = -1;
    }
}

static void read_ctl(struct sup *s)
{
    for (;;) {
        struct sbx__msg m;
        int fd = -1;
        ssize_t n = sbx__recv_fd(s->sb->ctl_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC, &fd);
        if (n == -EINTR)
            continue;
        if (n == 0) /* every writer is gone (init exited): stop watching the hang-up */
            unwatch(s->ep, s->sb->ctl_fd);
        if (n <= 0)
            return;
        if ((size_t)n == sizeof(m) && m.type == SBX_MSG_SECCOMP_FD && fd >= 0)
            take_listener(s, &fd);
        if (fd >= 0)
            close(fd); /* SECURITY: no other message may bring an fd */
        if ((size_t)n != sizeof(m))
            continue; /* not one of ours */
        m.error.message[sizeof(m.error.message) - 1] = '\0';
        if (m.type == SBX_MSG_STAGE && m.stage < SBX_ST__MAX) {
            sbx__result_timing(s->res, sbx__stage_label(m.stage), m.t_ns, s->l->t0_ns);
            if (m.stage == SBX_ST_EXEC) {
                check_cgroup(s); /* a first pids sample: init and the program */
                /* Every layer is in place: what enforces each limit is known now. */
                SBX_BACKEND->enforcement(s->l, s->sb, s->res);
                sbx__tel_limits_applied(s->l->tel, s->res);
            }
            if (m.stage == SBX_ST_LANDLOCK)
                s->sb->landlock_applied = 1;
        } else if (m.type == SBX_MSG_ERROR && !s->have_error) {
            s->have_error = 1;
            s->res->error = m.error;
        } else if (m.type == SBX_MSG_EVENT && !strncmp(m.error.message, "file_size\t", 10)) {
            sbx__result_event(s->res, "file_size", sbx__now_ns(), s->l->t0_ns, "%s",
                              m.error.message + 10);
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
    check_cgroup(s); /* final reading, with every task gone */
    if (s->tick >= 0)
        unwatch(s->ep, s->tick);
    if (s->sample_timer >= 0)
        unwatch(s->ep, s->sample_timer);
    unwatch(s->ep, s->sb->pidfd);
    relay_close(s);
    unwatch(s->ep, s->timer);
}

/*
 * CPU time is enforced by reading the cgroup's usage (all processes and threads of the run)
 * every 10 ms and killing at limit + grace, where grace is 10% of the limit within [50, 500] ms,
 * so the reported time shows the real overrun (isolate's "extra time"). RLIMIT_CPU in each
 * process is the backstop. With no CPU limit the tick is 100 ms, for events and the pids peak.
 */
static int setup_tick(struct sup *s)
{
    const struct sbx_policy *p = s->l->policy;
    if (!s->sb->have_cg)
        return 0;
    long interval_ns = 100 * 1000 * 1000;
    if (p->cpu_time_limit_s > 0) {
        s->cpu_limit_us = (uint64_t)(p->cpu_time_limit_s * 1e6);
        s->cpu_kill_us =
            (uint64_t)((p->cpu_time_limit_s + sbx__cpu_grace_s(p->cpu_time_limit_s)) * 1e6);
        interval_ns = 10 * 1000 * 1000;
    }
    /* Telemetry sampling at least this often reads the cgroup anyway (take_sample): no
     * second timer for the same reading. */
    if (!s->cpu_kill_us && sbx__tel_wants_samples(s->l->tel) &&
        sbx__tel_sample_interval_ms(s->l->tel) * 1000000l <= interval_ns)
        return 0;
    s->tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->tick < 0)
        return -errno;
    struct itimerspec its = {.it_value = {0, interval_ns}, .it_interval = {0, interval_ns}};
    if (timerfd_settime(s->tick, 0, &its, NULL) < 0)
        return -errno;
    return watch(s->ep, s->tick, EPOLLIN, TAG_TICK);
}

/* Telemetry samples every sample_interval_ms while a stream or the live registry is on. */
static int setup_sampling(struct sup *s)
{
    if (!sbx__tel_wants_samples(s->l->tel))
        return 0;
    long ms = (long)sbx__tel_sample_interval_ms(s->l->tel);
    s->sampler.t_ns = s->l->t0_ns; /* the first CPU % is since the run started */
    s->sample_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->sample_timer < 0)
        return -errno;
    struct timespec iv = {ms / 1000, (ms % 1000) * 1000000};
    struct itimerspec its = {.it_value = iv, .it_interval = iv};
    if (timerfd_settime(s->sample_timer, 0, &its, NULL) < 0)
        return -errno;
    return watch(s->ep, s->sample_timer, EPOLLIN, TAG_SAMPLE);
}

static void take_sample(struct sup *s)
{
    uint64_t ticks;
    if (read(s->sample_timer, &ticks, sizeof(ticks)) <= 0 || s->sb->exited)
        return;
    check_cgroup(s); /* one reading serves the limits and the sample */
    uint64_t now = sbx__now_ns();
    struct sbx_sample smp;
    sbx__sampler_read(&s->sampler, s->sb, s->sb->have_cg ? &s->cg : NULL, s->proc_fd, now, &smp);
    smp.t_us = now > s->l->t0_ns ? (now - s->l->t0_ns) / 1000 : 0;
    smp.stdout_bytes = s->cap[0].total;
    smp.stderr_bytes = s->cap[1].total;
    sbx__tel_sample(s->l->tel, &smp);
}

/* The watchdog: every 250 ms, and once now to record init's namespaces. */
static void watchdog_tick(struct sup *s)
{
    char detail[160];
    if (s->sb->exited || s->killed)
        return;
    if (sbx__watchdog_check(&s->sb->wd, s->proc_fd, s->sb->have_cg ? &s->sb->cg : NULL, detail,
                            sizeof(detail)) == 1) {
        sbx__result_event(s->res, "escape_suspected", sbx__now_ns(), s->l->t0_ns, "%s", detail);
        kill_run(s, TAG_ESCAPE);
    }
}

static int setup_watchdog(struct sup *s)
{
    sbx__watchdog_init(&s->sb->wd, s->sb->pid, s->l->host_uid, s->sb->uid_unique);
    s->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    s->watch_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->proc_fd < 0 || s->watch_timer < 0)
        return -errno;
    struct itimerspec its = {.it_value = {0, 250000000}, .it_interval = {0, 250000000}};
    if (timerfd_settime(s->watch_timer, 0, &its, NULL) < 0)
        return -errno;
    watchdog_tick(s);
    return watch(s->ep, s->watch_timer, EPOLLIN, TAG_WATCH);
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
    if ((r = setup_tick(s)) < 0 || (r = setup_watchdog(s)) < 0 || (r = setup_sampling(s)) < 0)
        return r;
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
    case TAG_PIDFD:
        reap(s);
        break;
    case TAG_CTL:
        read_ctl(s);
        break;
    case TAG_OUT:
        read_output(s, 0);
        break;
    case TAG_ERR:
        read_output(s, 1);
        break;
    case TAG_SRC:
    case TAG_SINK:
        relay_event(s, tag);
        break;
    case TAG_TIMER: {
        uint64_t ticks;
        if (read(s->timer, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
            break;
        if (s->kill_sent) { /* grace over */
            syscall(SYS_pidfd_send_signal, s->sb->pidfd, SIGKILL, NULL, 0);
        } else {
            sbx__result_event(s->res, "timeout", sbx__now_ns(), s->l->t0_ns,
                              "wall-clock limit of %g s reached", s->l->policy->timeout_s);
            kill_run(s, TAG_TIMER);
        }
        break;
    }
    case TAG_TICK: {
        uint64_t ticks;
        if (read(s->tick, &ticks, sizeof(ticks)) > 0)
            check_cgroup(s);
        break;
    }
    case TAG_NOTIFY:
        read_notification(s);
        break;
    case TAG_WATCH: {
        uint64_t ticks;
        if (read(s->watch_timer, &ticks, sizeof(ticks)) > 0)
            watchdog_tick(s);
        break;
    }
    case TAG_SAMPLE:
        take_sample(s);
        break;
    case TAG_CANCEL:
        record_cancel(s);
        kill_run(s, TAG_CANCEL);
        unwatch(s->ep, s->l->request->cancel_fd);
        break;
    default:
        break;
    }
}

static int loop(struct sup *s)
{
    while (!s->sb->exited || s->out_fd[0] >= 0 || s->out_fd[1] >= 0) {
        struct epoll_event evs[8];
        int n = epoll_wait(s->ep, evs, 8, sbx__tel_timeout_ms(s->l->tel));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        for (int i = 0; i < n; i++)
            dispatch(s, (int)evs[i].data.u32);
        sbx__tel_events(s->l->tel, s->res); /* what this batch recorded, streamed */
        sbx__tel_idle(s->l->tel);
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

/* CPU time, memory, pids and context switches: from the cgroup where there is one. */
static void usage(struct sup *s)
{
    struct sbx_result *res = s->res;
    const struct sbx__cg_stats *cg = &s->cg;
    int have_cg = s->sb->have_cg;
    res->cpu_user_us =
        (uint64_t)s->ru.ru_utime.tv_sec * 1000000u + (uint64_t)s->ru.ru_utime.tv_usec;
    res->cpu_sys_us = (uint64_t)s->ru.ru_stime.tv_sec * 1000000u + (uint64_t)s->ru.ru_stime.tv_usec;
    res->cpu_time_source = "rusage";
    if (have_cg && (cg->valid & SBX_CG_HAVE_CPU_SPLIT)) {
        res->cpu_user_us = cg->cpu_user_us;
        res->cpu_sys_us = cg->cpu_sys_us;
        res->cpu_time_source = s->sb->cg.ops->name;
    } else if (have_cg && (cg->valid & SBX_CG_HAVE_CPU)) {
        /* Exact total from the cgroup, split as the kernel's rusage splits it. */
        uint64_t ru_total = res->cpu_user_us + res->cpu_sys_us;
        uint64_t user = ru_total ? (uint64_t)((double)cg->cpu_usage_us *
                                              ((double)res->cpu_user_us / (double)ru_total))
                                 : cg->cpu_usage_us;
        res->cpu_user_us = user;
        res->cpu_sys_us = cg->cpu_usage_us - user;
        res->cpu_time_source = s->sb->cg.ops->name;
    }
    res->peak_rss_kb = (uint64_t)s->ru.ru_maxrss;
    res->peak_memory_kb = res->peak_rss_kb;
    res->peak_memory_source = "ru_maxrss";
    if (have_cg && (cg->valid & SBX_CG_HAVE_MEM_PEAK)) {
        res->peak_memory_kb = cg->memory_peak / 1024;
        res->peak_memory_source = s->sb->cg.ops->name;
    }
    if (have_cg && (cg->valid & SBX_CG_HAVE_PIDS_PEAK)) {
        res->peak_pids = cg->pids_peak;
        res->peak_pids_source = "pids.peak";
    } else if (have_cg && (cg->valid & SBX_CG_HAVE_PIDS) && s->pids_sampled_peak) {
        /* v1 has no pids.peak: samples miss short bursts, but a refused fork means the count
         * stood at the limit. */
        res->peak_pids = s->pids_sampled_peak;
        if (s->pids_max_seen && s->l->policy->max_processes > res->peak_pids)
            res->peak_pids = s->l->policy->max_processes;
        res->peak_pids_source = s->pids_max_seen ? "sampled+pids.events" : "sampled";
    }
    res->ctx_switches_voluntary = (uint64_t)s->ru.ru_nvcsw;
    res->ctx_switches_involuntary = (uint64_t)s->ru.ru_nivcsw;
}

static int over_cpu_limit(const struct sup *s)
{
    const struct sbx_policy *p = s->l->policy;
    if (p->cpu_time_limit_s <= 0)
        return 0;
    if (s->killed == TAG_CPU)
        return 1;
    uint64_t used = s->res->cpu_user_us + s->res->cpu_sys_us;
    if (s->sb->have_cg && (s->cg.valid & SBX_CG_HAVE_CPU))
        used = s->cg.cpu_usage_us;
    /* Without a cgroup, RLIMIT_CPU (per process, whole seconds, past limit + grace) ends a
     * process with SIGXCPU; the verdict still comes from the time actually used. */
    return used > (uint64_t)(p->cpu_time_limit_s * 1e6);
}

static enum sbx_status status_of(struct sup *s)
{
    struct sbx_result *res = s->res;
    if (s->have_error) /* setup or exec failed: the program never ran */
        return SBX_STATUS_INTERNAL_ERROR;
    switch (s->killed) {
    case TAG_TIMER:
        return SBX_STATUS_TIMEOUT;
    case TAG_CANCEL:
        return SBX_STATUS_CANCELLED;
    case TAG_OUTPUT:
        return SBX_STATUS_OUTPUT_LIMIT;
    case TAG_VIOLATION:
    case TAG_ESCAPE:
        return SBX_STATUS_SECURITY_VIOLATION;
    default:
        break;
    }
    if (over_cpu_limit(s))
        return SBX_STATUS_CPU_LIMIT;
    if (!s->have_exit) {
        sbx__error(&res->error, SBX_ERR_INTERNAL, SBX_STAGE_SUPERVISE, 0,
                   "the sandbox's init ended without reporting the program's exit");
        return SBX_STATUS_INTERNAL_ERROR;
    }
    if (s->oom_seen && !(res->exit_code == 0 && !res->signal))
        return SBX_STATUS_MEMORY_LIMIT;
    if (res->signal)
        return SBX_STATUS_SIGNALED;
    return res->exit_code == 0 ? SBX_STATUS_OK : SBX_STATUS_RUNTIME_ERROR;
}

static void verdict(struct sup *s)
{
    struct sbx_result *res = s->res;
    res->exit_code = -1;
    if (s->have_exit && WIFEXITED(s->exit_status))
        res->exit_code = WEXITSTATUS(s->exit_status);
    if (s->have_exit && WIFSIGNALED(s->exit_status))
        res->signal = s->exit_sig = WTERMSIG(s->exit_status);
    usage(s);
    res->status = status_of(s);
    if (res->status == SBX_STATUS_INTERNAL_ERROR) {
        res->exit_code = -1;
        res->signal = 0;
    }
    if (s->killed) { /* the program did not end by itself: report no exit of its own */
        res->exit_code = -1;
        res->signal = SIGKILL;
    }
    if (res->status == SBX_STATUS_CPU_LIMIT)
        sbx__result_event(res, "cpu_limit", s->t_exit_ns, s->l->t0_ns,
                          "used %.3f s of CPU, limit %g s%s",
                          (double)(res->cpu_user_us + res->cpu_sys_us) / 1e6,
                          s->l->policy->cpu_time_limit_s, s->killed == TAG_CPU ? " (killed)" : "");
}

int sbx__linux_supervise(struct sbx__sandbox *sb, const struct sbx__launch *l,
                         struct sbx_result *res)
{
    struct sup s;
    memset(&s, 0, sizeof(s));
    s.sb = sb;
    s.l = l;
    s.res = res;
    s.ep = s.timer = s.tick = s.watch_timer = s.proc_fd = s.sample_timer = -1;
    s.out_fd[0] = s.out_fd[1] = -1;
    s.in.src = s.in.sink = -1;

    /* SECURITY: writing to the stdin pipe of a program that closed it raises SIGPIPE; the
     * library must not die of it nor change the caller's handlers, so it is blocked here and any
     * pending instance consumed before the mask is restored. */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);

    sbx__result_timing(res, "cloned", sb->t_cloned_ns, l->t0_ns);
    sbx__result_timing(res, "released", sb->t_released_ns, l->t0_ns);
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
    if (s.tick >= 0)
        close(s.tick);
    if (s.watch_timer >= 0)
        close(s.watch_timer);
    if (s.sample_timer >= 0)
        close(s.sample_timer);
    if (s.proc_fd >= 0)
        close(s.proc_fd);
    if (!sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}
