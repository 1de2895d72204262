/*
 * Unit tests for src/core/policy.c (include/sbx/policy.h): the safe defaults, and one test per
 * validation failure, each checking the error kind, stage, return value and that the message
 * names the field. `err` is written only on failure and may be NULL.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sbx/policy.h"

static struct sbx_policy policy;

static void fresh(void)
{
    memset(&policy, 0xa5, sizeof(policy)); /* garbage that init must overwrite */
    sbx_policy_init(&policy);
}

TestSuite(policy, .init = fresh);

/* Validate `policy`, expect -EINVAL with `kind` and a message starting with `field`. */
static void expect_invalid(enum sbx_error_kind kind, const char *field)
{
    struct sbx_error err;
    memset(&err, 0, sizeof(err));
    int r = sbx_policy_validate(&policy, &err);
    cr_assert_eq(r, -EINVAL, "validate = %d, want -EINVAL (field %s)", r, field);
    cr_assert_eq(err.kind, kind, "kind %s, want %s", sbx_error_kind_name(err.kind),
                 sbx_error_kind_name(kind));
    cr_assert_eq(err.stage, SBX_STAGE_POLICY);
    cr_assert_eq(err.errnum, 0);
    cr_assert_eq(strncmp(err.message, field, strlen(field)), 0, "message '%s' does not name '%s'",
                 err.message, field);
    cr_assert_lt(strlen(err.message), sizeof(err.message));
    /* err may be NULL: same verdict, nothing written. */
    cr_assert_eq(sbx_policy_validate(&policy, NULL), -EINVAL);
}

Test(policy, defaults)
{
    cr_assert_float_eq(policy.timeout_s, 30.0, 1e-9);
    cr_assert_eq(policy.max_output_bytes, 1024u * 1024u);
    cr_assert_eq(policy.tmp_size_bytes, 64u * 1024u * 1024u);
    cr_assert_eq(policy.workspace_size_bytes, 64u * 1024u * 1024u);
    cr_assert_eq(policy.memory_limit_bytes, 512ull * 1024 * 1024);
    cr_assert_float_eq(policy.cpu_time_limit_s, 0.0, 1e-12);
    cr_assert_float_eq(policy.cpus, 0.0, 1e-12);
    cr_assert_eq(policy.max_processes, 128);
    cr_assert_eq(policy.max_file_size_bytes, 64ull * 1024 * 1024);
    cr_assert_eq(policy.max_open_files, 256);
    cr_assert_eq(policy.output_limit_action, SBX_OUTPUT_TRUNCATE);
    cr_assert_eq(policy.allow_weaker_limits, false);
    cr_assert_null(policy.cgroup_parent);
    cr_assert_eq(policy.enable_network, false);
    cr_assert_eq(policy.keep_workspace, false);
    cr_assert_null(policy.workspace_root);
    cr_assert_null(policy.env);
    cr_assert_eq(policy.n_env, 0);
}

Test(policy, defaults_are_valid_and_err_untouched)
{
    struct sbx_error err;
    memset(&err, 0x5a, sizeof(err));
    struct sbx_error before = err;
    cr_assert_eq(sbx_policy_validate(&policy, &err), 0);
    cr_assert_eq(memcmp(&err, &before, sizeof(err)), 0, "err written on success");
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
}

Test(policy, boundary_values_are_valid)
{
    const char *const env[] = {"A=1", "_B=", "C_3=x=y"};
    policy.timeout_s = 0; /* none */
    policy.max_output_bytes = 0;
    policy.tmp_size_bytes = 4096;
    policy.env = env;
    policy.n_env = 3;
    policy.workspace_root = "/";
    policy.keep_workspace = true;
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    policy.timeout_s = 604800;
    policy.max_output_bytes = 1024u * 1024u * 1024u;
    policy.tmp_size_bytes = (uint64_t)1 << 40;
    policy.workspace_size_bytes = (uint64_t)1 << 40;
    policy.memory_limit_bytes = (uint64_t)1 << 44;
    policy.cpu_time_limit_s = 604800;
    policy.cpus = 4096;
    policy.max_processes = 4194304;
    policy.max_open_files = 1048576;
    policy.output_limit_action = SBX_OUTPUT_KILL;
    policy.cgroup_parent = "/sandbox.slice/runs";
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    /* 0 means "none" for the resource limits; the smallest real values are accepted. */
    policy.memory_limit_bytes = 0;
    policy.cpu_time_limit_s = 0;
    policy.cpus = 0;
    policy.max_processes = 0;
    policy.max_open_files = 0;
    policy.max_file_size_bytes = 0;
    policy.cgroup_parent = "/";
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    policy.memory_limit_bytes = 4u << 20;
    policy.cpus = 0.01;
    policy.max_open_files = 8;
    policy.workspace_size_bytes = 4096;
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    policy.timeout_s = 0.001;
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
}

Test(policy, timeout_negative)
{
    policy.timeout_s = -0.5;
    expect_invalid(SBX_ERR_USAGE, "timeout");
}

Test(policy, timeout_too_large)
{
    policy.timeout_s = 604800.001;
    expect_invalid(SBX_ERR_USAGE, "timeout");
}

Test(policy, timeout_nan)
{
    policy.timeout_s = NAN;
    expect_invalid(SBX_ERR_USAGE, "timeout");
}

Test(policy, timeout_infinite)
{
    policy.timeout_s = INFINITY;
    expect_invalid(SBX_ERR_USAGE, "timeout");
    policy.timeout_s = -INFINITY;
    expect_invalid(SBX_ERR_USAGE, "timeout");
}

Test(policy, max_output_too_large)
{
    policy.max_output_bytes = 1024u * 1024u * 1024u + 1u;
    expect_invalid(SBX_ERR_USAGE, "max output");
    policy.max_output_bytes = UINT64_MAX;
    expect_invalid(SBX_ERR_USAGE, "max output");
}

Test(policy, tmp_size_too_small)
{
    policy.tmp_size_bytes = 4095;
    expect_invalid(SBX_ERR_USAGE, "tmp size");
    policy.tmp_size_bytes = 0;
    expect_invalid(SBX_ERR_USAGE, "tmp size");
}

Test(policy, tmp_size_too_large)
{
    policy.tmp_size_bytes = ((uint64_t)1 << 40) + 1;
    expect_invalid(SBX_ERR_USAGE, "tmp size");
}

Test(policy, network_with_ports)
{
    static const uint16_t ports[] = {80, 443}, zero[] = {0};
    policy.enable_network = true;
    policy.allowed_ports = ports;
    policy.n_allowed_ports = 2;
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    policy.allowed_bind_ports = zero;
    policy.n_allowed_bind_ports = 1;
    expect_invalid(SBX_ERR_USAGE, "allowed bind ports");
    policy.n_allowed_bind_ports = 0;
    policy.allowed_ports = NULL;
    expect_invalid(SBX_ERR_USAGE, "allowed ports");
}

Test(policy, too_many_env_entries)
{
    static const char *env[257];
    for (size_t i = 0; i < 257; i++)
        env[i] = "A=1";
    policy.env = env;
    policy.n_env = 256;
    cr_assert_eq(sbx_policy_validate(&policy, NULL), 0);
    policy.n_env = 257;
    expect_invalid(SBX_ERR_USAGE, "env");
}

Test(policy, bad_env_entry_is_quoted_in_message)
{
    const char *const env[] = {"GOOD=1", "1BAD=2"};
    policy.env = env;
    policy.n_env = 2;
    expect_invalid(SBX_ERR_USAGE, "env");
    struct sbx_error err;
    sbx_policy_validate(&policy, &err);
    cr_assert_not_null(strstr(err.message, "'1BAD=2'"), "message: %s", err.message);
}

Test(policy, env_entry_without_equals)
{
    const char *const env[] = {"NOEQUALS"};
    policy.env = env;
    policy.n_env = 1;
    expect_invalid(SBX_ERR_USAGE, "env");
}

Test(policy, huge_bad_env_entry_message_stays_bounded)
{
    static char big[100000];
    memset(big, '-', sizeof(big) - 1);
    const char *const env[] = {big};
    policy.env = env;
    policy.n_env = 1;
    expect_invalid(SBX_ERR_USAGE, "env");
}

Test(policy, relative_workspace_root)
{
    policy.workspace_root = "relative/dir";
    expect_invalid(SBX_ERR_USAGE, "workspace root");
    struct sbx_error err;
    sbx_policy_validate(&policy, &err);
    cr_assert_not_null(strstr(err.message, "'relative/dir'"), "message: %s", err.message);
    policy.workspace_root = "";
    expect_invalid(SBX_ERR_USAGE, "workspace root");
}

Test(policy, first_failure_is_reported)
{
    /* Several problems at once: one message, about one field, never a mix. */
    policy.timeout_s = -1;
    policy.tmp_size_bytes = 1;
    expect_invalid(SBX_ERR_USAGE, "timeout");
}

Test(policy, workspace_size_out_of_range)
{
    policy.workspace_size_bytes = 4095;
    expect_invalid(SBX_ERR_USAGE, "workspace size");
    policy.workspace_size_bytes = ((uint64_t)1 << 40) + 1;
    expect_invalid(SBX_ERR_USAGE, "workspace size");
}

Test(policy, memory_limit_out_of_range)
{
    policy.memory_limit_bytes = (4u << 20) - 1;
    expect_invalid(SBX_ERR_USAGE, "memory limit");
    policy.memory_limit_bytes = ((uint64_t)1 << 44) + 1;
    expect_invalid(SBX_ERR_USAGE, "memory limit");
}

Test(policy, cpu_time_limit_invalid)
{
    policy.cpu_time_limit_s = -1;
    expect_invalid(SBX_ERR_USAGE, "cpu time limit");
    policy.cpu_time_limit_s = NAN;
    expect_invalid(SBX_ERR_USAGE, "cpu time limit");
    policy.cpu_time_limit_s = INFINITY;
    expect_invalid(SBX_ERR_USAGE, "cpu time limit");
    policy.cpu_time_limit_s = 604801;
    expect_invalid(SBX_ERR_USAGE, "cpu time limit");
}

Test(policy, cpus_invalid)
{
    policy.cpus = 0.005;
    expect_invalid(SBX_ERR_USAGE, "cpus");
    policy.cpus = -0.5;
    expect_invalid(SBX_ERR_USAGE, "cpus");
    policy.cpus = 4096.5;
    expect_invalid(SBX_ERR_USAGE, "cpus");
    policy.cpus = NAN;
    expect_invalid(SBX_ERR_USAGE, "cpus");
    policy.cpus = INFINITY;
    expect_invalid(SBX_ERR_USAGE, "cpus");
}

Test(policy, max_processes_too_large)
{
    policy.max_processes = 4194305;
    expect_invalid(SBX_ERR_USAGE, "max processes");
}

Test(policy, max_open_files_out_of_range)
{
    policy.max_open_files = 7;
    expect_invalid(SBX_ERR_USAGE, "max open files");
    policy.max_open_files = 1048577;
    expect_invalid(SBX_ERR_USAGE, "max open files");
}

Test(policy, output_limit_action_unknown)
{
    policy.output_limit_action = (enum sbx_output_action)7;
    expect_invalid(SBX_ERR_USAGE, "output limit action");
    policy.output_limit_action = (enum sbx_output_action) - 1;
    expect_invalid(SBX_ERR_USAGE, "output limit action");
}

Test(policy, cgroup_parent_invalid)
{
    static const char *const bad[] = {"relative", "", "/a/../b", "/..", "/a/.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        policy.cgroup_parent = bad[i];
        expect_invalid(SBX_ERR_USAGE, "cgroup parent");
    }
    static char long_path[1100];
    long_path[0] = '/';
    memset(long_path + 1, 'a', 1030);
    policy.cgroup_parent = long_path;
    expect_invalid(SBX_ERR_USAGE, "cgroup parent");
}
