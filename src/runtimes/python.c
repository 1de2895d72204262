/*
 * Python. Flags: -u so output reaches the supervisor as it is written (a program killed at its
 * timeout loses nothing it printed), -B so no .pyc files are written next to the program.
 */
#include "runtimes/runtime.h"

static const char *const extensions[] = {".py", NULL};
static const char *const path_names[] = {"python3", NULL};

static int build_argv(const char *interp, const char *program, struct sbx_strv *argv)
{
    int r;
    if ((r = sbx__strv_push(argv, interp)) < 0 || (r = sbx__strv_push(argv, "-u")) < 0 ||
        (r = sbx__strv_push(argv, "-B")) < 0 || (r = sbx__strv_push(argv, program)) < 0)
        return r;
    return 0;
}

static const char *packages_path(const struct sbx_policy *p)
{
    return p->python_packages_path;
}

static int build_env(const struct sbx_policy *p, struct sbx_strv *env)
{
    return p->python_packages_path ? sbx__strv_pushf(env, "PYTHONPATH=%s", p->python_packages_path)
                                   : 0;
}

const struct sbx_runtime sbx__runtime_python = {
    .name = "python",
    .extensions = extensions,
    .default_interpreter = "/usr/bin/python3",
    .path_names = path_names,
    .build_argv = build_argv,
    .build_env = build_env,
    .packages_path = packages_path,
    .min_open_files = 8,
    .parse_version = sbx__version_last_word,
};
