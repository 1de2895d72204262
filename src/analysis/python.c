/*
 * The Python analyser: parses with tree-sitter-python and walks the syntax tree once, in
 * document order, with a cursor (no recursion over the tree). Names are resolved through a
 * binding table filled as the walk meets imports and assignments, so `import os as o;
 * o.system()`, `from subprocess import Popen as P` and `e = eval; e(x)` resolve to the real
 * callee, and a module-level `def system()` is the program's own function. What resolves is
 * matched against the tables of python-rules.c.
 *
 * Only syntax is read: strings and comments are never names, so `print("eval")` is clean, and
 * `model.eval()` is an attribute of an unknown object, not the builtin. Literal strings are read
 * where they matter (paths, module names, code passed to exec/eval, which is analysed too, two
 * levels deep at most).
 *
 * Input is untrusted: every walk over a subtree is iterative or depth-capped, every copy of
 * source text is bounded, the binding table has a fixed size, and nested analyses are capped in
 * number and size.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>

#include "analysis/analysis.h"
#include "analysis/isolate.h"
#include "analysis/python-rules.h"
#include "core/errors.h"
#include "util/cleanup.h"

const TSLanguage *tree_sitter_python(void);

#define NAME_MAX_LEN 256    /* qualified names longer than this never match a rule */
#define PATH_LIT_MAX 4096   /* literal paths are read up to this length */
#define CODE_LIT_MAX 65536  /* code strings passed to exec/eval are analysed up to this */
#define NESTED_MAX_DEPTH 2  /* exec("exec('...')") */
#define NESTED_MAX_COUNT 64 /* nested analyses per file */
#define SUBTREE_MAX_NODES 4096
#define RESOLVE_MAX_PARTS 16
#define RESOLVE_MAX_DEPTH 4
#define BIND_SLOTS 4096 /* power of two: the table's largest size */
#define BIND_MAX (BIND_SLOTS * 3 / 4)
#define BIND_SLOTS_MIN 64 /* its first size: most programs bind a few dozen names */
#define STAR_MAX 16
/* SECURITY: tree-sitter 0.20.7 frees an invalid pointer when more than 65535 constructs are left
 * open on its parse stack (70,000 unclosed '[' or `if x: ` repeated on one line). Inputs that
 * could get near that are parsed in pieces smaller than 64 KiB, which cannot hold that many
 * tokens, and get PY-OBF-007. */
#define NESTING_MAX 4096
#define PIECE_MAX 60000
#define CHUNK_BYTES (1u << 20)     /* files above are parsed in chunks (memory) */
#define CHUNK_MAX_BYTES (4u << 20) /* the most one verified chunk may grow to */
/* SECURITY: error recovery on hostile input can be slow (seconds for 600 KB of `class A: `).
 * One analysis, all its parses together, gets 10 s plus 2 us per byte (a normal 10 MB file
 * parses in about 3.5 s here, so the margin holds on a busy host); past it, PY-OBF-007. */
#define PARSE_BUDGET_US(len) (10000000u + 2 * (uint64_t)(len))

enum kind {
    K_OTHER,
    K_MODULE,
    K_IMPORT,
    K_IMPORT_FROM,
    K_CALL,
    K_ATTRIBUTE,
    K_IDENTIFIER,
    K_ASSIGNMENT,
    K_FUNCTION_DEF,
    K_CLASS_DEF,
    K_SUBSCRIPT,
    K_STRING,
    K_CONCAT_STRING,
    K_STRING_START,
    K_STRING_CONTENT,
    K_INTERPOLATION,
    K_DOTTED_NAME,
    K_ALIASED_IMPORT,
    K_WILDCARD,
    K_ARGUMENT_LIST,
    K_KEYWORD_ARGUMENT,
    K_BINARY_OP,
    K_SLICE,
    K_COMMENT,
    K_TRUE,
    K_PARENTHESIZED,
    K_LIST_SPLAT,
    K_DICT_SPLAT,
    K_COUNT
};

static const char *const kind_names[K_COUNT] = {
    [K_MODULE] = "module",
    [K_IMPORT] = "import_statement",
    [K_IMPORT_FROM] = "import_from_statement",
    [K_CALL] = "call",
    [K_ATTRIBUTE] = "attribute",
    [K_IDENTIFIER] = "identifier",
    [K_ASSIGNMENT] = "assignment",
    [K_FUNCTION_DEF] = "function_definition",
    [K_CLASS_DEF] = "class_definition",
    [K_SUBSCRIPT] = "subscript",
    [K_STRING] = "string",
    [K_CONCAT_STRING] = "concatenated_string",
    [K_STRING_START] = "string_start",
    [K_STRING_CONTENT] = "string_content",
    [K_INTERPOLATION] = "interpolation",
    [K_DOTTED_NAME] = "dotted_name",
    [K_ALIASED_IMPORT] = "aliased_import",
    [K_WILDCARD] = "wildcard_import",
    [K_ARGUMENT_LIST] = "argument_list",
    [K_KEYWORD_ARGUMENT] = "keyword_argument",
    [K_BINARY_OP] = "binary_operator",
    [K_SLICE] = "slice",
    [K_COMMENT] = "comment",
    [K_TRUE] = "true",
    [K_PARENTHESIZED] = "parenthesized_expression",
    [K_LIST_SPLAT] = "list_splat",
    [K_DICT_SPLAT] = "dictionary_splat",
};

enum field {
    F_FUNCTION,
    F_ARGUMENTS,
    F_OBJECT,
    F_ATTRIBUTE,
    F_NAME,
    F_ALIAS,
    F_MODULE_NAME,
    F_LEFT,
    F_RIGHT,
    F_VALUE,
    F_SUBSCRIPT,
    F_OPERATOR,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "function",    "arguments", "object", "attribute", "name",      "alias",
    "module_name", "left",      "right",  "value",     "subscript", "operator",
};

/* Symbol -> kind for the grammar, built once (symbols are small integers). */
static struct {
    pthread_once_t once;
    const TSLanguage *lang;
    uint8_t *kinds;
    uint32_t n_symbols;
    TSFieldId fields[F_COUNT];
} grammar = {.once = PTHREAD_ONCE_INIT};

static void grammar_init(void)
{
    const TSLanguage *lang = tree_sitter_python();
    uint32_t n = ts_language_symbol_count(lang);
    uint8_t *kinds = calloc(n ? n : 1, 1);
    if (!kinds)
        return; /* python_analyze reports ENOMEM */
    for (uint32_t s = 0; s < n; s++) {
        if (ts_language_symbol_type(lang, (TSSymbol)s) != TSSymbolTypeRegular)
            continue;
        const char *name = ts_language_symbol_name(lang, (TSSymbol)s);
        for (int k = 1; k < K_COUNT; k++)
            if (name && !strcmp(name, kind_names[k]))
                kinds[s] = (uint8_t)k;
    }
    for (int f = 0; f < F_COUNT; f++)
        grammar.fields[f] =
            ts_language_field_id_for_name(lang, field_names[f], (uint32_t)strlen(field_names[f]));
    grammar.lang = lang;
    grammar.n_symbols = n;
    grammar.kinds = kinds;
}

enum bind_kind { B_QUAL, B_LOCAL, B_DECODED };

/* What nested analyses share with the file's. */
struct py_shared {
    unsigned nested;      /* nested analyses so far */
    uint64_t deadline_us; /* CLOCK_MONOTONIC; parsing stops there */
    bool timed_out;
};

struct binding {
    const char *name; /* points into the analysed source; NULL: empty slot */
    uint32_t len;
    uint8_t kind;
    char *qual; /* B_QUAL: what the name stands for ("os", "subprocess.Popen") */
};

struct py {
    struct sbx__analysis_ctx *ctx;
    const char *src;
    size_t len;
    struct binding *tab; /* n_slots, grown up to BIND_SLOTS */
    size_t n_slots;
    size_t n_bound;
    char star[STAR_MAX][NAME_MAX_LEN]; /* modules star-imported: `from os import *` */
    size_t n_star;
    unsigned depth;     /* 0: the file; 1..: code passed to exec/eval */
    unsigned line_base; /* lines before the piece being walked */
    bool table_full;    /* an alias was dropped (reported once) */
    unsigned base_line, base_col;
    bool whole;           /* the file's only tree: left to the kernel when ctx->exiting */
    struct py_shared *sh; /* shared by all levels */
    int err;              /* first -ENOMEM */
};

/* ---------------------------------------------------------------------------------------- */
/* Nodes */

/* An int, not the enum: switches over it list only the kinds they handle. */
/* Null nodes (a missing field in an error tree) are K_OTHER, fields of them null, their text
 * empty: tree-sitter dereferences a null node's id, so every accessor here checks first. */
static unsigned kind_of(TSNode n)
{
    if (ts_node_is_null(n))
        return K_OTHER;
    TSSymbol s = ts_node_symbol(n);
    return s < grammar.n_symbols ? grammar.kinds[s] : K_OTHER;
}

static TSNode field(TSNode n, enum field f)
{
    if (ts_node_is_null(n))
        return n;
    return ts_node_child_by_field_id(n, grammar.fields[f]);
}

static const char *text(const struct py *p, TSNode n, size_t *ret_len)
{
    if (ts_node_is_null(n)) {
        *ret_len = 0;
        return p->src;
    }
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    if (e > p->len)
        e = (uint32_t)p->len;
    if (s > e)
        s = e;
    *ret_len = e - s;
    return p->src + s;
}

static bool text_is(const struct py *p, TSNode n, const char *what)
{
    size_t len;
    const char *t = text(p, n, &len);
    return len == strlen(what) && !memcmp(t, what, len);
}

static void report(struct py *p, const struct sbx__rule *rule, TSNode at, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static void report(struct py *p, const struct sbx__rule *rule, TSNode at, const char *fmt, ...)
{
    char detail[sizeof(((struct sbx_finding *)0)->detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    unsigned line = p->base_line, col = p->base_col;
    if (!p->depth) {
        TSPoint pt = ts_node_start_point(at);
        line = p->line_base + pt.row + 1;
        col = pt.column + 1;
    }
    int r = sbx__analysis_add(p->ctx, rule, line, col, "%s%s", p->depth ? "in exec string: " : "",
                              detail);
    if (r < 0 && !p->err)
        p->err = r;
}

/* Named children of an argument list: the i-th positional one, or a keyword's value. */
static TSNode positional(TSNode args, unsigned i)
{
    uint32_t n = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);
    for (uint32_t j = 0; j < n && j < 64; j++) {
        TSNode c = ts_node_named_child(args, j);
        unsigned k = kind_of(c);
        if (k == K_KEYWORD_ARGUMENT || k == K_LIST_SPLAT || k == K_DICT_SPLAT)
            break;
        if (k == K_COMMENT)
            continue;
        if (i-- == 0)
            return c;
    }
    return (TSNode){0};
}

static TSNode keyword(const struct py *p, TSNode args, const char *name)
{
    uint32_t n = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);
    for (uint32_t j = 0; j < n && j < 64; j++) {
        TSNode c = ts_node_named_child(args, j);
        if (kind_of(c) != K_KEYWORD_ARGUMENT)
            continue;
        TSNode k = field(c, F_NAME);
        if (!ts_node_is_null(k) && text_is(p, k, name))
            return field(c, F_VALUE);
    }
    return (TSNode){0};
}

static TSNode arg(const struct py *p, TSNode args, unsigned i, const char *kw)
{
    if (ts_node_is_null(args) || kind_of(args) != K_ARGUMENT_LIST)
        return (TSNode){0};
    TSNode n = positional(args, i);
    return ts_node_is_null(n) && kw ? keyword(p, args, kw) : n;
}

/* ---------------------------------------------------------------------------------------- */
/* Bindings: a fixed-size open-addressing table keyed by the name's text. */

static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static struct binding *probe(struct binding *tab, size_t n_slots, const char *name, size_t len)
{
    for (uint32_t h = hash(name, len), i = 0; i < n_slots; i++) {
        struct binding *b = &tab[(h + i) & (n_slots - 1)];
        if (!b->name || (b->len == len && !memcmp(b->name, name, len)))
            return b;
    }
    return NULL;
}

/* Double the table (kept at most 3/4 full) up to BIND_SLOTS; false when it cannot grow. */
static bool grow(struct py *p)
{
    size_t n = p->n_slots * 2;
    if (n > BIND_SLOTS)
        return false;
    struct binding *tab = calloc(n, sizeof(*tab));
    if (!tab) {
        p->err = -ENOMEM;
        return false;
    }
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->tab[i].name)
            *probe(tab, n, p->tab[i].name, p->tab[i].len) = p->tab[i];
    free(p->tab);
    p->tab = tab;
    p->n_slots = n;
    return true;
}

static struct binding *slot(struct py *p, const char *name, size_t len, bool insert)
{
    struct binding *b = probe(p->tab, p->n_slots, name, len);
    if (!b || b->name || !insert)
        return b && b->name ? b : NULL;
    if (p->n_bound >= BIND_MAX)
        return NULL;
    if (p->n_bound + 1 > p->n_slots * 3 / 4) {
        if (!grow(p))
            return NULL;
        b = probe(p->tab, p->n_slots, name, len);
    }
    return b;
}

static const struct binding *lookup(struct py *p, const char *name, size_t len)
{
    return slot(p, name, len, false);
}

/* Bind `name` (source text) to a kind and, for B_QUAL, a qualified name. False when the table
 * is full and the binding was dropped. */
static bool bind(struct py *p, const char *name, size_t len, enum bind_kind kind, const char *qual)
{
    struct binding *b = slot(p, name, len, true);
    if (!b)
        return false;
    char *copy = NULL;
    if (kind == B_QUAL && !(copy = strndup(qual, NAME_MAX_LEN))) {
        p->err = -ENOMEM;
        return true;
    }
    if (!b->name)
        p->n_bound++;
    free(b->qual);
    *b = (struct binding){.name = name, .len = (uint32_t)len, .kind = (uint8_t)kind, .qual = copy};
    return true;
}

/* SECURITY: a dropped local shadow only over-reports, but a dropped alias (`import subprocess
 * as sp` after thousands of others) would hide its calls: that is reported, once. */
static void bind_node(struct py *p, TSNode n, enum bind_kind kind, const char *qual)
{
    size_t len;
    const char *t = text(p, n, &len);
    if (!bind(p, t, len, kind, qual) && kind != B_LOCAL && !p->table_full) {
        p->table_full = true;
        report(p, &sbx__py_obf_too_deep, n, "more than %d aliases of modules and functions",
               BIND_MAX);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Literal strings */

enum lit { LIT_NONE, LIT_FULL, LIT_PREFIX };

struct strbuf {
    char *s;
    size_t len, size; /* size includes the NUL */
    bool full;        /* ran out of room */
};

static void put(struct strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->size) {
        n = b->size - 1 - b->len;
        b->full = true;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void put_utf8(struct strbuf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | ((cp >> 18) & 7)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    put(b, u, n);
}

static size_t hex_digits(const char *s, size_t avail, size_t want, unsigned long *ret)
{
    unsigned long v = 0;
    size_t i = 0;
    for (; i < want && i < avail; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            break;
        v = v * 16 + (unsigned long)d;
    }
    *ret = v;
    return i;
}

/* Decode one escape at s[0] == '\\'; returns bytes consumed. Unknown escapes stay as written,
 * as Python keeps them. */
static size_t unescape(struct strbuf *b, const char *s, size_t n)
{
    static const char simple[] = "n\nt\tr\r0\0a\ab\bf\fv\v\\\\''\"\"";
    if (n < 2) {
        put(b, s, n);
        return n;
    }
    for (size_t i = 0; i + 1 < sizeof(simple); i += 2)
        if (s[1] == simple[i] && !(s[1] == '0' && n > 2 && s[2] >= '0' && s[2] <= '7')) {
            put(b, &simple[i + 1], 1);
            return 2;
        }
    unsigned long v = 0;
    size_t d;
    if (s[1] == '\n')
        return 2;
    if (s[1] == 'x' && (d = hex_digits(s + 2, n - 2, 2, &v)) == 2) {
        put_utf8(b, v);
        return 4;
    }
    if ((s[1] == 'u' || s[1] == 'U') &&
        (d = hex_digits(s + 2, n - 2, s[1] == 'u' ? 4 : 8, &v)) == (s[1] == 'u' ? 4u : 8u)) {
        put_utf8(b, v > 0x10FFFF ? 0xFFFD : v);
        return 2 + d;
    }
    if (s[1] >= '0' && s[1] <= '7') {
        size_t i = 1;
        for (v = 0; i < 4 && i < n && s[i] >= '0' && s[i] <= '7'; i++)
            v = v * 8 + (unsigned long)(s[i] - '0');
        put_utf8(b, v);
        return i;
    }
    put(b, s, 2);
    return 2;
}

static void put_content(struct strbuf *b, const char *s, size_t n, bool raw)
{
    while (n && !b->full) {
        const char *bs = raw ? NULL : memchr(s, '\\', n);
        size_t plain = bs ? (size_t)(bs - s) : n;
        put(b, s, plain);
        s += plain, n -= plain;
        if (n) {
            size_t used = unescape(b, s, n);
            s += used, n -= used;
        }
    }
}

/* One `string` node: its content decoded into b. LIT_PREFIX when an interpolation ({x} in an
 * f-string) cuts it. */
static enum lit string_lit(const struct py *p, TSNode n, struct strbuf *b)
{
    bool raw = false;
    uint32_t count = ts_node_child_count(n);
    for (uint32_t i = 0; i < count; i++) {
        TSNode c = ts_node_child(n, i);
        size_t len;
        const char *t = text(p, c, &len);
        switch (kind_of(c)) {
        case K_STRING_START:
            raw = memchr(t, 'r', len) || memchr(t, 'R', len);
            break;
        case K_STRING_CONTENT:
            put_content(b, t, len, raw);
            break;
        case K_INTERPOLATION:
            return LIT_PREFIX;
        default:
            break;
        }
    }
    return b->full ? LIT_PREFIX : LIT_FULL;
}

/* The literal value of an expression, as far as it is literal: a string, adjacent strings,
 * "a" + "b", a parenthesised one; "/etc/" + name gives the prefix "/etc/". */
static enum lit literal(const struct py *p, TSNode n, struct strbuf *b, unsigned depth)
{
    if (ts_node_is_null(n) || depth > 8)
        return LIT_NONE;
    switch (kind_of(n)) {
    case K_STRING:
        return string_lit(p, n, b);
    case K_CONCAT_STRING: {
        uint32_t count = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < count; i++)
            if (string_lit(p, ts_node_named_child(n, i), b) != LIT_FULL)
                return LIT_PREFIX;
        return LIT_FULL;
    }
    case K_PARENTHESIZED:
        return literal(p, ts_node_named_child(n, 0), b, depth + 1);
    case K_BINARY_OP: {
        TSNode op = field(n, F_OPERATOR);
        if (ts_node_is_null(op) || !text_is(p, op, "+"))
            return LIT_NONE;
        enum lit l = literal(p, field(n, F_LEFT), b, depth + 1);
        if (l != LIT_FULL)
            return l;
        return literal(p, field(n, F_RIGHT), b, depth + 1) == LIT_FULL ? LIT_FULL : LIT_PREFIX;
    }
    default:
        return LIT_NONE;
    }
}

static enum lit literal_small(const struct py *p, TSNode n, char *buf, size_t size)
{
    struct strbuf b = {.s = buf, .size = size};
    buf[0] = '\0';
    return literal(p, n, &b, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Name resolution */

static bool resolve(struct py *p, TSNode n, char *buf, size_t size, unsigned depth);

static bool copy_name(char *buf, size_t size, const char *s, size_t len)
{
    if (len >= size)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

static bool resolve_identifier(struct py *p, TSNode n, char *buf, size_t size)
{
    size_t len;
    const char *t = text(p, n, &len);
    const struct binding *b = lookup(p, t, len);
    if (!b)
        return copy_name(buf, size, t, len);
    if (b->kind != B_QUAL)
        return false;
    return copy_name(buf, size, b->qual, strlen(b->qual));
}

/* A call that yields a module or attribute: __import__("os"), importlib.import_module("os"),
 * getattr(os, "system"), Path-less. */
static bool resolve_call(struct py *p, TSNode n, char *buf, size_t size, unsigned depth)
{
    char fn[NAME_MAX_LEN], lit[NAME_MAX_LEN];
    TSNode args = field(n, F_ARGUMENTS);
    if (!resolve(p, field(n, F_FUNCTION), fn, sizeof(fn), depth + 1))
        return false;
    const struct py_call_rule *r = sbx__py_call_rule(fn);
    if (!r)
        return false;
    if (r->args == PY_ARGS_DYN_IMPORT)
        return literal_small(p, arg(p, args, 0, "name"), buf, size) == LIT_FULL;
    if (r->args == PY_ARGS_GETATTR && strlen(fn) >= 7 && !strcmp(fn + strlen(fn) - 7, "getattr") &&
        literal_small(p, arg(p, args, 1, NULL), lit, sizeof(lit)) == LIT_FULL &&
        resolve(p, arg(p, args, 0, NULL), buf, size, depth + 1)) {
        size_t l = strlen(buf);
        return snprintf(buf + l, size - l, ".%s", lit) < (int)(size - l);
    }
    return false;
}

/* x["name"] where x is globals()/locals()/vars(m)/sys.modules/m.__dict__. */
static bool resolve_subscript(struct py *p, TSNode n, char *buf, size_t size, unsigned depth)
{
    char key[NAME_MAX_LEN], base[NAME_MAX_LEN];
    if (literal_small(p, field(n, F_SUBSCRIPT), key, sizeof(key)) != LIT_FULL)
        return false;
    TSNode v = field(n, F_VALUE);
    if (kind_of(v) == K_CALL) {
        if (!resolve(p, field(v, F_FUNCTION), base, sizeof(base), depth + 1))
            return false;
        if (!strcmp(base, "globals") || !strcmp(base, "locals"))
            return copy_name(buf, size, key, strlen(key));
        if (strcmp(base, "vars") ||
            !resolve(p, arg(p, field(v, F_ARGUMENTS), 0, NULL), base, sizeof(base), depth + 1))
            return false;
    } else if (!resolve(p, v, base, sizeof(base), depth + 1)) {
        return false;
    } else if (!strcmp(base, "sys.modules")) {
        return copy_name(buf, size, key, strlen(key));
    } else {
        size_t l = strlen(base);
        if (l < 9 || strcmp(base + l - 9, ".__dict__"))
            return false;
        base[l - 9] = '\0';
    }
    return snprintf(buf, size, "%s.%s", base, key) < (int)size;
}

/*
 * The qualified name an expression stands for: `o.path.join` with `import os as o` gives
 * "os.path.join"; an unknown base gives its own name ("self.system", "model.eval"). False when
 * it is not a name (a call result, a local shadowing, too long).
 */
static bool resolve(struct py *p, TSNode n, char *buf, size_t size, unsigned depth)
{
    const char *parts[RESOLVE_MAX_PARTS];
    size_t lens[RESOLVE_MAX_PARTS], np = 0;
    if (depth > RESOLVE_MAX_DEPTH || ts_node_is_null(n))
        return false;
    for (;;) {
        unsigned k = kind_of(n);
        if (k == K_PARENTHESIZED && ts_node_named_child_count(n) == 1) {
            n = ts_node_named_child(n, 0);
            continue;
        }
        if (k != K_ATTRIBUTE)
            break;
        if (np == RESOLVE_MAX_PARTS)
            return false;
        TSNode a = field(n, F_ATTRIBUTE);
        if (ts_node_is_null(a))
            return false;
        parts[np] = text(p, a, &lens[np]);
        np++;
        n = field(n, F_OBJECT);
    }
    bool ok;
    switch (kind_of(n)) {
    case K_IDENTIFIER:
        ok = resolve_identifier(p, n, buf, size);
        break;
    case K_CALL:
        ok = resolve_call(p, n, buf, size, depth);
        break;
    case K_SUBSCRIPT:
        ok = resolve_subscript(p, n, buf, size, depth);
        break;
    default:
        ok = false;
    }
    for (size_t l = ok ? strlen(buf) : 0; ok && np > 0; np--) {
        if (l + 1 + lens[np - 1] >= size)
            return false;
        buf[l++] = '.';
        memcpy(buf + l, parts[np - 1], lens[np - 1]);
        l += lens[np - 1];
        buf[l] = '\0';
    }
    return ok;
}

static bool root_is_dangerous(const char *q)
{
    const char *dot = strchr(q, '.');
    return sbx__py_is_dangerous_root(q, dot ? (size_t)(dot - q) : strlen(q)) ||
           !strncmp(q, "builtins", 8) || !strncmp(q, "__builtins__", 12);
}

/* ---------------------------------------------------------------------------------------- */
/* Subtree scans (bounded) */

/* One pre-order step of a walk of the cursor's subtree: the first child, else the next sibling
 * of the nearest ancestor below the subtree's root. false when the subtree is done. */
static bool subtree_next(TSTreeCursor *c, unsigned *depth)
{
    if (ts_tree_cursor_goto_first_child(c)) {
        (*depth)++;
        return true;
    }
    while (*depth && !ts_tree_cursor_goto_next_sibling(c)) {
        ts_tree_cursor_goto_parent(c);
        (*depth)--;
    }
    return *depth != 0;
}

/* Whether an expression decodes or assembles what it evaluates: base64/zlib/codecs/hex
 * decoders, chr(), "".join(...), .decode(), s[::-1], or a name bound to such a value. */
static bool is_decoded(struct py *p, TSNode root)
{
    if (ts_node_is_null(root))
        return false;
    TSTreeCursor c = ts_tree_cursor_new(root);
    bool found = false;
    unsigned visited = 0, depth = 0;
    char q[NAME_MAX_LEN];
    while (!found && visited++ < SUBTREE_MAX_NODES) {
        TSNode n = ts_tree_cursor_current_node(&c);
        switch (kind_of(n)) {
        case K_CALL: {
            TSNode fn = field(n, F_FUNCTION);
            if (kind_of(fn) == K_ATTRIBUTE) {
                TSNode a = field(fn, F_ATTRIBUTE);
                found =
                    !ts_node_is_null(a) && (text_is(p, a, "decode") || text_is(p, a, "join") ||
                                            text_is(p, a, "fromhex") || text_is(p, a, "translate"));
            }
            found = found || (resolve(p, fn, q, sizeof(q), 0) && sbx__py_is_decoder(q));
            break;
        }
        case K_IDENTIFIER: {
            size_t len;
            const char *t = text(p, n, &len);
            const struct binding *b = lookup(p, t, len);
            found = b && b->kind == B_DECODED;
            break;
        }
        case K_SLICE:
            found = text_is(p, n, "::-1");
            break;
        default:
            break;
        }
        if (!subtree_next(&c, &depth))
            break;
    }
    ts_tree_cursor_delete(&c);
    return found;
}

/* Whether an identifier or attribute named `name` occurs under root (os.open flags). */
static bool mentions(struct py *p, TSNode root, const char *const *names)
{
    if (ts_node_is_null(root))
        return false;
    TSTreeCursor c = ts_tree_cursor_new(root);
    bool found = false;
    unsigned visited = 0, depth = 0;
    while (!found && visited++ < SUBTREE_MAX_NODES) {
        TSNode n = ts_tree_cursor_current_node(&c);
        if (kind_of(n) == K_IDENTIFIER)
            for (size_t i = 0; names[i] && !found; i++)
                found = text_is(p, n, names[i]);
        if (!subtree_next(&c, &depth))
            break;
    }
    ts_tree_cursor_delete(&c);
    return found;
}

/* ---------------------------------------------------------------------------------------- */
/* Files */

/* A pathlib.Path(...) call: its first argument is the path. */
static TSNode path_ctor_arg(struct py *p, TSNode n)
{
    char q[NAME_MAX_LEN];
    if (kind_of(n) != K_CALL || !resolve(p, field(n, F_FUNCTION), q, sizeof(q), 0) ||
        strncmp(q, "pathlib.", 8) || !strstr(q, "Path"))
        return (TSNode){0};
    return arg(p, field(n, F_ARGUMENTS), 0, NULL);
}

/* Check one path argument. True if it was a literal (allowed or not). */
static bool check_path(struct py *p, TSNode call, const char *what, TSNode path, bool write)
{
    char buf[PATH_LIT_MAX];
    TSNode inner = path_ctor_arg(p, path);
    if (!ts_node_is_null(inner))
        path = inner;
    enum lit l = literal_small(p, path, buf, sizeof(buf));
    if (l == LIT_NONE)
        return false;
    if (l == LIT_PREFIX) {
        /* "/etc/" + name: the directory part is known */
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return false;
        *slash = '\0';
    }
    if (!sbx__analysis_path_allowed(p->ctx, buf, write))
        report(p, write ? &sbx__py_fs_write : &sbx__py_fs_read, call, "%s('%.100s%s')", what, buf,
               l == LIT_PREFIX ? "/..." : "");
    return true;
}

static bool open_mode_writes(struct py *p, TSNode mode)
{
    char m[32];
    return literal_small(p, mode, m, sizeof(m)) != LIT_NONE && strpbrk(m, "wax+");
}

static void on_file_call(struct py *p, const struct py_call_rule *r, const char *q, TSNode call,
                         TSNode args)
{
    static const char *const write_flags[] = {"O_WRONLY", "O_RDWR",   "O_CREAT",
                                              "O_TRUNC",  "O_APPEND", NULL};
    bool lit = false;
    switch (r->args) {
    case PY_ARGS_OPEN:
        lit = check_path(p, call, q, arg(p, args, 0, "file"),
                         open_mode_writes(p, arg(p, args, 1, "mode")));
        break;
    case PY_ARGS_OS_OPEN:
        lit = check_path(p, call, q, arg(p, args, 0, "path"),
                         mentions(p, arg(p, args, 1, "flags"), write_flags));
        break;
    case PY_ARGS_READ0:
        lit = check_path(p, call, q, arg(p, args, 0, "path"), false);
        break;
    case PY_ARGS_WRITE0:
        lit = check_path(p, call, q, arg(p, args, 0, "path"), true);
        break;
    case PY_ARGS_WRITE01:
        lit = check_path(p, call, q, arg(p, args, 0, "src"), true);
        lit = check_path(p, call, q, arg(p, args, 1, "dst"), true) && lit;
        break;
    case PY_ARGS_READ0_W1:
        check_path(p, call, q, arg(p, args, 0, "src"), false);
        check_path(p, call, q, arg(p, args, 1, "dst"), true);
        lit = true;
        break;
    case PY_ARGS_WRITE1:
        lit = check_path(p, call, q, arg(p, args, 1, "dst"), true);
        break;
    case PY_ARGS_NONE:
    case PY_ARGS_SHELL:
    case PY_ARGS_EVAL:
    case PY_ARGS_COMPILE:
    case PY_ARGS_GETATTR:
    case PY_ARGS_DYN_IMPORT:
        lit = true; /* not a file call */
        break;
    }
    if (!lit && r->destructive)
        report(p, &sbx__py_fs_destructive, call, "%s", q);
}

/* Path("/etc/passwd").read_text() and friends. True if the call was a pathlib method. */
static bool on_pathlib_method(struct py *p, TSNode call, TSNode fn)
{
    static const char *const reads[] = {"read_text", "read_bytes", "iterdir",
                                        "glob",      "rglob",      "readlink"};
    static const char *const writes[] = {"write_text", "write_bytes", "touch",      "mkdir",
                                         "unlink",     "rmdir",       "rename",     "replace",
                                         "chmod",      "symlink_to",  "hardlink_to"};
    TSNode method = field(fn, F_ATTRIBUTE), obj = field(fn, F_OBJECT);
    TSNode path = path_ctor_arg(p, obj);
    if (ts_node_is_null(path) || ts_node_is_null(method))
        return false;
    bool write = false, known = false;
    for (size_t i = 0; i < ARRAY_SIZE(reads) && !known; i++)
        known = text_is(p, method, reads[i]);
    for (size_t i = 0; i < ARRAY_SIZE(writes) && !known; i++)
        known = write = text_is(p, method, writes[i]);
    if (!known && text_is(p, method, "open")) {
        known = true;
        write = open_mode_writes(p, arg(p, field(call, F_ARGUMENTS), 0, "mode"));
    }
    if (known)
        check_path(p, call, "pathlib.Path", path, write);
    return known;
}

/* ---------------------------------------------------------------------------------------- */
/* Calls */

static void analyze_nested(struct py *p, TSNode call, const char *code, size_t len);

static void on_eval(struct py *p, const struct py_call_rule *r, const char *q, TSNode call,
                    TSNode args)
{
    TSNode code = arg(p, args, 0, "source");
    if (is_decoded(p, code)) {
        report(p, &sbx__py_obf_decoded, call, "%s(<decoded data>)", q);
        return;
    }
    if (r->args == PY_ARGS_COMPILE) {
        report(p, r->rule, call, "%s", q);
        return;
    }
    _cleanup_free_ char *buf = malloc(CODE_LIT_MAX);
    if (!buf) {
        p->err = -ENOMEM;
        return;
    }
    struct strbuf b = {.s = buf, .size = CODE_LIT_MAX};
    buf[0] = '\0';
    if (literal(p, code, &b, 0) == LIT_FULL) {
        report(p, &sbx__py_eval_constant, call, "%s('%.60s')", q, buf);
        analyze_nested(p, call, buf, b.len);
    } else {
        report(p, r->rule, call, "%s", q);
    }
}

static void on_getattr(struct py *p, const char *q, TSNode call, TSNode args)
{
    char name[NAME_MAX_LEN], obj[NAME_MAX_LEN];
    TSNode n = arg(p, args, 1, NULL);
    if (ts_node_is_null(n) || literal_small(p, n, name, sizeof(name)) == LIT_FULL)
        return; /* a literal name: the call using it is resolved and matched */
    if (resolve(p, arg(p, args, 0, NULL), obj, sizeof(obj), 0) && root_is_dangerous(obj))
        report(p, &sbx__py_obf_getattr_module, call, "%s(%s, <computed>)", q, obj);
    else
        report(p, &sbx__py_obf_getattr, call, "%s(<computed>)", q);
}

static void check_import_name(struct py *p, TSNode at, const char *module);

static void on_dyn_import(struct py *p, const struct py_call_rule *r, const char *q, TSNode call,
                          TSNode args)
{
    char name[NAME_MAX_LEN];
    if (literal_small(p, arg(p, args, 0, "name"), name, sizeof(name)) == LIT_FULL)
        check_import_name(p, call, name);
    else
        report(p, r->rule, call, "%s(<computed>)", q);
}

static void apply_call_rule(struct py *p, const struct py_call_rule *r, const char *q, TSNode call,
                            TSNode args)
{
    switch (r->args) {
    case PY_ARGS_NONE:
        report(p, r->rule, call, "%s", q);
        break;
    case PY_ARGS_SHELL: {
        TSNode shell = keyword(p, args, "shell");
        bool on = !ts_node_is_null(shell) && kind_of(shell) == K_TRUE;
        report(p, on ? &sbx__py_exec_shell : r->rule, call, "%s%s", q, on ? "(shell=True)" : "");
        break;
    }
    case PY_ARGS_EVAL:
    case PY_ARGS_COMPILE:
        on_eval(p, r, q, call, args);
        break;
    case PY_ARGS_GETATTR:
        on_getattr(p, q, call, args);
        break;
    case PY_ARGS_DYN_IMPORT:
        on_dyn_import(p, r, q, call, args);
        break;
    case PY_ARGS_OPEN:
    case PY_ARGS_OS_OPEN:
    case PY_ARGS_READ0:
    case PY_ARGS_WRITE0:
    case PY_ARGS_WRITE01:
    case PY_ARGS_READ0_W1:
    case PY_ARGS_WRITE1:
        on_file_call(p, r, q, call, args);
        break;
    }
}

/* The rule for a name, trying star-imported modules for a bare unbound name. */
static const struct py_call_rule *match_name(struct py *p, TSNode fn, char *q, size_t size)
{
    const struct py_call_rule *r = sbx__py_call_rule(q);
    if (r || kind_of(fn) != K_IDENTIFIER || p->n_star == 0)
        return r;
    size_t len;
    const char *t = text(p, fn, &len);
    if (lookup(p, t, len))
        return NULL;
    for (size_t i = 0; i < p->n_star; i++) {
        char alt[NAME_MAX_LEN];
        if (snprintf(alt, sizeof(alt), "%s.%s", p->star[i], q) >= (int)sizeof(alt))
            continue;
        if ((r = sbx__py_call_rule(alt))) {
            snprintf(q, size, "%s", alt);
            return r;
        }
    }
    return NULL;
}

/* Dangerous callables passed as values: map(os.system, cmds), Thread(target=eval). */
/* A dangerous callable used as a value, not called here: `map(eval, xs)`, `[os.system]`. */
static void check_reference(struct py *p, TSNode c)
{
    char q[NAME_MAX_LEN];
    if (!resolve(p, c, q, sizeof(q), 0))
        return;
    const struct py_call_rule *r = match_name(p, c, q, sizeof(q));
    if (r && r->rule && (r->args == PY_ARGS_NONE || r->args == PY_ARGS_SHELL))
        report(p, r->rule, c, "%s used as a value", q);
    else if (r && r->args == PY_ARGS_EVAL)
        report(p, &sbx__py_eval_computed, c, "%s used as a value", q);
}

/* Bare names passed as arguments (attribute chains are checked wherever they occur). */
static void check_callable_args(struct py *p, TSNode args)
{
    uint32_t n = ts_node_named_child_count(args);
    for (uint32_t j = 0; j < n && j < 64; j++) {
        TSNode c = ts_node_named_child(args, j);
        if (kind_of(c) == K_KEYWORD_ARGUMENT)
            c = field(c, F_VALUE);
        if (kind_of(c) == K_IDENTIFIER)
            check_reference(p, c);
    }
}

static void on_call(struct py *p, TSNode call)
{
    TSNode fn = field(call, F_FUNCTION), args = field(call, F_ARGUMENTS);
    char q[NAME_MAX_LEN];
    if (ts_node_is_null(fn))
        return;
    if (kind_of(args) == K_ARGUMENT_LIST)
        check_callable_args(p, args);
    if (kind_of(fn) == K_ATTRIBUTE && on_pathlib_method(p, call, fn))
        return;
    if (!resolve(p, fn, q, sizeof(q), 0))
        return;
    const struct py_call_rule *r = match_name(p, fn, q, sizeof(q));
    if (r)
        apply_call_rule(p, r, q, call, args);
}

/* ---------------------------------------------------------------------------------------- */
/* Imports */

static void check_import_name(struct py *p, TSNode at, const char *module)
{
    const struct sbx__rule *rule = sbx__py_import_rule(module);
    if (rule)
        report(p, rule, at, "import %s", module);
}

static bool node_name(struct py *p, TSNode n, char *buf, size_t size)
{
    size_t len;
    const char *t = text(p, n, &len);
    return !ts_node_is_null(n) && copy_name(buf, size, t, len);
}

/* import a.b.c / import a.b as c */
static void on_import(struct py *p, TSNode stmt)
{
    uint32_t n = ts_node_named_child_count(stmt);
    for (uint32_t i = 0; i < n && i < 256; i++) {
        TSNode c = ts_node_named_child(stmt, i), name = c, alias = {0};
        char mod[NAME_MAX_LEN];
        if (kind_of(c) == K_ALIASED_IMPORT) {
            name = field(c, F_NAME);
            alias = field(c, F_ALIAS);
        }
        if (kind_of(name) != K_DOTTED_NAME || !node_name(p, name, mod, sizeof(mod)))
            continue;
        check_import_name(p, name, mod);
        if (!ts_node_is_null(alias)) {
            bind_node(p, alias, B_QUAL, mod);
        } else {
            TSNode first = ts_node_named_child(name, 0);
            char top[NAME_MAX_LEN];
            if (node_name(p, first, top, sizeof(top)))
                bind_node(p, first, B_QUAL, top);
        }
    }
}

static void on_star_import(struct py *p, TSNode stmt, const char *mod)
{
    if (!root_is_dangerous(mod) && !sbx__py_import_rule(mod))
        return;
    report(p, &sbx__py_import_star, stmt, "from %s import *", mod);
    if (p->n_star < STAR_MAX)
        snprintf(p->star[p->n_star++], sizeof(p->star[0]), "%s", mod);
}

/* from m import a, b as c / from m import * / from . import x */
static void on_import_from(struct py *p, TSNode stmt)
{
    TSNode modn = field(stmt, F_MODULE_NAME);
    char mod[NAME_MAX_LEN];
    bool relative = kind_of(modn) != K_DOTTED_NAME;
    if (!node_name(p, modn, mod, sizeof(mod)))
        return;
    const struct sbx__rule *mod_rule = relative ? NULL : sbx__py_import_rule(mod);
    if (mod_rule)
        report(p, mod_rule, modn, "from %s import", mod);
    uint32_t n = ts_node_named_child_count(stmt);
    for (uint32_t i = 1; i < n && i < 256; i++) {
        TSNode c = ts_node_named_child(stmt, i), name = c, alias = {0};
        if (kind_of(c) == K_WILDCARD) {
            if (!relative)
                on_star_import(p, stmt, mod);
            continue;
        }
        if (kind_of(c) == K_ALIASED_IMPORT) {
            name = field(c, F_NAME);
            alias = field(c, F_ALIAS);
        }
        char nm[NAME_MAX_LEN], full[2 * NAME_MAX_LEN + 2];
        if (kind_of(name) != K_DOTTED_NAME || !node_name(p, name, nm, sizeof(nm)))
            continue;
        snprintf(full, sizeof(full), "%s.%s", mod, nm);
        if (!relative && !mod_rule)
            check_import_name(p, name, full);
        TSNode target = ts_node_is_null(alias) ? name : alias;
        if (relative)
            bind_node(p, target, B_LOCAL, NULL);
        else
            bind_node(p, target, B_QUAL, full);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Definitions and assignments */

/* A module-level def/class/assignment shadows a builtin or an imported name; nested ones are
 * ignored (their scope is not tracked; over-reporting is the safe side). */
static void shadow(struct py *p, TSNode name)
{
    char q[NAME_MAX_LEN];
    size_t len;
    const char *t = text(p, name, &len);
    if (lookup(p, t, len) || (copy_name(q, sizeof(q), t, len) && root_is_dangerous(q)))
        bind(p, t, len, B_LOCAL, NULL);
}

static void on_assignment(struct py *p, TSNode n, bool module_level)
{
    TSNode left = field(n, F_LEFT), right = field(n, F_RIGHT);
    for (unsigned i = 0; i < 8 && kind_of(right) == K_ASSIGNMENT; i++)
        right = field(right, F_RIGHT);
    if (kind_of(left) != K_IDENTIFIER || ts_node_is_null(right))
        return;
    char q[NAME_MAX_LEN];
    unsigned k = kind_of(right);
    /* An alias is reported where it is made too: the binding table has no scopes, so
     * `class X: s = os.system` then `X.s(...)` would not be followed to its call. */
    if (k == K_IDENTIFIER || k == K_ATTRIBUTE)
        check_reference(p, right);
    if ((k == K_IDENTIFIER || k == K_ATTRIBUTE || k == K_CALL || k == K_SUBSCRIPT) &&
        resolve(p, right, q, sizeof(q), 0) && root_is_dangerous(q))
        bind_node(p, left, B_QUAL, q);
    else if (is_decoded(p, right))
        bind_node(p, left, B_DECODED, NULL);
    else if (module_level)
        shadow(p, left);
    else {
        size_t len;
        const char *t = text(p, left, &len);
        const struct binding *b = lookup(p, t, len);
        if (b && b->kind == B_DECODED)
            bind(p, t, len, B_LOCAL, NULL);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Attributes, names, subscripts */

static void on_attribute(struct py *p, TSNode n)
{
    TSNode a = field(n, F_ATTRIBUTE);
    size_t len;
    const char *t = ts_node_is_null(a) ? NULL : text(p, a, &len);
    if (t && sbx__py_is_internal_attr(t, len))
        report(p, &sbx__py_obf_internals, a, ".%.*s", (int)MIN(len, 64), t);
}

static void on_subscript(struct py *p, TSNode n)
{
    TSNode v = field(n, F_VALUE);
    char q[NAME_MAX_LEN];
    if (kind_of(v) == K_CALL) {
        if (resolve(p, field(v, F_FUNCTION), q, sizeof(q), 0) &&
            (!strcmp(q, "globals") || !strcmp(q, "locals") || !strcmp(q, "vars")))
            report(p, &sbx__py_obf_namespace, n, "%s()[...]", q);
        return;
    }
    if (!resolve(p, v, q, sizeof(q), 0))
        return;
    size_t l = strlen(q);
    if (!strcmp(q, "sys.modules") ||
        (l > 9 && !strcmp(q + l - 9, ".__dict__") && root_is_dangerous(q)))
        report(p, &sbx__py_obf_namespace, n, "%s[...]", q);
}

/* ---------------------------------------------------------------------------------------- */
/* The walk */

/* Look at one node; false: do not descend into it. */
static bool visit(struct py *p, TSTreeCursor *c, TSNode n, unsigned depth)
{
    switch (kind_of(n)) {
    case K_IMPORT:
        on_import(p, n);
        return false;
    case K_IMPORT_FROM:
        on_import_from(p, n);
        return false;
    case K_COMMENT:
        return false;
    case K_CALL:
        on_call(p, n);
        return true;
    case K_ATTRIBUTE: {
        on_attribute(p, n);
        /* the whole chain, not part of a longer one, not what a call calls, not assigned to a
         * name (the binding follows it to its calls) */
        TSFieldId f = ts_tree_cursor_current_field_id(c);
        if (f != grammar.fields[F_FUNCTION] && f != grammar.fields[F_OBJECT] &&
            f != grammar.fields[F_RIGHT])
            check_reference(p, n);
        return true;
    }
    case K_SUBSCRIPT:
        on_subscript(p, n);
        return true;
    case K_ASSIGNMENT:
        on_assignment(p, n, depth <= 2);
        return true;
    case K_FUNCTION_DEF:
    case K_CLASS_DEF:
        if (depth <= 2 && !ts_node_is_null(field(n, F_NAME)))
            shadow(p, field(n, F_NAME));
        return true;
    case K_IDENTIFIER:
        if (ts_tree_cursor_current_field_id(c) != grammar.fields[F_ATTRIBUTE] &&
            text_is(p, n, "__builtins__"))
            report(p, &sbx__py_obf_builtins, n, "__builtins__");
        return false;
    default:
        return true;
    }
}

static void note_error(struct py *p, TSNode n)
{
    if (p->depth || !(ts_node_symbol(n) == (TSSymbol)-1 || ts_node_is_missing(n)))
        return;
    TSPoint pt = ts_node_start_point(n);
    sbx__analysis_syntax_error(p->ctx, p->line_base + pt.row + 1, pt.column + 1);
}

static void walk(struct py *p, TSNode root)
{
    TSTreeCursor c = ts_tree_cursor_new(root);
    bool errors = ts_node_has_error(root);
    unsigned depth = 0;
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        bool descend = true;
        if (errors)
            note_error(p, n);
        if (ts_node_is_named(n))
            descend = visit(p, &c, n, depth);
        if (descend && ts_tree_cursor_goto_first_child(&c)) {
            depth++;
            continue;
        }
        while (!ts_tree_cursor_goto_next_sibling(&c)) {
            if (!ts_tree_cursor_goto_parent(&c))
                goto done;
            depth--;
        }
    }
done:
    ts_tree_cursor_delete(&c);
}

static void free_bindings(struct binding *tab, size_t n_slots)
{
    for (size_t i = 0; tab && i < n_slots; i++)
        free(tab[i].qual);
    free(tab);
}

/*
 * Where the input could open more than NESTING_MAX constructs at once: brackets (counted in
 * strings and comments too, so this over-counts, never under-counts) plus colons on one line
 * outside brackets (`if x: if x: ...`). Returns the offset of the line where it happens, or
 * len when nothing does.
 */
static size_t too_deep_at(const char *s, size_t len)
{
    size_t depth = 0, colons = 0, line_start = 0;
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '(':
        case '[':
        case '{':
            depth++;
            break;
        case ')':
        case ']':
        case '}':
            depth -= depth > 0;
            break;
        case ':':
            colons += depth == 0;
            break;
        case '\n':
            colons = 0;
            line_start = i + 1;
            break;
        default:
            break;
        }
        if (depth + colons > NESTING_MAX)
            return line_start;
    }
    return len;
}

/* Parse src[0..len) and walk it; line numbers are offset by p->line_base. */
/* Whether a chunk parsed without any error. A chunk cut inside a string, a bracket or a
 * compound statement has one, though error recovery may put it far from the cut (an unclosed
 * """ becomes an ERROR where it opens, and the string's lines parse as code). */
static bool ends_cleanly(TSTree *tree)
{
    return !ts_node_has_error(ts_tree_root_node(tree));
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Parse src[0..len) and walk it; line numbers are offset by p->line_base. With `verify`, a tree
 * that does not end cleanly is not walked and 1 is returned. */
static int parse_and_walk_v(struct py *p, const char *src, size_t len, bool verify)
{
    TSParser *parser = ts_parser_new();
    if (!parser)
        return -ENOMEM;
    TSTree *tree = NULL;
    uint64_t now = now_us();
    if (!p->sh->timed_out && now + 1000 < p->sh->deadline_us) {
        ts_parser_set_timeout_micros(parser, p->sh->deadline_us - now);
        if (ts_parser_set_language(parser, grammar.lang) && len <= UINT32_MAX)
            tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
    }
    ts_parser_delete(parser);
    if (!tree) { /* out of time (tree-sitter aborts on out of memory) */
        if (p->sh->timed_out)
            return 0;
        p->sh->timed_out = true;
        unsigned line = p->line_base + 1;
        if (!p->depth)
            sbx__analysis_syntax_error(p->ctx, line, 1);
        return sbx__analysis_add(p->ctx, &sbx__py_obf_too_deep, p->depth ? p->base_line : line,
                                 p->depth ? p->base_col : 1,
                                 "out of parsing time from here on (the budget grows with the "
                                 "input's size)");
    }
    if (verify && !ends_cleanly(tree)) {
        ts_tree_delete(tree);
        return 1;
    }
    p->src = src;
    p->len = len;
    walk(p, ts_tree_root_node(tree));
    if (!(p->whole && p->ctx->exiting))
        ts_tree_delete(tree);
    return 0;
}

static int parse_and_walk(struct py *p, const char *src, size_t len)
{
    return parse_and_walk_v(p, src, len, false);
}

static size_t count_lines(const char *s, size_t n)
{
    size_t lines = 0;
    for (const char *e = s + n; (s = memchr(s, '\n', (size_t)(e - s))); s++)
        lines++;
    return lines;
}

/* The start of the first line at or after `from` that can begin a top-level statement: column
 * 0, a letter, '_' or '@', and not a clause that continues the statement before it. */
static size_t next_top_line(const char *s, size_t len, size_t from)
{
    static const char *const clauses[] = {"else", "elif", "except", "finally"};
    for (size_t i = from; i < len;) {
        const char *nl = memchr(s + i, '\n', len - i);
        if (!nl)
            return len;
        i = (size_t)(nl - s) + 1;
        char c = i < len ? s[i] : '\0';
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@'))
            continue;
        bool clause = false;
        for (size_t k = 0; k < ARRAY_SIZE(clauses) && !clause; k++) {
            size_t n = strlen(clauses[k]);
            clause = len - i > n && !memcmp(s + i, clauses[k], n) &&
                     (s[i + n] == ':' || s[i + n] == ' ' || s[i + n] == '(');
        }
        if (!clause)
            return i;
    }
    return len;
}

/*
 * Big files in chunks of about CHUNK_BYTES, cut before a top-level statement, so the syntax
 * tree (about 45 bytes per byte of source) stays bounded. A cut is kept only if tree-sitter
 * agrees the chunk ends with a complete statement; otherwise the chunk grows (doubling) and is
 * parsed again, so the chunked analysis sees what one parse of the whole file would.
 */
static int analyze_in_chunks(struct py *p, const char *src, size_t len)
{
    bool verify = true;
    for (size_t off = 0; off < len && !p->err;) {
        size_t want = CHUNK_BYTES, end;
        int r;
        do {
            if (want > CHUNK_MAX_BYTES && verify) {
                /* A syntax error (the program cannot run) or a string or bracket spanning
                 * megabytes: say so, and go on unverified. */
                verify = false;
                want = CHUNK_BYTES;
                r = sbx__analysis_add(p->ctx, &sbx__py_obf_too_deep, p->line_base + 1, 1,
                                      "no statement boundary parses cleanly within %u MiB: "
                                      "analysed in unverified chunks",
                                      CHUNK_MAX_BYTES >> 20);
                if (r < 0)
                    return r;
            }
            end = len - off <= want ? len : next_top_line(src, len, off + want);
            r = parse_and_walk_v(p, src + off, end - off, verify && end < len);
            want *= 2;
        } while (r == 1);
        if (r < 0)
            return r;
        p->line_base += (unsigned)count_lines(src + off, end - off);
        off = end;
    }
    return 0;
}

/* Pieces of at most PIECE_MAX bytes, cut after a newline where there is one. */
static int analyze_in_pieces(struct py *p, const char *src, size_t len)
{
    for (size_t off = 0; off < len && !p->err;) {
        size_t n = MIN(len - off, (size_t)PIECE_MAX);
        if (off + n < len) {
            const char *nl = memrchr(src + off, '\n', n);
            if (nl && nl > src + off)
                n = (size_t)(nl - (src + off)) + 1;
        }
        int r = parse_and_walk(p, src + off, n);
        if (r < 0)
            return r;
        p->line_base += (unsigned)count_lines(src + off, n);
        off += n;
    }
    return 0;
}

static int analyze(struct py *p)
{
    const char *src = p->src;
    size_t len = p->len;
    p->n_slots = BIND_SLOTS_MIN;
    if (!(p->tab = calloc(p->n_slots, sizeof(*p->tab))))
        return -ENOMEM;
    size_t deep = too_deep_at(src, len);
    int r;
    if (deep == len && len > CHUNK_BYTES) {
        r = analyze_in_chunks(p, src, len);
    } else if (deep == len) {
        p->whole = p->depth == 0;
        r = parse_and_walk(p, src, len);
    } else {
        unsigned line = 1;
        for (size_t i = 0; i < deep; i++)
            line += src[i] == '\n';
        if (!p->depth)
            sbx__analysis_syntax_error(p->ctx, line, 1);
        int a =
            sbx__analysis_add(p->ctx, &sbx__py_obf_too_deep, p->depth ? p->base_line : line,
                              p->depth ? p->base_col : 1, "more than %d open at once", NESTING_MAX);
        r = a < 0 ? a : analyze_in_pieces(p, src, len);
    }
    free_bindings(TAKE_PTR(p->tab), p->n_slots);
    return r < 0 ? r : p->err;
}

/* Code in a constant string given to exec/eval: analysed as its own module, its findings
 * placed at the call. */
static void analyze_nested(struct py *p, TSNode call, const char *code, size_t len)
{
    if (p->depth >= NESTED_MAX_DEPTH || p->sh->nested >= NESTED_MAX_COUNT)
        return;
    p->sh->nested++;
    struct py sub = {.ctx = p->ctx, .src = code, .len = len, .depth = p->depth + 1, .sh = p->sh};
    if (p->depth) {
        sub.base_line = p->base_line;
        sub.base_col = p->base_col;
    } else {
        TSPoint pt = ts_node_start_point(call);
        sub.base_line = p->line_base + pt.row + 1;
        sub.base_col = pt.column + 1;
    }
    int r = analyze(&sub);
    if (r < 0 && !p->err)
        p->err = r;
}

static int analyze_here(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                        struct sbx_error *err)
{
    struct py_shared sh = {.deadline_us = now_us() + PARSE_BUDGET_US(len)};
    struct py p = {.ctx = ctx, .src = src, .len = len, .sh = &sh};
    int r = analyze(&p);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "python analysis");
    return 0;
}

/* The rule whose id string is at `id`, compared with the table's pointers, never read. */
static const struct sbx__rule *rule_by_id_pointer(const char *id)
{
    for (size_t i = 0; i < sbx__py_n_rules; i++)
        if (sbx__py_rules[i]->id == id)
            return sbx__py_rules[i];
    return NULL;
}

int sbx__analyze_python(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                        struct sbx_error *err)
{
    pthread_once(&grammar.once, grammar_init);
    if (!grammar.kinds)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "python analysis");
    /* SECURITY: big input is parsed in a confined child, like JavaScript (isolate.c); the
     * pieces under 64 KiB stay the defence against the known deep-nesting crash. */
    if (len < SBX_ANALYSIS_ISOLATE_FROM)
        return analyze_here(ctx, src, len, err);
    return sbx__analysis_isolated(ctx, "python analysis", analyze_here, rule_by_id_pointer, src,
                                  len, err);
}
