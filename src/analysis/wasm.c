/*
 * The WebAssembly analyser: reads the module with the bounds-checked reader (wasm-module.c) and
 * reports what its imports and memories say it will do. A malformed or truncated module is an
 * error (-EINVAL, SBX_ERR_INPUT, the reader's "offset 0x..: ..." message), not a finding.
 *
 * Positions: a module has no lines, so every finding is at line 1, column = the byte offset of
 * the import entry or memory type + 1.
 *
 * What is reported, for imports from "wasi_snapshot_preview1" or "wasi_unstable" (the modules
 * the sandbox's WASI host provides, all 46 preview1 functions):
 *   sock_*                                          WASM-NET-001  network            high
 *   path_open, path_filestat_*, path_readlink,      WASM-FS-001   filesystem         info
 *     fd_readdir (confined to the preopens)
 *   path_create_directory, path_remove_directory,   WASM-FS-002   filesystem         low
 *     path_rename, path_unlink_file
 *   path_symlink, path_link                         WASM-FS-003   filesystem         medium
 *   proc_raise (the host answers ENOSYS)            WASM-EXEC-001 command_execution  low
 * Nothing for args_*, environ_* (the environment is exactly the policy's --env entries),
 * clock_*, random_get, sched_yield, poll_oneoff, proc_exit and the other fd_* calls: they are
 * what every program does and reach nothing outside the sandbox's own view.
 * For any module: proc_exec/proc_spawn/proc_fork (WASIX)  WASM-EXEC-002 high; wasi-threads'
 * "wasi" "thread-spawn" WASM-THREAD-001 medium; and every import the host cannot satisfy (a
 * function, table, global or tag from another module, or an unknown WASI function) WASM-HOST-001
 * high, since the module will fail to instantiate. Memory imports are satisfied by the host
 * (it creates the memory), so they are checked only as memories.
 * Memories (imported and defined): initial pages above the policy's wasm_max_memory_pages
 * WASM-MEM-001 high; with a cap, no maximum or a maximum above it WASM-MEM-002 info (growth
 * stops at the cap); shared memory WASM-MEM-003 medium.
 *
 * The text format (.wat, which the engine assembles at run time) is not read: it gets one
 * WASM-TEXT-001 info finding saying so, rather than an error that would stop the run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/wasm-module.h"
#include "sbx/policy.h"
#include "util/cleanup.h"

#define NET "network"
#define FS "filesystem"
#define EXEC "command_execution"
#define IMP "dangerous_import"
#define RES "resource"

#define RULE(name, id_, cat, sev, msg, hnt)                                                        \
    const struct sbx__rule name = {                                                                \
        .id = id_, .category = cat, .severity = SBX_SEVERITY_##sev, .message = msg, .hint = hnt}

static RULE(net_socket, "WASM-NET-001", NET, HIGH, "uses network sockets (WASI sock_*)",
            "WASI preview1 sockets are only those the host pre-opens; this sandbox pre-opens "
            "none, so the calls fail");
static RULE(fs_read, "WASM-FS-001", FS, INFO, "opens, inspects or lists files",
            "confined to the preopened directories (the workspace and allowed_paths)");
static RULE(fs_modify, "WASM-FS-002", FS, LOW, "creates, deletes or renames files or directories",
            "confined to the preopened directories; read-only ones refuse it");
static RULE(fs_link, "WASM-FS-003", FS, MEDIUM, "creates symbolic or hard links",
            "the host resolves links itself and never leaves a preopen, but links are the usual "
            "way out of a confined tree: review why the program needs them");
static RULE(exec_raise, "WASM-EXEC-001", EXEC, LOW, "raises a signal (proc_raise)",
            "the sandbox's WASI host answers ENOSYS");
static RULE(exec_process, "WASM-EXEC-002", EXEC, HIGH,
            "tries to start or fork processes (WASIX proc_exec/proc_spawn/proc_fork)",
            "WASI preview1 cannot start processes; the sandbox's host does not provide these");
static RULE(thread_spawn, "WASM-THREAD-001", RES, MEDIUM, "starts threads (wasi-threads)",
            "the sandbox's WASI host does not provide thread-spawn; build without -pthread");
static RULE(host_missing, "WASM-HOST-001", IMP, HIGH,
            "imports something the WASI host does not provide (the module will fail to "
            "instantiate)",
            "the sandbox provides only wasi_snapshot_preview1 (and wasi_unstable); link the "
            "module without other host imports");
static RULE(mem_initial, "WASM-MEM-001", RES, HIGH,
            "declares more initial memory than the policy allows",
            "the module is refused before it starts; raise [runtimes.wasm] max_memory_pages or "
            "build with a smaller initial memory (-Wl,--initial-memory=)");
static RULE(mem_growth, "WASM-MEM-002", RES, INFO,
            "may grow its memory past the policy's cap (growth stops at the cap)",
            "memory.grow fails once the cap is reached; set a maximum (-Wl,--max-memory=)");
static RULE(mem_shared, "WASM-MEM-003", RES, MEDIUM, "declares a shared memory (threads)",
            "shared memories serve threads, which the sandbox's WASI host does not start");
static RULE(text_format, "WASM-TEXT-001", "syntax", INFO, "WebAssembly text format: not analysed",
            "the engine assembles .wat at run time; analyse the assembled .wasm for findings");

/* The 46 functions of WASI preview1, which the sandbox's host provides (sorted). */
static const char *const wasi_functions[] = {
    "args_get",
    "args_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "environ_get",
    "environ_sizes_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_dir_name",
    "fd_prestat_get",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "random_get",
    "sched_yield",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
};

/* A WASI function's family: the rule it triggers, or NULL. */
struct family {
    const char *name; /* exact, or a prefix when it ends with '*' */
    const struct sbx__rule *rule;
};

static const struct family wasi_families[] = {
    {"sock_*", &net_socket},
    {"path_open", &fs_read},
    {"path_filestat_get", &fs_read},
    {"path_filestat_set_times", &fs_read},
    {"path_readlink", &fs_read},
    {"fd_readdir", &fs_read},
    {"path_create_directory", &fs_modify},
    {"path_remove_directory", &fs_modify},
    {"path_rename", &fs_modify},
    {"path_unlink_file", &fs_modify},
    {"path_symlink", &fs_link},
    {"path_link", &fs_link},
    {"proc_raise", &exec_raise},
};

static const char *const process_functions[] = {"proc_exec",  "proc_exec2",  "proc_exec3",
                                                "proc_spawn", "proc_spawn2", "proc_fork"};

static bool is_wasi_module(struct sbx__wasm_name module)
{
    return sbx__wasm_name_eq(module, "wasi_snapshot_preview1") ||
           sbx__wasm_name_eq(module, "wasi_unstable");
}

static bool is_wasi_function(struct sbx__wasm_name field)
{
    for (size_t i = 0; i < ARRAY_SIZE(wasi_functions); i++)
        if (sbx__wasm_name_eq(field, wasi_functions[i]))
            return true;
    return false;
}

static const struct sbx__rule *family_rule(struct sbx__wasm_name field)
{
    char prefix[32];
    for (size_t i = 0; i < ARRAY_SIZE(wasi_families); i++) {
        const char *n = wasi_families[i].name;
        size_t len = strlen(n);
        if (n[len - 1] != '*' && sbx__wasm_name_eq(field, n))
            return wasi_families[i].rule;
        if (n[len - 1] == '*' && len < sizeof(prefix)) {
            memcpy(prefix, n, len - 1);
            prefix[len - 1] = '\0';
            if (sbx__wasm_name_has_prefix(field, prefix))
                return wasi_families[i].rule;
        }
    }
    return NULL;
}

/* What the host can satisfy: WASI preview1 functions, and memories (it creates them). */
static bool host_provides(const struct sbx__wasm_import *imp)
{
    if (imp->kind == SBX_WASM_MEMORY)
        return true;
    return imp->kind == SBX_WASM_FUNC && is_wasi_module(imp->module) &&
           is_wasi_function(imp->field);
}

static unsigned column_of(size_t offset)
{
    return offset < UINT32_MAX ? (unsigned)offset + 1 : UINT32_MAX;
}

static int check_import(struct sbx__analysis_ctx *ctx, const struct sbx__wasm_import *imp)
{
    char mod[64], field[96];
    sbx__wasm_name_printable(imp->module, mod, sizeof(mod));
    sbx__wasm_name_printable(imp->field, field, sizeof(field));
    unsigned col = column_of(imp->offset);
    const char *kind = sbx__wasm_kind_name(imp->kind);
    int r = 0;
    if (!host_provides(imp))
        r = sbx__analysis_add(ctx, &host_missing, 1, col, "%s.%s (%s)", mod, field, kind);
    if (r < 0 || imp->kind != SBX_WASM_FUNC)
        return r;
    const struct sbx__rule *rule = is_wasi_module(imp->module) ? family_rule(imp->field) : NULL;
    for (size_t i = 0; !rule && i < ARRAY_SIZE(process_functions); i++)
        if (sbx__wasm_name_eq(imp->field, process_functions[i]))
            rule = &exec_process;
    if (!rule && sbx__wasm_name_eq(imp->module, "wasi") &&
        sbx__wasm_name_eq(imp->field, "thread-spawn"))
        rule = &thread_spawn;
    return rule ? sbx__analysis_add(ctx, rule, 1, col, "%s.%s", mod, field) : 0;
}

/* "memory 0" or "memory 0 (env.mem)". */
static void memory_label(const struct sbx__wasm_module *m, uint32_t i, char *buf, size_t size)
{
    const struct sbx__wasm_memory *mem = &m->memories[i];
    if (!mem->imported) {
        snprintf(buf, size, "memory %" PRIu32, i);
        return;
    }
    char mod[40], field[40];
    const struct sbx__wasm_import *imp = &m->imports[mem->import];
    snprintf(buf, size, "memory %" PRIu32 " (%s.%s)", i,
             sbx__wasm_name_printable(imp->module, mod, sizeof(mod)),
             sbx__wasm_name_printable(imp->field, field, sizeof(field)));
}

static int check_memory(struct sbx__analysis_ctx *ctx, const struct sbx__wasm_module *m, uint32_t i)
{
    const struct sbx__wasm_limits *l = &m->memories[i].limits;
    uint64_t cap = ctx->policy->wasm_max_memory_pages;
    unsigned col = column_of(m->memories[i].offset);
    char what[112];
    memory_label(m, i, what, sizeof(what));
    int r = 0;
    if (cap && l->min > cap)
        r = sbx__analysis_add(ctx, &mem_initial, 1, col,
                              "%s: %" PRIu64
                              " initial pages (%.2f MiB) > max_memory_pages %" PRIu64,
                              what, l->min, (double)l->min / 16.0, cap);
    else if (cap && (!l->has_max || l->max > cap))
        r = l->has_max
                ? sbx__analysis_add(ctx, &mem_growth, 1, col,
                                    "%s: maximum %" PRIu64 " pages > max_memory_pages %" PRIu64,
                                    what, l->max, cap)
                : sbx__analysis_add(ctx, &mem_growth, 1, col,
                                    "%s: no maximum; max_memory_pages %" PRIu64, what, cap);
    if (r >= 0 && l->shared)
        r = sbx__analysis_add(ctx, &mem_shared, 1, col,
                              "%s: shared, %" PRIu64 "..%" PRIu64 " pages", what, l->min, l->max);
    return r;
}

/* The text format starts with '(' or a comment after optional white space (and a BOM). */
static bool looks_like_text(const uint8_t *data, size_t len)
{
    size_t i = len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (i < len && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    return i < len && (data[i] == '(' || data[i] == ';');
}

int sbx__analyze_wasm(struct sbx__analysis_ctx *ctx, const uint8_t *data, size_t len,
                      struct sbx_error *err)
{
    if (looks_like_text(data, len))
        return sbx__analysis_add(ctx, &text_format, 1, 1, "%zu bytes of .wat", len);
    struct sbx__wasm_module *m = NULL;
    int r = sbx__wasm_module_read(data, len, &m, err);
    if (r < 0)
        return r;
    for (uint32_t i = 0; r >= 0 && i < m->n_imports; i++)
        r = check_import(ctx, &m->imports[i]);
    for (uint32_t i = 0; r >= 0 && i < m->n_memories; i++)
        r = check_memory(ctx, m, i);
    sbx__wasm_module_free(m);
    return r;
}
