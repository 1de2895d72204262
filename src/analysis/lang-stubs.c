/*
 * Placeholder until the javascript/wasm analysers merge; delete at merge.
 *
 * The entry points accept any input and report nothing, so the engine links and `check` runs
 * on .wasm files before their analyser (src/analysis/wasm.c) exists. The Python one is here only
 * until src/analysis/python.c (analysis-py branch) merges; the JavaScript one is gone
 * (src/analysis/javascript.c).
 */
#include "analysis/analysis.h"

int sbx__analyze_python(struct sbx__analysis_ctx *ctx UNUSED, const char *src UNUSED,
                        size_t len UNUSED, struct sbx_error *err UNUSED)
{
    return 0;
}

int sbx__analyze_wasm(struct sbx__analysis_ctx *ctx UNUSED, const uint8_t *data UNUSED,
                      size_t len UNUSED, struct sbx_error *err UNUSED)
{
    return 0;
}
