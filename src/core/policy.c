/* Policy defaults and validation. Pure code: the policy is checked before anything is touched. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/errors.h"
#include "sbx/policy.h"
#include "util/parse.h"

void sbx_policy_init(struct sbx_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->timeout_s = SBX_DEFAULT_TIMEOUT_S;
    policy->max_output_bytes = SBX_DEFAULT_MAX_OUTPUT_BYTES;
    policy->tmp_size_bytes = SBX_DEFAULT_TMP_SIZE_BYTES;
    policy->workspace_size_bytes = SBX_DEFAULT_WORKSPACE_SIZE_BYTES;
    policy->enable_network = false;
    policy->netns_pool = true;
    policy->keep_workspace = false;
    policy->memory_limit_bytes = SBX_DEFAULT_MEMORY_LIMIT_BYTES;
    policy->max_processes = SBX_DEFAULT_MAX_PROCESSES;
    policy->max_open_files = SBX_DEFAULT_MAX_OPEN_FILES;
    policy->max_file_size_bytes = SBX_DEFAULT_MAX_FILE_SIZE_BYTES;
    policy->output_limit_action = SBX_OUTPUT_TRUNCATE;
    policy->wasm_memory_growth = true;
    policy->sample_interval_ms = SBX_DEFAULT_SAMPLE_INTERVAL_MS;
    policy->live_registry = true;
    policy->analysis_mode = SBX_ANALYSIS_WARN;
    policy->block_severity = SBX_SEVERITY_HIGH;
}

static int invalid(struct sbx_error *err, const char *what)
{
    return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s", what);
}

int sbx_policy_validate(const struct sbx_policy *p, struct sbx_error *err)
{
    if (!isfinite(p->timeout_s) || p->timeout_s < 0 || p->timeout_s > SBX_MAX_TIMEOUT_S)
        return invalid(err, "timeout: must be between 0 (none) and 604800 seconds");
    if (p->max_output_bytes > SBX_MAX_OUTPUT_BYTES)
        return invalid(err, "max output: must be at most 1048576 KB per stream");
    if (p->tmp_size_bytes < 4096 || p->tmp_size_bytes > (uint64_t)1 << 40)
        return invalid(err, "tmp size: must be between 4 KB and 1 TB");
    if (p->workspace_size_bytes < 4096 || p->workspace_size_bytes > (uint64_t)1 << 40)
        return invalid(err, "workspace size: must be between 4 KB and 1 TB");
    if (p->memory_limit_bytes &&
        (p->memory_limit_bytes < (4u << 20) || p->memory_limit_bytes > (uint64_t)1 << 44))
        return invalid(err, "memory limit: must be between 4 MB and 16 TB (0: none)");
    if (!isfinite(p->cpu_time_limit_s) || p->cpu_time_limit_s < 0 ||
        p->cpu_time_limit_s > SBX_MAX_TIMEOUT_S)
        return invalid(err, "cpu time limit: must be between 0 (none) and 604800 seconds");
    if (!isfinite(p->cpus) || p->cpus < 0 || (p->cpus > 0 && p->cpus < 0.01) || p->cpus > 4096)
        return invalid(err, "cpus: must be between 0.01 and 4096 (0: no cap)");
    if (p->max_processes > 4194304)
        return invalid(err, "max processes: must be at most 4194304 (0: none)");
    if (p->max_open_files && (p->max_open_files < 8 || p->max_open_files > 1048576))
        return invalid(err, "max open files: must be between 8 and 1048576 (0: keep default)");
    if (p->on_violation != SBX_VIOLATION_LOG && p->on_violation != SBX_VIOLATION_KILL)
        return invalid(err, "on violation: must be log or kill");
    if (p->output_limit_action != SBX_OUTPUT_TRUNCATE && p->output_limit_action != SBX_OUTPUT_KILL)
        return invalid(err, "output limit action: must be truncate or kill");
    if (p->cgroup_parent && (p->cgroup_parent[0] != '/' || strstr(p->cgroup_parent, "/..") ||
                             strlen(p->cgroup_parent) > 1024))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "cgroup parent: '%.200s' must be a path starting with / without '..'",
                          p->cgroup_parent);
    if (p->n_allowed_ports > 64 || p->n_allowed_bind_ports > 64 ||
        (p->n_allowed_ports && !p->allowed_ports) ||
        (p->n_allowed_bind_ports && !p->allowed_bind_ports))
        return invalid(err, "allowed ports: at most 64 of each");
    for (size_t i = 0; i < p->n_allowed_ports; i++)
        if (!p->allowed_ports[i])
            return invalid(err, "allowed ports: 0 is not a port");
    for (size_t i = 0; i < p->n_allowed_bind_ports; i++)
        if (!p->allowed_bind_ports[i])
            return invalid(err, "allowed bind ports: 0 is not a port");
    if (p->n_env > SBX_MAX_ENV)
        return invalid(err, "env: at most 256 extra variables");
    for (size_t i = 0; i < p->n_env; i++) {
        if (!sbx__env_entry_valid(p->env[i]))
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "env: '%.200s' is not KEY=VALUE with KEY made of letters, digits "
                              "and '_' (not starting with a digit)",
                              p->env[i]);
    }
    if (p->sample_interval_ms < 10 || p->sample_interval_ms > 60000)
        return invalid(err, "sample interval: must be between 10 and 60000 ms");
    if ((p->events_file && !p->events_file[0]) || (p->metrics_file && !p->metrics_file[0]))
        return invalid(err, "telemetry: events_file and metrics_file must not be empty");
    if (p->analysis_mode != SBX_ANALYSIS_WARN && p->analysis_mode != SBX_ANALYSIS_BLOCK &&
        p->analysis_mode != SBX_ANALYSIS_OFF)
        return invalid(err, "analysis mode: must be block, warn or off");
    if (p->block_severity < SBX_SEVERITY_INFO || p->block_severity > SBX_SEVERITY_CRITICAL)
        return invalid(err, "analysis block severity: must be info, low, medium, high or critical");
    if (p->n_allow_rules > SBX_MAX_ALLOW_RULES || (p->n_allow_rules && !p->allow_rules))
        return invalid(err, "analysis allow rules: at most 256 rule ids");
    for (size_t i = 0; i < p->n_allow_rules; i++)
        if (!p->allow_rules[i] || !p->allow_rules[i][0])
            return invalid(err, "analysis allow rules: a rule id is empty");
    if (p->workspace_root && p->workspace_root[0] != '/')
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "workspace root: '%.200s' must be an absolute path", p->workspace_root);
    return 0;
}
