/*
 * Unit tests for src/util/parse.c: the whole string must be a plain decimal number within
 * [min, max]. Anything else (sign, hex, exponent, spaces, inf/nan, empty) is -EINVAL; a number
 * outside the range or the type is -ERANGE; *ret is written only on success.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

#define SENTINEL_U64 0x5a5a5a5a5a5a5a5aull
#define SENTINEL_DBL -12345.0

static void u64_rejects(const char *s, uint64_t min, uint64_t max, int want)
{
    uint64_t v = SENTINEL_U64;
    int r = sbx__parse_u64(s, min, max, &v);
    cr_assert_eq(r, want, "parse_u64(\"%s\", %llu, %llu) = %d, want %d", s ? s : "(null)",
                 (unsigned long long)min, (unsigned long long)max, r, want);
    cr_assert_eq(v, SENTINEL_U64, "parse_u64(\"%s\") wrote *ret on failure", s ? s : "(null)");
}

static void u64_accepts(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
    uint64_t v = SENTINEL_U64;
    int r = sbx__parse_u64(s, min, max, &v);
    cr_assert_eq(r, 0, "parse_u64(\"%s\") = %d", s, r);
    cr_assert_eq(v, want, "parse_u64(\"%s\") = %llu, want %llu", s, (unsigned long long)v,
                 (unsigned long long)want);
}

static void dec_rejects(const char *s, double min, double max, int want)
{
    double v = SENTINEL_DBL;
    int r = sbx__parse_decimal(s, min, max, &v);
    cr_assert_eq(r, want, "parse_decimal(\"%s\", %g, %g) = %d, want %d", s ? s : "(null)", min, max,
                 r, want);
    cr_assert_eq(v, SENTINEL_DBL, "parse_decimal(\"%s\") wrote *ret on failure", s ? s : "(null)");
}

static void dec_accepts(const char *s, double min, double max, double want)
{
    double v = SENTINEL_DBL;
    int r = sbx__parse_decimal(s, min, max, &v);
    cr_assert_eq(r, 0, "parse_decimal(\"%s\") = %d", s, r);
    cr_assert_float_eq(v, want, 1e-12, "parse_decimal(\"%s\") = %.17g, want %.17g", s, v, want);
}

Test(parse_u64, plain_numbers)
{
    u64_accepts("0", 0, UINT64_MAX, 0);
    u64_accepts("1", 0, UINT64_MAX, 1);
    u64_accepts("42", 0, 100, 42);
    u64_accepts("007", 0, 100, 7);
    u64_accepts("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
    u64_accepts("000000000000000000000000000000018446744073709551615", 0, UINT64_MAX, UINT64_MAX);
}

Test(parse_u64, range_bounds_are_inclusive)
{
    u64_accepts("10", 10, 20, 10);
    u64_accepts("20", 10, 20, 20);
    u64_rejects("9", 10, 20, -ERANGE);
    u64_rejects("21", 10, 20, -ERANGE);
    u64_rejects("0", 1, 1, -ERANGE);
}

Test(parse_u64, overflow_is_erange)
{
    u64_rejects("18446744073709551616", 0, UINT64_MAX, -ERANGE);
    u64_rejects("18446744073709551620", 0, UINT64_MAX, -ERANGE);
    u64_rejects("99999999999999999999", 0, UINT64_MAX, -ERANGE);
    u64_rejects("184467440737095516150", 0, UINT64_MAX, -ERANGE);
    char huge[4096];
    memset(huge, '9', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    u64_rejects(huge, 0, UINT64_MAX, -ERANGE);
}

Test(parse_u64, rejects_non_decimal_syntax)
{
    static const char *const bad[] = {
        "",      "-1",    "+1",  "-0",  " 1", "1 ",  "1\n", "\t1",   "0x10",
        "0X10",  "1e3",   "1E3", "1.0", "1.", ".1",  "inf", "nan",   "INF",
        "1,000", "1_000", "１",  "1a",  "a1", "--1", "0b1", "1\x80", "\xc2\xb9",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        u64_rejects(bad[i], 0, UINT64_MAX, -EINVAL);
    u64_rejects(NULL, 0, UINT64_MAX, -EINVAL);
}

Test(parse_decimal, plain_numbers)
{
    dec_accepts("0", 0, 100, 0.0);
    dec_accepts("10", 0, 100, 10.0);
    dec_accepts("0.5", 0, 100, 0.5);
    dec_accepts("2.25", 0, 100, 2.25);
    dec_accepts("007.5", 0, 100, 7.5);
    dec_accepts("604800", 0, 604800, 604800.0);
    dec_accepts("1.000000000000000000000000000000000000000000000001", 0, 2, 1.0);
}

Test(parse_decimal, range_bounds_are_inclusive)
{
    dec_accepts("0.5", 0.5, 1.5, 0.5);
    dec_accepts("1.5", 0.5, 1.5, 1.5);
    dec_rejects("0.4", 0.5, 1.5, -ERANGE);
    dec_rejects("1.6", 0.5, 1.5, -ERANGE);
    dec_rejects("604800.5", 0, 604800, -ERANGE);
}

Test(parse_decimal, rejects_non_decimal_syntax)
{
    static const char *const bad[] = {
        "",     ".",    "5.",   ".5",    "-1",       "+1",      "-0.5",  " 1",
        "1 ",   "1\n",  "0x10", "0x1p3", "1e3",      "1E3",     "1.5e2", "1e-3",
        "inf",  "nan",  "INF",  "NaN",   "infinity", "1.2.3",   "1..2",  "1,5",
        "1.5 ", "1._5", "1.-5", "1.+5",  "١",        "1.5\x80", "\t",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        dec_rejects(bad[i], 0, 1e300, -EINVAL);
    dec_rejects(NULL, 0, 1e300, -EINVAL);
}

Test(parse_decimal, too_many_integer_digits_is_erange)
{
    dec_rejects("1234567890123456", 0, 1e300, -ERANGE);
    char huge[1024];
    memset(huge, '9', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    dec_rejects(huge, 0, 1e300, -ERANGE); /* would be inf for strtod */
    dec_accepts("123456789012345", 0, 1e300, 123456789012345.0);
}

/* A long fraction must not matter: the number is what it says. */
Test(parse_decimal, long_fraction_is_accepted)
{
    char s[1100] = "3.";
    memset(s + 2, '1', 1000);
    s[1002] = '\0';
    double v = SENTINEL_DBL;
    cr_assert_eq(sbx__parse_decimal(s, 0, 10, &v), 0);
    cr_assert_float_eq(v, 3.1111111111111111, 1e-12);
}

/* "0.<400 zeros>1" is a plain decimal inside [0, 10]; its value underflows a double to 0 (or a
 * denormal), which is not "out of range" for the caller: it should parse (as ~0). */
Test(parse_decimal, tiny_fraction_within_range_is_accepted)
{
    char s[512] = "0.";
    memset(s + 2, '0', 400);
    s[402] = '1';
    s[403] = '\0';
    double v = SENTINEL_DBL;
    int r = sbx__parse_decimal(s, 0, 10, &v);
    cr_expect_eq(r, 0, "parse_decimal(\"0.<400 zeros>1\", 0, 10) = %d (%s), want 0", r,
                 strerror(-r));
    if (r == 0)
        cr_expect(v >= 0 && v < 1e-300, "value %g", v);
}

/* Leading zeros do not make a number large: "0000000000000000005" is 5, as parse_u64 agrees. */
Test(parse_decimal, leading_zeros_do_not_count_as_magnitude)
{
    uint64_t u = 0;
    cr_assert_eq(sbx__parse_u64("0000000000000000005", 0, 10, &u), 0);
    cr_assert_eq(u, 5);
    double v = SENTINEL_DBL;
    int r = sbx__parse_decimal("0000000000000000005", 0, 10, &v);
    cr_expect_eq(r, 0, "parse_decimal(\"0000000000000000005\", 0, 10) = %d (%s), want 0 (5)", r,
                 strerror(-r));
    if (r == 0)
        cr_expect_float_eq(v, 5.0, 1e-12);
}

Test(env_entry, valid_entries)
{
    static const char *const good[] = {
        "A=1",
        "a=",
        "_=x",
        "_A1=x",
        "KEY=VALUE=with=equals",
        "PATH=/usr/bin:/bin",
        "K=value with spaces\nand newline",
        "K=\xff\xfe",
        "abc_DEF_123=",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_assert_eq(sbx__env_entry_valid(good[i]), 1, "'%s' should be valid", good[i]);
}

Test(env_entry, invalid_entries)
{
    static const char *const bad[] = {
        "",     "=",     "=x",  "A",       "KEY",   "1A=x", "9=x",   "A-B=x", "A B=x", " A=x",
        "A =x", "A.B=x", "é=x", "A\xff=x", "A\n=x", "$A=x", "A:B=x", "A/B=x", "-A=x",  "\x01=x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(sbx__env_entry_valid(bad[i]), 0, "'%s' should be invalid", bad[i]);
    cr_assert_eq(sbx__env_entry_valid(NULL), 0);
}
