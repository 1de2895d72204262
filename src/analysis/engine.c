/*
 * The analysis engine: reads the input (capped at SBX_ANALYSIS_MAX_BYTES), hands it to the
 * language's analyser, and owns what comes back: the findings array (capped at
 * SBX_ANALYSIS_MAX_FINDINGS, the rest counted), sorting by position, the policy's allow_rules,
 * informational marking (network rules while the network is on) and the block decision.
 *
 * It trusts nothing in the input; the analysers trust the context the engine gives them (a
 * non-NULL policy, an output to append to). Nothing here prints or exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/python-rules.h"
#include "analysis/wasm-rules.h"
#include "core/errors.h"
#include "sbx/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The public struct plus what only the engine needs (the array's capacity). */
struct analysis_impl {
    struct sbx_analysis pub;
    size_t cap;
};

static struct analysis_impl *impl_of(struct sbx_analysis *a)
{
    return (struct analysis_impl *)a; /* pub is the first member */
}

const char *sbx_severity_name(enum sbx_severity severity)
{
    switch (severity) {
    case SBX_SEVERITY_INFO:
        return "info";
    case SBX_SEVERITY_LOW:
        return "low";
    case SBX_SEVERITY_MEDIUM:
        return "medium";
    case SBX_SEVERITY_HIGH:
        return "high";
    case SBX_SEVERITY_CRITICAL:
        return "critical";
    }
    return "unknown";
}

int sbx_severity_parse(const char *name, enum sbx_severity *ret)
{
    for (int s = SBX_SEVERITY_INFO; s <= SBX_SEVERITY_CRITICAL; s++) {
        if (name && !strcmp(name, sbx_severity_name((enum sbx_severity)s))) {
            *ret = (enum sbx_severity)s;
            return 0;
        }
    }
    return -EINVAL;
}

int sbx__analysis_add(struct sbx__analysis_ctx *ctx, const struct sbx__rule *rule, unsigned line,
                      unsigned column, const char *detail_fmt, ...)
{
    struct sbx_analysis *a = ctx->out;
    struct analysis_impl *im = impl_of(a);
    if (a->n_findings >= SBX_ANALYSIS_MAX_FINDINGS) {
        a->n_dropped++;
        return 0;
    }
    if (a->n_findings == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 16;
        if (cap > SBX_ANALYSIS_MAX_FINDINGS)
            cap = SBX_ANALYSIS_MAX_FINDINGS;
        struct sbx_finding *f = realloc(a->findings, cap * sizeof(*f));
        if (!f)
            return -ENOMEM;
        a->findings = f;
        im->cap = cap;
    }
    struct sbx_finding *f = &a->findings[a->n_findings++];
    memset(f, 0, sizeof(*f));
    f->rule = rule->id;
    f->category = rule->category;
    f->severity = rule->severity;
    f->line = line;
    f->column = column;
    f->message = rule->message;
    f->hint = rule->hint;
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(f->detail, sizeof(f->detail), detail_fmt, ap);
    va_end(ap);
    return 0;
}

void sbx__analysis_syntax_error(struct sbx__analysis_ctx *ctx, unsigned line, unsigned column)
{
    struct sbx_analysis *a = ctx->out;
    if (a->syntax_error)
        return;
    a->syntax_error = true;
    a->error_line = line;
    a->error_column = column;
}

/*
 * Lexically normalise `path` into `out` (absolute; relative paths are taken from /work, the
 * program's working directory): "." and empty components dropped, ".." pops one (never above /).
 * False if it does not fit.
 */
static bool normalise(const char *path, char *out, size_t size)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s%s", path[0] == '/' ? "" : "/work/", path);
    if (n < 0 || (size_t)n >= sizeof(tmp) || size < 2)
        return false;
    size_t len = 0;
    out[len] = '\0';
    for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            char *slash = strrchr(out, '/');
            len = slash ? (size_t)(slash - out) : 0;
            out[len] = '\0';
            continue;
        }
        size_t cl = strlen(c);
        if (len + 1 + cl + 1 > size)
            return false;
        out[len++] = '/';
        memcpy(out + len, c, cl + 1);
        len += cl;
    }
    if (len == 0)
        strcpy(out, "/");
    return true;
}

/* `path` is `dir` or below it (both normalised). */
static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

bool sbx__analysis_path_allowed(const struct sbx__analysis_ctx *ctx, const char *path, bool write)
{
    static const char *const rw_dirs[] = {"/work", "/tmp", "/dev/shm", "/proc/self"};
    static const char *const devices[] = {"/dev/null",   "/dev/zero",  "/dev/urandom",
                                          "/dev/random", "/dev/stdin", "/dev/stdout",
                                          "/dev/stderr"};
    /* Read-only system directories every sandbox has (DESIGN section 3): reading them is what
     * interpreters do; /proc is the sandbox's own (its pid namespace). /etc is not here: the
     * sandbox shows only a few of its files. */
    static const char *const ro_dirs[] = {"/usr", "/lib",  "/lib64", "/lib32",
                                          "/bin", "/sbin", "/proc"};
    char norm[PATH_MAX], bind[PATH_MAX];
    if (!path || !*path || !normalise(path, norm, sizeof(norm)))
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(rw_dirs); i++)
        if (under(norm, rw_dirs[i]))
            return true;
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
        if (!strcmp(norm, devices[i]))
            return true;
    for (size_t i = 0; !write && i < ARRAY_SIZE(ro_dirs); i++)
        if (under(norm, ro_dirs[i]))
            return true;
    const struct sbx_policy *p = ctx->policy;
    for (size_t i = 0; i < p->n_binds; i++) {
        if (!p->binds[i].path || (write && !p->binds[i].writable))
            continue;
        if (normalise(p->binds[i].path, bind, sizeof(bind)) && under(norm, bind))
            return true;
    }
    return false;
}

static int cmp_findings(const void *x, const void *y)
{
    const struct sbx_finding *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    int r = strcmp(a->rule, b->rule);
    return r ? r : strcmp(a->detail, b->detail);
}

static bool rule_allowed(const struct sbx_policy *p, const char *rule)
{
    for (size_t i = 0; i < p->n_allow_rules; i++)
        if (p->allow_rules[i] && !strcmp(p->allow_rules[i], rule))
            return true;
    return false;
}

/* Sort, mark allowed and informational findings, and decide whether the analysis blocks. */
static void finalise(struct sbx_analysis *a, const struct sbx_policy *p)
{
    if (a->n_findings > 1)
        qsort(a->findings, a->n_findings, sizeof(*a->findings), cmp_findings);
    a->blocks = false;
    for (size_t i = 0; i < a->n_findings; i++) {
        struct sbx_finding *f = &a->findings[i];
        f->allowed = rule_allowed(p, f->rule);
        /* With the network on, connecting is what the program was allowed to do. */
        f->informational = p->enable_network && !strcmp(f->category, "network");
        if (!f->allowed && !f->informational && f->severity >= p->block_severity)
            a->blocks = true;
    }
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void sbx_analysis_free(struct sbx_analysis *analysis)
{
    if (!analysis)
        return;
    free(analysis->findings);
    free(impl_of(analysis));
}

static const char *canonical_language(const char *language)
{
    static const char *const names[] = {"python", "javascript", "wasm"};
    for (size_t i = 0; language && i < ARRAY_SIZE(names); i++)
        if (!strcmp(language, names[i]))
            return names[i];
    return NULL;
}

int sbx_analyze_buffer(const char *language, const void *data, size_t len,
                       const struct sbx_policy *policy, struct sbx_analysis **ret,
                       struct sbx_error *err)
{
    const char *lang = canonical_language(language);
    if (!lang)
        return sbx__error(err, SBX_ERR_UNSUPPORTED, SBX_STAGE_RUNTIME, 0,
                          "analysis: no analyser for language '%s'", language ? language : "");
    if (len > SBX_ANALYSIS_MAX_BYTES || (len && !data))
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0,
                          "analysis: input of %zu bytes is larger than 64 MiB", len);
    struct sbx_policy defaults;
    if (!policy) {
        sbx_policy_init(&defaults);
        policy = &defaults;
    }
    struct analysis_impl *im = calloc(1, sizeof(*im));
    if (!im)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "analysis");
    struct sbx_analysis *a = &im->pub;
    a->language = lang;
    struct sbx__analysis_ctx ctx = {.policy = policy, .out = a};
    const char *src = len ? data : "";
    struct sbx_error lerr = {0};
    uint64_t t0 = now_us();
    int r;
    if (lang[0] == 'p')
        r = sbx__analyze_python(&ctx, src, len, &lerr);
    else if (lang[0] == 'j')
        r = sbx__analyze_javascript(&ctx, src, len, &lerr);
    else
        r = sbx__analyze_wasm(&ctx, (const uint8_t *)src, len, &lerr);
    if (r < 0) {
        sbx_analysis_free(a);
        if (lerr.kind == SBX_ERR_NONE)
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, -r, "analysis of %s", lang);
        if (err)
            *err = lerr;
        return r;
    }
    finalise(a, policy);
    a->elapsed_us = now_us() - t0;
    *ret = a;
    return 0;
}

static const char *language_of(const char *path, const struct sbx_runtime *rt)
{
    if (!rt)
        rt = sbx_runtime_for_file(path);
    if (rt)
        return sbx_runtime_name(rt);
    size_t n = strlen(path);
    if (n >= 5 && !strcmp(path + n - 5, ".wasm"))
        return "wasm";
    return NULL;
}

/* Read all of a regular file of at most SBX_ANALYSIS_MAX_BYTES into *ret (size in *ret_len). */
static int read_capped(const char *path, char **ret, size_t *ret_len, struct sbx_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, errno, "cannot read '%s'", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0, "'%s' is not a regular file",
                          path);
    if ((uint64_t)st.st_size > SBX_ANALYSIS_MAX_BYTES)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0, "'%s' is larger than 64 MiB",
                          path);
    /* One byte more than the size: a file that grew since fstat is still capped. */
    size_t want = (size_t)st.st_size + 1;
    _cleanup_free_ char *buf = malloc(want);
    if (!buf)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "reading '%s'", path);
    ssize_t n = sbx__read_full(fd, buf, want);
    if (n < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, (int)-n, "cannot read '%s'", path);
    if ((size_t)n == want)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0,
                          "'%s' changed while it was read", path);
    *ret = TAKE_PTR(buf);
    *ret_len = (size_t)n;
    return 0;
}

int sbx_analyze_file(const char *path, const struct sbx_runtime *rt,
                     const struct sbx_policy *policy, struct sbx_analysis **ret,
                     struct sbx_error *err)
{
    const char *lang = language_of(path, rt);
    if (!lang)
        return sbx__error(err, SBX_ERR_UNSUPPORTED, SBX_STAGE_RUNTIME, 0,
                          "'%s': no analyser for this file type (.py, .js, .mjs, .wasm)", path);
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_capped(path, &buf, &len, err);
    if (r < 0)
        return r;
    return sbx_analyze_buffer(lang, buf, len, policy, ret, err);
}

/* Read callback for sbx__pread_each: append to a buffer sized from fstat, refusing growth. */
struct fd_buf {
    char *data;
    size_t len, cap;
};

static int append_chunk(void *ud, const char *buf, size_t len)
{
    struct fd_buf *b = ud;
    if (len > b->cap - b->len)
        return -EFBIG;
    memcpy(b->data + b->len, buf, len);
    b->len += len;
    return 0;
}

int sbx__analyze_fd(int fd, const char *language, const struct sbx_policy *policy,
                    struct sbx_analysis **ret, struct sbx_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return sbx__error_errno(err, SBX_STAGE_RUNTIME, "analysis: fstat");
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SBX_ANALYSIS_MAX_BYTES)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0,
                          "analysis: the program is not a regular file of at most 64 MiB");
    _cleanup_free_ char *data = malloc((size_t)st.st_size + 1);
    if (!data)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "analysis");
    struct fd_buf b = {.data = data, .cap = (size_t)st.st_size};
    int r = sbx__pread_each(fd, append_chunk, &b);
    if (r < 0)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, -r,
                          "analysis: reading the program");
    return sbx_analyze_buffer(language, data, b.len, policy, ret, err);
}

/* Rule ids: LANG-FAMILY-NNN, upper-case letters and three digits. */
static bool rule_shaped(const char *id)
{
    const char *p = id;
    for (int part = 0; part < 2; part++) {
        const char *start = p;
        while (*p >= 'A' && *p <= 'Z')
            p++;
        if (p == start || *p++ != '-')
            return false;
    }
    for (int i = 0; i < 3; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return p[3] == '\0';
}

int sbx_analysis_rule_check(const char *id)
{
    if (!id || !rule_shaped(id))
        return -EINVAL;
    if (!strncmp(id, "PY-", 3)) {
        for (size_t i = 0; i < sbx__py_n_rules; i++)
            if (!strcmp(sbx__py_rules[i]->id, id))
                return 0;
        return -ENOENT;
    }
    if (!strncmp(id, "JS-", 3))
        return sbx__js_rule(id) ? 0 : -ENOENT;
    if (!strncmp(id, "WASM-", 5)) {
        for (size_t i = 0; i < sbx__wasm_n_rules; i++)
            if (!strcmp(sbx__wasm_rules[i]->id, id))
                return 0;
        return -ENOENT;
    }
    return -ENOENT;
}
