/*
 * A bounds-checked reader of the WebAssembly binary format (core spec 2.0, plus the encodings of
 * the common proposals that clang and wat2wasm emit: multi-memory, memory64 and table64 limits,
 * shared memories (threads), bulk memory, reference types, typed function references in value
 * types, extended constant expressions, SIMD v128.const, and the exception-handling tag
 * section, id 13). It is shared by the wasm analyser (src/analysis/wasm.c) and by the wasm
 * runtime, which checks a module's declared memory before the module starts.
 *
 * What it reads: the header, every section (id, offset, size; sections in the spec's order,
 * custom sections anywhere, duplicates and unknown ids rejected), function types, imports,
 * the function index space, tables, memories, tags, globals (their constant expressions are
 * decoded, not evaluated), exports, the start function, element and data segments (decoded,
 * counted), the data count, and the code section (each body skipped by its size; instructions
 * are NOT validated: a module this reader accepts may still fail an engine's validation).
 *
 * SECURITY: the input is untrusted. Every read is checked against the end of its section;
 * LEB128 integers are limited to 5 (32-bit) or 10 (64-bit) bytes with their unused bits
 * checked; names must be valid UTF-8; every count is checked against the bytes left before
 * anything is allocated, and against the JS API's implementation limits below, so memory stays
 * a small multiple of the input size. Nothing recurses.
 */
#ifndef SBX_ANALYSIS_WASM_MODULE_H
#define SBX_ANALYSIS_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/error.h"
#include "util/macros.h"

#define SBX_WASM_PAGE_SIZE 65536u

/* Implementation limits (the WebAssembly JS API's, https://webassembly.github.io/spec/js-api/
 * section "Limits"; memories raised for multi-memory). A module past one is rejected. */
#define SBX_WASM_MAX_MODULE_SIZE (1024u * 1024 * 1024)
#define SBX_WASM_MAX_TYPES 1000000u
#define SBX_WASM_MAX_FUNCTIONS 1000000u /* imported + defined */
#define SBX_WASM_MAX_IMPORTS 100000u
#define SBX_WASM_MAX_EXPORTS 100000u
#define SBX_WASM_MAX_GLOBALS 1000000u
#define SBX_WASM_MAX_TABLES 100000u
#define SBX_WASM_MAX_MEMORIES 100u
#define SBX_WASM_MAX_TAGS 1000000u
#define SBX_WASM_MAX_DATA_SEGMENTS 100000u
#define SBX_WASM_MAX_ELEMENT_SEGMENTS 10000000u
#define SBX_WASM_MAX_PARAMS 1000u
#define SBX_WASM_MAX_RESULTS 1000u
#define SBX_WASM_MAX_BODY_SIZE 7654321u
/* Memory pages by the spec: 2^16 for 32-bit memories (4 GiB), 2^48 for 64-bit ones. */
#define SBX_WASM_MAX_PAGES32 65536ull
#define SBX_WASM_MAX_PAGES64 (1ull << 48)

/* Section ids (binary format section 5.5.2, and 13 for the exception-handling tags). */
enum sbx__wasm_section_id {
    SBX_WASM_SEC_CUSTOM = 0,
    SBX_WASM_SEC_TYPE = 1,
    SBX_WASM_SEC_IMPORT = 2,
    SBX_WASM_SEC_FUNCTION = 3,
    SBX_WASM_SEC_TABLE = 4,
    SBX_WASM_SEC_MEMORY = 5,
    SBX_WASM_SEC_GLOBAL = 6,
    SBX_WASM_SEC_EXPORT = 7,
    SBX_WASM_SEC_START = 8,
    SBX_WASM_SEC_ELEMENT = 9,
    SBX_WASM_SEC_CODE = 10,
    SBX_WASM_SEC_DATA = 11,
    SBX_WASM_SEC_DATA_COUNT = 12,
    SBX_WASM_SEC_TAG = 13,
};

/* What an import or export names: the byte used in the binary format. */
enum sbx__wasm_kind {
    SBX_WASM_FUNC = 0,
    SBX_WASM_TABLE = 1,
    SBX_WASM_MEMORY = 2,
    SBX_WASM_GLOBAL = 3,
    SBX_WASM_TAG = 4,
};

/* A name: points INTO the input buffer (not copied, not NUL-terminated; it may contain NUL
 * bytes, control characters or bidi overrides: use sbx__wasm_name_printable() to show it).
 * Always valid UTF-8. */
struct sbx__wasm_name {
    const char *ptr;
    uint32_t len;
};

/* Limits of a memory (in 64 KiB pages) or a table (in elements). */
struct sbx__wasm_limits {
    uint64_t min;
    uint64_t max; /* meaningful only when has_max */
    bool has_max;
    bool shared; /* memories only (threads); a shared memory always has a maximum */
    bool is64;   /* memory64 / table64: 64-bit addresses */
};

struct sbx__wasm_section {
    uint8_t id;                 /* enum sbx__wasm_section_id */
    size_t offset;              /* of the id byte */
    size_t content;             /* offset of the first content byte */
    size_t size;                /* content bytes */
    struct sbx__wasm_name name; /* custom sections: their name; others: empty */
};

/* A function type. Value types are stored as their one-byte codes (0x7f i32, 0x7e i64, 0x7d
 * f32, 0x7c f64, 0x7b v128, 0x70 funcref, 0x6f externref, ...); a typed reference (0x63 ref
 * null ht, 0x64 ref ht) is stored as 0x63 or 0x64 without its heap type. */
struct sbx__wasm_functype {
    uint32_t n_params, n_results;
    const uint8_t *params;  /* n_params codes, owned by the module */
    const uint8_t *results; /* n_results codes, owned by the module */
    size_t offset;          /* of the 0x60 byte */
};

struct sbx__wasm_import {
    struct sbx__wasm_name module, field;
    enum sbx__wasm_kind kind;
    size_t offset;                  /* of the entry (its module name's length) */
    uint32_t type_index;            /* SBX_WASM_FUNC, SBX_WASM_TAG */
    struct sbx__wasm_limits limits; /* SBX_WASM_TABLE, SBX_WASM_MEMORY */
    uint8_t valtype;                /* SBX_WASM_GLOBAL: its type; SBX_WASM_TABLE: element type */
    bool mutable_;                  /* SBX_WASM_GLOBAL */
};

struct sbx__wasm_export {
    struct sbx__wasm_name name; /* unique within the module */
    enum sbx__wasm_kind kind;
    uint32_t index; /* into the kind's index space (imports first), checked in range */
    size_t offset;  /* of the entry */
};

/* Entries of the table, memory and global index spaces: imported ones first, in import order
 * (`import` is their index in imports[]), then the module's own. */
struct sbx__wasm_memory {
    struct sbx__wasm_limits limits;
    size_t offset; /* of the memory type (its flags byte) */
    bool imported;
    uint32_t import;
};

struct sbx__wasm_table {
    struct sbx__wasm_limits limits;
    uint8_t reftype;
    size_t offset;
    bool imported;
    uint32_t import;
};

struct sbx__wasm_global {
    uint8_t valtype;
    bool mutable_;
    size_t offset;
    bool imported;
    uint32_t import;
};

struct sbx__wasm_module {
    uint32_t version; /* always 1 */
    size_t size;      /* of the input */

    struct sbx__wasm_section *sections; /* in file order, custom sections included */
    size_t n_sections;

    struct sbx__wasm_functype *types;
    uint32_t n_types;

    struct sbx__wasm_import *imports;
    uint32_t n_imports;

    /* The function index space: the type index of each function, imports first. */
    uint32_t *func_types;
    uint32_t n_funcs;
    uint32_t n_func_imports;

    struct sbx__wasm_table *tables;
    uint32_t n_tables;
    struct sbx__wasm_memory *memories;
    uint32_t n_memories;
    struct sbx__wasm_global *globals;
    uint32_t n_globals;
    uint32_t *tag_types; /* type index of each tag, imports first */
    uint32_t n_tags;

    struct sbx__wasm_export *exports;
    uint32_t n_exports;

    bool has_start;
    uint32_t start; /* function index, of type [] -> [] */

    uint32_t n_elements;    /* element segments */
    uint32_t n_data;        /* data segments */
    bool has_data_count;    /* the data count section is present ... */
    uint32_t data_count;    /* ... and equals n_data when the data section is present */
    uint32_t n_code_bodies; /* equals n_funcs - n_func_imports */

    uint8_t *valtype_store; /* private: backing store of the types' params/results */
};

/*
 * Read the module in data[0..len). On success returns 0 and sets *ret, which the caller frees
 * with sbx__wasm_module_free(); names and the section list point into `data`, which must
 * outlive the module. On failure returns -EINVAL (malformed, truncated, or past an
 * implementation limit: err kind SBX_ERR_INPUT, stage SBX_STAGE_RUNTIME, message "offset 0x1f:
 * truncated import section (needs 6 bytes, 2 left)") or -ENOMEM (err kind SBX_ERR_INTERNAL),
 * and *ret is untouched. `err` may be NULL.
 */
SBX_INTERNAL int sbx__wasm_module_read(const uint8_t *data, size_t len,
                                       struct sbx__wasm_module **ret, struct sbx_error *err);

/* Free a module from sbx__wasm_module_read(); NULL is fine. */
SBX_INTERNAL void sbx__wasm_module_free(struct sbx__wasm_module *m);

/* The export named `name` (a C string) of kind `kind`, or NULL. */
SBX_INTERNAL const struct sbx__wasm_export *
sbx__wasm_module_find_export(const struct sbx__wasm_module *m, const char *name,
                             enum sbx__wasm_kind kind);

/* Whether `name` equals the C string `s` byte for byte. */
SBX_INTERNAL bool sbx__wasm_name_eq(struct sbx__wasm_name name, const char *s);

/* Whether `name` starts with the C string `prefix`. */
SBX_INTERNAL bool sbx__wasm_name_has_prefix(struct sbx__wasm_name name, const char *prefix);

/* Copy `name` into buf[0..size) for display: printable ASCII is kept, every other byte
 * (controls, NUL, all non-ASCII, so no bidi overrides either) becomes \xNN, and "..." marks a
 * cut. Always NUL-terminates when size > 0. Returns buf. */
SBX_INTERNAL char *sbx__wasm_name_printable(struct sbx__wasm_name name, char *buf, size_t size);

/* "func", "table", "memory", "global", "tag"; "unknown" otherwise. Never NULL. */
SBX_INTERNAL const char *sbx__wasm_kind_name(enum sbx__wasm_kind kind);

/* "type", "import", ... "tag", "custom"; "unknown" otherwise. Never NULL. */
SBX_INTERNAL const char *sbx__wasm_section_name(uint8_t id);

#endif
