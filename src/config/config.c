/*
 * The configuration: TOML files and flags in layers, mapped onto struct sbx_policy.
 *
 * One table (keys[]) describes every key: section, name, type, range, and the help used by
 * `rusty-sandbox config`. Values are kept typed, each with its origin ("default",
 * "/etc/rusty-sandbox/config.toml:7", "--memory-limit"). Input is untrusted in the sense that a
 * user writes it by hand: every error names file:line and the key, says what was expected, and
 * an unknown key or section suggests the closest known one (edit distance).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/toml.h"
#include "core/errors.h"
#include "sbx/analysis.h"
#include "sbx/config.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"

enum kind {
    K_BOOL,
    K_INT,
    K_NUMBER,
    K_STRING,
    K_ENUM,
    K_PATH,
    K_PATH_LIST,
    K_STRING_LIST,
    K_PORT_LIST, /* TCP ports 1-65535, kept as decimal strings in the list */
};

struct key_def {
    const char *section, *name;
    enum kind kind;
    double min, max;            /* K_INT, K_NUMBER */
    const char *const *choices; /* K_ENUM */
    const char *help;
};

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const output_actions[] = {"truncate", "kill", NULL};
static const char *const fallbacks[] = {"none", "rlimit", NULL};
static const char *const violation_actions[] = {"log", "kill", NULL};
static const char *const analysis_modes[] = {"warn", "block", "off", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};
static const char *const wasm_engines[] = {"auto",     "node",  "wasmtime", "wasmer",
                                           "wasmedge", "iwasm", "wasm3",    NULL};

enum key_id {
    KEY_WORKING_DIR,
    KEY_TMP_DIR,
    KEY_LOG_LEVEL,
    KEY_AUDIT_LOG,
    KEY_MEMORY,
    KEY_CPU_TIME,
    KEY_TIMEOUT,
    KEY_MAX_PROCESSES,
    KEY_MAX_FILE_SIZE,
    KEY_MAX_OPEN_FILES,
    KEY_CPUS,
    KEY_MAX_OUTPUT,
    KEY_OUTPUT_ACTION,
    KEY_TMP_SIZE,
    KEY_WORKSPACE_SIZE,
    KEY_FALLBACK,
    KEY_CGROUP_PARENT,
    KEY_ENABLE_NETWORK,
    KEY_NETNS_POOL,
    KEY_ALLOWED_PATHS,
    KEY_ALLOWED_PORTS,
    KEY_ALLOWED_BIND_PORTS,
    KEY_ON_VIOLATION,
    KEY_PY_INTERPRETER,
    KEY_PY_PACKAGES,
    KEY_JS_INTERPRETER,
    KEY_JS_MODULES,
    KEY_WASM_GROWTH,
    KEY_WASM_PAGES,
    KEY_WASM_ENGINE,
    KEY_WASM_INTERPRETER,
    KEY_WASM_FUEL,
    KEY_EVENTS_FILE,
    KEY_METRICS_FILE,
    KEY_SAMPLE_INTERVAL,
    KEY_SYSLOG,
    KEY_LIVE_REGISTRY,
    KEY_ANALYSIS_MODE,
    KEY_BLOCK_SEVERITY,
    KEY_ALLOW_RULES,
    KEY__N,
};

#define MAX_U32 4294967295.0
static const struct key_def keys[KEY__N] = {
    [KEY_WORKING_DIR] = {"general", "working_dir", K_PATH, 0, 0, NULL,
                         "where run directories (and --keep workspaces) are made"},
    [KEY_TMP_DIR] = {"general", "tmp_dir", K_PATH, 0, 0, NULL,
                     "host-side scratch: the sandbox's mount point and caches"},
    [KEY_LOG_LEVEL] = {"general", "log_level", K_ENUM, 0, 0, log_levels,
                       "diagnostics of rusty-sandbox itself on stderr"},
    [KEY_AUDIT_LOG] =
        {"general", "audit_log", K_PATH, 0, 0, NULL,
         "append one JSON line per run to this file; \"\" for none (default: none, but "
         "root running the installed binary logs to the build's system_audit_log)"},
    [KEY_MEMORY] = {"resource_limits", "memory_limit_mb", K_INT, 0, 16777216, NULL,
                    "memory of the whole run in MiB, swap off (0: none)"},
    [KEY_CPU_TIME] = {"resource_limits", "cpu_time_limit_s", K_NUMBER, 0, 604800, NULL,
                      "CPU seconds of all processes and threads (0: none)"},
    [KEY_TIMEOUT] = {"resource_limits", "timeout_s", K_NUMBER, 0, 604800, NULL,
                     "wall-clock seconds (0: none)"},
    [KEY_MAX_PROCESSES] = {"resource_limits", "max_processes", K_INT, 0, 4194304, NULL,
                           "tasks at once, threads included (0: none)"},
    [KEY_MAX_FILE_SIZE] = {"resource_limits", "max_file_size_kb", K_INT, 0, 1099511627776.0, NULL,
                           "largest file the program may write, KiB (0: none)"},
    [KEY_MAX_OPEN_FILES] = {"resource_limits", "max_open_files", K_INT, 0, 1048576, NULL,
                            "open descriptors per process (Node.js needs at least 20)"},
    [KEY_CPUS] = {"resource_limits", "cpus", K_NUMBER, 0, 4096, NULL,
                  "CPU share, e.g. 0.5 (0: no cap)"},
    [KEY_MAX_OUTPUT] = {"resource_limits", "max_output_kb", K_INT, 0, 1048576, NULL,
                        "KiB kept per output stream, head and tail"},
    [KEY_OUTPUT_ACTION] = {"resource_limits", "output_limit_action", K_ENUM, 0, 0, output_actions,
                           "what passing max_output_kb does"},
    [KEY_TMP_SIZE] = {"resource_limits", "tmp_size_mb", K_INT, 1, 1048576, NULL,
                      "size of the private /tmp in MiB"},
    [KEY_WORKSPACE_SIZE] = {"resource_limits", "workspace_size_mb", K_INT, 1, 1048576, NULL,
                            "size of the workspace /work in MiB"},
    [KEY_FALLBACK] = {"resource_limits", "fallback", K_ENUM, 0, 0, fallbacks,
                      "without a usable cgroup: refuse (none) or use rlimits (rlimit)"},
    [KEY_CGROUP_PARENT] = {"resource_limits", "cgroup_parent", K_STRING, 0, 0, NULL,
                           "cgroup under which runs are placed (default: the caller's own)"},
    [KEY_ENABLE_NETWORK] = {"security", "enable_network", K_BOOL, 0, 0, NULL,
                            "the host's network, TCP limited by allowed_ports and "
                            "allowed_bind_ports (needs Landlock ABI 6)"},
    [KEY_NETNS_POOL] = {"security", "netns_pool", K_BOOL, 0, 0, NULL,
                        "root, network off: join a pre-made empty network namespace leased "
                        "for the run alone instead of creating one"},
    [KEY_ALLOWED_PORTS] = {"security", "allowed_ports", K_PORT_LIST, 1, 65535, NULL,
                           "with the network on: the only TCP ports the program may connect to "
                           "(Landlock); empty: any"},
    [KEY_ALLOWED_BIND_PORTS] = {"security", "allowed_bind_ports", K_PORT_LIST, 1, 65535, NULL,
                                "with the network on: the only TCP ports the program may bind "
                                "(listen on); empty: none"},
    [KEY_ALLOWED_PATHS] = {"security", "allowed_paths", K_PATH_LIST, 0, 0, NULL,
                           "host paths visible inside: read-only, or read-write as PATH:rw"},
    [KEY_ON_VIOLATION] = {"security", "on_violation", K_ENUM, 0, 0, violation_actions,
                          "a refused dangerous syscall: log it and go on, or kill the run"},
    [KEY_PY_INTERPRETER] = {"runtimes.python", "interpreter", K_PATH, 0, 0, NULL,
                            "the python3 binary"},
    [KEY_PY_PACKAGES] = {"runtimes.python", "packages_path", K_PATH, 0, 0, NULL,
                         "vendored packages, read-only inside and on PYTHONPATH"},
    [KEY_JS_INTERPRETER] = {"runtimes.javascript", "interpreter", K_PATH, 0, 0, NULL,
                            "the node binary"},
    [KEY_JS_MODULES] = {"runtimes.javascript", "modules_path", K_PATH, 0, 0, NULL,
                        "vendored modules, read-only inside and on NODE_PATH"},
    [KEY_WASM_GROWTH] = {"runtimes.wasm", "enable_memory_growth", K_BOOL, 0, 0, NULL,
                         "whether memory.grow may succeed (false: it returns -1)"},
    [KEY_WASM_PAGES] = {"runtimes.wasm", "max_memory_pages", K_INT, 1, 65536, NULL,
                        "64 KiB pages of linear memory a module may declare or grow to"},
    [KEY_WASM_ENGINE] = {"runtimes.wasm", "engine", K_ENUM, 0, 0, wasm_engines,
                         "WebAssembly engine; auto: a native one on PATH that can apply the "
                         "policy, else node"},
    [KEY_WASM_INTERPRETER] = {"runtimes.wasm", "interpreter", K_PATH, 0, 0, NULL,
                              "the engine binary: node, or the native engine's"},
    [KEY_WASM_FUEL] = {"runtimes.wasm", "fuel", K_INT, 1, 9007199254740992.0, NULL,
                       "instruction budget, for engines that have one: wasmtime, wasmedge"},
    [KEY_EVENTS_FILE] = {"telemetry", "events_file", K_PATH, 0, 0, NULL,
                         "append the run's events as JSON lines to this file (\"-\": stderr)"},
    [KEY_METRICS_FILE] = {"telemetry", "metrics_file", K_PATH, 0, 0, NULL,
                          "Prometheus textfile (node_exporter) updated after each run"},
    [KEY_SAMPLE_INTERVAL] = {"telemetry", "sample_interval_ms", K_INT, 10, 60000, NULL,
                             "how often a live run's CPU, memory, tasks and I/O are sampled"},
    [KEY_SYSLOG] = {"telemetry", "syslog", K_BOOL, 0, 0, NULL,
                    "also send security events to syslog (authpriv, warning)"},
    [KEY_LIVE_REGISTRY] = {"telemetry", "live_registry", K_BOOL, 0, 0, NULL,
                           "publish running runs for `ps`, `kill` and the dashboard"},
    [KEY_ANALYSIS_MODE] = {"analysis", "mode", K_ENUM, 0, 0, analysis_modes,
                           "static analysis before a run: report findings (warn), refuse "
                           "the run on a blocking finding (block), or skip it (off)"},
    [KEY_BLOCK_SEVERITY] = {"analysis", "block_severity", K_ENUM, 0, 0, severities,
                            "the least severity that blocks in block mode (and fails check)"},
    [KEY_ALLOW_RULES] = {"analysis", "allow_rules", K_STRING_LIST, 0, 0, NULL,
                         "rule ids that are reported but never block, e.g. [\"PY-NET-001\"]"},
};

static bool is_list(int id)
{
    return keys[id].kind == K_PATH_LIST || keys[id].kind == K_STRING_LIST ||
           keys[id].kind == K_PORT_LIST;
}

#define MAX_LIST 64
#define MAX_WARNINGS 16

struct value {
    int set; /* 0: not set at all (no default either) */
    bool b;
    int64_t i;
    double d;
    char *s;              /* K_STRING, K_ENUM, K_PATH */
    char *list[MAX_LIST]; /* K_PATH_LIST */
    size_t n;
    char *origin; /* "FILE:LINE" or the flag; NULL: "default" (no page touched per key) */
};

static const char *origin_of(const struct value *v)
{
    return v->origin ? v->origin : "default";
}

struct sbx_config {
    struct value v[KEY__N];
    char *warnings[MAX_WARNINGS];
    const char *warning_runtime[MAX_WARNINGS]; /* static runtime name, NULL: every run */
    size_t n_warnings;
    struct sbx_bind binds[MAX_LIST];
    char *bind_paths[MAX_LIST];
    size_t n_binds;
    uint16_t ports[MAX_LIST], bind_ports[MAX_LIST];
};

/* ---- building blocks ---- */

static int find_key(const char *section, const char *name)
{
    for (int i = 0; i < KEY__N; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
            return i;
    return -1;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    return row[lb];
}

/* The closest known key name (of `section`, or any section if NULL) or section name; a
 * word that starts a known name ("packages" for "packages_path") counts as close. */
static const char *closest(const char *word, const char *section, int sections)
{
    const char *best = NULL;
    size_t best_d = 99, len = strlen(word);
    for (int i = 0; i < KEY__N; i++) {
        const char *cand = sections ? keys[i].section : keys[i].name;
        if (!sections && section && strcmp(keys[i].section, section))
            continue;
        size_t d = edit_distance(word, cand);
        if (len >= 4 && !strncmp(cand, word, len))
            d = MIN(d, (size_t)1);
        if (d < best_d) {
            best_d = d;
            best = cand;
        }
    }
    return best && best_d <= MAX((size_t)2, len / 3) ? best : NULL;
}

/* The one section that has a key of this name; NULL when none or several do. */
static const char *home_section(const char *name)
{
    const char *home = NULL;
    for (int i = 0; i < KEY__N; i++) {
        if (strcmp(keys[i].name, name))
            continue;
        if (home)
            return NULL;
        home = keys[i].section;
    }
    return home;
}

static void clear_value(struct value *v)
{
    free(v->s);
    v->s = NULL;
    free(v->origin);
    v->origin = NULL;
    for (size_t i = 0; i < v->n; i++)
        free(v->list[i]);
    v->n = 0;
}

static const char *kind_text(const struct key_def *k, char *buf, size_t size)
{
    switch (k->kind) {
    case K_BOOL:
        return "true or false";
    case K_INT:
        snprintf(buf, size, "a whole number from %.0f to %.0f", k->min, k->max);
        return buf;
    case K_NUMBER:
        snprintf(buf, size, "a number from %g to %g", k->min, k->max);
        return buf;
    case K_STRING:
        return "a string";
    case K_ENUM: {
        size_t n = (size_t)snprintf(buf, size, "one of");
        for (const char *const *c = k->choices; *c && n < size; c++)
            n += (size_t)snprintf(buf + n, size - n, "%s \"%s\"", c == k->choices ? "" : ",", *c);
        return buf;
    }
    case K_PATH:
        return "a path (a string)";
    case K_PATH_LIST:
        return "an array of paths (strings)";
    case K_STRING_LIST:
        return "an array of strings";
    case K_PORT_LIST:
        return "an array of TCP port numbers (1 to 65535)";
    }
    return "a value";
}

static int bad(struct sbx_error *err, const char *where, int id, const char *got)
{
    char buf[160];
    return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s: %s.%s: expected %s, got %s",
                      where, keys[id].section, keys[id].name,
                      kind_text(&keys[id], buf, sizeof(buf)), got);
}

/* A path as written, made absolute against base_dir when relative. */
static char *resolve_path(const char *path, const char *base_dir)
{
    char *out = NULL;
    if (path[0] == '/' || !base_dir)
        return strdup(path);
    if (!strncmp(path, "./", 2))
        path += 2;
    if (asprintf(&out, "%s/%s", base_dir, path) < 0)
        return NULL;
    return out;
}

static int set_string_value(struct value *v, const char *s, const char *base_dir, int is_path)
{
    char *copy = is_path ? resolve_path(s, base_dir) : strdup(s);
    if (!copy)
        return -ENOMEM;
    clear_value(v);
    v->s = copy;
    return 0;
}

/* Range rules a plain min/max cannot say; NULL when fine. */
static const char *extra_rule(int id, const struct value *v)
{
    switch (id) {
    case KEY_MEMORY:
        return v->i > 0 && v->i < 4 ? "at least 4 (MiB), or 0 for no limit" : NULL;
    case KEY_MAX_OPEN_FILES:
        return v->i > 0 && v->i < 8 ? "at least 8, or 0 to keep the default" : NULL;
    case KEY_CPUS:
        return v->d > 0 && v->d < 0.01 ? "at least 0.01, or 0 for no cap" : NULL;
    case KEY_CGROUP_PARENT:
        return v->s && (v->s[0] != '/' || strstr(v->s, "/..") || strlen(v->s) > 1024)
                   ? "a path inside the cgroup hierarchy starting with / and without '..'"
                   : NULL;
    default:
        return NULL;
    }
}

static void describe(const struct sbx__toml_node *n, char *buf, size_t size)
{
    const char *t = sbx__toml_type_name(n->type);
    if (n->type == SBX_TOML_INTEGER)
        snprintf(buf, size, "%lld", (long long)n->u.integer);
    else if (n->type == SBX_TOML_FLOAT)
        snprintf(buf, size, "%g", n->u.fp);
    else if (n->type == SBX_TOML_BOOLEAN)
        snprintf(buf, size, "%s", n->u.boolean ? "true" : "false");
    else if (n->type == SBX_TOML_STRING)
        snprintf(buf, size, "the string \"%.60s\"", n->u.string.ptr);
    else
        snprintf(buf, size, "%s %s", strchr("aeiou", t[0]) ? "an" : "a", t);
}

static int from_toml_scalar(int id, const struct sbx__toml_node *n, struct value *v)
{
    const struct key_def *k = &keys[id];
    switch (k->kind) {
    case K_BOOL:
        if (n->type != SBX_TOML_BOOLEAN)
            return -EINVAL;
        v->b = n->u.boolean;
        return 0;
    case K_INT:
        if (n->type != SBX_TOML_INTEGER || n->u.integer < k->min || (double)n->u.integer > k->max)
            return -EINVAL;
        v->i = n->u.integer;
        return 0;
    case K_NUMBER: {
        double d = n->type == SBX_TOML_INTEGER ? (double)n->u.integer
                   : n->type == SBX_TOML_FLOAT ? n->u.fp
                                               : NAN;
        if (!isfinite(d) || d < k->min || d > k->max)
            return -EINVAL;
        v->d = d;
        return 0;
    }
    case K_STRING:
    case K_ENUM:
    case K_PATH:
        if (n->type != SBX_TOML_STRING || strlen(n->u.string.ptr) != n->u.string.len ||
            n->u.string.len == 0 || n->u.string.len >= PATH_MAX)
            return -EINVAL;
        if (k->kind == K_ENUM) {
            const char *const *ch = k->choices;
            while (*ch && strcmp(*ch, n->u.string.ptr))
                ch++;
            if (!*ch)
                return -EINVAL;
        }
        return 0;
    case K_PATH_LIST:
    case K_STRING_LIST:
    case K_PORT_LIST:
        return -EINVAL; /* handled by the caller */
    }
    return -EINVAL;
}

/* "PATH" or "PATH:rw", the path made absolute against base_dir (NULL: a plain string). */
static int list_item(struct value *v, const char *s, size_t len, const char *base_dir, bool is_path)
{
    if (len == 0 || strlen(s) != len || len >= PATH_MAX || v->n >= MAX_LIST)
        return -EINVAL;
    char *p = is_path ? resolve_path(s, base_dir) : strdup(s);
    if (!p)
        return -ENOMEM;
    v->list[v->n++] = p;
    return 0;
}

static int assign_toml(struct sbx_config *c, int id, const struct sbx__toml_node *n,
                       const char *where, const char *base_dir, struct sbx_error *err)
{
    struct value tmp;
    memset(&tmp, 0, sizeof(tmp));
    char got[96];
    describe(n, got, sizeof(got));
    if (keys[id].kind == K_INT && n->type == SBX_TOML_FLOAT && isfinite(n->u.fp))
        snprintf(got, sizeof(got), "%.17g%s", n->u.fp,
                 n->u.fp == floor(n->u.fp) && fabs(n->u.fp) < 1e17 ? ".0" : "");
    int r = 0;
    if (is_list(id)) {
        if (n->type != SBX_TOML_ARRAY || sbx__toml_array_len(n) > MAX_LIST)
            return bad(err, where, id, got);
        for (size_t i = 0; r == 0 && i < sbx__toml_array_len(n); i++) {
            const struct sbx__toml_node *it = sbx__toml_array_at(n, i);
            char port[8];
            if (keys[id].kind == K_PORT_LIST) {
                r = it->type == SBX_TOML_INTEGER && it->u.integer >= 1 && it->u.integer <= 65535
                        ? list_item(&tmp, port,
                                    (size_t)snprintf(port, sizeof(port), "%d", (int)it->u.integer),
                                    NULL, false)
                        : -EINVAL;
                if (r == -EINVAL)
                    describe(it, got, sizeof(got));
                continue;
            }
            r = it->type == SBX_TOML_STRING ? list_item(&tmp, it->u.string.ptr, it->u.string.len,
                                                        base_dir, keys[id].kind == K_PATH_LIST)
                                            : -EINVAL;
            if (r == -EINVAL)
                describe(it, got, sizeof(got));
        }
    } else if (id == KEY_AUDIT_LOG && n->type == SBX_TOML_STRING && n->u.string.len == 0) {
        tmp.s = NULL; /* audit_log = "": none, overriding the installed default for root */
    } else if ((r = from_toml_scalar(id, n, &tmp)) == 0 &&
               (keys[id].kind == K_STRING || keys[id].kind == K_ENUM || keys[id].kind == K_PATH)) {
        int dash = id == KEY_EVENTS_FILE && !strcmp(n->u.string.ptr, "-"); /* stderr */
        r = set_string_value(&tmp, n->u.string.ptr, base_dir, keys[id].kind == K_PATH && !dash);
    }
    const char *rule = r == 0 ? extra_rule(id, &tmp) : NULL;
    if (r < 0 || rule) {
        clear_value(&tmp);
        if (r == -ENOMEM)
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "%s", where);
        if (rule && keys[id].kind == K_STRING)
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "%s: %s.%s: must be %s, got '%.200s'", where, keys[id].section,
                              keys[id].name, rule, n->u.string.ptr);
        if (rule)
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s: %s.%s: must be %s",
                              where, keys[id].section, keys[id].name, rule);
        return bad(err, where, id, got);
    }
    if (!(tmp.origin = strdup(where))) {
        clear_value(&tmp);
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "%s", where);
    }
    clear_value(&c->v[id]);
    tmp.set = 1;
    c->v[id] = tmp;
    return 0;
}

/* ---- files ---- */

static int walk_section(struct sbx_config *c, const char *file, const char *section,
                        const struct sbx__toml_node *table, const char *base_dir,
                        struct sbx_error *err)
{
    for (size_t i = 0; i < sbx__toml_table_len(table); i++) {
        const struct sbx__toml_entry *e = sbx__toml_table_at(table, i);
        char where[PATH_MAX + 32];
        snprintf(where, sizeof(where), "%s:%u", file, e->line);
        int id = strlen(e->key) == e->key_len ? find_key(section, e->key) : -1;
        if (id < 0) {
            const char *home = home_section(e->key);
            if (home && strcmp(home, section))
                return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                                  "%s: unknown key '%.100s' in [%s]; it belongs in [%s]", where,
                                  e->key, section, home);
            const char *hint = closest(e->key, section, 0);
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "%s: unknown key '%.100s' in [%s]%s%s%s", where, e->key, section,
                              hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        }
        int r = assign_toml(c, id, e->value, where, base_dir, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int unknown_section(struct sbx_error *err, const char *file, uint32_t line, const char *name)
{
    const char *hint = closest(name, NULL, 1);
    return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                      "%s:%u: unknown section [%.100s]%s%s%s (known: general, resource_limits, "
                      "security, analysis, telemetry, runtimes.python, runtimes.javascript, "
                      "runtimes.wasm)",
                      file, line, name, hint ? "; did you mean [" : "", hint ? hint : "",
                      hint ? "]?" : "");
}

static int walk_root(struct sbx_config *c, const char *file, const struct sbx__toml_node *root,
                     const char *base_dir, struct sbx_error *err)
{
    for (size_t i = 0; i < sbx__toml_table_len(root); i++) {
        const struct sbx__toml_entry *e = sbx__toml_table_at(root, i);
        int is_table = e->value->type == SBX_TOML_TABLE;
        int r;
        if (is_table && !strcmp(e->key, "runtimes")) {
            for (size_t j = 0; j < sbx__toml_table_len(e->value); j++) {
                const struct sbx__toml_entry *rt = sbx__toml_table_at(e->value, j);
                char section[128];
                snprintf(section, sizeof(section), "runtimes.%.100s", rt->key);
                if (rt->value->type != SBX_TOML_TABLE ||
                    (strcmp(rt->key, "python") && strcmp(rt->key, "javascript") &&
                     strcmp(rt->key, "wasm")))
                    return unknown_section(err, file, rt->line, section);
                if ((r = walk_section(c, file, section, rt->value, base_dir, err)) < 0)
                    return r;
            }
            continue;
        }
        if (!is_table || (strcmp(e->key, "general") && strcmp(e->key, "resource_limits") &&
                          strcmp(e->key, "security") && strcmp(e->key, "analysis") &&
                          strcmp(e->key, "telemetry"))) {
            if (!is_table) {
                const char *home = home_section(e->key);
                const char *hint = home ? NULL : closest(e->key, NULL, 0);
                if (hint)
                    home = home_section(hint);
                return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                                  "%s:%u: key '%.100s' outside any section%s%s%s%s%s%s", file,
                                  e->line, e->key, home ? "; it belongs in [" : "",
                                  home ? home : "", home ? "]" : "", hint ? " as '" : "",
                                  hint ? hint : "", hint ? "'" : "");
            }
            return unknown_section(err, file, e->line, e->key);
        }
        if ((r = walk_section(c, file, e->key, e->value, base_dir, err)) < 0)
            return r;
    }
    return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct sbx_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, errno,
                          "config file '%s' cannot be read", path);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, 0,
                          "config file '%s' is not a regular file", path);
    if (st.st_size > SBX_TOML_DEFAULT_MAX_INPUT)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, 0,
                          "config file '%s' is larger than 1 MiB", path);
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "'%s'", path);
    ssize_t n = sbx__read_full(fd, buf, (size_t)st.st_size);
    if (n < 0) {
        free(buf);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, (int)-n,
                          "config file '%s' cannot be read", path);
    }
    buf[n] = '\0';
    *ret = buf;
    *ret_len = (size_t)n;
    return 0;
}

int sbx_config_load_file(struct sbx_config *c, const char *path, enum sbx_config_origin origin,
                         bool missing_ok, struct sbx_error *err)
{
    (void)origin;
    /* A system or user file that is absent, or under a directory this user may not enter
     * (uid 65534 with HOME=/root), is skipped; one that exists but is unreadable is an error. */
    if (missing_ok && access(path, F_OK) < 0 &&
        (errno == ENOENT || errno == EACCES || errno == ENOTDIR))
        return 0;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_file(path, &text, &len, err);
    if (r < 0)
        return r;
    _cleanup_toml_ struct sbx__toml_node *root = NULL;
    struct sbx__toml_error terr = {0};
    if ((r = sbx__toml_parse(text, len, NULL, &root, &terr)) < 0)
        return sbx__error(err, r == -ENOMEM ? SBX_ERR_INTERNAL : SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s:%u:%u: %s", path, terr.line, terr.column, terr.message);
    char base[PATH_MAX];
    if (!realpath(path, base))
        snprintf(base, sizeof(base), "%s", path);
    char *slash = strrchr(base, '/');
    if (slash)
        *(slash == base ? slash + 1 : slash) = '\0';
    return walk_root(c, path, root, base, err);
}

int sbx_config_load_standard(struct sbx_config *c, struct sbx_error *err)
{
    /* RUSTY_SANDBOX_SYSTEM_CONFIG names another system file (tests, packagers); it is no
     * boundary: whoever sets the environment may as well pass --config. */
    const char *sys = getenv("RUSTY_SANDBOX_SYSTEM_CONFIG");
    int r = sbx_config_load_file(c, sys && sys[0] ? sys : "/etc/rusty-sandbox/config.toml",
                                 SBX_ORIGIN_SYSTEM, true, err);
    if (r < 0)
        return r;
    char path[PATH_MAX];
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(path, sizeof(path), "%s/rusty-sandbox/config.toml", xdg);
    else if (home && home[0] == '/')
        snprintf(path, sizeof(path), "%s/.config/rusty-sandbox/config.toml", home);
    else
        return 0;
    return sbx_config_load_file(c, path, SBX_ORIGIN_USER, true, err);
}

/* ---- defaults, flags, accessors ---- */

static void set_default_int(struct sbx_config *c, int id, int64_t v)
{
    c->v[id].i = v;
    c->v[id].set = 1;
}

static void set_default_num(struct sbx_config *c, int id, double v)
{
    c->v[id].d = v;
    c->v[id].set = 1;
}

static int set_default_str(struct sbx_config *c, int id, const char *s)
{
    c->v[id].set = 1;
    return (c->v[id].s = strdup(s)) ? 0 : -ENOMEM;
}

struct sbx_config *sbx_config_new(void)
{
    struct sbx_config *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    struct sbx_policy p;
    sbx_policy_init(&p); /* one source of truth for the defaults */
    set_default_int(c, KEY_MEMORY, (int64_t)(p.memory_limit_bytes >> 20));
    set_default_num(c, KEY_CPU_TIME, p.cpu_time_limit_s);
    set_default_num(c, KEY_TIMEOUT, p.timeout_s);
    set_default_int(c, KEY_MAX_PROCESSES, (int64_t)p.max_processes);
    set_default_int(c, KEY_MAX_FILE_SIZE, (int64_t)(p.max_file_size_bytes >> 10));
    set_default_int(c, KEY_MAX_OPEN_FILES, (int64_t)p.max_open_files);
    set_default_num(c, KEY_CPUS, p.cpus);
    set_default_int(c, KEY_MAX_OUTPUT, (int64_t)(p.max_output_bytes >> 10));
    set_default_int(c, KEY_TMP_SIZE, (int64_t)(p.tmp_size_bytes >> 20));
    set_default_int(c, KEY_WORKSPACE_SIZE, (int64_t)(p.workspace_size_bytes >> 20));
    c->v[KEY_ENABLE_NETWORK].set = 1;
    c->v[KEY_NETNS_POOL].set = 1;
    c->v[KEY_NETNS_POOL].b = p.netns_pool;
    c->v[KEY_WASM_GROWTH].set = 1;
    c->v[KEY_WASM_GROWTH].b = true;
    c->v[KEY_ALLOWED_PATHS].set = 1;
    c->v[KEY_ALLOWED_PORTS].set = 1;
    c->v[KEY_ALLOWED_BIND_PORTS].set = 1;
    set_default_int(c, KEY_SAMPLE_INTERVAL, (int64_t)p.sample_interval_ms);
    c->v[KEY_SYSLOG].set = 1;
    c->v[KEY_LIVE_REGISTRY].set = 1;
    c->v[KEY_LIVE_REGISTRY].b = p.live_registry;
    c->v[KEY_ALLOW_RULES].set = 1;
    if (set_default_str(c, KEY_LOG_LEVEL, "info") < 0 ||
        set_default_str(c, KEY_OUTPUT_ACTION, "truncate") < 0 ||
        set_default_str(c, KEY_FALLBACK, "none") < 0 ||
        set_default_str(c, KEY_ON_VIOLATION, "log") < 0 ||
        set_default_str(c, KEY_WASM_ENGINE, "auto") < 0 ||
        set_default_str(c, KEY_ANALYSIS_MODE, "warn") < 0 ||
        set_default_str(c, KEY_BLOCK_SEVERITY, "high") < 0) {
        sbx_config_free(c);
        return NULL;
    }
    return c;
}

void sbx_config_free(struct sbx_config *c)
{
    if (!c)
        return;
    for (int i = 0; i < KEY__N; i++)
        clear_value(&c->v[i]);
    for (size_t i = 0; i < c->n_warnings; i++)
        free(c->warnings[i]);
    for (size_t i = 0; i < c->n_binds; i++)
        free(c->bind_paths[i]);
    free(c);
}

/* A flag's string as a TOML-like node, so flags and files share every check. */
static int node_from_string(const struct key_def *k, const char *s, struct sbx__toml_node *n)
{
    memset(n, 0, sizeof(*n));
    uint64_t u;
    double d;
    switch (k->kind) {
    case K_BOOL:
        n->type = SBX_TOML_BOOLEAN;
        if (strcmp(s, "true") && strcmp(s, "false"))
            return -EINVAL;
        n->u.boolean = !strcmp(s, "true");
        return 0;
    case K_INT:
        if (sbx__parse_u64(s, 0, INT64_MAX, &u) < 0)
            return -EINVAL;
        n->type = SBX_TOML_INTEGER;
        n->u.integer = (int64_t)u;
        return 0;
    case K_NUMBER:
        if (sbx__parse_decimal(s, 0, 1e15, &d) < 0)
            return -EINVAL;
        n->type = SBX_TOML_FLOAT;
        n->u.fp = d;
        return 0;
    case K_STRING:
    case K_ENUM:
    case K_PATH:
    case K_PATH_LIST:
    case K_STRING_LIST:
    case K_PORT_LIST:
        n->type = SBX_TOML_STRING;
        n->u.string.ptr = (char *)(uintptr_t)s; /* read only below */
        n->u.string.len = strlen(s);
        return 0;
    }
    return -EINVAL;
}

/* A flag adds one port to a port list (the config file's ports stay). */
static int append_port(struct sbx_config *c, int id, const char *value, const char *label,
                       struct sbx_error *err)
{
    struct value *v = &c->v[id];
    uint64_t port;
    if (sbx__parse_u64(value, 1, 65535, &port) < 0)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s: '%.100s' is not valid: expected a TCP port number (1 to 65535)",
                          label, value);
    if (v->n >= MAX_LIST)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s: at most %d ports", label,
                          MAX_LIST);
    char text[8];
    int r =
        list_item(v, text, (size_t)snprintf(text, sizeof(text), "%u", (unsigned)port), NULL, false);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, -r, "%s", label);
    char *o = strdup(label);
    if (!o)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "%s", label);
    free(v->origin);
    v->origin = o;
    v->set = 1;
    return 0;
}

int sbx_config_set(struct sbx_config *c, const char *key, const char *value, const char *label,
                   struct sbx_error *err)
{
    char section[64];
    const char *dot = strrchr(key, '.');
    if (!dot || (size_t)(dot - key) >= sizeof(section))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s: no key '%s'", label, key);
    snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
    int id = find_key(section, dot + 1);
    if (id >= 0 && keys[id].kind == K_PORT_LIST)
        return append_port(c, id, value, label, err);
    if (id < 0 || is_list(id))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0, "%s: no key '%s'", label, key);
    struct sbx__toml_node n;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        snprintf(cwd, sizeof(cwd), "/");
    if (node_from_string(&keys[id], value, &n) < 0) {
        char buf[160];
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s: '%.100s' is not valid: expected %s", label, value,
                          kind_text(&keys[id], buf, sizeof(buf)));
    }
    struct sbx_error e2 = {0};
    int r = assign_toml(c, id, &n, label, cwd, &e2);
    if (r < 0 && err) {
        *err = e2;
        /* "--flag: section.key: expected ..." reads better without the key for a flag. */
        char *k = strstr(err->message, key);
        if (k && k[strlen(key)] == ':')
            memmove(k, k + strlen(key) + 2, strlen(k + strlen(key) + 2) + 1);
    }
    return r;
}

const char *sbx_config_interpreter(const struct sbx_config *c, const char *runtime)
{
    if (!strcmp(runtime, "python"))
        return c->v[KEY_PY_INTERPRETER].s;
    if (!strcmp(runtime, "javascript"))
        return c->v[KEY_JS_INTERPRETER].s;
    if (!strcmp(runtime, "wasm"))
        return c->v[KEY_WASM_INTERPRETER].s;
    return NULL;
}

enum sbx_log_level sbx_config_log_level(const struct sbx_config *c)
{
    const char *l = c->v[KEY_LOG_LEVEL].s;
    for (int i = 0; log_levels[i]; i++)
        if (l && !strcmp(l, log_levels[i]))
            return (enum sbx_log_level)i;
    return SBX_LOG_INFO;
}

size_t sbx_config_warning_count(const struct sbx_config *c)
{
    return c->n_warnings;
}

const char *sbx_config_warning(const struct sbx_config *c, size_t i)
{
    return i < c->n_warnings ? c->warnings[i] : NULL;
}

const char *sbx_config_warning_runtime(const struct sbx_config *c, size_t i)
{
    return i < c->n_warnings ? c->warning_runtime[i] : NULL;
}

/* A warning about every run (runtime NULL) or only runs of `runtime`. */
static void warn(struct sbx_config *c, const char *runtime, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void warn(struct sbx_config *c, const char *runtime, const char *fmt, ...)
{
    if (c->n_warnings >= MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0) {
        c->warning_runtime[c->n_warnings] = runtime;
        c->warnings[c->n_warnings++] = s;
    }
    va_end(ap);
}

/* ---- the policy ---- */

static int same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return a && b && realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

static int add_bind(struct sbx_config *c, const char *item, struct sbx_error *err)
{
    const char *where = origin_of(&c->v[KEY_ALLOWED_PATHS]);
    size_t len = strlen(item);
    bool rw = len > 3 && !strcmp(item + len - 3, ":rw");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%.*s", (int)(rw ? len - 3 : len), item);
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        path[--plen] = '\0';
    /* "/tmp" and the working dir name the sandbox's own private ones (the working dir may not
     * exist yet: it is made by the first run). */
    const char *wd = c->v[KEY_WORKING_DIR].s;
    if (!strcmp(path, "/tmp") || (wd && !strcmp(path, wd)) || same_dir(path, wd))
        return 0;
    /* SECURITY: the checks below see the path the kernel would bind, so a symlink, "..", or
     * "//" cannot smuggle / or /proc in. The bind is made at that resolved path too. */
    char real[PATH_MAX];
    if (!realpath(path, real))
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, errno,
                          "%s: security.allowed_paths: '%s'", where, path);
    if (!strcmp(real, "/tmp") || (wd && !strcmp(real, wd)))
        return 0;
    static const char *const refused[] = {"/proc", "/dev", "/sys", "/work"};
    int bad_path = !strcmp(real, "/");
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        size_t n = strlen(refused[i]);
        bad_path |= !strncmp(real, refused[i], n) && (real[n] == '/' || real[n] == '\0');
    }
    if (bad_path)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s: security.allowed_paths: '%s' cannot be shown inside the sandbox "
                          "(it is / or part of /proc, /dev, /sys or /work)",
                          where, path);
    if (c->n_binds >= MAX_LIST)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s: security.allowed_paths: more than %d paths", where, MAX_LIST);
    char *copy = strdup(real);
    if (!copy)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_POLICY, ENOMEM, "allowed_paths");
    c->bind_paths[c->n_binds] = copy;
    c->binds[c->n_binds].path = copy;
    c->binds[c->n_binds].writable = rw;
    c->n_binds++;
    return 0;
}

static const char *existing_dir(struct sbx_config *c, int id)
{
    const char *p = c->v[id].s;
    struct stat st;
    if (!p)
        return NULL;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
        return p;
    warn(c, id == KEY_PY_PACKAGES ? "python" : "javascript",
         "%s: %s.%s: '%s' is not a directory; skipped", origin_of(&c->v[id]), keys[id].section,
         keys[id].name, p);
    return NULL;
}

/* [analysis]: mode, block_severity, allow_rules (each id must name a rule). */
/* The ports of a K_PORT_LIST key (validated when it was set) into `out`; their count. */
static size_t port_list(const struct value *v, uint16_t *out)
{
    for (size_t i = 0; i < v->n; i++)
        out[i] = (uint16_t)atoi(v->list[i]);
    return v->n;
}

static int analysis_policy(struct sbx_config *c, struct sbx_policy *p, struct sbx_error *err)
{
    const struct value *v = c->v;
    const char *mode = v[KEY_ANALYSIS_MODE].s;
    p->analysis_mode = !strcmp(mode, "block") ? SBX_ANALYSIS_BLOCK
                       : !strcmp(mode, "off") ? SBX_ANALYSIS_OFF
                                              : SBX_ANALYSIS_WARN;
    if (sbx_severity_parse(v[KEY_BLOCK_SEVERITY].s, &p->block_severity) < 0)
        return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                          "%s: analysis.block_severity: unknown severity '%s'",
                          origin_of(&v[KEY_BLOCK_SEVERITY]), v[KEY_BLOCK_SEVERITY].s);
    const struct value *rules = &v[KEY_ALLOW_RULES];
    for (size_t i = 0; i < rules->n; i++) {
        int r = sbx_analysis_rule_check(rules->list[i]);
        if (r < 0)
            return sbx__error(err, SBX_ERR_USAGE, SBX_STAGE_POLICY, 0,
                              "%s: analysis.allow_rules: '%.100s' is %s (rusty-sandbox check "
                              "prints rule ids; see rusty-sandbox(1))",
                              origin_of(rules), rules->list[i],
                              r == -ENOENT ? "not a known rule"
                                           : "not a rule id (like \"PY-EXEC-001\")");
    }
    p->allow_rules = (const char *const *)rules->list;
    p->n_allow_rules = rules->n;
    return 0;
}

int sbx_config_policy(struct sbx_config *c, struct sbx_policy *p, struct sbx_error *err)
{
    sbx_policy_init(p);
    const struct value *v = c->v;
    p->memory_limit_bytes = (uint64_t)v[KEY_MEMORY].i << 20;
    p->cpu_time_limit_s = v[KEY_CPU_TIME].d;
    p->timeout_s = v[KEY_TIMEOUT].d;
    p->max_processes = (uint64_t)v[KEY_MAX_PROCESSES].i;
    p->max_file_size_bytes = (uint64_t)v[KEY_MAX_FILE_SIZE].i << 10;
    p->max_open_files = (uint64_t)v[KEY_MAX_OPEN_FILES].i;
    p->cpus = v[KEY_CPUS].d;
    p->max_output_bytes = (uint64_t)v[KEY_MAX_OUTPUT].i << 10;
    p->output_limit_action =
        !strcmp(v[KEY_OUTPUT_ACTION].s, "kill") ? SBX_OUTPUT_KILL : SBX_OUTPUT_TRUNCATE;
    p->tmp_size_bytes = (uint64_t)v[KEY_TMP_SIZE].i << 20;
    p->workspace_size_bytes = (uint64_t)v[KEY_WORKSPACE_SIZE].i << 20;
    p->allow_weaker_limits = !strcmp(v[KEY_FALLBACK].s, "rlimit");
    p->on_violation =
        !strcmp(v[KEY_ON_VIOLATION].s, "kill") ? SBX_VIOLATION_KILL : SBX_VIOLATION_LOG;
    p->cgroup_parent = v[KEY_CGROUP_PARENT].s;
    p->enable_network = v[KEY_ENABLE_NETWORK].b;
    p->netns_pool = v[KEY_NETNS_POOL].b;
    p->n_allowed_ports = port_list(&v[KEY_ALLOWED_PORTS], c->ports);
    p->allowed_ports = p->n_allowed_ports ? c->ports : NULL;
    p->n_allowed_bind_ports = port_list(&v[KEY_ALLOWED_BIND_PORTS], c->bind_ports);
    p->allowed_bind_ports = p->n_allowed_bind_ports ? c->bind_ports : NULL;
    p->workspace_root = v[KEY_WORKING_DIR].s;
    p->scratch_root = v[KEY_TMP_DIR].s;
    p->audit_log = v[KEY_AUDIT_LOG].s;
    for (size_t i = 0; i < c->n_binds; i++)
        free(c->bind_paths[i]);
    c->n_binds = 0;
    for (size_t i = 0; i < v[KEY_ALLOWED_PATHS].n; i++) {
        int r = add_bind(c, v[KEY_ALLOWED_PATHS].list[i], err);
        if (r < 0)
            return r;
    }
    p->binds = c->binds;
    p->n_binds = c->n_binds;
    p->python_packages_path = existing_dir(c, KEY_PY_PACKAGES);
    p->node_modules_path = existing_dir(c, KEY_JS_MODULES);
    p->wasm_memory_growth = v[KEY_WASM_GROWTH].b;
    p->wasm_max_memory_pages = v[KEY_WASM_PAGES].set ? (uint32_t)v[KEY_WASM_PAGES].i : 0;
    p->wasm_engine = v[KEY_WASM_ENGINE].s;
    p->events_file = v[KEY_EVENTS_FILE].s;
    p->metrics_file = v[KEY_METRICS_FILE].s;
    p->sample_interval_ms = (uint32_t)v[KEY_SAMPLE_INTERVAL].i;
    p->syslog = v[KEY_SYSLOG].b;
    p->live_registry = v[KEY_LIVE_REGISTRY].b;
    p->wasm_fuel = v[KEY_WASM_FUEL].set ? (uint64_t)v[KEY_WASM_FUEL].i : 0;
    int r = analysis_policy(c, p, err);
    if (r < 0)
        return r;
    return sbx_policy_validate(p, err);
}

/* ---- dump ---- */

static json_t *value_json(int id, const struct value *v)
{
    if (!v->set)
        return json_null();
    switch (keys[id].kind) {
    case K_BOOL:
        return json_boolean(v->b);
    case K_INT:
        return json_integer((json_int_t)v->i);
    case K_NUMBER:
        return json_real(v->d);
    case K_STRING:
    case K_ENUM:
    case K_PATH:
        return v->s ? json_string(v->s) : json_null();
    case K_PATH_LIST:
    case K_STRING_LIST:
    case K_PORT_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->n; i++)
            json_array_append_new(a, keys[id].kind == K_PORT_LIST ? json_integer(atoi(v->list[i]))
                                                                  : json_string(v->list[i]));
        return a;
    }
    }
    return json_null();
}

/* A TOML basic string: quotes, backslashes and control characters escaped. */
static void toml_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void toml_value(FILE *f, int id, const struct value *v)
{
    switch (keys[id].kind) {
    case K_BOOL:
        fputs(v->b ? "true" : "false", f);
        break;
    case K_INT:
        fprintf(f, "%lld", (long long)v->i);
        break;
    case K_NUMBER: {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.17g", v->d);
        fputs(buf, f);
        if (!strpbrk(buf, ".eEn"))
            fputs(".0", f);
        break;
    }
    case K_STRING:
    case K_ENUM:
    case K_PATH:
        toml_quote(f, v->s);
        break;
    case K_PATH_LIST:
    case K_STRING_LIST:
    case K_PORT_LIST:
        fputc('[', f);
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                fputs(", ", f);
            if (keys[id].kind == K_PORT_LIST)
                fputs(v->list[i], f);
            else
                toml_quote(f, v->list[i]);
        }
        fputc(']', f);
        break;
    }
}

static char *dump_toml(const struct sbx_config *c)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    fputs("# The effective configuration of rusty-sandbox; after each value, where it came "
          "from.\n",
          f);
    const char *section = "";
    for (int i = 0; i < KEY__N; i++) {
        const struct value *v = &c->v[i];
        if (strcmp(section, keys[i].section)) {
            section = keys[i].section;
            fprintf(f, "\n[%s]\n", section);
        }
        if (!v->set || (!is_list(i) && keys[i].kind >= K_STRING && !v->s)) {
            fprintf(f, "# %s is not set (%s)\n", keys[i].name, keys[i].help);
            continue;
        }
        fprintf(f, "%s = ", keys[i].name);
        toml_value(f, i, v);
        fputs("  # ", f);
        for (const unsigned char *o = (const unsigned char *)origin_of(v); *o; o++)
            fputc(*o < 0x20 || *o == 0x7f ? '?' : *o, f); /* a file name may hold a newline */
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

char *sbx_config_dump(const struct sbx_config *c, bool json)
{
    if (!json)
        return dump_toml(c);
    json_t *root = json_object();
    for (int i = 0; i < KEY__N; i++) {
        /* "runtimes.python" nests as {"runtimes": {"python": ...}}, as in TOML. */
        json_t *sec = root;
        char part[64];
        for (const char *p = keys[i].section; *p;) {
            size_t n = strcspn(p, ".");
            snprintf(part, sizeof(part), "%.*s", (int)n, p);
            json_t *next = json_object_get(sec, part);
            if (!next) {
                next = json_object();
                json_object_set_new(sec, part, next);
            }
            sec = next;
            p += n + (p[n] == '.');
        }
        json_t *e = json_object();
        json_object_set_new(e, "value", value_json(i, &c->v[i]));
        json_object_set_new(e, "origin", json_string(origin_of(&c->v[i])));
        json_object_set_new(sec, keys[i].name, e);
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

char *sbx_config_keys_roff(void)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    struct sbx_config *defaults = sbx_config_new();
    const char *section = "";
    for (int i = 0; defaults && i < KEY__N; i++) {
        if (strcmp(section, keys[i].section)) {
            section = keys[i].section;
            fprintf(f, ".SS [%s]\n", section);
        }
        char buf[160];
        fprintf(f, ".TP\n.B %s\n%s; %s.", keys[i].name, keys[i].help,
                kind_text(&keys[i], buf, sizeof(buf)));
        const struct value *v = &defaults->v[i];
        if (v->set && (keys[i].kind < K_STRING || v->s)) {
            fputs(" Default: ", f);
            toml_value(f, i, v);
            fputs(".", f);
        }
        fputs("\n", f);
    }
    sbx_config_free(defaults);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
