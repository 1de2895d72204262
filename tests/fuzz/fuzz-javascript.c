/*
 * Fuzz target for the JavaScript analyser (src/analysis/javascript*.c) through the public API:
 * any bytes in, no crash, no leak, no undefined behaviour, and the analysis obeys its documented
 * invariants (checked below; a violation aborts, which the fuzzer and the replay test report).
 *
 * Each input is analysed twice, with the default policy and with the network on and a bind, and
 * the two must agree on everything but the policy's marks (determinism, no hidden state).
 */
#include <stdlib.h>
#include <string.h>

#include "sbx/analysis.h"
#include "sbx/policy.h"
#include "tests/fuzz/fuzz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const char *const categories[] = {"command_execution", "filesystem",   "network",
                                         "dangerous_import",  "dynamic_eval", "obfuscation"};

static void check_finding(const struct sbx_finding *f, unsigned lines, size_t size)
{
    bool known = false;
    for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
        known |= !strcmp(f->category, categories[i]);
    CHECK(known);
    CHECK(!strncmp(f->rule, "JS-", 3));
    CHECK(f->severity >= SBX_SEVERITY_INFO && f->severity <= SBX_SEVERITY_CRITICAL);
    CHECK(f->line >= 1 && f->line <= lines && f->column >= 1 && f->column <= size + 1);
    CHECK(memchr(f->detail, '\0', sizeof(f->detail)) != NULL);
    CHECK(f->message && f->message[0] && f->hint && f->hint[0]);
}

static struct sbx_analysis *run(const uint8_t *data, size_t size, const struct sbx_policy *p)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx_analyze_buffer("javascript", data, size, p, &a, &err);
    if (r < 0) { /* only a parser failure on big input or no memory */
        CHECK(a == NULL && err.message[0] != '\0');
        return NULL;
    }
    CHECK(a != NULL && !strcmp(a->language, "javascript"));
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    for (size_t i = 0; i < a->n_findings; i++) {
        check_finding(&a->findings[i], lines, size);
        if (i > 0) /* sorted by line, then column */
            CHECK(a->findings[i - 1].line < a->findings[i].line ||
                  (a->findings[i - 1].line == a->findings[i].line &&
                   a->findings[i - 1].column <= a->findings[i].column));
    }
    if (a->syntax_error)
        CHECK(a->error_line >= 1 && a->error_line <= lines && a->error_column >= 1);
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    struct sbx_analysis *a = run(data, size, &p);
    static const struct sbx_bind binds[] = {{.path = "/etc", .writable = false}};
    p.enable_network = true;
    p.binds = binds;
    p.n_binds = 1;
    struct sbx_analysis *b = run(data, size, &p);
    CHECK((a == NULL) == (b == NULL));
    if (a && b) {
        CHECK(a->syntax_error == b->syntax_error && a->error_line == b->error_line);
        /* The bind can only remove filesystem read findings. */
        CHECK(b->n_findings <= a->n_findings);
        for (size_t i = 0; i < b->n_findings; i++)
            if (b->findings[i].informational)
                CHECK(!strcmp(b->findings[i].category, "network"));
    }
    sbx_analysis_free(a);
    sbx_analysis_free(b);
    return 0;
}
