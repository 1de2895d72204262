/*
 * Placeholder until the wasm analyser merges; delete at merge.
 */
#include "analysis/analysis.h"

int sbx__analyze_wasm(struct sbx__analysis_ctx *ctx UNUSED, const uint8_t *data UNUSED,
                      size_t len UNUSED, struct sbx_error *err UNUSED)
{
    return 0;
}
