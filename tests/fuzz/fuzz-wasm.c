/*
 * Fuzz target for the WebAssembly module reader (src/analysis/wasm-module.c) and the analyser
 * on top of it (src/analysis/wasm.c): any bytes in, no crash, no leak, no undefined behaviour,
 * and the module, the findings or the error obey the invariants documented in wasm-module.h and
 * wasm.c (checked below; a violation aborts, which the fuzzer and the replay test report as a
 * failure). The analysis runs with a 2-page memory cap so the memory rules fire often.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/wasm-module.h"
#include "sbx/analysis.h"
#include "sbx/policy.h"
#include "tests/fuzz/fuzz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* A name lies inside the input. */
static void check_name(struct sbx__wasm_name n, const uint8_t *data, size_t size)
{
    CHECK(n.len == 0 ||
          (n.ptr >= (const char *)data && n.ptr + n.len <= (const char *)data + size));
    char buf[40];
    sbx__wasm_name_printable(n, buf, sizeof(buf));
    CHECK(strlen(buf) < sizeof(buf));
}

static void check_limits(const struct sbx__wasm_limits *l, bool memory)
{
    CHECK(!l->has_max || l->min <= l->max);
    CHECK(!l->shared || (memory && l->has_max));
    if (memory)
        CHECK(l->min <= (l->is64 ? SBX_WASM_MAX_PAGES64 : SBX_WASM_MAX_PAGES32));
}

static void check_sections(const struct sbx__wasm_module *m)
{
    size_t end = 8;
    for (size_t i = 0; i < m->n_sections; i++) {
        const struct sbx__wasm_section *s = &m->sections[i];
        CHECK(s->offset == end && s->content > s->offset && s->content + s->size <= m->size);
        CHECK(s->id <= SBX_WASM_SEC_TAG);
        end = s->content + s->size;
    }
    CHECK(end == m->size);
}

static void check_module(const struct sbx__wasm_module *m, const uint8_t *data, size_t size)
{
    CHECK(m->version == 1 && m->size == size);
    check_sections(m);
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const struct sbx__wasm_import *imp = &m->imports[i];
        check_name(imp->module, data, size);
        check_name(imp->field, data, size);
        CHECK(imp->offset < size && strcmp(sbx__wasm_kind_name(imp->kind), "unknown") != 0);
        if (imp->kind == SBX_WASM_FUNC || imp->kind == SBX_WASM_TAG)
            CHECK(imp->type_index < m->n_types);
    }
    CHECK(m->n_funcs == m->n_func_imports + m->n_code_bodies &&
          m->n_funcs <= SBX_WASM_MAX_FUNCTIONS);
    for (uint32_t i = 0; i < m->n_funcs; i++)
        CHECK(m->func_types[i] < m->n_types);
    for (uint32_t i = 0; i < m->n_memories; i++) {
        check_limits(&m->memories[i].limits, true);
        CHECK(m->memories[i].offset < size);
        CHECK(!m->memories[i].imported ||
              m->imports[m->memories[i].import].kind == SBX_WASM_MEMORY);
    }
    for (uint32_t i = 0; i < m->n_tables; i++)
        check_limits(&m->tables[i].limits, false);
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const struct sbx__wasm_export *e = &m->exports[i];
        check_name(e->name, data, size);
        const struct sbx__wasm_export *found = NULL;
        for (uint32_t j = 0; j < m->n_exports && !found; j++)
            if (m->exports[j].name.len == e->name.len &&
                memcmp(m->exports[j].name.ptr, e->name.ptr, e->name.len) == 0)
                found = &m->exports[j];
        CHECK(found == e); /* names are unique */
    }
    CHECK(!m->has_start || m->start < m->n_funcs);
    CHECK(!m->has_data_count || m->data_count == m->n_data);
    for (uint32_t i = 0; i < m->n_types; i++)
        CHECK(m->types[i].n_params <= SBX_WASM_MAX_PARAMS &&
              m->types[i].n_results <= SBX_WASM_MAX_RESULTS);
}

/* The analysis fails exactly when the reader does, except for the text format (scanned, never
 * an error); binary findings sit at line 1 inside the module, text ones inside the text, and
 * every detail is printable ASCII. */
static void check_analysis(const uint8_t *data, size_t size, int read_result)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 2;
    struct sbx_analysis *a = NULL;
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx_analyze_buffer("wasm", data, size, &p, &a, &err);
    if (r < 0) {
        CHECK(read_result < 0 && a == NULL && err.message[0] != '\0');
        return;
    }
    CHECK(a != NULL);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    CHECK(!a->syntax_error || (read_result < 0 && a->error_line >= 1 && a->error_line <= lines &&
                               a->error_column >= 1 && a->error_column <= size + 1));
    for (size_t i = 0; i < a->n_findings; i++) {
        const struct sbx_finding *f = &a->findings[i];
        CHECK(f->line >= 1 && f->column >= 1 && f->column <= size);
        CHECK(read_result < 0 ? f->line <= lines : f->line == 1);
        CHECK(f->rule && f->category && f->message && f->hint);
        for (const char *c = f->detail; *c; c++)
            CHECK(*c >= 0x20 && *c < 0x7f);
    }
    sbx_analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx__wasm_module *m = NULL;
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx__wasm_module_read(data, size, &m, &err);
    if (r < 0) {
        CHECK(m == NULL);
        CHECK(r == -EINVAL || r == -ENOMEM);
        CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
        if (r == -EINVAL)
            CHECK(strncmp(err.message, "offset 0x", 9) == 0 && err.kind == SBX_ERR_INPUT);
        check_analysis(data, size, r);
        return 0;
    }
    CHECK(m != NULL);
    check_module(m, data, size);
    sbx__wasm_module_free(m);
    check_analysis(data, size, 0);
    return 0;
}
