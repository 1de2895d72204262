/*
 * sbx/doctor.h: what this host can enforce, and how to fix what it cannot.
 *
 * sbx_doctor_run() probes the kernel features the sandbox uses (each in a forked child where
 * a probe changes process state) and fills a report; it never changes the host.
 */
#ifndef SBX_DOCTOR_H
#define SBX_DOCTOR_H

#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sbx_check_status {
    SBX_CHECK_OK,   /* available and used */
    SBX_CHECK_WARN, /* works, but weaker or slower than it could be */
    SBX_CHECK_FAIL, /* missing: runs that need it are refused */
};

#define SBX_MAX_CHECKS 16

struct sbx_check {
    const char *name; /* static: "user namespaces", "cgroups", ... */
    enum sbx_check_status status;
    char detail[512]; /* what was found */
    char fix[320];    /* how to fix it; "" when there is nothing to do */
};

struct sbx_doctor {
    struct sbx_check checks[SBX_MAX_CHECKS];
    size_t n_checks;
};

SBX_API void sbx_doctor_run(struct sbx_doctor *ret);

SBX_API const char *sbx_check_status_name(enum sbx_check_status s);

/* What rusty-sandbox keeps on the host between runs, and sbx_cleanup() removes: root's
 * pre-made network namespaces (nsfs bind mounts in /run/rusty-sandbox/netns). Slots that a
 * live run holds are left alone and counted as busy. */
struct sbx_cleanup {
    unsigned netns_removed;
    unsigned netns_busy;
};

/* 0, or -errno with `err` filled (e.g. not root while a pool exists). */
SBX_API int sbx_cleanup(struct sbx_cleanup *ret, struct sbx_error *err);

#ifdef __cplusplus
}
#endif
#endif
