/*
 * Checked number parsing for user input (flags, config values): the whole string must be a
 * plain decimal number within [min, max]; no sign, no hex, no exponent, no inf/nan, no spaces.
 * Each returns 0 or -EINVAL (not a number) / -ERANGE (out of range) and writes *ret on success.
 */
#ifndef SBX_UTIL_PARSE_H
#define SBX_UTIL_PARSE_H

#include <stdint.h>

#include "util/macros.h"

SBX_INTERNAL int sbx__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Decimal with an optional fraction ("0.5", "10", "2.25"). */
SBX_INTERNAL int sbx__parse_decimal(const char *s, double min, double max, double *ret);

/* An environment entry "KEY=VALUE": KEY is [A-Za-z_][A-Za-z0-9_]*, VALUE has no NUL. */
SBX_INTERNAL int sbx__env_entry_valid(const char *s);

/* The value of a hexadecimal digit (either case), or -1. */
SBX_INTERNAL int sbx__hex_value(int c);

#endif
