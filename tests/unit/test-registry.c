/*
 * Unit tests for src/runtimes/registry.c (include/sbx/runtime.h): enumeration, lookup by name,
 * and lookup by file extension, which looks only at the last path component, is
 * case-sensitive, and never treats a dotfile's name as an extension.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sbx/runtime.h"

static const struct sbx_runtime *python, *javascript;

static void lookup(void)
{
    python = sbx_runtime_by_name("python");
    javascript = sbx_runtime_by_name("javascript");
    cr_assert_not_null(python);
    cr_assert_not_null(javascript);
}

TestSuite(registry, .init = lookup);

Test(registry, enumerates_every_runtime_once)
{
    size_t n = sbx_runtime_count();
    cr_assert_geq(n, 2);
    int seen_py = 0, seen_js = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sbx_runtime *rt = sbx_runtime_at(i);
        cr_assert_not_null(rt, "runtime %zu is NULL", i);
        cr_assert_eq(sbx_runtime_by_name(sbx_runtime_name(rt)), rt);
        seen_py += rt == python;
        seen_js += rt == javascript;
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(sbx_runtime_at(j), rt);
    }
    cr_assert_eq(seen_py, 1);
    cr_assert_eq(seen_js, 1);
    cr_assert_null(sbx_runtime_at(n));
    cr_assert_null(sbx_runtime_at((size_t)-1));
}

Test(registry, by_name)
{
    cr_assert_str_eq(sbx_runtime_name(python), "python");
    cr_assert_str_eq(sbx_runtime_name(javascript), "javascript");
    cr_assert_null(sbx_runtime_by_name("Python"));
    cr_assert_null(sbx_runtime_by_name("python "));
    cr_assert_null(sbx_runtime_by_name("py"));
    cr_assert_null(sbx_runtime_by_name("node"));
    cr_assert_null(sbx_runtime_by_name(""));
    cr_assert_null(sbx_runtime_by_name(NULL));
}

Test(registry, extensions_and_defaults)
{
    const char *const *e = sbx_runtime_extensions(python);
    cr_assert_str_eq(e[0], ".py");
    cr_assert_null(e[1]);
    e = sbx_runtime_extensions(javascript);
    int js = 0, mjs = 0, cjs = 0;
    for (; *e; e++) {
        cr_assert_eq((*e)[0], '.', "extension '%s' without its dot", *e);
        js += !strcmp(*e, ".js");
        mjs += !strcmp(*e, ".mjs");
        cjs += !strcmp(*e, ".cjs");
    }
    cr_assert(js == 1 && mjs == 1 && cjs == 1);
    cr_assert_str_eq(sbx_runtime_default_interpreter(python), "/usr/bin/python3");
    cr_assert_str_eq(sbx_runtime_default_interpreter(javascript), "/usr/bin/node");
}

Test(registry, for_file_by_extension)
{
    cr_assert_eq(sbx_runtime_for_file("hello.py"), python);
    cr_assert_eq(sbx_runtime_for_file("/abs/path/hello.py"), python);
    cr_assert_eq(sbx_runtime_for_file("a.js"), javascript);
    cr_assert_eq(sbx_runtime_for_file("a.mjs"), javascript);
    cr_assert_eq(sbx_runtime_for_file("a.cjs"), javascript);
    cr_assert_eq(sbx_runtime_for_file("archive.tar.py"), python);
    const struct sbx_runtime *wasm = sbx_runtime_by_name("wasm");
    cr_assert_not_null(wasm);
    cr_assert_eq(sbx_runtime_for_file("m.wasm"), wasm);
    cr_assert_eq(sbx_runtime_for_file("/x/m.wat"), wasm);
    cr_assert_null(sbx_runtime_for_file("m.WASM"));
    cr_assert_eq(sbx_runtime_for_file("x.py.js"), javascript);
    cr_assert_eq(sbx_runtime_for_file("..py"), python); /* a file named ".", then ".py" */
    cr_assert_eq(sbx_runtime_for_file("dir/.hidden.py"), python);
}

Test(registry, for_file_without_known_extension)
{
    static const char *const none[] = {
        "",          "hello",        "hello.",   "hello.txt", "hello.PY", "hello.Js", "hello.py ",
        "hello.pyc", "hello.py.txt", "hello.ts", "hello.jsx", "hello.p",  "py",       "hellopy",
        "/",         "dir/",         "dir.py/",  ".",         "..",       "a/.",
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        cr_assert_null(sbx_runtime_for_file(none[i]), "'%s' should have no runtime", none[i]);
    cr_assert_null(sbx_runtime_for_file(NULL));
}

Test(registry, dotfiles_are_not_extensions)
{
    cr_assert_null(sbx_runtime_for_file(".py"));
    cr_assert_null(sbx_runtime_for_file(".js"));
    cr_assert_null(sbx_runtime_for_file("dir/.py"));
    cr_assert_null(sbx_runtime_for_file("/a/b/.mjs"));
}

Test(registry, dots_in_directories_are_ignored)
{
    cr_assert_null(sbx_runtime_for_file("a.b/c"));
    cr_assert_null(sbx_runtime_for_file("a.py/c"));
    cr_assert_null(sbx_runtime_for_file("/srv/app.js/main"));
    cr_assert_null(sbx_runtime_for_file("x.py/.js"));
    cr_assert_eq(sbx_runtime_for_file("a.b/c.py"), python);
    cr_assert_eq(sbx_runtime_for_file("a.js/c.py"), python);
}
