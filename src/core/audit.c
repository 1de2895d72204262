/* The audit log (see audit.h). The line reuses the report's JSON for the policy, enforcement,
 * verdict and events, so the two never disagree. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/errors.h"
#include "util/fs.h"
#include "util/sha256.h"

static int hash_chunk(void *s, const char *buf, size_t len)
{
    sbx__sha256_update(s, buf, len);
    return 0;
}

static int digest(int fd, char hex[65])
{
    struct sbx_sha256 s;
    sbx__sha256_init(&s);
    int r = sbx__pread_each(fd, hash_chunk, &s);
    if (r == 0)
        sbx__sha256_hex(&s, hex);
    return r;
}

int sbx__audit_open(const struct sbx_policy *p, int program_fd, struct sbx__audit *ret,
                    struct sbx_error *err)
{
    memset(ret, 0, sizeof(*ret));
    ret->fd = -1;
    if (!p->audit_log)
        return 0;
    snprintf(ret->path, sizeof(ret->path), "%s", p->audit_log);
    int fd =
        open(p->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
    struct stat st;
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, errno,
                          "audit log '%s' cannot be opened for writing", p->audit_log);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, 0,
                          "audit log '%s' is not a regular file", p->audit_log);
    }
    int r = digest(program_fd, ret->sha256);
    if (r < 0) {
        close(fd);
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_POLICY, -r, "reading the program");
    }
    ret->fd = fd;
    return 0;
}

static json_t *who(void)
{
    json_t *o = json_object();
    uid_t uid = getuid();
    struct passwd pw, *found = NULL;
    char buf[1024];
    json_object_set_new(o, "uid", json_integer((json_int_t)uid));
    json_object_set_new(o, "euid", json_integer((json_int_t)geteuid()));
    json_object_set_new(o, "user",
                        getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found
                            ? json_string(found->pw_name)
                            : json_null());
    return o;
}

static json_t *line(const struct sbx__audit *a, const struct sbx_request *req,
                    const struct sbx_result *res)
{
    char *report = sbx_result_to_json(res);
    json_t *full = report ? json_loads(report, 0, NULL) : NULL;
    free(report);
    if (!full)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(1));
    json_object_set(o, "time", json_object_get(full, "started_at"));
    json_object_set(o, "id", json_object_get(full, "id"));
    json_object_set_new(o, "who", who());
    json_t *what = json_object();
    json_object_set(what, "file", json_object_get(full, "file"));
    json_object_set_new(what, "sha256", json_string(a->sha256));
    json_object_set(what, "runtime", json_object_get(full, "runtime"));
    json_t *args = json_array();
    for (size_t i = 0; i < req->n_args; i++)
        json_array_append_new(args, json_stringn(req->args[i], strlen(req->args[i])));
    json_object_set_new(what, "args", args);
    json_object_set_new(o, "what", what);
    static const char *const copy[] = {"limits",      "enforcement",    "status",
                                       "exit_code",   "signal",         "wall_time_ms",
                                       "cpu_time_ms", "peak_memory_kb", "events"};
    for (size_t i = 0; i < ARRAY_SIZE(copy); i++)
        json_object_set(o, copy[i], json_object_get(full, copy[i]));
    json_object_set(o, "findings", json_object_get(full, "findings"));
    json_decref(full);
    return o;
}

int sbx__audit_write(struct sbx__audit *a, const struct sbx_request *req,
                     const struct sbx_result *res, struct sbx_error *err)
{
    if (a->fd < 0)
        return 0;
    json_t *o = line(a, req, res);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_CLEANUP, ENOMEM, "audit log line");
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps left room: replace the NUL, write len + 1 */
    /* One line, whole: concurrent runs append to the same file. */
    int r = flock(a->fd, LOCK_EX) < 0 ? -errno : 0;
    if (r == 0)
        r = sbx__write_all(a->fd, text, len + 1);
    if (r == 0 && fsync(a->fd) < 0)
        r = -errno;
    flock(a->fd, LOCK_UN);
    free(text);
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, -r, "writing the audit log '%s'",
                          a->path);
    return 0;
}

void sbx__audit_close(struct sbx__audit *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
}
