/* A growable, NULL-terminated vector of owned strings with a hard cap on its length. */
#ifndef SBX_UTIL_STRV_H
#define SBX_UTIL_STRV_H

#include <stddef.h>

#include "util/macros.h"

struct sbx_strv {
    char **v; /* NULL-terminated (when n > 0 or after the first push) */
    size_t n, cap, max;
};

SBX_INTERNAL void sbx__strv_init(struct sbx_strv *s, size_t max);
/* Append a copy of str; 0, -ENOMEM, or -E2BIG past max entries. */
SBX_INTERNAL int sbx__strv_push(struct sbx_strv *s, const char *str);
SBX_INTERNAL int sbx__strv_pushf(struct sbx_strv *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
SBX_INTERNAL void sbx__strv_done(struct sbx_strv *s);

#endif
