/* Report helpers shared with tests. */
#ifndef SBX_CORE_REPORT_H
#define SBX_CORE_REPORT_H

#include <stddef.h>

#include "util/macros.h"

/* A copy of data with every invalid UTF-8 byte replaced by U+FFFD (malloc'd, NUL-terminated),
 * or NULL on allocation failure. */
SBX_INTERNAL char *sbx__utf8_sanitize(const char *data, size_t len, size_t *ret_len);

#endif
