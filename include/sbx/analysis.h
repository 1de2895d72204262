/*
 * sbx/analysis.h: reading a program before it runs (DESIGN section 1, "analysis").
 *
 * Static analysis is a policy aid, not the security boundary: everything it would block is also
 * contained by the OS layer when analysis is off or evaded. Python and JavaScript are parsed with
 * tree-sitter (real syntax trees, never regular expressions); WebAssembly modules are read by a
 * bounds-checked module reader. Strings and comments never produce a finding.
 *
 * Lifecycle: sbx_analyze_file() (or _buffer) returns a struct sbx_analysis the caller owns and
 * frees with sbx_analysis_free(). All strings in a finding are owned by the analysis (or static).
 */
#ifndef SBX_ANALYSIS_H
#define SBX_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* enum sbx_severity is in policy.h (the policy's block_severity uses it). */

/* One dangerous operation found in the program. */
struct sbx_finding {
    const char *rule;     /* static rule id, e.g. "PY-EXEC-001" */
    const char *category; /* static: "command_execution", "filesystem", "network",
                             "dangerous_import", "dynamic_eval", "obfuscation", "syntax",
                             "resource" */
    enum sbx_severity severity;
    unsigned line, column; /* 1-based, in the analysed file; a binary WebAssembly module has
                              no lines: line 1, column = byte offset + 1 of the import entry or
                              memory type (a .wat file has real lines and columns) */
    const char *message;   /* static, e.g. "runs a shell command" */
    const char *hint;      /* static fix hint */
    char detail[160];      /* what was seen, e.g. "os.system" or "open('/etc/passwd')" */
    bool informational;    /* reported but never blocks (e.g. network rules with the network on) */
    bool allowed;          /* its rule is in the policy's allow_rules: reported, never blocks */
};

struct sbx_analysis {
    const char *language;         /* static: "python", "javascript", "wasm" */
    struct sbx_finding *findings; /* sorted by line, then column */
    size_t n_findings;
    bool syntax_error; /* the parser found errors; findings hold what it could read */
    unsigned error_line, error_column;
    bool blocks;         /* a finding (not allowed, not informational) reaches the
                            policy's block_severity */
    uint64_t elapsed_us; /* time spent parsing and matching */
    size_t n_dropped;    /* findings past the cap (SBX_ANALYSIS_MAX_FINDINGS), counted only */
};

/* At most this many findings are kept per analysis; further ones are counted in n_dropped. */
#define SBX_ANALYSIS_MAX_FINDINGS 10000
/* Largest input analysed (the same cap as a program file). */
#define SBX_ANALYSIS_MAX_BYTES (64u * 1024u * 1024u)

/*
 * Analyse `path` as the runtime `rt` (NULL: by the file's extension) under `policy` (allowed
 * paths, network, block_severity, allow_rules; NULL: the defaults). Returns 0 with *ret set, or a
 * negative errno with `err` filled: unreadable file (SBX_ERR_INPUT), unsupported language
 * (SBX_ERR_UNSUPPORTED), a WebAssembly module that is malformed or truncated (SBX_ERR_INPUT, the
 * message names the offset and what is wrong). A Python or JavaScript syntax error is not a
 * failure: it is reported in the analysis.
 */
SBX_API int sbx_analyze_file(const char *path, const struct sbx_runtime *rt,
                             const struct sbx_policy *policy, struct sbx_analysis **ret,
                             struct sbx_error *err);

/* The same for bytes in memory; `language` is "python", "javascript" or "wasm". */
SBX_API int sbx_analyze_buffer(const char *language, const void *data, size_t len,
                               const struct sbx_policy *policy, struct sbx_analysis **ret,
                               struct sbx_error *err);

SBX_API void sbx_analysis_free(struct sbx_analysis *analysis);

/* The analysis as one JSON object {file, language, findings[], elapsed_us, syntax_error,
 * blocks, findings_dropped} (malloc'd, caller frees), or NULL on allocation failure. `file` is
 * only echoed (NULL: null). */
SBX_API char *sbx_analysis_to_json(const struct sbx_analysis *analysis, const char *file);

/* Whether `id` names a rule: 0 if known, -ENOENT if it has a rule id's shape but no such rule
 * exists, -EINVAL if it is not shaped like a rule id (LANG-FAMILY-NNN). */
SBX_API int sbx_analysis_rule_check(const char *id);

/* "warn", "block", "off". */
SBX_API const char *sbx_analysis_mode_name(enum sbx_analysis_mode mode);

/* "info", "low", "medium", "high", "critical". */
SBX_API const char *sbx_severity_name(enum sbx_severity severity);
/* Parse one of the names above; 0 or -EINVAL. */
SBX_API int sbx_severity_parse(const char *name, enum sbx_severity *ret);

#ifdef __cplusplus
}
#endif
#endif
