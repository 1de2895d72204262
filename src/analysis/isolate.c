/*
 * Parsing untrusted source in a forked, confined child (see isolate.h).
 *
 * SECURITY: Debian's libtree-sitter 0.20.7 corrupts its heap (double free) when the parse stack
 * holds more than 65,535 entries as an error is met, e.g. 70,000 unclosed brackets or `x=x=...`
 * cut short (upstream fixed it in 0.20.8). A stack that deep needs that many tokens, so input
 * of SBX_ANALYSIS_ISOLATE_FROM bytes or more is analysed in a forked child: if the parser breaks
 * there, the analysis fails (block mode then refuses the run) and the caller's memory is untouched.
 * The child sends back its findings, whose strings point into this binary's static rule table,
 * identical in both processes after fork(): the parent matches those pointers with its own
 * table and never follows them. The child is confined by seccomp (confine.c) before it parses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tree_sitter/api.h>
#include <unistd.h>

#include "analysis/confine.h"
#include "analysis/isolate.h"
#include "core/errors.h"
#include "util/fs.h"

#define ISOLATE_MAGIC 0x534a5341u /* "ASJS" */

struct iso_header {
    uint32_t magic;
    int r;
    bool syntax_error;
    unsigned error_line, error_column;
    size_t n_findings, n_dropped;
    struct sbx_error err;
};

static bool write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
    return sbx__read_full(fd, buf, len) == (ssize_t)len;
}

/* The analysis child may grow its data by this much over what it inherited: a tree costs
 * about 40 bytes per byte of source, so this parses some 25 MB of source. */
#define CHILD_DATA_BUDGET (1024ull * 1024 * 1024)

/* SECURITY: the parser's memory is bounded, so a huge input makes the child fail (tree-sitter
 * aborts when malloc fails) instead of swapping the host. Not under AddressSanitizer, whose
 * shadow mappings count as data. */
static void limit_child_memory(void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(SBX_NO_CHILD_RLIMIT)
    unsigned long long size, resident, shared, text, lib, data;
    FILE *f = fopen("/proc/self/statm", "re");
    if (!f)
        return;
    int n =
        fscanf(f, "%llu %llu %llu %llu %llu %llu", &size, &resident, &shared, &text, &lib, &data);
    fclose(f);
    if (n != 6)
        return;
    unsigned long long limit = data * (unsigned long long)sysconf(_SC_PAGESIZE) + CHILD_DATA_BUDGET;
    struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};
    (void)setrlimit(RLIMIT_DATA, &rl);
#endif
}

/* tree-sitter's own allocator calls exit(1) when malloc fails, which would run the caller's
 * atexit handlers and flush its stdio buffers a second time: in the child, fail with _exit. */
#define CHILD_NO_MEMORY 86
#define CHILD_NOT_CONFINED 87

static void *child_malloc(size_t size)
{
    void *p = malloc(size);
    if (!p && size)
        _exit(CHILD_NO_MEMORY);
    return p;
}

static void *child_calloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p && n && size)
        _exit(CHILD_NO_MEMORY);
    return p;
}

static void *child_realloc(void *old, size_t size)
{
    void *p = realloc(old, size);
    if (!p && size)
        _exit(CHILD_NO_MEMORY);
    return p;
}

static _Noreturn void child_analyze(struct sbx__analysis_ctx *ctx, sbx__analyze_fn analyze,
                                    const char *src, size_t len, int fd)
{
    struct sbx_analysis *a = ctx->out;
    size_t first = a->n_findings, dropped = a->n_dropped;
    bool had_error = a->syntax_error;
    struct iso_header h = {.magic = ISOLATE_MAGIC};
    limit_child_memory();
    ts_set_allocator(child_malloc, child_calloc, child_realloc, free);
    if (sbx__analysis_confine(fd) < 0)
        _exit(CHILD_NOT_CONFINED);
    ctx->exiting = true;
    h.r = analyze(ctx, src, len, &h.err);
    h.syntax_error = a->syntax_error && !had_error;
    h.error_line = a->error_line;
    h.error_column = a->error_column;
    h.n_findings = a->n_findings - first;
    h.n_dropped = a->n_dropped - dropped;
    bool ok = write_all(fd, &h, sizeof(h)) &&
              write_all(fd, a->findings + first, h.n_findings * sizeof(*a->findings)) &&
              write_all(fd, &h.magic, sizeof(h.magic));
    _exit(ok ? 0 : 1);
}

static int parent_collect(struct sbx__analysis_ctx *ctx, const char *what, sbx__rule_fn rule_of,
                          int fd, struct sbx_error *err)
{
    struct iso_header h;
    struct sbx_finding f;
    uint32_t magic = 0;
    if (!read_all(fd, &h, sizeof(h)) || h.magic != ISOLATE_MAGIC ||
        h.n_findings > SBX_ANALYSIS_MAX_FINDINGS)
        return -EPIPE;
    if (h.r < 0) {
        h.err.message[sizeof(h.err.message) - 1] = '\0'; /* untrusted bytes */
        if (err)
            *err = h.err;
        return h.r < -4095 ? -EINVAL : h.r;
    }
    for (size_t i = 0; i < h.n_findings; i++) {
        if (!read_all(fd, &f, sizeof(f)))
            return -EPIPE;
        /* SECURITY: the child's bytes are untrusted (it parsed hostile input): its rule pointer
         * is matched against our table, never followed. */
        const struct sbx__rule *rule = rule_of(f.rule);
        if (!rule)
            return -EPIPE;
        f.detail[sizeof(f.detail) - 1] = '\0';
        if (sbx__analysis_add(ctx, rule, f.line, f.column, "%s", f.detail) < 0)
            return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, ENOMEM, "%s", what);
    }
    if (!read_all(fd, &magic, sizeof(magic)) || magic != ISOLATE_MAGIC)
        return -EPIPE;
    if (h.syntax_error)
        sbx__analysis_syntax_error(ctx, h.error_line, h.error_column);
    ctx->out->n_dropped += h.n_dropped;
    return 0;
}

int sbx__analysis_isolated(struct sbx__analysis_ctx *ctx, const char *what, sbx__analyze_fn analyze,
                           sbx__rule_fn rule_of, const char *src, size_t len, struct sbx_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, errno, "%s: pipe", what);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_RUNTIME, e, "%s: fork", what);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, STDERR_FILENO); /* glibc's "double free" report is not the caller's */
        close(p[0]);
        child_analyze(ctx, analyze, src, len, p[1]);
    }
    close(p[1]);
    int r = parent_collect(ctx, what, rule_of, p[0], err);
    close(p[0]); /* a child still writing gets EPIPE and exits */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r == -EPIPE && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_MEMORY)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, ENOMEM,
                          "%s: parsing this input needs more than %llu MiB", what,
                          CHILD_DATA_BUDGET >> 20);
    if (r == -EPIPE)
        return sbx__error(err, SBX_ERR_INPUT, SBX_STAGE_RUNTIME, 0,
                          "%s: the parser failed on this input (%s %d): "
                          "nested too deep or malformed",
                          what, WIFSIGNALED(status) ? "signal" : "exit status",
                          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return r;
}
