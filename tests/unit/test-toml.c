/*
 * Unit tests of the TOML parser's API (src/config/toml.h): lookups and iteration, node and
 * error locations, the limits (depth, size, string length, keys per table), and the messages
 * the config mapping will relay to users. Conformance to the grammar is tested by toml-test
 * (tests/toml/run-toml-test.py); here the focus is what that suite cannot see.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/toml.h"

static struct sbx__toml_node *parse_ok(const char *text)
{
    struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err = {0};
    int r = sbx__toml_parse(text, strlen(text), NULL, &doc, &err);
    cr_assert_eq(r, 0, "parse failed: %u:%u: %s", err.line, err.column, err.message);
    cr_assert_not_null(doc);
    return doc;
}

/* Parse text that must fail with `code` at line:column; returns the message. */
static struct sbx__toml_error parse_fail(const char *text, size_t len,
                                         const struct sbx__toml_limits *lim, int code,
                                         uint32_t line, uint32_t column)
{
    struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err = {0};
    int r = sbx__toml_parse(text, len, lim, &doc, &err);
    cr_assert_eq(r, code, "expected %d, got %d (%u:%u: %s)", code, r, err.line, err.column,
                 err.message);
    cr_assert_null(doc);
    cr_assert_eq(err.line, line, "line %u, expected %u: %s", err.line, line, err.message);
    cr_assert_eq(err.column, column, "column %u, expected %u: %s", err.column, column, err.message);
    cr_assert_neq(err.message[0], '\0');
    return err;
}

/* parse_fail() for a string literal (which may hold NUL or invalid bytes). */
#define fail_lit(lit, lim, code, line, column)                                                     \
    parse_fail((lit), sizeof(lit) - 1, (lim), (code), (line), (column))

#define assert_msg_has(err, needle)                                                                \
    cr_assert_not_null(strstr((err).message, (needle)), "message \"%s\" lacks \"%s\"",             \
                       (err).message, (needle))

/* ---------------------------------------------------------------- lookups */

Test(toml, lookup_helpers)
{
    _cleanup_toml_ struct sbx__toml_node *doc = parse_ok("title = \"demo\"\n"
                                                         "[runtimes.python]\n"
                                                         "path = \"/usr/bin/python3\"\n"
                                                         "args = [\"-I\", \"-S\"]\n");
    const struct sbx__toml_node *title = sbx__toml_table_get(doc, "title");
    cr_assert_not_null(title);
    cr_assert_eq(title->type, SBX_TOML_STRING);
    cr_assert_str_eq(title->u.string.ptr, "demo");

    const char *const path[] = {"runtimes", "python", "path"};
    const struct sbx__toml_node *p = sbx__toml_table_get_path(doc, path, 3);
    cr_assert_not_null(p);
    cr_assert_str_eq(p->u.string.ptr, "/usr/bin/python3");
    const char *const missing[] = {"runtimes", "node", "path"};
    cr_assert_null(sbx__toml_table_get_path(doc, missing, 3));
    const char *const through_value[] = {"title", "x"};
    cr_assert_null(sbx__toml_table_get_path(doc, through_value, 2));

    const struct sbx__toml_node *py = sbx__toml_table_get_path(doc, path, 2);
    const struct sbx__toml_node *args = sbx__toml_table_get(py, "args");
    cr_assert_eq(sbx__toml_array_len(args), 2);
    cr_assert_str_eq(sbx__toml_array_at(args, 1)->u.string.ptr, "-S");
    cr_assert_null(sbx__toml_array_at(args, 2));
    cr_assert_null(sbx__toml_table_get(doc, "nope"));
    cr_assert_null(sbx__toml_table_get(title, "x")); /* not a table */
}

Test(toml, iteration_keeps_document_order)
{
    _cleanup_toml_ struct sbx__toml_node *doc = parse_ok("zeta = 1\nalpha = 2\nmid = 3\n");
    const char *want[] = {"zeta", "alpha", "mid"};
    cr_assert_eq(sbx__toml_table_len(doc), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct sbx__toml_entry *e = sbx__toml_table_at(doc, i);
        cr_assert_str_eq(e->key, want[i]);
        cr_assert_eq(e->value->u.integer, (int64_t)i + 1);
    }
    cr_assert_null(sbx__toml_table_at(doc, 3));
}

Test(toml, null_handling)
{
    sbx__toml_free(NULL);
    cr_assert_null(sbx__toml_table_get(NULL, "a"));
    cr_assert_null(sbx__toml_table_find(NULL, "a", 1));
    cr_assert_eq(sbx__toml_table_len(NULL), 0);
    cr_assert_eq(sbx__toml_array_len(NULL), 0);
    cr_assert_null(sbx__toml_array_at(NULL, 0));

    struct sbx__toml_node *doc = NULL;
    cr_assert_eq(sbx__toml_parse(NULL, 0, NULL, &doc, NULL), 0); /* empty document */
    cr_assert_eq(sbx__toml_table_len(doc), 0);
    sbx__toml_free(doc);
    cr_assert_eq(sbx__toml_parse("x", 1, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(sbx__toml_parse("a = @", 5, NULL, &doc, NULL), -EINVAL); /* err may be NULL */
}

Test(toml, type_names)
{
    cr_assert_str_eq(sbx__toml_type_name(SBX_TOML_TABLE), "table");
    cr_assert_str_eq(sbx__toml_type_name(SBX_TOML_OFFSET_DATETIME), "offset date-time");
    cr_assert_str_eq(sbx__toml_type_name(SBX_TOML_LOCAL_TIME), "local time");
    cr_assert_str_eq(sbx__toml_type_name((enum sbx__toml_type)99), "unknown");
}

Test(toml, keys_with_nul_bytes)
{
    _cleanup_toml_ struct sbx__toml_node *doc = parse_ok("\"a\\u0000b\" = \"x\\u0000y\"\n");
    const struct sbx__toml_entry *e = sbx__toml_table_find(doc, "a\0b", 3);
    cr_assert_not_null(e);
    cr_assert_eq(e->key_len, 3);
    cr_assert_eq(e->value->u.string.len, 3);
    cr_assert_eq(memcmp(e->value->u.string.ptr, "x\0y", 4), 0);
    cr_assert_null(sbx__toml_table_get(doc, "a")); /* "a" is a different key */
}

/* ---------------------------------------------------------------- values */

Test(toml, scalar_values)
{
    _cleanup_toml_ struct sbx__toml_node *doc =
        parse_ok("i = -9_223_372_036_854_775_808\nh = 0xff\no = 0o17\nb = 0b101\n"
                 "f = 6.25e-1\nni = -inf\nnn = nan\nnz = -0.0\nt = true\n");
    cr_assert_eq(sbx__toml_table_get(doc, "i")->u.integer, INT64_MIN);
    cr_assert_eq(sbx__toml_table_get(doc, "h")->u.integer, 255);
    cr_assert_eq(sbx__toml_table_get(doc, "o")->u.integer, 15);
    cr_assert_eq(sbx__toml_table_get(doc, "b")->u.integer, 5);
    cr_assert_float_eq(sbx__toml_table_get(doc, "f")->u.fp, 0.625, 1e-12);
    cr_assert(isinf(sbx__toml_table_get(doc, "ni")->u.fp) &&
              sbx__toml_table_get(doc, "ni")->u.fp < 0);
    cr_assert(isnan(sbx__toml_table_get(doc, "nn")->u.fp));
    const struct sbx__toml_node *nz = sbx__toml_table_get(doc, "nz");
    cr_assert(nz->u.fp == 0.0 && signbit(nz->u.fp));
    cr_assert_eq(sbx__toml_table_get(doc, "t")->type, SBX_TOML_BOOLEAN);
}

Test(toml, datetimes_keep_components_and_text)
{
    _cleanup_toml_ struct sbx__toml_node *doc =
        parse_ok("odt = 1979-05-27 00:32:00.9999999999-07:00\nldt = 2000-02-29t23:59:60\n"
                 "ld = 1979-05-27\nlt = 07:32:00.5\nz = 1979-05-27T07:32:00z\n");
    const struct sbx__toml_node *odt = sbx__toml_table_get(doc, "odt");
    cr_assert_eq(odt->type, SBX_TOML_OFFSET_DATETIME);
    cr_assert_eq(odt->u.datetime.year, 1979);
    cr_assert_eq(odt->u.datetime.nanosecond, 999999999); /* truncated, not rounded */
    cr_assert_eq(odt->u.datetime.frac_digits, 9);
    cr_assert_eq(odt->u.datetime.offset_minutes, -420);
    cr_assert_str_eq(odt->u.datetime.text, "1979-05-27T00:32:00.999999999-07:00");

    const struct sbx__toml_node *ldt = sbx__toml_table_get(doc, "ldt");
    cr_assert_eq(ldt->type, SBX_TOML_LOCAL_DATETIME);
    cr_assert_eq(ldt->u.datetime.second, 60); /* a leap second */
    cr_assert_str_eq(ldt->u.datetime.text, "2000-02-29T23:59:60");
    cr_assert_eq(sbx__toml_table_get(doc, "ld")->type, SBX_TOML_LOCAL_DATE);
    cr_assert_str_eq(sbx__toml_table_get(doc, "ld")->u.datetime.text, "1979-05-27");
    const struct sbx__toml_node *lt = sbx__toml_table_get(doc, "lt");
    cr_assert_eq(lt->type, SBX_TOML_LOCAL_TIME);
    cr_assert_eq(lt->u.datetime.nanosecond, 500000000);
    cr_assert_str_eq(lt->u.datetime.text, "07:32:00.5");
    cr_assert_str_eq(sbx__toml_table_get(doc, "z")->u.datetime.text, "1979-05-27T07:32:00Z");
}

Test(toml, leap_years)
{
    sbx__toml_free(parse_ok("a = 2000-02-29\nb = 2024-02-29\n"));
    struct sbx__toml_error err = fail_lit("a = 1900-02-29\n", NULL, -EINVAL, 1, 5);
    assert_msg_has(err, "day out of range");
}

/* ---------------------------------------------------------------- locations */

Test(toml, node_and_entry_locations)
{
    _cleanup_toml_ struct sbx__toml_node *doc = parse_ok("# config\n"
                                                         "[general]\n"
                                                         "  name = \"x\"\n"
                                                         "  limits = { cpu = 2 }\n");
    const struct sbx__toml_entry *g = sbx__toml_table_find(doc, "general", 7);
    cr_assert_eq(g->line, 2);
    cr_assert_eq(g->column, 2);
    cr_assert_eq(g->value->line, 2);
    cr_assert_eq(g->value->column, 1);
    const struct sbx__toml_entry *name = sbx__toml_table_find(g->value, "name", 4);
    cr_assert_eq(name->line, 3);
    cr_assert_eq(name->column, 3);
    cr_assert_eq(name->value->column, 10);
    const struct sbx__toml_node *limits = sbx__toml_table_get(g->value, "limits");
    cr_assert_eq(limits->column, 12);
    const struct sbx__toml_entry *cpu = sbx__toml_table_find(limits, "cpu", 3);
    cr_assert_eq(cpu->line, 4);
    cr_assert_eq(cpu->column, 14);
}

Test(toml, error_locations)
{
    fail_lit("a = 1\nb = @\n", NULL, -EINVAL, 2, 5);
    fail_lit("a = 1\r\nb = @\r\n", NULL, -EINVAL, 2, 5); /* CRLF is one line break */
    /* Columns count characters, not bytes: "é" is one column. */
    fail_lit("a = \"\xC3\xA9\" x\n", NULL, -EINVAL, 1, 9);
    fail_lit("\xEF\xBB\xBF"
             "a = @\n",
             NULL, -EINVAL, 1, 5); /* the BOM is no column */
    struct sbx__toml_error err = fail_lit("a = 1\rb = 2\n", NULL, -EINVAL, 1, 6);
    assert_msg_has(err, "carriage return");
    err = fail_lit("a = \"x\xFFy\"\n", NULL, -EINVAL, 1, 7);
    assert_msg_has(err, "UTF-8");
    err = fail_lit("# \x01\n", NULL, -EINVAL, 1, 3);
    assert_msg_has(err, "U+0001");
    err = fail_lit("s = \"\\uD800\"\n", NULL, -EINVAL, 1, 6);
    assert_msg_has(err, "not a Unicode scalar value");
    err = fail_lit("s = \"\"\"\nabc\n", NULL, -EINVAL, 1, 5);
    assert_msg_has(err, "unterminated multi-line string");
}

Test(toml, duplicate_key_says_where_the_first_was)
{
    struct sbx__toml_error err = fail_lit("a = 1\n\n  a = 2\n", NULL, -EINVAL, 3, 3);
    assert_msg_has(err, "duplicate key 'a'");
    assert_msg_has(err, "line 1, column 1");

    err = fail_lit("[srv]\nport = 1\n[srv]\n", NULL, -EINVAL, 3, 2);
    assert_msg_has(err, "'srv'");
    assert_msg_has(err, "line 1, column 2");

    /* An implicit table defined later points at its [header], not at the first use. */
    const char *t = "[a.b]\n[a]\n[a]\n";
    err = parse_fail(t, strlen(t), NULL, -EINVAL, 3, 2);
    assert_msg_has(err, "line 2, column 2");

    t = "[fruit]\napple.color = \"red\"\n[fruit.apple]\n";
    err = parse_fail(t, strlen(t), NULL, -EINVAL, 3, 8);
    assert_msg_has(err, "'fruit.apple'");
    assert_msg_has(err, "dotted keys");
    assert_msg_has(err, "line 2, column 1");

    t = "\"odd key\\n\" = 1\n\"odd key\\n\" = 2\n";
    err = parse_fail(t, strlen(t), NULL, -EINVAL, 2, 1);
    assert_msg_has(err, "'\"odd key\\u000A\"'"); /* quoted and escaped in the message */
}

Test(toml, inline_tables_are_closed)
{
    const char *t = "p = { x = 1 }\np.y = 2\n";
    struct sbx__toml_error err = parse_fail(t, strlen(t), NULL, -EINVAL, 2, 1);
    assert_msg_has(err, "inline table");
    t = "p = { x = 1 }\n[p.q]\n";
    parse_fail(t, strlen(t), NULL, -EINVAL, 2, 2);
    _cleanup_toml_ struct sbx__toml_node *doc = parse_ok("p = { x.y = 1, x.z = 2 }\n");
    cr_assert_eq(sbx__toml_table_len(sbx__toml_table_get(sbx__toml_table_get(doc, "p"), "x")), 2);
}

/* ---------------------------------------------------------------- limits */

Test(toml, depth_limit)
{
    struct sbx__toml_limits lim = {.max_depth = 3};
    struct sbx__toml_node *doc = NULL;
    cr_assert_eq(sbx__toml_parse("a = [[[1]]]", 11, &lim, &doc, NULL), 0);
    sbx__toml_free(doc);
    struct sbx__toml_error err = fail_lit("a = [[[[1]]]]", &lim, -E2BIG, 1, 8);
    assert_msg_has(err, "nesting deeper than 3 levels");
    fail_lit("a = {b = {c = {d = {}}}}", &lim, -E2BIG, 1, 20);
    fail_lit("a.b.c.d.e = 1", &lim, -E2BIG, 1, 9); /* refused by the key length check */
    fail_lit("x = 1\n[t]\na.b.c.d = 1", &lim, -E2BIG, 3, 5);
    fail_lit("[a.b.c.d]", &lim, -E2BIG, 1, 8);
    fail_lit("[[a.b]]\n[[a.b.c]]\n", &lim, -E2BIG, 2, 1);
}

Test(toml, deep_nesting_is_refused_without_recursing)
{
    /* Deep enough to overflow the stack if each level recursed unchecked. */
    size_t n = 200000;
    char *text = malloc(n + 5);
    memcpy(text, "a = ", 4);
    memset(text + 4, '[', n);
    struct sbx__toml_error err = parse_fail(text, n + 4, NULL, -E2BIG, 1, 69);
    assert_msg_has(err, "nesting deeper than 64 levels");
    free(text);
    /* {b={b={b=... : level k opens at column 5 + 3 (k - 1). */
    text = malloc(3 * n + 5);
    memcpy(text, "a = ", 4);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 4 + 3 * i, "{b=", 3);
    parse_fail(text, 3 * n + 4, NULL, -E2BIG, 1, 5 + 3 * 64);
    free(text);
    struct sbx__toml_limits huge = {.max_depth = 1000000}; /* capped at the hard maximum */
    text = calloc(1, n + 5);
    memcpy(text, "a = ", 4);
    memset(text + 4, '[', n);
    parse_fail(text, n + 4, &huge, -E2BIG, 1, 4 + SBX_TOML_DEPTH_HARD_MAX + 1);
    free(text);
}

Test(toml, input_size_limit)
{
    struct sbx__toml_limits lim = {.max_input = 16};
    struct sbx__toml_node *doc = NULL;
    cr_assert_eq(sbx__toml_parse("a = 123456789012", 16, &lim, &doc, NULL), 0);
    sbx__toml_free(doc);
    struct sbx__toml_error err = fail_lit("a = 1234567890123", &lim, -E2BIG, 1, 1);
    assert_msg_has(err, "larger than 16 bytes");
}

Test(toml, string_length_limit)
{
    struct sbx__toml_limits lim = {.max_string = 8};
    struct sbx__toml_node *doc = NULL;
    cr_assert_eq(sbx__toml_parse("a = '12345678'", 14, &lim, &doc, NULL), 0);
    sbx__toml_free(doc);
    struct sbx__toml_error err = fail_lit("\na = \"123456789\"", &lim, -E2BIG, 2, 5);
    assert_msg_has(err, "longer than 8 bytes");
    fail_lit("a = \"\"\"\n1234\\\n   56789\"\"\"", &lim, -E2BIG, 1, 5);
    fail_lit("'123456789' = 1", &lim, -E2BIG, 1, 1); /* keys too */
    fail_lit("x.a123456789 = 1", &lim, -E2BIG, 1, 3);
}

/* n keys "k0 = 0" ... in the given order; 0 or the parse error. */
static int parse_keys(size_t n, bool reverse, const struct sbx__toml_limits *lim,
                      struct sbx__toml_node **ret, struct sbx__toml_error *err)
{
    size_t cap = n * 24 + 1, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "k%zu = %zu\n", reverse ? n - i : i, i);
    int r = sbx__toml_parse(text, len, lim, ret, err);
    free(text);
    return r;
}

Test(toml, keys_per_table_limit)
{
    struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err = {0};
    cr_assert_eq(parse_keys(SBX_TOML_DEFAULT_MAX_TABLE_KEYS, false, NULL, &doc, &err), 0);
    sbx__toml_free(doc);
    doc = NULL;
    cr_assert_eq(parse_keys(SBX_TOML_DEFAULT_MAX_TABLE_KEYS + 1, false, NULL, &doc, &err), -E2BIG);
    cr_assert_null(doc);
    cr_assert_eq(err.line, SBX_TOML_DEFAULT_MAX_TABLE_KEYS + 1);
    cr_assert_eq(err.column, 1);
    assert_msg_has(err, "more than 4096 keys");

    struct sbx__toml_limits lim = {.max_table_keys = 2};
    const char *t = "a = 1\nb = { x = 1, y = 2, z = 3 }\n";
    parse_fail(t, strlen(t), &lim, -E2BIG, 2, 21);
}

Test(toml, many_keys_stay_fast_and_findable)
{
    /* 200,000 keys in descending order: a sorted array would move ~2e10 entries; the balanced
     * index does ~4e6 comparisons. The bound below is generous for slow CI machines. */
    struct sbx__toml_limits lim = {.max_input = 16 << 20, .max_table_keys = 1 << 20};
    struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err = {0};
    clock_t start = clock();
    cr_assert_eq(parse_keys(200000, true, &lim, &doc, &err), 0, "%s", err.message);
    double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
    cr_assert_lt(secs, 5.0, "parsing took %.2f s", secs);
    cr_assert_eq(sbx__toml_table_len(doc), 200000);
    char key[32];
    for (size_t i = 1; i <= 200000; i += 997) {
        snprintf(key, sizeof(key), "k%zu", i);
        const struct sbx__toml_node *v = sbx__toml_table_get(doc, key);
        cr_assert_not_null(v, "%s not found", key);
        cr_assert_eq(v->u.integer, (int64_t)(200000 - i));
    }
    cr_assert_str_eq(sbx__toml_table_at(doc, 0)->key, "k200000"); /* document order kept */
    sbx__toml_free(doc);
}
