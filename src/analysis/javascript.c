/*
 * JavaScript analyser (DESIGN section 1, "analysis"): parses the program with tree-sitter and
 * reports what runs commands, evaluates code, opens sockets, touches files outside the
 * sandbox's paths, loads dangerous modules, or hides what it calls (rules: javascript-rules.c).
 *
 * How: one iterative walk of the syntax tree (a TSTreeCursor, no recursion, so nesting depth is
 * bounded by memory only) records scopes, declarations and the nodes worth checking as a flat
 * list of events in document order. Declarations are grouped per (scope, name); replaying the
 * events with a per-name stack of the groups in scope gives O(1) lexical lookups, so
 * `const {exec: run} = require('child_process')` makes `run` mean child_process.exec where it
 * is visible, and a parameter or local function named `exec` hides it. Replays resolve what
 * each binding holds until nothing changes (a binding read before its declaration needs a
 * second replay), then a last replay runs the rules. Bindings are flow-insensitive: a name that
 * is ever assigned child_process means child_process everywhere in its scope.
 *
 * Trust: the source is untrusted bytes (NULs, invalid UTF-8, any nesting). Strings and comments
 * never match: only call, new, member, import and declaration nodes are inspected, and a
 * string's text matters only as an argument (a module name, a path, a timer body, a key).
 * SECURITY: this is a policy aid; everything it reports is also contained by the OS layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/isolate.h"
#include "analysis/javascript.h"
#include "core/errors.h"
#include "util/fs.h"

const TSLanguage *tree_sitter_javascript(void);

#define MAX_ROUNDS 4     /* resolution replays */
#define PATTERN_DEPTH 16 /* destructuring nesting followed */
#define PARSE_TIMEOUT_US (30ull * 1000 * 1000)
#define NESTED_MAX_DEPTH 2  /* eval("eval('...')") */
#define NESTED_MAX_COUNT 64 /* nested analyses per file */

/* ------------------------------------------------------------------ tree access */

enum sbx__js_kind sbx__js_kind(const struct sbx__js *js, TSNode n)
{
    if (ts_node_is_null(n))
        return K_NULL;
    TSSymbol s = ts_node_symbol(n);
    return s < js->n_kinds ? (enum sbx__js_kind)js->kinds[s] : K_OTHER;
}

TSNode sbx__js_field(const struct sbx__js *js, TSNode n, enum sbx__js_field f)
{
    if (ts_node_is_null(n) || js->f[f] == 0)
        return (TSNode){0};
    return ts_node_child_by_field_id(n, js->f[f]);
}

const char *sbx__js_text(const struct sbx__js *js, TSNode n, uint32_t *len)
{
    uint32_t s = 0, e = 0;
    if (!ts_node_is_null(n)) {
        s = ts_node_start_byte(n);
        e = ts_node_end_byte(n);
    }
    if (s > js->len)
        s = js->len;
    if (e > js->len || e < s)
        e = s;
    *len = e - s;
    return js->src + s;
}

static TSNode last_child(TSNode n);

TSNode sbx__js_unwrap(const struct sbx__js *js, TSNode n)
{
    for (int i = 0; i < 32; i++) {
        enum sbx__js_kind k = sbx__js_kind(js, n);
        TSNode last;
        if ((k != K_PAREN && k != K_SEQUENCE) || ts_node_is_null(last = last_child(n)))
            break;
        n = last;
    }
    return n;
}

const char *sbx__js_excerpt(const struct sbx__js *js, TSNode n, char *buf, size_t size)
{
    uint32_t len;
    const char *t = sbx__js_text(js, n, &len);
    size_t max = size - 4, o = 0;
    for (uint32_t i = 0; i < len && o < max; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n' || c == '\t' || c == '\r')
            c = ' ';
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > max) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

void sbx__js_kids_open(struct sbx__js_kids *k, TSNode n)
{
    k->c = ts_tree_cursor_new(n);
    k->ok = !ts_node_is_null(n) && ts_tree_cursor_goto_first_child(&k->c);
}

bool sbx__js_kids_next(struct sbx__js_kids *k, TSNode *ret)
{
    while (k->ok) {
        TSNode n = ts_tree_cursor_current_node(&k->c);
        k->ok = ts_tree_cursor_goto_next_sibling(&k->c);
        if (ts_node_is_named(n) && !ts_node_is_extra(n)) {
            *ret = n;
            return true;
        }
    }
    return false;
}

void sbx__js_kids_close(struct sbx__js_kids *k)
{
    ts_tree_cursor_delete(&k->c);
}

TSNode sbx__js_child(TSNode n, uint32_t i)
{
    struct sbx__js_kids k;
    TSNode c = {0}, found = {0};
    sbx__js_kids_open(&k, n);
    for (uint32_t j = 0; sbx__js_kids_next(&k, &c); j++)
        if (j == i) {
            found = c;
            break;
        }
    sbx__js_kids_close(&k);
    return found;
}

static TSNode last_child(TSNode n)
{
    struct sbx__js_kids k;
    TSNode c = {0}, last = {0};
    sbx__js_kids_open(&k, n);
    while (sbx__js_kids_next(&k, &c))
        last = c;
    sbx__js_kids_close(&k);
    return last;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / size)
        return -ENOMEM;
    void *q = realloc(*p, n * size);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

/* ------------------------------------------------------------------ names */

static uint32_t hash_bytes(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static uint32_t name_find(const struct sbx__js *js, const char *s, uint32_t len, uint32_t h)
{
    if (!js->htab)
        return SBX_JS_NONE;
    for (size_t i = h & js->hmask;; i = (i + 1) & js->hmask) {
        uint32_t id = js->htab[i];
        if (id == SBX_JS_NONE)
            return SBX_JS_NONE;
        const struct sbx__js_name *nm = &js->names[id];
        if (nm->hash == h && nm->len == len && !memcmp(js->src + nm->off, s, len))
            return id;
    }
}

static int rehash(struct sbx__js *js)
{
    size_t size = js->htab ? (js->hmask + 1) * 2 : 256;
    uint32_t *t = malloc(size * sizeof(*t));
    if (!t)
        return -ENOMEM;
    memset(t, 0xff, size * sizeof(*t));
    for (size_t id = 0; id < js->n_names; id++) {
        size_t i = js->names[id].hash & (size - 1);
        while (t[i] != SBX_JS_NONE)
            i = (i + 1) & (size - 1);
        t[i] = (uint32_t)id;
    }
    free(js->htab);
    js->htab = t;
    js->hmask = size - 1;
    return 0;
}

/* The id of the name spelled by `n` (an identifier), added when new; SBX_JS_NONE: no memory. */
static uint32_t name_intern(struct sbx__js *js, TSNode n)
{
    uint32_t len;
    const char *s = sbx__js_text(js, n, &len);
    uint32_t h = hash_bytes(s, len), id = name_find(js, s, len, h);
    if (id != SBX_JS_NONE)
        return id;
    if (((js->n_names + 1) * 2 > (js->htab ? js->hmask + 1 : 0) && rehash(js) < 0) ||
        grow((void **)&js->names, &js->cap_names, js->n_names + 1, sizeof(*js->names)) < 0) {
        js->err = -ENOMEM;
        return SBX_JS_NONE;
    }
    id = (uint32_t)js->n_names++;
    js->names[id] = (struct sbx__js_name){
        .off = (uint32_t)(s - js->src), .len = len, .top = SBX_JS_NONE, .hash = h};
    size_t i = h & js->hmask;
    while (js->htab[i] != SBX_JS_NONE)
        i = (i + 1) & js->hmask;
    js->htab[i] = id;
    return id;
}

uint32_t sbx__js_lookup(struct sbx__js *js, TSNode ident)
{
    uint32_t len;
    const char *s = sbx__js_text(js, ident, &len);
    uint32_t id = name_find(js, s, len, hash_bytes(s, len));
    if (id == SBX_JS_NONE)
        return SBX_JS_NONE;
    uint32_t g = js->names[id].top;
    if (g != SBX_JS_NONE && !js->reporting && js->g[g].read_min > js->cur_ev)
        js->g[g].read_min = js->cur_ev;
    return g;
}

/* ------------------------------------------------------------------ the walk: events */

static uint32_t ev_add(struct sbx__js *js, enum sbx__js_ev type, uint32_t a, TSNode node)
{
    if (grow((void **)&js->ev, &js->cap_ev, js->n_ev + 1, sizeof(*js->ev)) < 0) {
        js->err = -ENOMEM;
        return SBX_JS_NONE;
    }
    js->ev[js->n_ev] = (struct sbx__js_event){.type = (uint8_t)type, .a = a, .node = node};
    return (uint32_t)js->n_ev++;
}

static void scope_open(struct sbx__js *js, uint32_t depth, bool func)
{
    if (grow((void **)&js->sc, &js->cap_sc, js->n_sc + 1, sizeof(*js->sc)) < 0 ||
        grow((void **)&js->stack, &js->cap_stack, js->n_stack + 1, sizeof(*js->stack)) < 0) {
        js->err = -ENOMEM;
        return;
    }
    uint32_t id = (uint32_t)js->n_sc++;
    uint32_t func_frame =
        func || js->n_stack == 0 ? (uint32_t)js->n_stack : js->stack[js->n_stack - 1].func_frame;
    js->sc[id] = (struct sbx__js_scope){0};
    js->stack[js->n_stack++] =
        (struct sbx__js_frame){.scope = id, .depth = depth, .func_frame = func_frame};
    ev_add(js, EV_ENTER, id, (TSNode){0});
}

static uint32_t scope_top(const struct sbx__js *js)
{
    return js->stack[js->n_stack - 1].scope;
}

static uint32_t scope_func(const struct sbx__js *js)
{
    return js->stack[js->stack[js->n_stack - 1].func_frame].scope;
}

/* Which values are worth resolving: what can hold a module, a function or a string. */
static bool value_interesting(enum sbx__js_kind k)
{
    switch ((int)k) {
    case K_IDENT:
    case K_MEMBER:
    case K_SUBSCRIPT:
    case K_CALL:
    case K_AWAIT:
    case K_PAREN:
    case K_SEQUENCE:
    case K_TERNARY:
    case K_BINARY:
    case K_ASSIGNMENT:
    case K_STRING:
    case K_TEMPLATE:
        return true;
    default:
        return false;
    }
}

struct decl {
    uint32_t scope;
    TSNode value; /* null: none */
    struct sbx__js_sym pre;
    bool is_const;
    uint8_t path_n;
    uint32_t path_off[3], path_len[3];
};

static void declare(struct sbx__js *js, TSNode ident, const struct decl *d)
{
    uint32_t name = name_intern(js, ident);
    if (name == SBX_JS_NONE || grow((void **)&js->b, &js->cap_b, js->n_b + 1, sizeof(*js->b)) < 0) {
        js->err = -ENOMEM;
        return;
    }
    uint32_t id = (uint32_t)js->n_b++;
    struct sbx__js_binding *b = &js->b[id];
    *b = (struct sbx__js_binding){.name = name,
                                  .scope = d->scope,
                                  .group = SBX_JS_NONE,
                                  .value_ev = SBX_JS_NONE,
                                  .is_const = d->is_const,
                                  .path_n = d->path_n,
                                  .pre = d->pre};
    memcpy(b->path_off, d->path_off, sizeof(b->path_off));
    memcpy(b->path_len, d->path_len, sizeof(b->path_len));
    enum sbx__js_kind vk = sbx__js_kind(js, d->value);
    if (vk == K_FUNCTION_EXPR || vk == K_ARROW || vk == K_CLASS)
        b->pre.root = R_FUNCLIT;
    else if (value_interesting(vk))
        b->value_ev = ev_add(js, EV_RESOLVE, id, d->value);
}

static void declare_pattern(struct sbx__js *js, TSNode pat, struct decl d, int depth);

/* `{key: pattern}`: the pattern gets the value's member `key` (an unknown one if computed). */
static void declare_member(struct sbx__js *js, TSNode key, TSNode pat, struct decl d, int depth)
{
    if (d.path_n >= 3) {
        d.value = (TSNode){0};
    } else {
        enum sbx__js_kind k = sbx__js_kind(js, key);
        if (k == K_STRING && ts_node_named_child_count(key) == 1 &&
            sbx__js_kind(js, sbx__js_child(key, 0)) == K_STRING_FRAGMENT)
            key = sbx__js_child(key, 0);
        else if (k != K_PROPERTY_IDENT && k != K_SHORTHAND_PATTERN && k != K_IDENT)
            key = (TSNode){0};
        uint32_t len;
        const char *t = sbx__js_text(js, key, &len);
        d.path_off[d.path_n] = (uint32_t)(t - js->src);
        d.path_len[d.path_n++] = len;
    }
    declare_pattern(js, pat, d, depth + 1);
}

static void declare_object_pattern(struct sbx__js *js, TSNode pat, struct decl d, int depth)
{
    struct sbx__js_kids k;
    TSNode c;
    sbx__js_kids_open(&k, pat);
    while (sbx__js_kids_next(&k, &c) && !js->err) {
        switch ((int)sbx__js_kind(js, c)) {
        case K_SHORTHAND_PATTERN:
            declare_member(js, c, c, d, depth);
            break;
        case K_PAIR_PATTERN:
            declare_member(js, sbx__js_field(js, c, F_KEY), sbx__js_field(js, c, F_VALUE), d,
                           depth);
            break;
        case K_OBJECT_ASSIGN_PATTERN: {
            TSNode left = sbx__js_field(js, c, F_LEFT);
            declare_member(js, left, left, d, depth);
            break;
        }
        case K_REST_PATTERN: /* {...rest}: the rest of the same object */
            declare_pattern(js, sbx__js_child(c, 0), d, depth + 1);
            break;
        default:
            break;
        }
    }
    sbx__js_kids_close(&k);
}

static void declare_pattern(struct sbx__js *js, TSNode pat, struct decl d, int depth)
{
    if (depth > PATTERN_DEPTH || js->err)
        return;
    switch ((int)sbx__js_kind(js, pat)) {
    case K_IDENT:
    case K_SHORTHAND_PATTERN:
        declare(js, pat, &d);
        break;
    case K_OBJECT_PATTERN:
        declare_object_pattern(js, pat, d, depth);
        break;
    case K_ARRAY_PATTERN:
    case K_FORMAL_PARAMS: {
        struct sbx__js_kids k;
        TSNode c;
        d.value = (TSNode){0}; /* elements of arrays and parameters: unknown values */
        sbx__js_kids_open(&k, pat);
        while (sbx__js_kids_next(&k, &c) && !js->err)
            declare_pattern(js, c, d, depth + 1);
        sbx__js_kids_close(&k);
        break;
    }
    case K_ASSIGN_PATTERN: /* x = default */
    case K_OBJECT_ASSIGN_PATTERN:
        declare_pattern(js, sbx__js_field(js, pat, F_LEFT), d, depth + 1);
        break;
    case K_REST_PATTERN:
        d.value = (TSNode){0};
        declare_pattern(js, sbx__js_child(pat, 0), d, depth + 1);
        break;
    default:
        break;
    }
}

static void declare_simple(struct sbx__js *js, TSNode pat, uint32_t scope, uint8_t root)
{
    struct decl d = {.scope = scope, .pre = {.root = root}};
    declare_pattern(js, pat, d, 0);
}

/* `import a, {b as c} from 'm'`, `import * as ns from 'm'`. */
static void declare_imports(struct sbx__js *js, TSNode stmt)
{
    TSNode clause = (TSNode){0}, c;
    struct sbx__js_kids k;
    sbx__js_kids_open(&k, stmt);
    while (sbx__js_kids_next(&k, &c))
        if (sbx__js_kind(js, c) == K_IMPORT_CLAUSE)
            clause = c;
    sbx__js_kids_close(&k);
    if (ts_node_is_null(clause))
        return;
    struct sbx__js_fold *f = malloc(sizeof(*f));
    struct sbx__js_sym mod = {0};
    if (!f) {
        js->err = -ENOMEM;
        return;
    }
    if (sbx__js_fold(js, sbx__js_field(js, stmt, F_SOURCE), f))
        mod = sbx__js_module(f->buf, f->len);
    free(f);
    struct decl d = {.scope = scope_top(js), .pre = mod};
    sbx__js_kids_open(&k, clause);
    while (sbx__js_kids_next(&k, &c) && !js->err) {
        enum sbx__js_kind kind = sbx__js_kind(js, c);
        if (kind == K_IDENT) {
            declare(js, c, &d);
        } else if (kind == K_NAMESPACE_IMPORT) {
            declare(js, sbx__js_child(c, 0), &d);
        } else if (kind == K_NAMED_IMPORTS) {
            struct sbx__js_kids k2;
            TSNode spec;
            sbx__js_kids_open(&k2, c);
            while (sbx__js_kids_next(&k2, &spec) && !js->err) {
                TSNode name = sbx__js_field(js, spec, F_NAME);
                TSNode alias = sbx__js_field(js, spec, F_ALIAS);
                uint32_t len;
                const char *t = sbx__js_text(js, name, &len);
                struct decl ds = d;
                ds.pre =
                    len == 7 && !memcmp(t, "default", 7) ? mod : sbx__js_member(mod, t, len, false);
                declare(js, ts_node_is_null(alias) ? name : alias, &ds);
            }
            sbx__js_kids_close(&k2);
        }
    }
    sbx__js_kids_close(&k);
}

static void visit_function(struct sbx__js *js, TSNode n, enum sbx__js_kind k, uint32_t depth)
{
    TSNode name = sbx__js_field(js, n, F_NAME);
    if (k == K_FUNCTION_DECL && sbx__js_kind(js, name) == K_IDENT)
        declare_simple(js, name, scope_top(js), R_FUNCLIT);
    scope_open(js, depth, true);
    if (js->err)
        return;
    if (k == K_FUNCTION_EXPR && sbx__js_kind(js, name) == K_IDENT)
        declare_simple(js, name, scope_top(js), R_FUNCLIT);
    TSNode params = sbx__js_field(js, n, F_PARAMETERS);
    if (ts_node_is_null(params))
        params = sbx__js_field(js, n, F_PARAMETER); /* x => ... */
    declare_simple(js, params, scope_top(js), R_NONE);
}

static void visit_declarator(struct sbx__js *js, TSNode n, enum sbx__js_kind parent)
{
    struct decl d = {.scope = parent == K_VARIABLE_DECL ? scope_func(js) : scope_top(js),
                     .value = sbx__js_field(js, n, F_VALUE),
                     .is_const = parent == K_CONST_DECL};
    declare_pattern(js, sbx__js_field(js, n, F_NAME), d, 0);
}

/* `for (const x of y)`: x is declared; `for (x of y)` assigns. */
static void visit_for_in(struct sbx__js *js, TSNode n, uint32_t depth)
{
    scope_open(js, depth, false);
    TSNode kind = sbx__js_field(js, n, F_KIND);
    if (js->err || ts_node_is_null(kind))
        return;
    uint32_t len;
    const char *t = sbx__js_text(js, kind, &len);
    bool var = len == 3 && !memcmp(t, "var", 3);
    declare_simple(js, sbx__js_field(js, n, F_LEFT), var ? scope_func(js) : scope_top(js), R_NONE);
}

static void visit_assignment(struct sbx__js *js, TSNode n)
{
    TSNode left = sbx__js_field(js, n, F_LEFT);
    enum sbx__js_kind lk = sbx__js_kind(js, left);
    enum sbx__js_kind rk = sbx__js_kind(js, sbx__js_unwrap(js, sbx__js_field(js, n, F_RIGHT)));
    if (lk == K_IDENT && value_interesting(rk)) {
        /* An implicit global when nothing declares it: a group in the outermost scope. */
        declare_simple(js, left, js->stack[0].scope, R_NONE);
        ev_add(js, EV_ASSIGN, 0, n);
    } else if ((lk == K_MEMBER || lk == K_SUBSCRIPT) &&
               (rk == K_IDENT || rk == K_MEMBER || rk == K_SUBSCRIPT)) {
        ev_add(js, EV_CHECK, 0, n); /* obj.run = cp.exec */
    }
}

static void syntax_error_at(struct sbx__js *js, TSNode n)
{
    js->syntax_seen = true;
    if (js->depth > 0)
        return; /* in a string given to eval: not the file's error */
    TSPoint p = ts_node_start_point(n);
    sbx__analysis_syntax_error(js->ctx, p.row + 1, p.column + 1);
}

/* Pre-order visit of one node; `kinds_up[depth - 1]` is its parent's kind. */
static void visit(struct sbx__js *js, TSTreeCursor *cur, TSNode n, uint32_t depth,
                  enum sbx__js_kind parent)
{
    enum sbx__js_kind k = sbx__js_kind(js, n);
    switch ((int)k) {
    case K_PROGRAM:
        scope_open(js, depth, true);
        break;
    case K_FUNCTION_DECL:
    case K_FUNCTION_EXPR:
    case K_ARROW:
    case K_METHOD:
    case K_STATIC_BLOCK:
        visit_function(js, n, k, depth);
        break;
    case K_CLASS_DECL:
        declare_simple(js, sbx__js_field(js, n, F_NAME), scope_top(js), R_FUNCLIT);
        break;
    case K_BLOCK:
    case K_FOR:
    case K_SWITCH_BODY:
        scope_open(js, depth, false);
        break;
    case K_CATCH:
        scope_open(js, depth, false);
        if (!js->err)
            declare_simple(js, sbx__js_field(js, n, F_PARAMETER), scope_top(js), R_NONE);
        break;
    case K_FOR_IN:
        visit_for_in(js, n, depth);
        break;
    case K_DECLARATOR:
        if (parent == K_VARIABLE_DECL || parent == K_LEXICAL_DECL || parent == K_CONST_DECL)
            visit_declarator(js, n, parent);
        break;
    case K_IMPORT_STMT:
        declare_imports(js, n);
        ev_add(js, EV_CHECK, 0, n);
        break;
    case K_EXPORT_STMT:
        if (!ts_node_is_null(sbx__js_field(js, n, F_SOURCE)))
            ev_add(js, EV_CHECK, 0, n);
        break;
    case K_CALL:
    case K_NEW:
        ev_add(js, EV_CHECK, 0, n);
        break;
    case K_PAIR: { /* {run: cp.exec}: only names can hand on a dangerous function */
        enum sbx__js_kind vk = sbx__js_kind(js, sbx__js_field(js, n, F_VALUE));
        if (vk == K_IDENT || vk == K_MEMBER || vk == K_SUBSCRIPT || vk == K_PAREN)
            ev_add(js, EV_CHECK, 0, n);
        break;
    }
    case K_SUBSCRIPT: { /* callees are checked with their call */
        TSFieldId fid = ts_tree_cursor_current_field_id(cur);
        if (fid != js->f[F_FUNCTION] && fid != js->f[F_CONSTRUCTOR])
            ev_add(js, EV_CHECK, 0, n);
        break;
    }
    case K_ASSIGNMENT:
        visit_assignment(js, n);
        break;
    default:
        break;
    }
}

/* The kind to remember for a node's children: declarations say var, let or const. */
static enum sbx__js_kind kind_for_children(const struct sbx__js *js, TSNode n)
{
    enum sbx__js_kind k = sbx__js_kind(js, n);
    if (k == K_LEXICAL_DECL) {
        uint32_t len;
        const char *t = sbx__js_text(js, ts_node_child(n, 0), &len);
        if (len == 5 && !memcmp(t, "const", 5))
            return K_CONST_DECL;
    }
    return k;
}

static int walk(struct sbx__js *js, TSNode root, bool has_error)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    uint8_t *up = NULL; /* kind of the node at each depth on the current path */
    size_t cap_up = 0;
    uint32_t depth = 0;
    scope_open(js, 0, true); /* implicit globals */
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (grow((void **)&up, &cap_up, (size_t)depth + 1, 1) < 0)
            js->err = -ENOMEM;
        if (js->err)
            break;
        up[depth] = (uint8_t)kind_for_children(js, n);
        if (has_error && !js->syntax_seen &&
            (ts_node_symbol(n) == (TSSymbol)-1 || ts_node_is_missing(n)))
            syntax_error_at(js, n);
        visit(js, &cur, n, depth + 1, depth ? (enum sbx__js_kind)up[depth - 1] : K_NULL);
        /* A string's or a regex's parts (quotes, fragments, escapes) hold no code: not walked,
         * unless a syntax error hides inside (an unterminated string is one to report). */
        bool opaque = (up[depth] == K_STRING || up[depth] == K_REGEX) && !ts_node_has_error(n);
        if (!opaque && ts_tree_cursor_goto_first_child(&cur)) {
            depth++;
            continue;
        }
        for (;;) { /* leaving the node at `depth` */
            while (js->n_stack > 1 && js->stack[js->n_stack - 1].depth == depth + 1)
                ev_add(js, EV_EXIT, js->stack[--js->n_stack].scope, (TSNode){0});
            if (ts_tree_cursor_goto_next_sibling(&cur))
                break;
            if (!ts_tree_cursor_goto_parent(&cur))
                goto done;
            depth--;
        }
    }
done:
    while (js->n_stack > 0)
        ev_add(js, EV_EXIT, js->stack[--js->n_stack].scope, (TSNode){0});
    free(up);
    ts_tree_cursor_delete(&cur);
    return js->err;
}

/* ------------------------------------------------------------------ groups and replays */

struct gkey {
    uint64_t key; /* scope << 32 | name */
    uint32_t binding;
};

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct gkey *)a)->key, y = ((const struct gkey *)b)->key;
    return x < y ? -1 : x > y;
}

static bool sym_eq(struct sbx__js_sym a, struct sbx__js_sym b)
{
    return a.root == b.root && a.n == b.n && a.flags == b.flags && a.m[0] == b.m[0] &&
           a.m[1] == b.m[1] && a.m[2] == b.m[2];
}

/* A weak value gives way to a stronger one; the first strong value stays (monotone, so the
 * replays terminate). */
static bool sym_weak(struct sbx__js_sym s)
{
    return sbx__js_sym_empty(s) || s.root == R_FUNCLIT || s.root == R_LITERAL || s.root == R_CTOR;
}

static void group_merge(struct sbx__js *js, uint32_t gid, struct sbx__js_sym s)
{
    struct sbx__js_group *g = &js->g[gid];
    if (sbx__js_sym_empty(s) || sym_eq(g->sym, s) || !sym_weak(g->sym) ||
        (sym_weak(s) && !sbx__js_sym_empty(g->sym)))
        return;
    g->sym = s;
    if (g->read_min < js->cur_ev)
        js->again = true; /* someone read the old value earlier in this replay */
}

static void group_finish(struct sbx__js *js, uint32_t gid, uint32_t first, uint32_t n,
                         const struct gkey *keys)
{
    struct sbx__js_group *g = &js->g[gid];
    const struct sbx__js_binding *b0 = &js->b[keys[first].binding];
    *g = (struct sbx__js_group){
        .name = b0->name, .prev = SBX_JS_NONE, .const_ev = SBX_JS_NONE, .read_min = UINT32_MAX};
    for (uint32_t i = first; i < first + n; i++) {
        struct sbx__js_binding *b = &js->b[keys[i].binding];
        b->group = gid;
        group_merge(js, gid, b->pre);
    }
    if (n == 1 && b0->is_const && b0->path_n == 0 && b0->value_ev != SBX_JS_NONE)
        g->const_ev = b0->value_ev;
}

/* Sort the bindings by (scope, name) into groups; each scope gets its range of groups. */
static int build_groups(struct sbx__js *js)
{
    struct gkey *keys = malloc((js->n_b ? js->n_b : 1) * sizeof(*keys));
    js->g = malloc((js->n_b ? js->n_b : 1) * sizeof(*js->g));
    if (!keys || !js->g) {
        free(keys);
        return -ENOMEM;
    }
    for (size_t i = 0; i < js->n_b; i++)
        keys[i] = (struct gkey){.key = (uint64_t)js->b[i].scope << 32 | js->b[i].name,
                                .binding = (uint32_t)i};
    qsort(keys, js->n_b, sizeof(*keys), by_key);
    js->n_g = 0;
    for (size_t i = 0; i < js->n_b;) {
        size_t j = i;
        while (j < js->n_b && keys[j].key == keys[i].key)
            j++;
        uint32_t gid = (uint32_t)js->n_g++;
        struct sbx__js_scope *sc = &js->sc[keys[i].key >> 32];
        if (sc->n == 0)
            sc->first = gid;
        sc->n++;
        group_finish(js, gid, (uint32_t)i, (uint32_t)(j - i), keys);
        i = j;
    }
    free(keys);
    return 0;
}

static void scope_enter(struct sbx__js *js, uint32_t s)
{
    const struct sbx__js_scope *sc = &js->sc[s];
    for (uint32_t i = sc->first; i < sc->first + sc->n; i++) {
        struct sbx__js_name *nm = &js->names[js->g[i].name];
        js->g[i].prev = nm->top;
        nm->top = i;
    }
}

static void scope_exit(struct sbx__js *js, uint32_t s)
{
    const struct sbx__js_scope *sc = &js->sc[s];
    for (uint32_t i = sc->first + sc->n; i-- > sc->first;)
        js->names[js->g[i].name].top = js->g[i].prev;
}

static void replay_resolve(struct sbx__js *js, const struct sbx__js_event *e)
{
    if (e->type == EV_RESOLVE) {
        const struct sbx__js_binding *b = &js->b[e->a];
        struct sbx__js_sym s = sbx__js_resolve(js, e->node);
        for (uint8_t i = 0; i < b->path_n; i++)
            s = sbx__js_member(s, js->src + b->path_off[i], b->path_len[i], false);
        group_merge(js, b->group, s);
    } else if (e->type == EV_ASSIGN) {
        uint32_t g = sbx__js_lookup(js, sbx__js_field(js, e->node, F_LEFT));
        if (g != SBX_JS_NONE)
            group_merge(js, g, sbx__js_resolve(js, sbx__js_field(js, e->node, F_RIGHT)));
    }
}

static void replay(struct sbx__js *js, bool reporting)
{
    js->reporting = reporting;
    js->again = false;
    for (size_t i = 0; i < js->n_g; i++)
        js->g[i].read_min = UINT32_MAX;
    for (size_t i = 0; i < js->n_names; i++)
        js->names[i].top = SBX_JS_NONE;
    for (size_t i = 0; i < js->n_ev && !js->err; i++) {
        const struct sbx__js_event *e = &js->ev[i];
        js->cur_ev = (uint32_t)i;
        if (e->type == EV_ENTER)
            scope_enter(js, e->a);
        else if (e->type == EV_EXIT)
            scope_exit(js, e->a);
        else if (reporting && e->type == EV_CHECK)
            sbx__js_check(js, e->node);
        else if (!reporting)
            replay_resolve(js, e);
    }
}

/* ------------------------------------------------------------------ entry point */

struct kind_name {
    const char *name;
    enum sbx__js_kind kind;
};

/* Sorted by name (bsearch). */
static const struct kind_name kind_names[] = {
    {"arguments", K_ARGUMENTS},
    {"array", K_ARRAY},
    {"array_pattern", K_ARRAY_PATTERN},
    {"arrow_function", K_ARROW},
    {"assignment_expression", K_ASSIGNMENT},
    {"assignment_pattern", K_ASSIGN_PATTERN},
    {"await_expression", K_AWAIT},
    {"binary_expression", K_BINARY},
    {"call_expression", K_CALL},
    {"catch_clause", K_CATCH},
    {"class", K_CLASS},
    {"class_declaration", K_CLASS_DECL},
    {"class_static_block", K_STATIC_BLOCK},
    {"escape_sequence", K_ESCAPE},
    {"export_statement", K_EXPORT_STMT},
    {"false", K_FALSE},
    {"for_in_statement", K_FOR_IN},
    {"for_statement", K_FOR},
    {"formal_parameters", K_FORMAL_PARAMS},
    {"function", K_FUNCTION_EXPR},
    {"function_declaration", K_FUNCTION_DECL},
    {"function_expression", K_FUNCTION_EXPR},
    {"generator_function", K_FUNCTION_EXPR},
    {"generator_function_declaration", K_FUNCTION_DECL},
    {"identifier", K_IDENT},
    {"import", K_IMPORT},
    {"import_clause", K_IMPORT_CLAUSE},
    {"import_specifier", K_IMPORT_SPECIFIER},
    {"import_statement", K_IMPORT_STMT},
    {"lexical_declaration", K_LEXICAL_DECL},
    {"member_expression", K_MEMBER},
    {"method_definition", K_METHOD},
    {"named_imports", K_NAMED_IMPORTS},
    {"namespace_import", K_NAMESPACE_IMPORT},
    {"new_expression", K_NEW},
    {"number", K_NUMBER},
    {"object", K_OBJECT},
    {"object_assignment_pattern", K_OBJECT_ASSIGN_PATTERN},
    {"object_pattern", K_OBJECT_PATTERN},
    {"pair", K_PAIR},
    {"pair_pattern", K_PAIR_PATTERN},
    {"parenthesized_expression", K_PAREN},
    {"program", K_PROGRAM},
    {"property_identifier", K_PROPERTY_IDENT},
    {"regex", K_REGEX},
    {"rest_pattern", K_REST_PATTERN},
    {"sequence_expression", K_SEQUENCE},
    {"shorthand_property_identifier_pattern", K_SHORTHAND_PATTERN},
    {"statement_block", K_BLOCK},
    {"string", K_STRING},
    {"string_fragment", K_STRING_FRAGMENT},
    {"subscript_expression", K_SUBSCRIPT},
    {"switch_body", K_SWITCH_BODY},
    {"template_string", K_TEMPLATE},
    {"template_substitution", K_TEMPLATE_SUBST},
    {"ternary_expression", K_TERNARY},
    {"true", K_TRUE},
    {"variable_declaration", K_VARIABLE_DECL},
    {"variable_declarator", K_DECLARATOR},
};

static const char *const field_names[F__COUNT] = {
    [F_NAME] = "name",
    [F_VALUE] = "value",
    [F_FUNCTION] = "function",
    [F_ARGUMENTS] = "arguments",
    [F_OBJECT] = "object",
    [F_PROPERTY] = "property",
    [F_INDEX] = "index",
    [F_CONSTRUCTOR] = "constructor",
    [F_SOURCE] = "source",
    [F_ALIAS] = "alias",
    [F_LEFT] = "left",
    [F_RIGHT] = "right",
    [F_KEY] = "key",
    [F_PARAMETERS] = "parameters",
    [F_PARAMETER] = "parameter",
    [F_KIND] = "kind",
    [F_CONSEQUENCE] = "consequence",
    [F_ALTERNATIVE] = "alternative",
    [F_OPERATOR] = "operator",
};

static int by_kind_name(const void *key, const void *elem)
{
    return strcmp(key, ((const struct kind_name *)elem)->name);
}

/* Map the grammar's symbols and fields to ours (names are stable across grammar versions;
 * ids are not). */
static int init_language(struct sbx__js *js, const TSLanguage *lang)
{
    js->n_kinds = ts_language_symbol_count(lang);
    js->kinds = calloc(js->n_kinds ? js->n_kinds : 1, 1);
    if (!js->kinds)
        return -ENOMEM;
    for (uint32_t i = 0; i < js->n_kinds; i++) {
        if (ts_language_symbol_type(lang, (TSSymbol)i) != TSSymbolTypeRegular)
            continue;
        const struct kind_name *kn = bsearch(ts_language_symbol_name(lang, (TSSymbol)i), kind_names,
                                             sizeof(kind_names) / sizeof(kind_names[0]),
                                             sizeof(kind_names[0]), by_kind_name);
        if (kn)
            js->kinds[i] = (uint8_t)kn->kind;
    }
    for (int f = 0; f < F__COUNT; f++)
        js->f[f] =
            ts_language_field_id_for_name(lang, field_names[f], (uint32_t)strlen(field_names[f]));
    return 0;
}

static void js_free(struct sbx__js *js)
{
    free(js->kinds);
    free(js->ev);
    free(js->b);
    free(js->sc);
    free(js->g);
    free(js->names);
    free(js->htab);
    free(js->stack);
}

static int analyze_tree(struct sbx__js *js, TSTree *tree)
{
    TSNode root = ts_tree_root_node(tree);
    int r = init_language(js, ts_tree_language(tree));
    if (r >= 0)
        r = walk(js, root, ts_node_has_error(root));
    if (r >= 0)
        r = build_groups(js);
    for (int round = 0; r >= 0 && round < MAX_ROUNDS; round++) {
        replay(js, false);
        if (!js->again)
            break;
    }
    if (r >= 0)
        replay(js, true);
    return r < 0 ? r : js->err;
}

static TSTree *parse(const char *src, size_t len)
{
    TSParser *parser = ts_parser_new();
    if (!parser)
        return NULL;
    TSTree *tree = NULL;
    /* SECURITY: hostile input must not hang the analysis; the grammar's error recovery is
     * bounded, this is the backstop. */
    ts_parser_set_timeout_micros(parser, PARSE_TIMEOUT_US);
    if (ts_parser_set_language(parser, tree_sitter_javascript()))
        tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
    ts_parser_delete(parser);
    return tree;
}

void sbx__js_analyze_nested(struct sbx__js *js, TSNode site, const char *code, size_t len)
{
    if (js->depth >= NESTED_MAX_DEPTH || *js->nested >= NESTED_MAX_COUNT || len == 0)
        return;
    (*js->nested)++;
    TSTree *tree = parse(code, len);
    if (!tree)
        return;
    TSPoint p = ts_node_start_point(site);
    struct sbx__js sub = {.ctx = js->ctx,
                          .src = code,
                          .len = (uint32_t)len,
                          .depth = js->depth + 1,
                          .nested = js->nested,
                          .at_line = js->depth ? js->at_line : p.row + 1,
                          .at_column = js->depth ? js->at_column : p.column + 1};
    int r = analyze_tree(&sub, tree);
    js_free(&sub);
    ts_tree_delete(tree);
    if (r < 0)
        js->err = r;
}

static int analyze(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                   struct sbx_error *err)
{
    TSTree *tree = parse(src, len);
    if (!tree)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, ETIMEDOUT,
                          "javascript analysis: parsing took more than %llu s",
                          PARSE_TIMEOUT_US / 1000000);
    unsigned nested = 0;
    struct sbx__js js = {.ctx = ctx, .src = src, .len = (uint32_t)len, .nested = &nested};
    int r = analyze_tree(&js, tree);
    if (!ctx->exiting) {
        js_free(&js);
        ts_tree_delete(tree);
    }
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "javascript analysis");
    return 0;
}

int sbx__analyze_javascript(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                            struct sbx_error *err)
{
    if (len > UINT32_MAX)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, EFBIG,
                          "javascript analysis: %zu bytes", len);
    if (len < SBX_ANALYSIS_ISOLATE_FROM)
        return analyze(ctx, src, len, err);
    return sbx__analysis_isolated(ctx, "javascript analysis", analyze, sbx__js_rule_by_id_pointer,
                                  src, len, err);
}
