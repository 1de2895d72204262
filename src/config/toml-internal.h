/*
 * Shared state of the TOML parser, split over toml.c (document structure, tables, the tree
 * API) and toml-lex.c (encoding check, strings, numbers, date-times). Not for other modules.
 *
 * Invariant once sbx__toml_check_text() has passed: the input is valid UTF-8 and holds no
 * control character other than tab and LF, and every CR is followed by LF. Everything after
 * relies on it (e.g. the column counter skips UTF-8 continuation bytes).
 */
#ifndef SBX_CONFIG_TOML_INTERNAL_H
#define SBX_CONFIG_TOML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/toml.h"
#include "util/macros.h"

/* A growable byte buffer capped at `max` bytes (+1 for a NUL). */
struct sbx__toml_buf {
    char *ptr;
    size_t len, cap, max;
};

/* One part of a key being parsed (a.b."c"). The bytes are owned until given to a table. */
struct sbx__toml_seg {
    char *s;
    size_t len;
    uint32_t line, column;
};

struct sbx__toml_parser {
    const char *cur, *end;
    uint32_t line, col; /* of *cur */
    struct sbx__toml_limits lim;
    struct sbx__toml_error *err;
    bool failed; /* err was written: keep the first error only */
    struct sbx__toml_node *root;
    struct sbx__toml_node *current; /* the table that receives key/values */
    unsigned current_depth;
    struct sbx__toml_seg *segs; /* the key being parsed */
    size_t nsegs;
    struct sbx__toml_buf buf; /* decoding scratch for strings */
};

static inline int sbx__toml_peek(const struct sbx__toml_parser *p)
{
    return p->cur < p->end ? (unsigned char)*p->cur : -1;
}

static inline int sbx__toml_peek_at(const struct sbx__toml_parser *p, size_t k)
{
    return (size_t)(p->end - p->cur) > k ? (unsigned char)p->cur[k] : -1;
}

/* Move past one byte, keeping line and column right (continuation bytes add no column). */
static inline void sbx__toml_adv(struct sbx__toml_parser *p)
{
    unsigned char c = (unsigned char)*p->cur++;
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        p->col++;
    }
}

static inline void sbx__toml_adv_n(struct sbx__toml_parser *p, size_t n)
{
    while (n--)
        sbx__toml_adv(p);
}

static inline bool sbx__toml_is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Record the first error (later ones are consequences) and return `code`. */
SBX_INTERNAL int sbx__toml_fail(struct sbx__toml_parser *p, int code, uint32_t line,
                                uint32_t column, const char *fmt, ...) PRINTF_LIKE(5, 6);

/* Write `s` (len bytes) as it would be quoted in a message: bare keys as they are, others in
 * double quotes with escapes; truncated with "..." to fit `n` bytes. Returns `out`. */
SBX_INTERNAL char *sbx__toml_quote(char *out, size_t n, const char *s, size_t len);

/* Describe the character at the cursor for a message: "'x'", "U+00E9", "end of input". */
SBX_INTERNAL const char *sbx__toml_describe_cur(const struct sbx__toml_parser *p, char *out,
                                                size_t n);

/* UTF-8 validity and the control-character rules over the whole input. */
SBX_INTERNAL int sbx__toml_check_text(struct sbx__toml_parser *p);

/* A string at the cursor (" ' """ or '''). Multi-line forms only if `multiline`. On success the
 * decoded bytes are in a new NUL-terminated allocation (*ret, *ret_len). */
SBX_INTERNAL int sbx__toml_lex_string(struct sbx__toml_parser *p, bool multiline, char **ret,
                                      size_t *ret_len);

/* A bare value at the cursor: boolean, integer, float or date-time, stored into `node` (whose
 * type this sets). */
SBX_INTERNAL int sbx__toml_lex_scalar(struct sbx__toml_parser *p, struct sbx__toml_node *node);

#endif
