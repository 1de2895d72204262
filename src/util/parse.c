/* Strict decimal parsing; see parse.h. Pure code. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int sbx__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
    if (!s || !all_digits(s, strlen(s)))
        return -EINVAL;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}

int sbx__parse_decimal(const char *s, double min, double max, double *ret)
{
    if (!s)
        return -EINVAL;
    const char *dot = strchr(s, '.');
    size_t int_len = dot ? (size_t)(dot - s) : strlen(s);
    if (!all_digits(s, int_len))
        return -EINVAL;
    if (dot && !all_digits(dot + 1, strlen(dot + 1)))
        return -EINVAL;
    size_t zeros = 0;
    while (zeros + 1 < int_len && s[zeros] == '0')
        zeros++;
    if (int_len - zeros > 15)
        return -ERANGE;
    errno = 0;
    double v = strtod(s, NULL);
    /* An underflow (a tiny fraction) is still a number inside the range; an overflow is not. */
    if ((errno && !(errno == ERANGE && v < 1)) || !isfinite(v))
        return -ERANGE;
    if (v < min || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}

int sbx__env_entry_valid(const char *s)
{
    const char *eq = s ? strchr(s, '=') : NULL;
    if (!eq || eq == s)
        return 0;
    for (const char *p = s; p < eq; p++) {
        int alpha = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_';
        int digit = *p >= '0' && *p <= '9';
        if (!alpha && !(digit && p > s))
            return 0;
    }
    return 1;
}

int sbx__hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
