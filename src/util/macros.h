/* Small macros shared by the library and its front ends. */
#ifndef SBX_UTIL_MACROS_H
#define SBX_UTIL_MACROS_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Internal functions shared across files of the library. */
#define SBX_INTERNAL __attribute__((visibility("hidden")))

/* Retry a call while it fails with EINTR. */
#define RETRY_EINTR(expr)                                                                          \
    ({                                                                                             \
        __typeof__(expr) _r;                                                                       \
        do                                                                                         \
            _r = (expr);                                                                           \
        while (_r < 0 && errno == EINTR);                                                          \
        _r;                                                                                        \
    })

#endif
