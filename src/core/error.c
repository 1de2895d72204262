/* The non-allocating error record (see sbx/error.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"

const char *sbx_stage_name(enum sbx_stage stage)
{
    switch (stage) {
    case SBX_STAGE_NONE:
        return "none";
    case SBX_STAGE_POLICY:
        return "policy";
    case SBX_STAGE_RUNTIME:
        return "runtime";
    case SBX_STAGE_WORKSPACE:
        return "workspace";
    case SBX_STAGE_SPAWN:
        return "spawn";
    case SBX_STAGE_USERNS:
        return "user namespace";
    case SBX_STAGE_MOUNTS:
        return "mounts";
    case SBX_STAGE_PRIVILEGES:
        return "privileges";
    case SBX_STAGE_EXEC:
        return "exec";
    case SBX_STAGE_SUPERVISE:
        return "supervise";
    case SBX_STAGE_CLEANUP:
        return "cleanup";
    }
    return "unknown";
}

const char *sbx_error_kind_name(enum sbx_error_kind kind)
{
    switch (kind) {
    case SBX_ERR_NONE:
        return "none";
    case SBX_ERR_USAGE:
        return "usage";
    case SBX_ERR_INPUT:
        return "input";
    case SBX_ERR_UNSUPPORTED:
        return "unsupported";
    case SBX_ERR_NO_RUNTIME:
        return "no_runtime";
    case SBX_ERR_HOST:
        return "host";
    case SBX_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}

int sbx__error(struct sbx_error *err, enum sbx_error_kind kind, enum sbx_stage stage, int errnum,
               const char *fmt, ...)
{
    if (err) {
        err->kind = kind;
        err->stage = stage;
        err->errnum = errnum;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        if (n < 0)
            n = 0;
        size_t used = (size_t)n < sizeof(err->message) ? (size_t)n : sizeof(err->message) - 1;
        if (errnum)
            snprintf(err->message + used, sizeof(err->message) - used, ": %s",
                     strerrordesc_np(errnum) ? strerrordesc_np(errnum) : "unknown error");
    }
    return errnum ? -errnum : -EINVAL;
}
