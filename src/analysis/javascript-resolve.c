/*
 * What a JavaScript expression refers to, and which constant string it spells.
 *
 * resolve: `require('node:child_process').exec`, `cp.exec` (cp bound to the module),
 * `globalThis['ev' + 'al']`, `[].constructor.constructor`, `util.promisify(cp.exec)`,
 * `f.bind(x)` -> a root and up to three members (struct sbx__js_sym). Identifiers are looked up
 * in the scopes of the current replay (javascript.c).
 * fold: string literals with their escapes decoded, `+` concatenations, templates without
 * substitutions, const bindings, String.fromCharCode(99, ...), atob('...') and
 * s.split('').reverse().join('') -> the string, with flags saying how it was assembled.
 *
 * Both recurse on the syntax tree; every recursion has a depth cap and a per-call step budget,
 * so hostile input (deep nesting, exponential const chains) costs bounded time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/javascript.h"

#define RESOLVE_DEPTH 24  /* nesting of one expression followed */
#define RESOLVE_STEPS 512 /* nodes one top-level resolve may visit */
#define FOLD_STEPS 2048   /* nodes one top-level fold may visit */

/* ------------------------------------------------------------------ string folding */

static void fold_put(struct sbx__js_fold *f, const char *s, size_t n)
{
    if (f->fail || n >= SBX_JS_FOLD_MAX - f->len) { /* room for the NUL */
        f->fail = true;
        return;
    }
    memcpy(f->buf + f->len, s, n);
    f->len += n;
}

static void fold_utf8(struct sbx__js_fold *f, uint32_t cp)
{
    unsigned char u[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cp > 0x10ffff) {
        f->fail = true;
        return;
    }
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = n - 1; i > 0; i--, cp >>= 6)
        u[i] = (unsigned char)(0x80 | (cp & 0x3f));
    u[0] = (unsigned char)(lead[n] | cp);
    fold_put(f, (const char *)u, n);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Hex digits s[0..n) as a number; -1 when one is not a hex digit. */
static long hexnum(const char *s, uint32_t n)
{
    long v = 0;
    if (n == 0 || n > 6)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        int d = hexval(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static void fold_escape(struct sbx__js_fold *f, const char *s, uint32_t n)
{
    static const char simple[] = "b\bf\fn\nr\rt\tv\v0\0";
    f->flags |= JS_FOLD_ESCAPE;
    if (n < 2)
        return;
    char c = s[1];
    long cp = -1;
    if (c == 'x' && n == 4)
        cp = hexnum(s + 2, 2);
    else if (c == 'u' && n == 6)
        cp = hexnum(s + 2, 4);
    else if (c == 'u' && n > 4 && s[2] == '{')
        cp = hexnum(s + 3, n - 4);
    else if (c == '\r' || c == '\n' || (unsigned char)c >= 0x80)
        return; /* line continuation (U+2028/9 too): nothing */
    else if (n == 2) {
        const char *p = memchr(simple, c, sizeof(simple) - 1);
        cp = (p && ((p - simple) % 2) == 0) ? (unsigned char)p[1] : (unsigned char)c;
    }
    if (cp < 0)
        f->fail = true;
    else
        fold_utf8(f, (uint32_t)cp);
}

static void fold_node(struct sbx__js *js, TSNode n, struct sbx__js_fold *f, int depth);

static void fold_quoted(struct sbx__js *js, TSNode n, struct sbx__js_fold *f)
{
    struct sbx__js_kids k;
    TSNode ch;
    sbx__js_kids_open(&k, n);
    while (!f->fail && sbx__js_kids_next(&k, &ch)) {
        uint32_t len;
        const char *t = sbx__js_text(js, ch, &len);
        switch ((int)sbx__js_kind(js, ch)) {
        case K_STRING_FRAGMENT:
            fold_put(f, t, len);
            break;
        case K_ESCAPE:
            fold_escape(f, t, len);
            break;
        default: /* a template substitution: not a constant */
            f->fail = true;
            break;
        }
    }
    sbx__js_kids_close(&k);
}

/* Numeric literal value (decimal, hex, octal, binary), or -1. */
static long number_value(const struct sbx__js *js, TSNode n)
{
    uint32_t len;
    const char *t = sbx__js_text(js, n, &len);
    char buf[24];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, t, len);
    buf[len] = '\0';
    int base = 10;
    const char *p = buf;
    if (len > 2 && buf[0] == '0' && strchr("xXoObB", buf[1])) {
        base = (buf[1] | 0x20) == 'x' ? 16 : (buf[1] | 0x20) == 'o' ? 8 : 2;
        p += 2;
    }
    char *end;
    long v = strtol(p, &end, base);
    return (*end || v < 0 || v > 0x10ffff) ? -1 : v;
}

static void fold_fromcharcode(struct sbx__js *js, TSNode args, struct sbx__js_fold *f)
{
    struct sbx__js_kids k;
    TSNode ch;
    sbx__js_kids_open(&k, args);
    while (!f->fail && sbx__js_kids_next(&k, &ch)) {
        long v = number_value(js, ch);
        if (v < 0)
            f->fail = true;
        else
            fold_utf8(f, (uint32_t)v);
    }
    sbx__js_kids_close(&k);
    f->flags |= JS_FOLD_DECODE;
}

static void fold_atob(struct sbx__js *js, TSNode arg, struct sbx__js_fold *f, int depth)
{
    struct sbx__js_fold in = {.steps = f->steps};
    fold_node(js, arg, &in, depth + 1);
    f->steps = in.steps;
    if (in.fail) {
        f->fail = true;
        return;
    }
    uint32_t acc = 0, bits = 0;
    for (size_t i = 0; i < in.len && !f->fail; i++) {
        char c = in.buf[i];
        const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *p = c ? strchr(tab, c) : NULL;
        if (c == '=')
            break;
        if (!p) {
            f->fail = true;
            return;
        }
        acc = (acc << 6) | (uint32_t)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char byte = (char)((acc >> bits) & 0xff);
            fold_put(f, &byte, 1);
        }
    }
    f->flags |= JS_FOLD_DECODE | in.flags;
}

static struct sbx__js_sym resolve_at(struct sbx__js *js, TSNode n, int depth);

/* Calls whose result is a constant string: String.fromCharCode(99, ...), atob('...'),
 * s.split('').reverse().join(''). */
static void fold_call(struct sbx__js *js, TSNode n, struct sbx__js_fold *f, int depth)
{
    TSNode fn = sbx__js_unwrap(js, sbx__js_field(js, n, F_FUNCTION)),
           args = sbx__js_field(js, n, F_ARGUMENTS);
    if (sbx__js_kind(js, args) != K_ARGUMENTS) {
        f->fail = true;
        return;
    }
    struct sbx__js_sym s = resolve_at(js, fn, depth + 1);
    if (s.root == R_STRING && s.n == 1 && (s.m[0] == V_FROMCHARCODE || s.m[0] == V_FROMCODEPOINT))
        return fold_fromcharcode(js, args, f);
    if (s.root == R_ATOB && s.n == 0 && !ts_node_is_null(sbx__js_child(args, 0)))
        return fold_atob(js, sbx__js_child(args, 0), f, depth);
    /* x.split('').reverse().join('') */
    uint32_t len;
    const char *t;
    TSNode rev, split;
    if (sbx__js_kind(js, fn) == K_MEMBER &&
        (t = sbx__js_text(js, sbx__js_field(js, fn, F_PROPERTY), &len)) && len == 4 &&
        !memcmp(t, "join", 4) && !ts_node_is_null(sbx__js_child(args, 0)) &&
        sbx__js_kind(js, rev = sbx__js_field(js, fn, F_OBJECT)) == K_CALL &&
        sbx__js_kind(js, (rev = sbx__js_field(js, rev, F_FUNCTION))) == K_MEMBER &&
        (t = sbx__js_text(js, sbx__js_field(js, rev, F_PROPERTY), &len)) && len == 7 &&
        !memcmp(t, "reverse", 7) &&
        sbx__js_kind(js, split = sbx__js_field(js, rev, F_OBJECT)) == K_CALL &&
        sbx__js_kind(js, (split = sbx__js_field(js, split, F_FUNCTION))) == K_MEMBER &&
        (t = sbx__js_text(js, sbx__js_field(js, split, F_PROPERTY), &len)) && len == 5 &&
        !memcmp(t, "split", 5)) {
        struct sbx__js_fold sep = {.steps = f->steps};
        fold_node(js, sbx__js_child(args, 0), &sep, depth + 1);
        struct sbx__js_fold in = {.steps = f->steps};
        fold_node(js, sbx__js_field(js, split, F_OBJECT), &in, depth + 1);
        f->steps = in.steps;
        if (sep.fail || sep.len || in.fail) {
            f->fail = true;
            return;
        }
        for (size_t i = in.len; i-- > 0;)
            fold_put(f, &in.buf[i], 1);
        f->flags |= JS_FOLD_DECODE | in.flags;
        return;
    }
    f->fail = true;
}

/* A const binding's value, through the identifier `n`. */
static void fold_ident(struct sbx__js *js, TSNode n, struct sbx__js_fold *f, int depth)
{
    uint32_t g = sbx__js_lookup(js, n);
    if (g == SBX_JS_NONE || js->g[g].const_ev == SBX_JS_NONE) {
        f->fail = true;
        return;
    }
    f->flags |= JS_FOLD_CONST;
    fold_node(js, js->ev[js->g[g].const_ev].node, f, depth + 1);
}

static void fold_node(struct sbx__js *js, TSNode n, struct sbx__js_fold *f, int depth)
{
    if (f->fail || depth > RESOLVE_DEPTH || ++f->steps > FOLD_STEPS) {
        f->fail = true;
        return;
    }
    switch ((int)sbx__js_kind(js, n)) {
    case K_STRING:
    case K_TEMPLATE:
        fold_quoted(js, n, f);
        break;
    case K_PAREN:
    case K_SEQUENCE:
        fold_node(js, sbx__js_unwrap(js, n), f, depth + 1);
        break;
    case K_BINARY: {
        uint32_t len;
        const char *op = sbx__js_text(js, sbx__js_field(js, n, F_OPERATOR), &len);
        if (len != 1 || *op != '+') {
            f->fail = true;
            break;
        }
        f->flags |= JS_FOLD_CONCAT;
        /* Left-nested chains ('a' + 'b' + ...) are long: the steps cap bounds them. */
        fold_node(js, sbx__js_field(js, n, F_LEFT), f, depth + 1);
        fold_node(js, sbx__js_field(js, n, F_RIGHT), f, depth);
        break;
    }
    case K_CALL:
        fold_call(js, n, f, depth);
        break;
    case K_IDENT:
        fold_ident(js, n, f, depth);
        break;
    default:
        f->fail = true;
        break;
    }
}

/* Fold `n` to a constant string into f (NUL-terminated). */
bool sbx__js_fold(struct sbx__js *js, TSNode n, struct sbx__js_fold *f)
{
    f->len = 0;
    f->flags = 0;
    f->steps = 0;
    f->fail = false;
    fold_node(js, n, f, 0);
    if (f->fail)
        return false;
    if (memchr(f->buf, '\0', f->len))
        return false; /* Node rejects such paths and names */
    f->buf[f->len < SBX_JS_FOLD_MAX ? f->len : SBX_JS_FOLD_MAX - 1] = '\0';
    return f->len < SBX_JS_FOLD_MAX;
}

/* A string whose value may be unknown: a literal, a template, or a concatenation with one. */
static bool stringish(struct sbx__js *js, TSNode n, int depth)
{
    n = sbx__js_unwrap(js, n);
    switch ((int)sbx__js_kind(js, n)) {
    case K_STRING:
    case K_TEMPLATE:
        return true;
    case K_BINARY:
        return depth < 8 && (stringish(js, sbx__js_field(js, n, F_LEFT), depth + 1) ||
                             stringish(js, sbx__js_field(js, n, F_RIGHT), depth + 1));
    case K_IDENT: {
        struct sbx__js_fold *f = malloc(sizeof(*f));
        bool ok = f && sbx__js_fold(js, n, f);
        free(f);
        return ok;
    }
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ resolution */

static struct sbx__js_sym sym_root(uint8_t root)
{
    return (struct sbx__js_sym){.root = root};
}

bool sbx__js_sym_empty(struct sbx__js_sym s)
{
    return s.root == R_NONE && s.flags == 0;
}

static struct sbx__js_sym sym_push(struct sbx__js_sym s, uint16_t member)
{
    if (s.n >= 3)
        return sym_root(R_NONE);
    s.m[s.n++] = member;
    return s;
}

bool sbx__js_sym_is(struct sbx__js_sym s, uint8_t root, int n, uint16_t m0, uint16_t m1)
{
    return s.root == root && s.n == n && (n < 1 || s.m[0] == m0) && (n < 2 || s.m[1] == m1);
}

/* Whether the value is a function (its .constructor is Function, not Object). */
static bool sym_is_function(struct sbx__js_sym s)
{
    if (s.root >= R_MODULE_FIRST)
        return s.n > 0;
    switch (s.root) {
    case R_NONE:
    case R_GLOBAL:
    case R_MODULE:
    case R_PROCESS:
    case R_REFLECT:
    case R_LITERAL:
        return s.n > 0 && s.root != R_LITERAL && s.root != R_NONE;
    default:
        return true;
    }
}

/* `obj.name` (computed: through a subscript whose key was folded). */
struct sbx__js_sym sbx__js_member(struct sbx__js_sym obj, const char *name, uint32_t len,
                                  bool computed)
{
    uint16_t v = sbx__js_vocab(name, len);
    struct sbx__js_sym r;
    if ((v == V_CALL || v == V_APPLY || v == V_BIND) && sym_is_function(obj)) {
        if (obj.flags & (SF_VIA_CALL | SF_VIA_APPLY | SF_VIA_BIND))
            return sym_root(R_NONE);
        obj.flags |= v == V_CALL ? SF_VIA_CALL : v == V_APPLY ? SF_VIA_APPLY : SF_VIA_BIND;
        return obj;
    }
    if (obj.flags & (SF_VIA_CALL | SF_VIA_APPLY | SF_VIA_BIND | SF_DECODED))
        return sym_root(R_NONE);
    if (obj.root >= R_MODULE_FIRST && obj.n == 0 && len == 7 && !memcmp(name, "default", 7))
        return obj; /* (await import('m')).default: CommonJS modules export themselves */
    if (v == V_CONSTRUCTOR && obj.root != R_MODULE && !(obj.root == R_PROCESS && obj.n == 1)) {
        if (!sym_is_function(obj))
            return sym_root(R_CTOR);
        r = sym_root(R_FUNCTION);
        r.flags = SF_CTOR_CHAIN;
    } else if (obj.root == R_GLOBAL && obj.n == 0) {
        r = sym_root(sbx__js_global(name, len));
    } else if (obj.root == R_FUNCTION && obj.n == 0 && v == V_PROTOTYPE) {
        r = sym_root(R_FUNCPROTO);
    } else if (obj.root == R_NONE || obj.root == R_LITERAL || obj.root == R_CTOR ||
               obj.root == R_FUNCLIT || obj.root == R_FUNCPROTO || obj.root == R_FUNCTION ||
               obj.root == R_EVAL) {
        return sym_root(R_NONE);
    } else {
        r = sym_push(obj, v);
        r.flags = obj.flags & SF_CTOR_CHAIN;
    }
    if (computed && !sbx__js_sym_empty(r))
        r.flags |= SF_COMPUTED;
    return r;
}

/* Module name (after "node:") to what require() returns. */
struct sbx__js_sym sbx__js_module(const char *name, size_t len)
{
    if (len > 5 && !memcmp(name, "node:", 5))
        name += 5, len -= 5;
    uint8_t root;
    uint16_t m;
    if (!sbx__js_module_root(name, len, &root, &m))
        return sym_root(R_NONE);
    struct sbx__js_sym s = sym_root(root);
    return m != V_NONE ? sym_push(s, m) : s;
}

/* Whether calling `s` loads a module by name (require and its aliases); *loader: it is one of
 * the internal loaders that sidestep require (process.mainModule.require, Module._load). */
bool sbx__js_is_require(struct sbx__js_sym s, bool *loader)
{
    *loader = false;
    if (sbx__js_sym_is(s, R_REQUIRE, 0, 0, 0) || sbx__js_sym_is(s, R_MODULE, 1, V_REQUIRE, 0) ||
        sbx__js_sym_is(s, R_REQUIRE, 2, V_MAIN, V_REQUIRE))
        return true;
    *loader = sbx__js_sym_is(s, R_PROCESS, 2, V_MAINMODULE, V_REQUIRE) ||
              (s.root == R_PROCESS && s.n == 3 && s.m[0] == V_MAINMODULE &&
               s.m[1] == V_CONSTRUCTOR && s.m[2] == V_LOAD) ||
              sbx__js_sym_is(s, R_MODULE, 2, V_CONSTRUCTOR, V_LOAD) ||
              sbx__js_sym_is(s, M_MODULE, 1, V_LOAD, 0) ||
              sbx__js_sym_is(s, M_MODULE, 2, V_MODULE, V_LOAD);
    return *loader;
}

static struct sbx__js_sym resolve_at(struct sbx__js *js, TSNode n, int depth);

static struct sbx__js_sym call_loads(struct sbx__js *js, TSNode args)
{
    struct sbx__js_fold *f = malloc(sizeof(*f));
    struct sbx__js_sym r = sym_root(R_NONE);
    if (f && sbx__js_kind(js, args) == K_ARGUMENTS && sbx__js_fold(js, sbx__js_child(args, 0), f))
        r = sbx__js_module(f->buf, f->len);
    free(f);
    return r;
}

/* Buffer.from(x, 'base64'), hex, latin1...: bytes from an encoded text (utf8 is plain). */
static bool buffer_decodes(struct sbx__js *js, TSNode args)
{
    uint32_t len;
    TSNode enc = sbx__js_child(args, 1);
    const char *t = sbx__js_text(js, enc, &len);
    return sbx__js_kind(js, enc) == K_STRING && len >= 5 && memcmp(t + 1, "utf", 3) != 0;
}

/* What a call returns, for the calls that matter: require/import (the module), promisify and
 * bind (the function), createRequire (a require), decoders (a decoded string). */
static struct sbx__js_sym resolve_call(struct sbx__js *js, TSNode n, int depth)
{
    TSNode fn = sbx__js_field(js, n, F_FUNCTION), args = sbx__js_field(js, n, F_ARGUMENTS);
    struct sbx__js_sym obj = sym_root(R_NONE), s, d = {.flags = SF_DECODED};
    bool loader, member = sbx__js_kind(js, fn) == K_MEMBER;
    if (sbx__js_kind(js, fn) == K_IMPORT)
        return call_loads(js, args);
    if (member) { /* resolved here once: its object tells whether a method keeps decoding */
        uint32_t len;
        const char *t = sbx__js_text(js, sbx__js_field(js, fn, F_PROPERTY), &len);
        obj = resolve_at(js, sbx__js_field(js, fn, F_OBJECT), depth + 1);
        s = sbx__js_member(obj, t, len, false);
    } else {
        s = resolve_at(js, fn, depth + 1);
    }
    if (sbx__js_is_require(s, &loader))
        return call_loads(js, args);
    if (s.flags & SF_VIA_BIND) {
        s.flags &= (uint8_t)~SF_VIA_BIND;
        return s;
    }
    if (sbx__js_sym_is(s, M_UTIL, 1, V_PROMISIFY, 0))
        return resolve_at(js, sbx__js_child(args, 0), depth + 1);
    if (sbx__js_sym_is(s, M_MODULE, 1, V_CREATEREQUIRE, 0) ||
        sbx__js_sym_is(s, R_MODULE, 2, V_CONSTRUCTOR, V_CREATEREQUIRE))
        return sym_root(R_REQUIRE);
    if (sbx__js_sym_is(s, R_OBJECT, 1, V_GETPROTOTYPEOF, 0))
        return resolve_at(js, sbx__js_child(args, 0), depth + 1).root == R_FUNCLIT
                   ? sym_root(R_FUNCPROTO)
                   : sym_root(R_NONE);
    if ((s.n == 0 && (s.root == R_ATOB || s.root == R_UNESCAPE || s.root == R_DECODEURI)) ||
        sbx__js_sym_is(s, R_STRING, 1, V_FROMCHARCODE, 0) ||
        sbx__js_sym_is(s, R_STRING, 1, V_FROMCODEPOINT, 0) ||
        (sbx__js_sym_is(s, R_BUFFER, 1, V_FROM, 0) && buffer_decodes(js, args)))
        return d;
    /* Methods called on a decoded value keep it decoded (toString, join, reverse...). */
    return member && (obj.flags & SF_DECODED) ? d : sym_root(R_NONE);
}

static struct sbx__js_sym resolve_ident(struct sbx__js *js, TSNode n)
{
    uint32_t g = sbx__js_lookup(js, n);
    if (g != SBX_JS_NONE)
        return js->g[g].sym;
    uint32_t len;
    const char *t = sbx__js_text(js, n, &len);
    return sym_root(sbx__js_global(t, len));
}

static struct sbx__js_sym resolve_subscript(struct sbx__js *js, TSNode n, int depth)
{
    struct sbx__js_sym obj = resolve_at(js, sbx__js_field(js, n, F_OBJECT), depth + 1);
    if (sbx__js_sym_empty(obj))
        return obj;
    TSNode idx = sbx__js_unwrap(js, sbx__js_field(js, n, F_INDEX));
    struct sbx__js_fold *f = malloc(sizeof(*f));
    struct sbx__js_sym r = sym_root(R_NONE);
    if (f && sbx__js_fold(js, idx, f))
        r = sbx__js_member(obj, f->buf, (uint32_t)f->len, (f->flags & ~JS_FOLD_CONST) != 0);
    free(f);
    return r;
}

static struct sbx__js_sym resolve_at(struct sbx__js *js, TSNode n, int depth)
{
    if (depth > RESOLVE_DEPTH || ++js->steps > RESOLVE_STEPS)
        return sym_root(R_NONE);
    uint32_t len;
    const char *t;
    switch ((int)sbx__js_kind(js, n)) {
    case K_PAREN:
    case K_SEQUENCE:
        return resolve_at(js, sbx__js_unwrap(js, n), depth + 1);
    case K_AWAIT:
        return resolve_at(js, sbx__js_child(n, 0), depth + 1);
    case K_IDENT:
        return resolve_ident(js, n);
    case K_MEMBER:
        t = sbx__js_text(js, sbx__js_field(js, n, F_PROPERTY), &len);
        return sbx__js_member(resolve_at(js, sbx__js_field(js, n, F_OBJECT), depth + 1), t, len,
                              false);
    case K_SUBSCRIPT:
        return resolve_subscript(js, n, depth);
    case K_CALL:
        return resolve_call(js, n, depth);
    case K_TERNARY: {
        struct sbx__js_sym s = resolve_at(js, sbx__js_field(js, n, F_CONSEQUENCE), depth + 1);
        return sbx__js_sym_empty(s) ? resolve_at(js, sbx__js_field(js, n, F_ALTERNATIVE), depth + 1)
                                    : s;
    }
    case K_BINARY: { /* a || b, a ?? b, a && b */
        t = sbx__js_text(js, sbx__js_field(js, n, F_OPERATOR), &len);
        if (len != 2 || (memcmp(t, "||", 2) && memcmp(t, "??", 2) && memcmp(t, "&&", 2)))
            return sym_root(R_NONE);
        struct sbx__js_sym s = resolve_at(js, sbx__js_field(js, n, F_RIGHT), depth + 1);
        return sbx__js_sym_empty(s) ? resolve_at(js, sbx__js_field(js, n, F_LEFT), depth + 1) : s;
    }
    case K_ASSIGNMENT:
        return resolve_at(js, sbx__js_field(js, n, F_RIGHT), depth + 1);
    case K_FUNCTION_EXPR:
    case K_ARROW:
    case K_CLASS:
        return sym_root(R_FUNCLIT);
    case K_ARRAY:
    case K_OBJECT:
    case K_STRING:
    case K_TEMPLATE:
    case K_NUMBER:
    case K_REGEX:
    case K_TRUE:
    case K_FALSE:
        return sym_root(R_LITERAL);
    default:
        return sym_root(R_NONE);
    }
}

struct sbx__js_sym sbx__js_resolve(struct sbx__js *js, TSNode n)
{
    js->steps = 0;
    return resolve_at(js, n, 0);
}

bool sbx__js_stringish(struct sbx__js *js, TSNode n)
{
    return stringish(js, n, 0);
}
