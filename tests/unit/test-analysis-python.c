/*
 * Unit tests for the analysis engine (src/analysis/engine.c) and the Python analyser
 * (src/analysis/python.c, python-rules.c).
 *
 * The fixtures in tests/data/analysis/python/ carry their expectations: a line that must give
 * findings ends with `# expect: RULE[, RULE...]` (the rule ids, repeated for each finding on that
 * line); every other line must give none. So each fixture tests positives and negatives at once,
 * and since the expectations are comments, they also show that comments never trigger. Other
 * tests cover the engine (paths, allow_rules, informational network rules, the block decision,
 * caps) and malformed input (binary garbage, NUL bytes, 10 MB, deep nesting).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/javascript.h"
#include "analysis/python-rules.h"
#include "analysis/wasm-rules.h"
#include "sbx/analysis.h"
#include "sbx/config.h"

#ifndef SBX_TEST_DATA
#error "SBX_TEST_DATA must name tests/data/analysis"
#endif

#define MAX_EXPECT 512

struct expect {
    unsigned line;
    char rule[32];
    bool seen;
};

static char *read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    *ret_len = len;
    return buf;
}

/* The `# expect:` comments of a fixture. */
static size_t parse_expectations(const char *src, struct expect *ex)
{
    size_t n = 0;
    unsigned line = 1;
    for (const char *p = src; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *hit = memmem(p, len, "# expect:", 9);
        if (hit) {
            char buf[512];
            snprintf(buf, sizeof(buf), "%.*s", (int)MIN(len - (size_t)(hit - p), 511), hit);
            char *m = buf;
            char *save = NULL;
            for (char *t = strtok_r(m + 9, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                cr_assert(n < MAX_EXPECT);
                ex[n].line = line;
                snprintf(ex[n].rule, sizeof(ex[n].rule), "%s", t);
                ex[n].seen = false;
                n++;
            }
        }
        p = eol ? eol + 1 : p + len;
    }
    return n;
}

static struct sbx_analysis *analyse(const char *src, size_t len, const struct sbx_policy *p)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    int r = sbx_analyze_buffer("python", src, len, p, &a, &err);
    cr_assert_eq(r, 0, "analysis failed: %s", err.message);
    cr_assert(a);
    return a;
}

/* Analyse one fixture and compare findings with its expectations, both ways. */
static void check_fixture(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/python/%s", SBX_TEST_DATA, name);
    size_t len;
    char *src = read_all(path, &len);
    static struct expect ex[MAX_EXPECT];
    size_t n = parse_expectations(src, ex);
    struct sbx_analysis *a = analyse(src, len, NULL);
    for (size_t i = 0; i < a->n_findings; i++) {
        const struct sbx_finding *f = &a->findings[i];
        bool matched = false;
        for (size_t j = 0; j < n && !matched; j++) {
            if (!ex[j].seen && ex[j].line == f->line && !strcmp(ex[j].rule, f->rule)) {
                ex[j].seen = true;
                matched = true;
            }
        }
        cr_expect(matched, "%s:%u:%u: unexpected finding %s (%s)", name, f->line, f->column,
                  f->rule, f->detail);
    }
    for (size_t j = 0; j < n; j++)
        cr_expect(ex[j].seen, "%s:%u: expected %s, not found", name, ex[j].line, ex[j].rule);
    sbx_analysis_free(a);
    free(src);
}

TestSuite(analysis_python);

/* One fixture per rule: every rule of the table has one, and each passes. */
Test(analysis_python, a_fixture_per_rule)
{
    for (size_t i = 0; i < sbx__py_n_rules; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.py", sbx__py_rules[i]->id);
        check_fixture(name);
    }
}

Test(analysis_python, aliases)
{
    check_fixture("aliases.py");
}

Test(analysis_python, obfuscation)
{
    check_fixture("obfuscation.py");
}

Test(analysis_python, false_positive_guards)
{
    check_fixture("false-positives.py");
}

Test(analysis_python, module_level_definitions_shadow)
{
    check_fixture("shadowed.py");
}

Test(analysis_python, syntax_error_located_and_analysis_goes_on)
{
    check_fixture("syntax-error.py");
    size_t len;
    char *src = read_all(SBX_TEST_DATA "/python/syntax-error.py", &len);
    struct sbx_analysis *a = analyse(src, len, NULL);
    cr_assert(a->syntax_error);
    cr_expect_eq(a->error_line, 3);
    free(src);
    sbx_analysis_free(a);
}

/* Every rule is well formed: id shape, a known category, message and hint. */
Test(analysis_python, rule_table)
{
    static const char *const cats[] = {"command_execution", "filesystem",   "network",
                                       "dangerous_import",  "dynamic_eval", "obfuscation"};
    for (size_t i = 0; i < sbx__py_n_rules; i++) {
        const struct sbx__rule *r = sbx__py_rules[i];
        cr_expect_eq(sbx_analysis_rule_check(r->id), 0, "%s", r->id);
        bool known = false;
        for (size_t c = 0; c < ARRAY_SIZE(cats); c++)
            known |= !strcmp(cats[c], r->category);
        cr_expect(known, "%s: category %s", r->id, r->category);
        cr_expect(r->message && r->message[0] && r->hint && r->hint[0], "%s", r->id);
        for (size_t j = 0; j < i; j++)
            cr_expect(strcmp(sbx__py_rules[j]->id, r->id), "duplicate %s", r->id);
    }
    cr_expect_eq(sbx_analysis_rule_check("PY-EXEC-999"), -ENOENT);
    cr_expect_eq(sbx_analysis_rule_check("py-exec-001"), -EINVAL);
    cr_expect_eq(sbx_analysis_rule_check("PY-EXEC-01"), -EINVAL);
    cr_expect_eq(sbx_analysis_rule_check(""), -EINVAL);
}

/* ---- the engine ---- */

static struct sbx__analysis_ctx ctx_with(struct sbx_policy *p)
{
    return (struct sbx__analysis_ctx){.policy = p, .out = NULL};
}

Test(analysis_engine, path_allowed)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    struct sbx_bind binds[] = {{"/data/ro", false}, {"/data/rw", true}};
    p.binds = binds;
    p.n_binds = 2;
    struct sbx__analysis_ctx c = ctx_with(&p);
    const struct {
        const char *path;
        bool write, ok;
    } cases[] = {
        {"data.txt", true, true},
        {"/work/x", true, true},
        {"/tmp/a/b", true, true},
        {"/dev/shm/x", true, true},
        {"/dev/null", true, true},
        {"/proc/self/status", false, true},
        {"/usr/lib/x", false, true},
        {"/usr/lib/x", true, false},
        {"/etc/passwd", false, false},
        {"/etc/passwd", true, false},
        {"/work/../etc/passwd", false, false},
        {"../../etc/shadow", false, false},
        {"/tmpfoo", false, false},
        {"/data/ro/f", false, true},
        {"/data/ro/f", true, false},
        {"/data/rw/f", true, true},
        {"/data/rwx", true, false},
        {"/", false, false},
        {"", false, false},
        {"/proc/1/environ", false, true},
        {"/tmp/../root/x", true, false},
        {"/proc/sys/kernel/x", true, false},
        {"./a/../b", true, true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        cr_expect_eq(sbx__analysis_path_allowed(&c, cases[i].path, cases[i].write), cases[i].ok,
                     "%s (%s)", cases[i].path, cases[i].write ? "write" : "read");
}

static const char evil[] = "import socket\n"
                           "import os\n"
                           "socket.socket()\n"
                           "os.system('id')\n";

Test(analysis_engine, sorted_by_position)
{
    const char src[] = "import os\nos.system('a'); eval(x)\nexec(y)\n";
    struct sbx_analysis *a = analyse(src, strlen(src), NULL);
    cr_assert_eq(a->n_findings, 3);
    for (size_t i = 1; i < a->n_findings; i++) {
        const struct sbx_finding *x = &a->findings[i - 1], *y = &a->findings[i];
        cr_expect(x->line < y->line || (x->line == y->line && x->column <= y->column));
    }
    cr_expect_str_eq(a->findings[1].rule, "PY-EVAL-001");
    cr_expect_eq(a->findings[1].column, 17);
    sbx_analysis_free(a);
}

Test(analysis_engine, block_decision_and_allow_rules)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    struct sbx_analysis *a = analyse(evil, strlen(evil), &p);
    cr_expect(a->blocks, "os.system is critical, block_severity high");
    sbx_analysis_free(a);

    const char *allow[] = {"PY-EXEC-001", "PY-NET-002"};
    p.allow_rules = allow;
    p.n_allow_rules = 2;
    a = analyse(evil, strlen(evil), &p);
    cr_expect(!a->blocks, "both blocking rules are allowed");
    for (size_t i = 0; i < a->n_findings; i++)
        cr_expect_eq(a->findings[i].allowed, !strcmp(a->findings[i].rule, "PY-EXEC-001") ||
                                                 !strcmp(a->findings[i].rule, "PY-NET-002"));
    sbx_analysis_free(a);

    p.n_allow_rules = 0;
    p.block_severity = SBX_SEVERITY_CRITICAL;
    const char net_only[] = "import socket\nsocket.socket()\n";
    a = analyse(net_only, strlen(net_only), &p);
    cr_expect(!a->blocks, "a high finding does not reach critical");
    sbx_analysis_free(a);
    p.block_severity = SBX_SEVERITY_MEDIUM;
    a = analyse(net_only, strlen(net_only), &p);
    cr_expect(a->blocks, "the medium import reaches medium");
    sbx_analysis_free(a);
}

Test(analysis_engine, network_informational_when_enabled)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.enable_network = true;
    const char src[] = "import socket\nsocket.create_connection(('h', 1))\n";
    struct sbx_analysis *a = analyse(src, strlen(src), &p);
    cr_assert_eq(a->n_findings, 2);
    for (size_t i = 0; i < a->n_findings; i++)
        cr_expect(a->findings[i].informational);
    cr_expect(!a->blocks);
    sbx_analysis_free(a);
}

Test(analysis_engine, findings_capped_and_counted)
{
    size_t n = SBX_ANALYSIS_MAX_FINDINGS + 500;
    char *src = malloc(n * 8 + 1);
    cr_assert(src);
    for (size_t i = 0; i < n; i++)
        memcpy(src + i * 8, "eval(x)\n", 8);
    struct sbx_analysis *a = analyse(src, n * 8, NULL);
    cr_expect_eq(a->n_findings, SBX_ANALYSIS_MAX_FINDINGS);
    cr_expect_eq(a->n_dropped, 500);
    sbx_analysis_free(a);
    free(src);
}

Test(analysis_engine, languages_and_errors)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    cr_expect_eq(sbx_analyze_buffer("cobol", "x", 1, NULL, &a, &err), -EINVAL);
    cr_expect_eq(err.kind, SBX_ERR_UNSUPPORTED);
    cr_expect_eq(sbx_analyze_file("/nonexistent/x.py", NULL, NULL, &a, &err), -ENOENT);
    cr_expect_eq(err.kind, SBX_ERR_INPUT);
    cr_expect_lt(sbx_analyze_file(SBX_TEST_DATA "/python", NULL, NULL, &a, &err), 0);
    cr_expect_eq(sbx_analyze_file("/etc/hostname", NULL, NULL, &a, &err), -EINVAL);
    cr_expect_eq(err.kind, SBX_ERR_UNSUPPORTED);
    cr_assert_eq(sbx_analyze_buffer("python", NULL, 0, NULL, &a, &err), 0);
    cr_expect_eq(a->n_findings, 0);
    cr_expect(!a->syntax_error);
    sbx_analysis_free(a);
    sbx_analysis_free(NULL);
    enum sbx_severity s;
    cr_expect_eq(sbx_severity_parse("critical", &s), 0);
    cr_expect_eq(s, SBX_SEVERITY_CRITICAL);
    cr_expect_eq(sbx_severity_parse("severe", &s), -EINVAL);
    cr_expect_str_eq(sbx_severity_name(SBX_SEVERITY_MEDIUM), "medium");
}

/* ---- malformed input ---- */

Test(analysis_malformed, binary_garbage_and_nul_bytes)
{
    size_t len;
    char *src = read_all(SBX_TEST_DATA "/python/nul-bytes.py.bin", &len);
    struct sbx_analysis *a = analyse(src, len, NULL);
    cr_expect(a->syntax_error);
    bool saw_system = false;
    for (size_t i = 0; i < a->n_findings; i++)
        saw_system |= !strcmp(a->findings[i].rule, "PY-EXEC-001");
    cr_expect(saw_system, "what parses before the garbage is still analysed");
    sbx_analysis_free(a);
    free(src);

    unsigned char junk[65536];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
    a = analyse((const char *)junk, sizeof(junk), NULL);
    cr_expect(a->syntax_error);
    sbx_analysis_free(a);
}

Test(analysis_malformed, deeply_nested)
{
    size_t depth = 100000;
    char *src = malloc(depth * 2 + 16);
    cr_assert(src);
    size_t n = 0;
    n += (size_t)sprintf(src, "eval(");
    for (size_t i = 0; i < depth; i++)
        src[n++] = '(';
    src[n++] = 'x';
    for (size_t i = 0; i < depth; i++)
        src[n++] = ')';
    src[n++] = ')';
    struct sbx_analysis *a = analyse(src, n, NULL);
    cr_expect_geq(a->n_findings, 1);
    sbx_analysis_free(a);
    /* unbalanced: only opening brackets and attribute chains */
    memset(src, '[', depth);
    a = analyse(src, depth, NULL);
    cr_expect(a->syntax_error);
    sbx_analysis_free(a);
    free(src);
}

Test(analysis_malformed, ten_megabytes, .timeout = 120)
{
    const char chunk[] = "def f(a):\n    return os.path.join(a, 'x')  # no finding\n";
    size_t reps = (10u << 20) / (sizeof(chunk) - 1) + 1, len = reps * (sizeof(chunk) - 1);
    char *src = malloc(len + 32);
    cr_assert(src);
    for (size_t i = 0; i < reps; i++)
        memcpy(src + i * (sizeof(chunk) - 1), chunk, sizeof(chunk) - 1);
    memcpy(src + len, "os.system('id')\n", 16);
    struct sbx_analysis *a = analyse(src, len + 16, NULL);
    cr_expect(!a->syntax_error);
    cr_assert_eq(a->n_findings, 1);
    cr_expect_str_eq(a->findings[0].rule, "PY-EXEC-001");
    cr_expect_eq(a->findings[0].line, reps * 2 + 1);
    sbx_analysis_free(a);
    free(src);
}

Test(analysis_malformed, too_big_is_refused)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    cr_expect_lt(sbx_analyze_buffer("python", "", SBX_ANALYSIS_MAX_BYTES + 1, NULL, &a, &err), 0);
    cr_expect_eq(err.kind, SBX_ERR_INPUT);
}

/* Big files are parsed in chunks cut before top-level statements; a cut that tree-sitter does
 * not confirm (here: inside a triple-quoted string full of column-0 code) is not used. */
Test(analysis_malformed, chunks_never_cut_inside_a_string, .timeout = 120)
{
    size_t cap = 4u << 20, len = 0;
    char *src = malloc(cap);
    cr_assert(src);
    unsigned line = 1;
#define ADD(s)                                                                                     \
    do {                                                                                           \
        memcpy(src + len, s, strlen(s));                                                           \
        len += strlen(s);                                                                          \
        line++;                                                                                    \
    } while (0)
    ADD("import os\n");
    while (len < (1u << 20) - 200)
        ADD("x = 1\n");
    ADD("doc = \"\"\"\n");
    for (int i = 0; i < 20000; i++)
        ADD("os.system('inside the string')\n");
    ADD("\"\"\"\n");
    for (int i = 0; i < 1000; i++)
        ADD("y = 2\n");
    unsigned want = line;
    ADD("os.system('real')\n");
#undef ADD
    struct sbx_analysis *a = analyse(src, len, NULL);
    cr_expect(!a->syntax_error);
    cr_assert_eq(a->n_findings, 1, "%zu findings, first %s at %u", a->n_findings,
                 a->n_findings ? a->findings[0].rule : "-",
                 a->n_findings ? a->findings[0].line : 0);
    cr_expect_eq(a->findings[0].line, want);
    sbx_analysis_free(a);
    free(src);
}

/* A big file with a syntax error early on: chunks cannot be verified, the analysis says so
 * (PY-OBF-007, which blocks by default), and still reports what comes after. */
Test(analysis_malformed, big_file_with_a_syntax_error, .timeout = 120)
{
    const char line[] = "z = 3\n";
    size_t reps = (6u << 20) / (sizeof(line) - 1), len = 0;
    char *src = malloc(reps * (sizeof(line) - 1) + 64);
    cr_assert(src);
    len += (size_t)sprintf(src, "import os\ndef broken(:\n");
    for (size_t i = 0; i < reps; i++, len += sizeof(line) - 1)
        memcpy(src + len, line, sizeof(line) - 1);
    len += (size_t)sprintf(src + len, "os.system('x')\n");
    struct sbx_analysis *a = analyse(src, len, NULL);
    cr_expect(a->syntax_error);
    cr_expect_eq(a->error_line, 2);
    bool deep = false, exec = false;
    for (size_t i = 0; i < a->n_findings; i++) {
        deep |= !strcmp(a->findings[i].rule, "PY-OBF-007");
        exec |= !strcmp(a->findings[i].rule, "PY-EXEC-001") && a->findings[i].line == reps + 3;
    }
    cr_expect(deep && exec && a->blocks);
    sbx_analysis_free(a);
    free(src);
}

/* Thousands of aliases fill the binding table: a dropped alias is reported, not silently
 * ignored (it would hide `sp.run` below). */
Test(analysis_python, alias_table_full_is_reported)
{
    size_t cap = 8u << 20, len = 0;
    char *src = malloc(cap);
    cr_assert(src);
    len += (size_t)sprintf(src, "import os\n");
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(src + len, "a%d = os\n", i);
    len += (size_t)sprintf(src + len, "import subprocess as sp\nsp.run('x')\n");
    struct sbx_analysis *a = analyse(src, len, NULL);
    bool full = false;
    for (size_t i = 0; i < a->n_findings; i++)
        full |= !strcmp(a->findings[i].rule, "PY-OBF-007");
    cr_expect(full && a->blocks);
    sbx_analysis_free(a);
    free(src);
}

/* A hint that names a config key ("[section] key") must name a real one, so users can follow
 * it: checked for every Python and WebAssembly rule and the JavaScript network rules. */
static void hint_keys_exist(const struct sbx__rule *r)
{
    struct sbx_config *c = sbx_config_new();
    cr_assert_not_null(c);
    for (const char *h = strchr(r->hint, '['); h; h = strchr(h + 1, '[')) {
        char section[64], key[64], full[130];
        if (sscanf(h, "[%63[a-z_.]] %63[a-z_]", section, key) != 2 || section[0] < 'a')
            continue; /* "[...]" in an example is not a section */
        snprintf(full, sizeof(full), "%s.%s", section, key);
        struct sbx_error err = {0};
        sbx_config_set(c, full, "1", "hint", &err);
        cr_assert_null(strstr(err.message, "no key"), "%s: its hint names %s, which is not a key",
                       r->id, full);
    }
    sbx_config_free(c);
}

Test(rules, hints_name_real_config_keys)
{
    for (size_t i = 0; i < sbx__py_n_rules; i++)
        hint_keys_exist(sbx__py_rules[i]);
    for (size_t i = 0; i < sbx__wasm_n_rules; i++)
        hint_keys_exist(sbx__wasm_rules[i]);
    static const char *const js_net[] = {"JS-NET-001", "JS-NET-002", "JS-NET-003", "JS-NET-004",
                                         "JS-NET-005"};
    for (size_t i = 0; i < sizeof(js_net) / sizeof(js_net[0]); i++) {
        const struct sbx__rule *r = sbx__js_rule(js_net[i]);
        cr_assert_not_null(r, "%s", js_net[i]);
        hint_keys_exist(r);
    }
    cr_assert_not_null(strstr(SBX_HINT_NO_NETWORK, "[security] enable_network"));
}
