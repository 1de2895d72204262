/*
 * sbx/run.h: run one program in the sandbox.
 *
 * Lifecycle: fill a struct sbx_policy (sbx_policy_init) and a struct sbx_request
 * (sbx_request_init), call sbx_run(), read and free the result. sbx_run() blocks until the
 * program and every process it started are gone and the workspace is cleaned up. It never
 * prints, exits, or installs signal handlers; it may not be called from a process that has other
 * threads running sbx_run() on the same fds.
 */
#ifndef SBX_RUN_H
#define SBX_RUN_H

#include <stddef.h>

#include "analysis.h"
#include "error.h"
#include "events.h"
#include "policy.h"
#include "result.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called with output bytes as they arrive, for the head of each stream only: once a stream's
 * head is full the rest goes to the result's tail buffer and is not passed here. */
typedef void (*sbx_output_fn)(void *userdata, enum sbx_stream stream, const char *data, size_t len);

struct sbx_request {
    const char *file;                  /* program file on the host (required) */
    const struct sbx_runtime *runtime; /* NULL: chosen by the file's extension */
    const char *interpreter;           /* NULL: the runtime's default / PATH search */
    const char *const *args;           /* program arguments (borrowed) */
    size_t n_args;
    int stdin_fd;            /* relayed to the program through a pipe; -1: empty stdin */
    int cancel_fd;           /* when readable, the run is cancelled; -1: none. If it is a signalfd,
                                one siginfo is read from it into the result's cancel_signal */
    sbx_output_fn on_output; /* NULL: output is only captured */
    void *userdata;
    sbx_event_fn on_event; /* NULL: none; else each telemetry event (sbx/events.h) */
    void *event_userdata;
    /* Called once with the static analysis (policy analysis mode warn or block) after it is
     * done and before the program starts or is refused; the analysis is only borrowed. */
    void (*on_analysis)(void *userdata, const struct sbx_analysis *analysis);
};

SBX_API void sbx_request_init(struct sbx_request *req);

/*
 * Run req->file under `policy`. On success returns 0 and *ret holds the result, whatever the
 * program did (its verdict is in the result). Returns a negative errno with `err` filled when no
 * result could be made: bad policy or request, unsupported file, missing interpreter, or a host
 * that cannot enforce the policy. Failures after the program was started give a result with
 * status SBX_STATUS_INTERNAL_ERROR instead.
 */
SBX_API int sbx_run(const struct sbx_policy *policy, const struct sbx_request *req,
                    struct sbx_result **ret, struct sbx_error *err);

#ifdef __cplusplus
}
#endif
#endif
