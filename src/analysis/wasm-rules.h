/* The WebAssembly rules (wasm.c) as data, for listing them and for checking allow_rules. */
#ifndef SBX_ANALYSIS_WASM_RULES_H
#define SBX_ANALYSIS_WASM_RULES_H

#include <stddef.h>

#include "analysis/analysis.h"

/* Every WASM- rule, in id order. */
SBX_INTERNAL extern const struct sbx__rule *const sbx__wasm_rules[];
SBX_INTERNAL extern const size_t sbx__wasm_n_rules;

#endif
