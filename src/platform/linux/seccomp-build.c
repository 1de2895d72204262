/*
 * The system call filter's rules, compiled with libseccomp: an allowlist that real Python and
 * Node.js programs run under, and a listener filter that turns every attempt at a dangerous
 * call into an event for the supervisor.
 *
 * When: libseccomp needs about 3 ms to insert these ~400 rules and optimise them, twice the
 * whole per-run budget (DESIGN section 7). So the build runs this code once, through
 * sbx-seccomp-gen, and links the exported BPF into libsbx (seccomp-bpf.c, generated); a run
 * only picks its program (seccomp.c). The unit tests compile again at run time and compare.
 *
 * Why two filters: libseccomp allows one comparison per argument in a rule and, for one
 * syscall, an unconditional rule swallows the conditional ones. "ioctl is allowed except
 * TIOCSTI" therefore cannot be said in one allowlist filter without enumerating complements. The
 * kernel runs every filter of the stack and keeps the strictest answer (KILL > TRAP > ERRNO >
 * USER_NOTIF > TRACE > LOG > ALLOW), so:
 *   allow   default ERRNO(ENOSYS); ALLOW for the allowlist and for everything `report` watches;
 *           ERRNO(EPERM) for every other syscall the allowlist was reviewed against;
 *   report  default ALLOW; USER_NOTIF for the dangerous syscalls and argument patterns.
 * A dangerous call is ALLOWed by the first and USER_NOTIF'd by the second: the notification
 * wins, the supervisor answers EPERM. Nothing else can make it through: if the listener is
 * gone the kernel answers ENOSYS itself.
 *
 * ENOSYS vs EPERM: C libraries and runtimes probe new syscalls and fall back when the answer is
 * ENOSYS ("this kernel does not have it"), while EPERM means "refused" and is reported as an
 * error. So syscalls numbered past the review (SBX_REVIEWED_MAX) and clone3 get ENOSYS: glibc
 * then falls back to clone, whose flags a filter can read (clone3's are behind a pointer; Docker
 * and systemd do the same). Everything the review left out on purpose gets EPERM.
 *
 * Architecture: only the native ABI. The i386 entry (int 0x80) and x32 numbers (bit 30 set on
 * x86_64) are libseccomp's "bad architecture": ALLOW in `allow`, USER_NOTIF in `report`, so they
 * are refused and reported like the dangerous calls.
 *
 * Argument checks compare only the low 32 bits where the kernel reads an int (ioctl's request,
 * socket's family, kill's pid, clone's flags: the kernel truncates them), so a value with junk
 * in the upper half cannot slip past a 64-bit comparison: every mask has an empty upper half.
 *
 * Trusts: libseccomp (of the build machine: a cross build would need its target's tables).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/seccomp.h"
#include "util/cleanup.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef SOCK_PACKET
#define SOCK_PACKET 10
#endif
#define X32_SYSCALL_BIT 0x40000000

/* The allowlist was reviewed against Linux 6.18; higher numbers get ENOSYS. */
#define SBX_REVIEWED_MAX 469
#define SYSCALL_SLOTS 1024

/* ---- the lists ---- */

static const char *const allowed[] = {
    /* files and directories */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "open",
    "openat",
    "openat2",
    "creat",
    "close",
    "close_range",
    "lseek",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getdents",
    "getdents64",
    "mkdir",
    "mkdirat",
    "rmdir",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "truncate",
    "ftruncate",
    "fallocate",
    "fsync",
    "fdatasync",
    "syncfs",
    "sync_file_range",
    "flock",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "pipe",
    "pipe2",
    "chdir",
    "fchdir",
    "getcwd",
    "umask",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "sendfile",
    "splice",
    "tee",
    "vmsplice",
    "copy_file_range",
    "fadvise64",
    "readahead",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "getxattrat",
    "setxattrat",
    "listxattrat",
    "removexattrat",
    "file_getattr",
    "file_setattr",
    "cachestat",
    "mknod",
    "mknodat", /* FIFOs and sockets: device nodes need CAP_MKNOD */
    "memfd_create",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "ioctl", /* TIOCSTI and TIOCLINUX: see report_args() */
    /* memory: PROT_EXEC included, JIT compilers need it */
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "msync",
    "mincore",
    "mlock",
    "mlock2",
    "munlock",
    "mlockall",
    "munlockall",
    "membarrier",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "get_mempolicy",
    "set_mempolicy",
    "mbind",
    "set_mempolicy_home_node",
    "mseal",
    "map_shadow_stack",
    /* processes and threads (clone's namespace flags: report_args()) */
    "fork",
    "vfork",
    "clone",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "setfsuid",
    "setfsgid",
    "getpgid",
    "setpgid",
    "getpgrp",
    "getsid",
    "setsid",
    "getpriority",
    "setpriority",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "sched_getparam",
    "sched_setparam",
    "sched_getscheduler",
    "sched_setscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_rr_get_interval",
    "sched_getattr",
    "sched_setattr",
    "prctl",
    "arch_prctl",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "futex",
    "futex_waitv",
    "futex_wake",
    "futex_wait",
    "futex_requeue",
    "capget",
    "capset",
    "getrlimit",
    "setrlimit",
    "prlimit64",
    "getrusage",
    "times",
    "sysinfo",
    "uname",
    "pidfd_open",
    "pidfd_send_signal",
    /* SECURITY: no_new_privs rules out the setuid interactions that make Docker restrict
     * personality(); its flags only weaken the caller's own hardening. */
    "personality",
    /* signals (kill(-1): report_args()) */
    "kill",
    "tkill",
    "tgkill",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigpending",
    "rt_sigtimedwait",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "rt_sigsuspend",
    "sigaltstack",
    "pause",
    "alarm",
    "signalfd",
    "signalfd4",
    "restart_syscall",
    /* time */
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "getitimer",
    "setitimer",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    /* event loops */
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "eventfd",
    "eventfd2",
    "io_setup",
    "io_destroy",
    "io_submit",
    "io_cancel",
    "io_getevents",
    "io_pgetevents",
    /* sockets (families: report_args()) */
    "socket",
    "socketpair",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "getsockname",
    "getpeername",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "shutdown",
    "setsockopt",
    "getsockopt",
    /* System V and POSIX IPC: the sandbox has its own ipc namespace */
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    /* misc; nested sandboxes may only restrict themselves further */
    "getrandom",
    "getcpu",
    "ioprio_get",
    "ioprio_set",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "seccomp",
};

/* SECURITY: refused with EPERM and reported, whatever the arguments. */
static const char *const reported[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "mount",
    "umount",
    "umount2",
    "move_mount",
    "open_tree",
    "open_tree_attr",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    NULL,
};

/*
 * Syscalls newer than the libseccomp this was built with (2.5.4 knows up to futex_requeue):
 * their numbers, the same on every architecture with the unified table for new syscalls.
 */
static const struct {
    const char *name;
    int nr;
} newer[] = {
#if defined(__x86_64__) || defined(__aarch64__)
    {"statmount", 457},
    {"listmount", 458},
    {"lsm_get_self_attr", 459},
    {"lsm_set_self_attr", 460},
    {"lsm_list_modules", 461},
    {"mseal", 462},
    {"setxattrat", 463},
    {"getxattrat", 464},
    {"listxattrat", 465},
    {"removexattrat", 466},
    {"open_tree_attr", 467},
    {"file_getattr", 468},
    {"file_setattr", 469},
#endif
    {NULL, -1},
};

const char *const *sbx__seccomp_reported(void)
{
    return reported;
}

/* The native number of `name`, or -1 when this architecture does not have it. */
static int syscall_nr(const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr >= 0)
        return nr;
    for (size_t i = 0; newer[i].name; i++)
        if (!strcmp(newer[i].name, name))
            return newer[i].nr;
    return -1; /* __NR_SCMP_ERROR, or a pseudo number: not on this architecture */
}

static const char *newer_name(int nr)
{
    for (size_t i = 0; newer[i].name; i++)
        if (newer[i].nr == nr)
            return newer[i].name;
    return NULL;
}

/* ---- building ---- */

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned argc,
               const struct scmp_arg_cmp *cmp, const char *what, struct sbx_error *err)
{
    int r = seccomp_rule_add_array(ctx, action, nr, argc, cmp);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r,
                          "seccomp: adding the rule for %s", what);
    return 0;
}

/* "The low 32 bits of argument `arg`, masked, equal datum". */
struct cond {
    unsigned arg;
    uint32_t mask, datum;
};

/* A rule on syscall `name` (skipped where this architecture lacks it) when all of c[0..n)
 * hold. The masks have an empty upper half, so the upper 32 bits are never compared. */
static int rule_if(scmp_filter_ctx ctx, uint32_t action, const char *name, const struct cond *c,
                   size_t n, struct sbx_error *err)
{
    struct scmp_arg_cmp cmp[2];
    for (size_t i = 0; i < n && i < ARRAY_SIZE(cmp); i++)
        cmp[i] = (struct scmp_arg_cmp){
            .arg = c[i].arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = c[i].mask, .datum_b = c[i].datum};
    int nr = syscall_nr(name);
    return nr < 0 ? 0 : add(ctx, action, nr, (unsigned)MIN(n, ARRAY_SIZE(cmp)), cmp, name, err);
}

static int notify_if(scmp_filter_ctx ctx, const char *name, unsigned arg, uint32_t mask,
                     uint32_t datum, struct sbx_error *err)
{
    struct cond c = {arg, mask, datum};
    return rule_if(ctx, SCMP_ACT_NOTIFY, name, &c, 1, err);
}

/*
 * Notify when the low 32 bits of argument `arg` are none of set[0..n) (and `also`, if given,
 * holds): a binary trie over the bits, low bit first. Each branch that no element of the set
 * shares becomes one rule "bits [0, bit) equal prefix"; the rules are disjoint, at most 32 per
 * element of the set.
 */
static int add_not_in(scmp_filter_ctx ctx, const char *name, unsigned arg, const uint32_t *set,
                      size_t n, const struct cond *also, unsigned bit, uint32_t prefix,
                      struct sbx_error *err)
{
    uint32_t mask = bit >= 32 ? 0xffffffffu : (1u << bit) - 1;
    size_t shared = 0;
    for (size_t i = 0; i < n; i++)
        shared += (set[i] & mask) == prefix;
    if (shared == 0) {
        struct cond c[2] = {{arg, mask, prefix}, also ? *also : (struct cond){0, 0, 0}};
        return rule_if(ctx, SCMP_ACT_NOTIFY, name, c, also ? 2 : 1, err);
    }
    if (bit >= 32)
        return 0; /* exactly one of the allowed values */
    int r = add_not_in(ctx, name, arg, set, n, also, bit + 1, prefix, err);
    if (r == 0)
        r = add_not_in(ctx, name, arg, set, n, also, bit + 1, prefix | (1u << bit), err);
    return r;
}

/*
 * SECURITY: sockets. Unix sockets, and route netlink (if_nameindex, getifaddrs: Python's and
 * Node's interface lists; without CAP_NET_ADMIN it only reads the sandbox's own empty network
 * namespace); with the network on, also IPv4/IPv6 stream and datagram sockets. Every other
 * family (packet sockets included) and netlink protocol, and raw IP sockets, are reported.
 */
static int report_sockets(scmp_filter_ctx ctx, bool network, struct sbx_error *err)
{
    const uint32_t local[] = {AF_UNIX, AF_NETLINK};
    const uint32_t with_net[] = {AF_UNIX, AF_NETLINK, AF_INET, AF_INET6};
    const uint32_t unix_only[] = {AF_UNIX}, route_only[] = {NETLINK_ROUTE};
    const struct cond netlink = {0, 0xffffffffu, AF_NETLINK};
    const uint32_t *families = network ? with_net : local;
    size_t n = network ? ARRAY_SIZE(with_net) : ARRAY_SIZE(local);
    int r = add_not_in(ctx, "socket", 0, families, n, NULL, 0, 0, err);
    if (r == 0)
        r = add_not_in(ctx, "socket", 2, route_only, 1, &netlink, 0, 0, err);
    /* Raw IP (SOCK_RAW) and the old packet interface (SOCK_PACKET on AF_INET). */
    const struct cond raw[][2] = {
        {{0, 0xffffffffu, AF_INET}, {1, 0xf, SOCK_RAW}},
        {{0, 0xffffffffu, AF_INET6}, {1, 0xf, SOCK_RAW}},
        {{0, 0xffffffffu, AF_INET}, {1, 0xf, SOCK_PACKET}},
    };
    for (size_t i = 0; network && r == 0 && i < ARRAY_SIZE(raw); i++)
        r = rule_if(ctx, SCMP_ACT_NOTIFY, "socket", raw[i], 2, err);
    if (r == 0)
        r = add_not_in(ctx, "socketpair", 0, unix_only, 1, NULL, 0, 0, err);
    return r;
}

/* SECURITY: the argument patterns refused and reported. */
static int report_args(scmp_filter_ctx ctx, const struct sbx__seccomp_opts *o,
                       struct sbx_error *err)
{
    static const uint32_t ns_flags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                        CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};
    int r = 0;
    /* clone(flags, ...) on x86_64 and arm64; CLONE_NEWTIME is CSIGNAL's bit there. */
    for (size_t i = 0; r == 0 && i < ARRAY_SIZE(ns_flags); i++)
        r = notify_if(ctx, "clone", 0, ns_flags[i], ns_flags[i], err);
    /* Injecting input into a terminal (TIOCSTI) or its console subcommands (TIOCLINUX). */
    if (r == 0)
        r = notify_if(ctx, "ioctl", 1, 0xffffffffu, TIOCSTI, err);
    if (r == 0)
        r = notify_if(ctx, "ioctl", 1, 0xffffffffu, TIOCLINUX, err);
    /* kill(-1, sig): every process the caller may signal. */
    if (r == 0)
        r = notify_if(ctx, "kill", 0, 0xffffffffu, 0xffffffffu, err);
    if (r == 0)
        r = report_sockets(ctx, o->enable_network, err);
    return r;
}

static int build_report(scmp_filter_ctx ctx, const struct sbx__seccomp_opts *o,
                        struct sbx_error *err)
{
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_SPAWN, -r,
                          "seccomp: user notification is not available");
    for (size_t i = 0; reported[i]; i++) {
        int nr = syscall_nr(reported[i]);
        if (nr >= 0 && (r = add(ctx, SCMP_ACT_NOTIFY, nr, 0, NULL, reported[i], err)) < 0)
            return r;
    }
    return report_args(ctx, o, err);
}

/* Is `nr` a syscall of this architecture that the review covered? */
static int reviewed(int nr)
{
    if (nr > SBX_REVIEWED_MAX)
        return 0;
    if (newer_name(nr))
        return 1;
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    free(name);
    return name != NULL;
}

static int build_allow(scmp_filter_ctx ctx, struct sbx_error *err)
{
    unsigned char listed[SYSCALL_SLOTS] = {0};
    /* SECURITY: foreign ABIs are let through here only because `report` refuses them all. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "seccomp: attributes");
    for (size_t i = 0; i < ARRAY_SIZE(allowed) + ARRAY_SIZE(reported) - 1; i++) {
        const char *name = i < ARRAY_SIZE(allowed) ? allowed[i] : reported[i - ARRAY_SIZE(allowed)];
        int nr = syscall_nr(name);
        if (nr < 0 || nr >= SYSCALL_SLOTS || listed[nr])
            continue;
        listed[nr] = 1;
        if ((r = add(ctx, SCMP_ACT_ALLOW, nr, 0, NULL, name, err)) < 0)
            return r;
    }
    /* clone3 keeps the default, ENOSYS (libseccomp refuses a rule equal to the default). */
    int clone3 = syscall_nr("clone3");
    for (int nr = 0; nr <= SBX_REVIEWED_MAX; nr++) {
        if (listed[nr] || nr == clone3 || !reviewed(nr))
            continue;
        if ((r = add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0, NULL, "a refused syscall", err)) < 0)
            return r;
    }
    return 0;
}

/* The BPF program of `ctx`, in a malloc'd buffer (libseccomp 2.5 exports only to an fd). */
static int export(scmp_filter_ctx ctx, struct sock_fprog *ret, struct sbx_error *err)
{
    _cleanup_close_ int fd = memfd_create("sbx-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return sbx__error_errno(err, SBX_STAGE_SPAWN, "seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "seccomp: exporting");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return sbx__error_errno(err, SBX_STAGE_SPAWN, "seccomp: fstat");
    size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
    if (n == 0 || n > BPF_MAXINSNS || (size_t)st.st_size % sizeof(struct sock_filter))
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, E2BIG,
                          "seccomp: the filter has %zu instructions", n);
    struct sock_filter *prog = calloc(n, sizeof(*prog));
    if (!prog)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, ENOMEM, "seccomp: allocating");
    if (pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
        free(prog);
        return sbx__error_errno(err, SBX_STAGE_SPAWN, "seccomp: reading the exported filter");
    }
    ret->len = (unsigned short)n;
    ret->filter = prog;
    return 0;
}

static int build_one(int which, const struct sbx__seccomp_opts *o, struct sock_fprog *ret,
                     struct sbx_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(which ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(ENOSYS));
    if (!ctx)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, ENOMEM, "seccomp_init");
    /* A binary search over the syscall numbers instead of a linear chain. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0)
        r = sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_SPAWN, -r, "seccomp: optimize");
    if (r == 0)
        r = which ? build_report(ctx, o, err) : build_allow(ctx, err);
    if (r == 0)
        r = export(ctx, ret, err);
    seccomp_release(ctx);
    return r;
}

int sbx__seccomp_compile(const struct sbx__seccomp_opts *o, struct sbx__seccomp_filter *ret,
                         struct sbx_error *err)
{
    struct sbx__seccomp_filter f = {.owned = true};
    int r = build_one(0, o, &f.allow, err);
    if (r == 0)
        r = build_one(1, o, &f.report, err);
    if (r < 0) {
        free(f.allow.filter); /* not sbx__seccomp_filter_done(): the generator links this alone */
        free(f.report.filter);
        return r;
    }
    *ret = f;
    return 0;
}

/* ---- names, for the supervisor's events ---- */

void sbx__seccomp_syscall_name(uint32_t arch, int nr, char *buf, size_t len)
{
    const char *prefix = "";
    uint32_t token = arch;
    if (arch == AUDIT_ARCH_X86_64 && (nr & X32_SYSCALL_BIT)) {
        prefix = "x32:";
        token = SCMP_ARCH_X32;
    } else if (arch == AUDIT_ARCH_I386) {
        prefix = "i386:";
    }
    char *name = seccomp_syscall_resolve_num_arch(token, nr);
    const char *known = name ? name : (*prefix ? NULL : newer_name(nr));
    if (known)
        snprintf(buf, len, "%s%s", prefix, known);
    else
        snprintf(buf, len, "%ssyscall-%d", prefix, nr);
    free(name);
}
