/* SHA-256 (FIPS 180-4), for the audit log's digest of each program. Pure code. */
#ifndef SBX_UTIL_SHA256_H
#define SBX_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

struct sbx_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
};

SBX_INTERNAL void sbx__sha256_init(struct sbx_sha256 *s);
SBX_INTERNAL void sbx__sha256_update(struct sbx_sha256 *s, const void *data, size_t len);
/* Finish and write 64 lowercase hex digits and a NUL into hex[65]. */
SBX_INTERNAL void sbx__sha256_hex(struct sbx_sha256 *s, char hex[65]);

#endif
