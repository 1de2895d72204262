/*
 * The text-format scanner (see wasm-text.h for what it finds). One loop over the bytes turns
 * them into tokens: '(' and ')', strings, atoms; comments (";;" to the end of the line, "(; ;)"
 * nested) and white space are skipped. Open forms are counted in `depth`; the first MAX_FRAMES
 * levels each have a frame that remembers the form's keyword, its position and what the rules
 * need (import names, memory limits, data sizes). When a form closes, its frame hands its result
 * to the parent frame or to the visitor. Nothing recurses and nothing is allocated.
 */
#include <string.h>

#include "analysis/wasm-text.h"
#include "util/parse.h"

#define MAX_FRAMES 4 /* module > import > memory descriptor is the deepest that matters */
#define ID_MAX 64

enum form {
    F_UNKNOWN, /* '(' seen, keyword not yet */
    F_OTHER,
    F_MODULE,
    F_IMPORT,
    F_FUNC,
    F_TABLE,
    F_MEMORY,
    F_GLOBAL,
    F_TAG,
    F_DATA,
};

struct name_buf {
    char b[SBX_WAT_NAME_MAX];
    uint32_t len; /* may exceed SBX_WAT_NAME_MAX: then the name was cut */
};

struct frame {
    enum form form;
    unsigned line, column;
    /* F_IMPORT: its names, and for a module-level import its descriptor */
    struct name_buf names[2];
    unsigned n_names;
    bool has_desc;
    enum form desc_form;
    struct sbx__wasm_limits desc_limits;
    bool desc_limits_known;
    /* fields: an inline (import "m" "n") */
    bool inline_import;
    struct name_buf imp[2];
    unsigned imp_line, imp_column;
    /* F_MEMORY: literal limits, or the size of its inline data; F_DATA: its size */
    uint64_t numbers[2];
    unsigned n_numbers;
    bool odd_atom, shared, is64, has_data;
    uint64_t data_bytes;
    char id[ID_MAX];
    uint32_t id_len;
};

struct scan {
    const char *s;
    size_t len, pos, line_start;
    unsigned line;
    unsigned depth;       /* open forms */
    unsigned field_depth; /* depth of module fields: 1, or 2 inside (module ...) */
    struct frame frames[MAX_FRAMES];
    const struct sbx__wat_visitor *v;
    unsigned err_line, err_column;
};

static unsigned column(const struct scan *sc, size_t pos)
{
    size_t c = pos - sc->line_start + 1;
    return c < UINT32_MAX ? (unsigned)c : UINT32_MAX;
}

/* Record the first syntax error; returns 1, step()'s "stop". */
static int syntax_error(struct scan *sc, unsigned line, unsigned col)
{
    if (!sc->err_line) {
        sc->err_line = line;
        sc->err_column = col;
    }
    return 1;
}

static struct frame *frame_at(struct scan *sc, unsigned depth)
{
    return depth >= 1 && depth <= MAX_FRAMES ? &sc->frames[depth - 1] : NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Atoms run to white space, a parenthesis or a quote (any other byte, NUL included, is part of
 * the atom, so every atom is at least one byte long and the scan always moves on). */
static bool ends_atom(char c)
{
    return is_space(c) || c == '(' || c == ')' || c == '"';
}

static void put_byte(struct name_buf *nb, uint8_t c)
{
    if (nb && nb->len < SBX_WAT_NAME_MAX)
        nb->b[nb->len] = (char)c;
    if (nb && nb->len < UINT32_MAX)
        nb->len++;
}

static void put_utf8(struct name_buf *nb, uint32_t cp)
{
    if (cp < 0x80) {
        put_byte(nb, (uint8_t)cp);
    } else if (cp < 0x800) {
        put_byte(nb, (uint8_t)(0xc0 | cp >> 6));
        put_byte(nb, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put_byte(nb, (uint8_t)(0xe0 | cp >> 12));
        put_byte(nb, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        put_byte(nb, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        put_byte(nb, (uint8_t)(0xf0 | (cp >> 18 & 0x07)));
        put_byte(nb, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
        put_byte(nb, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        put_byte(nb, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

/* One escape after the backslash at s[*i]; moves *i past it. False if malformed. */
static bool decode_escape(const char *s, size_t end, size_t *i, struct name_buf *nb)
{
    size_t p = *i + 1;
    if (p >= end)
        return false;
    char c = s[p];
    static const char simple[] = "t\tn\nr\r\"\"''\\\\";
    for (const char *e = simple; *e; e += 2)
        if (c == e[0]) {
            put_byte(nb, (uint8_t)e[1]);
            *i = p + 1;
            return true;
        }
    if (c == 'u') {
        if (p + 1 >= end || s[p + 1] != '{')
            return false;
        uint32_t cp = 0;
        size_t q = p + 2, digits = 0;
        for (; q < end && sbx__hex_value(s[q]) >= 0 && digits < 7; q++, digits++)
            cp = cp * 16 + (uint32_t)sbx__hex_value(s[q]);
        if (!digits || q >= end || s[q] != '}' || cp > 0x10ffff)
            return false;
        put_utf8(nb, cp);
        *i = q + 1;
        return true;
    }
    if (p + 1 < end && sbx__hex_value(c) >= 0 && sbx__hex_value(s[p + 1]) >= 0) {
        put_byte(nb, (uint8_t)(sbx__hex_value(c) * 16 + sbx__hex_value(s[p + 1])));
        *i = p + 2;
        return true;
    }
    return false;
}

/* The string whose quote is at sc->pos, decoded into nb (may be NULL: only measured). Returns
 * false (a syntax error) when it is unterminated, crosses a line or has a bad escape. */
static bool read_string(struct scan *sc, struct name_buf *nb)
{
    size_t i = sc->pos + 1;
    if (nb)
        nb->len = 0;
    while (i < sc->len && sc->s[i] != '"') {
        if (sc->s[i] == '\n')
            return false;
        if (sc->s[i] == '\\') {
            if (!decode_escape(sc->s, sc->len, &i, nb))
                return false;
            continue;
        }
        put_byte(nb, (uint8_t)sc->s[i++]);
    }
    if (i >= sc->len)
        return false;
    sc->pos = i + 1;
    return true;
}

/* An unsigned literal: decimal or 0x hex, '_' between digits; saturates. */
static bool parse_number(const char *a, size_t n, uint64_t *ret)
{
    unsigned base = 10;
    size_t i = 0;
    if (n > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
        base = 16, i = 2;
    uint64_t v = 0;
    bool any = false;
    for (; i < n; i++) {
        if (a[i] == '_' && any && i + 1 < n)
            continue;
        int d = sbx__hex_value(a[i]);
        if (d < 0 || (unsigned)d >= base)
            return false;
        v = v > (UINT64_MAX - (unsigned)d) / base ? UINT64_MAX : v * base + (unsigned)d;
        any = true;
    }
    *ret = v;
    return any;
}

static bool atom_is(const char *a, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(a, word, n) == 0;
}

static enum form keyword_form(struct scan *sc, const char *a, size_t n)
{
    static const struct {
        const char *word;
        enum form form;
    } words[] = {{"import", F_IMPORT}, {"func", F_FUNC}, {"table", F_TABLE}, {"memory", F_MEMORY},
                 {"global", F_GLOBAL}, {"tag", F_TAG},   {"data", F_DATA}};
    if (sc->depth == 1 && atom_is(a, n, "module")) {
        sc->field_depth = 2;
        return F_MODULE;
    }
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        if (atom_is(a, n, words[i].word))
            return words[i].form;
    return F_OTHER;
}

/* An atom inside a memory form: $id, i32/i64, shared/unshared, or a limit. */
static void memory_atom(struct frame *f, const char *a, size_t n)
{
    uint64_t v;
    if (n > 1 && a[0] == '$' && !f->id_len && !f->n_numbers) {
        f->id_len = (uint32_t)MIN(n, (size_t)ID_MAX);
        memcpy(f->id, a, f->id_len);
    } else if (atom_is(a, n, "i64")) {
        f->is64 = true;
    } else if (atom_is(a, n, "shared")) {
        f->shared = true;
    } else if (atom_is(a, n, "i32") || atom_is(a, n, "unshared")) {
        return;
    } else if (f->n_numbers < 2 && parse_number(a, n, &v)) {
        f->numbers[f->n_numbers++] = v;
    } else {
        f->odd_atom = true;
    }
}

static void on_atom(struct scan *sc, size_t start)
{
    const char *a = sc->s + start;
    size_t n = sc->pos - start;
    struct frame *f = frame_at(sc, sc->depth);
    if (sc->depth == 0) {
        syntax_error(sc, sc->line, column(sc, start));
        return;
    }
    if (!f)
        return;
    if (f->form == F_UNKNOWN)
        f->form = keyword_form(sc, a, n);
    else if (f->form == F_MEMORY)
        memory_atom(f, a, n);
}

static bool on_string(struct scan *sc)
{
    struct frame *f = frame_at(sc, sc->depth);
    if (f && f->form == F_IMPORT && f->n_names < 2)
        return read_string(sc, &f->names[f->n_names++]);
    if (f && f->form == F_DATA) {
        struct name_buf measure = {.len = 0};
        if (!read_string(sc, &measure))
            return false;
        f->data_bytes += measure.len;
        return true;
    }
    if (f && f->form == F_UNKNOWN)
        f->form = F_OTHER;
    return read_string(sc, NULL);
}

static enum sbx__wasm_kind kind_of(enum form form)
{
    switch (form) {
    case F_TABLE:
        return SBX_WASM_TABLE;
    case F_MEMORY:
        return SBX_WASM_MEMORY;
    case F_GLOBAL:
        return SBX_WASM_GLOBAL;
    case F_TAG:
        return SBX_WASM_TAG;
    case F_FUNC:
    case F_UNKNOWN:
    case F_OTHER:
    case F_MODULE:
    case F_IMPORT:
    case F_DATA:
        break;
    }
    return SBX_WASM_FUNC;
}

static bool is_field_form(enum form form)
{
    return form == F_FUNC || form == F_TABLE || form == F_MEMORY || form == F_GLOBAL ||
           form == F_TAG;
}

/* A memory form's limits: from its inline data (min = max = pages to hold it) or literals. */
static bool memory_limits(const struct frame *f, struct sbx__wasm_limits *l)
{
    *l = (struct sbx__wasm_limits){.shared = f->shared, .is64 = f->is64};
    if (f->has_data) {
        l->min = l->max =
            f->data_bytes / SBX_WASM_PAGE_SIZE + !!(f->data_bytes % SBX_WASM_PAGE_SIZE);
        l->has_max = true;
        return true;
    }
    if (f->odd_atom || f->n_numbers == 0)
        return false;
    l->min = f->numbers[0];
    l->has_max = f->n_numbers == 2;
    l->max = l->has_max ? f->numbers[1] : 0;
    return true;
}

static struct sbx__wasm_name name_of(const struct name_buf *nb)
{
    /* A cut name keeps one byte more than a WASI name can have, so it never matches one. */
    return (struct sbx__wasm_name){nb->b, MIN(nb->len, (uint32_t)SBX_WAT_NAME_MAX)};
}

static int emit_import(struct scan *sc, const struct name_buf names[2], enum form form,
                       unsigned line, unsigned col)
{
    struct sbx__wat_import imp = {name_of(&names[0]), name_of(&names[1]), kind_of(form), line, col};
    return sc->v->import ? sc->v->import(sc->v->opaque, &imp) : 0;
}

static int emit_memory(struct scan *sc, const struct sbx__wasm_limits *l, bool known,
                       const struct frame *f, const struct name_buf *imp, unsigned line,
                       unsigned col)
{
    struct sbx__wat_memory mem = {.limits = *l, .limits_known = known, .line = line, .column = col};
    mem.id = (struct sbx__wasm_name){f ? f->id : "", f ? f->id_len : 0};
    if (imp) {
        mem.imp_module = name_of(&imp[0]);
        mem.imp_field = name_of(&imp[1]);
    }
    return sc->v->memory ? sc->v->memory(sc->v->opaque, &mem) : 0;
}

static int finish_import(struct scan *sc, struct frame *f, struct frame *parent, unsigned depth)
{
    if (depth == sc->field_depth) {
        if (f->n_names < 2 || !f->has_desc)
            return 0;
        int r = emit_import(sc, f->names, f->desc_form, f->line, f->column);
        if (r >= 0 && f->desc_form == F_MEMORY)
            r = emit_memory(sc, &f->desc_limits, f->desc_limits_known, NULL, f->names, f->line,
                            f->column);
        return r;
    }
    if (parent && is_field_form(parent->form) && depth == sc->field_depth + 1 && f->n_names == 2) {
        parent->inline_import = true;
        parent->imp[0] = f->names[0];
        parent->imp[1] = f->names[1];
        parent->imp_line = f->line;
        parent->imp_column = f->column;
    }
    return 0;
}

static int finish_field(struct scan *sc, struct frame *f, struct frame *parent, unsigned depth)
{
    struct sbx__wasm_limits l;
    bool known = f->form == F_MEMORY && memory_limits(f, &l);
    if (parent && parent->form == F_IMPORT && depth == sc->field_depth + 1) {
        parent->has_desc = true;
        parent->desc_form = f->form;
        parent->desc_limits_known = known;
        if (known)
            parent->desc_limits = l;
        return 0;
    }
    if (depth != sc->field_depth)
        return 0;
    int r = 0;
    if (f->inline_import)
        r = emit_import(sc, f->imp, f->form, f->imp_line, f->imp_column);
    if (r >= 0 && f->form == F_MEMORY) {
        if (!known)
            l = (struct sbx__wasm_limits){0};
        r = emit_memory(sc, &l, known, f, f->inline_import ? f->imp : NULL, f->line, f->column);
    }
    return r;
}

static int close_form(struct scan *sc)
{
    unsigned depth = sc->depth--;
    struct frame *f = frame_at(sc, depth), *parent = frame_at(sc, depth - 1);
    if (!f)
        return 0;
    if (f->form == F_IMPORT)
        return finish_import(sc, f, parent, depth);
    if (is_field_form(f->form))
        return finish_field(sc, f, parent, depth);
    if (f->form == F_DATA && parent && parent->form == F_MEMORY) {
        parent->has_data = true;
        parent->data_bytes += f->data_bytes;
    }
    return 0;
}

/* Skip a block comment "(; ... ;)" (nested) starting at sc->pos. False if unterminated. */
static bool skip_block_comment(struct scan *sc)
{
    unsigned nest = 0;
    while (sc->pos + 1 < sc->len) {
        char c = sc->s[sc->pos], d = sc->s[sc->pos + 1];
        if (c == '(' && d == ';') {
            nest++;
            sc->pos += 2;
        } else if (c == ';' && d == ')') {
            sc->pos += 2;
            if (--nest == 0)
                return true;
        } else {
            if (c == '\n') {
                sc->line++;
                sc->line_start = sc->pos + 1;
            }
            sc->pos++;
        }
    }
    return false;
}

/* One token (or comment, or white space) at sc->pos. Returns a visitor's error, 1 to stop on a
 * syntax error, or 0. */
static int step(struct scan *sc)
{
    char c = sc->s[sc->pos];
    char d = sc->pos + 1 < sc->len ? sc->s[sc->pos + 1] : '\0';
    unsigned line = sc->line, col = column(sc, sc->pos);
    if (c == '\n') {
        sc->line++;
        sc->line_start = ++sc->pos;
    } else if (is_space(c)) {
        sc->pos++;
    } else if (c == ';' && d == ';') {
        while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
            sc->pos++;
    } else if (c == '(' && d == ';') {
        if (!skip_block_comment(sc))
            return syntax_error(sc, line, col);
    } else if (c == '(') {
        sc->pos++;
        struct frame *f = frame_at(sc, ++sc->depth);
        if (f)
            *f = (struct frame){.form = F_UNKNOWN, .line = line, .column = col};
    } else if (c == ')') {
        sc->pos++;
        if (sc->depth == 0)
            return syntax_error(sc, line, col);
        return close_form(sc);
    } else if (c == '"') {
        if (sc->depth == 0 || !on_string(sc))
            return syntax_error(sc, line, col);
    } else {
        size_t start = sc->pos;
        while (++sc->pos < sc->len && !ends_atom(sc->s[sc->pos]))
            ;
        on_atom(sc, start);
        if (sc->err_line)
            return 1;
    }
    return 0;
}

int sbx__wat_scan(const char *src, size_t len, const struct sbx__wat_visitor *v, unsigned *ret_line,
                  unsigned *ret_column)
{
    struct scan sc = {.s = src, .len = len, .line = 1, .field_depth = 1, .v = v};
    int r = 0;
    if (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3))
        sc.pos = sc.line_start = 3;
    while (r == 0 && sc.pos < len)
        r = step(&sc);
    if (r == 0 && sc.depth > 0)
        syntax_error(&sc, sc.line, column(&sc, sc.pos));
    *ret_line = sc.err_line;
    *ret_column = sc.err_column;
    return r < 0 ? r : 0;
}

bool sbx__wat_looks_like_text(const char *src, size_t len)
{
    size_t i = len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (i < len && is_space(src[i]))
        i++;
    return i < len && (src[i] == '(' || (src[i] == ';' && i + 1 < len && src[i + 1] == ';'));
}
