/*
 * Placeholder until the javascript/wasm analysers merge; delete at merge.
 *
 * The entry points accept any input and report nothing, so the engine links and `check` runs
 * on .js and .wasm files before their analysers (src/analysis/javascript.c, wasm.c) exist. The
 * Python one is here only in the "analysis: engine" commit (so that commit links on its own);
 * src/analysis/python.c replaces it on the analysis-py branch.
 */
#include "analysis/analysis.h"

int sbx__analyze_python(struct sbx__analysis_ctx *ctx UNUSED, const char *src UNUSED,
                        size_t len UNUSED, struct sbx_error *err UNUSED)
{
    return 0;
}

int sbx__analyze_javascript(struct sbx__analysis_ctx *ctx UNUSED, const char *src UNUSED,
                            size_t len UNUSED, struct sbx_error *err UNUSED)
{
    return 0;
}
