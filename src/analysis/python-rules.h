/*
 * The Python rules (python-rules.c) as data: the rule records, and the tables that map what the
 * analyser resolves (a qualified call name, an imported module, an attribute name) to a rule and
 * to how the call's arguments are read. python.c walks the tree; this file decides nothing.
 */
#ifndef SBX_ANALYSIS_PYTHON_RULES_H
#define SBX_ANALYSIS_PYTHON_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/analysis.h"

/* How a matched call's arguments are looked at. */
enum py_args {
    PY_ARGS_NONE,       /* the call itself is the finding */
    PY_ARGS_SHELL,      /* subprocess-like: shell=True makes it PY-EXEC-004 */
    PY_ARGS_OPEN,       /* path arg 0, mode arg 1 or mode= ("w", "a", "x", "+" write) */
    PY_ARGS_OS_OPEN,    /* path arg 0, flags arg 1 (O_WRONLY, O_RDWR, O_CREAT... write) */
    PY_ARGS_READ0,      /* path arg 0 is read */
    PY_ARGS_WRITE0,     /* path arg 0 is written (or removed) */
    PY_ARGS_WRITE01,    /* paths arg 0 and 1 are written (rename, move) */
    PY_ARGS_READ0_W1,   /* copy: arg 0 read, arg 1 written */
    PY_ARGS_WRITE1,     /* arg 1 is written (symlink, link) */
    PY_ARGS_EVAL,       /* eval/exec: code arg 0 (constant, computed, or decoded) */
    PY_ARGS_COMPILE,    /* compile and friends: decoded arg 0 is PY-OBF-004 */
    PY_ARGS_GETATTR,    /* getattr/setattr/delattr: computed name arg 1 */
    PY_ARGS_DYN_IMPORT, /* __import__ / import_module: computed name arg 0 */
};

struct py_call_rule {
    const char *name;             /* qualified, "os.system"; a trailing '*' matches any suffix */
    const struct sbx__rule *rule; /* NULL for file calls: the path decides (PY-FS-*) */
    enum py_args args;
    bool destructive; /* file calls that delete, move or change permissions */
};

/* The rule for a qualified call name ("subprocess.run", "eval"), or NULL. Names starting with
 * "builtins." or "__builtins__." are matched as the bare builtin. */
SBX_INTERNAL const struct py_call_rule *sbx__py_call_rule(const char *qualified);

/* Whether `root` (the first dotted component) can start a matched name: a cheap pre-filter. */
SBX_INTERNAL bool sbx__py_is_dangerous_root(const char *root, size_t len);

/* The rule for importing `module` (dotted, "urllib.request"), or NULL. */
SBX_INTERNAL const struct sbx__rule *sbx__py_import_rule(const char *module);

/* Whether an attribute name reaches interpreter internals ("__globals__", "f_back"...). */
SBX_INTERNAL bool sbx__py_is_internal_attr(const char *name, size_t len);

/* Whether a qualified call decodes or assembles data (base64.b64decode, zlib.decompress, chr,
 * bytes.fromhex, codecs.decode...). */
SBX_INTERNAL bool sbx__py_is_decoder(const char *qualified);

/* Every Python rule, for listing and for checking allow_rules. */
SBX_INTERNAL extern const struct sbx__rule *const sbx__py_rules[];
SBX_INTERNAL extern const size_t sbx__py_n_rules;

/* The rules python.c reports by itself (not through the tables). */
SBX_INTERNAL extern const struct sbx__rule sbx__py_exec_shell, sbx__py_fs_read, sbx__py_fs_write,
    sbx__py_fs_destructive, sbx__py_import_dynamic, sbx__py_import_star, sbx__py_eval_computed,
    sbx__py_eval_constant, sbx__py_obf_getattr, sbx__py_obf_getattr_module, sbx__py_obf_builtins,
    sbx__py_obf_internals, sbx__py_obf_decoded, sbx__py_obf_namespace, sbx__py_obf_too_deep;

#endif
