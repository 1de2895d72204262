/*
 * Dropping every privilege inside the sandbox, in two calls (each step needs what the next
 * one removes).
 * sbx__become_sandbox_ids(), before the mounts are finished:
 *   1. lock securebits (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS off, NO_CAP_AMBIENT_RAISE), needs
 *      CAP_SETPCAP;
 *   2. setgroups (root only: an unprivileged user namespace has setgroups denied), setresgid,
 *      setresuid to 1000, needs CAP_SETGID/CAP_SETUID in the user namespace.
 * sbx__drop_capabilities(), once the root is built:
 *   3. empty the bounding set, needs CAP_SETPCAP;
 *   4. clear ambient, then permitted/effective/inheritable with capset;
 *   5. no_new_privs, so no exec can ever gain anything back (setuid files, file caps).
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/errors.h"
#include "platform/linux/linux.h"

static int drop_bounding_set(void)
{
    /* Walk caps until the kernel says EINVAL: works on kernels with more caps than we know. */
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL)
                return 0;
            return -errno;
        }
    }
    return 0;
}

static int clear_capsets(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
    if (syscall(SYS_capset, &h, d) < 0)
        return -errno;
    return 0;
}

int sbx__become_sandbox_ids(int privileged, struct sbx_error *err)
{
    const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                               SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                               SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "locking securebits");
    /* NO_SETUID_FIXUP: the capabilities survive the change of uid below, so the mounts can
     * still be made; drop_capabilities() removes them all afterwards. */
    if (privileged && setgroups(0, NULL) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "clearing supplementary groups");
    if (setresgid(SBX_INSIDE_GID, SBX_INSIDE_GID, SBX_INSIDE_GID) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "setresgid(%d)", SBX_INSIDE_GID);
    if (setresuid(SBX_INSIDE_UID, SBX_INSIDE_UID, SBX_INSIDE_UID) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "setresuid(%d)", SBX_INSIDE_UID);
    return 0;
}

int sbx__drop_capabilities(struct sbx_error *err)
{
    int r = drop_bounding_set();
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_PRIVILEGES, -r,
                          "dropping the capability bounding set");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "clearing ambient capabilities");
    if ((r = clear_capsets()) < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_PRIVILEGES, -r, "clearing capabilities");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sbx__error_errno(err, SBX_STAGE_PRIVILEGES, "setting no_new_privs");
    return 0;
}
