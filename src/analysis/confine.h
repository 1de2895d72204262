/* Confining a forked analysis child to memory, one output fd and exit (confine.c). */
#ifndef SBX_ANALYSIS_CONFINE_H
#define SBX_ANALYSIS_CONFINE_H

#include "util/macros.h"

/* After this only brk/mmap/mprotect (never PROT_EXEC), munmap, mremap, madvise, write to
 * `out_fd`, clock_gettime, sysinfo, exit and rt_sigreturn are allowed; anything else kills the
 * process. 0 or a negative errno (the caller must then not go on parsing). */
SBX_INTERNAL int sbx__analysis_confine(int out_fd);

#endif
