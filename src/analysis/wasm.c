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
 * The text format (.wat, which the engine assembles at run time) is scanned by wasm-text.c for
 * the same imports and memories; its findings carry real line:column positions, and a text
 * syntax error is reported as the analysis' syntax error (not a failure), as for Python and JS.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/wasm-module.h"
#include "analysis/wasm-rules.h"
#include "analysis/wasm-text.h"
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

const struct sbx__rule *const sbx__wasm_rules[] = {
    &exec_raise,  &exec_process, &fs_read,    &fs_modify,  &fs_link,      &host_missing,
    &mem_initial, &mem_growth,   &mem_shared, &net_socket, &thread_spawn,
};
const size_t sbx__wasm_n_rules = ARRAY_SIZE(sbx__wasm_rules);

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
/* What the host can satisfy: WASI preview1 functions, and memories (it creates them). */
static bool host_provides(struct sbx__wasm_name module, struct sbx__wasm_name field,
                          enum sbx__wasm_kind kind)
{
    if (kind == SBX_WASM_MEMORY)
        return true;
    return kind == SBX_WASM_FUNC && is_wasi_module(module) && is_wasi_function(field);
}

static unsigned column_of(size_t offset)
{
    return offset < UINT32_MAX ? (unsigned)offset + 1 : UINT32_MAX;
}

/* The rules of one import at line:col (binary: 1:offset+1; text: the import form). */
static int check_import(struct sbx__analysis_ctx *ctx, struct sbx__wasm_name module,
                        struct sbx__wasm_name field, enum sbx__wasm_kind kind, unsigned line,
                        unsigned col)
{
    char mod[64], fld[96];
    sbx__wasm_name_printable(module, mod, sizeof(mod));
    sbx__wasm_name_printable(field, fld, sizeof(fld));
    int r = 0;
    if (!host_provides(module, field, kind))
        r = sbx__analysis_add(ctx, &host_missing, line, col, "%s.%s (%s)", mod, fld,
                              sbx__wasm_kind_name(kind));
    if (r < 0 || kind != SBX_WASM_FUNC)
        return r;
    const struct sbx__rule *rule = is_wasi_module(module) ? family_rule(field) : NULL;
    for (size_t i = 0; !rule && i < ARRAY_SIZE(process_functions); i++)
        if (sbx__wasm_name_eq(field, process_functions[i]))
            rule = &exec_process;
    if (!rule && sbx__wasm_name_eq(module, "wasi") && sbx__wasm_name_eq(field, "thread-spawn"))
        rule = &thread_spawn;
    return rule ? sbx__analysis_add(ctx, rule, line, col, "%s.%s", mod, fld) : 0;
}

/* The memory rules for limits `l` of the memory called `what` at line:col. */
static int check_memory(struct sbx__analysis_ctx *ctx, const struct sbx__wasm_limits *l,
                        const char *what, unsigned line, unsigned col)
{
    uint64_t cap = ctx->policy->wasm_max_memory_pages;
    int r = 0;
    if (cap && l->min > cap)
        r = sbx__analysis_add(ctx, &mem_initial, line, col,
                              "%s: %" PRIu64
                              " initial pages (%.2f MiB) > max_memory_pages %" PRIu64,
                              what, l->min, (double)l->min / 16.0, cap);
    else if (cap && (!l->has_max || l->max > cap))
        r = l->has_max
                ? sbx__analysis_add(ctx, &mem_growth, line, col,
                                    "%s: maximum %" PRIu64 " pages > max_memory_pages %" PRIu64,
                                    what, l->max, cap)
                : sbx__analysis_add(ctx, &mem_growth, line, col,
                                    "%s: no maximum; max_memory_pages %" PRIu64, what, cap);
    /* (A binary module's shared memory always has a maximum; a .wat one may lack it.) */
    if (r >= 0 && l->shared && l->has_max)
        r = sbx__analysis_add(ctx, &mem_shared, line, col,
                              "%s: shared, %" PRIu64 "..%" PRIu64 " pages", what, l->min, l->max);
    else if (r >= 0 && l->shared)
        r = sbx__analysis_add(ctx, &mem_shared, line, col,
                              "%s: shared, %" PRIu64 " pages, no maximum", what, l->min);
    return r;
}

/* "memory 0", "memory 0 (env.mem)"; in text "memory $id" or "memory", and the import. */
static void memory_label(char *buf, size_t size, const char *index_or_id,
                         struct sbx__wasm_name module, struct sbx__wasm_name field, bool imported)
{
    char mod[40], fld[40];
    if (!imported) {
        snprintf(buf, size, "memory%s", index_or_id);
        return;
    }
    snprintf(buf, size, "memory%s (%s.%s)", index_or_id,
             sbx__wasm_name_printable(module, mod, sizeof(mod)),
             sbx__wasm_name_printable(field, fld, sizeof(fld)));
}

static int analyse_binary(struct sbx__analysis_ctx *ctx, const uint8_t *data, size_t len,
                          struct sbx_error *err)
{
    struct sbx__wasm_module *m = NULL;
    int r = sbx__wasm_module_read(data, len, &m, err);
    if (r < 0)
        return r;
    for (uint32_t i = 0; r >= 0 && i < m->n_imports; i++) {
        const struct sbx__wasm_import *imp = &m->imports[i];
        r = check_import(ctx, imp->module, imp->field, imp->kind, 1, column_of(imp->offset));
    }
    for (uint32_t i = 0; r >= 0 && i < m->n_memories; i++) {
        const struct sbx__wasm_memory *mem = &m->memories[i];
        const struct sbx__wasm_import *imp = mem->imported ? &m->imports[mem->import] : NULL;
        char index[16], what[112];
        snprintf(index, sizeof(index), " %" PRIu32, i);
        memory_label(what, sizeof(what), index, imp ? imp->module : (struct sbx__wasm_name){0},
                     imp ? imp->field : (struct sbx__wasm_name){0}, imp != NULL);
        r = check_memory(ctx, &mem->limits, what, 1, column_of(mem->offset));
    }
    sbx__wasm_module_free(m);
    return r;
}

/* ---- the text format ---- */

static int text_import(void *opaque, const struct sbx__wat_import *imp)
{
    return check_import(opaque, imp->module, imp->field, imp->kind, imp->line, imp->column);
}

static int text_memory(void *opaque, const struct sbx__wat_memory *mem)
{
    char id[48] = "", what[112];
    if (!mem->limits_known)
        return 0;
    if (mem->id.len) {
        id[0] = ' ';
        sbx__wasm_name_printable(mem->id, id + 1, sizeof(id) - 1);
    }
    memory_label(what, sizeof(what), id, mem->imp_module, mem->imp_field, mem->imp_module.ptr);
    return check_memory(opaque, &mem->limits, what, mem->line, mem->column);
}

static int analyse_text(struct sbx__analysis_ctx *ctx, const char *src, size_t len)
{
    const struct sbx__wat_visitor v = {text_import, text_memory, ctx};
    unsigned line, col;
    int r = sbx__wat_scan(src, len, &v, &line, &col);
    if (r >= 0 && line)
        sbx__analysis_syntax_error(ctx, line, col);
    return r;
}

int sbx__analyze_wasm(struct sbx__analysis_ctx *ctx, const uint8_t *data, size_t len,
                      struct sbx_error *err)
{
    if (sbx__wat_looks_like_text((const char *)data, len))
        return analyse_text(ctx, (const char *)data, len);
    return analyse_binary(ctx, data, len, err);
}
