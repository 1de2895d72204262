/*
 * Unit tests of the JavaScript analyser (src/analysis/javascript*.c) through the public API.
 *
 * Fixtures: tests/data/analysis/javascript (.js and .mjs files). A line whose comment says
 * "expect: RULE..." must give exactly those findings (by rule id, on that line); every other line
 * must give none; "syntax-error: LINE[:COL]" says where the first syntax error is (no such line:
 * the file must parse cleanly). Comments never produce findings, so the annotations are safe.
 * The rest: malformed input (garbage, NUL bytes, deep nesting), rule metadata, policy effects
 * (binds, network, block decision), determinism.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx/analysis.h"
#include "sbx/policy.h"

#ifndef SBX_JS_FIXTURES
#error "SBX_JS_FIXTURES (the fixture directory) must be defined by the build"
#endif

#define MAX_EXPECT 512

struct expect {
    unsigned line;
    char rule[24];
    bool seen;
};

static char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SBX_JS_FIXTURES, name);
    FILE *f = fopen(path, "rbe");
    cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
    char *buf = malloc(1 << 20);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static struct sbx_analysis *analyze(const char *src, size_t len, const struct sbx_policy *p)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    int r = sbx_analyze_buffer("javascript", src, len, p, &a, &err);
    cr_assert_eq(r, 0, "analysis failed: %s", err.message);
    cr_assert_not_null(a);
    return a;
}

static struct sbx_analysis *analyze_str(const char *src)
{
    return analyze(src, strlen(src), NULL);
}

/* Parse the annotations of a fixture. */
static size_t parse_expectations(const char *src, struct expect *ex, unsigned *syn_line,
                                 unsigned *syn_col)
{
    size_t n = 0;
    unsigned line = 1;
    *syn_line = *syn_col = 0;
    for (const char *p = src; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)(ll < sizeof(buf) ? ll : sizeof(buf) - 1), p);
        const char *m = strstr(buf, "syntax-error: ");
        if (m)
            sscanf(m + 14, "%u:%u", syn_line, syn_col);
        m = strstr(buf, "expect: ");
        if (m) {
            char *save = NULL, *list = strdup(m + 8);
            for (char *t = strtok_r(list, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
                cr_assert_lt(n, MAX_EXPECT);
                ex[n].line = line;
                ex[n].seen = false;
                snprintf(ex[n].rule, sizeof(ex[n].rule), "%s", t);
                n++;
            }
            free(list);
        }
        p = eol ? eol + 1 : p + ll;
    }
    return n;
}

static void check_fixture(const char *name)
{
    size_t len;
    char *src = read_fixture(name, &len);
    static struct expect ex[MAX_EXPECT];
    unsigned syn_line, syn_col;
    size_t n = parse_expectations(src, ex, &syn_line, &syn_col);
    struct sbx_analysis *a = analyze(src, len, NULL);
    int bad = 0;
    for (size_t i = 0; i < a->n_findings; i++) {
        const struct sbx_finding *f = &a->findings[i];
        size_t k = 0;
        while (k < n && (ex[k].seen || ex[k].line != f->line || strcmp(ex[k].rule, f->rule)))
            k++;
        if (k < n) {
            ex[k].seen = true;
            continue;
        }
        cr_log_error("%s:%u:%u: unexpected %s [%s]", name, f->line, f->column, f->rule, f->detail);
        bad++;
    }
    for (size_t k = 0; k < n; k++)
        if (!ex[k].seen) {
            cr_log_error("%s:%u: missing %s", name, ex[k].line, ex[k].rule);
            bad++;
        }
    if (syn_line) {
        cr_expect(a->syntax_error, "%s: no syntax error reported", name);
        cr_expect_eq(a->error_line, syn_line, "%s: syntax error at line %u", name, a->error_line);
        if (syn_col)
            cr_expect_eq(a->error_column, syn_col, "%s: syntax error at column %u", name,
                         a->error_column);
    } else {
        cr_expect_not(a->syntax_error, "%s: syntax error at %u:%u", name, a->error_line,
                      a->error_column);
    }
    cr_expect_eq(bad, 0, "%s: %d findings differ from the expect: annotations", name, bad);
    sbx_analysis_free(a);
    free(src);
}

Test(js_fixtures, exec)
{
    check_fixture("exec.js");
}
Test(js_fixtures, filesystem)
{
    check_fixture("fs.js");
}
Test(js_fixtures, network)
{
    check_fixture("net.js");
}
Test(js_fixtures, eval)
{
    check_fixture("eval.js");
}
Test(js_fixtures, imports)
{
    check_fixture("imports.js");
}
Test(js_fixtures, obfuscation)
{
    check_fixture("obfuscation.js");
}
Test(js_fixtures, false_positives)
{
    check_fixture("false-positives.js");
}
Test(js_fixtures, scopes)
{
    check_fixture("scopes.js");
}
Test(js_fixtures, esm)
{
    check_fixture("esm.mjs");
}
Test(js_fixtures, mjs_syntax)
{
    check_fixture("module.mjs");
}
Test(js_fixtures, syntax_error)
{
    check_fixture("syntax-error.js");
}
Test(js_fixtures, unterminated_template)
{
    check_fixture("unterminated-template.js");
}
Test(js_fixtures, nested_code)
{
    check_fixture("nested.js");
}

/* Every fixture in the directory has a test above (none is silently skipped). */
Test(js_fixtures, all_listed)
{
    static const char *const listed[] = {
        "exec.js",
        "fs.js",
        "net.js",
        "eval.js",
        "imports.js",
        "obfuscation.js",
        "false-positives.js",
        "scopes.js",
        "esm.mjs",
        "module.mjs",
        "syntax-error.js",
        "unterminated-template.js",
        "nested.js",
    };
    DIR *d = opendir(SBX_JS_FIXTURES);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        bool found = false;
        for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
            found |= !strcmp(listed[i], e->d_name);
        cr_expect(found, "fixture %s has no test", e->d_name);
    }
    closedir(d);
}

/* ------------------------------------------------------------------ findings in detail */

static const struct sbx_finding *find_rule(const struct sbx_analysis *a, const char *rule)
{
    for (size_t i = 0; i < a->n_findings; i++)
        if (!strcmp(a->findings[i].rule, rule))
            return &a->findings[i];
    return NULL;
}

Test(js_findings, metadata)
{
    struct sbx_analysis *a = analyze_str("const {exec: run} = require('child_process');\n"
                                         "  run('id');\n"
                                         "require('fs').writeFileSync('/etc/x', '');\n"
                                         "fetch('http://x');\n");
    const struct sbx_finding *f = find_rule(a, "JS-EXEC-001");
    cr_assert_not_null(f);
    cr_expect_eq(f->line, 2);
    cr_expect_eq(f->column, 3);
    cr_expect_str_eq(f->category, "command_execution");
    cr_expect_eq(f->severity, SBX_SEVERITY_CRITICAL);
    cr_expect_str_eq(f->detail, "run (child_process.exec)");
    cr_expect_neq(f->message[0], '\0');
    cr_expect_neq(f->hint[0], '\0');
    f = find_rule(a, "JS-FS-001");
    cr_assert_not_null(f);
    cr_expect_eq(f->severity, SBX_SEVERITY_HIGH);
    cr_expect_str_eq(f->category, "filesystem");
    cr_expect_not_null(strstr(f->detail, "'/etc/x'"), "detail: %s", f->detail);
    f = find_rule(a, "JS-NET-004");
    cr_assert_not_null(f);
    cr_expect_eq(f->severity, SBX_SEVERITY_MEDIUM);
    cr_expect_str_eq(f->category, "network");
    f = find_rule(a, "JS-IMPORT-001");
    cr_assert_not_null(f);
    cr_expect_str_eq(f->category, "dangerous_import");
    cr_expect(a->blocks, "a critical finding blocks at the default block_severity");
    sbx_analysis_free(a);
}

Test(js_findings, categories_of_every_family)
{
    struct sbx_analysis *a = analyze_str("eval(atob('eA=='));\n"
                                         "globalThis['ev' + 'al']('x');\n");
    const struct sbx_finding *f = find_rule(a, "JS-EVAL-001");
    cr_assert_not_null(f);
    cr_expect_str_eq(f->category, "dynamic_eval");
    f = find_rule(a, "JS-OBF-002");
    cr_assert_not_null(f);
    cr_expect_str_eq(f->category, "obfuscation");
    cr_expect_eq(f->severity, SBX_SEVERITY_CRITICAL);
    f = find_rule(a, "JS-OBF-001");
    cr_assert_not_null(f);
    cr_expect_eq(f->line, 2);
    sbx_analysis_free(a);
}

Test(js_findings, clean_program_does_not_block)
{
    struct sbx_analysis *a = analyze_str("const path = require('path');\n"
                                         "console.log(path.join('a', 'b'), \"eval\");\n");
    cr_expect_eq(a->n_findings, 0);
    cr_expect_not(a->blocks);
    cr_expect_not(a->syntax_error);
    cr_expect_str_eq(a->language, "javascript");
    sbx_analysis_free(a);
}

Test(js_findings, network_is_informational_when_enabled)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    p.enable_network = true;
    const char *src = "require('net');\nfetch('http://127.0.0.1:1');\n";
    struct sbx_analysis *a = analyze(src, strlen(src), &p);
    cr_assert_eq(a->n_findings, 2);
    cr_expect(a->findings[0].informational && a->findings[1].informational);
    cr_expect_not(a->blocks);
    sbx_analysis_free(a);
}

Test(js_findings, binds_allow_paths)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    struct sbx_bind binds[] = {{.path = "/data", .writable = false}};
    p.binds = binds;
    p.n_binds = 1;
    const char *src = "const fs = require('fs');\n"
                      "fs.readFileSync('/data/in.csv');\n"
                      "fs.writeFileSync('/data/out.csv', '');\n";
    struct sbx_analysis *a = analyze(src, strlen(src), &p);
    cr_assert_eq(a->n_findings, 1, "%zu findings", a->n_findings);
    cr_expect_str_eq(a->findings[0].rule, "JS-FS-001");
    cr_expect_eq(a->findings[0].line, 3);
    sbx_analysis_free(a);
}

Test(js_findings, allow_rules)
{
    struct sbx_policy p;
    sbx_policy_init(&p);
    const char *const allow[] = {"JS-EVAL-001"};
    p.allow_rules = allow;
    p.n_allow_rules = 1;
    struct sbx_analysis *a = analyze("eval('1')", 9, &p);
    cr_assert_eq(a->n_findings, 1);
    cr_expect(a->findings[0].allowed);
    cr_expect_not(a->blocks);
    sbx_analysis_free(a);
}

Test(js_findings, deterministic)
{
    size_t len;
    char *src = read_fixture("obfuscation.js", &len);
    struct sbx_analysis *a = analyze(src, len, NULL), *b = analyze(src, len, NULL);
    cr_assert_eq(a->n_findings, b->n_findings);
    for (size_t i = 0; i < a->n_findings; i++) {
        cr_expect_str_eq(a->findings[i].rule, b->findings[i].rule);
        cr_expect_eq(a->findings[i].line, b->findings[i].line);
        cr_expect_eq(a->findings[i].column, b->findings[i].column);
        cr_expect_str_eq(a->findings[i].detail, b->findings[i].detail);
    }
    sbx_analysis_free(a);
    sbx_analysis_free(b);
    free(src);
}

/* ------------------------------------------------------------------ malformed input */

Test(js_malformed, empty_and_trivial)
{
    static const char *const inputs[] = {
        "", " ", "\n\n", "// only a comment", "#!/usr/bin/env node\n", "'use strict';", ";;;"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sbx_analysis *a = analyze_str(inputs[i]);
        cr_expect_eq(a->n_findings, 0, "input %zu", i);
        cr_expect_not(a->syntax_error, "input %zu", i);
        sbx_analysis_free(a);
    }
}

Test(js_malformed, garbage_bytes)
{
    size_t len = 64 * 1024 - 1; /* in-process */
    unsigned char *buf = malloc(len);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    struct sbx_analysis *a = analyze((const char *)buf, len, NULL);
    cr_expect(a->syntax_error);
    cr_expect_geq(a->error_line, 1);
    sbx_analysis_free(a);
    free(buf);
}

Test(js_malformed, nul_bytes)
{
    static const char src[] = "eval('a');\0\0fetch('b');\nrequire('child_process');\n";
    struct sbx_analysis *a = analyze(src, sizeof(src) - 1, NULL);
    cr_expect(a->syntax_error);
    cr_expect_eq(a->error_line, 1);
    cr_expect_not_null(find_rule(a, "JS-EVAL-001"));
    cr_expect_not_null(find_rule(a, "JS-IMPORT-001"), "what follows the NULs is read too");
    sbx_analysis_free(a);
}

Test(js_malformed, invalid_utf8_in_strings_and_names)
{
    static const char src[] = "const s = '\xff\xfe'; \xc3\x28 = 1;\neval(s);\n";
    struct sbx_analysis *a = analyze(src, sizeof(src) - 1, NULL);
    cr_expect_not_null(find_rule(a, "JS-EVAL-001"));
    sbx_analysis_free(a);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1), *p = s;
    memcpy(p, head, hl);
    p += hl;
    for (size_t i = 0; i < n; i++, p += ul)
        memcpy(p, unit, ul);
    memcpy(p, tail, tl + 1);
    return s;
}

Test(js_malformed, nested_brackets_100k_balanced)
{
    char *open = repeat("", "[", 100000, ""), *close = repeat("", "]", 100000, ";\neval(1);\n");
    size_t ol = strlen(open), cl = strlen(close);
    char *src = malloc(ol + cl + 1);
    memcpy(src, open, ol);
    memcpy(src + ol, close, cl + 1);
    struct sbx_analysis *a = analyze(src, ol + cl, NULL);
    cr_expect_not(a->syntax_error);
    const struct sbx_finding *f = find_rule(a, "JS-EVAL-001");
    cr_assert_not_null(f);
    cr_expect_eq(f->line, 2);
    sbx_analysis_free(a);
    free(open);
    free(close);
    free(src);
}

/* 100k unclosed brackets break libtree-sitter 0.20.7 (a double free): the analysis runs in a
 * child for big inputs, so the caller sees a clean error, never a crash. */
Test(js_malformed, nested_brackets_100k_unclosed)
{
    static const char *const units[] = {"(", "[", "{", "x=", "!", "function f(){"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        char *src = repeat("eval(1);\n", units[i], 100000, "\n");
        struct sbx_analysis *a = NULL;
        struct sbx_error err = {0};
        int r = sbx_analyze_buffer("javascript", src, strlen(src), NULL, &a, &err);
        if (r == 0) { /* a tree-sitter that survives must still report the error */
            cr_expect(a->syntax_error, "unit '%s'", units[i]);
            sbx_analysis_free(a);
        } else {
            cr_expect_null(a);
            cr_expect_neq(err.message[0], '\0');
            cr_expect_not_null(strstr(err.message, "javascript analysis"), "%s", err.message);
        }
        free(src);
    }
}

Test(js_malformed, long_chains)
{
    static const char *const units[][3] = {
        {"x = a", ".a", ";\neval(1);\n"},       /* member chain */
        {"x = 'a'", " + 'a'", ";\neval(1);\n"}, /* concatenation */
        {"f", "(1)", ";\neval(1);\n"},          /* call chain */
        {"x = ", "y = ", "1;\neval(1);\n"},     /* assignment chain */
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        char *src = repeat(units[i][0], units[i][1], 30000, units[i][2]);
        struct sbx_analysis *a = NULL;
        struct sbx_error err = {0};
        int r = sbx_analyze_buffer("javascript", src, strlen(src), NULL, &a, &err);
        cr_expect_eq(r, 0, "chain %zu: %s", i, err.message);
        if (r == 0) {
            cr_expect_not_null(find_rule(a, "JS-EVAL-001"), "chain %zu", i);
            sbx_analysis_free(a);
        }
        free(src);
    }
}

Test(js_malformed, exponential_const_chain)
{
    char *src = malloc(64 * 1024), *p = src;
    p += sprintf(p, "const a0 = '';\n");
    for (int i = 1; i < 200; i++)
        p += sprintf(p, "const a%d = a%d + a%d;\n", i, i - 1, i - 1);
    sprintf(p, "require(a199);\n");
    struct sbx_analysis *a = analyze_str(src);
    cr_expect_not_null(find_rule(a, "JS-IMPORT-006"), "too costly to fold: a computed name");
    sbx_analysis_free(a);
    free(src);
}

/* Strings and regexes are not walked into, except where a syntax error hides inside: an
 * unterminated string or regex is still reported at its line, and what follows is read. */
Test(js_malformed, error_inside_a_string_or_regex)
{
    static const char *const srcs[] = {
        "const a = 1;\nconst s = \"abc\nrequire('child_process');\n",
        "const a = 1;\nconst r = /re[/;\nrequire('child_process');\n",
    };
    for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        struct sbx_analysis *a = analyze_str(srcs[i]);
        cr_expect(a->syntax_error, "input %zu", i);
        cr_expect_eq(a->error_line, 2, "input %zu: line %u", i, a->error_line);
        cr_expect_not_null(find_rule(a, "JS-IMPORT-001"), "input %zu", i);
        sbx_analysis_free(a);
    }
}

/* A string's text still counts where it is an argument, and a template's substitutions are
 * code: `${...}` inside a template literal is walked. */
Test(js_rules, strings_are_arguments_and_templates_are_code)
{
    struct sbx_analysis *a =
        analyze_str("const s = \"a\\\"b\" + `x${require(\"child_process\").exec(\"id\")}`;\n"
                    "const r = /require('child_process')/g;\n");
    cr_expect_not_null(find_rule(a, "JS-EXEC-001"));
    const struct sbx_finding *f = find_rule(a, "JS-IMPORT-001");
    cr_expect_not_null(f);
    cr_expect_eq(f ? f->line : 0, 1, "the regex on line 2 is not code");
    sbx_analysis_free(a);
}
