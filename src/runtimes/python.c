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

static int build_env(struct sbx_strv *env)
{
    (void)env;
    return 0;
}

const struct sbx_runtime sbx__runtime_python = {
    .name = "python",
    .extensions = extensions,
    .default_interpreter = "/usr/bin/python3",
    .path_names = path_names,
    .build_argv = build_argv,
    .build_env = build_env,
    .parse_version = sbx__version_last_word,
};
