/*
 * sbx/sbx.h: umbrella header of libsbx, the rusty-sandbox library.
 *
 *   struct sbx_policy policy;   sbx_policy_init(&policy);   policy.timeout_s = 5;
 *   struct sbx_request req;     sbx_request_init(&req);     req.file = "hello.py";
 *   struct sbx_result *res;     struct sbx_error err;
 *   if (sbx_run(&policy, &req, &res, &err) < 0) ... err.message ...
 *   ... res->status, res->exit_code, sbx_result_to_json(res) ...
 *   sbx_result_free(res);
 */
#ifndef SBX_SBX_H
#define SBX_SBX_H

#include "analysis.h"
#include "error.h"
#include "live.h"
#include "events.h"
#include "policy.h"
#include "result.h"
#include "run.h"
#include "runtime.h"

SBX_API const char *sbx_version(void);

#endif
