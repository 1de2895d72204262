/* The runtime registry: every language rusty-sandbox runs is listed here, once. */
#include <string.h>

#include "runtimes/runtime.h"

static const struct sbx_runtime *const runtimes[] = {
    &sbx__runtime_python,
    &sbx__runtime_javascript,
    &sbx__runtime_wasm,
};

size_t sbx_runtime_count(void)
{
    return ARRAY_SIZE(runtimes);
}

const struct sbx_runtime *sbx_runtime_at(size_t i)
{
    return i < ARRAY_SIZE(runtimes) ? runtimes[i] : NULL;
}

const struct sbx_runtime *sbx_runtime_by_name(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(runtimes); i++)
        if (!strcmp(runtimes[i]->name, name))
            return runtimes[i];
    return NULL;
}

const struct sbx_runtime *sbx_runtime_for_file(const char *path)
{
    if (!path)
        return NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(runtimes); i++)
        for (const char *const *e = runtimes[i]->extensions; *e; e++)
            if (!strcmp(dot, *e))
                return runtimes[i];
    return NULL;
}

const char *sbx_runtime_name(const struct sbx_runtime *rt)
{
    return rt->name;
}

const char *const *sbx_runtime_extensions(const struct sbx_runtime *rt)
{
    return rt->extensions;
}

const char *sbx_runtime_default_interpreter(const struct sbx_runtime *rt)
{
    return rt->default_interpreter;
}
