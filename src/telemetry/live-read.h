/*
 * Internal entry point of the live registry reader, for its fuzz target
 * (tests/fuzz/fuzz-live.c): the parse of one registry object, without any file or process.
 */
#ifndef SBX_TELEMETRY_LIVE_READ_H
#define SBX_TELEMETRY_LIVE_READ_H

#include <stddef.h>

#include "sbx/live.h"
#include "util/macros.h"

#define SBX__LIVE_WHY_MAX 192

/*
 * Parse `len` bytes of JSON (untrusted; NUL not required) into *e, which is zeroed first.
 * Returns 0, or -EINVAL (not JSON, or a field of the wrong type or range) / -EFBIG (over
 * SBX_LIVE_OBJECT_MAX) with a reason in `why` (SBX__LIVE_WHY_MAX bytes).
 */
SBX_INTERNAL int sbx__live_parse(const char *buf, size_t len, struct sbx_live_entry *e, char *why);

#endif
