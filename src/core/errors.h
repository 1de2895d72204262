/* Filling a struct sbx_error; usable between clone and exec (no allocation). */
#ifndef SBX_CORE_ERRORS_H
#define SBX_CORE_ERRORS_H

#include "sbx/error.h"
#include "util/macros.h"

/*
 * Fill `err` (if not NULL) with kind, stage and a formatted message; when errnum is non-zero
 * ": <strerror(errnum)>" is appended. Returns -errnum, or -EINVAL if errnum is 0, so callers
 * can write `return sbx__error(err, ...)`.
 */
SBX_INTERNAL int sbx__error(struct sbx_error *err, enum sbx_error_kind kind, enum sbx_stage stage,
                            int errnum, const char *fmt, ...) PRINTF_LIKE(5, 6);

#define sbx__error_errno(err, stage, ...)                                                          \
    sbx__error(err, SBX_ERR_INTERNAL, stage, errno, __VA_ARGS__)

#endif
