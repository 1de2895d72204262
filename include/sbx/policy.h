/*
 * sbx/policy.h: what a run may do.
 *
 * A struct sbx_policy is a plain value. Fill it with sbx_policy_init() (the safe defaults of
 * DESIGN section 3), change what you need, and pass it to sbx_run(), which validates it and never
 * modifies it. String and array members are borrowed: the caller keeps them alive until
 * sbx_run() returns.
 */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SBX_DEFAULT_TIMEOUT_S 30.0
#define SBX_DEFAULT_MAX_OUTPUT_BYTES (1024u * 1024u)
#define SBX_DEFAULT_TMP_SIZE_BYTES (64u * 1024u * 1024u)
#define SBX_MAX_TIMEOUT_S (7.0 * 24 * 3600)
#define SBX_MAX_OUTPUT_BYTES (1024u * 1024u * 1024u)
#define SBX_MAX_ENV 256

struct sbx_policy {
    /* Wall-clock limit in seconds (fractional allowed); 0 means none. Default 30. */
    double timeout_s;
    /* Bytes kept per output stream (head and tail halves); the rest is counted and dropped. */
    uint64_t max_output_bytes;
    /* Size of the private /tmp (and /dev/shm) tmpfs in bytes. */
    uint64_t tmp_size_bytes;
    /* false (default): own network namespace with only a loopback that is down. */
    bool enable_network;
    /* Keep the run's workspace directory after the run instead of removing it. */
    bool keep_workspace;
    /* Host directory under which run workspaces are made; NULL: $TMPDIR or /tmp. */
    const char *workspace_root;
    /* Extra environment entries "KEY=VALUE" for the program (borrowed). */
    const char *const *env;
    size_t n_env;
};

/* Fill `policy` with the defaults. Never fails. */
SBX_API void sbx_policy_init(struct sbx_policy *policy);

/* Check every field; returns 0, or -EINVAL with `err` naming the field and the problem. */
SBX_API int sbx_policy_validate(const struct sbx_policy *policy, struct sbx_error *err);

#ifdef __cplusplus
}
#endif
#endif
