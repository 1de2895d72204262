/*
 * Internals of the JavaScript analyser, shared by javascript.c (parse, walk, scopes, replays),
 * javascript-resolve.c (what an expression refers to; constant strings) and javascript-rules.c
 * (the rule table and the checks). Nothing here is used outside src/analysis/javascript*.c.
 */
#ifndef SBX_ANALYSIS_JAVASCRIPT_H
#define SBX_ANALYSIS_JAVASCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "analysis/analysis.h"

#define SBX_JS_NONE UINT32_MAX
#define SBX_JS_FOLD_MAX 4096 /* longest folded string (PATH_MAX) */

/* Node types the analyser tells apart (tree-sitter symbols are mapped to these once). */
enum sbx__js_kind {
    K_OTHER,
    K_NULL,
    K_PROGRAM,
    K_FUNCTION_DECL,
    K_FUNCTION_EXPR,
    K_ARROW,
    K_METHOD,
    K_STATIC_BLOCK,
    K_BLOCK,
    K_FOR,
    K_FOR_IN,
    K_CATCH,
    K_SWITCH_BODY,
    K_CLASS_DECL,
    K_CLASS,
    K_LEXICAL_DECL,
    K_VARIABLE_DECL,
    K_DECLARATOR,
    K_IMPORT_STMT,
    K_EXPORT_STMT,
    K_IMPORT_CLAUSE,
    K_NAMESPACE_IMPORT,
    K_NAMED_IMPORTS,
    K_IMPORT_SPECIFIER,
    K_CALL,
    K_NEW,
    K_MEMBER,
    K_SUBSCRIPT,
    K_IDENT,
    K_PROPERTY_IDENT,
    K_SHORTHAND_PATTERN,
    K_OBJECT_PATTERN,
    K_ARRAY_PATTERN,
    K_PAIR_PATTERN,
    K_OBJECT_ASSIGN_PATTERN,
    K_ASSIGN_PATTERN,
    K_REST_PATTERN,
    K_ASSIGNMENT,
    K_PAIR,
    K_STRING,
    K_STRING_FRAGMENT,
    K_ESCAPE,
    K_TEMPLATE,
    K_TEMPLATE_SUBST,
    K_BINARY,
    K_PAREN,
    K_SEQUENCE,
    K_AWAIT,
    K_TERNARY,
    K_IMPORT,
    K_ARGUMENTS,
    K_ARRAY,
    K_OBJECT,
    K_NUMBER,
    K_REGEX,
    K_TRUE,
    K_FALSE,
    K_FORMAL_PARAMS,
    K_CONST_DECL, /* not a tree-sitter type: a lexical_declaration with `const` */
    K__COUNT
};

enum sbx__js_field {
    F_NAME,
    F_VALUE,
    F_FUNCTION,
    F_ARGUMENTS,
    F_OBJECT,
    F_PROPERTY,
    F_INDEX,
    F_CONSTRUCTOR,
    F_SOURCE,
    F_ALIAS,
    F_LEFT,
    F_RIGHT,
    F_KEY,
    F_PARAMETERS,
    F_PARAMETER,
    F_KIND,
    F_CONSEQUENCE,
    F_ALTERNATIVE,
    F_OPERATOR,
    F__COUNT
};

/* What a value is: a global, a module, or a pseudo value the rules care about. */
enum sbx__js_root {
    R_NONE,      /* unknown */
    R_GLOBAL,    /* globalThis, window, global, self */
    R_REQUIRE,   /* the CommonJS require function */
    R_MODULE,    /* the CommonJS `module` object */
    R_PROCESS,   /* process */
    R_EVAL,      /* eval */
    R_FUNCTION,  /* Function (or AsyncFunction, GeneratorFunction) */
    R_TIMEOUT,   /* setTimeout */
    R_INTERVAL,  /* setInterval */
    R_FETCH,     /* fetch */
    R_WEBSOCKET, /* WebSocket */
    R_XHR,       /* XMLHttpRequest */
    R_EVENTSRC,  /* EventSource */
    R_ATOB,      /* atob */
    R_BUFFER,    /* Buffer */
    R_STRING,    /* String */
    R_REFLECT,   /* Reflect */
    R_OBJECT,    /* Object */
    R_UNESCAPE,  /* unescape */
    R_DECODEURI, /* decodeURIComponent, decodeURI */
    R_CTOR,      /* the constructor of some object ([].constructor) */
    R_FUNCLIT,   /* a function or class written in the program */
    R_FUNCPROTO, /* the prototype of a function (Object.getPrototypeOf(async () => {})) */
    R_LITERAL,   /* an array, object, string, number... literal */
    R_MODULE_FIRST,
    M_CHILD_PROCESS = R_MODULE_FIRST,
    M_CLUSTER,
    M_FS,
    M_VM,
    M_WORKER,
    M_WASI,
    M_NET,
    M_TLS,
    M_DGRAM,
    M_HTTP,
    M_HTTPS,
    M_HTTP2,
    M_UNDICI,
    M_WS,
    M_DNS,
    M_MODULE,
    M_UTIL,
    M_INSPECTOR,
    R__COUNT
};

/* Member names the rules know (others are V_OTHER); a trailing "Sync" is ignored. */
enum sbx__js_vocab {
    V_NONE,
    V_OTHER,
    V_CHILDPROCESS,
    V_MODULE,
    V_SCRIPT,
    V_SOURCETEXTMODULE,
    V_WASI,
    V_WORKER,
    V_LINKEDBINDING,
    V_LOAD,
    V_ACCESS,
    V_APPENDFILE,
    V_APPLY,
    V_BIND,
    V_BINDING,
    V_CALL,
    V_CHMOD,
    V_CHOWN,
    V_COMPILEFUNCTION,
    V_CONSTRUCT,
    V_CONSTRUCTOR,
    V_COPYFILE,
    V_CP,
    V_CREATEREADSTREAM,
    V_CREATEREQUIRE,
    V_CREATEWRITESTREAM,
    V_DLOPEN,
    V_EXEC,
    V_EXECFILE,
    V_EXISTS,
    V_FORK,
    V_FROM,
    V_FROMCHARCODE,
    V_FROMCODEPOINT,
    V_GETPROTOTYPEOF,
    V_LCHMOD,
    V_LCHOWN,
    V_LINK,
    V_LSTAT,
    V_LUTIMES,
    V_MAIN,
    V_MAINMODULE,
    V_MKDIR,
    V_MKDTEMP,
    V_OPEN,
    V_OPENDIR,
    V_PROMISES,
    V_PROMISIFY,
    V_PROTOTYPE,
    V_READFILE,
    V_READDIR,
    V_READLINK,
    V_REALPATH,
    V_RENAME,
    V_REQUIRE,
    V_RM,
    V_RMDIR,
    V_RUNINCONTEXT,
    V_RUNINNEWCONTEXT,
    V_RUNINTHISCONTEXT,
    V_SETUPMASTER,
    V_SETUPPRIMARY,
    V_SPAWN,
    V_STAT,
    V_STATFS,
    V_SYMLINK,
    V_TRUNCATE,
    V_UNLINK,
    V_UTIMES,
    V_WATCH,
    V_WATCHFILE,
    V_WRITEFILE,
    V__COUNT
};

enum {
    SF_VIA_CALL = 1,   /* f.call: calling it calls f with `this` first */
    SF_VIA_APPLY = 2,  /* f.apply: calling it calls f with an array of arguments */
    SF_VIA_BIND = 4,   /* f.bind: calling it returns f */
    SF_CTOR_CHAIN = 8, /* Function reached through .constructor */
    SF_COMPUTED = 16,  /* reached through a subscript whose key was assembled or escaped */
    SF_DECODED = 32,   /* a string decoded at run time (atob, fromCharCode, base64 Buffer) */
};

/* A resolved value: root plus up to three known members (child_process.exec, fs.promises.rm). */
struct sbx__js_sym {
    uint8_t root, n, flags;
    uint16_t m[3];
};

enum sbx__js_ev { EV_ENTER, EV_EXIT, EV_RESOLVE, EV_ASSIGN, EV_CHECK };

struct sbx__js_event {
    uint8_t type;
    uint32_t a; /* scope id (ENTER/EXIT) or binding id (RESOLVE) */
    TSNode node;
};

struct sbx__js_binding {
    uint32_t name, scope, group, value_ev; /* value_ev: its RESOLVE event or SBX_JS_NONE */
    uint8_t path_n;
    bool is_const;
    uint32_t path_off[3], path_len[3]; /* members taken by destructuring: {exec: run} = cp */
    struct sbx__js_sym pre; /* known without resolution (imports, function declarations) */
};

struct sbx__js_group {   /* the bindings of one name in one scope */
    uint32_t name, prev; /* prev: the group this one hides (during a replay) */
    uint32_t const_ev;   /* the value of a lone `const` binding, or SBX_JS_NONE */
    uint32_t read_min;   /* first event that read it in this replay */
    struct sbx__js_sym sym;
};

struct sbx__js_scope {
    uint32_t first, n; /* its groups */
};

struct sbx__js_name {
    uint32_t off, len, top, hash; /* top: innermost visible group (during a replay) */
};

struct sbx__js_frame {
    uint32_t scope, depth;
    uint32_t func_frame; /* the innermost function scope's frame (where `var` goes) */
};

struct sbx__js {
    struct sbx__analysis_ctx *ctx;
    const char *src;
    uint32_t len;
    uint8_t *kinds; /* tree-sitter symbol -> enum sbx__js_kind */
    uint32_t n_kinds;
    TSFieldId f[F__COUNT];
    struct sbx__js_event *ev;
    size_t n_ev, cap_ev;
    struct sbx__js_binding *b;
    size_t n_b, cap_b;
    struct sbx__js_scope *sc;
    size_t n_sc, cap_sc;
    struct sbx__js_group *g;
    size_t n_g;
    struct sbx__js_name *names;
    size_t n_names, cap_names;
    uint32_t *htab;
    size_t hmask;
    struct sbx__js_frame *stack;
    size_t n_stack, cap_stack;
    uint32_t cur_ev;
    bool again, reporting, syntax_seen;
    /* Code given to eval/Function/vm as a constant string is analysed too, its findings placed
     * at the call (at_line/at_column, nonzero when depth > 0). */
    unsigned depth, at_line, at_column;
    unsigned *nested; /* nested analyses so far in this file */
    int steps;
    int err; /* sticky -ENOMEM */
};

/* Folded constant string. */
struct sbx__js_fold {
    char buf[SBX_JS_FOLD_MAX];
    size_t len;
    unsigned flags; /* JS_FOLD_* */
    int steps;
    bool fail;
};

enum {
    JS_FOLD_CONCAT = 1, /* pieces joined with + */
    JS_FOLD_ESCAPE = 2, /* escape sequences */
    JS_FOLD_DECODE = 4, /* atob, String.fromCharCode, reversed */
    JS_FOLD_CONST = 8,  /* through a const binding */
};

/* Named children, comments skipped, without the quadratic cost of ts_node_named_child(n, i)
 * in a loop. */
struct sbx__js_kids {
    TSTreeCursor c;
    bool ok;
};

/* javascript.c */
SBX_INTERNAL void sbx__js_kids_open(struct sbx__js_kids *k, TSNode n);
SBX_INTERNAL bool sbx__js_kids_next(struct sbx__js_kids *k, TSNode *ret);
SBX_INTERNAL void sbx__js_kids_close(struct sbx__js_kids *k);
/* The i-th named child that is not a comment, or a null node. */
SBX_INTERNAL TSNode sbx__js_child(TSNode n, uint32_t i);
SBX_INTERNAL enum sbx__js_kind sbx__js_kind(const struct sbx__js *js, TSNode n);
SBX_INTERNAL TSNode sbx__js_field(const struct sbx__js *js, TSNode n, enum sbx__js_field f);
SBX_INTERNAL const char *sbx__js_text(const struct sbx__js *js, TSNode n, uint32_t *len);
SBX_INTERNAL TSNode sbx__js_unwrap(const struct sbx__js *js, TSNode n);
SBX_INTERNAL uint32_t sbx__js_lookup(struct sbx__js *js, TSNode ident);
SBX_INTERNAL const char *sbx__js_excerpt(const struct sbx__js *js, TSNode n, char *buf,
                                         size_t size);

/* Analyse `code` (a constant string that `site` evaluates) as JavaScript; bounded in depth and
 * number per file. */
SBX_INTERNAL void sbx__js_analyze_nested(struct sbx__js *js, TSNode site, const char *code,
                                         size_t len);

/* javascript-resolve.c */
SBX_INTERNAL struct sbx__js_sym sbx__js_resolve(struct sbx__js *js, TSNode n);
SBX_INTERNAL bool sbx__js_fold(struct sbx__js *js, TSNode n, struct sbx__js_fold *f);
SBX_INTERNAL bool sbx__js_stringish(struct sbx__js *js, TSNode n);
SBX_INTERNAL bool sbx__js_sym_empty(struct sbx__js_sym s);
SBX_INTERNAL bool sbx__js_sym_is(struct sbx__js_sym s, uint8_t root, int n, uint16_t m0,
                                 uint16_t m1);
SBX_INTERNAL struct sbx__js_sym sbx__js_member(struct sbx__js_sym obj, const char *name,
                                               uint32_t len, bool computed);
SBX_INTERNAL struct sbx__js_sym sbx__js_module(const char *name, size_t len);
SBX_INTERNAL bool sbx__js_is_require(struct sbx__js_sym s, bool *loader);

/* javascript-rules.c: tables and checks */
SBX_INTERNAL uint16_t sbx__js_vocab(const char *name, uint32_t len);
SBX_INTERNAL uint8_t sbx__js_global(const char *name, uint32_t len);
SBX_INTERNAL bool sbx__js_module_root(const char *name, size_t len, uint8_t *root,
                                      uint16_t *member);
SBX_INTERNAL const char *sbx__js_sym_name(struct sbx__js_sym s, char *buf, size_t size);
SBX_INTERNAL void sbx__js_check(struct sbx__js *js, TSNode n);
/* The rule whose id is `id` (a JS-* rule), or NULL. */
SBX_INTERNAL const struct sbx__rule *sbx__js_rule(const char *id);
/* The rule whose id string is at address `id` (a pointer a forked child sent back: only
 * compared with the table's, never read), or NULL. */
SBX_INTERNAL const struct sbx__rule *sbx__js_rule_by_id_pointer(const char *id);

#endif
