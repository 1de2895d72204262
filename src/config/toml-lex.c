/*
 * TOML lexing: the encoding pre-pass over the whole input, the four kinds of strings with their
 * escapes, and bare values (booleans, integers, floats, date-times), plus the error helpers.
 *
 * Trusts nothing in the input. sbx__toml_check_text() runs first and establishes the invariant
 * documented in toml-internal.h; the rest relies on it. Decoded strings grow in a scratch
 * buffer capped at limits.max_string, so a long string fails early instead of growing without
 * bound. Numbers are converted with the "C" locale whatever the process locale is.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml-internal.h"
#include "util/parse.h"

/* ---------------------------------------------------------------- errors and messages */

int sbx__toml_fail(struct sbx__toml_parser *p, int code, uint32_t line, uint32_t column,
                   const char *fmt, ...)
{
    if (p->failed)
        return code;
    p->failed = true;
    if (p->err) {
        va_list ap;
        p->err->line = line;
        p->err->column = column;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), 0 if invalid. No overlong
 * forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t avail, uint32_t *ret_cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80) {
        *ret_cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *ret_cp = cp;
    return n;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Bytes of the character at s: its UTF-8 length when valid, else 1 (so a message about a
 * malformed key still advances). */
static size_t char_len(const char *s, size_t avail)
{
    uint32_t cp;
    size_t n = utf8_len((const unsigned char *)s, avail, &cp);
    return n ? n : 1;
}

char *sbx__toml_quote(char *out, size_t n, const char *s, size_t len)
{
    bool bare = len > 0, cut = false;
    size_t o = 0;
    if (n < 8) {
        if (n)
            out[0] = '\0';
        return out;
    }
    for (size_t i = 0; i < len && bare; i++)
        bare = sbx__toml_is_bare_key_char((unsigned char)s[i]);
    size_t limit = n - 5; /* room left for "...", the closing quote and the NUL */
    if (!bare)
        out[o++] = '"';
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        char piece[8];
        size_t in = 1, pn;
        if (c == '"' || c == '\\') {
            pn = (size_t)snprintf(piece, sizeof(piece), "\\%c", c);
        } else if (c < 0x20 || c == 0x7F) {
            pn = (size_t)snprintf(piece, sizeof(piece), "\\u%04X", c);
        } else {
            in = pn = char_len(s + i, len - i);
            memcpy(piece, s + i, pn);
        }
        if (o + pn > limit) {
            cut = true;
            break;
        }
        memcpy(out + o, piece, pn);
        o += pn;
        i += in;
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (!bare)
        out[o++] = '"';
    out[o] = '\0';
    return out;
}

const char *sbx__toml_describe_cur(const struct sbx__toml_parser *p, char *out, size_t n)
{
    int c = sbx__toml_peek(p);
    uint32_t cp;
    if (c < 0)
        snprintf(out, n, "end of input");
    else if (c == '\n' || c == '\r')
        snprintf(out, n, "end of line");
    else if (c == ' ')
        snprintf(out, n, "a space");
    else if (c == '\t')
        snprintf(out, n, "a tab");
    else if (c > 0x20 && c < 0x7F)
        snprintf(out, n, "'%c'", c);
    else if (utf8_len((const unsigned char *)p->cur, (size_t)(p->end - p->cur), &cp))
        snprintf(out, n, "U+%04X", (unsigned)cp);
    else
        snprintf(out, n, "byte 0x%02X", (unsigned)c);
    return out;
}

/* ---------------------------------------------------------------- encoding pre-pass */

int sbx__toml_check_text(struct sbx__toml_parser *p)
{
    const unsigned char *s = (const unsigned char *)p->cur;
    const unsigned char *end = (const unsigned char *)p->end;
    uint32_t line = p->line, col = p->col, cp;

    while (s < end) {
        unsigned c = *s;
        if (c == '\n') {
            line++, col = 1, s++;
            continue;
        }
        if (c == '\r') {
            if (s + 1 == end || s[1] != '\n')
                return sbx__toml_fail(p, -EINVAL, line, col,
                                      "carriage return not followed by a line feed");
            col++, s++;
            continue;
        }
        /* SECURITY: TOML allows no raw control character but tab anywhere, not even in
         * comments; rejecting them here means no later stage can pass one through. */
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return sbx__toml_fail(p, -EINVAL, line, col,
                                  "control character U+%04X is not allowed in TOML text", c);
        size_t n = c < 0x80 ? 1 : utf8_len(s, (size_t)(end - s), &cp);
        if (!n)
            return sbx__toml_fail(p, -EINVAL, line, col, "invalid UTF-8 (byte 0x%02X)", c);
        s += n, col++;
    }
    return 0;
}

/* ---------------------------------------------------------------- strings */

static int buf_put(struct sbx__toml_parser *p, const char *s, size_t n, uint32_t line, uint32_t col)
{
    struct sbx__toml_buf *b = &p->buf;
    if (n > b->max - b->len)
        return sbx__toml_fail(p, -E2BIG, line, col, "string is longer than %zu bytes", b->max);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->ptr, cap);
        if (!q)
            return sbx__toml_fail(p, -ENOMEM, line, col, "out of memory");
        b->ptr = q;
        b->cap = cap;
    }
    memcpy(b->ptr + b->len, s, n);
    b->len += n;
    return 0;
}

/* Append the bytes up to (not including) the first byte in `stops` or the end of input. */
static int put_run(struct sbx__toml_parser *p, const char *stops, uint32_t line, uint32_t col)
{
    const char *start = p->cur;
    size_t nstops = strlen(stops);
    while (p->cur < p->end && !memchr(stops, *p->cur, nstops))
        sbx__toml_adv(p);
    return buf_put(p, start, (size_t)(p->cur - start), line, col);
}

/* \uXXXX or \UXXXXXXXX at the cursor: exactly `ndig` hex digits naming a Unicode scalar value
 * (no surrogate halves, nothing above U+10FFFF). */
static int lex_unicode(struct sbx__toml_parser *p, size_t ndig, uint32_t sline, uint32_t scol)
{
    uint32_t line = p->line, col = p->col, cp = 0;
    char letter = ndig == 4 ? 'u' : 'U';
    for (size_t i = 0; i < ndig; i++) {
        int h = sbx__hex_value(sbx__toml_peek_at(p, 2 + i));
        if (h < 0)
            return sbx__toml_fail(p, -EINVAL, line, col,
                                  "invalid escape: \\%c needs %zu hexadecimal digits", letter,
                                  ndig);
        cp = cp * 16 + (uint32_t)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return sbx__toml_fail(p, -EINVAL, line, col,
                              "invalid escape: U+%04X is not a Unicode scalar value", (unsigned)cp);
    char u[4];
    size_t n = utf8_encode(cp, u);
    sbx__toml_adv_n(p, 2 + ndig);
    return buf_put(p, u, n, sline, scol);
}

/* A backslash, optional spaces/tabs, then a newline: in a multi-line basic string this joins
 * lines, dropping all whitespace and newlines up to the next other character. */
static bool at_line_ending_backslash(const struct sbx__toml_parser *p)
{
    size_t k = 1;
    while (sbx__toml_peek_at(p, k) == ' ' || sbx__toml_peek_at(p, k) == '\t')
        k++;
    int c = sbx__toml_peek_at(p, k);
    return c == '\n' || c == '\r';
}

/* The one-letter escapes of TOML 1.0 (no \e or \xHH: those are TOML 1.1) and their bytes. */
static const char escape_letters[] = "btnfr\"\\";
static const char escape_bytes[] = "\b\t\n\f\r\"\\";

static int lex_escape(struct sbx__toml_parser *p, bool multiline, uint32_t sline, uint32_t scol)
{
    int c = sbx__toml_peek_at(p, 1);
    const char *hit = c > 0 ? memchr(escape_letters, c, sizeof(escape_letters) - 1) : NULL;
    if (hit) {
        sbx__toml_adv_n(p, 2);
        return buf_put(p, &escape_bytes[hit - escape_letters], 1, sline, scol);
    }
    if (c == 'u' || c == 'U')
        return lex_unicode(p, c == 'u' ? 4 : 8, sline, scol);
    if (multiline && at_line_ending_backslash(p)) {
        int w;
        sbx__toml_adv(p);
        while ((w = sbx__toml_peek(p)) == ' ' || w == '\t' || w == '\n' || w == '\r')
            sbx__toml_adv(p);
        return 0;
    }
    if (c > 0x20 && c < 0x7F)
        return sbx__toml_fail(p, -EINVAL, p->line, p->col, "invalid escape '\\%c'", c);
    return sbx__toml_fail(p, -EINVAL, p->line, p->col, "invalid escape: backslash followed by %s",
                          c < 0 ? "end of input" : "a space or a control character");
}

static int unterminated(struct sbx__toml_parser *p, uint32_t line, uint32_t col, const char *what)
{
    return sbx__toml_fail(p, -EINVAL, line, col, "unterminated %s", what);
}

static int lex_basic(struct sbx__toml_parser *p, uint32_t line, uint32_t col)
{
    sbx__toml_adv(p);
    for (;;) {
        int c = sbx__toml_peek(p), r;
        if (c < 0 || c == '\n' || c == '\r')
            return unterminated(p, line, col, "string (a basic string must end on its line)");
        if (c == '"') {
            sbx__toml_adv(p);
            return 0;
        }
        r = c == '\\' ? lex_escape(p, false, line, col) : put_run(p, "\"\\\r\n", line, col);
        if (r < 0)
            return r;
    }
}

static int lex_literal(struct sbx__toml_parser *p, uint32_t line, uint32_t col)
{
    sbx__toml_adv(p);
    for (;;) {
        int c = sbx__toml_peek(p), r;
        if (c < 0 || c == '\n' || c == '\r')
            return unterminated(p, line, col,
                                "literal string (a literal string must end on its line)");
        if (c == '\'') {
            sbx__toml_adv(p);
            return 0;
        }
        r = put_run(p, "'\r\n", line, col);
        if (r < 0)
            return r;
    }
}

/* A run of quotes inside a multi-line string: fewer than 3 are content; 3 to 5 end the string
 * (the first 0 to 2 being content); 6 or more cannot be written. Returns 1 at the end. */
static int ml_quotes(struct sbx__toml_parser *p, char q, uint32_t line, uint32_t col)
{
    size_t n = 0;
    while (sbx__toml_peek_at(p, n) == q)
        n++;
    if (n > 5) {
        sbx__toml_adv_n(p, 5);
        return sbx__toml_fail(p, -EINVAL, p->line, p->col,
                              "too many quotes at the end of a multi-line string");
    }
    int r = buf_put(p, p->cur, n < 3 ? n : n - 3, line, col);
    if (r < 0)
        return r;
    sbx__toml_adv_n(p, n);
    return n >= 3;
}

/* """...""" (basic) or '''...''' (literal). A newline right after the opening delimiter is
 * dropped; CRLF is stored as LF. */
static int lex_multiline(struct sbx__toml_parser *p, bool basic, uint32_t line, uint32_t col)
{
    char q = basic ? '"' : '\'';
    const char *stops = basic ? "\"\\\r" : "'\r";
    sbx__toml_adv_n(p, 3);
    if (sbx__toml_peek(p) == '\r')
        sbx__toml_adv(p);
    if (sbx__toml_peek(p) == '\n')
        sbx__toml_adv(p);
    for (;;) {
        int c = sbx__toml_peek(p), r;
        if (c < 0)
            return unterminated(p, line, col, "multi-line string");
        if (c == q) {
            r = ml_quotes(p, q, line, col);
            if (r != 0)
                return r < 0 ? r : 0;
            continue;
        }
        if (c == '\r') {
            sbx__toml_adv(p); /* the LF that always follows is content */
            continue;
        }
        r = basic && c == '\\' ? lex_escape(p, true, line, col) : put_run(p, stops, line, col);
        if (r < 0)
            return r;
    }
}

int sbx__toml_lex_string(struct sbx__toml_parser *p, bool multiline, char **ret, size_t *ret_len)
{
    uint32_t line = p->line, col = p->col;
    int q = sbx__toml_peek(p), r;
    bool triple = sbx__toml_peek_at(p, 1) == q && sbx__toml_peek_at(p, 2) == q;

    p->buf.len = 0;
    if (triple && !multiline)
        return sbx__toml_fail(p, -EINVAL, line, col, "a key cannot be a multi-line string");
    if (triple)
        r = lex_multiline(p, q == '"', line, col);
    else
        r = q == '"' ? lex_basic(p, line, col) : lex_literal(p, line, col);
    if (r < 0)
        return r;
    char *s = malloc(p->buf.len + 1);
    if (!s)
        return sbx__toml_fail(p, -ENOMEM, line, col, "out of memory");
    if (p->buf.len)
        memcpy(s, p->buf.ptr, p->buf.len);
    s[p->buf.len] = '\0';
    *ret = s;
    *ret_len = p->buf.len;
    return 0;
}

/* ---------------------------------------------------------------- bare values */

/* Where a bare value failed: the token is quoted (it is plain ASCII by construction). */
struct token {
    const char *s;
    size_t n;
    uint32_t line, col;
};

static int bad_token(struct sbx__toml_parser *p, const struct token *t, const char *what,
                     const char *why)
{
    int shown = (int)MIN(t->n, 40);
    return sbx__toml_fail(p, -EINVAL, t->line, t->col, "invalid %s '%.*s%s': %s", what, shown, t->s,
                          t->n > 40 ? "..." : "", why);
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int digit_value(int c, int base)
{
    int v = sbx__hex_value(c);
    return v >= 0 && v < base ? v : -1;
}

/* DIGIT *( DIGIT / "_" DIGIT ) in `base`: the number of bytes it spans at s, 0 if none. */
static size_t scan_digits(const char *s, size_t n, int base)
{
    size_t i = 1;
    if (n == 0 || digit_value((unsigned char)s[0], base) < 0)
        return 0;
    while (i < n) {
        if (digit_value((unsigned char)s[i], base) >= 0)
            i++;
        else if (s[i] == '_' && i + 1 < n && digit_value((unsigned char)s[i + 1], base) >= 0)
            i += 2;
        else
            break;
    }
    return i;
}

/* Value of the digits of s (underscores skipped) if it is at most `max`; -ERANGE otherwise. */
static int digits_value(const char *s, size_t n, int base, uint64_t max, uint64_t *ret)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_')
            continue;
        uint64_t d = (uint64_t)digit_value((unsigned char)s[i], base);
        if (v > (max - d) / (uint64_t)base)
            return -ERANGE;
        v = v * (uint64_t)base + d;
    }
    *ret = v;
    return 0;
}

/* 0x, 0o, 0b: no sign, leading zeros allowed, must fit a signed 64-bit integer. */
static int lex_radix(struct sbx__toml_parser *p, const struct token *t, struct sbx__toml_node *node)
{
    int base = t->s[1] == 'x' ? 16 : t->s[1] == 'o' ? 8 : 2;
    size_t d = scan_digits(t->s + 2, t->n - 2, base);
    uint64_t v;
    if (d == 0 || d + 2 != t->n)
        return bad_token(p, t, "integer",
                         d == 0 ? "no digits after the prefix"
                                : "digit out of range or misplaced underscore");
    if (digits_value(t->s + 2, d, base, INT64_MAX, &v) < 0)
        return bad_token(p, t, "integer", "out of range of a 64-bit signed integer");
    node->type = SBX_TOML_INTEGER;
    node->u.integer = (int64_t)v;
    return 0;
}

static int make_integer(struct sbx__toml_parser *p, const struct token *t, size_t start,
                        struct sbx__toml_node *node)
{
    bool neg = t->s[0] == '-';
    uint64_t max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v;
    if (digits_value(t->s + start, t->n - start, 10, max, &v) < 0)
        return bad_token(p, t, "integer", "out of range of a 64-bit signed integer");
    node->type = SBX_TOML_INTEGER;
    if (!neg)
        node->u.integer = (int64_t)v;
    else
        node->u.integer = v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    return 0;
}

static int make_float(struct sbx__toml_parser *p, const struct token *t,
                      struct sbx__toml_node *node)
{
    char clean[SBX_TOML_NUMBER_MAX + 1];
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->s[i] != '_')
            clean[o++] = t->s[i];
    clean[o] = '\0';

    /* strtod() follows LC_NUMERIC (a decimal comma in some locales): pin the "C" locale. */
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c_locale)
        return sbx__toml_fail(p, -ENOMEM, t->line, t->col, "out of memory");
    char *end;
    double v = strtod_l(clean, &end, c_locale);
    freelocale(c_locale);
    if (end != clean + o)
        return bad_token(p, t, "float", "not a number");
    if (isinf(v))
        return bad_token(p, t, "float", "out of range of a 64-bit float");
    node->type = SBX_TOML_FLOAT;
    node->u.fp = v;
    return 0;
}

/* "." digits and/or an exponent after the integer part ends at i: advance *i past them. */
static const char *scan_float_tail(const struct token *t, size_t *i)
{
    size_t d;
    if (*i < t->n && t->s[*i] == '.') {
        (*i)++;
        d = scan_digits(t->s + *i, t->n - *i, 10);
        if (!d)
            return "a decimal point must be followed by digits";
        *i += d;
    }
    if (*i < t->n && (t->s[*i] == 'e' || t->s[*i] == 'E')) {
        (*i)++;
        if (*i < t->n && (t->s[*i] == '+' || t->s[*i] == '-'))
            (*i)++;
        d = scan_digits(t->s + *i, t->n - *i, 10);
        if (!d)
            return "an exponent needs digits";
        *i += d;
    }
    return NULL;
}

/* Why a token that starts like a decimal number is not one, for the common mistakes. */
static const char *number_mistake(const struct token *t, size_t i)
{
    const char *s = t->s;
    size_t sign = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (s[i] == '_')
        return "an underscore must be between two digits";
    if (i == sign + 1 && s[sign] == '0' && strchr("xob", s[i]) && sign)
        return "hexadecimal, octal and binary integers cannot have a sign";
    if (i == sign + 1 && s[sign] == '0' && strchr("XOB", s[i]))
        return "the base prefix must be lower case (0x, 0o, 0b)";
    if (!sign && (s[i] == '-' || s[i] == ':'))
        return "not a date-time either (YYYY-MM-DD, HH:MM:SS)";
    return "unexpected characters";
}

static int lex_number(struct sbx__toml_parser *p, const struct token *t,
                      struct sbx__toml_node *node)
{
    if (t->n > SBX_TOML_NUMBER_MAX)
        return sbx__toml_fail(p, -E2BIG, t->line, t->col, "number is longer than %d characters",
                              SBX_TOML_NUMBER_MAX);
    if (t->n >= 2 && t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'o' || t->s[1] == 'b'))
        return lex_radix(p, t, node);

    size_t i = (t->s[0] == '+' || t->s[0] == '-') ? 1 : 0, start = i;
    size_t d = scan_digits(t->s + i, t->n - i, 10);
    if (!d)
        return bad_token(p, t, "value", "not a number, boolean or date-time");
    i += d;
    const char *why = i < t->n ? number_mistake(t, i) : NULL;
    if (why && t->s[i] != '.' && t->s[i] != 'e' && t->s[i] != 'E')
        return bad_token(p, t, "number", why);
    if (t->s[start] == '0' && d > 1)
        return bad_token(p, t, "number", "leading zeros are not allowed");
    why = scan_float_tail(t, &i);
    if (why)
        return bad_token(p, t, "float", why);
    if (i != t->n)
        return bad_token(p, t, "number", number_mistake(t, i));
    if (i == start + d)
        return make_integer(p, t, start, node);
    return make_float(p, t, node);
}

static bool token_is(const struct token *t, const char *word)
{
    return t->n == strlen(word) && memcmp(t->s, word, t->n) == 0;
}

static bool lex_special_float(const struct token *t, struct sbx__toml_node *node)
{
    const char *s = t->s;
    size_t n = t->n;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-'))
        neg = s[0] == '-', s++, n--;
    if (n != 3 || (memcmp(s, "inf", 3) != 0 && memcmp(s, "nan", 3) != 0))
        return false;
    node->type = SBX_TOML_FLOAT;
    node->u.fp = s[0] == 'i' ? INFINITY : NAN;
    if (neg)
        node->u.fp = -node->u.fp;
    return true;
}

/* ---------------------------------------------------------------- date-times */

static bool digits_at(const char *s, size_t n, size_t at, size_t count)
{
    if (at + count > n)
        return false;
    for (size_t i = 0; i < count; i++)
        if (!is_digit((unsigned char)s[at + i]))
            return false;
    return true;
}

static unsigned num_at(const char *s, size_t at, size_t count)
{
    unsigned v = 0;
    for (size_t i = 0; i < count; i++)
        v = v * 10 + (unsigned)(s[at + i] - '0');
    return v;
}

static unsigned days_in_month(unsigned year, unsigned month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD at s. Returns why it is invalid, or NULL. */
static const char *parse_date(const char *s, size_t n, struct sbx__toml_datetime *dt)
{
    if (!digits_at(s, n, 0, 4) || s[4] != '-' || !digits_at(s, n, 5, 2) || n < 8 || s[7] != '-' ||
        !digits_at(s, n, 8, 2))
        return "a date is written YYYY-MM-DD";
    dt->year = (uint16_t)num_at(s, 0, 4);
    dt->month = (uint8_t)num_at(s, 5, 2);
    dt->day = (uint8_t)num_at(s, 8, 2);
    if (dt->month < 1 || dt->month > 12)
        return "month out of range (01-12)";
    if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month))
        return "day out of range for the month";
    return NULL;
}

/* HH:MM:SS[.fraction] at s; *used: bytes consumed. */
static const char *parse_time(const char *s, size_t n, struct sbx__toml_datetime *dt, size_t *used)
{
    if (!digits_at(s, n, 0, 2) || n < 3 || s[2] != ':' || !digits_at(s, n, 3, 2) || n < 6 ||
        s[5] != ':' || !digits_at(s, n, 6, 2))
        return "a time is written HH:MM:SS";
    dt->hour = (uint8_t)num_at(s, 0, 2);
    dt->minute = (uint8_t)num_at(s, 3, 2);
    dt->second = (uint8_t)num_at(s, 6, 2);
    if (dt->hour > 23)
        return "hour out of range (00-23)";
    if (dt->minute > 59)
        return "minute out of range (00-59)";
    if (dt->second > 60)
        return "second out of range (00-60)";
    size_t i = 8;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && is_digit((unsigned char)s[i]))
            i++;
        if (i == start)
            return "a decimal point must be followed by digits";
        /* Precision beyond nanoseconds is truncated, as the specification allows. */
        dt->frac_digits = (uint8_t)MIN(i - start, (size_t)9);
        dt->nanosecond = num_at(s, start, dt->frac_digits);
        for (unsigned k = dt->frac_digits; k < 9; k++)
            dt->nanosecond *= 10;
    }
    *used = i;
    return NULL;
}

/* Z or +HH:MM / -HH:MM at s, exactly n bytes. */
static const char *parse_offset(const char *s, size_t n, struct sbx__toml_datetime *dt, bool *z)
{
    *z = n == 1 && (s[0] == 'Z' || s[0] == 'z');
    if (*z)
        return NULL;
    if (n != 6 || (s[0] != '+' && s[0] != '-') || !digits_at(s, n, 1, 2) || s[3] != ':' ||
        !digits_at(s, n, 4, 2))
        return "an offset is written Z, +HH:MM or -HH:MM";
    unsigned h = num_at(s, 1, 2), m = num_at(s, 4, 2);
    if (h > 23 || m > 59)
        return "offset out of range";
    dt->offset_minutes = (int16_t)((int)(h * 60 + m) * (s[0] == '-' ? -1 : 1));
    return NULL;
}

/* The normalised lexeme: "T" between date and time, "Z" upper case, the offset as written. */
static void format_datetime(struct sbx__toml_datetime *dt, enum sbx__toml_type type,
                            const char *offset)
{
    char *o = dt->text;
    size_t n = sizeof(dt->text);
    int w = 0;
    if (type != SBX_TOML_LOCAL_TIME)
        w += snprintf(o + w, n - (size_t)w, "%04u-%02u-%02u", dt->year, dt->month, dt->day);
    if (type == SBX_TOML_LOCAL_DATE)
        return;
    if (type != SBX_TOML_LOCAL_TIME)
        w += snprintf(o + w, n - (size_t)w, "T");
    w += snprintf(o + w, n - (size_t)w, "%02u:%02u:%02u", dt->hour, dt->minute, dt->second);
    if (dt->frac_digits) {
        unsigned frac = dt->nanosecond;
        for (unsigned k = dt->frac_digits; k < 9; k++)
            frac /= 10;
        w += snprintf(o + w, n - (size_t)w, ".%0*u", (int)dt->frac_digits, frac);
    }
    if (offset)
        snprintf(o + w, n - (size_t)w, "%s", offset);
}

static int lex_datetime(struct sbx__toml_parser *p, const struct token *t,
                        struct sbx__toml_node *node)
{
    struct sbx__toml_datetime dt = {0};
    const char *why = NULL;
    size_t i = 0, used = 0;
    bool date = t->n > 4 && t->s[4] == '-', time = !date, z = false;
    enum sbx__toml_type type;

    if (date) {
        why = parse_date(t->s, t->n, &dt);
        i = 10;
        if (!why && i < t->n) {
            if (t->s[i] != 'T' && t->s[i] != 't' && t->s[i] != ' ')
                why = "expected 'T' or a space between the date and the time";
            time = true, i++;
        }
    }
    if (!why && time) {
        why = parse_time(t->s + i, t->n - i, &dt, &used);
        i += used;
    }
    if (!why && date && time && i < t->n) {
        why = parse_offset(t->s + i, t->n - i, &dt, &z);
        i = t->n;
        type = SBX_TOML_OFFSET_DATETIME;
    } else {
        type = date && time ? SBX_TOML_LOCAL_DATETIME
               : date       ? SBX_TOML_LOCAL_DATE
                            : SBX_TOML_LOCAL_TIME;
    }
    if (!why && i != t->n)
        why = "unexpected characters after the time";
    if (why)
        return bad_token(p, t, "date-time", why);
    char offset[8] = "Z";
    if (type == SBX_TOML_OFFSET_DATETIME && !z)
        memcpy(offset, t->s + t->n - 6, 6), offset[6] = '\0'; /* "-00:00" stays as written */
    format_datetime(&dt, type, type == SBX_TOML_OFFSET_DATETIME ? offset : NULL);
    node->type = type;
    node->u.datetime = dt;
    return 0;
}

/* ---------------------------------------------------------------- bare value dispatch */

static bool is_value_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
           c == '-' || c == '_' || c == '.' || c == ':';
}

int sbx__toml_lex_scalar(struct sbx__toml_parser *p, struct sbx__toml_node *node)
{
    struct token t = {.s = p->cur, .n = 0, .line = p->line, .col = p->col};
    char what[32];

    while (is_value_char(sbx__toml_peek_at(p, t.n)))
        t.n++;
    /* "1979-05-27 07:32:00": a space may separate a date from a time. */
    if (t.n == 10 && t.s[4] == '-' && sbx__toml_peek_at(p, 10) == ' ' &&
        is_digit(sbx__toml_peek_at(p, 11)) && is_digit(sbx__toml_peek_at(p, 12)) &&
        sbx__toml_peek_at(p, 13) == ':') {
        t.n = 11;
        while (is_value_char(sbx__toml_peek_at(p, t.n)))
            t.n++;
    }
    if (t.n == 0)
        return sbx__toml_fail(p, -EINVAL, t.line, t.col, "expected a value, found %s",
                              sbx__toml_describe_cur(p, what, sizeof(what)));
    sbx__toml_adv_n(p, t.n);

    if (token_is(&t, "true") || token_is(&t, "false")) {
        node->type = SBX_TOML_BOOLEAN;
        node->u.boolean = t.s[0] == 't';
        return 0;
    }
    if (digits_at(t.s, t.n, 0, 4) && t.n > 4 && t.s[4] == '-')
        return lex_datetime(p, &t, node);
    if (digits_at(t.s, t.n, 0, 2) && t.n > 2 && t.s[2] == ':')
        return lex_datetime(p, &t, node);
    if (lex_special_float(&t, node))
        return 0;
    return lex_number(p, &t, node);
}
