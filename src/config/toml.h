/*
 * TOML 1.0 parser: a buffer of bytes -> a generic document tree.
 *
 * Pure code: no I/O, no globals, no locale dependence. The input is untrusted (config files may
 * come from users), so parsing is strict (everything TOML 1.0 rejects is rejected, with a
 * location) and bounded: input size, nesting depth, string length and keys per table have caps
 * (struct sbx__toml_limits); exceeding one is an error with a location, never a crash. Work is
 * O(n log n) in the input (tables keep a balanced index, so key lookup is O(log n)) and memory
 * is a constant factor of the input size.
 *
 * Lifecycle: sbx__toml_parse() builds a tree that the caller owns; read it with the lookup
 * helpers below (or the documented fields); release it with sbx__toml_free().
 *
 * Every node and every table entry records a 1-based line and column (columns count Unicode
 * code points; a tab is one column) so the config mapping can say "file:line: unknown key".
 */
#ifndef SBX_CONFIG_TOML_H
#define SBX_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

enum sbx__toml_type {
    SBX_TOML_TABLE = 1,
    SBX_TOML_ARRAY,
    SBX_TOML_STRING,
    SBX_TOML_INTEGER,
    SBX_TOML_FLOAT,
    SBX_TOML_BOOLEAN,
    SBX_TOML_OFFSET_DATETIME, /* 1979-05-27T07:32:00Z */
    SBX_TOML_LOCAL_DATETIME,  /* 1979-05-27T07:32:00 */
    SBX_TOML_LOCAL_DATE,      /* 1979-05-27 */
    SBX_TOML_LOCAL_TIME,      /* 07:32:00 */
};

/* How a table came to exist; the redefinition rules of TOML depend on it. */
enum sbx__toml_origin {
    SBX_TOML_ORIGIN_ROOT = 0, /* the document itself */
    SBX_TOML_ORIGIN_HEADER,   /* [a.b] or an element of [[a.b]] */
    SBX_TOML_ORIGIN_IMPLICIT, /* "a" of [a.b], not (yet) defined by its own header */
    SBX_TOML_ORIGIN_DOTTED,   /* "a" of a.b = 1 */
    SBX_TOML_ORIGIN_INLINE,   /* { ... }: immutable once closed */
};

/* Offset date-time with its offset, or a local date-time, date or time (see the node type). */
#define SBX_TOML_DATETIME_TEXT_MAX 36

struct sbx__toml_datetime {
    uint16_t year;          /* 0-9999; with the two below: valid only for types with a date */
    uint8_t month;          /* 1-12 */
    uint8_t day;            /* 1-28/29/30/31 (proleptic Gregorian) */
    uint8_t hour;           /* 0-23; with the three below: valid only for types with a time */
    uint8_t minute;         /* 0-59 */
    uint8_t second;         /* 0-60 (a leap second is allowed) */
    uint8_t frac_digits;    /* 0-9 fractional digits kept; more digits were truncated */
    uint32_t nanosecond;    /* 0-999999999 */
    int16_t offset_minutes; /* offset date-time only: -1439..1439, "Z" is 0 */
    /* The lexeme normalised for output: "T" as separator, "Z" upper case, at most 9 fractional
     * digits kept as written ("1979-05-27T00:32:00.5-07:00"). NUL-terminated. */
    char text[SBX_TOML_DATETIME_TEXT_MAX];
};

struct sbx__toml_node;

/* One key of a table, in document order. The key may contain NUL bytes (from "\u0000"); it
 * is always NUL-terminated after key_len bytes. line/column: where the key was written (for
 * a key defined by a header, the header's segment; for a dotted key, that part of it). */
struct sbx__toml_entry {
    char *key;
    size_t key_len;
    uint32_t line, column;
    struct sbx__toml_node *value;
};

/* Private to the parser: a node of the AVL tree that indexes a table's entries by key, so that
 * lookups and insertions cost O(log n) whatever order an adversary writes keys in. */
struct sbx__toml_link {
    uint32_t left, right; /* entry indexes, UINT32_MAX for none */
    int32_t height;
};

struct sbx__toml_table {
    struct sbx__toml_entry *entries; /* document order */
    struct sbx__toml_link *links;    /* links[i] belongs to entries[i] */
    uint32_t index_root;
    size_t len, cap;
    enum sbx__toml_origin origin;
};

struct sbx__toml_array {
    struct sbx__toml_node **items;
    size_t len, cap;
    bool of_tables; /* created by [[header]] (only those may be extended by headers) */
};

struct sbx__toml_node {
    enum sbx__toml_type type;
    uint32_t line, column; /* where the value starts (a table: its header, key or "{") */
    union {
        struct sbx__toml_table table;
        struct sbx__toml_array array;
        struct {
            char *ptr; /* NUL-terminated after len bytes; may contain NUL bytes */
            size_t len;
        } string;
        int64_t integer;
        double fp; /* may be inf, -inf, nan, -0.0 */
        bool boolean;
        struct sbx__toml_datetime datetime;
    } u;
};

/*
 * Caps on untrusted input. A field left at 0 takes the default in brackets. max_depth is also
 * capped at SBX_TOML_DEPTH_HARD_MAX, because parsing and freeing recurse once per level.
 */
#define SBX_TOML_DEFAULT_MAX_INPUT (1024 * 1024) /* bytes */
#define SBX_TOML_DEFAULT_MAX_DEPTH 64            /* levels of tables/arrays below the root */
#define SBX_TOML_DEFAULT_MAX_STRING (64 * 1024)  /* bytes of one decoded string or key */
#define SBX_TOML_DEFAULT_MAX_TABLE_KEYS 4096     /* keys of one table */
#define SBX_TOML_DEPTH_HARD_MAX 512
#define SBX_TOML_NUMBER_MAX 1024 /* characters of one number lexeme (a hard limit) */

struct sbx__toml_limits {
    size_t max_input;
    unsigned max_depth;
    size_t max_string;
    size_t max_table_keys;
};

#define SBX_TOML_ERROR_MAX 256

/* Where and why parsing failed. Fixed size; filling it never allocates. */
struct sbx__toml_error {
    uint32_t line, column;            /* 1-based; 0 when there is no location (bad arguments) */
    char message[SBX_TOML_ERROR_MAX]; /* "what: why", lower case, keys in quotes */
};

/*
 * Parse `len` bytes at `data` (need not be NUL-terminated; a UTF-8 byte order mark at the start
 * is skipped). `limits` may be NULL for the defaults. On success *ret is the root table, owned
 * by the caller, and `err` is untouched. On failure *ret is untouched and `err` (may be NULL)
 * holds the location and message of the first error. Returns 0, -EINVAL (not valid TOML),
 * -E2BIG (a limit was exceeded) or -ENOMEM.
 */
SBX_INTERNAL int sbx__toml_parse(const char *data, size_t len,
                                 const struct sbx__toml_limits *limits, struct sbx__toml_node **ret,
                                 struct sbx__toml_error *err);

/* Free a tree (any node returned by the parser, normally the root). NULL is a no-op. */
SBX_INTERNAL void sbx__toml_free(struct sbx__toml_node *node);

/* "table", "array", "string", "integer", "float", "boolean", "offset date-time",
 * "local date-time", "local date", "local time"; "unknown" for anything else. Never NULL. */
SBX_INTERNAL const char *sbx__toml_type_name(enum sbx__toml_type type);

/* The entry for a key of `table`, or NULL when `table` is NULL, not a table, or has no such key.
 * The key is compared byte for byte (`key_len` bytes, NUL bytes included). */
SBX_INTERNAL const struct sbx__toml_entry *sbx__toml_table_find(const struct sbx__toml_node *table,
                                                                const char *key, size_t key_len);

/* The value for a NUL-terminated key of `table`, or NULL (see sbx__toml_table_find). */
SBX_INTERNAL const struct sbx__toml_node *sbx__toml_table_get(const struct sbx__toml_node *table,
                                                              const char *key);

/* Follow a path of NUL-terminated keys (`n` of them) from `table`; each part but the last must
 * name a table. NULL when any part is missing. Example: {"runtimes", "python", "path"}. */
SBX_INTERNAL const struct sbx__toml_node *
sbx__toml_table_get_path(const struct sbx__toml_node *table, const char *const *keys, size_t n);

/* Number of keys of a table (0 when `table` is NULL or not a table). */
SBX_INTERNAL size_t sbx__toml_table_len(const struct sbx__toml_node *table);

/* The i-th entry in document order, or NULL when out of range or not a table. Iterate with
 * `for (size_t i = 0; i < sbx__toml_table_len(t); i++) { e = sbx__toml_table_at(t, i); ... }`. */
SBX_INTERNAL const struct sbx__toml_entry *sbx__toml_table_at(const struct sbx__toml_node *table,
                                                              size_t i);

/* Number of elements of an array (0 when `array` is NULL or not an array). */
SBX_INTERNAL size_t sbx__toml_array_len(const struct sbx__toml_node *array);

/* The i-th element, or NULL when out of range or not an array. */
SBX_INTERNAL const struct sbx__toml_node *sbx__toml_array_at(const struct sbx__toml_node *array,
                                                             size_t i);

/* Scope cleanup: `_cleanup_toml_ struct sbx__toml_node *doc = NULL;` (util/cleanup.h style). */
static inline void sbx__toml_freep(struct sbx__toml_node **node)
{
    sbx__toml_free(*node);
}
#define _cleanup_toml_ __attribute__((cleanup(sbx__toml_freep)))

#endif
