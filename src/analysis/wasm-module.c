/*
 * The WebAssembly module reader (see wasm-module.h for what it reads and its limits).
 *
 * One cursor (struct rd) walks the input; `end` is the end of what may be read now (the current
 * section, or the whole input between sections), so every primitive read checks against it and
 * a section can never read into the next one. Every failure goes through fail_at(), which names
 * the offset and what was being read. Arrays are sized from counts that were first checked
 * against the bytes left (each entry has a known minimum encoded size) and against the JS API
 * limits, so a 20-byte module cannot make the reader allocate more than a few bytes.
 *
 * The code section's bodies are skipped by their sizes (and must end with the `end` opcode);
 * instructions are not validated. Constant expressions (global initialisers, segment offsets,
 * element expressions) are decoded instruction by instruction with a flat loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/wasm-module.h"
#include "core/errors.h"
#include "util/cleanup.h"

#define RANK_NONE 0

struct rd {
    const uint8_t *data;
    size_t len;       /* of the whole input */
    size_t pos;       /* offset of the next byte */
    size_t end;       /* reads stop here: the current section's end, or len */
    const char *what; /* what is being read, for messages: "import section" */
    struct sbx_error *err;
    struct sbx__wasm_module *m;
    uint32_t n_imported[5];   /* imports per enum sbx__wasm_kind */
    uint32_t n_defined_funcs; /* entries of the function section */
    size_t sections_cap;      /* allocated entries of m->sections */
    size_t data_count_at;     /* offset of the data count section */
};

static const char *const section_names[] = {
    [SBX_WASM_SEC_CUSTOM] = "custom",
    [SBX_WASM_SEC_TYPE] = "type",
    [SBX_WASM_SEC_IMPORT] = "import",
    [SBX_WASM_SEC_FUNCTION] = "function",
    [SBX_WASM_SEC_TABLE] = "table",
    [SBX_WASM_SEC_MEMORY] = "memory",
    [SBX_WASM_SEC_GLOBAL] = "global",
    [SBX_WASM_SEC_EXPORT] = "export",
    [SBX_WASM_SEC_START] = "start",
    [SBX_WASM_SEC_ELEMENT] = "element",
    [SBX_WASM_SEC_CODE] = "code",
    [SBX_WASM_SEC_DATA] = "data",
    [SBX_WASM_SEC_DATA_COUNT] = "datacount",
    [SBX_WASM_SEC_TAG] = "tag",
};

static const char *const section_whats[] = {
    [SBX_WASM_SEC_CUSTOM] = "custom section",
    [SBX_WASM_SEC_TYPE] = "type section",
    [SBX_WASM_SEC_IMPORT] = "import section",
    [SBX_WASM_SEC_FUNCTION] = "function section",
    [SBX_WASM_SEC_TABLE] = "table section",
    [SBX_WASM_SEC_MEMORY] = "memory section",
    [SBX_WASM_SEC_GLOBAL] = "global section",
    [SBX_WASM_SEC_EXPORT] = "export section",
    [SBX_WASM_SEC_START] = "start section",
    [SBX_WASM_SEC_ELEMENT] = "element section",
    [SBX_WASM_SEC_CODE] = "code section",
    [SBX_WASM_SEC_DATA] = "data section",
    [SBX_WASM_SEC_DATA_COUNT] = "datacount section",
    [SBX_WASM_SEC_TAG] = "tag section",
};

/* Where each non-custom section may stand (binary format 5.5.2; tags after memories). */
static const uint8_t section_rank[] = {
    [SBX_WASM_SEC_TYPE] = 1,     [SBX_WASM_SEC_IMPORT] = 2,      [SBX_WASM_SEC_FUNCTION] = 3,
    [SBX_WASM_SEC_TABLE] = 4,    [SBX_WASM_SEC_MEMORY] = 5,      [SBX_WASM_SEC_TAG] = 6,
    [SBX_WASM_SEC_GLOBAL] = 7,   [SBX_WASM_SEC_EXPORT] = 8,      [SBX_WASM_SEC_START] = 9,
    [SBX_WASM_SEC_ELEMENT] = 10, [SBX_WASM_SEC_DATA_COUNT] = 11, [SBX_WASM_SEC_CODE] = 12,
    [SBX_WASM_SEC_DATA] = 13,
};

const char *sbx__wasm_section_name(uint8_t id)
{
    return id < ARRAY_SIZE(section_names) ? section_names[id] : "unknown";
}

const char *sbx__wasm_kind_name(enum sbx__wasm_kind kind)
{
    switch (kind) {
    case SBX_WASM_FUNC:
        return "func";
    case SBX_WASM_TABLE:
        return "table";
    case SBX_WASM_MEMORY:
        return "memory";
    case SBX_WASM_GLOBAL:
        return "global";
    case SBX_WASM_TAG:
        return "tag";
    }
    return "unknown";
}

/* ---- errors and primitive reads ---- */

static int fail_at(struct rd *r, size_t off, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int fail_at(struct rd *r, size_t off, const char *fmt, ...)
{
    char msg[SBX_ERROR_MESSAGE_MAX - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sbx__error(r->err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0, "offset 0x%zx: %s", off, msg);
}

static int no_memory(struct rd *r)
{
    return sbx__error(r->err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM,
                      "reading a WebAssembly module");
}

static int need(struct rd *r, size_t n)
{
    size_t left = r->end - r->pos;
    if (n <= left)
        return 0;
    return fail_at(r, r->pos, "truncated %s (needs %zu byte%s, %zu left)", r->what, n,
                   n == 1 ? "" : "s", left);
}

static int read_u8(struct rd *r, uint8_t *ret)
{
    int k = need(r, 1);
    if (k < 0)
        return k;
    *ret = r->data[r->pos++];
    return 0;
}

static int skip(struct rd *r, size_t n)
{
    int k = need(r, n);
    if (k < 0)
        return k;
    r->pos += n;
    return 0;
}

/* Unsigned LEB128 of `bits` (32 or 64) bits: at most ceil(bits/7) bytes, and the last byte's
 * bits above the type's width must be zero (spec: "integer too large"). */
static int read_uleb(struct rd *r, unsigned bits, uint64_t *ret)
{
    size_t start = r->pos;
    unsigned max_bytes = (bits + 6) / 7;
    uint64_t v = 0;
    for (unsigned i = 0;; i++) {
        uint8_t b;
        int k = read_u8(r, &b);
        if (k < 0)
            return k;
        if (i == max_bytes - 1) {
            if (b & 0x80)
                return fail_at(r, start,
                               "integer representation too long in %s (more than %u "
                               "bytes)",
                               r->what, max_bytes);
            if (b >> (bits - 7 * i))
                return fail_at(r, start, "integer too large in %s (more than %u bits)", r->what,
                               bits);
        }
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *ret = v;
    return 0;
}

/* Signed LEB128 of `bits` (32, 33 or 64) bits; the last byte's unused bits must all equal the
 * sign bit. */
static int read_sleb(struct rd *r, unsigned bits, int64_t *ret)
{
    size_t start = r->pos;
    unsigned max_bytes = (bits + 6) / 7, shift = 0;
    uint64_t v = 0;
    uint8_t b;
    for (unsigned i = 0;; i++) {
        int k = read_u8(r, &b);
        if (k < 0)
            return k;
        if (i == max_bytes - 1) {
            unsigned used = bits - shift; /* value bits in this byte, the sign bit included */
            uint8_t high = (uint8_t)((b & 0x7f) >> used);
            uint8_t want = ((b >> (used - 1)) & 1) ? (uint8_t)(0x7f >> used) : 0;
            if (b & 0x80)
                return fail_at(r, start,
                               "integer representation too long in %s (more than %u "
                               "bytes)",
                               r->what, max_bytes);
            if (high != want)
                return fail_at(r, start, "integer too large in %s (more than %u bits)", r->what,
                               bits);
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    *ret = (int64_t)v;
    return 0;
}

static int read_u32(struct rd *r, uint32_t *ret)
{
    uint64_t v;
    int k = read_uleb(r, 32, &v);
    if (k < 0)
        return k;
    *ret = (uint32_t)v;
    return 0;
}

/* An index that must be below `bound`: `what` names the index space ("function"). */
static int read_index(struct rd *r, uint32_t bound, const char *what, uint32_t *ret)
{
    size_t start = r->pos;
    uint32_t v;
    int k = read_u32(r, &v);
    if (k < 0)
        return k;
    if (v >= bound)
        return fail_at(r, start, "%s index %" PRIu32 " out of range in %s (%" PRIu32 " defined)",
                       what, v, r->what, bound);
    if (ret)
        *ret = v;
    return 0;
}

/* A vector's length, checked against the limit and against the bytes left: each entry takes
 * at least `min_entry` bytes, so nothing is allocated for entries that cannot be there. */
static int read_count(struct rd *r, size_t min_entry, uint32_t limit, const char *things,
                      uint32_t *ret)
{
    size_t start = r->pos;
    uint32_t n;
    int k = read_u32(r, &n);
    if (k < 0)
        return k;
    if (n > limit)
        return fail_at(r, start, "%s declares %" PRIu32 " %s (the limit is %" PRIu32 ")", r->what,
                       n, things, limit);
    size_t left = r->end - r->pos;
    if ((uint64_t)n * min_entry > left)
        return fail_at(r, start,
                       "truncated %s (%" PRIu32 " %s need at least %" PRIu64 " bytes, %zu left)",
                       r->what, n, things, (uint64_t)n * min_entry, left);
    *ret = n;
    return 0;
}

/* Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            len = 3, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static int read_name(struct rd *r, struct sbx__wasm_name *ret)
{
    size_t start = r->pos;
    uint32_t n;
    int k = read_u32(r, &n);
    if (k < 0 || (k = need(r, n)) < 0)
        return k;
    if (!utf8_valid(r->data + r->pos, n))
        return fail_at(r, start, "malformed UTF-8 encoding in a name in %s", r->what);
    ret->ptr = (const char *)(r->data + r->pos);
    ret->len = n;
    r->pos += n;
    return 0;
}

/* ---- types ---- */

static bool is_numvec(uint8_t b)
{
    return b >= 0x7b && b <= 0x7f; /* v128 f64 f32 i64 i32 */
}

static bool is_abstract_heap(uint8_t b)
{
    return b >= 0x69 && b <= 0x74; /* exn array struct i31 eq any extern func none ... noexn */
}

/* A heap type: an abstract one (one byte) or a type index (s33 >= 0). */
static int read_heaptype(struct rd *r)
{
    size_t start = r->pos;
    int64_t v;
    int k = read_sleb(r, 33, &v);
    if (k < 0)
        return k;
    if (v < 0 && !(r->pos - start == 1 && is_abstract_heap(r->data[start])))
        return fail_at(r, start, "malformed heap type in %s", r->what);
    return 0;
}

static int read_valtype(struct rd *r, uint8_t *ret)
{
    size_t start = r->pos;
    uint8_t b;
    int k = read_u8(r, &b);
    if (k < 0)
        return k;
    if (b == 0x63 || b == 0x64)
        k = read_heaptype(r);
    else if (!is_numvec(b) && !is_abstract_heap(b))
        return fail_at(r, start, "malformed value type 0x%02x in %s", b, r->what);
    if (k < 0)
        return k;
    *ret = b;
    return 0;
}

static int read_reftype(struct rd *r, uint8_t *ret)
{
    size_t start = r->pos;
    int k = read_valtype(r, ret);
    if (k < 0)
        return k;
    if (is_numvec(*ret))
        return fail_at(r, start, "malformed reference type 0x%02x in %s", *ret, r->what);
    return 0;
}

static int check_limits(struct rd *r, size_t start, bool memory, const struct sbx__wasm_limits *l)
{
    uint64_t cap = !memory ? (l->is64 ? UINT64_MAX : UINT32_MAX)
                           : (l->is64 ? SBX_WASM_MAX_PAGES64 : SBX_WASM_MAX_PAGES32);
    if (l->min > cap || (l->has_max && l->max > cap))
        return fail_at(r, start, "%s size must be at most %" PRIu64 " %s in %s",
                       memory ? "memory" : "table", cap, memory ? "pages" : "elements", r->what);
    if (l->has_max && l->min > l->max)
        return fail_at(r, start,
                       "size minimum %" PRIu64 " is greater than maximum %" PRIu64 " in %s", l->min,
                       l->max, r->what);
    if (l->shared && !l->has_max)
        return fail_at(r, start, "a shared memory must have a maximum size in %s", r->what);
    return 0;
}

/* Limits: a flags byte (bit 0: has a maximum; bit 1: shared, memories only; bit 2: 64-bit),
 * then the minimum and the optional maximum as u32 or u64. */
static int read_limits(struct rd *r, bool memory, struct sbx__wasm_limits *ret)
{
    size_t start = r->pos;
    uint8_t flags;
    int k = read_u8(r, &flags);
    if (k < 0)
        return k;
    if (flags > 7 || (!memory && (flags & 2)))
        return fail_at(r, start, "malformed limits flags 0x%02x in %s", flags, r->what);
    struct sbx__wasm_limits l = {
        .has_max = flags & 1, .shared = (flags & 2) != 0, .is64 = (flags & 4) != 0};
    unsigned bits = l.is64 ? 64 : 32;
    if ((k = read_uleb(r, bits, &l.min)) < 0 || (l.has_max && (k = read_uleb(r, bits, &l.max)) < 0))
        return k;
    if ((k = check_limits(r, start, memory, &l)) < 0)
        return k;
    *ret = l;
    return 0;
}

static int read_globaltype(struct rd *r, uint8_t *ret_type, bool *ret_mut)
{
    int k = read_valtype(r, ret_type);
    if (k < 0)
        return k;
    size_t at = r->pos;
    uint8_t mut;
    if ((k = read_u8(r, &mut)) < 0)
        return k;
    if (mut > 1)
        return fail_at(r, at, "malformed mutability 0x%02x in %s", mut, r->what);
    *ret_mut = mut;
    return 0;
}

/* A tag type: attribute 0 (exception) and the index of a type with no results. */
static int read_tagtype(struct rd *r, uint32_t *ret)
{
    size_t at = r->pos;
    uint8_t attr;
    int k = read_u8(r, &attr);
    if (k < 0)
        return k;
    if (attr != 0)
        return fail_at(r, at, "malformed tag attribute 0x%02x in %s", attr, r->what);
    at = r->pos;
    if ((k = read_index(r, r->m->n_types, "type", ret)) < 0)
        return k;
    if (r->m->types[*ret].n_results != 0)
        return fail_at(r, at, "a tag's type must have no results in %s", r->what);
    return 0;
}

/* ---- constant expressions ---- */

static int const_instr(struct rd *r, uint8_t op, size_t at)
{
    int64_t s;
    uint32_t sub;
    int k;
    switch (op) {
    case 0x41: /* i32.const */
        return read_sleb(r, 32, &s);
    case 0x42: /* i64.const */
        return read_sleb(r, 64, &s);
    case 0x43: /* f32.const */
        return skip(r, 4);
    case 0x44: /* f64.const */
        return skip(r, 8);
    case 0x23: /* global.get */
        return read_index(r, r->m->n_globals, "global", NULL);
    case 0xd0: /* ref.null */
        return read_heaptype(r);
    case 0xd2: /* ref.func */
        return read_index(r, r->m->n_funcs, "function", NULL);
    case 0x6a: /* i32.add, i32.sub, i32.mul, i64.add, i64.sub, i64.mul (extended-const) */
    case 0x6b:
    case 0x6c:
    case 0x7c:
    case 0x7d:
    case 0x7e:
        return 0;
    case 0xfd: /* SIMD prefix: only v128.const (12) is constant */
        if ((k = read_u32(r, &sub)) < 0)
            return k;
        if (sub != 12)
            return fail_at(r, at, "instruction 0xfd %" PRIu32 " is not constant in %s", sub,
                           r->what);
        return skip(r, 16);
    default:
        return fail_at(r, at, "illegal opcode 0x%02x in a constant expression in %s", op, r->what);
    }
}

/* Decode a constant expression up to and including its `end` (0x0b); bounded by the section. */
static int skip_const_expr(struct rd *r)
{
    for (;;) {
        size_t at = r->pos;
        uint8_t op;
        int k = read_u8(r, &op);
        if (k < 0)
            return k;
        if (op == 0x0b)
            return 0;
        if ((k = const_instr(r, op, at)) < 0)
            return k;
    }
}

/* ---- sections ---- */

/* Grow *arr (of n_old elements) to n_new elements of `size` bytes. */
static int grow(struct rd *r, void **arr, size_t n_new, size_t size)
{
    void *p = realloc(*arr, (n_new ? n_new : 1) * size);
    if (!p)
        return no_memory(r);
    *arr = p;
    return 0;
}

static int read_functype(struct rd *r, struct sbx__wasm_functype *t, uint8_t **store)
{
    t->offset = r->pos;
    uint8_t form;
    int k = read_u8(r, &form);
    if (k < 0)
        return k;
    if (form != 0x60)
        return fail_at(r, t->offset,
                       "unsupported type form 0x%02x in %s (only function types, 0x60)", form,
                       r->what);
    uint32_t *counts[2] = {&t->n_params, &t->n_results};
    const uint8_t **codes[2] = {&t->params, &t->results};
    for (int i = 0; i < 2; i++) {
        uint32_t n;
        if ((k = read_count(r, 1, i ? SBX_WASM_MAX_RESULTS : SBX_WASM_MAX_PARAMS,
                            i ? "results" : "parameters", &n)) < 0)
            return k;
        *counts[i] = n;
        *codes[i] = *store;
        for (uint32_t j = 0; j < n; j++)
            if ((k = read_valtype(r, (*store)++)) < 0)
                return k;
    }
    return 0;
}

static int read_type_section(struct rd *r, size_t size)
{
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_count(r, 3, SBX_WASM_MAX_TYPES, "types", &n);
    if (k < 0)
        return k;
    /* Each value type takes at least one byte of the section: `size` codes always suffice. */
    m->valtype_store = malloc(size ? size : 1);
    m->types = calloc(n ? n : 1, sizeof(*m->types));
    if (!m->valtype_store || !m->types)
        return no_memory(r);
    uint8_t *store = m->valtype_store;
    for (uint32_t i = 0; i < n; i++, m->n_types++)
        if ((k = read_functype(r, &m->types[i], &store)) < 0)
            return k;
    return 0;
}

static const uint32_t kind_limits[] = {
    [SBX_WASM_FUNC] = SBX_WASM_MAX_FUNCTIONS,  [SBX_WASM_TABLE] = SBX_WASM_MAX_TABLES,
    [SBX_WASM_MEMORY] = SBX_WASM_MAX_MEMORIES, [SBX_WASM_GLOBAL] = SBX_WASM_MAX_GLOBALS,
    [SBX_WASM_TAG] = SBX_WASM_MAX_TAGS,
};

static int read_importdesc(struct rd *r, struct sbx__wasm_import *imp)
{
    size_t at = r->pos;
    uint8_t kind;
    int k = read_u8(r, &kind);
    if (k < 0)
        return k;
    switch (kind) {
    case SBX_WASM_FUNC:
        k = read_index(r, r->m->n_types, "type", &imp->type_index);
        break;
    case SBX_WASM_TABLE:
        if ((k = read_reftype(r, &imp->valtype)) >= 0)
            k = read_limits(r, false, &imp->limits);
        break;
    case SBX_WASM_MEMORY:
        k = read_limits(r, true, &imp->limits);
        break;
    case SBX_WASM_GLOBAL:
        k = read_globaltype(r, &imp->valtype, &imp->mutable_);
        break;
    case SBX_WASM_TAG:
        k = read_tagtype(r, &imp->type_index);
        break;
    default:
        return fail_at(r, at, "malformed import kind 0x%02x in %s", kind, r->what);
    }
    if (k < 0)
        return k;
    imp->kind = (enum sbx__wasm_kind)kind;
    if (++r->n_imported[kind] > kind_limits[kind])
        return fail_at(r, at, "too many imported %ss (the limit is %" PRIu32 ")",
                       sbx__wasm_kind_name(imp->kind), kind_limits[kind]);
    return 0;
}

/* The imported entries open each index space; the defining sections append to them. */
static int import_index_spaces(struct rd *r)
{
    struct sbx__wasm_module *m = r->m;
    int k;
    if ((k = grow(r, (void **)&m->func_types, r->n_imported[SBX_WASM_FUNC], sizeof(uint32_t))) <
            0 ||
        (k = grow(r, (void **)&m->tables, r->n_imported[SBX_WASM_TABLE], sizeof(*m->tables))) < 0 ||
        (k = grow(r, (void **)&m->memories, r->n_imported[SBX_WASM_MEMORY], sizeof(*m->memories))) <
            0 ||
        (k = grow(r, (void **)&m->globals, r->n_imported[SBX_WASM_GLOBAL], sizeof(*m->globals))) <
            0 ||
        (k = grow(r, (void **)&m->tag_types, r->n_imported[SBX_WASM_TAG], sizeof(uint32_t))) < 0)
        return k;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const struct sbx__wasm_import *imp = &m->imports[i];
        size_t off = imp->offset;
        switch (imp->kind) {
        case SBX_WASM_FUNC:
            m->func_types[m->n_funcs++] = imp->type_index;
            break;
        case SBX_WASM_TABLE:
            m->tables[m->n_tables++] =
                (struct sbx__wasm_table){imp->limits, imp->valtype, off, true, i};
            break;
        case SBX_WASM_MEMORY:
            m->memories[m->n_memories++] = (struct sbx__wasm_memory){imp->limits, off, true, i};
            break;
        case SBX_WASM_GLOBAL:
            m->globals[m->n_globals++] =
                (struct sbx__wasm_global){imp->valtype, imp->mutable_, off, true, i};
            break;
        case SBX_WASM_TAG:
            m->tag_types[m->n_tags++] = imp->type_index;
            break;
        }
    }
    m->n_func_imports = m->n_funcs;
    return 0;
}

static int read_import_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_count(r, 4, SBX_WASM_MAX_IMPORTS, "imports", &n);
    if (k < 0)
        return k;
    m->imports = calloc(n ? n : 1, sizeof(*m->imports));
    if (!m->imports)
        return no_memory(r);
    for (uint32_t i = 0; i < n; i++, m->n_imports++) {
        struct sbx__wasm_import *imp = &m->imports[i];
        imp->offset = r->pos;
        if ((k = read_name(r, &imp->module)) < 0 || (k = read_name(r, &imp->field)) < 0 ||
            (k = read_importdesc(r, imp)) < 0)
            return k;
    }
    return import_index_spaces(r);
}

/* Read a section's count of new entries for an index space that already holds `have`, and
 * grow its array to fit. */
static int read_space_count(struct rd *r, size_t min_entry, enum sbx__wasm_kind kind, uint32_t have,
                            void **arr, size_t size, uint32_t *ret)
{
    size_t at = r->pos;
    uint32_t n;
    int k = read_count(r, min_entry, kind_limits[kind], "entries", &n);
    if (k < 0)
        return k;
    if ((uint64_t)have + n > kind_limits[kind])
        return fail_at(r, at, "too many %ss (%" PRIu64 ", the limit is %" PRIu32 ")",
                       sbx__wasm_kind_name(kind), (uint64_t)have + n, kind_limits[kind]);
    if ((k = grow(r, arr, (size_t)have + n, size)) < 0)
        return k;
    *ret = n;
    return 0;
}

static int read_function_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_space_count(r, 1, SBX_WASM_FUNC, m->n_funcs, (void **)&m->func_types,
                             sizeof(uint32_t), &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, m->n_funcs++)
        if ((k = read_index(r, m->n_types, "type", &m->func_types[m->n_funcs])) < 0)
            return k;
    r->n_defined_funcs = n;
    return 0;
}

/* A table: its type, or (function references) 0x40 0x00, its type and an initialiser. */
static int read_table(struct rd *r, struct sbx__wasm_table *t)
{
    *t = (struct sbx__wasm_table){.offset = r->pos};
    bool init = r->pos < r->end && r->data[r->pos] == 0x40;
    int k;
    if (init) {
        size_t at = r->pos + 1;
        uint8_t zero;
        if ((k = skip(r, 1)) < 0 || (k = read_u8(r, &zero)) < 0)
            return k;
        if (zero != 0)
            return fail_at(r, at, "malformed table initialiser prefix in %s", r->what);
    }
    if ((k = read_reftype(r, &t->reftype)) < 0 || (k = read_limits(r, false, &t->limits)) < 0)
        return k;
    return init ? skip_const_expr(r) : 0;
}

static int read_table_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_space_count(r, 3, SBX_WASM_TABLE, m->n_tables, (void **)&m->tables,
                             sizeof(*m->tables), &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, m->n_tables++)
        if ((k = read_table(r, &m->tables[m->n_tables])) < 0)
            return k;
    return 0;
}

static int read_memory_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_space_count(r, 2, SBX_WASM_MEMORY, m->n_memories, (void **)&m->memories,
                             sizeof(*m->memories), &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, m->n_memories++) {
        struct sbx__wasm_memory *mem = &m->memories[m->n_memories];
        *mem = (struct sbx__wasm_memory){.offset = r->pos};
        if ((k = read_limits(r, true, &mem->limits)) < 0)
            return k;
    }
    return 0;
}

static int read_tag_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_space_count(r, 2, SBX_WASM_TAG, m->n_tags, (void **)&m->tag_types,
                             sizeof(uint32_t), &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, m->n_tags++)
        if ((k = read_tagtype(r, &m->tag_types[m->n_tags])) < 0)
            return k;
    return 0;
}

static int read_global_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_space_count(r, 3, SBX_WASM_GLOBAL, m->n_globals, (void **)&m->globals,
                             sizeof(*m->globals), &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++) {
        struct sbx__wasm_global *g = &m->globals[m->n_globals];
        *g = (struct sbx__wasm_global){.offset = r->pos};
        /* The initialiser may read only the globals before this one. */
        if ((k = read_globaltype(r, &g->valtype, &g->mutable_)) < 0 || (k = skip_const_expr(r)) < 0)
            return k;
        m->n_globals++;
    }
    return 0;
}

static const uint32_t *space_size(const struct sbx__wasm_module *m, enum sbx__wasm_kind kind)
{
    switch (kind) {
    case SBX_WASM_FUNC:
        return &m->n_funcs;
    case SBX_WASM_TABLE:
        return &m->n_tables;
    case SBX_WASM_MEMORY:
        return &m->n_memories;
    case SBX_WASM_GLOBAL:
        return &m->n_globals;
    case SBX_WASM_TAG:
        return &m->n_tags;
    }
    return NULL;
}

static int name_cmp(struct sbx__wasm_name a, struct sbx__wasm_name b)
{
    int c = memcmp(a.ptr, b.ptr, MIN(a.len, b.len));
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

static int export_cmp(const void *a, const void *b)
{
    const struct sbx__wasm_export *x = *(const struct sbx__wasm_export *const *)a;
    const struct sbx__wasm_export *y = *(const struct sbx__wasm_export *const *)b;
    return name_cmp(x->name, y->name);
}

/* Export names must be unique: sort pointers by name and compare neighbours. */
static int check_export_names(struct rd *r)
{
    struct sbx__wasm_module *m = r->m;
    if (m->n_exports < 2)
        return 0;
    _cleanup_free_ const struct sbx__wasm_export **sorted = calloc(m->n_exports, sizeof(*sorted));
    if (!sorted)
        return no_memory(r);
    for (uint32_t i = 0; i < m->n_exports; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->n_exports, sizeof(*sorted), export_cmp);
    for (uint32_t i = 1; i < m->n_exports; i++)
        if (name_cmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
            const struct sbx__wasm_export *dup = MAX(sorted[i - 1], sorted[i]);
            char shown[64];
            return fail_at(r, dup->offset, "duplicate export name \"%s\" in %s",
                           sbx__wasm_name_printable(dup->name, shown, sizeof(shown)), r->what);
        }
    return 0;
}

static int read_export_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    uint32_t n;
    int k = read_count(r, 3, SBX_WASM_MAX_EXPORTS, "exports", &n);
    if (k < 0)
        return k;
    m->exports = calloc(n ? n : 1, sizeof(*m->exports));
    if (!m->exports)
        return no_memory(r);
    for (uint32_t i = 0; i < n; i++, m->n_exports++) {
        struct sbx__wasm_export *e = &m->exports[i];
        e->offset = r->pos;
        if ((k = read_name(r, &e->name)) < 0)
            return k;
        size_t at = r->pos;
        uint8_t kind;
        if ((k = read_u8(r, &kind)) < 0)
            return k;
        if (kind > SBX_WASM_TAG)
            return fail_at(r, at, "malformed export kind 0x%02x in %s", kind, r->what);
        e->kind = (enum sbx__wasm_kind)kind;
        if ((k = read_index(r, *space_size(m, e->kind), sbx__wasm_kind_name(e->kind), &e->index)) <
            0)
            return k;
    }
    return check_export_names(r);
}

static int read_start_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    size_t at = r->pos;
    int k = read_index(r, m->n_funcs, "function", &m->start);
    if (k < 0)
        return k;
    const struct sbx__wasm_functype *t = &m->types[m->func_types[m->start]];
    if (t->n_params || t->n_results)
        return fail_at(r, at, "the start function %" PRIu32 " must take and return nothing",
                       m->start);
    m->has_start = true;
    return 0;
}

/* Element segment flags: bit 0 passive or declarative, bit 1 an explicit table index (active)
 * or declarative (bit 0 set), bit 2 initialisers are expressions instead of function indices. */
static int read_element(struct rd *r)
{
    struct sbx__wasm_module *m = r->m;
    size_t at = r->pos;
    uint32_t flags, n;
    int k = read_u32(r, &flags);
    if (k < 0)
        return k;
    if (flags > 7)
        return fail_at(r, at, "malformed element segment flags %" PRIu32 " in %s", flags, r->what);
    bool active = !(flags & 1), exprs = flags & 4;
    if (active && (flags & 2))
        k = read_index(r, m->n_tables, "table", NULL);
    else if (active)
        k = m->n_tables ? 0 : fail_at(r, at, "element segment for table 0, which does not exist");
    if (k < 0 || (active && (k = skip_const_expr(r)) < 0))
        return k;
    if (!active || (flags & 2)) {
        uint8_t kind;
        at = r->pos;
        if (exprs)
            k = read_reftype(r, &kind);
        else if ((k = read_u8(r, &kind)) >= 0 && kind != 0)
            return fail_at(r, at, "malformed element kind 0x%02x in %s", kind, r->what);
        if (k < 0)
            return k;
    }
    if ((k = read_count(r, 1, UINT32_MAX, "elements", &n)) < 0)
        return k;
    for (uint32_t i = 0; i < n; i++)
        if ((k = exprs ? skip_const_expr(r) : read_index(r, m->n_funcs, "function", NULL)) < 0)
            return k;
    return 0;
}

static int read_element_section(struct rd *r, size_t size)
{
    (void)size;
    uint32_t n;
    int k = read_count(r, 2, SBX_WASM_MAX_ELEMENT_SEGMENTS, "element segments", &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, r->m->n_elements++)
        if ((k = read_element(r)) < 0)
            return k;
    return 0;
}

static int read_datacount_section(struct rd *r, size_t size)
{
    (void)size;
    r->data_count_at = r->m->sections[r->m->n_sections - 1].offset;
    int k = read_u32(r, &r->m->data_count);
    if (k < 0)
        return k;
    r->m->has_data_count = true;
    return 0;
}

static int read_code_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_module *m = r->m;
    size_t at = r->pos;
    uint32_t n;
    int k = read_count(r, 2, SBX_WASM_MAX_FUNCTIONS, "function bodies", &n);
    if (k < 0)
        return k;
    if (n != r->n_defined_funcs)
        return fail_at(r, at,
                       "function and code section have inconsistent lengths (%" PRIu32
                       " functions, %" PRIu32 " bodies)",
                       r->n_defined_funcs, n);
    for (uint32_t i = 0; i < n; i++, m->n_code_bodies++) {
        at = r->pos;
        uint32_t body;
        if ((k = read_u32(r, &body)) < 0)
            return k;
        if (body == 0 || body > SBX_WASM_MAX_BODY_SIZE)
            return fail_at(r, at, "function body %" PRIu32 " has a bad size (%" PRIu32 " bytes)", i,
                           body);
        if ((k = skip(r, body)) < 0)
            return k;
        if (r->data[r->pos - 1] != 0x0b)
            return fail_at(r, r->pos - 1, "function body %" PRIu32 " does not end with `end`", i);
    }
    return 0;
}

static int read_data(struct rd *r)
{
    size_t at = r->pos;
    uint32_t flags, n;
    int k = read_u32(r, &flags);
    if (k < 0)
        return k;
    if (flags > 2)
        return fail_at(r, at, "malformed data segment flags %" PRIu32 " in %s", flags, r->what);
    if (flags == 2)
        k = read_index(r, r->m->n_memories, "memory", NULL);
    else if (flags == 0)
        k = r->m->n_memories ? 0
                             : fail_at(r, at, "data segment for memory 0, which does not exist");
    if (k < 0 || (flags != 1 && (k = skip_const_expr(r)) < 0) || (k = read_u32(r, &n)) < 0)
        return k;
    return skip(r, n);
}

static int read_data_section(struct rd *r, size_t size)
{
    (void)size;
    uint32_t n;
    int k = read_count(r, 2, SBX_WASM_MAX_DATA_SEGMENTS, "data segments", &n);
    if (k < 0)
        return k;
    for (uint32_t i = 0; i < n; i++, r->m->n_data++)
        if ((k = read_data(r)) < 0)
            return k;
    return 0;
}

static int read_custom_section(struct rd *r, size_t size)
{
    (void)size;
    struct sbx__wasm_section *s = &r->m->sections[r->m->n_sections - 1];
    int k = read_name(r, &s->name);
    if (k < 0)
        return k;
    r->pos = r->end; /* the contents are the producer's business */
    return 0;
}

typedef int (*section_reader)(struct rd *r, size_t size);

static const section_reader section_readers[] = {
    [SBX_WASM_SEC_CUSTOM] = read_custom_section,
    [SBX_WASM_SEC_TYPE] = read_type_section,
    [SBX_WASM_SEC_IMPORT] = read_import_section,
    [SBX_WASM_SEC_FUNCTION] = read_function_section,
    [SBX_WASM_SEC_TABLE] = read_table_section,
    [SBX_WASM_SEC_MEMORY] = read_memory_section,
    [SBX_WASM_SEC_GLOBAL] = read_global_section,
    [SBX_WASM_SEC_EXPORT] = read_export_section,
    [SBX_WASM_SEC_START] = read_start_section,
    [SBX_WASM_SEC_ELEMENT] = read_element_section,
    [SBX_WASM_SEC_CODE] = read_code_section,
    [SBX_WASM_SEC_DATA] = read_data_section,
    [SBX_WASM_SEC_DATA_COUNT] = read_datacount_section,
    [SBX_WASM_SEC_TAG] = read_tag_section,
};

static int add_section(struct rd *r, uint8_t id, size_t offset, size_t size)
{
    struct sbx__wasm_module *m = r->m;
    /* Doubling; each section takes at least 2 bytes, so this stays below len / 2 entries. */
    if (m->n_sections == r->sections_cap) {
        size_t cap = r->sections_cap ? 2 * r->sections_cap : 8;
        int k = grow(r, (void **)&m->sections, cap, sizeof(*m->sections));
        if (k < 0)
            return k;
        r->sections_cap = cap;
    }
    m->sections[m->n_sections++] =
        (struct sbx__wasm_section){.id = id, .offset = offset, .content = r->pos, .size = size};
    return 0;
}

/* A section header (id, size), its order, and its contents, which must fill it exactly. */
static int read_section(struct rd *r, unsigned *last_rank, unsigned *last_id)
{
    size_t at = r->pos;
    uint8_t id;
    uint32_t size;
    r->end = r->len;
    r->what = "section header";
    int k = read_u8(r, &id);
    if (k < 0)
        return k;
    if (id >= ARRAY_SIZE(section_readers))
        return fail_at(r, at, "malformed section id %u", id);
    if ((k = read_u32(r, &size)) < 0)
        return k;
    if (size > r->len - r->pos)
        return fail_at(r, at,
                       "the %s's size (%" PRIu32 " bytes) runs past the end of the module "
                       "(%zu bytes left)",
                       section_whats[id], size, r->len - r->pos);
    if (id != SBX_WASM_SEC_CUSTOM) {
        if (section_rank[id] == *last_rank)
            return fail_at(r, at, "duplicate %s", section_whats[id]);
        if (section_rank[id] < *last_rank)
            return fail_at(r, at, "the %s must come before the %s", section_whats[id],
                           section_whats[*last_id]);
        *last_rank = section_rank[id];
        *last_id = id;
    }
    if ((k = add_section(r, id, at, size)) < 0)
        return k;
    r->end = r->pos + size;
    r->what = section_whats[id];
    if ((k = section_readers[id](r, size)) < 0)
        return k;
    if (r->pos != r->end)
        return fail_at(r, r->pos,
                       "section size mismatch: the %s declares %" PRIu32
                       " bytes but its contents end %zu bytes earlier",
                       section_whats[id], size, r->end - r->pos);
    return 0;
}

static int read_header(struct rd *r)
{
    static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
    r->end = r->len;
    if (r->len < 4 || memcmp(r->data, magic, 4) != 0)
        return fail_at(r, 0, "not a WebAssembly module (bad magic)");
    if (r->len < 8)
        return fail_at(r, 4, "truncated module header (needs 4 bytes of version, %zu left)",
                       r->len - 4);
    uint32_t version = (uint32_t)r->data[4] | (uint32_t)r->data[5] << 8 |
                       (uint32_t)r->data[6] << 16 | (uint32_t)r->data[7] << 24;
    if ((version & 0xffff) == 0x0d && version >> 16 == 1)
        return fail_at(r, 4, "a WebAssembly component, not a core module: not supported");
    if (version != 1)
        return fail_at(r, 4, "unsupported WebAssembly version %" PRIu32 " (only version 1)",
                       version);
    r->m->version = version;
    r->pos = 8;
    return 0;
}

/* What can only be checked once every section was read. */
static int check_module(struct rd *r)
{
    struct sbx__wasm_module *m = r->m;
    if (r->n_defined_funcs != m->n_code_bodies)
        return fail_at(r, r->len,
                       "function and code section have inconsistent lengths (%" PRIu32
                       " functions, %" PRIu32 " bodies)",
                       r->n_defined_funcs, m->n_code_bodies);
    if (m->has_data_count && m->data_count != m->n_data)
        return fail_at(r, r->data_count_at,
                       "data count and data section have inconsistent lengths (%" PRIu32
                       " declared, %" PRIu32 " segments)",
                       m->data_count, m->n_data);
    return 0;
}

int sbx__wasm_module_read(const uint8_t *data, size_t len, struct sbx__wasm_module **ret,
                          struct sbx_error *err)
{
    struct rd r = {.data = data, .len = len, .err = err, .what = "module header"};
    if (len > SBX_WASM_MAX_MODULE_SIZE)
        return fail_at(&r, 0, "module too large (%zu bytes, the limit is %u)", len,
                       SBX_WASM_MAX_MODULE_SIZE);
    r.m = calloc(1, sizeof(*r.m));
    if (!r.m)
        return no_memory(&r);
    r.m->size = len;
    unsigned last_rank = RANK_NONE, last_id = 0;
    int k = read_header(&r);
    while (k >= 0 && r.pos < len)
        k = read_section(&r, &last_rank, &last_id);
    if (k >= 0)
        k = check_module(&r);
    if (k < 0) {
        sbx__wasm_module_free(r.m);
        return k;
    }
    *ret = r.m;
    return 0;
}

void sbx__wasm_module_free(struct sbx__wasm_module *m)
{
    if (!m)
        return;
    free(m->sections);
    free(m->types);
    free(m->valtype_store);
    free(m->imports);
    free(m->func_types);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    free(m->tag_types);
    free(m->exports);
    free(m);
}

/* ---- helpers for users of the module ---- */

bool sbx__wasm_name_eq(struct sbx__wasm_name name, const char *s)
{
    size_t n = strlen(s);
    return name.len == n && memcmp(name.ptr, s, n) == 0;
}

bool sbx__wasm_name_has_prefix(struct sbx__wasm_name name, const char *prefix)
{
    size_t n = strlen(prefix);
    return name.len >= n && memcmp(name.ptr, prefix, n) == 0;
}

const struct sbx__wasm_export *sbx__wasm_module_find_export(const struct sbx__wasm_module *m,
                                                            const char *name,
                                                            enum sbx__wasm_kind kind)
{
    for (uint32_t i = 0; i < m->n_exports; i++)
        if (m->exports[i].kind == kind && sbx__wasm_name_eq(m->exports[i].name, name))
            return &m->exports[i];
    return NULL;
}

static size_t escaped_len(uint8_t c)
{
    return c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 4;
}

char *sbx__wasm_name_printable(struct sbx__wasm_name name, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    size_t total = 0;
    for (uint32_t i = 0; i < name.len; i++)
        total += escaped_len((uint8_t)name.ptr[i]);
    /* When it does not all fit, keep room for "..." and the NUL. */
    size_t room = total < size ? size - 1 : (size >= 4 ? size - 4 : 0), o = 0;
    for (uint32_t i = 0; i < name.len; i++) {
        uint8_t c = (uint8_t)name.ptr[i];
        if (o + escaped_len(c) > room)
            break;
        if (escaped_len(c) == 1)
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
    }
    if (total >= size && size >= 4) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}
