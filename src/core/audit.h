/*
 * The audit log ([general] audit_log): one JSON line per run, appended (O_APPEND, under an
 * flock, then fsync) after the run: who (uid, user), what (file, its sha256, runtime,
 * interpreter, args), the effective policy and enforcement, findings, the verdict and the
 * security events. A log that cannot be opened refuses the run; one that cannot be written
 * after it is reported as an error, never skipped silently.
 */
#ifndef SBX_CORE_AUDIT_H
#define SBX_CORE_AUDIT_H

#include <limits.h>

#include "sbx/sbx.h"
#include "util/macros.h"

struct sbx__audit {
    int fd;
    char sha256[65];
    char path[PATH_MAX];
};

/* Open policy->audit_log (no-op without one: fd -1) and digest the program. 0 or -errno. */
SBX_INTERNAL int sbx__audit_open(const struct sbx_policy *p, int program_fd, struct sbx__audit *ret,
                                 struct sbx_error *err);
/* Append the run's line; 0, or -errno with `err` describing the failure. */
SBX_INTERNAL int sbx__audit_write(struct sbx__audit *a, const struct sbx_request *req,
                                  const struct sbx_result *res, struct sbx_error *err);
SBX_INTERNAL void sbx__audit_close(struct sbx__audit *a);

#endif
