/*
 * Landlock rules for the program's process, through the raw syscalls (glibc has no wrappers)
 * and our own copies of the ABI's newer constants (Debian 12's kernel headers stop at ABI 2).
 *
 * What each ABI adds, and how it is used here:
 *   1  file system access rights (execute, read, write, make/remove...)
 *   2  REFER: rename and link across directories (granted where writing is)
 *   3  TRUNCATE (granted with write, and on the device files: "> /dev/null" opens O_TRUNC)
 *   4  TCP bind/connect: handled with no rule while the network is off, so both are refused
 *   5  IOCTL_DEV: ioctl on device files, granted only on the device files (isatty() on
 *      /dev/null must say ENOTTY, not EACCES)
 *   6  scoping: no abstract unix socket and no signal reaches a process outside the domain
 *      (init and the host are outside; the program's own children are inside)
 *   7  audit logging flags: left at their defaults, so the sandbox's denials after exec are
 *      not logged (a hostile program must not be able to flood the host's audit log)
 *
 * SECURITY: rules are attached to the inodes the sandbox's own root shows (opened O_PATH after
 * pivot_root), so they cover only this view: an fd to a host directory, were one to leak in,
 * lies outside every rule and is refused. Everything handled and not granted is denied.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/landlock.h"

/* ABI 3 and later, absent from older headers. */
#define LL_FS_TRUNCATE (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_REFER (1ULL << 13)
#define LL_FS_ABI1 ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */

/* Rights that mean something on a file that is not a directory. */
#define LL_FILE_RIGHTS                                                                             \
    (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* The ruleset attribute as of ABI 6; the kernel accepts it whole from ABI 1 on, as long as the
 * fields it does not know are zero. */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

static int abi_used(int abi)
{
    return abi > SBX_LANDLOCK_ABI_MAX ? SBX_LANDLOCK_ABI_MAX : abi;
}

uint64_t sbx__landlock_handled_fs(int abi)
{
    abi = abi_used(abi);
    if (abi < 1)
        return 0;
    uint64_t fs = LL_FS_ABI1;
    if (abi >= 2)
        fs |= LL_FS_REFER;
    if (abi >= 3)
        fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        fs |= LL_FS_IOCTL_DEV;
    return fs;
}

static uint64_t kind_rights(enum sbx__landlock_kind kind)
{
    switch (kind) {
    case SBX_LL_LIST:
        return LL_FS_READ_DIR;
    case SBX_LL_RO:
        return LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
    /* Writes to /proc stay gated by its own checks (owner, ptrace access); programs need
     * them: pthread_setname_np and Python's open(..., "w") of /proc/self/comm (O_TRUNC). */
    case SBX_LL_PROC:
        return LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_WRITE_FILE | LL_FS_TRUNCATE;
    /* SECURITY: no device nodes, even where writing is allowed (the mounts are nodev too). */
    case SBX_LL_RW:
        return sbx__landlock_handled_fs(SBX_LANDLOCK_ABI_MAX) &
               ~(LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK | LL_FS_IOCTL_DEV);
    case SBX_LL_DEV:
        return LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
    }
    return 0;
}

int sbx__landlock_paths_add(struct sbx__landlock_paths *p, const char *path,
                            enum sbx__landlock_kind kind, bool optional)
{
    if (p->n >= SBX_LANDLOCK_MAX_RULES)
        return -E2BIG;
    p->rules[p->n++] =
        (struct sbx__landlock_rule){.path = path, .kind = kind, .optional = optional};
    return 0;
}

int sbx__landlock_paths_init(struct sbx__landlock_paths *p, const char *interp_prefix,
                             bool enable_network)
{
    static const struct sbx__landlock_rule view[] = {
        {"/", SBX_LL_LIST, false},          {"/usr", SBX_LL_RO, false},
        {"/bin", SBX_LL_RO, true},          {"/sbin", SBX_LL_RO, true},
        {"/lib", SBX_LL_RO, true},          {"/lib32", SBX_LL_RO, true},
        {"/lib64", SBX_LL_RO, true},        {"/libx32", SBX_LL_RO, true},
        {"/etc", SBX_LL_RO, false},         {"/proc", SBX_LL_PROC, false},
        {"/dev", SBX_LL_LIST, false},       {"/dev/null", SBX_LL_DEV, false},
        {"/dev/zero", SBX_LL_DEV, false},   {"/dev/full", SBX_LL_DEV, false},
        {"/dev/random", SBX_LL_DEV, false}, {"/dev/urandom", SBX_LL_DEV, false},
        {"/dev/shm", SBX_LL_RW, false},     {"/tmp", SBX_LL_RW, false},
        {"/work", SBX_LL_RW, false},
    };
    memset(p, 0, sizeof(*p));
    p->enable_network = enable_network;
    for (size_t i = 0; i < ARRAY_SIZE(view); i++)
        p->rules[p->n++] = view[i];
    if (interp_prefix && interp_prefix[0])
        return sbx__landlock_paths_add(p, interp_prefix, SBX_LL_RO, false);
    return 0;
}

int sbx__landlock_probe(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

void sbx__landlock_describe(int abi, char *buf, size_t len)
{
    if (abi < 1)
        snprintf(buf, len, "unavailable");
    else
        snprintf(buf, len, "abi-%d", abi_used(abi));
}

static int add_rule(int ruleset, const struct sbx__landlock_rule *rule, uint64_t handled,
                    struct sbx_error *err)
{
    int fd = open(rule->path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (rule->optional && errno == ENOENT)
            return 0;
        return sbx__error_errno(err, SBX_STAGE_EXEC, "landlock: opening '%s'", rule->path);
    }
    struct stat st;
    int r = fstat(fd, &st);
    uint64_t rights = kind_rights(rule->kind) & handled;
    if (r == 0 && !S_ISDIR(st.st_mode))
        rights &= LL_FILE_RIGHTS;
    struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = fd};
    if (r == 0 && rights)
        r = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, e, "landlock: rule for '%s'",
                          rule->path);
    return 0;
}

/* The layout of struct landlock_net_port_attr (ABI 4), spelled out for older headers. */
struct ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

static int add_port_rule(int ruleset, uint16_t port, uint64_t access, struct sbx_error *err)
{
    struct ll_net_port_attr np = {.allowed_access = access, .port = port};
    if (syscall(SYS_landlock_add_rule, ruleset, 2 /* LANDLOCK_RULE_NET_PORT */, &np, 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_EXEC, "landlock: rule for TCP port %u",
                                (unsigned)port);
    return 0;
}

int sbx__landlock_apply(const struct sbx__landlock_paths *p, int abi, struct sbx_error *err)
{
    abi = abi_used(abi);
    if (abi < 1)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_EXEC, EOPNOTSUPP,
                          "landlock: not available on this kernel");
    /* SECURITY: the domain must bind a process that can never gain privileges back. */
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_EXEC, EPERM,
                          "landlock: no_new_privs must be set first");
    struct ll_ruleset_attr attr = {.handled_access_fs = sbx__landlock_handled_fs(abi)};
    if (abi >= 4 && !p->enable_network)
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    /* SECURITY: with the host's network, binding is refused but for the allowed bind ports (a
     * sandboxed server must be asked for), and connecting is limited when ports are listed. */
    if (abi >= 4 && p->enable_network)
        attr.handled_access_net = LL_NET_BIND_TCP | (p->n_connect_ports ? LL_NET_CONNECT_TCP : 0);
    if (abi >= 6)
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
    /* The kernel creates the ruleset fd close-on-exec. */
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0)
        return sbx__error_errno(err, SBX_STAGE_EXEC, "landlock: creating the ruleset");
    int r = 0;
    for (size_t i = 0; r == 0 && i < p->n; i++)
        r = add_rule(ruleset, &p->rules[i], attr.handled_access_fs, err);
    for (size_t i = 0; r == 0 && attr.handled_access_net && i < p->n_connect_ports; i++)
        r = add_port_rule(ruleset, p->connect_ports[i], LL_NET_CONNECT_TCP, err);
    for (size_t i = 0; r == 0 && attr.handled_access_net && i < p->n_bind_ports; i++)
        r = add_port_rule(ruleset, p->bind_ports[i], LL_NET_BIND_TCP, err);
    if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
        r = sbx__error_errno(err, SBX_STAGE_EXEC, "landlock: restricting the program");
    close(ruleset);
    return r;
}
