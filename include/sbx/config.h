/*
 * sbx/config.h: rusty-sandbox's TOML configuration, in layers.
 *
 * Precedence, lowest first: built-in defaults < /etc/rusty-sandbox/config.toml < the user's
 * $XDG_CONFIG_HOME/rusty-sandbox/config.toml (~/.config/...) < a file given with --config <
 * command-line flags. Each value remembers where it came from, so `rusty-sandbox config` can
 * say. Keys and their meaning: rusty-sandbox.toml(5).
 *
 * Lifecycle: sbx_config_new(), load layers in order (sbx_config_load_standard,
 * sbx_config_load_file, sbx_config_set), then sbx_config_policy() to get a struct sbx_policy
 * whose string pointers point into the config (keep it alive while the policy is used), and
 * sbx_config_free(). Errors name the file, line and key, or the flag, and say what is wrong;
 * an unknown key suggests the closest known one.
 */
#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sbx_config_origin {
    SBX_ORIGIN_DEFAULT,
    SBX_ORIGIN_SYSTEM, /* /etc/rusty-sandbox/config.toml */
    SBX_ORIGIN_USER,   /* $XDG_CONFIG_HOME/rusty-sandbox/config.toml */
    SBX_ORIGIN_FILE,   /* --config FILE */
    SBX_ORIGIN_FLAG,   /* a command-line flag */
};

enum sbx_log_level { SBX_LOG_ERROR, SBX_LOG_WARN, SBX_LOG_INFO, SBX_LOG_DEBUG };

struct sbx_config;

/* A configuration holding the built-in defaults; NULL on allocation failure. */
SBX_API struct sbx_config *sbx_config_new(void);
SBX_API void sbx_config_free(struct sbx_config *c);

/*
 * Load the TOML file at `path` as layer `origin`. With missing_ok, a file that does not exist
 * is skipped (returns 0); any other problem is an error: unreadable, a directory, invalid TOML
 * (line and column), an unknown section or key (with the closest known one), a bad type or
 * range. Relative paths in the file are relative to the file's directory.
 */
SBX_API int sbx_config_load_file(struct sbx_config *c, const char *path,
                                 enum sbx_config_origin origin, bool missing_ok,
                                 struct sbx_error *err);

/* The system file, then the user's file, each skipped when it does not exist. */
SBX_API int sbx_config_load_standard(struct sbx_config *c, struct sbx_error *err);

/*
 * Set "section.key" (e.g. "resource_limits.memory_limit_mb") from a string, as a command-line
 * flag does; `label` names the source in messages (e.g. "--memory-limit"). Relative paths are
 * relative to the current directory.
 */
SBX_API int sbx_config_set(struct sbx_config *c, const char *key, const char *value,
                           const char *label, struct sbx_error *err);

/* The policy the configuration describes (its strings point into `c`). Also checks what only
 * the whole configuration can tell (allowed paths exist and do not collide). */
SBX_API int sbx_config_policy(struct sbx_config *c, struct sbx_policy *ret, struct sbx_error *err);

/* The configured interpreter of a runtime ("python", "javascript"), or NULL. */
SBX_API const char *sbx_config_interpreter(const struct sbx_config *c, const char *runtime);

SBX_API enum sbx_log_level sbx_config_log_level(const struct sbx_config *c);

/* Warnings gathered while loading and building the policy (e.g. a packages_path that does
 * not exist and is skipped). */
SBX_API size_t sbx_config_warning_count(const struct sbx_config *c);
SBX_API const char *sbx_config_warning(const struct sbx_config *c, size_t i);
/* The runtime ("python", "javascript") the i-th warning concerns, or NULL when it concerns
 * every run: a front end running one program may skip the others' warnings. */
SBX_API const char *sbx_config_warning_runtime(const struct sbx_config *c, size_t i);

/* The effective configuration as TOML with a comment naming each value's origin, or as one
 * JSON object ({"section": {"key": {"value": V, "origin": "..."}}}). malloc'd; NULL on
 * allocation failure. */
SBX_API char *sbx_config_dump(const struct sbx_config *c, bool json);

/* Every key with its type, range and meaning, as roff for rusty-sandbox.toml(5) (the man page
 * is generated from the same table the parser uses). malloc'd; NULL on allocation failure. */
SBX_API char *sbx_config_keys_roff(void);

#ifdef __cplusplus
}
#endif
#endif
