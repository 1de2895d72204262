/*
 * Fuzz target for the Python analyser (src/analysis/python.c through the engine): any bytes
 * in, no crash, no leak, no undefined behaviour, no unbounded recursion; and the analysis obeys
 * its invariants (checked below; a violation aborts, which the fuzzer and the replay test report
 * as a failure): findings sorted, positions inside the input, static strings set, details
 * NUL-terminated, the cap respected, the block decision consistent with the findings.
 */
#include <stdlib.h>
#include <string.h>

#include "sbx/analysis.h"
#include "tests/fuzz/fuzz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static unsigned count_lines(const uint8_t *data, size_t size)
{
    unsigned n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static void check(const struct sbx_analysis *a, const struct sbx_policy *p, unsigned lines)
{
    CHECK(!strcmp(a->language, "python"));
    CHECK(a->n_findings <= SBX_ANALYSIS_MAX_FINDINGS);
    bool blocks = false;
    for (size_t i = 0; i < a->n_findings; i++) {
        const struct sbx_finding *f = &a->findings[i];
        CHECK(f->rule && !strncmp(f->rule, "PY-", 3) && f->category && f->message && f->hint);
        CHECK(sbx_analysis_rule_check(f->rule) == 0);
        CHECK(f->line >= 1 && f->line <= lines && f->column >= 1);
        CHECK(memchr(f->detail, '\0', sizeof(f->detail)) != NULL);
        if (i)
            CHECK(f[-1].line < f->line || (f[-1].line == f->line && f[-1].column <= f->column));
        blocks |= !f->allowed && !f->informational && f->severity >= p->block_severity;
    }
    CHECK(blocks == a->blocks);
    if (a->syntax_error)
        CHECK(a->error_line >= 1 && a->error_line <= lines && a->error_column >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    struct sbx_analysis *a = NULL;
    struct sbx_error err;
    CHECK(sbx_analyze_buffer("python", data, size, &p, &a, &err) == 0 && a);
    check(a, &p, count_lines(data, size));
    char *json = sbx_analysis_to_json(a, "fuzz.py");
    CHECK(json != NULL);
    free(json);
    sbx_analysis_free(a);
    return 0;
}
