/*
 * Confining a forked analysis child (see confine.h). SECURITY: the child parses untrusted
 * source with a C library that has known memory-safety bugs (libtree-sitter 0.20.7), on the
 * host and possibly as root. Once confined it can only allocate memory, write to its result
 * pipe and exit: any other syscall kills it (SIGSYS), which the parent reports as a failed
 * analysis. no_new_privs first, so the filter needs no privilege and can never be undone.
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "analysis/confine.h"

int sbx__analysis_confine(int out_fd)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!f)
        return -ENOMEM;
    int r = 0;
    /* Memory: never executable. */
    const int mem[] = {SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise)};
    for (size_t i = 0; r == 0 && i < sizeof(mem) / sizeof(mem[0]); i++)
        r = seccomp_rule_add(f, SCMP_ACT_ALLOW, mem[i], 0);
    if (r == 0)
        r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                             SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (r == 0)
        r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                             SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    /* The result pipe, the clock of the parse time budget (vDSO fallback), sysinfo (glibc's
     * qsort asks it how much memory there is), and the way out. */
    if (r == 0)
        r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)out_fd));
    const int misc[] = {SCMP_SYS(clock_gettime), SCMP_SYS(sysinfo), SCMP_SYS(exit),
                        SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn)};
    for (size_t i = 0; r == 0 && i < sizeof(misc) / sizeof(misc[0]); i++)
        r = seccomp_rule_add(f, SCMP_ACT_ALLOW, misc[i], 0);
    if (r == 0)
        r = seccomp_load(f);
    seccomp_release(f);
    return r;
}
