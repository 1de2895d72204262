/*
 * The analysis engine's internal interface. Each language is one file with one entry point that
 * walks its input and calls sbx__analysis_add() for every match; the engine (engine.c) owns the
 * findings array, sorting, allow_rules, informational marking and the block decision.
 *
 * Input is untrusted: entry points must hold for any bytes (fuzzed), never recurse without a
 * depth cap, and keep memory bounded by a small multiple of the input.
 */
#ifndef SBX_ANALYSIS_ANALYSIS_H
#define SBX_ANALYSIS_ANALYSIS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/analysis.h"
#include "util/macros.h"

/* A rule: id like "PY-EXEC-001" / "JS-NET-003" / "WASM-FS-001"; category as in sbx_finding. */
struct sbx__rule {
    const char *id;
    const char *category;
    enum sbx_severity severity;
    const char *message;
    const char *hint;
};

/* The hint of every network rule: the one switch that changes it. */
#define SBX_HINT_NO_NETWORK                                                                        \
    "the sandbox has no network unless the policy enables it ([security] enable_network, or "      \
    "--network)"

/* What the language analysers need to know of the policy. */
struct sbx__analysis_ctx {
    const struct sbx_policy *policy; /* never NULL (the engine supplies defaults) */
    struct sbx_analysis *out;
    /* The caller is a child that exits once the findings are sent (isolate.c): the file's
     * syntax tree is left to the kernel rather than freed node by node (a few ms per 300 KB). */
    bool exiting;
};

/* Record a finding of `rule` at 1-based line/column; `detail` is printf-style (truncated to
 * fit). 0 or -ENOMEM. The engine caps the number of findings (extra ones are counted only). */
SBX_INTERNAL int sbx__analysis_add(struct sbx__analysis_ctx *ctx, const struct sbx__rule *rule,
                                   unsigned line, unsigned column, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Record the first syntax error's position (later calls are ignored). */
SBX_INTERNAL void sbx__analysis_syntax_error(struct sbx__analysis_ctx *ctx, unsigned line,
                                             unsigned column);

/* Whether a literal path is inside what the program may touch: /work (and relative paths),
 * /tmp, /dev/shm, /dev/null|zero|urandom|random|stdin|stdout|stderr, /proc/self, and the
 * policy's binds (read-only ones only when `write` is false); for reads also /usr, /lib*, /bin,
 * /sbin and /proc (the sandbox's own). The path is normalised lexically first ('..'). */
SBX_INTERNAL bool sbx__analysis_path_allowed(const struct sbx__analysis_ctx *ctx, const char *path,
                                             bool write);

/* The report's "findings" array and "analysis" object (analysis-json.c); a may be NULL. */
struct json_t;
SBX_INTERNAL struct json_t *sbx__analysis_findings_json(const struct sbx_analysis *a);
SBX_INTERNAL struct json_t *sbx__analysis_json(const struct sbx_analysis *a,
                                               enum sbx_analysis_mode mode);

/* Analyse the program open at `fd` (a regular file of at most SBX_ANALYSIS_MAX_BYTES, read with
 * pread from offset 0: the same bytes the run copies) as `language`. As sbx_analyze_buffer. */
SBX_INTERNAL int sbx__analyze_fd(int fd, const char *language, const struct sbx_policy *policy,
                                 struct sbx_analysis **ret, struct sbx_error *err);

/* Language entry points: 0 (even with syntax errors or findings), or a negative errno with
 * `err` filled (malformed WebAssembly, allocation failure). */
SBX_INTERNAL int sbx__analyze_python(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                                     struct sbx_error *err);
SBX_INTERNAL int sbx__analyze_javascript(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                                         struct sbx_error *err);
SBX_INTERNAL int sbx__analyze_wasm(struct sbx__analysis_ctx *ctx, const uint8_t *data, size_t len,
                                   struct sbx_error *err);

/* The JavaScript rule whose id is `id`, or NULL (javascript-rules.c). */
SBX_INTERNAL const struct sbx__rule *sbx__js_rule(const char *id);

#endif
