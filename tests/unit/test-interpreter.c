/*
 * Unit tests for src/runtimes/interpreter.c: sbx_interpreter_resolve (override, default, PATH
 * search), the installation-prefix rule, sbx__version_last_word, sbx_interpreter_version and
 * its cache. Interpreters are copies of /usr/bin/true in a per-test temporary directory, so the
 * tests do not depend on which languages the host has; a private runtime (same ops table as
 * the real ones) makes the PATH search testable even where /usr/bin/python3 exists.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "runtimes/runtime.h"
#include "sbx/runtime.h"

#define ELF "/usr/bin/true"
#define FAKE_NAME "sbx-unit-fake-interp"

static const char *const fake_path_names[] = {FAKE_NAME, NULL};
static const char *const fake_extensions[] = {".fake", NULL};

/* A runtime whose default interpreter does not exist, so resolution goes to PATH. */
static struct sbx_runtime fake_rt = {
    .name = "fake",
    .extensions = fake_extensions,
    .default_interpreter = "/nonexistent/sbx-unit/" FAKE_NAME,
    .path_names = fake_path_names,
    .parse_version = sbx__version_last_word,
};

static const struct sbx_runtime *python;

/* Not under /tmp: the library refuses interpreters under the dirs the sandbox mounts over
 * (/tmp, /dev, /proc, /run, /sys, /work), so sample interpreters live under /var/tmp. */
static void setup(void)
{
    tmp_setup_under("/var/tmp");
    python = sbx_runtime_by_name("python");
    cr_assert_not_null(python);
    cr_assert(access(ELF, X_OK) == 0, ELF " is needed as a sample ELF binary");
}

TestSuite(interpreter, .init = setup, .fini = tmp_teardown);
TestSuite(interpreter_path, .init = setup, .fini = tmp_teardown);
TestSuite(interpreter_version, .init = setup, .fini = tmp_teardown);

/* Expect resolve to fail with `kind`; `ret` must be left untouched. Returns the error. */
static struct sbx_error expect_fail(const struct sbx_runtime *rt, const char *override,
                                    const char *search, enum sbx_error_kind kind)
{
    struct sbx_interpreter ret;
    memset(&ret, 0x5a, sizeof(ret));
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx_interpreter_resolve(rt, override, search, &ret, &err);
    cr_assert_lt(r, 0, "resolve('%s') succeeded with '%s'", override ? override : "(null)",
                 ret.path);
    cr_assert_eq(err.kind, kind, "kind %s, want %s: %s", sbx_error_kind_name(err.kind),
                 sbx_error_kind_name(kind), err.message);
    cr_assert_eq(err.stage, SBX_STAGE_RUNTIME);
    cr_assert_neq(err.message[0], '\0');
    for (size_t i = 0; i < sizeof(ret); i++)
        cr_assert_eq(((unsigned char *)&ret)[i], 0x5a, "ret written on failure");
    return err;
}

static struct sbx_interpreter expect_ok(const struct sbx_runtime *rt, const char *override,
                                        const char *search)
{
    struct sbx_interpreter ret;
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx_interpreter_resolve(rt, override, search, &ret, &err);
    cr_assert_eq(r, 0, "resolve('%s') = %d: %s", override ? override : "(null)", r, err.message);
    return ret;
}

/* --- overrides ------------------------------------------------------------------------- */

Test(interpreter, override_copied_elf)
{
    const char *bin = tmp_path("true");
    copy_file(ELF, bin, 0755);
    struct sbx_interpreter in = expect_ok(python, bin, NULL);
    cr_assert_str_eq(in.path, bin);
    cr_assert_str_eq(in.prefix, test_tmp, "binary outside bin/: its own dir is the prefix");
}

Test(interpreter, override_script_is_refused)
{
    const char *shim = tmp_path("python3");
    write_file(shim, "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", 0755);
    struct sbx_error err = expect_fail(python, shim, NULL, SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, shim), "message does not name '%s': %s", shim,
                       err.message);
    cr_assert_not_null(strstr(err.message, "--interpreter"), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "script"), "message: %s", err.message);
}

Test(interpreter, override_missing_file)
{
    const char *missing = tmp_path("no-such-python");
    struct sbx_error err = expect_fail(python, missing, NULL, SBX_ERR_NO_RUNTIME);
    cr_assert_eq(err.errnum, ENOENT);
    cr_assert_not_null(strstr(err.message, missing), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "not found"), "message: %s", err.message);
}

Test(interpreter, override_not_executable)
{
    const char *bin = tmp_path("true");
    copy_file(ELF, bin, 0644);
    struct sbx_error err = expect_fail(python, bin, NULL, SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, bin), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "not an executable"), "message: %s", err.message);
}

Test(interpreter, override_directory)
{
    const char *dir = tmp_path("bin");
    make_dirs(dir, 0755);
    expect_fail(python, dir, NULL, SBX_ERR_NO_RUNTIME);
}

Test(interpreter, override_not_elf)
{
    const char *empty = tmp_path("empty");
    write_file(empty, "", 0755);
    expect_fail(python, empty, NULL, SBX_ERR_NO_RUNTIME);
    const char *short_magic = tmp_path("short");
    write_file(short_magic, "\177EL", 0755);
    expect_fail(python, short_magic, NULL, SBX_ERR_NO_RUNTIME);
    const char *text = tmp_path("text");
    write_file(text, "print('hello')\n", 0755);
    struct sbx_error err = expect_fail(python, text, NULL, SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, "ELF"), "message: %s", err.message);
    const char *bang = tmp_path("bang");
    write_file(bang, "#!", 0755); /* shortest script */
    expect_fail(python, bang, NULL, SBX_ERR_NO_RUNTIME);
}

Test(interpreter, override_relative_path_is_usage_error)
{
    static const char *const rel[] = {"usr/bin/true", "./true", "true",
                                      "../bin/true",  "",       "~/bin/python"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        struct sbx_error err = expect_fail(python, rel[i], NULL, SBX_ERR_USAGE);
        cr_assert_not_null(strstr(err.message, "absolute"), "message: %s", err.message);
    }
}

Test(interpreter, symlink_to_elf_resolves_to_target)
{
    const char *real_dir = tmp_path("opt/lang/bin");
    make_dirs(real_dir, 0755);
    const char *target = tmp_path("opt/lang/bin/lang3.11");
    copy_file(ELF, target, 0755);
    const char *link = tmp_path("python3");
    cr_assert_eq(symlink("opt/lang/bin/lang3.11", link), 0);
    struct sbx_interpreter in = expect_ok(python, link, NULL);
    cr_assert_str_eq(in.path, target);
    cr_assert_str_eq(in.prefix, tmp_path("opt/lang"));
}

Test(interpreter, symlink_chain_and_dangling)
{
    const char *target = tmp_path("real");
    copy_file(ELF, target, 0755);
    cr_assert_eq(symlink(target, tmp_path("l1")), 0);
    cr_assert_eq(symlink("l1", tmp_path("l2")), 0);
    struct sbx_interpreter in = expect_ok(python, tmp_path("l2"), NULL);
    cr_assert_str_eq(in.path, target);
    cr_assert_eq(symlink("missing", tmp_path("dangling")), 0);
    expect_fail(python, tmp_path("dangling"), NULL, SBX_ERR_NO_RUNTIME);
    cr_assert_eq(symlink("loop", tmp_path("loop")), 0);
    expect_fail(python, tmp_path("loop"), NULL, SBX_ERR_NO_RUNTIME);
}

Test(interpreter, symlink_to_script_is_refused)
{
    const char *shim = tmp_path("shim");
    write_file(shim, "#!/bin/sh\nexit 0\n", 0755);
    cr_assert_eq(symlink(shim, tmp_path("python3")), 0);
    expect_fail(python, tmp_path("python3"), NULL, SBX_ERR_NO_RUNTIME);
}

/* --- installation prefix --------------------------------------------------------------- */

Test(interpreter, prefix_is_dir_above_bin)
{
    make_dirs(tmp_path("opt/x/bin"), 0755);
    const char *bin = tmp_path("opt/x/bin/python3");
    copy_file(ELF, bin, 0755);
    struct sbx_interpreter in = expect_ok(python, bin, NULL);
    cr_assert_str_eq(in.path, bin);
    cr_assert_str_eq(in.prefix, tmp_path("opt/x"));
}

Test(interpreter, prefix_without_bin_is_own_dir)
{
    make_dirs(tmp_path("opt/y/libexec"), 0755);
    const char *bin = tmp_path("opt/y/libexec/python3");
    copy_file(ELF, bin, 0755);
    struct sbx_interpreter in = expect_ok(python, bin, NULL);
    cr_assert_str_eq(in.prefix, tmp_path("opt/y/libexec"));
    /* "xbin" is not "bin". */
    make_dirs(tmp_path("opt/z/xbin"), 0755);
    copy_file(ELF, tmp_path("opt/z/xbin/p"), 0755);
    in = expect_ok(python, tmp_path("opt/z/xbin/p"), NULL);
    cr_assert_str_eq(in.prefix, tmp_path("opt/z/xbin"));
}

Test(interpreter, prefix_under_usr_is_empty)
{
    struct sbx_interpreter in = expect_ok(python, ELF, NULL);
    char want[PATH_MAX];
    cr_assert_not_null(realpath(ELF, want));
    cr_assert_str_eq(in.path, want);
    cr_assert_str_eq(in.prefix, "");
}

Test(interpreter, too_broad_prefix_is_refused)
{
    /* A binary straight in /var would expose all of /var inside the sandbox. */
    char bin[] = "/var/sbx-unit-elf-XXXXXX";
    int fd = mkstemp(bin);
    if (fd < 0)
        skip_or_fail("needs a file directly in /var: %s", strerror(errno));
    close(fd);
    copy_file(ELF, bin, 0755);
    struct sbx_interpreter ret;
    struct sbx_error err;
    int r = sbx_interpreter_resolve(python, bin, NULL, &ret, &err);
    unlink(bin);
    cr_assert_lt(r, 0, "prefix '%s' accepted", r == 0 ? ret.prefix : "");
    cr_assert_eq(err.kind, SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, "too broad"), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "'/var'"), "message: %s", err.message);
}

Test(interpreter, installed_under_tmp_is_refused)
{
    char dir[] = "/tmp/sbx-unit-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char sub[PATH_MAX], bin[PATH_MAX];
    cr_assert_lt(snprintf(sub, sizeof(sub), "%s/opt/x/bin", dir), (int)sizeof(sub));
    cr_assert_lt(snprintf(bin, sizeof(bin), "%s/python3", sub), (int)sizeof(bin));
    make_dirs(sub, 0755);
    copy_file(ELF, bin, 0755);
    struct sbx_interpreter ret;
    struct sbx_error err;
    int r = sbx_interpreter_resolve(python, bin, NULL, &ret, &err);
    remove_tree(dir);
    cr_assert_lt(r, 0, "an interpreter under /tmp was accepted (prefix '%s')", ret.prefix);
    cr_assert_eq(err.kind, SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, "under /tmp"), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, bin), "message: %s", err.message);
}

/* An override longer than PATH_MAX must not be silently cut to a different, existing file:
 * "/usr/bin/////...////true" cut at PATH_MAX - 1 bytes is "/usr/bin/////...////tr". */
Test(interpreter, overlong_override_is_not_truncated_to_another_binary)
{
    if (access("/usr/bin/tr", X_OK) != 0)
        skip_or_fail("/usr/bin/tr is needed to show the truncation");
    static char path[PATH_MAX + 16];
    size_t prefix = strlen("/usr/bin/");
    size_t slashes = (PATH_MAX - 1) - prefix - 2;
    memcpy(path, "/usr/bin/", prefix);
    memset(path + prefix, '/', slashes);
    strcpy(path + prefix + slashes, "true");
    struct sbx_interpreter ret;
    struct sbx_error err;
    int r = sbx_interpreter_resolve(python, path, NULL, &ret, &err);
    cr_expect(r < 0 || !strcmp(ret.path, "/usr/bin/true"),
              "a %zu-byte override naming /usr/bin/true resolved to '%s'", strlen(path), ret.path);
}

/* --- PATH search ----------------------------------------------------------------------- */

Test(interpreter_path, search_path_argument_is_used)
{
    make_dirs(tmp_path("a"), 0755);
    make_dirs(tmp_path("b"), 0755);
    copy_file(ELF, tmp_path("b/" FAKE_NAME), 0755);
    char search[PATH_MAX * 2];
    snprintf(search, sizeof(search), "/nonexistent:%s:%s", tmp_path("a"), tmp_path("b"));
    struct sbx_interpreter in = expect_ok(&fake_rt, NULL, search);
    cr_assert_str_eq(in.path, tmp_path("b/" FAKE_NAME));
    cr_assert_str_eq(in.prefix, tmp_path("b"));
}

Test(interpreter_path, first_match_wins_and_empty_entries_are_skipped)
{
    make_dirs(tmp_path("a"), 0755);
    make_dirs(tmp_path("b"), 0755);
    copy_file(ELF, tmp_path("a/" FAKE_NAME), 0755);
    copy_file(ELF, tmp_path("b/" FAKE_NAME), 0755);
    char search[PATH_MAX * 2];
    snprintf(search, sizeof(search), "::%s::%s:", tmp_path("a"), tmp_path("b"));
    struct sbx_interpreter in = expect_ok(&fake_rt, NULL, search);
    cr_assert_str_eq(in.path, tmp_path("a/" FAKE_NAME));
}

Test(interpreter_path, relative_entries_are_ignored)
{
    make_dirs(tmp_path("rel"), 0755);
    make_dirs(tmp_path("abs"), 0755);
    copy_file(ELF, tmp_path("rel/" FAKE_NAME), 0755);
    copy_file(ELF, tmp_path(FAKE_NAME), 0755);
    char old_cwd[PATH_MAX];
    cr_assert_not_null(getcwd(old_cwd, sizeof(old_cwd)));
    cr_assert_eq(chdir(test_tmp), 0);
    /* Only relative entries: the binaries they would find (from this cwd) are not used. */
    struct sbx_error err = expect_fail(&fake_rt, NULL, "rel:.::./rel", SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, "not found"), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "--interpreter"), "message: %s", err.message);
    /* A relative entry before an absolute one does not win. */
    copy_file(ELF, tmp_path("abs/" FAKE_NAME), 0755);
    char search[PATH_MAX * 2];
    snprintf(search, sizeof(search), "rel:.:%s", tmp_path("abs"));
    struct sbx_interpreter in = expect_ok(&fake_rt, NULL, search);
    cr_assert_str_eq(in.path, tmp_path("abs/" FAKE_NAME));
    cr_assert_eq(chdir(old_cwd), 0);
}

Test(interpreter_path, null_search_uses_environment_path)
{
    make_dirs(tmp_path("envbin"), 0755);
    copy_file(ELF, tmp_path("envbin/" FAKE_NAME), 0755);
    cr_assert_eq(setenv("PATH", tmp_path("envbin"), 1), 0);
    struct sbx_interpreter in = expect_ok(&fake_rt, NULL, NULL);
    cr_assert_str_eq(in.path, tmp_path("envbin/" FAKE_NAME));
    cr_assert_eq(unsetenv("PATH"), 0);
    expect_fail(&fake_rt, NULL, NULL, SBX_ERR_NO_RUNTIME);
}

Test(interpreter_path, not_found_anywhere)
{
    struct sbx_error err =
        expect_fail(&fake_rt, NULL, "/nonexistent/a:/nonexistent/b", SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, fake_rt.default_interpreter), "message: %s",
                       err.message);
    cr_assert_not_null(strstr(err.message, FAKE_NAME), "message: %s", err.message);
    expect_fail(&fake_rt, NULL, "", SBX_ERR_NO_RUNTIME);
}

Test(interpreter_path, default_interpreter_wins_over_path)
{
    make_dirs(tmp_path("default"), 0755);
    make_dirs(tmp_path("onpath"), 0755);
    copy_file(ELF, tmp_path("default/interp"), 0755);
    copy_file(ELF, tmp_path("onpath/" FAKE_NAME), 0755);
    struct sbx_runtime rt = fake_rt;
    char def[PATH_MAX];
    snprintf(def, sizeof(def), "%s", tmp_path("default/interp"));
    rt.default_interpreter = def;
    struct sbx_interpreter in = expect_ok(&rt, NULL, tmp_path("onpath"));
    cr_assert_str_eq(in.path, def);
    /* An override wins over both. */
    copy_file(ELF, tmp_path("override"), 0755);
    in = expect_ok(&rt, tmp_path("override"), tmp_path("onpath"));
    cr_assert_str_eq(in.path, tmp_path("override"));
}

Test(interpreter_path, shim_found_on_path_is_refused_by_name)
{
    make_dirs(tmp_path("shims"), 0755);
    const char *shim = tmp_path("shims/" FAKE_NAME);
    write_file(shim, "#!/usr/bin/env bash\nexec pyenv exec \"$@\"\n", 0755);
    struct sbx_error err = expect_fail(&fake_rt, NULL, tmp_path("shims"), SBX_ERR_NO_RUNTIME);
    cr_assert_not_null(strstr(err.message, shim), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "--interpreter"), "message: %s", err.message);
}

Test(interpreter_path, real_python_default)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        skip_or_fail("/usr/bin/python3 is not installed");
    struct sbx_interpreter in = expect_ok(python, NULL, "/nonexistent");
    char want[PATH_MAX];
    cr_assert_not_null(realpath("/usr/bin/python3", want));
    cr_assert_str_eq(in.path, want);
    cr_assert_str_eq(in.prefix, "");
}

/* --- versions -------------------------------------------------------------------------- */

static void expect_last_word(const char *output, const char *want)
{
    char ret[SBX_VERSION_MAX];
    memset(ret, 'Z', sizeof(ret));
    sbx__version_last_word(output, ret);
    cr_assert_str_eq(ret, want, "last word of '%s'", output);
}

Test(interpreter_version, last_word)
{
    expect_last_word("Python 3.11.2\n", "3.11.2");
    expect_last_word("v20.20.2\n", "v20.20.2");
    expect_last_word("v20.20.2", "v20.20.2");
    expect_last_word("Python 3.12.0   \n", "3.12.0");
    expect_last_word("Python\t3.12.0\t\r\nsecond line 9.9\n", "3.12.0");
    expect_last_word("true (GNU coreutils) 9.1\nCopyright\n", "9.1");
    expect_last_word("", "");
    expect_last_word("\n3.0\n", "");
    expect_last_word("   \t \n", "");
    expect_last_word("word", "word");
    expect_last_word(" leading", "leading");
}

Test(interpreter_version, last_word_is_capped)
{
    char out[300];
    memset(out, 'x', 200);
    memcpy(out, "Python ", 7);
    out[200] = '\n';
    out[201] = '\0';
    char ret[SBX_VERSION_MAX + 8];
    memset(ret, 'Z', sizeof(ret));
    sbx__version_last_word(out, ret);
    cr_assert_eq(strlen(ret), SBX_VERSION_MAX - 1);
    cr_assert_eq(ret[SBX_VERSION_MAX], 'Z', "wrote past SBX_VERSION_MAX bytes");
}

Test(interpreter_version, real_python3)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        skip_or_fail("/usr/bin/python3 is not installed");
    struct sbx_interpreter in = expect_ok(python, "/usr/bin/python3", NULL);
    char ver[SBX_VERSION_MAX];
    cr_assert_eq(sbx_interpreter_version(python, &in, ver), 0);
    cr_assert_eq(strncmp(ver, "3.", 2), 0, "version '%s'", ver);
    cr_assert_eq(strspn(ver, "0123456789."), strlen(ver), "version '%s'", ver);
    int dots = 0;
    for (const char *p = ver; *p; p++)
        dots += *p == '.';
    cr_assert_eq(dots, 2, "version '%s'", ver);
}

static struct sbx_interpreter interp_at(const char *path)
{
    struct sbx_interpreter in;
    memset(&in, 0, sizeof(in));
    snprintf(in.path, sizeof(in.path), "%s", path);
    return in;
}

Test(interpreter_version, runs_with_clean_environment)
{
    const char *fake = tmp_path("fake");
    write_file(fake, "#!/bin/sh\necho \"Fake ${SBX_UNIT_SECRET:-clean}-$#-$1\"\n", 0755);
    cr_assert_eq(setenv("SBX_UNIT_SECRET", "leaked", 1), 0);
    struct sbx_interpreter in = interp_at(fake);
    char ver[SBX_VERSION_MAX];
    cr_assert_eq(sbx_interpreter_version(&fake_rt, &in, ver), 0);
    cr_assert_str_eq(ver, "clean-1---version");
}

Test(interpreter_version, no_output_is_enodata)
{
    const char *quiet = tmp_path("quiet");
    write_file(quiet, "#!/bin/sh\nexit 0\n", 0755);
    struct sbx_interpreter in = interp_at(quiet);
    char ver[SBX_VERSION_MAX];
    cr_assert_eq(sbx_interpreter_version(&fake_rt, &in, ver), -ENODATA);
    cr_assert_str_eq(ver, "");
}

Test(interpreter_version, missing_binary_fails)
{
    struct sbx_interpreter in = interp_at(tmp_path("missing"));
    char ver[SBX_VERSION_MAX] = "unchanged";
    cr_assert_lt(sbx_interpreter_version(&fake_rt, &in, ver), 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(interpreter_version, hanging_interpreter_is_killed_after_5s, .timeout = 30)
{
    const char *hang = tmp_path("hang");
    write_file(hang, "#!/bin/sh\nexec sleep 60\n", 0755);
    struct sbx_interpreter in = interp_at(hang);
    char ver[SBX_VERSION_MAX];
    double t0 = now_s();
    cr_assert_eq(sbx_interpreter_version(&fake_rt, &in, ver), -ENODATA);
    double spent = now_s() - t0;
    cr_assert(spent >= 4.5 && spent < 10, "took %.2f s", spent);
    /* Killed and reaped: no child of ours is left. */
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
    cr_assert_eq(errno, ECHILD);
}

/* The cache file holds "key\nversion\n"; find its name (the only version-* entry). */
static void cache_file(char *ret, size_t size)
{
    DIR *d = opendir(tmp_path("cache"));
    cr_assert_not_null(d);
    struct dirent *de;
    int found = 0;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "version-", 8)) {
            cr_assert_eq(found, 0, "two cache files");
            cr_assert_null(strstr(de->d_name, ".tmp"), "temporary file left: %s", de->d_name);
            snprintf(ret, size, "%s/%s", tmp_path("cache"), de->d_name);
            found = 1;
        }
    closedir(d);
    cr_assert_eq(found, 1, "no cache file written");
}

Test(interpreter_version, cache_is_used_and_keyed_by_binary_identity)
{
    const char *fake = tmp_path("fake");
    write_file(fake, "#!/bin/sh\necho Fake 1.2.3\n", 0755);
    make_dirs(tmp_path("cache"), 0700);
    int cache_fd = open(tmp_path("cache"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(cache_fd >= 0);
    struct sbx_interpreter in = interp_at(fake);
    char ver[SBX_VERSION_MAX];

    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    cr_assert_str_eq(ver, "1.2.3");
    char cache[PATH_MAX];
    cache_file(cache, sizeof(cache));

    /* Rewrite the cached version: the next call must read it instead of running the binary. */
    char content[1024];
    int fd = open(cache, O_RDONLY | O_CLOEXEC);
    ssize_t n = read(fd, content, sizeof(content) - 1);
    close(fd);
    cr_assert_gt(n, 0);
    content[n] = '\0';
    char *nl = strchr(content, '\n');
    cr_assert_not_null(nl);
    strcpy(nl + 1, "7.7.7\n");
    write_file(cache, content, 0600);
    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    cr_assert_str_eq(ver, "7.7.7");

    /* A new mtime (an upgrade) changes the key: the binary runs again. */
    struct timeval tv[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    cr_assert_eq(utimes(fake, tv), 0);
    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    cr_assert_str_eq(ver, "1.2.3");
    close(cache_fd);
}

Test(interpreter_version, cache_symlink_is_not_followed)
{
    const char *fake = tmp_path("fake");
    write_file(fake, "#!/bin/sh\necho Fake 1.2.3\n", 0755);
    make_dirs(tmp_path("cache"), 0700);
    int cache_fd = open(tmp_path("cache"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(cache_fd >= 0);
    struct sbx_interpreter in = interp_at(fake);
    char ver[SBX_VERSION_MAX];
    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    char cache[PATH_MAX];
    cache_file(cache, sizeof(cache));
    /* Replace the cache file with a symlink to a forged file that has the right key. */
    char content[1024];
    int fd = open(cache, O_RDONLY | O_CLOEXEC);
    ssize_t n = read(fd, content, sizeof(content) - 1);
    close(fd);
    content[n] = '\0';
    strcpy(strchr(content, '\n') + 1, "6.6.6\n");
    write_file(tmp_path("forged"), content, 0600);
    cr_assert_eq(unlink(cache), 0);
    cr_assert_eq(symlink(tmp_path("forged"), cache), 0);
    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    cr_assert_str_eq(ver, "1.2.3");
    close(cache_fd);
}

Test(interpreter_version, cache_missing_binary_gives_empty)
{
    make_dirs(tmp_path("cache"), 0700);
    int cache_fd = open(tmp_path("cache"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct sbx_interpreter in = interp_at(tmp_path("missing"));
    char ver[SBX_VERSION_MAX];
    memset(ver, 'Z', sizeof(ver));
    sbx__interpreter_version_cached(&fake_rt, &in, cache_fd, ver);
    cr_assert_str_eq(ver, "");
    close(cache_fd);
}
