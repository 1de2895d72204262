/* JavaScript on Node.js. .mjs files are ES modules by Node's own rule. */
#include "runtimes/runtime.h"

static const char *const extensions[] = {".js", ".mjs", ".cjs", NULL};
static const char *const path_names[] = {"node", "nodejs", NULL};

static int build_argv(const char *interp, const char *program, struct sbx_strv *argv)
{
    int r;
    if ((r = sbx__strv_push(argv, interp)) < 0 || (r = sbx__strv_push(argv, program)) < 0)
        return r;
    return 0;
}

static const char *packages_path(const struct sbx_policy *p)
{
    return p->node_modules_path;
}

static int build_env(const struct sbx_policy *p, struct sbx_strv *env)
{
    return p->node_modules_path ? sbx__strv_pushf(env, "NODE_PATH=%s", p->node_modules_path) : 0;
}

const struct sbx_runtime sbx__runtime_javascript = {
    .name = "javascript",
    .extensions = extensions,
    .default_interpreter = "/usr/bin/node",
    .path_names = path_names,
    .build_argv = build_argv,
    .build_env = build_env,
    .packages_path = packages_path,
    /* Node.js 20 needs 19 descriptors to start and print (epoll, eventfds, its thread pool's
     * pipes, stdio); with fewer it aborts in libuv. One spare. */
    .min_open_files = 20,
    .parse_version = sbx__version_last_word,
};
