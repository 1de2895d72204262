/*
 * TOML document structure: key/value lines, [table] and [[array of tables]] headers, dotted
 * keys, arrays and inline tables, and the rules about defining a table only once. Also the tree
 * API (lookup, iteration, free). Lexing of strings and scalars is in toml-lex.c.
 *
 * The redefinition rules hang on each table's origin (enum sbx__toml_origin):
 * - a [header] may pass through any table except an inline one, and through an array of
 *   tables (into its last element); it may define a table only if it is new or was created
 *   IMPLICIT by an earlier header ([a.b] then [a] is fine, [a] twice is not);
 * - dotted keys may pass only through tables that dotted keys created (TOML 1.0: they cannot
 *   add to a table defined by a header, explicitly or implicitly, nor to an inline table);
 * - an inline table is closed once its "}" is read: nothing may pass through it. Tables that
 *   dotted keys created inside it are only reachable through it, so they are closed too.
 *
 * Bounds: nesting depth is checked whenever a table or array is created, keys per table on
 * every insertion, strings in the lexer. Recursion follows nesting only, so it is bounded by
 * limits.max_depth (itself capped by SBX_TOML_DEPTH_HARD_MAX).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml-internal.h"
#include "util/cleanup.h"

#define NIL UINT32_MAX

/* ---------------------------------------------------------------- nodes */

static struct sbx__toml_node *node_new(enum sbx__toml_type type, uint32_t line, uint32_t col)
{
    struct sbx__toml_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->type = type;
    n->line = line;
    n->column = col;
    if (type == SBX_TOML_TABLE)
        n->u.table.index_root = NIL;
    return n;
}

void sbx__toml_free(struct sbx__toml_node *node)
{
    if (!node)
        return;
    switch (node->type) {
    case SBX_TOML_TABLE:
        for (size_t i = 0; i < node->u.table.len; i++) {
            free(node->u.table.entries[i].key);
            sbx__toml_free(node->u.table.entries[i].value);
        }
        free(node->u.table.entries);
        free(node->u.table.links);
        break;
    case SBX_TOML_ARRAY:
        for (size_t i = 0; i < node->u.array.len; i++)
            sbx__toml_free(node->u.array.items[i]);
        free(node->u.array.items);
        break;
    case SBX_TOML_STRING:
        free(node->u.string.ptr);
        break;
    case SBX_TOML_INTEGER:
    case SBX_TOML_FLOAT:
    case SBX_TOML_BOOLEAN:
    case SBX_TOML_OFFSET_DATETIME:
    case SBX_TOML_LOCAL_DATETIME:
    case SBX_TOML_LOCAL_DATE:
    case SBX_TOML_LOCAL_TIME:
        break;
    }
    free(node);
}

const char *sbx__toml_type_name(enum sbx__toml_type type)
{
    switch (type) {
    case SBX_TOML_TABLE:
        return "table";
    case SBX_TOML_ARRAY:
        return "array";
    case SBX_TOML_STRING:
        return "string";
    case SBX_TOML_INTEGER:
        return "integer";
    case SBX_TOML_FLOAT:
        return "float";
    case SBX_TOML_BOOLEAN:
        return "boolean";
    case SBX_TOML_OFFSET_DATETIME:
        return "offset date-time";
    case SBX_TOML_LOCAL_DATETIME:
        return "local date-time";
    case SBX_TOML_LOCAL_DATE:
        return "local date";
    case SBX_TOML_LOCAL_TIME:
        return "local time";
    }
    return "unknown";
}

/* ---------------------------------------------------------------- table index (AVL tree) */

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, MIN(alen, blen));
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int32_t height(const struct sbx__toml_table *t, uint32_t i)
{
    return i == NIL ? 0 : t->links[i].height;
}

static void fix_height(struct sbx__toml_table *t, uint32_t i)
{
    t->links[i].height = 1 + MAX(height(t, t->links[i].left), height(t, t->links[i].right));
}

static uint32_t rotate_right(struct sbx__toml_table *t, uint32_t y)
{
    uint32_t x = t->links[y].left;
    t->links[y].left = t->links[x].right;
    t->links[x].right = y;
    fix_height(t, y);
    fix_height(t, x);
    return x;
}

static uint32_t rotate_left(struct sbx__toml_table *t, uint32_t x)
{
    uint32_t y = t->links[x].right;
    t->links[x].right = t->links[y].left;
    t->links[y].left = x;
    fix_height(t, x);
    fix_height(t, y);
    return y;
}

static uint32_t rebalance(struct sbx__toml_table *t, uint32_t n)
{
    struct sbx__toml_link *l = &t->links[n];
    fix_height(t, n);
    int32_t balance = height(t, l->left) - height(t, l->right);
    if (balance > 1) {
        if (height(t, t->links[l->left].left) < height(t, t->links[l->left].right))
            l->left = rotate_left(t, l->left);
        return rotate_right(t, n);
    }
    if (balance < -1) {
        if (height(t, t->links[l->right].right) < height(t, t->links[l->right].left))
            l->right = rotate_right(t, l->right);
        return rotate_left(t, n);
    }
    return n;
}

/* Insert entry `idx` (not yet in the tree) below `root`; returns the new subtree root. The
 * recursion is as deep as the tree: under 50 levels for 2^32 keys. */
static uint32_t index_insert(struct sbx__toml_table *t, uint32_t root, uint32_t idx)
{
    if (root == NIL)
        return idx;
    const struct sbx__toml_entry *a = &t->entries[idx], *b = &t->entries[root];
    if (key_cmp(a->key, a->key_len, b->key, b->key_len) < 0)
        t->links[root].left = index_insert(t, t->links[root].left, idx);
    else
        t->links[root].right = index_insert(t, t->links[root].right, idx);
    return rebalance(t, root);
}

static size_t index_find(const struct sbx__toml_table *t, const char *key, size_t len)
{
    uint32_t i = t->index_root;
    while (i != NIL) {
        const struct sbx__toml_entry *e = &t->entries[i];
        int c = key_cmp(key, len, e->key, e->key_len);
        if (c == 0)
            return i;
        i = c < 0 ? t->links[i].left : t->links[i].right;
    }
    return SIZE_MAX;
}

static struct sbx__toml_entry *table_lookup(struct sbx__toml_node *tbl,
                                            const struct sbx__toml_seg *seg)
{
    size_t i = index_find(&tbl->u.table, seg->s, seg->len);
    return i == SIZE_MAX ? NULL : &tbl->u.table.entries[i];
}

/* ---------------------------------------------------------------- building the tree */

static int out_of_memory(struct sbx__toml_parser *p)
{
    return sbx__toml_fail(p, -ENOMEM, p->line, p->col, "out of memory");
}

static int check_depth(struct sbx__toml_parser *p, unsigned depth, uint32_t line, uint32_t col)
{
    if (depth > p->lim.max_depth)
        return sbx__toml_fail(p, -E2BIG, line, col, "nesting deeper than %u levels",
                              p->lim.max_depth);
    return 0;
}

/* Add key `seg` (copied) with `value` (may be NULL for now, then filled in by the caller) to a
 * table that does not have it. *ret_index: the entry's index. The value is not taken on
 * failure. */
static int table_add(struct sbx__toml_parser *p, struct sbx__toml_node *tbl,
                     const struct sbx__toml_seg *seg, struct sbx__toml_node *value,
                     size_t *ret_index)
{
    struct sbx__toml_table *t = &tbl->u.table;
    if (t->len >= p->lim.max_table_keys)
        return sbx__toml_fail(p, -E2BIG, seg->line, seg->column, "table has more than %zu keys",
                              p->lim.max_table_keys);
    if (t->len == t->cap) {
        size_t cap = t->cap ? MIN(t->cap * 2, p->lim.max_table_keys) : 4;
        struct sbx__toml_entry *e = realloc(t->entries, cap * sizeof(*e));
        if (!e)
            return out_of_memory(p);
        t->entries = e;
        struct sbx__toml_link *l = realloc(t->links, cap * sizeof(*l));
        if (!l)
            return out_of_memory(p);
        t->links = l;
        t->cap = cap;
    }
    char *key = malloc(seg->len + 1);
    if (!key)
        return out_of_memory(p);
    memcpy(key, seg->s, seg->len + 1);
    uint32_t idx = (uint32_t)t->len++;
    t->entries[idx] = (struct sbx__toml_entry){
        .key = key, .key_len = seg->len, .line = seg->line, .column = seg->column, .value = value};
    t->links[idx] = (struct sbx__toml_link){.left = NIL, .right = NIL, .height = 1};
    t->index_root = index_insert(t, t->index_root, idx);
    *ret_index = idx;
    return 0;
}

/* A new table of `origin` under key `seg` of `parent`, at nesting level `depth`. */
static int add_table(struct sbx__toml_parser *p, struct sbx__toml_node *parent,
                     const struct sbx__toml_seg *seg, enum sbx__toml_origin origin, unsigned depth,
                     uint32_t line, uint32_t col, struct sbx__toml_node **ret)
{
    size_t idx;
    int r = check_depth(p, depth, seg->line, seg->column);
    if (r < 0)
        return r;
    _cleanup_toml_ struct sbx__toml_node *t = node_new(SBX_TOML_TABLE, line, col);
    if (!t)
        return out_of_memory(p);
    t->u.table.origin = origin;
    r = table_add(p, parent, seg, t, &idx);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(t);
    return 0;
}

static int array_add(struct sbx__toml_parser *p, struct sbx__toml_node *arr,
                     struct sbx__toml_node *value)
{
    struct sbx__toml_array *a = &arr->u.array;
    if (a->len == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        struct sbx__toml_node **items = realloc(a->items, cap * sizeof(*items));
        if (!items)
            return out_of_memory(p);
        a->items = items;
        a->cap = cap;
    }
    a->items[a->len++] = value;
    return 0;
}

/* ---------------------------------------------------------------- messages about keys */

/* The first n parts of the key being parsed, as written ('a.b."c d"'). */
static const char *seg_path(const struct sbx__toml_parser *p, size_t n, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char part[48];
        sbx__toml_quote(part, sizeof(part), p->segs[i].s, p->segs[i].len);
        int w = snprintf(out + o, size - o, "%s%s", i ? "." : "", part);
        if (w < 0 || (size_t)w >= size - o) {
            out[o] = '\0';
            if (o + 4 <= size)
                memcpy(out + o, "...", 4);
            break;
        }
        o += (size_t)w;
    }
    return out;
}

/* What an existing value is, for "already defined as ..." messages. */
static const char *node_kind(const struct sbx__toml_node *v)
{
    if (!v)
        return "a value";
    switch (v->type) {
    case SBX_TOML_TABLE:
        if (v->u.table.origin == SBX_TOML_ORIGIN_INLINE)
            return "an inline table";
        return v->u.table.origin == SBX_TOML_ORIGIN_DOTTED ? "a table (by dotted keys)"
                                                           : "a table (by a [header])";
    case SBX_TOML_ARRAY:
        return v->u.array.of_tables ? "an array of tables" : "an array";
    case SBX_TOML_STRING:
        return "a string";
    case SBX_TOML_INTEGER:
        return "an integer";
    case SBX_TOML_FLOAT:
        return "a float";
    case SBX_TOML_BOOLEAN:
        return "a boolean";
    case SBX_TOML_OFFSET_DATETIME:
    case SBX_TOML_LOCAL_DATETIME:
    case SBX_TOML_LOCAL_DATE:
    case SBX_TOML_LOCAL_TIME:
        return "a date-time";
    }
    return "a value";
}

/* Part i of the key collides with entry e: "<action> 'a.b': already defined as <kind> at line
 * L, column C", located at that part of the key. */
static int conflict(struct sbx__toml_parser *p, size_t i, const struct sbx__toml_entry *e,
                    const char *action)
{
    char path[128];
    seg_path(p, i + 1, path, sizeof(path));
    return sbx__toml_fail(p, -EINVAL, p->segs[i].line, p->segs[i].column,
                          "%s '%s': already defined as %s at line %u, column %u", action, path,
                          node_kind(e->value), (unsigned)e->line, (unsigned)e->column);
}

/* ---------------------------------------------------------------- whitespace, keys */

static void skip_ws(struct sbx__toml_parser *p)
{
    int c;
    while ((c = sbx__toml_peek(p)) == ' ' || c == '\t')
        sbx__toml_adv(p);
}

static void skip_comment(struct sbx__toml_parser *p)
{
    int c;
    if (sbx__toml_peek(p) != '#')
        return;
    while ((c = sbx__toml_peek(p)) >= 0 && c != '\n' && c != '\r')
        sbx__toml_adv(p);
}

/* Inside arrays: whitespace, comments and newlines in any number. */
static void skip_blank(struct sbx__toml_parser *p)
{
    for (;;) {
        skip_ws(p);
        skip_comment(p);
        int c = sbx__toml_peek(p);
        if (c != '\n' && c != '\r')
            return;
        sbx__toml_adv_n(p, c == '\r' ? 2 : 1);
    }
}

static int expect_line_end(struct sbx__toml_parser *p, const char *after)
{
    char what[32];
    skip_ws(p);
    skip_comment(p);
    int c = sbx__toml_peek(p);
    if (c < 0)
        return 0;
    if (c == '\n' || c == '\r') {
        sbx__toml_adv_n(p, c == '\r' ? 2 : 1);
        return 0;
    }
    return sbx__toml_fail(p, -EINVAL, p->line, p->col, "expected a newline after the %s, found %s",
                          after, sbx__toml_describe_cur(p, what, sizeof(what)));
}

static void segs_clear(struct sbx__toml_parser *p)
{
    for (size_t i = 0; i < p->nsegs; i++)
        free(p->segs[i].s);
    p->nsegs = 0;
}

static int parse_bare_key(struct sbx__toml_parser *p, struct sbx__toml_seg *seg)
{
    size_t n = 0;
    while (sbx__toml_is_bare_key_char(sbx__toml_peek_at(p, n)))
        n++;
    if (n > p->lim.max_string)
        return sbx__toml_fail(p, -E2BIG, p->line, p->col, "key is longer than %zu bytes",
                              p->lim.max_string);
    seg->s = malloc(n + 1);
    if (!seg->s)
        return out_of_memory(p);
    memcpy(seg->s, p->cur, n);
    seg->s[n] = '\0';
    seg->len = n;
    sbx__toml_adv_n(p, n);
    return 0;
}

/* A key (bare, quoted, dotted) at the cursor into p->segs; whitespace after it is skipped. A key
 * of more parts than the depth limit could never be stored, so it is refused right away. */
static int parse_key(struct sbx__toml_parser *p)
{
    char what[32];
    segs_clear(p);
    for (;;) {
        int c = sbx__toml_peek(p), r;
        if (p->nsegs > p->lim.max_depth)
            return sbx__toml_fail(p, -E2BIG, p->line, p->col, "nesting deeper than %u levels",
                                  p->lim.max_depth);
        struct sbx__toml_seg *seg = &p->segs[p->nsegs];
        *seg = (struct sbx__toml_seg){.line = p->line, .column = p->col};
        if (c == '"' || c == '\'')
            r = sbx__toml_lex_string(p, false, &seg->s, &seg->len);
        else if (sbx__toml_is_bare_key_char(c))
            r = parse_bare_key(p, seg);
        else
            r = sbx__toml_fail(p, -EINVAL, p->line, p->col, "expected a key%s, found %s",
                               p->nsegs ? " after '.'" : "",
                               sbx__toml_describe_cur(p, what, sizeof(what)));
        if (r < 0)
            return r;
        p->nsegs++;
        skip_ws(p);
        if (sbx__toml_peek(p) != '.')
            return 0;
        sbx__toml_adv(p);
        skip_ws(p);
    }
}

/* ---------------------------------------------------------------- values */

static int parse_keyval(struct sbx__toml_parser *p, struct sbx__toml_node *tbl, unsigned depth);
static int parse_value(struct sbx__toml_parser *p, unsigned depth, struct sbx__toml_node **ret);

static int parse_array(struct sbx__toml_parser *p, unsigned depth, struct sbx__toml_node **ret)
{
    char what[32];
    int r = check_depth(p, depth, p->line, p->col);
    if (r < 0)
        return r;
    _cleanup_toml_ struct sbx__toml_node *arr = node_new(SBX_TOML_ARRAY, p->line, p->col);
    if (!arr)
        return out_of_memory(p);
    sbx__toml_adv(p);
    for (;;) {
        skip_blank(p);
        if (sbx__toml_peek(p) == ']')
            break;
        _cleanup_toml_ struct sbx__toml_node *v = NULL;
        r = parse_value(p, depth + 1, &v);
        if (r < 0)
            return r;
        r = array_add(p, arr, v);
        if (r < 0)
            return r;
        TAKE_PTR(v);
        skip_blank(p);
        int c = sbx__toml_peek(p);
        if (c == ']')
            break;
        if (c != ',')
            return sbx__toml_fail(p, -EINVAL, p->line, p->col,
                                  "expected ',' or ']' in the array, found %s",
                                  sbx__toml_describe_cur(p, what, sizeof(what)));
        sbx__toml_adv(p);
    }
    sbx__toml_adv(p);
    *ret = TAKE_PTR(arr);
    return 0;
}

/* { k = v, ... } on one line (TOML 1.0: no newline, no trailing comma, no comment). */
static int parse_inline_table(struct sbx__toml_parser *p, unsigned depth,
                              struct sbx__toml_node **ret)
{
    char what[32];
    int r = check_depth(p, depth, p->line, p->col);
    if (r < 0)
        return r;
    _cleanup_toml_ struct sbx__toml_node *t = node_new(SBX_TOML_TABLE, p->line, p->col);
    if (!t)
        return out_of_memory(p);
    t->u.table.origin = SBX_TOML_ORIGIN_INLINE;
    sbx__toml_adv(p);
    skip_ws(p);
    for (int c = sbx__toml_peek(p); c != '}'; c = sbx__toml_peek(p)) {
        r = parse_keyval(p, t, depth);
        if (r < 0)
            return r;
        skip_ws(p);
        c = sbx__toml_peek(p);
        if (c == '}')
            break;
        if (c != ',')
            return sbx__toml_fail(
                p, -EINVAL, p->line, p->col, "expected ',' or '}' in the inline table, found %s%s",
                sbx__toml_describe_cur(p, what, sizeof(what)),
                c == '\n' || c == '\r' || c == '#' ? " (an inline table must be on one line)" : "");
        sbx__toml_adv(p);
        skip_ws(p);
        if (sbx__toml_peek(p) == '}')
            return sbx__toml_fail(p, -EINVAL, p->line, p->col,
                                  "trailing comma not allowed in an inline table");
    }
    sbx__toml_adv(p);
    *ret = TAKE_PTR(t);
    return 0;
}

/* A value at nesting level `depth` (the level a table or array made here would have). */
static int parse_value(struct sbx__toml_parser *p, unsigned depth, struct sbx__toml_node **ret)
{
    int c = sbx__toml_peek(p), r;
    if (c == '[')
        return parse_array(p, depth, ret);
    if (c == '{')
        return parse_inline_table(p, depth, ret);
    _cleanup_toml_ struct sbx__toml_node *v = node_new(SBX_TOML_BOOLEAN, p->line, p->col);
    if (!v)
        return out_of_memory(p);
    if (c == '"' || c == '\'') {
        v->type = SBX_TOML_STRING;
        r = sbx__toml_lex_string(p, true, &v->u.string.ptr, &v->u.string.len);
    } else {
        r = sbx__toml_lex_scalar(p, v);
    }
    if (r < 0)
        return r;
    *ret = TAKE_PTR(v);
    return 0;
}

/* Part i of a dotted key, in table *t at level *depth: go into (or create) the table it names. */
static int dotted_descend(struct sbx__toml_parser *p, struct sbx__toml_node **t, unsigned *depth,
                          size_t i)
{
    const struct sbx__toml_seg *seg = &p->segs[i];
    struct sbx__toml_entry *e = table_lookup(*t, seg);
    (*depth)++;
    if (!e)
        return add_table(p, *t, seg, SBX_TOML_ORIGIN_DOTTED, *depth, seg->line, seg->column, t);
    if (e->value->type == SBX_TOML_TABLE && e->value->u.table.origin == SBX_TOML_ORIGIN_DOTTED) {
        *t = e->value;
        return 0;
    }
    return conflict(p, i, e, "cannot add dotted keys to");
}

/* key = value into `tbl` (at level `depth`): the current table or an inline table. */
static int parse_keyval(struct sbx__toml_parser *p, struct sbx__toml_node *tbl, unsigned depth)
{
    char what[32];
    int r = parse_key(p);
    if (r < 0)
        return r;
    if (sbx__toml_peek(p) != '=')
        return sbx__toml_fail(p, -EINVAL, p->line, p->col, "expected '=' after a key, found %s",
                              sbx__toml_describe_cur(p, what, sizeof(what)));
    sbx__toml_adv(p);
    skip_ws(p);

    struct sbx__toml_node *t = tbl;
    size_t last = p->nsegs - 1, idx;
    for (size_t i = 0; i < last; i++) {
        r = dotted_descend(p, &t, &depth, i);
        if (r < 0)
            return r;
    }
    const struct sbx__toml_entry *e = table_lookup(t, &p->segs[last]);
    if (e)
        return conflict(p, last, e, "duplicate key");
    /* The entry goes in first with no value: parsing the value reuses p->segs (inline tables)
     * and never touches `t`, so the index stays valid. */
    r = table_add(p, t, &p->segs[last], NULL, &idx);
    if (r < 0)
        return r;
    if (sbx__toml_peek(p) < 0 || sbx__toml_peek(p) == '\n' || sbx__toml_peek(p) == '\r')
        return sbx__toml_fail(p, -EINVAL, p->line, p->col, "expected a value after '='");
    return parse_value(p, depth + 1, &t->u.table.entries[idx].value);
}

/* ---------------------------------------------------------------- headers */

/* Part i of a header, in table *t at level *depth: go into (or create) the table it names. */
static int header_descend(struct sbx__toml_parser *p, struct sbx__toml_node **t, unsigned *depth,
                          size_t i)
{
    const struct sbx__toml_seg *seg = &p->segs[i];
    struct sbx__toml_entry *e = table_lookup(*t, seg);
    (*depth)++;
    if (!e)
        return add_table(p, *t, seg, SBX_TOML_ORIGIN_IMPLICIT, *depth, seg->line, seg->column, t);
    struct sbx__toml_node *v = e->value;
    if (v->type == SBX_TOML_TABLE && v->u.table.origin != SBX_TOML_ORIGIN_INLINE) {
        *t = v;
        return 0;
    }
    if (v->type == SBX_TOML_ARRAY && v->u.array.of_tables) {
        /* "[a.b]" after "[[a]]" belongs to the last element of a. */
        (*depth)++;
        *t = v->u.array.items[v->u.array.len - 1];
        return 0;
    }
    return conflict(p, i, e, "cannot extend");
}

/* [a.b]: the last part names a new table, or one that an earlier header created implicitly. */
static int header_table(struct sbx__toml_parser *p, struct sbx__toml_node *t, unsigned depth,
                        uint32_t line, uint32_t col)
{
    size_t last = p->nsegs - 1;
    const struct sbx__toml_seg *seg = &p->segs[last];
    struct sbx__toml_entry *e = table_lookup(t, seg);
    if (!e) {
        int r = add_table(p, t, seg, SBX_TOML_ORIGIN_HEADER, depth + 1, line, col, &p->current);
        if (r < 0)
            return r;
    } else if (e->value->type == SBX_TOML_TABLE &&
               e->value->u.table.origin == SBX_TOML_ORIGIN_IMPLICIT) {
        /* Defined now: a second [a] must point here, not at the first [a.b]. */
        e->value->u.table.origin = SBX_TOML_ORIGIN_HEADER;
        e->line = seg->line, e->column = seg->column;
        e->value->line = line, e->value->column = col;
        p->current = e->value;
    } else {
        return conflict(p, last, e, "cannot define table");
    }
    p->current_depth = depth + 1;
    return 0;
}

/* [[a.b]]: append a table to the array of tables a.b, creating the array if needed. */
static int header_array(struct sbx__toml_parser *p, struct sbx__toml_node *t, unsigned depth,
                        uint32_t line, uint32_t col)
{
    size_t last = p->nsegs - 1, idx;
    const struct sbx__toml_seg *seg = &p->segs[last];
    struct sbx__toml_entry *e = table_lookup(t, seg);
    struct sbx__toml_node *arr;
    int r = check_depth(p, depth + 2, line, col);
    if (r < 0)
        return r;
    if (!e) {
        _cleanup_toml_ struct sbx__toml_node *a = node_new(SBX_TOML_ARRAY, line, col);
        if (!a)
            return out_of_memory(p);
        a->u.array.of_tables = true;
        r = table_add(p, t, seg, a, &idx);
        if (r < 0)
            return r;
        arr = TAKE_PTR(a);
    } else if (e->value->type == SBX_TOML_ARRAY && e->value->u.array.of_tables) {
        arr = e->value;
    } else {
        return conflict(p, last, e, "cannot define array of tables");
    }
    _cleanup_toml_ struct sbx__toml_node *elem = node_new(SBX_TOML_TABLE, line, col);
    if (!elem)
        return out_of_memory(p);
    elem->u.table.origin = SBX_TOML_ORIGIN_HEADER;
    r = array_add(p, arr, elem);
    if (r < 0)
        return r;
    p->current = TAKE_PTR(elem);
    p->current_depth = depth + 2;
    return 0;
}

static int parse_header(struct sbx__toml_parser *p)
{
    char what[32];
    uint32_t line = p->line, col = p->col;
    bool aot = sbx__toml_peek_at(p, 1) == '[';
    sbx__toml_adv_n(p, aot ? 2 : 1);
    skip_ws(p);
    int r = parse_key(p);
    if (r < 0)
        return r;
    if (sbx__toml_peek(p) != ']' || (aot && sbx__toml_peek_at(p, 1) != ']'))
        return sbx__toml_fail(p, -EINVAL, p->line, p->col,
                              "expected '%s' to close the table header, found %s", aot ? "]]" : "]",
                              sbx__toml_describe_cur(p, what, sizeof(what)));
    sbx__toml_adv_n(p, aot ? 2 : 1);

    struct sbx__toml_node *t = p->root;
    unsigned depth = 0;
    for (size_t i = 0; i + 1 < p->nsegs; i++) {
        r = header_descend(p, &t, &depth, i);
        if (r < 0)
            return r;
    }
    return aot ? header_array(p, t, depth, line, col) : header_table(p, t, depth, line, col);
}

/* ---------------------------------------------------------------- document */

static int parse_document(struct sbx__toml_parser *p)
{
    for (;;) {
        skip_ws(p);
        skip_comment(p);
        int c = sbx__toml_peek(p), r;
        if (c < 0)
            return 0;
        if (c == '\n' || c == '\r') {
            sbx__toml_adv_n(p, c == '\r' ? 2 : 1);
            continue;
        }
        if (c == '[')
            r = parse_header(p);
        else
            r = parse_keyval(p, p->current, p->current_depth);
        if (r < 0)
            return r;
        r = expect_line_end(p, c == '[' ? "table header" : "value");
        if (r < 0)
            return r;
    }
}

static void set_limits(struct sbx__toml_limits *lim, const struct sbx__toml_limits *in)
{
    static const struct sbx__toml_limits none;
    if (!in)
        in = &none;
    lim->max_input = in->max_input ? in->max_input : SBX_TOML_DEFAULT_MAX_INPUT;
    lim->max_depth = in->max_depth ? in->max_depth : SBX_TOML_DEFAULT_MAX_DEPTH;
    lim->max_string = in->max_string ? in->max_string : SBX_TOML_DEFAULT_MAX_STRING;
    lim->max_table_keys = in->max_table_keys ? in->max_table_keys : SBX_TOML_DEFAULT_MAX_TABLE_KEYS;
    /* Lines, columns and entry indexes are 32-bit; recursion follows depth. */
    lim->max_input = MIN(lim->max_input, (size_t)UINT32_MAX - 1);
    lim->max_depth = MIN(lim->max_depth, (unsigned)SBX_TOML_DEPTH_HARD_MAX);
    lim->max_string = MIN(lim->max_string, lim->max_input);
    lim->max_table_keys = MIN(lim->max_table_keys, (size_t)UINT32_MAX - 1);
}

static int parse_all(struct sbx__toml_parser *p)
{
    int r = sbx__toml_check_text(p);
    if (r < 0)
        return r;
    p->segs = calloc(p->lim.max_depth + 1, sizeof(*p->segs));
    p->root = node_new(SBX_TOML_TABLE, 1, 1);
    if (!p->segs || !p->root)
        return out_of_memory(p);
    p->root->u.table.origin = SBX_TOML_ORIGIN_ROOT;
    p->current = p->root;
    return parse_document(p);
}

int sbx__toml_parse(const char *data, size_t len, const struct sbx__toml_limits *limits,
                    struct sbx__toml_node **ret, struct sbx__toml_error *err)
{
    struct sbx__toml_parser p = {.err = err, .line = 1, .col = 1};
    set_limits(&p.lim, limits);
    if (!ret || (!data && len))
        return sbx__toml_fail(&p, -EINVAL, 0, 0, "invalid arguments");
    if (len > p.lim.max_input)
        return sbx__toml_fail(&p, -E2BIG, 1, 1, "input is larger than %zu bytes", p.lim.max_input);
    p.cur = data ? data : "";
    p.end = p.cur + len;
    p.buf.max = p.lim.max_string;
    if (len >= 3 && memcmp(p.cur, "\xEF\xBB\xBF", 3) == 0)
        p.cur += 3; /* a byte order mark: not content, not a column */

    int r = parse_all(&p);
    segs_clear(&p);
    free(p.segs);
    free(p.buf.ptr);
    if (r < 0) {
        sbx__toml_free(p.root);
        return r;
    }
    *ret = p.root;
    return 0;
}

/* ---------------------------------------------------------------- lookup */

const struct sbx__toml_entry *sbx__toml_table_find(const struct sbx__toml_node *table,
                                                   const char *key, size_t key_len)
{
    if (!table || table->type != SBX_TOML_TABLE || (!key && key_len))
        return NULL;
    size_t i = index_find(&table->u.table, key ? key : "", key_len);
    return i == SIZE_MAX ? NULL : &table->u.table.entries[i];
}

const struct sbx__toml_node *sbx__toml_table_get(const struct sbx__toml_node *table,
                                                 const char *key)
{
    const struct sbx__toml_entry *e = key ? sbx__toml_table_find(table, key, strlen(key)) : NULL;
    return e ? e->value : NULL;
}

const struct sbx__toml_node *sbx__toml_table_get_path(const struct sbx__toml_node *table,
                                                      const char *const *keys, size_t n)
{
    const struct sbx__toml_node *v = table;
    for (size_t i = 0; i < n && v; i++)
        v = sbx__toml_table_get(v, keys[i]);
    return v;
}

size_t sbx__toml_table_len(const struct sbx__toml_node *table)
{
    return table && table->type == SBX_TOML_TABLE ? table->u.table.len : 0;
}

const struct sbx__toml_entry *sbx__toml_table_at(const struct sbx__toml_node *table, size_t i)
{
    return i < sbx__toml_table_len(table) ? &table->u.table.entries[i] : NULL;
}

size_t sbx__toml_array_len(const struct sbx__toml_node *array)
{
    return array && array->type == SBX_TOML_ARRAY ? array->u.array.len : 0;
}

const struct sbx__toml_node *sbx__toml_array_at(const struct sbx__toml_node *array, size_t i)
{
    return i < sbx__toml_array_len(array) ? array->u.array.items[i] : NULL;
}
