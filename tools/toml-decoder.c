/*
 * toml-decoder: the toml-test harness program. TOML on stdin, the tagged JSON of toml-test on
 * stdout (tables are objects, arrays are arrays, every leaf is {"type": T, "value": "..."}).
 *
 * Exit status: 0 decoded; 1 invalid TOML, with "line:column: message" on stderr; 2 usage,
 * I/O or out of memory. Reads at most the parser's input limit plus one byte, so an oversized
 * input is reported by the parser (with its location) rather than buffered without bound.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/toml.h"
#include "util/cleanup.h"

static int read_all(int fd, size_t cap, char **ret, size_t *ret_len)
{
    _cleanup_free_ char *buf = malloc(cap ? cap : 1);
    size_t len = 0;
    if (!buf)
        return -ENOMEM;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *ret = TAKE_PTR(buf);
    *ret_len = len;
    return 0;
}

static json_t *tagged(const char *type, json_t *value)
{
    if (!value)
        return NULL;
    return json_pack("{s:s, s:o}", "type", type, "value", value);
}

static json_t *float_json(double v)
{
    char text[64];
    if (isnan(v))
        snprintf(text, sizeof(text), "nan");
    else if (isinf(v))
        snprintf(text, sizeof(text), "%sinf", v < 0 ? "-" : "");
    else
        snprintf(text, sizeof(text), "%.17g", v);
    return tagged("float", json_string(text));
}

static json_t *to_json(const struct sbx__toml_node *n);

static json_t *table_json(const struct sbx__toml_node *n)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < sbx__toml_table_len(n); i++) {
        const struct sbx__toml_entry *e = sbx__toml_table_at(n, i);
        if (json_object_setn_new(obj, e->key, e->key_len, to_json(e->value)) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *array_json(const struct sbx__toml_node *n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < sbx__toml_array_len(n); i++) {
        if (json_array_append_new(arr, to_json(sbx__toml_array_at(n, i))) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *to_json(const struct sbx__toml_node *n)
{
    char text[32];
    switch (n->type) {
    case SBX_TOML_TABLE:
        return table_json(n);
    case SBX_TOML_ARRAY:
        return array_json(n);
    case SBX_TOML_STRING:
        return tagged("string", json_stringn(n->u.string.ptr, n->u.string.len));
    case SBX_TOML_INTEGER:
        snprintf(text, sizeof(text), "%" PRId64, n->u.integer);
        return tagged("integer", json_string(text));
    case SBX_TOML_FLOAT:
        return float_json(n->u.fp);
    case SBX_TOML_BOOLEAN:
        return tagged("bool", json_string(n->u.boolean ? "true" : "false"));
    case SBX_TOML_OFFSET_DATETIME:
        return tagged("datetime", json_string(n->u.datetime.text));
    case SBX_TOML_LOCAL_DATETIME:
        return tagged("datetime-local", json_string(n->u.datetime.text));
    case SBX_TOML_LOCAL_DATE:
        return tagged("date-local", json_string(n->u.datetime.text));
    case SBX_TOML_LOCAL_TIME:
        return tagged("time-local", json_string(n->u.datetime.text));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    _cleanup_free_ char *data = NULL;
    _cleanup_toml_ struct sbx__toml_node *doc = NULL;
    struct sbx__toml_error err = {0};
    size_t len = 0;

    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: toml-decoder < file.toml > file.json\n");
        return 2;
    }
    int r = read_all(STDIN_FILENO, SBX_TOML_DEFAULT_MAX_INPUT + 1, &data, &len);
    if (r < 0) {
        fprintf(stderr, "toml-decoder: reading stdin: %s\n", strerror(-r));
        return 2;
    }
    r = sbx__toml_parse(data, len, NULL, &doc, &err);
    if (r == -ENOMEM) {
        fprintf(stderr, "toml-decoder: out of memory\n");
        return 2;
    }
    if (r < 0) {
        fprintf(stderr, "%u:%u: %s\n", (unsigned)err.line, (unsigned)err.column, err.message);
        return 1;
    }
    json_t *out = to_json(doc);
    if (!out || json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
        fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "toml-decoder: cannot write the JSON\n");
        json_decref(out);
        return 2;
    }
    json_decref(out);
    return 0;
}
