/*
 * Unit tests for the WebAssembly module reader (src/analysis/wasm-module.c).
 *
 * Valid modules come from tests/data/wasm/: .wat files assembled by wat2wasm at build time and
 * hello.c built by clang --target=wasm32-wasi, into the directory named by SBX_WASM_FIXTURES
 * (set by meson). Malformed modules are hand-made byte arrays below, built section by section
 * so each test breaks exactly one thing. Every prefix of every valid module is read too: it must
 * be rejected with an "offset 0x...: " message, or be a valid module that ends at a section
 * boundary.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/wasm-module.h"
#include "helpers.h"

/* ---- fixtures ---- */

/* The clang-built fixture exists only when this host's clang targets wasm32-wasi. */
static void need_clang_fixture(void)
{
    const char *ok = getenv("SBX_WASM_CLANG");
    const char *must = getenv("SBX_TESTS_MUST_WORK");
    if (ok && !strcmp(ok, "1"))
        return;
    if (must && !strcmp(must, "1"))
        cr_assert_fail("clang --target=wasm32-wasi does not work on this host");
    cr_skip_test("clang --target=wasm32-wasi does not work on this host");
}

static struct sbx__wasm_module *read_ok(const uint8_t *data, size_t len)
{
    struct sbx__wasm_module *m = NULL;
    struct sbx_error err = {0};
    int r = sbx__wasm_module_read(data, len, &m, &err);
    cr_assert_eq(r, 0, "read failed: %d %s", r, err.message);
    cr_assert(m);
    return m;
}

/* Reading must fail with -EINVAL, a message starting "offset 0x<off>: " that contains `want`. */
static void read_fails(const uint8_t *data, size_t len, size_t off, const char *want)
{
    struct sbx__wasm_module *m = (struct sbx__wasm_module *)0x1;
    struct sbx_error err = {0};
    int r = sbx__wasm_module_read(data, len, &m, &err);
    cr_assert_eq(r, -EINVAL, "read returned %d, want -EINVAL (message: %s)", r, err.message);
    cr_assert_eq(m, (struct sbx__wasm_module *)0x1, "*ret written on failure");
    cr_assert_eq(err.kind, SBX_ERR_INPUT);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "offset 0x%zx: ", off);
    cr_assert(strncmp(err.message, prefix, strlen(prefix)) == 0,
              "message \"%s\" does not start "
              "with \"%s\"",
              err.message, prefix);
    cr_assert(strstr(err.message, want), "message \"%s\" does not contain \"%s\"", err.message,
              want);
}

/* ---- a module builder for hand-made inputs ---- */

struct mod {
    uint8_t b[4096];
    size_t len;
};

static void put(struct mod *m, const void *p, size_t n)
{
    cr_assert(m->len + n <= sizeof(m->b));
    memcpy(m->b + m->len, p, n);
    m->len += n;
}

static void put_bytes(struct mod *m, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        uint8_t c = (uint8_t)va_arg(ap, int);
        put(m, &c, 1);
    }
    va_end(ap);
}

static void header(struct mod *m)
{
    m->len = 0;
    put_bytes(m, 8, 0x00, 'a', 's', 'm', 1, 0, 0, 0);
}

/* A section with the given content bytes (size < 128). */
static void section(struct mod *m, uint8_t id, size_t n, const uint8_t *content)
{
    cr_assert(n < 128);
    put_bytes(m, 2, id, (int)n);
    put(m, content, n);
}

#define SECTION(m, id, ...)                                                                        \
    do {                                                                                           \
        const uint8_t c_[] = {__VA_ARGS__};                                                        \
        section(m, id, sizeof(c_), c_);                                                            \
    } while (0)

/* Type 0: [] -> []; function 0 of type 0; code: one empty body. */
static void one_function(struct mod *m)
{
    SECTION(m, 1, 1, 0x60, 0, 0);
    SECTION(m, 3, 1, 0);
}
static void one_body(struct mod *m)
{
    SECTION(m, 10, 1, 2, 0, 0x0b);
}

/* ---- valid modules ---- */

Test(wasm_module, empty_module)
{
    struct mod m;
    header(&m);
    struct sbx__wasm_module *w = read_ok(m.b, m.len);
    cr_assert_eq(w->version, 1);
    cr_assert_eq(w->n_sections, 0);
    cr_assert_eq(w->n_imports + w->n_exports + w->n_memories + w->n_funcs, 0);
    sbx__wasm_module_free(w);
    sbx__wasm_module_free(NULL);
}

Test(wasm_module, hello_wasi)
{
    struct blob b = load_fixture("hello-wasi.wasm");
    struct sbx__wasm_module *m = read_ok(b.data, b.len);
    cr_assert_eq(m->n_imports, 1);
    const struct sbx__wasm_import *imp = &m->imports[0];
    cr_assert(sbx__wasm_name_eq(imp->module, "wasi_snapshot_preview1"));
    cr_assert(sbx__wasm_name_eq(imp->field, "fd_write"));
    cr_assert_eq(imp->kind, SBX_WASM_FUNC);
    cr_assert_eq(m->types[imp->type_index].n_params, 4);
    cr_assert_eq(m->types[imp->type_index].n_results, 1);
    cr_assert_eq(m->types[imp->type_index].params[0], 0x7f);
    /* The entry's offset is where its module name's length byte stands. */
    cr_assert_eq(b.data[imp->offset], strlen("wasi_snapshot_preview1"));
    cr_assert_eq(m->n_funcs, 2);
    cr_assert_eq(m->n_func_imports, 1);
    cr_assert_eq(m->n_memories, 1);
    cr_assert_eq(m->memories[0].limits.min, 1);
    cr_assert(!m->memories[0].limits.has_max && !m->memories[0].limits.shared);
    cr_assert(!m->memories[0].imported);
    cr_assert_eq(b.data[m->memories[0].offset], 0x00, "offset names the limits flags byte");
    const struct sbx__wasm_export *start = sbx__wasm_module_find_export(m, "_start", SBX_WASM_FUNC);
    cr_assert(start && start->index == 1);
    cr_assert(sbx__wasm_module_find_export(m, "memory", SBX_WASM_MEMORY));
    cr_assert_null(sbx__wasm_module_find_export(m, "memory", SBX_WASM_FUNC));
    cr_assert_eq(m->n_data, 1);
    cr_assert_eq(m->n_code_bodies, 1);
    static const uint8_t ids[] = {1, 2, 3, 5, 7, 10, 11};
    cr_assert_eq(m->n_sections, sizeof(ids));
    for (size_t i = 0; i < sizeof(ids); i++)
        cr_assert_eq(m->sections[i].id, ids[i], "section %zu", i);
    cr_assert_eq(m->sections[6].content + m->sections[6].size, b.len);
    sbx__wasm_module_free(m);
    free(b.data);
}

Test(wasm_module, all_sections)
{
    struct blob b = load_fixture("all-sections.wasm");
    struct sbx__wasm_module *m = read_ok(b.data, b.len);
    cr_assert_eq(m->n_types, 5);
    cr_assert_eq(m->n_imports, 6);
    static const enum sbx__wasm_kind kinds[] = {SBX_WASM_FUNC,   SBX_WASM_TABLE,  SBX_WASM_MEMORY,
                                                SBX_WASM_GLOBAL, SBX_WASM_GLOBAL, SBX_WASM_TAG};
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(m->imports[i].kind, kinds[i], "import %d", i);
        cr_assert(sbx__wasm_name_eq(m->imports[i].module, "env"));
    }
    cr_assert(m->imports[4].mutable_ && m->imports[4].valtype == 0x7e);
    /* Tables: the import first, then funcref and externref. */
    cr_assert_eq(m->n_tables, 3);
    cr_assert(m->tables[0].imported && m->tables[0].import == 1);
    cr_assert(m->tables[0].limits.min == 2 && m->tables[0].limits.max == 10);
    cr_assert_eq(m->tables[1].reftype, 0x70);
    cr_assert_eq(m->tables[2].reftype, 0x6f);
    /* Memories: imported (1, 2), (2, 3), i64 (1, 100), shared (1, 16). */
    cr_assert_eq(m->n_memories, 4);
    cr_assert(m->memories[0].imported && m->memories[0].import == 2);
    cr_assert(m->memories[0].limits.min == 1 && m->memories[0].limits.max == 2);
    cr_assert(!m->memories[1].imported && m->memories[1].limits.min == 2);
    cr_assert(m->memories[2].limits.is64 && m->memories[2].limits.max == 100);
    cr_assert(m->memories[3].limits.shared && m->memories[3].limits.max == 16);
    cr_assert(!m->memories[3].limits.is64);
    cr_assert_eq(m->n_globals, 8);
    cr_assert(m->globals[1].imported && m->globals[1].mutable_);
    cr_assert_eq(m->globals[4].valtype, 0x7b, "v128 global");
    cr_assert_eq(m->n_tags, 2);
    cr_assert_eq(m->n_funcs, 4);
    cr_assert_eq(m->n_func_imports, 1);
    cr_assert_eq(m->n_exports, 6);
    const struct sbx__wasm_export *u =
        sbx__wasm_module_find_export(m, "h\xc3\xa9llo \xe2\x9c\x93", SBX_WASM_FUNC);
    cr_assert(u && u->index == 1, "UTF-8 export name");
    cr_assert(sbx__wasm_module_find_export(m, "t", SBX_WASM_TAG));
    cr_assert(sbx__wasm_module_find_export(m, "m64", SBX_WASM_MEMORY)->index == 2);
    cr_assert(m->has_start && m->start == 1);
    cr_assert_eq(m->n_elements, 4);
    cr_assert(m->has_data_count && m->data_count == 3 && m->n_data == 3);
    cr_assert_eq(m->n_code_bodies, 3);
    sbx__wasm_module_free(m);
    free(b.data);
}

Test(wasm_module, clang_wasi_program)
{
    need_clang_fixture();
    struct blob b = load_fixture("hello-c.wasm");
    struct sbx__wasm_module *m = read_ok(b.data, b.len);
    cr_assert_gt(m->n_imports, 3);
    bool fd_write = false;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        cr_assert(sbx__wasm_name_eq(m->imports[i].module, "wasi_snapshot_preview1"));
        fd_write |= sbx__wasm_name_eq(m->imports[i].field, "fd_write");
    }
    cr_assert(fd_write);
    cr_assert_eq(m->n_memories, 1);
    cr_assert(sbx__wasm_module_find_export(m, "_start", SBX_WASM_FUNC));
    cr_assert_eq(m->n_code_bodies, m->n_funcs - m->n_func_imports);
    bool producers = false;
    for (size_t i = 0; i < m->n_sections; i++)
        producers |= m->sections[i].id == 0 && sbx__wasm_name_eq(m->sections[i].name, "producers");
    cr_assert(producers, "the producers custom section is listed");
    sbx__wasm_module_free(m);
    free(b.data);
}

/* A prefix may be valid only when it ends where a section of the full module ends. Every
 * prefix in the first `all` bytes is read, then every `step`th. */
static void prefixes(const char *name, size_t all, size_t step)
{
    struct blob b = load_fixture(name);
    struct sbx__wasm_module *full = read_ok(b.data, b.len);
    size_t accepted = 0;
    for (size_t len = 0; len < b.len; len += len < all ? 1 : step) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, b.data, len);
        struct sbx__wasm_module *m = NULL;
        struct sbx_error err = {0};
        int r = sbx__wasm_module_read(copy, len, &m, &err);
        if (r == 0) {
            bool boundary = len == 8;
            for (size_t i = 0; i < full->n_sections; i++)
                boundary |= full->sections[i].content + full->sections[i].size == len;
            cr_assert(boundary, "%s: prefix of %zu bytes accepted", name, len);
            sbx__wasm_module_free(m);
            accepted++;
        } else {
            cr_assert_eq(r, -EINVAL, "%s: prefix %zu: %d", name, len, r);
            cr_assert(strncmp(err.message, "offset 0x", 9) == 0, "%s", err.message);
            cr_assert_eq(m, NULL);
        }
        free(copy);
    }
    cr_assert_gt(accepted, 0, "the 8-byte header alone is a valid module");
    sbx__wasm_module_free(full);
    free(b.data);
}

static void every_prefix(const char *name)
{
    prefixes(name, SIZE_MAX, 1);
}

Test(wasm_module, every_prefix_hello)
{
    every_prefix("hello-wasi.wasm");
}
Test(wasm_module, every_prefix_all_sections)
{
    every_prefix("all-sections.wasm");
}
Test(wasm_module, every_prefix_families)
{
    every_prefix("wasi-families.wasm");
}
Test(wasm_module, every_prefix_memories)
{
    every_prefix("memory-large.wasm");
    every_prefix("memory-shared.wasm");
    every_prefix("text-forms.wasm");
}

/* The clang module is 200 KiB: every prefix in its first 4 KiB (all the non-code sections)
 * and every 97th beyond. */
Test(wasm_module, prefixes_clang_program)
{
    need_clang_fixture();
    prefixes("hello-c.wasm", 4096, 97);
}

/* ---- the header ---- */

Test(wasm_module, bad_magic)
{
    read_fails((const uint8_t *)"", 0, 0, "not a WebAssembly module (bad magic)");
    read_fails((const uint8_t *)"\0as", 3, 0, "bad magic");
    read_fails((const uint8_t *)"\0ASM\1\0\0\0", 8, 0, "bad magic");
    read_fails((const uint8_t *)"#!/bin/sh\n", 10, 0, "bad magic");
}

Test(wasm_module, bad_version)
{
    read_fails((const uint8_t *)"\0asm\1\0", 6, 4, "truncated module header");
    read_fails((const uint8_t *)"\0asm\2\0\0\0", 8, 4, "unsupported WebAssembly version 2");
    read_fails((const uint8_t *)"\0asm\x0d\0\1\0", 8, 4, "component");
}

/* ---- sections ---- */

Test(wasm_module, unknown_section_id)
{
    struct mod m;
    header(&m);
    SECTION(&m, 14, 0);
    read_fails(m.b, m.len, 8, "malformed section id 14");
}

Test(wasm_module, section_past_end)
{
    struct mod m;
    header(&m);
    put_bytes(&m, 4, 1, 100, 1, 0x60);
    read_fails(m.b, m.len, 8,
               "the type section's size (100 bytes) runs past the end of the "
               "module (2 bytes left)");
}

Test(wasm_module, section_size_mismatch)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 1, 0x60, 0, 0, 0xff);
    read_fails(m.b, m.len, 14, "section size mismatch: the type section declares 5 bytes");
}

Test(wasm_module, truncated_section_contents)
{
    struct mod m;
    header(&m);
    /* An import whose module name says 9 bytes where the section has 3 left. */
    SECTION(&m, 2, 1, 9, 'w', 'a', 's');
    read_fails(m.b, m.len, 0xc, "truncated import section (needs 9 bytes, 3 left)");
}

Test(wasm_module, duplicate_and_misordered_sections)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 0);
    SECTION(&m, 1, 0);
    read_fails(m.b, m.len, 0xb, "duplicate type section");
    header(&m);
    SECTION(&m, 5, 0);
    SECTION(&m, 2, 0);
    read_fails(m.b, m.len, 0xb, "the import section must come before the memory section");
    /* Tags go between memories and globals; data count before code. */
    header(&m);
    SECTION(&m, 6, 0);
    SECTION(&m, 13, 0);
    read_fails(m.b, m.len, 0xb, "the tag section must come before the global section");
    header(&m);
    SECTION(&m, 10, 0);
    SECTION(&m, 12, 0);
    read_fails(m.b, m.len, 0xb, "must come before the code section");
    /* Custom sections may stand anywhere, repeated. */
    header(&m);
    SECTION(&m, 0, 1, 'a');
    SECTION(&m, 5, 0);
    SECTION(&m, 0, 1, 'a', 1, 2, 3);
    SECTION(&m, 0, 0);
    struct sbx__wasm_module *w = read_ok(m.b, m.len);
    cr_assert_eq(w->n_sections, 4);
    cr_assert(sbx__wasm_name_eq(w->sections[0].name, "a"));
    cr_assert_eq(w->sections[2].size, 5);
    sbx__wasm_module_free(w);
}

Test(wasm_module, custom_section_without_name)
{
    struct mod m;
    header(&m);
    SECTION(&m, 0);
    read_fails(m.b, m.len, 10, "truncated custom section (needs 1 byte, 0 left)");
}

/* ---- LEB128 ---- */

Test(wasm_module, leb128_too_long)
{
    struct mod m;
    header(&m);
    put_bytes(&m, 7, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    read_fails(m.b, m.len, 9, "integer representation too long");
}

Test(wasm_module, leb128_too_large)
{
    struct mod m;
    header(&m);
    put_bytes(&m, 6, 1, 0x80, 0x80, 0x80, 0x80, 0x10); /* 2^32 */
    read_fails(m.b, m.len, 9, "integer too large in section header (more than 32 bits)");
    /* The largest u32 in five bytes is fine as far as LEB goes (then the size is too big). */
    header(&m);
    put_bytes(&m, 6, 1, 0xff, 0xff, 0xff, 0xff, 0x0f);
    read_fails(m.b, m.len, 8, "runs past the end");
}

Test(wasm_module, leb128_truncated)
{
    struct mod m;
    header(&m);
    put_bytes(&m, 3, 1, 0x80, 0x80);
    read_fails(m.b, m.len, 11, "truncated section header (needs 1 byte, 0 left)");
}

Test(wasm_module, sleb_unused_bits)
{
    struct mod m;
    header(&m);
    /* A global i32 = i32.const with a 5-byte encoding whose unused bits disagree with the sign:
     * 0x08 sets the sign bit (bit 31) but leaves bits 32..34 clear. */
    SECTION(&m, 6, 1, 0x7f, 0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x08, 0x0b);
    read_fails(m.b, m.len, 0xe, "integer too large in global section (more than 32 bits)");
    header(&m);
    SECTION(&m, 6, 1, 0x7f, 0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x0b); /* INT32_MIN */
    sbx__wasm_module_free(read_ok(m.b, m.len));
    header(&m);
    SECTION(&m, 6, 1, 0x7f, 0, 0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0b); /* INT32_MAX */
    sbx__wasm_module_free(read_ok(m.b, m.len));
    header(&m);
    SECTION(&m, 6, 1, 0x7e, 0, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,
            0x0b); /* INT64_MIN */
    sbx__wasm_module_free(read_ok(m.b, m.len));
    header(&m);
    SECTION(&m, 6, 1, 0x7e, 0, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x41,
            0x0b);
    read_fails(m.b, m.len, 0xe, "integer too large in global section (more than 64 bits)");
}

/* ---- counts and allocation ---- */

Test(wasm_module, huge_counts)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 0xff, 0xff, 0xff, 0xff, 0x0f);
    read_fails(m.b, m.len, 10, "type section declares 4294967295 types (the limit is 1000000)");
    header(&m);
    SECTION(&m, 2, 0xa0, 0x8d, 0x06); /* 100000 imports in 0 bytes */
    read_fails(m.b, m.len, 10,
               "truncated import section (100000 imports need at least 400000 bytes, 0 left)");
    header(&m);
    SECTION(&m, 7, 0x80, 0x80, 0x04); /* 65536 exports */
    read_fails(m.b, m.len, 10, "65536 exports need at least 196608 bytes");
    header(&m);
    SECTION(&m, 5, 101); /* memories past the multi-memory limit */
    read_fails(m.b, m.len, 10, "memory section declares 101 entries (the limit is 100)");
    header(&m);
    SECTION(&m, 1, 1, 0x60, 0xe9, 0x07); /* 1001 parameters */
    read_fails(m.b, m.len, 12, "type section declares 1001 parameters (the limit is 1000)");
}

/* ---- names ---- */

Test(wasm_module, bad_utf8_names)
{
    static const uint8_t bad[][4] = {
        {0xc0, 0x80, 0, 2},    /* overlong NUL */
        {0xed, 0xa0, 0x80, 3}, /* a surrogate, U+D800 */
        {0xf4, 0x90, 0x80, 3}, /* truncated (and above U+10FFFF) */
        {0x80, 0, 0, 1},       /* a lone continuation byte */
        {0xff, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mod m;
        header(&m);
        uint8_t n = bad[i][3];
        uint8_t content[16] = {1, n};
        memcpy(content + 2, bad[i], n);
        memcpy(content + 2 + n, "\1f\0\0", 4);
        section(&m, 2, 6 + n, content);
        read_fails(m.b, m.len, 11, "malformed UTF-8 encoding in a name in import section");
        /* And as a custom section's name. */
        header(&m);
        content[0] = n;
        memcpy(content + 1, bad[i], n);
        section(&m, 0, 1 + n, content);
        read_fails(m.b, m.len, 10, "malformed UTF-8 encoding in a name in custom section");
    }
}

Test(wasm_module, printable_names)
{
    char buf[32];
    struct sbx__wasm_name n = {"sock_\x1b[2J\xe2\x80\xae\\", 13};
    cr_assert_str_eq(sbx__wasm_name_printable(n, buf, sizeof(buf)),
                     "sock_\\x1b[2J\\xe2\\x80\\xae\\x5c");
    cr_assert_str_eq(sbx__wasm_name_printable(n, buf, 13), "sock_\\x1b...");
    cr_assert_str_eq(sbx__wasm_name_printable(n, buf, 12), "sock_...");
    cr_assert_str_eq(sbx__wasm_name_printable(n, buf, 29), "sock_\\x1b[2J\\xe2\\x80\\xae\\x5c");
    cr_assert_str_eq(sbx__wasm_name_printable(n, buf, 28), "sock_\\x1b[2J\\xe2\\x80\\xae...");
    cr_assert_str_eq(sbx__wasm_name_printable((struct sbx__wasm_name){"abc", 3}, buf, 4), "abc");
    cr_assert_str_eq(sbx__wasm_name_printable((struct sbx__wasm_name){"abcd", 4}, buf, 4), "...");
    cr_assert_str_eq(sbx__wasm_name_printable((struct sbx__wasm_name){"", 0}, buf, 1), "");
    cr_assert(sbx__wasm_name_has_prefix((struct sbx__wasm_name){"sock_recv", 9}, "sock_"));
    cr_assert(!sbx__wasm_name_has_prefix((struct sbx__wasm_name){"soc", 3}, "sock_"));
    cr_assert(!sbx__wasm_name_eq((struct sbx__wasm_name){"a\0b", 3}, "a"));
}

/* ---- imports, memories, tables ---- */

Test(wasm_module, bad_import_kind_and_type)
{
    struct mod m;
    header(&m);
    SECTION(&m, 2, 1, 1, 'm', 1, 'f', 5, 0);
    read_fails(m.b, m.len, 15, "malformed import kind 0x05 in import section");
    header(&m);
    SECTION(&m, 2, 1, 1, 'm', 1, 'f', 0, 0); /* a function of type 0, with no types */
    read_fails(m.b, m.len, 16, "type index 0 out of range in import section (0 defined)");
    header(&m);
    SECTION(&m, 2, 1, 1, 'm', 1, 'f', 3, 0x7f, 2);
    read_fails(m.b, m.len, 17, "malformed mutability 0x02");
    header(&m);
    SECTION(&m, 2, 1, 1, 'm', 1, 'f', 1, 0x7f, 0, 1);
    read_fails(m.b, m.len, 16, "malformed reference type 0x7f");
}

Test(wasm_module, memory_limits)
{
    struct mod m;
    header(&m);
    SECTION(&m, 5, 1, 1, 5, 2); /* min 5 > max 2 */
    read_fails(m.b, m.len, 11, "size minimum 5 is greater than maximum 2 in memory section");
    header(&m);
    SECTION(&m, 5, 1, 0, 0x81, 0x80, 0x04); /* 65537 pages */
    read_fails(m.b, m.len, 11, "memory size must be at most 65536 pages");
    header(&m);
    SECTION(&m, 5, 1, 2, 1); /* shared, no maximum */
    read_fails(m.b, m.len, 11, "a shared memory must have a maximum size");
    header(&m);
    SECTION(&m, 5, 1, 8, 1);
    read_fails(m.b, m.len, 11, "malformed limits flags 0x08 in memory section");
    /* memory64: u64 limits; 2^32 pages is fine for a 64-bit memory. */
    header(&m);
    SECTION(&m, 5, 2, 4, 0x80, 0x80, 0x80, 0x80, 0x10, 3, 1, 0x80, 0x02);
    struct sbx__wasm_module *w = read_ok(m.b, m.len);
    cr_assert_eq(w->n_memories, 2);
    cr_assert(w->memories[0].limits.is64 && w->memories[0].limits.min == (1ull << 32));
    cr_assert(w->memories[1].limits.shared && w->memories[1].limits.has_max);
    cr_assert(w->memories[1].limits.min == 1 && w->memories[1].limits.max == 256);
    cr_assert_eq(w->memories[1].offset, 17);
    sbx__wasm_module_free(w);
    /* Tables cannot be shared. */
    header(&m);
    SECTION(&m, 4, 1, 0x70, 3, 1, 1);
    read_fails(m.b, m.len, 12, "malformed limits flags 0x03 in table section");
}

/* ---- exports, start, code, data ---- */

Test(wasm_module, exports)
{
    struct mod m;
    header(&m);
    one_function(&m);
    SECTION(&m, 7, 2, 1, 'a', 0, 0, 1, 'a', 0, 0);
    one_body(&m);
    read_fails(m.b, m.len, 0x19, "duplicate export name \"a\" in export section");
    header(&m);
    one_function(&m);
    SECTION(&m, 7, 1, 1, 'a', 0, 1);
    one_body(&m);
    read_fails(m.b, m.len, 0x18, "func index 1 out of range in export section (1 defined)");
    header(&m);
    one_function(&m);
    SECTION(&m, 7, 1, 1, 'a', 2, 0);
    read_fails(m.b, m.len, 0x18, "memory index 0 out of range");
    header(&m);
    one_function(&m);
    SECTION(&m, 7, 1, 1, 'a', 9, 0);
    read_fails(m.b, m.len, 0x17, "malformed export kind 0x09");
}

Test(wasm_module, start_function)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 1, 0x60, 1, 0x7f, 0);
    SECTION(&m, 3, 1, 0);
    SECTION(&m, 8, 0);
    read_fails(m.b, m.len, 0x15, "the start function 0 must take and return nothing");
    header(&m);
    one_function(&m);
    SECTION(&m, 8, 1);
    read_fails(m.b, m.len, 0x14, "function index 1 out of range in start section");
}

Test(wasm_module, function_and_code_counts)
{
    struct mod m;
    header(&m);
    one_function(&m);
    read_fails(m.b, m.len, 0x12,
               "function and code section have inconsistent lengths "
               "(1 functions, 0 bodies)");
    header(&m);
    SECTION(&m, 1, 1, 0x60, 0, 0);
    one_body(&m);
    read_fails(m.b, m.len, 0x10, "inconsistent lengths (0 functions, 1 bodies)");
    header(&m);
    one_function(&m);
    SECTION(&m, 10, 1, 2, 0, 0x0a);
    read_fails(m.b, m.len, 0x17, "function body 0 does not end with `end`");
    header(&m);
    one_function(&m);
    SECTION(&m, 10, 1, 0x85, 0x80, 0x80, 0x80, 0x00);
    read_fails(m.b, m.len, 0x1a, "truncated code section (needs 5 bytes, 0 left)");
}

Test(wasm_module, data_count)
{
    struct mod m;
    header(&m);
    SECTION(&m, 5, 1, 0, 1);
    SECTION(&m, 12, 2);
    SECTION(&m, 11, 1, 1, 2, 'h', 'i');
    read_fails(m.b, m.len, 0xd,
               "data count and data section have inconsistent lengths "
               "(2 declared, 1 segments)");
    header(&m);
    SECTION(&m, 11, 1, 0, 0x41, 0, 0x0b, 0);
    read_fails(m.b, m.len, 0xb, "data segment for memory 0, which does not exist");
    header(&m);
    SECTION(&m, 5, 1, 0, 1);
    SECTION(&m, 11, 1, 0, 0x28, 0, 0, 0x0b, 0); /* i32.load is not constant */
    read_fails(m.b, m.len, 0x11, "illegal opcode 0x28 in a constant expression in data section");
}

Test(wasm_module, element_segments)
{
    struct mod m;
    header(&m);
    one_function(&m);
    SECTION(&m, 9, 1, 0, 0x41, 0, 0x0b, 1, 0);
    read_fails(m.b, m.len, 0x15, "element segment for table 0, which does not exist");
    header(&m);
    one_function(&m);
    SECTION(&m, 9, 1, 1, 0, 1, 5);
    read_fails(m.b, m.len, 0x18, "function index 5 out of range in element section");
    header(&m);
    one_function(&m);
    SECTION(&m, 9, 1, 8, 0);
    read_fails(m.b, m.len, 0x15, "malformed element segment flags 8");
    header(&m);
    one_function(&m);
    SECTION(&m, 9, 2, 3, 0, 1, 0, 7, 0x70, 1, 0xd2, 0, 0x0b); /* declarative, both forms */
    one_body(&m);
    struct sbx__wasm_module *w = read_ok(m.b, m.len);
    cr_assert_eq(w->n_elements, 2);
    sbx__wasm_module_free(w);
}

Test(wasm_module, tags)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 1, 0x60, 0, 1, 0x7f);
    SECTION(&m, 13, 1, 0, 0);
    read_fails(m.b, m.len, 0x13, "a tag's type must have no results in tag section");
    header(&m);
    SECTION(&m, 1, 1, 0x60, 1, 0x7f, 0);
    SECTION(&m, 13, 1, 1, 0);
    read_fails(m.b, m.len, 0x12, "malformed tag attribute 0x01");
}

Test(wasm_module, type_forms)
{
    struct mod m;
    header(&m);
    SECTION(&m, 1, 1, 0x5f, 0, 0);
    read_fails(m.b, m.len, 0xb, "unsupported type form 0x5f");
    header(&m);
    SECTION(&m, 1, 1, 0x60, 1, 0x40, 0);
    read_fails(m.b, m.len, 0xd, "malformed value type 0x40 in type section");
    /* Typed function references: (ref null 0) and (ref func). */
    header(&m);
    SECTION(&m, 1, 1, 0x60, 2, 0x63, 0x00, 0x64, 0x70, 0);
    struct sbx__wasm_module *w = read_ok(m.b, m.len);
    cr_assert_eq(w->types[0].n_params, 2);
    cr_assert_eq(w->types[0].params[0], 0x63);
    cr_assert_eq(w->types[0].params[1], 0x64);
    sbx__wasm_module_free(w);
    header(&m);
    SECTION(&m, 1, 1, 0x60, 1, 0x63, 0x40, 0); /* -64 is no heap type */
    read_fails(m.b, m.len, 0xe, "malformed heap type");
}
