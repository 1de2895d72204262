/* Parsing untrusted source in a forked, confined child (isolate.c). */
#ifndef SBX_ANALYSIS_ISOLATE_H
#define SBX_ANALYSIS_ISOLATE_H

#include "analysis/analysis.h"

/* Input this size or larger is parsed in a child (see isolate.c for why). */
#define SBX_ANALYSIS_ISOLATE_FROM (64u * 1024)

/* A language's in-process analysis, and its rule for a rule-id pointer (compared, never read). */
typedef int (*sbx__analyze_fn)(struct sbx__analysis_ctx *ctx, const char *src, size_t len,
                               struct sbx_error *err);
typedef const struct sbx__rule *(*sbx__rule_fn)(const char *id);

/* Run `analyze` in a forked child whose memory is capped and whose syscalls are confined, and
 * add what it found to ctx. `what` names the analysis in errors. A child that crashes, runs out
 * of memory or sends anything malformed makes this fail with SBX_ERR_INPUT. */
SBX_INTERNAL int sbx__analysis_isolated(struct sbx__analysis_ctx *ctx, const char *what,
                                        sbx__analyze_fn analyze, sbx__rule_fn rule_of,
                                        const char *src, size_t len, struct sbx_error *err);

#endif
