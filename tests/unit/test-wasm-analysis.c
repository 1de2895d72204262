/*
 * Unit tests for the WebAssembly analyser (src/analysis/wasm.c) through the public
 * sbx_analyze_buffer(): each finding, its position (line 1, column = byte offset + 1 of the
 * import entry or memory type), the policy's memory cap, the network and allow_rules marking,
 * malformed modules and the text format. Fixtures as in test-wasm-module.c (SBX_WASM_FIXTURES).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/wasm-module.h"
#include "helpers.h"
#include "analysis/wasm-rules.h"
#include "sbx/analysis.h"
#include "sbx/policy.h"

static struct sbx_analysis *analyse(const void *data, size_t len, const struct sbx_policy *p)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    int r = sbx_analyze_buffer("wasm", data, len, p, &a, &err);
    cr_assert_eq(r, 0, "analysis failed: %d %s", r, err.message);
    cr_assert_str_eq(a->language, "wasm");
    return a;
}

static struct sbx_analysis *analyse_fixture(const char *name, const struct sbx_policy *p)
{
    struct blob b = load_fixture(name);
    struct sbx_analysis *a = analyse(b.data, b.len, p);
    free(b.data);
    return a;
}

/* The finding of `rule` whose detail contains `detail`, or fail. */
static const struct sbx_finding *find(const struct sbx_analysis *a, const char *rule,
                                      const char *detail)
{
    for (size_t i = 0; i < a->n_findings; i++)
        if (!strcmp(a->findings[i].rule, rule) && strstr(a->findings[i].detail, detail))
            return &a->findings[i];
    for (size_t i = 0; i < a->n_findings; i++)
        fprintf(stderr, "  %s %s %s\n", a->findings[i].rule, a->findings[i].category,
                a->findings[i].detail);
    cr_assert_fail("no %s finding with \"%s\"", rule, detail);
    return NULL;
}

static size_t count(const struct sbx_analysis *a, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_findings; i++)
        n += !strcmp(a->findings[i].rule, rule);
    return n;
}

/* The import's column: its entry offset, from the reader, + 1. */
static unsigned import_column(const char *fixture, const char *field)
{
    struct blob b = load_fixture(fixture);
    struct sbx__wasm_module *m = NULL;
    cr_assert_eq(sbx__wasm_module_read(b.data, b.len, &m, NULL), 0);
    unsigned col = 0;
    for (uint32_t i = 0; i < m->n_imports; i++)
        if (sbx__wasm_name_eq(m->imports[i].field, field))
            col = (unsigned)m->imports[i].offset + 1;
    sbx__wasm_module_free(m);
    free(b.data);
    cr_assert_neq(col, 0, "no import %s", field);
    return col;
}

Test(wasm_analysis, wasi_families)
{
    struct sbx_analysis *a = analyse_fixture("wasi-families.wasm", NULL);
    const struct sbx_finding *f = find(a, "WASM-NET-001", "wasi_snapshot_preview1.sock_accept");
    cr_assert_str_eq(f->category, "network");
    cr_assert_eq(f->severity, SBX_SEVERITY_HIGH);
    cr_assert_eq(f->line, 1);
    cr_assert_eq(f->column, import_column("wasi-families.wasm", "sock_accept"));
    find(a, "WASM-NET-001", "sock_recv");
    f = find(a, "WASM-FS-001", "path_open");
    cr_assert_eq(f->severity, SBX_SEVERITY_INFO);
    cr_assert_str_eq(f->category, "filesystem");
    cr_assert_eq(find(a, "WASM-FS-002", "path_unlink_file")->severity, SBX_SEVERITY_LOW);
    f = find(a, "WASM-FS-003", "wasi_unstable.path_symlink");
    cr_assert_eq(f->severity, SBX_SEVERITY_MEDIUM);
    f = find(a, "WASM-EXEC-001", "proc_raise");
    cr_assert_str_eq(f->category, "command_execution");
    f = find(a, "WASM-HOST-001", "env.host_callback (func)");
    cr_assert_eq(f->severity, SBX_SEVERITY_HIGH);
    cr_assert_eq(f->column, import_column("wasi-families.wasm", "host_callback"));
    /* proc_exit, fd_write, environ_get, random_get: nothing. Memory without a cap: nothing. */
    cr_assert_eq(a->n_findings, 7);
    for (size_t i = 1; i < a->n_findings; i++)
        cr_assert_lt(a->findings[i - 1].column, a->findings[i].column, "sorted by column");
    cr_assert(a->blocks, "high findings block at the default block_severity");
    sbx_analysis_free(a);
}

Test(wasm_analysis, network_on_and_allow_rules)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.enable_network = true;
    struct sbx_analysis *a = analyse_fixture("wasi-families.wasm", &p);
    cr_assert(find(a, "WASM-NET-001", "sock_accept")->informational);
    cr_assert(!find(a, "WASM-HOST-001", "host_callback")->informational);
    cr_assert(a->blocks, "the missing host import still blocks");
    sbx_analysis_free(a);
    static const char *const allow[] = {"WASM-HOST-001"};
    p.allow_rules = allow;
    p.n_allow_rules = 1;
    a = analyse_fixture("wasi-families.wasm", &p);
    cr_assert(find(a, "WASM-HOST-001", "host_callback")->allowed);
    cr_assert(!a->blocks);
    sbx_analysis_free(a);
}

Test(wasm_analysis, hello_has_no_findings)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 16;
    struct sbx_analysis *a = analyse_fixture("hello-wasi.wasm", &p);
    /* fd_write only; memory 1 page with no maximum: growth capped at 16 pages. */
    cr_assert_eq(a->n_findings, 1);
    cr_assert_str_eq(a->findings[0].rule, "WASM-MEM-002");
    cr_assert_str_eq(a->findings[0].detail, "memory 0: no maximum; max_memory_pages 16");
    cr_assert_str_eq(a->findings[0].category, "resource");
    cr_assert(!a->blocks);
    sbx_analysis_free(a);
    a = analyse_fixture("hello-wasi.wasm", NULL);
    cr_assert_eq(a->n_findings, 0, "no cap: no memory finding");
    sbx_analysis_free(a);
}

Test(wasm_analysis, initial_memory_above_cap)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 256;
    struct sbx_analysis *a = analyse_fixture("memory-large.wasm", &p);
    cr_assert_eq(a->n_findings, 1);
    const struct sbx_finding *f = find(a, "WASM-MEM-001", "memory 0");
    cr_assert_str_eq(f->detail, "memory 0: 300 initial pages (18.75 MiB) > max_memory_pages 256");
    cr_assert_eq(f->severity, SBX_SEVERITY_HIGH);
    cr_assert_str_eq(f->category, "resource");
    cr_assert(a->blocks);
    /* The column names the memory type: its flags byte (0x00, no maximum) then 300 in LEB. */
    struct blob b = load_fixture("memory-large.wasm");
    cr_assert_eq(b.data[f->column - 1], 0x00);
    cr_assert_eq(b.data[f->column], 0xac);
    cr_assert_eq(b.data[f->column + 1], 0x02);
    free(b.data);
    sbx_analysis_free(a);
    p.wasm_max_memory_pages = 300;
    a = analyse_fixture("memory-large.wasm", &p);
    find(a, "WASM-MEM-002", "no maximum");
    cr_assert_eq(count(a, "WASM-MEM-001"), 0, "300 pages are within a 300-page cap");
    sbx_analysis_free(a);
}

Test(wasm_analysis, shared_memory)
{
    struct sbx_analysis *a = analyse_fixture("memory-shared.wasm", NULL);
    cr_assert_eq(a->n_findings, 1);
    const struct sbx_finding *f = find(a, "WASM-MEM-003", "memory 0: shared, 1..4 pages");
    cr_assert_eq(f->severity, SBX_SEVERITY_MEDIUM);
    sbx_analysis_free(a);
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 2;
    a = analyse_fixture("memory-shared.wasm", &p);
    find(a, "WASM-MEM-002", "memory 0: maximum 4 pages > max_memory_pages 2");
    find(a, "WASM-MEM-003", "shared");
    cr_assert_eq(a->n_findings, 2);
    sbx_analysis_free(a);
}

Test(wasm_analysis, non_wasi_imports)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 1;
    struct sbx_analysis *a = analyse_fixture("all-sections.wasm", &p);
    find(a, "WASM-HOST-001", "env.f (func)");
    find(a, "WASM-HOST-001", "env.tab (table)");
    find(a, "WASM-HOST-001", "env.g (global)");
    find(a, "WASM-HOST-001", "env.gm (global)");
    find(a, "WASM-HOST-001", "env.tag (tag)");
    cr_assert_eq(count(a, "WASM-HOST-001"), 5, "the memory import is provided by the host");
    /* Memories: env.mem (1..2), 2..3, i64 1..100, shared 1..16. */
    find(a, "WASM-MEM-002", "memory 0 (env.mem): maximum 2 pages > max_memory_pages 1");
    find(a, "WASM-MEM-001", "memory 1: 2 initial pages (0.12 MiB) > max_memory_pages 1");
    find(a, "WASM-MEM-002", "memory 2: maximum 100 pages");
    find(a, "WASM-MEM-003", "memory 3: shared, 1..16 pages");
    sbx_analysis_free(a);
}

/* A module importing `module`.`field` as a function of type [] -> []. */
static size_t one_import(uint8_t *buf, const char *module, const char *field)
{
    size_t ml = strlen(module), fl = strlen(field), n = 0;
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0};
    memcpy(buf, head, sizeof(head));
    n = sizeof(head);
    buf[n++] = 2;
    buf[n++] = (uint8_t)(1 + 1 + ml + 1 + fl + 2);
    buf[n++] = 1;
    buf[n++] = (uint8_t)ml;
    memcpy(buf + n, module, ml);
    n += ml;
    buf[n++] = (uint8_t)fl;
    memcpy(buf + n, field, fl);
    n += fl;
    buf[n++] = 0;
    buf[n++] = 0;
    return n;
}

Test(wasm_analysis, processes_threads_unknown_wasi)
{
    uint8_t buf[256];
    size_t n = one_import(buf, "wasix_32v1", "proc_exec");
    struct sbx_analysis *a = analyse(buf, n, NULL);
    cr_assert_eq(find(a, "WASM-EXEC-002", "wasix_32v1.proc_exec")->severity, SBX_SEVERITY_HIGH);
    const struct sbx_finding *f = find(a, "WASM-HOST-001", "wasix_32v1.proc_exec (func)");
    cr_assert_eq(f->column, 18, "the import entry is at offset 17");
    cr_assert_eq(a->n_findings, 2);
    sbx_analysis_free(a);
    n = one_import(buf, "wasi", "thread-spawn");
    a = analyse(buf, n, NULL);
    find(a, "WASM-THREAD-001", "wasi.thread-spawn");
    find(a, "WASM-HOST-001", "wasi.thread-spawn");
    sbx_analysis_free(a);
    n = one_import(buf, "wasi_snapshot_preview1", "fd_fancy");
    a = analyse(buf, n, NULL);
    find(a, "WASM-HOST-001", "wasi_snapshot_preview1.fd_fancy (func)");
    cr_assert_eq(a->n_findings, 1);
    sbx_analysis_free(a);
    /* A terminal escape in a name is shown escaped. */
    n = one_import(buf, "env", "\x1b]0;x\x07");
    a = analyse(buf, n, NULL);
    find(a, "WASM-HOST-001", "env.\\x1b]0;x\\x07 (func)");
    sbx_analysis_free(a);
}

Test(wasm_analysis, malformed_is_an_error)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    static const uint8_t bad[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 2, 9, 1};
    int r = sbx_analyze_buffer("wasm", bad, sizeof(bad), NULL, &a, &err);
    cr_assert_eq(r, -EINVAL);
    cr_assert_null(a);
    cr_assert_eq(err.kind, SBX_ERR_INPUT);
    cr_assert_str_eq(err.message, "offset 0x8: the import section's size (9 bytes) runs past the "
                                  "end of the module (1 bytes left)");
    r = sbx_analyze_buffer("wasm", "MZ\x90\x00", 4, NULL, &a, &err);
    cr_assert_eq(r, -EINVAL);
    cr_assert_str_eq(err.message, "offset 0x0: not a WebAssembly module (bad magic)");
    r = sbx_analyze_buffer("wasm", "", 0, NULL, &a, &err);
    cr_assert_eq(r, -EINVAL);
}

/* ---- the text format ---- */

static struct blob load_source(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/data/wasm/%s", SBX_SOURCE_ROOT, name);
    return load_blob(path);
}

static struct sbx_analysis *analyse_text(const char *text, const struct sbx_policy *p)
{
    return analyse(text, strlen(text), p);
}

/* The .wat and the .wasm wat2wasm made of it give the same rules, the same number of times. */
static void same_as_binary(const char *stem, const struct sbx_policy *p)
{
    char wat[64], wasm[64];
    snprintf(wat, sizeof(wat), "%s.wat", stem);
    snprintf(wasm, sizeof(wasm), "%s.wasm", stem);
    struct blob b = load_source(wat);
    struct sbx_analysis *t = analyse(b.data, b.len, p);
    struct sbx_analysis *w = analyse_fixture(wasm, p);
    cr_assert(!t->syntax_error, "%s: syntax error at %u:%u", wat, t->error_line, t->error_column);
    cr_assert_eq(t->n_findings, w->n_findings, "%s: %zu findings, the binary %zu", wat,
                 t->n_findings, w->n_findings);
    for (size_t i = 0; i < w->n_findings; i++)
        cr_assert_eq(count(t, w->findings[i].rule), count(w, w->findings[i].rule), "%s: %s", wat,
                     w->findings[i].rule);
    sbx_analysis_free(t);
    sbx_analysis_free(w);
    free(b.data);
}

Test(wasm_analysis, text_same_as_binary)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    same_as_binary("wasi-families", &p);
    same_as_binary("hello-wasi", &p);
    same_as_binary("memory-shared", &p);
    p.wasm_max_memory_pages = 1;
    same_as_binary("all-sections", &p);
    same_as_binary("memory-shared", &p);
    p.wasm_max_memory_pages = 256;
    same_as_binary("memory-large", &p);
    p.wasm_max_memory_pages = 3;
    same_as_binary("text-forms", &p);
    same_as_binary("all-sections", &p);
}

Test(wasm_analysis, text_forms)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 3;
    struct blob b = load_source("text-forms.wat");
    struct sbx_analysis *a = analyse(b.data, b.len, &p);
    cr_assert_eq(find(a, "WASM-FS-002", "wasi_snapshot_preview1.path_rename")->line, 5);
    find(a, "WASM-MEM-002", "memory (env.mem3): maximum 16 pages > max_memory_pages 3");
    find(a, "WASM-MEM-003", "memory (env.mem3): shared, 1..16 pages");
    find(a, "WASM-MEM-001", "memory: 4 initial pages (0.25 MiB)");
    find(a, "WASM-MEM-002", "memory $mm (env.mem): maximum 5 pages");
    sbx_analysis_free(a);
    free(b.data);
    /* wat2wasm refuses a shared memory without a maximum; the scanner still reports it. */
    a = analyse_text("(module (memory 2 shared))", NULL);
    find(a, "WASM-MEM-003", "memory: shared, 2 pages, no maximum");
    sbx_analysis_free(a);
}

Test(wasm_analysis, text_positions)
{
    struct blob b = load_source("wasi-families.wat");
    struct sbx_analysis *a = analyse(b.data, b.len, NULL);
    const struct sbx_finding *f = find(a, "WASM-NET-001", "wasi_snapshot_preview1.sock_accept");
    cr_assert_eq(f->line, 3);
    cr_assert_eq(f->column, 3);
    f = find(a, "WASM-HOST-001", "env.host_callback (func)");
    cr_assert_eq(f->line, 14);
    cr_assert_eq(f->column, 3);
    sbx_analysis_free(a);
    free(b.data);
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 256;
    b = load_source("memory-large.wat");
    a = analyse(b.data, b.len, &p);
    f = find(a, "WASM-MEM-001", "memory: 300 initial pages (18.75 MiB) > max_memory_pages 256");
    cr_assert_eq(f->line, 3);
    cr_assert_eq(f->column, 3);
    sbx_analysis_free(a);
    free(b.data);
}

Test(wasm_analysis, text_inline_imports_and_data)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.wasm_max_memory_pages = 1;
    struct sbx_analysis *a =
        analyse_text("(func $f (import \"env\" \"g\") (param i32))\n" /* no (module): fields */
                     "(memory $m (import \"env\" \"m\") 300)\n"       /* provided, but too big */
                     "(global (export \"x\") (import \"wasi_unstable\" \"g\") i32)\n"
                     "(func (import \"wasi_snapshot_preview1\" \"sock_\\61ccept\") (param i32))\n"
                     "(func (import \"wasi_snapshot_preview1\" \"\\u{73}ock_recv\"))\n",
                     &p);
    cr_assert_eq(find(a, "WASM-HOST-001", "env.g (func)")->column, 10);
    find(a, "WASM-MEM-001", "memory $m (env.m): 300 initial pages");
    cr_assert_eq(find(a, "WASM-HOST-001", "wasi_unstable.g (global)")->line, 3);
    cr_assert_eq(find(a, "WASM-NET-001", "sock_accept")->line, 4);
    cr_assert_eq(find(a, "WASM-NET-001", "sock_recv")->line, 5);
    cr_assert_eq(a->n_findings, 5);
    sbx_analysis_free(a);
    /* (memory (data ...)): as many pages as the data needs, 70000 bytes: 2 pages. */
    size_t n = 70000;
    char *big = malloc(n + 64);
    int k = sprintf(big, "(module (memory $d (data \"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\")))");
    a = analyse_text(big, &p);
    find(a, "WASM-MEM-001", "memory $d: 2 initial pages");
    sbx_analysis_free(a);
    free(big);
}

Test(wasm_analysis, text_comments_and_strings_are_not_code)
{
    struct sbx_analysis *a =
        analyse_text("\xef\xbb\xbf;; (import \"env\" \"a\" (func))\n"
                     "(module (; (import \"env\" \"b\" (func)) (; nested ;) ;)\n"
                     "  (data \"(import \\\"env\\\" \\\"c\\\" (func))\")\n"
                     "  (func $g (export \"(import\")))\n",
                     NULL);
    cr_assert_eq(a->n_findings, 0);
    cr_assert(!a->syntax_error);
    sbx_analysis_free(a);
}

Test(wasm_analysis, text_syntax_errors)
{
    static const struct {
        const char *text;
        unsigned line, column;
    } cases[] = {
        {"(module\n  (import \"env\" \"f\" (func))\n  (import \"env\" \"g)\n", 3, 17},
        {"(module (func)", 1, 15},
        {"(module))", 1, 9},
        {"(module (; never closed", 1, 9},
        {"(module) stray", 1, 10},
        {"(module (import \"a\\q\" \"b\" (func)))", 1, 17},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sbx_analysis *a = analyse_text(cases[i].text, NULL);
        cr_assert(a->syntax_error, "case %zu", i);
        cr_assert_eq(a->error_line, cases[i].line, "case %zu: line %u", i, a->error_line);
        cr_assert_eq(a->error_column, cases[i].column, "case %zu: column %u", i, a->error_column);
        sbx_analysis_free(a);
    }
    /* What was read before the error is still reported. */
    struct sbx_analysis *a = analyse_text(cases[0].text, NULL);
    find(a, "WASM-HOST-001", "env.f (func)");
    sbx_analysis_free(a);
}

Test(wasm_analysis, clang_program)
{
    const char *ok = getenv("SBX_WASM_CLANG");
    if (!ok || strcmp(ok, "1")) {
        const char *must = getenv("SBX_TESTS_MUST_WORK");
        if (must && !strcmp(must, "1"))
            cr_assert_fail("clang --target=wasm32-wasi does not work on this host");
        cr_skip_test("clang --target=wasm32-wasi does not work on this host");
    }
    struct sbx_analysis *a = analyse_fixture("hello-c.wasm", NULL);
    find(a, "WASM-FS-001", "wasi_snapshot_preview1.path_open");
    cr_assert_eq(count(a, "WASM-HOST-001"), 0, "wasi-libc imports only preview1");
    cr_assert(!a->blocks, "a plain C program is not blocked");
    sbx_analysis_free(a);
}

Test(wasm_analysis, rule_table)
{
    cr_assert_eq(sbx__wasm_n_rules, 11);
    for (size_t i = 0; i < sbx__wasm_n_rules; i++) {
        const struct sbx__rule *r = sbx__wasm_rules[i];
        cr_assert(r->id && !strncmp(r->id, "WASM-", 5) && r->message && r->hint && r->category);
        if (i)
            cr_assert_lt(strcmp(sbx__wasm_rules[i - 1]->id, r->id), 0, "sorted and unique");
    }
}
