/*
 * A scanner of the WebAssembly text format (.wat) for the analyser: not an assembler, it finds
 * only what the wasm rules look at, with real line/column positions:
 *   - module-level imports: (import "m" "n" (func|table|memory|global|tag ...)), the memory
 *     kind with its limits;
 *   - inline imports: (func|table|memory|global|tag $id? (export "x")* (import "m" "n") ...);
 *   - memories: (memory $id? (export ...)* (import ...)? i32|i64? MIN MAX? shared?) and
 *     (memory (data "...")), whose size comes from the data.
 * Module fields may stand inside (module ...) or at the top level (the inline-module form).
 *
 * SECURITY: the input is untrusted. One flat loop, no recursion; only the first four levels of
 * nesting are tracked (deeper ones are counted), names are decoded into fixed buffers (longer
 * ones are cut and can never equal a WASI name), numbers saturate.
 */
#ifndef SBX_ANALYSIS_WASM_TEXT_H
#define SBX_ANALYSIS_WASM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/wasm-module.h"
#include "util/macros.h"

#define SBX_WAT_NAME_MAX 128 /* decoded bytes kept of a name; longer ones are cut */

struct sbx__wat_import {
    struct sbx__wasm_name module, field; /* decoded; valid only during the callback */
    enum sbx__wasm_kind kind;
    unsigned line, column; /* of the import form's '(' */
};

struct sbx__wat_memory {
    struct sbx__wasm_limits limits;
    bool limits_known;                /* false: no literal limits could be read */
    struct sbx__wasm_name id;         /* "$mem" or empty */
    struct sbx__wasm_name imp_module; /* imported: the import's names; else empty */
    struct sbx__wasm_name imp_field;
    unsigned line, column; /* of the memory's (or the import form's) '(' */
};

struct sbx__wat_visitor {
    int (*import)(void *opaque, const struct sbx__wat_import *imp);
    int (*memory)(void *opaque, const struct sbx__wat_memory *mem);
    void *opaque;
};

/*
 * Scan src[0..len). Calls the visitor for each import and memory in text order; a callback's
 * negative return stops the scan and is returned. Returns 0 otherwise. At the first syntax
 * error (unterminated string or comment, unbalanced parentheses) the scan stops and its
 * position is stored in *ret_line, *ret_column (both 0 when there was none).
 */
SBX_INTERNAL int sbx__wat_scan(const char *src, size_t len, const struct sbx__wat_visitor *v,
                               unsigned *ret_line, unsigned *ret_column);

/* Whether the bytes look like the text format: '(' or ";;" first, after white space or a BOM. */
SBX_INTERNAL bool sbx__wat_looks_like_text(const char *src, size_t len);

#endif
