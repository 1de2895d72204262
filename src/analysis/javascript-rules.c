/*
 * The JavaScript rules: what each resolved call, construction, import or computed member
 * means, and the tables of names behind them (globals, modules, members).
 *
 * A finding is reported where the dangerous thing happens: the call of child_process.exec
 * (however it was reached: alias, destructuring, ES import, promisify, bind/call/apply,
 * Reflect.apply), the require/import of a module that only exists to create processes or open
 * sockets, the computed member that hides a name. Severities: command execution and code
 * evaluation high or critical, filesystem writes outside the allowed paths high and reads
 * medium, network medium (the engine marks network findings informational when the policy
 * enables the network).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/javascript.h"

#define MAX_ARGS 8   /* call arguments inspected */
#define DESC_MAX 144 /* describe(): 71 bytes of source, " (", 63 of name, ")" */

enum rule {
    EXEC_SHELL,
    EXEC_SPAWN,
    EXEC_CLUSTER,
    EXEC_BINDING,
    EXEC_DLOPEN,
    FS_WRITE,
    FS_READ,
    NET_SOCKET,
    NET_HTTP,
    NET_DNS,
    NET_FETCH,
    NET_WEBSOCKET,
    IMPORT_CHILD,
    IMPORT_VM,
    IMPORT_WORKER,
    IMPORT_WASI,
    IMPORT_INSPECTOR,
    IMPORT_DYN_REQUIRE,
    IMPORT_DYN_IMPORT,
    IMPORT_LOADER,
    EVAL_EVAL,
    EVAL_FUNCTION,
    EVAL_TIMER,
    EVAL_VM,
    EVAL_WORKER,
    OBF_COMPUTED,
    OBF_DECODED,
    OBF_MODULE_NAME,
    OBF_CTOR_CHAIN,
    RULE__COUNT
};

#define CMD "command_execution"
#define FS "filesystem"
#define NET "network"
#define IMP "dangerous_import"
#define EVAL "dynamic_eval"
#define OBF "obfuscation"
#define NO_PROCESSES "do the work in JavaScript: the sandbox runs no other programs"
#define NO_EVAL "call functions directly; parse data with JSON.parse"

static const struct sbx__rule rules[RULE__COUNT] = {
    [EXEC_SHELL] = {"JS-EXEC-001", CMD, SBX_SEVERITY_CRITICAL,
                    "runs a shell command (child_process exec/execSync)", NO_PROCESSES},
    [EXEC_SPAWN] = {"JS-EXEC-002", CMD, SBX_SEVERITY_CRITICAL,
                    "starts a program (child_process spawn/execFile/fork)", NO_PROCESSES},
    [EXEC_CLUSTER] = {"JS-EXEC-003", CMD, SBX_SEVERITY_HIGH, "forks worker processes (cluster)",
                      NO_PROCESSES},
    [EXEC_BINDING] = {"JS-EXEC-004", CMD, SBX_SEVERITY_CRITICAL,
                      "calls an internal binding (process.binding), which can spawn processes",
                      "use the public module APIs; internal bindings are not for programs"},
    [EXEC_DLOPEN] = {"JS-EXEC-005", CMD, SBX_SEVERITY_CRITICAL,
                     "loads a native library (process.dlopen)",
                     "use JavaScript or WebAssembly instead of native addons"},
    [FS_WRITE] = {"JS-FS-001", FS, SBX_SEVERITY_HIGH, "writes outside the sandbox's paths",
                  "write under /work or /tmp"},
    [FS_READ] = {"JS-FS-002", FS, SBX_SEVERITY_MEDIUM, "reads outside the sandbox's paths",
                 "read files under /work or /tmp, or ask for the path to be bound"},
    [NET_SOCKET] = {"JS-NET-001", NET, SBX_SEVERITY_MEDIUM,
                    "opens network sockets (net, tls, dgram)", SBX_HINT_NO_NETWORK},
    [NET_HTTP] = {"JS-NET-002", NET, SBX_SEVERITY_MEDIUM,
                  "uses an HTTP client or server (http, https, http2, undici, ws)",
                  SBX_HINT_NO_NETWORK},
    [NET_DNS] = {"JS-NET-003", NET, SBX_SEVERITY_MEDIUM, "resolves host names (dns)",
                 SBX_HINT_NO_NETWORK},
    [NET_FETCH] = {"JS-NET-004", NET, SBX_SEVERITY_MEDIUM, "makes an HTTP request (fetch)",
                   SBX_HINT_NO_NETWORK},
    [NET_WEBSOCKET] = {"JS-NET-005", NET, SBX_SEVERITY_MEDIUM,
                       "opens a connection (WebSocket, XMLHttpRequest, EventSource)",
                       SBX_HINT_NO_NETWORK},
    [IMPORT_CHILD] = {"JS-IMPORT-001", IMP, SBX_SEVERITY_HIGH,
                      "imports a process-creation module (child_process, cluster)", NO_PROCESSES},
    [IMPORT_VM] = {"JS-IMPORT-002", IMP, SBX_SEVERITY_MEDIUM,
                   "imports vm, which compiles and runs code", NO_EVAL},
    [IMPORT_WORKER] = {"JS-IMPORT-003", IMP, SBX_SEVERITY_MEDIUM,
                       "imports worker_threads, which runs code in other threads",
                       "do the work in the main thread"},
    [IMPORT_WASI] = {"JS-IMPORT-004", IMP, SBX_SEVERITY_MEDIUM,
                     "imports wasi, which gives WebAssembly system access",
                     "run WebAssembly modules with the wasm runtime"},
    [IMPORT_INSPECTOR] = {"JS-IMPORT-005", IMP, SBX_SEVERITY_MEDIUM,
                          "imports inspector, which opens a debugger", "remove the debugger code"},
    [IMPORT_DYN_REQUIRE] = {"JS-IMPORT-006", IMP, SBX_SEVERITY_MEDIUM,
                            "require() with a module name computed at run time",
                            "require modules by literal name so they can be checked"},
    [IMPORT_DYN_IMPORT] = {"JS-IMPORT-007", IMP, SBX_SEVERITY_MEDIUM,
                           "import() with a module name computed at run time",
                           "import modules by literal name so they can be checked"},
    [IMPORT_LOADER] = {"JS-IMPORT-008", IMP, SBX_SEVERITY_HIGH,
                       "loads a module through an internal loader "
                       "(process.mainModule.require, Module._load)",
                       "use require or import"},
    [EVAL_EVAL] = {"JS-EVAL-001", EVAL, SBX_SEVERITY_HIGH, "evaluates a string as code (eval)",
                   NO_EVAL},
    [EVAL_FUNCTION] = {"JS-EVAL-002", EVAL, SBX_SEVERITY_HIGH,
                       "builds a function from a string (Function constructor)", NO_EVAL},
    [EVAL_TIMER] = {"JS-EVAL-003", EVAL, SBX_SEVERITY_MEDIUM,
                    "passes a string to setTimeout/setInterval, which evaluates it",
                    "pass a function to the timer"},
    [EVAL_VM] = {"JS-EVAL-004", EVAL, SBX_SEVERITY_HIGH, "compiles or runs code with vm", NO_EVAL},
    [EVAL_WORKER] = {"JS-EVAL-005", EVAL, SBX_SEVERITY_HIGH,
                     "starts a worker from a code string (eval: true)",
                     "put the worker's code in a file"},
    [OBF_COMPUTED] = {"JS-OBF-001", OBF, SBX_SEVERITY_HIGH,
                      "reaches a dangerous function through a computed name",
                      "call functions by their plain names"},
    [OBF_DECODED] = {"JS-OBF-002", OBF, SBX_SEVERITY_CRITICAL,
                     "runs code decoded at run time (atob, fromCharCode, base64)",
                     "ship the code itself, not an encoded copy"},
    [OBF_MODULE_NAME] = {"JS-OBF-003", OBF, SBX_SEVERITY_HIGH,
                         "names a module with an assembled, escaped or encoded string",
                         "write module names as plain literals"},
    [OBF_CTOR_CHAIN] = {"JS-OBF-004", OBF, SBX_SEVERITY_HIGH,
                        "reaches the Function constructor through a .constructor chain", NO_EVAL},
};

const struct sbx__rule *sbx__js_rule(const char *id)
{
    for (size_t i = 0; id && i < RULE__COUNT; i++)
        if (!strcmp(rules[i].id, id))
            return &rules[i];
    return NULL;
}

const struct sbx__rule *sbx__js_rule_by_id_pointer(const char *id)
{
    for (size_t i = 0; i < RULE__COUNT; i++)
        if (rules[i].id == id) /* SECURITY: compared, never dereferenced */
            return &rules[i];
    return NULL;
}

/* ------------------------------------------------------------------ name tables */

static const char *const vocab_names[V__COUNT] = {
    [V_NONE] = "",
    [V_OTHER] = "?",
    [V_CHILDPROCESS] = "ChildProcess",
    [V_MODULE] = "Module",
    [V_SCRIPT] = "Script",
    [V_SOURCETEXTMODULE] = "SourceTextModule",
    [V_WASI] = "WASI",
    [V_WORKER] = "Worker",
    [V_LINKEDBINDING] = "_linkedBinding",
    [V_LOAD] = "_load",
    [V_ACCESS] = "access",
    [V_APPENDFILE] = "appendFile",
    [V_APPLY] = "apply",
    [V_BIND] = "bind",
    [V_BINDING] = "binding",
    [V_CALL] = "call",
    [V_CHMOD] = "chmod",
    [V_CHOWN] = "chown",
    [V_COMPILEFUNCTION] = "compileFunction",
    [V_CONSTRUCT] = "construct",
    [V_CONSTRUCTOR] = "constructor",
    [V_COPYFILE] = "copyFile",
    [V_CP] = "cp",
    [V_CREATEREADSTREAM] = "createReadStream",
    [V_CREATEREQUIRE] = "createRequire",
    [V_CREATEWRITESTREAM] = "createWriteStream",
    [V_DLOPEN] = "dlopen",
    [V_EXEC] = "exec",
    [V_EXECFILE] = "execFile",
    [V_EXISTS] = "exists",
    [V_FORK] = "fork",
    [V_FROM] = "from",
    [V_FROMCHARCODE] = "fromCharCode",
    [V_FROMCODEPOINT] = "fromCodePoint",
    [V_GETPROTOTYPEOF] = "getPrototypeOf",
    [V_LCHMOD] = "lchmod",
    [V_LCHOWN] = "lchown",
    [V_LINK] = "link",
    [V_LSTAT] = "lstat",
    [V_LUTIMES] = "lutimes",
    [V_MAIN] = "main",
    [V_MAINMODULE] = "mainModule",
    [V_MKDIR] = "mkdir",
    [V_MKDTEMP] = "mkdtemp",
    [V_OPEN] = "open",
    [V_OPENDIR] = "opendir",
    [V_PROMISES] = "promises",
    [V_PROMISIFY] = "promisify",
    [V_PROTOTYPE] = "prototype",
    [V_READFILE] = "readFile",
    [V_READDIR] = "readdir",
    [V_READLINK] = "readlink",
    [V_REALPATH] = "realpath",
    [V_RENAME] = "rename",
    [V_REQUIRE] = "require",
    [V_RM] = "rm",
    [V_RMDIR] = "rmdir",
    [V_RUNINCONTEXT] = "runInContext",
    [V_RUNINNEWCONTEXT] = "runInNewContext",
    [V_RUNINTHISCONTEXT] = "runInThisContext",
    [V_SETUPMASTER] = "setupMaster",
    [V_SETUPPRIMARY] = "setupPrimary",
    [V_SPAWN] = "spawn",
    [V_STAT] = "stat",
    [V_STATFS] = "statfs",
    [V_SYMLINK] = "symlink",
    [V_TRUNCATE] = "truncate",
    [V_UNLINK] = "unlink",
    [V_UTIMES] = "utimes",
    [V_WATCH] = "watch",
    [V_WATCHFILE] = "watchFile",
    [V_WRITEFILE] = "writeFile",
};

/* strcmp order of the counted string s[0..len) against the C string t. */
static int cmp_name(const char *s, size_t len, const char *t)
{
    size_t tl = strlen(t);
    int c = memcmp(s, t, len < tl ? len : tl);
    return c ? c : (len > tl) - (len < tl);
}

static uint16_t vocab_find(const char *name, uint32_t len)
{
    size_t lo = V_CHILDPROCESS, hi = V__COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, len, vocab_names[mid]);
        if (c == 0)
            return (uint16_t)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return V_OTHER;
}

uint16_t sbx__js_vocab(const char *name, uint32_t len)
{
    uint16_t v = vocab_find(name, len);
    if (v == V_OTHER && len > 4 && !memcmp(name + len - 4, "Sync", 4))
        v = vocab_find(name, len - 4); /* execSync, readFileSync: same rules */
    return v;
}

struct global_entry {
    const char *name;
    uint8_t root;
};

static const struct global_entry globals[] = {
    /* sorted by name */
    {"Buffer", R_BUFFER},
    {"EventSource", R_EVENTSRC},
    {"Function", R_FUNCTION},
    {"Object", R_OBJECT},
    {"Reflect", R_REFLECT},
    {"String", R_STRING},
    {"WebSocket", R_WEBSOCKET},
    {"XMLHttpRequest", R_XHR},
    {"atob", R_ATOB},
    {"decodeURI", R_DECODEURI},
    {"decodeURIComponent", R_DECODEURI},
    {"eval", R_EVAL},
    {"fetch", R_FETCH},
    {"global", R_GLOBAL},
    {"globalThis", R_GLOBAL},
    {"module", R_MODULE},
    {"process", R_PROCESS},
    {"require", R_REQUIRE},
    {"self", R_GLOBAL},
    {"setInterval", R_INTERVAL},
    {"setTimeout", R_TIMEOUT},
    {"unescape", R_UNESCAPE},
    {"window", R_GLOBAL},
};

uint8_t sbx__js_global(const char *name, uint32_t len)
{
    size_t lo = 0, hi = sizeof(globals) / sizeof(globals[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, len, globals[mid].name);
        if (c == 0)
            return globals[mid].root;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return R_NONE;
}

struct module_entry {
    const char *name;
    uint8_t root;
    uint16_t member;
};

static const struct module_entry modules[] = {
    /* sorted by name */
    {"child_process", M_CHILD_PROCESS, V_NONE},
    {"cluster", M_CLUSTER, V_NONE},
    {"dgram", M_DGRAM, V_NONE},
    {"dns", M_DNS, V_NONE},
    {"dns/promises", M_DNS, V_NONE},
    {"fs", M_FS, V_NONE},
    {"fs/promises", M_FS, V_PROMISES},
    {"http", M_HTTP, V_NONE},
    {"http2", M_HTTP2, V_NONE},
    {"https", M_HTTPS, V_NONE},
    {"inspector", M_INSPECTOR, V_NONE},
    {"inspector/promises", M_INSPECTOR, V_NONE},
    {"module", M_MODULE, V_NONE},
    {"net", M_NET, V_NONE},
    {"process", R_PROCESS, V_NONE},
    {"tls", M_TLS, V_NONE},
    {"undici", M_UNDICI, V_NONE},
    {"util", M_UTIL, V_NONE},
    {"vm", M_VM, V_NONE},
    {"wasi", M_WASI, V_NONE},
    {"worker_threads", M_WORKER, V_NONE},
    {"ws", M_WS, V_NONE},
};

bool sbx__js_module_root(const char *name, size_t len, uint8_t *root, uint16_t *member)
{
    size_t lo = 0, hi = sizeof(modules) / sizeof(modules[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, len, modules[mid].name);
        if (c == 0) {
            *root = modules[mid].root;
            *member = modules[mid].member;
            return true;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static const char *const root_names[R__COUNT] = {
    [R_NONE] = "?",
    [R_GLOBAL] = "globalThis",
    [R_REQUIRE] = "require",
    [R_MODULE] = "module",
    [R_PROCESS] = "process",
    [R_EVAL] = "eval",
    [R_FUNCTION] = "Function",
    [R_TIMEOUT] = "setTimeout",
    [R_INTERVAL] = "setInterval",
    [R_FETCH] = "fetch",
    [R_WEBSOCKET] = "WebSocket",
    [R_XHR] = "XMLHttpRequest",
    [R_EVENTSRC] = "EventSource",
    [R_ATOB] = "atob",
    [R_BUFFER] = "Buffer",
    [R_STRING] = "String",
    [R_REFLECT] = "Reflect",
    [R_OBJECT] = "Object",
    [R_UNESCAPE] = "unescape",
    [R_DECODEURI] = "decodeURIComponent",
    [R_CTOR] = "constructor",
    [R_FUNCLIT] = "function",
    [R_FUNCPROTO] = "prototype",
    [R_LITERAL] = "literal",
    [M_CHILD_PROCESS] = "child_process",
    [M_CLUSTER] = "cluster",
    [M_FS] = "fs",
    [M_VM] = "vm",
    [M_WORKER] = "worker_threads",
    [M_WASI] = "wasi",
    [M_NET] = "net",
    [M_TLS] = "tls",
    [M_DGRAM] = "dgram",
    [M_HTTP] = "http",
    [M_HTTPS] = "https",
    [M_HTTP2] = "http2",
    [M_UNDICI] = "undici",
    [M_WS] = "ws",
    [M_DNS] = "dns",
    [M_MODULE] = "module",
    [M_UTIL] = "util",
    [M_INSPECTOR] = "inspector",
};

const char *sbx__js_sym_name(struct sbx__js_sym s, char *buf, size_t size)
{
    int o = snprintf(buf, size, "%s", s.root < R__COUNT ? root_names[s.root] : "?");
    for (uint8_t i = 0; i < s.n && i < 3 && o >= 0 && (size_t)o < size; i++)
        o += snprintf(buf + o, size - (size_t)o, ".%s",
                      s.m[i] < V__COUNT ? vocab_names[s.m[i]] : "?");
    return buf;
}

/* How fs functions use their first two arguments: 'r' read, 'w' write, 'o' open (by flags). */
static const char fs_modes[V__COUNT][2] = {
    [V_ACCESS] = {'r', 0},
    [V_APPENDFILE] = {'w', 0},
    [V_CHMOD] = {'w', 0},
    [V_CHOWN] = {'w', 0},
    [V_COPYFILE] = {'r', 'w'},
    [V_CP] = {'r', 'w'},
    [V_CREATEREADSTREAM] = {'r', 0},
    [V_CREATEWRITESTREAM] = {'w', 0},
    [V_EXISTS] = {'r', 0},
    [V_LCHMOD] = {'w', 0},
    [V_LCHOWN] = {'w', 0},
    [V_LINK] = {'r', 'w'},
    [V_LSTAT] = {'r', 0},
    [V_LUTIMES] = {'w', 0},
    [V_MKDIR] = {'w', 0},
    [V_MKDTEMP] = {'w', 0},
    [V_OPEN] = {'o', 0},
    [V_OPENDIR] = {'r', 0},
    [V_READFILE] = {'r', 0},
    [V_READDIR] = {'r', 0},
    [V_READLINK] = {'r', 0},
    [V_REALPATH] = {'r', 0},
    [V_RENAME] = {'w', 'w'},
    [V_RM] = {'w', 0},
    [V_RMDIR] = {'w', 0},
    [V_STAT] = {'r', 0},
    [V_STATFS] = {'r', 0},
    [V_SYMLINK] = {'r', 'w'},
    [V_TRUNCATE] = {'w', 0},
    [V_UNLINK] = {'w', 0},
    [V_UTIMES] = {'w', 0},
    [V_WATCH] = {'r', 0},
    [V_WATCHFILE] = {'r', 0},
    [V_WRITEFILE] = {'w', 0},
};

/* ------------------------------------------------------------------ reporting */

static void emit(struct sbx__js *js, enum rule rule, TSNode site, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void emit(struct sbx__js *js, enum rule rule, TSNode site, const char *fmt, ...)
{
    char detail[sizeof(((struct sbx_finding *)0)->detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    TSPoint p = ts_node_start_point(site);
    unsigned line = js->depth ? js->at_line : p.row + 1;
    unsigned column = js->depth ? js->at_column : p.column + 1;
    if (sbx__analysis_add(js->ctx, &rules[rule], line, column, "%s%s",
                          js->depth ? "in evaluated code: " : "", detail) < 0)
        js->err = -ENOMEM;
}

/* "run (child_process.exec)" when the source spells it differently, else the source. */
static const char *describe(struct sbx__js *js, TSNode n, struct sbx__js_sym s, char *buf,
                            size_t size)
{
    char src[72], canon[64];
    sbx__js_excerpt(js, n, src, sizeof(src));
    s.flags = 0;
    sbx__js_sym_name(s, canon, sizeof(canon));
    if (!strcmp(src, canon))
        snprintf(buf, size, "%s", src);
    else
        snprintf(buf, size, "%s (%s)", src, canon);
    return buf;
}

struct args {
    TSNode v[MAX_ARGS];
    uint32_t n;
};

static void args_of(struct sbx__js *js, TSNode list, struct args *a)
{
    a->n = 0;
    enum sbx__js_kind kind = sbx__js_kind(js, list);
    if (kind == K_TEMPLATE) { /* tagged template: f`...` */
        a->v[a->n++] = list;
        return;
    }
    if (kind != K_ARGUMENTS && kind != K_ARRAY)
        return;
    struct sbx__js_kids k;
    TSNode n;
    sbx__js_kids_open(&k, list);
    while (a->n < MAX_ARGS && sbx__js_kids_next(&k, &n))
        a->v[a->n++] = n;
    sbx__js_kids_close(&k);
}

static void args_shift(struct args *a, uint32_t k)
{
    if (k >= a->n) {
        a->n = 0;
        return;
    }
    memmove(a->v, a->v + k, (a->n - k) * sizeof(a->v[0]));
    a->n -= k;
}

/* ------------------------------------------------------------------ modules */

enum how { HOW_REQUIRE, HOW_IMPORT_CALL, HOW_IMPORT, HOW_EXPORT };

static void module_finding(struct sbx__js *js, TSNode site, const char *name, size_t len,
                           enum how how)
{
    static const enum rule by_root[R__COUNT] = {
        [M_CHILD_PROCESS] = IMPORT_CHILD,
        [M_CLUSTER] = IMPORT_CHILD,
        [M_VM] = IMPORT_VM,
        [M_WORKER] = IMPORT_WORKER,
        [M_WASI] = IMPORT_WASI,
        [M_INSPECTOR] = IMPORT_INSPECTOR,
        [M_NET] = NET_SOCKET,
        [M_TLS] = NET_SOCKET,
        [M_DGRAM] = NET_SOCKET,
        [M_HTTP] = NET_HTTP,
        [M_HTTPS] = NET_HTTP,
        [M_HTTP2] = NET_HTTP,
        [M_UNDICI] = NET_HTTP,
        [M_WS] = NET_HTTP,
        [M_DNS] = NET_DNS,
    };
    struct sbx__js_sym s = sbx__js_module(name, len);
    if (s.root < R_MODULE_FIRST || by_root[s.root] == 0) /* 0: EXEC_SHELL, never an import */
        return;
    static const char *const what[] = {"require('", "import('", "import '", "export from '"};
    emit(js, by_root[s.root], site, "%s%.*s'%s", what[how], (int)(len > 100 ? 100 : len), name,
         how <= HOW_IMPORT_CALL ? ")" : "");
}

/* require(x), import(x), import ... from x, export ... from x. */
static void check_module_name(struct sbx__js *js, TSNode site, TSNode arg, enum how how)
{
    if (ts_node_is_null(arg))
        return;
    struct sbx__js_fold *f = malloc(sizeof(*f));
    char ex[72];
    if (!f) {
        js->err = -ENOMEM;
        return;
    }
    if (!sbx__js_fold(js, arg, f)) {
        if (how == HOW_REQUIRE || how == HOW_IMPORT_CALL)
            emit(js, how == HOW_REQUIRE ? IMPORT_DYN_REQUIRE : IMPORT_DYN_IMPORT, site, "%s",
                 sbx__js_excerpt(js, arg, ex, sizeof(ex)));
    } else {
        if (f->flags & (JS_FOLD_CONCAT | JS_FOLD_ESCAPE | JS_FOLD_DECODE))
            emit(js, OBF_MODULE_NAME, site, "%s = '%.60s'",
                 sbx__js_excerpt(js, arg, ex, sizeof(ex)), f->buf);
        module_finding(js, site, f->buf, f->len, how);
    }
    free(f);
}

/* ------------------------------------------------------------------ calls */

/* The rule for calling (or constructing) `s`, when that alone is dangerous. */
static int sink_rule(struct sbx__js_sym s)
{
    uint16_t m = s.n == 1 ? s.m[0] : V_NONE;
    switch (s.root) {
    case M_CHILD_PROCESS:
        if (m == V_EXEC)
            return EXEC_SHELL;
        if (m == V_EXECFILE || m == V_SPAWN || m == V_FORK || m == V_CHILDPROCESS)
            return EXEC_SPAWN;
        return -1;
    case M_CLUSTER:
        return m == V_FORK || m == V_SETUPPRIMARY || m == V_SETUPMASTER ? EXEC_CLUSTER : -1;
    case R_PROCESS:
        if (m == V_BINDING || m == V_LINKEDBINDING)
            return EXEC_BINDING;
        return m == V_DLOPEN ? EXEC_DLOPEN : -1;
    case R_EVAL:
        return s.n == 0 ? EVAL_EVAL : -1;
    case R_FUNCTION:
        return s.n == 0 ? EVAL_FUNCTION : -1;
    case M_VM:
        return m == V_RUNINCONTEXT || m == V_RUNINNEWCONTEXT || m == V_RUNINTHISCONTEXT ||
                       m == V_COMPILEFUNCTION || m == V_SCRIPT || m == V_SOURCETEXTMODULE
                   ? EVAL_VM
                   : -1;
    case R_FETCH:
        return s.n == 0 ? NET_FETCH : -1;
    case R_WEBSOCKET:
    case R_XHR:
    case R_EVENTSRC:
        return s.n == 0 ? NET_WEBSOCKET : -1;
    default:
        return -1;
    }
}

static bool runs_code(int rule)
{
    return rule == EXEC_SHELL || rule == EXEC_SPAWN || rule == EVAL_EVAL || rule == EVAL_FUNCTION ||
           rule == EVAL_VM || rule == EVAL_TIMER || rule == EVAL_WORKER;
}

/* An argument that is a string decoded at run time: atob(...), Buffer.from(x, 'base64')... */
static void check_decoded_args(struct sbx__js *js, TSNode site, const struct args *a)
{
    for (uint32_t i = 0; i < a->n; i++) {
        struct sbx__js_sym s = sbx__js_resolve(js, a->v[i]);
        bool decoded = s.flags & SF_DECODED;
        if (!decoded && sbx__js_kind(js, sbx__js_unwrap(js, a->v[i])) == K_CALL) {
            struct sbx__js_fold *f = malloc(sizeof(*f));
            decoded = f && sbx__js_fold(js, a->v[i], f) && (f->flags & JS_FOLD_DECODE);
            free(f);
        }
        if (decoded) {
            char ex[72];
            emit(js, OBF_DECODED, site, "%s", sbx__js_excerpt(js, a->v[i], ex, sizeof(ex)));
            return;
        }
    }
}

/* new Worker(code, {eval: true}) */
static bool worker_evals(struct sbx__js *js, const struct args *a)
{
    if (a->n < 2 || sbx__js_kind(js, a->v[1]) != K_OBJECT)
        return false;
    struct sbx__js_kids k;
    TSNode p;
    bool evals = false;
    sbx__js_kids_open(&k, a->v[1]);
    while (!evals && sbx__js_kids_next(&k, &p)) {
        uint32_t len;
        const char *t = sbx__js_text(js, sbx__js_field(js, p, F_KEY), &len);
        evals = sbx__js_kind(js, p) == K_PAIR && len == 4 && !memcmp(t, "eval", 4) &&
                sbx__js_kind(js, sbx__js_field(js, p, F_VALUE)) != K_FALSE;
    }
    sbx__js_kids_close(&k);
    return evals;
}

/* Whether fs.open()'s flags argument asks for writing. */
static bool open_writes(struct sbx__js *js, const struct args *a, uint32_t flags_at)
{
    if (flags_at >= a->n)
        return false;
    enum sbx__js_kind k = sbx__js_kind(js, a->v[flags_at]);
    if (k == K_ARROW || k == K_FUNCTION_EXPR || k == K_OBJECT)
        return false; /* a callback or an options object without flags */
    struct sbx__js_fold *f = malloc(sizeof(*f));
    bool w = true; /* numeric flags (O_WRONLY...): assume writing */
    if (f && sbx__js_fold(js, a->v[flags_at], f))
        w = strpbrk(f->buf, "wa+") != NULL;
    free(f);
    return w;
}

static void check_fs(struct sbx__js *js, TSNode site, TSNode callee, struct sbx__js_sym s,
                     const struct args *a)
{
    uint16_t method = V_NONE;
    if (s.n == 1)
        method = s.m[0];
    else if (s.n == 2 && s.m[0] == V_PROMISES)
        method = s.m[1];
    if (method >= V__COUNT || !fs_modes[method][0])
        return;
    struct sbx__js_fold *f = malloc(sizeof(*f));
    if (!f) {
        js->err = -ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < 2 && i < a->n; i++) {
        char mode = fs_modes[method][i], ex[72];
        bool write = mode == 'w' || (mode == 'o' && open_writes(js, a, 1));
        if (!mode || !sbx__js_fold(js, a->v[i], f) || f->len == 0 ||
            sbx__analysis_path_allowed(js->ctx, f->buf, write))
            continue;
        emit(js, write ? FS_WRITE : FS_READ, site, "%s('%.100s')",
             sbx__js_excerpt(js, callee, ex, sizeof(ex)), f->buf);
    }
    free(f);
}

/* The code string an evaluating call is given, when it is a constant: analysed as well. */
static void check_code_arg(struct sbx__js *js, TSNode site, const struct args *a, uint32_t at)
{
    if (at >= a->n)
        return;
    struct sbx__js_fold *f = malloc(sizeof(*f));
    if (!f) {
        js->err = -ENOMEM;
        return;
    }
    if (sbx__js_fold(js, a->v[at], f))
        sbx__js_analyze_nested(js, site, f->buf, f->len);
    free(f);
}

/* Calling or constructing `s` at `site`; `callee` is how the source names it. */
static void check_target(struct sbx__js *js, TSNode site, TSNode callee, struct sbx__js_sym s,
                         const struct args *a, bool is_new)
{
    char d[DESC_MAX];
    int rule = sink_rule(s);
    if (sbx__js_sym_is(s, R_TIMEOUT, 0, 0, 0) || sbx__js_sym_is(s, R_INTERVAL, 0, 0, 0))
        rule = a->n > 0 && sbx__js_stringish(js, a->v[0]) ? EVAL_TIMER : -1;
    if (is_new && sbx__js_sym_is(s, M_WORKER, 1, V_WORKER, 0) && worker_evals(js, a))
        rule = EVAL_WORKER;
    if (s.root == M_FS)
        check_fs(js, site, callee, s, a);
    if (rule < 0)
        return;
    emit(js, (enum rule)rule, site, "%s", describe(js, callee, s, d, sizeof(d)));
    if (rule == EVAL_FUNCTION && (s.flags & SF_CTOR_CHAIN))
        emit(js, OBF_CTOR_CHAIN, site, "%s", sbx__js_excerpt(js, callee, d, sizeof(d)));
    if (runs_code(rule))
        check_decoded_args(js, site, a);
    if (rule == EVAL_EVAL || rule == EVAL_FUNCTION || rule == EVAL_VM || rule == EVAL_TIMER ||
        rule == EVAL_WORKER)
        check_code_arg(js, site, a, rule == EVAL_FUNCTION ? a->n - 1 : 0);
}

/* `x[key]` on a global, process or dangerous module with a key that is not a plain literal. */
static void check_computed(struct sbx__js *js, TSNode sub, bool called)
{
    struct sbx__js_sym obj = sbx__js_resolve(js, sbx__js_field(js, sub, F_OBJECT));
    if (sbx__js_sym_empty(obj) || obj.root == R_LITERAL || obj.root == R_FUNCLIT)
        return;
    TSNode idx = sbx__js_unwrap(js, sbx__js_field(js, sub, F_INDEX));
    enum sbx__js_kind k = sbx__js_kind(js, idx);
    if (k == K_NUMBER)
        return;
    struct sbx__js_fold *f = malloc(sizeof(*f));
    char ex[72], canon[64];
    if (!f) {
        js->err = -ENOMEM;
        return;
    }
    bool folded = sbx__js_fold(js, idx, f);
    if (folded && (k == K_STRING || k == K_TEMPLATE) && !(f->flags & JS_FOLD_ESCAPE)) {
        free(f);
        return; /* cp['exec']: a plain name, the call check sees it */
    }
    if (folded) {
        struct sbx__js_sym res = sbx__js_member(obj, f->buf, (uint32_t)f->len, true);
        bool loader;
        if (sink_rule(res) >= 0 || sbx__js_is_require(res, &loader) ||
            (res.root == R_TIMEOUT || res.root == R_INTERVAL))
            emit(js, OBF_COMPUTED, sub, "%s (%s)", sbx__js_excerpt(js, sub, ex, sizeof(ex)),
                 sbx__js_sym_name(res, canon, sizeof(canon)));
    } else if (called && obj.n == 0 &&
               (obj.root == R_GLOBAL || obj.root == R_PROCESS || obj.root == R_MODULE ||
                obj.root == R_REQUIRE || obj.root == M_CHILD_PROCESS || obj.root == M_CLUSTER ||
                obj.root == M_VM || obj.root == M_FS || obj.root == M_WORKER ||
                obj.root == M_MODULE)) {
        emit(js, OBF_COMPUTED, sub, "%s", sbx__js_excerpt(js, sub, ex, sizeof(ex)));
    }
    free(f);
}

/* A dangerous function handed on as a value: arr.forEach(cp.execSync), {run: eval}. */
static void check_escaping(struct sbx__js *js, TSNode value)
{
    TSNode v = sbx__js_unwrap(js, value);
    enum sbx__js_kind k = sbx__js_kind(js, v);
    if (k != K_IDENT && k != K_MEMBER && k != K_SUBSCRIPT)
        return;
    struct sbx__js_sym s = sbx__js_resolve(js, v);
    if (s.flags & (SF_VIA_CALL | SF_VIA_APPLY | SF_VIA_BIND))
        return;
    int rule = sink_rule(s);
    char d[DESC_MAX], out[DESC_MAX + 24];
    if (rule < 0 || !runs_code(rule))
        return;
    snprintf(out, sizeof(out), "%s passed as a value", describe(js, v, s, d, sizeof(d)));
    emit(js, (enum rule)rule, v, "%s", out);
}

static void check_call(struct sbx__js *js, TSNode call)
{
    TSNode fn = sbx__js_field(js, call, F_FUNCTION);
    TSNode callee = sbx__js_unwrap(js, fn);
    struct args a;
    args_of(js, sbx__js_field(js, call, F_ARGUMENTS), &a);
    if (sbx__js_kind(js, callee) == K_IMPORT) {
        check_module_name(js, call, a.n ? a.v[0] : (TSNode){0}, HOW_IMPORT_CALL);
        return;
    }
    if (sbx__js_kind(js, callee) == K_SUBSCRIPT)
        check_computed(js, callee, true);
    struct sbx__js_sym s = sbx__js_resolve(js, fn);
    if (s.flags & SF_VIA_BIND)
        return; /* f.bind(x) makes a function; its calls are checked where they happen */
    if (s.flags & SF_VIA_CALL) {
        args_shift(&a, 1);
    } else if (s.flags & SF_VIA_APPLY) {
        TSNode arr = a.n > 1 ? a.v[1] : (TSNode){0};
        args_of(js, arr, &a);
    }
    s.flags &= (uint8_t) ~(SF_VIA_CALL | SF_VIA_APPLY);
    bool is_new = false;
    if ((sbx__js_sym_is(s, R_REFLECT, 1, V_APPLY, 0) ||
         sbx__js_sym_is(s, R_REFLECT, 1, V_CONSTRUCT, 0)) &&
        a.n > 0) { /* Reflect.apply(f, this, [args]), Reflect.construct(F, [args]) */
        is_new = s.m[0] == V_CONSTRUCT;
        callee = a.v[0];
        s = sbx__js_resolve(js, callee);
        TSNode arr = a.n > (is_new ? 1u : 2u) ? a.v[is_new ? 1 : 2] : (TSNode){0};
        args_of(js, arr, &a);
    }
    bool loader;
    if (sbx__js_is_require(s, &loader)) {
        char d[DESC_MAX];
        if (loader)
            emit(js, IMPORT_LOADER, call, "%s", describe(js, callee, s, d, sizeof(d)));
        check_module_name(js, call, a.n ? a.v[0] : (TSNode){0}, HOW_REQUIRE);
        return;
    }
    if (sbx__js_sym_is(s, M_UTIL, 1, V_PROMISIFY, 0))
        return; /* util.promisify(cp.exec): the result is tracked and checked when called */
    check_target(js, call, callee, s, &a, is_new);
    for (uint32_t i = 0; i < a.n; i++)
        check_escaping(js, a.v[i]);
}

static void check_new(struct sbx__js *js, TSNode n)
{
    TSNode ctor = sbx__js_field(js, n, F_CONSTRUCTOR);
    TSNode callee = sbx__js_unwrap(js, ctor);
    struct args a;
    args_of(js, sbx__js_field(js, n, F_ARGUMENTS), &a);
    if (sbx__js_kind(js, callee) == K_SUBSCRIPT)
        check_computed(js, callee, true);
    check_target(js, n, callee, sbx__js_resolve(js, ctor), &a, true);
}

void sbx__js_check(struct sbx__js *js, TSNode n)
{
    switch ((int)sbx__js_kind(js, n)) {
    case K_CALL:
        check_call(js, n);
        break;
    case K_NEW:
        check_new(js, n);
        break;
    case K_IMPORT_STMT:
        check_module_name(js, n, sbx__js_field(js, n, F_SOURCE), HOW_IMPORT);
        break;
    case K_EXPORT_STMT:
        check_module_name(js, n, sbx__js_field(js, n, F_SOURCE), HOW_EXPORT);
        break;
    case K_SUBSCRIPT:
        check_computed(js, n, false);
        break;
    case K_PAIR:
        check_escaping(js, sbx__js_field(js, n, F_VALUE));
        break;
    case K_ASSIGNMENT:
        check_escaping(js, sbx__js_field(js, n, F_RIGHT));
        break;
    default:
        break;
    }
}
