/*
 * Fuzz target for the TOML parser (src/config/toml*.c): any bytes in, no crash, no leak, no
 * undefined behaviour, and the tree or the error obeys its documented invariants (checked
 * below; a violation aborts, which the fuzzer and the replay test report as a failure).
 *
 * Each input is parsed twice: with the default limits and with tiny ones, so that the "limit
 * exceeded" paths are fuzzed as much as the grammar.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "tests/fuzz/fuzz.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_datetime(const struct sbx__toml_node *n)
{
    const struct sbx__toml_datetime *dt = &n->u.datetime;
    CHECK(memchr(dt->text, '\0', sizeof(dt->text)) != NULL && dt->text[0] != '\0');
    if (n->type != SBX_TOML_LOCAL_TIME)
        CHECK(dt->month >= 1 && dt->month <= 12 && dt->day >= 1 && dt->day <= 31);
    if (n->type != SBX_TOML_LOCAL_DATE)
        CHECK(dt->hour < 24 && dt->minute < 60 && dt->second <= 60 && dt->nanosecond < 1000000000);
    CHECK(dt->frac_digits <= 9);
    CHECK(dt->offset_minutes > -1440 && dt->offset_minutes < 1440);
}

static void check_node(const struct sbx__toml_node *n, unsigned depth, unsigned max_depth);

static void check_table(const struct sbx__toml_node *n, unsigned depth, unsigned max_depth)
{
    for (size_t i = 0; i < sbx__toml_table_len(n); i++) {
        const struct sbx__toml_entry *e = sbx__toml_table_at(n, i);
        CHECK(e && e->key && e->key[e->key_len] == '\0' && e->line >= 1 && e->column >= 1);
        /* The index finds every key, and finds this very entry (keys are unique). */
        CHECK(sbx__toml_table_find(n, e->key, e->key_len) == e);
        check_node(e->value, depth + 1, max_depth);
    }
    CHECK(sbx__toml_table_at(n, sbx__toml_table_len(n)) == NULL);
}

static void check_node(const struct sbx__toml_node *n, unsigned depth, unsigned max_depth)
{
    CHECK(n && n->line >= 1 && n->column >= 1);
    switch (n->type) {
    case SBX_TOML_TABLE:
        CHECK(depth <= max_depth);
        check_table(n, depth, max_depth);
        break;
    case SBX_TOML_ARRAY:
        CHECK(depth <= max_depth);
        for (size_t i = 0; i < sbx__toml_array_len(n); i++)
            check_node(sbx__toml_array_at(n, i), depth + 1, max_depth);
        break;
    case SBX_TOML_STRING:
        CHECK(n->u.string.ptr && n->u.string.ptr[n->u.string.len] == '\0');
        break;
    case SBX_TOML_FLOAT:
        CHECK(!isinf(n->u.fp) || n->u.fp == INFINITY || n->u.fp == -INFINITY);
        break;
    case SBX_TOML_INTEGER:
    case SBX_TOML_BOOLEAN:
        break;
    case SBX_TOML_OFFSET_DATETIME:
    case SBX_TOML_LOCAL_DATETIME:
    case SBX_TOML_LOCAL_DATE:
    case SBX_TOML_LOCAL_TIME:
        check_datetime(n);
        break;
    }
    CHECK(strcmp(sbx__toml_type_name(n->type), "unknown") != 0);
}

static void parse_and_check(const uint8_t *data, size_t size, const struct sbx__toml_limits *limits,
                            unsigned max_depth)
{
    struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx__toml_parse((const char *)data, size, limits, &doc, &err);
    if (r < 0) {
        CHECK(doc == NULL);
        CHECK(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
        CHECK(err.line >= 1 && err.column >= 1 && err.message[0] != '\0');
        CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
        CHECK(err.line <= size + 1);
        return;
    }
    CHECK(doc && doc->type == SBX_TOML_TABLE);
    check_node(doc, 0, max_depth);
    sbx__toml_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sbx__toml_limits tiny = {
        .max_input = 4096, .max_depth = 4, .max_string = 16, .max_table_keys = 8};
    parse_and_check(data, size, NULL, SBX_TOML_DEFAULT_MAX_DEPTH);
    parse_and_check(data, size, &tiny, 4);
    return 0;
}
