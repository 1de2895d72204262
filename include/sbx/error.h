/*
 * sbx/error.h: the error record every public and boundary function fills.
 *
 * A struct sbx_error never allocates: it is a fixed-size value, so the sandbox's child
 * processes can fill it between clone and exec and send it to the supervisor over a pipe.
 * Functions that take a `struct sbx_error *err` write it only on failure; `err` may be NULL.
 */
#ifndef SBX_ERROR_H
#define SBX_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SBX_BUILDING_LIBRARY)
#define SBX_API __attribute__((visibility("default")))
#else
#define SBX_API
#endif

/* What kind of failure: the CLI maps these to its exit codes. */
enum sbx_error_kind {
    SBX_ERR_NONE = 0,
    SBX_ERR_USAGE,       /* a bad value in the policy or request */
    SBX_ERR_INPUT,       /* the program file (or stdin file) is missing or unreadable */
    SBX_ERR_UNSUPPORTED, /* no runtime handles this file */
    SBX_ERR_NO_RUNTIME,  /* the interpreter is missing or not a real binary */
    SBX_ERR_HOST,        /* this host cannot enforce what the policy asks for */
    SBX_ERR_INTERNAL,    /* the sandbox itself failed */
};

/* Where it failed. */
enum sbx_stage {
    SBX_STAGE_NONE = 0,
    SBX_STAGE_POLICY,
    SBX_STAGE_RUNTIME,
    SBX_STAGE_WORKSPACE,
    SBX_STAGE_SPAWN,
    SBX_STAGE_USERNS,
    SBX_STAGE_MOUNTS,
    SBX_STAGE_PRIVILEGES,
    SBX_STAGE_EXEC,
    SBX_STAGE_SUPERVISE,
    SBX_STAGE_CLEANUP,
};

#define SBX_ERROR_MESSAGE_MAX 512

struct sbx_error {
    enum sbx_error_kind kind;
    enum sbx_stage stage;
    int errnum;                          /* errno of the failing call, 0 if none */
    char message[SBX_ERROR_MESSAGE_MAX]; /* "what: why", NUL-terminated, never empty on error */
};

/* Name of a stage ("mounts", "exec", ...); never NULL. */
SBX_API const char *sbx_stage_name(enum sbx_stage stage);

/* Name of a kind ("usage", "internal", ...); never NULL. */
SBX_API const char *sbx_error_kind_name(enum sbx_error_kind kind);

#ifdef __cplusplus
}
#endif
#endif
