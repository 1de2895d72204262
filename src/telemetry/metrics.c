/*
 * The Prometheus textfile ([telemetry] metrics_file), in the text exposition format that
 * node_exporter's textfile collector reads:
 *
 *   rusty_sandbox_runs_total{runtime,verdict}            counter
 *   rusty_sandbox_run_duration_seconds{runtime}          histogram (wall time)
 *   rusty_sandbox_security_events_total{type}            counter
 *   rusty_sandbox_limit_hits_total{kind}                 counter
 *
 * Each CLI run is its own process, so the file is the state: after a run, under an flock of
 * the sidecar "<file>.lock" (concurrent runs never lose an increment), the file is read and
 * parsed (only our own format is accepted: a file that says anything else is left alone and
 * the failure reported, so a wrong path never clobbers someone's data), this run is added, and
 * the result is written to a temporary file in the same directory and renamed over the file
 * (readers see the old or the new content, never a partial one). Parsing has hard caps: 1 MiB,
 * 1024 series, label values of 63 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "telemetry/telemetry.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define MAX_FILE_BYTES (1u << 20)

enum { F_RUNS, F_DURATION, F_SECURITY, F_LIMITS, F__N };

static const struct {
    const char *name, *type, *help, *label, *label2;
} families[F__N] = {
    [F_RUNS] = {"rusty_sandbox_runs_total", "counter", "Runs finished, by runtime and verdict.",
                "runtime", "verdict"},
    [F_DURATION] = {"rusty_sandbox_run_duration_seconds", "histogram",
                    "Wall-clock duration of runs in seconds, by runtime.", "runtime", NULL},
    [F_SECURITY] = {"rusty_sandbox_security_events_total", "counter",
                    "Security events (refused dangerous syscalls, suspected escapes), by type.",
                    "type", NULL},
    [F_LIMITS] = {"rusty_sandbox_limit_hits_total", "counter",
                  "Limits a run reached, by kind (timeout, cpu_time, memory, processes, "
                  "file_size, output).",
                  "kind", NULL},
};

const double sbx__metrics_bounds[SBX_METRICS_N_BUCKETS] = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, INFINITY,
};

static struct sbx__metric_series *series(struct sbx__metrics *m, int family, const char *label,
                                         const char *label2)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->s[i].family == family && !strcmp(m->s[i].label, label) &&
            !strcmp(m->s[i].label2, label2 ? label2 : ""))
            return &m->s[i];
    if (m->n >= SBX_METRICS_MAX_SERIES)
        return NULL;
    struct sbx__metric_series *s = &m->s[m->n++];
    memset(s, 0, sizeof(*s));
    s->family = family;
    snprintf(s->label, sizeof(s->label), "%s", label);
    snprintf(s->label2, sizeof(s->label2), "%s", label2 ? label2 : "");
    return s;
}

/* ---- parsing ---- */

struct line_ctx {
    const char *p, *end;
};

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':';
}

/* A quoted label value with \\, \" and \n escapes into out (cap 63 bytes). */
static int label_value(struct line_ctx *c, char *out, size_t size)
{
    size_t n = 0;
    if (c->p >= c->end || *c->p != '"')
        return -EBADMSG;
    for (c->p++; c->p < c->end && *c->p != '"'; c->p++) {
        char ch = *c->p;
        if (ch == '\\') {
            if (++c->p >= c->end)
                return -EBADMSG;
            ch = *c->p == 'n' ? '\n' : *c->p;
            if (*c->p != 'n' && *c->p != '\\' && *c->p != '"')
                return -EBADMSG;
        }
        if (n + 1 >= size)
            return -EBADMSG;
        out[n++] = ch;
    }
    if (c->p >= c->end)
        return -EBADMSG;
    c->p++;
    out[n] = '\0';
    return 0;
}

struct labels {
    char v[3][64]; /* family label, label2, le */
    int have[3];
};

static int parse_labels(struct line_ctx *c, int family, struct labels *l)
{
    if (c->p >= c->end || *c->p != '{')
        return 0;
    c->p++;
    while (c->p < c->end && *c->p != '}') {
        const char *k = c->p;
        while (c->p < c->end && is_name_char(*c->p))
            c->p++;
        size_t klen = (size_t)(c->p - k);
        if (c->p >= c->end || *c->p != '=')
            return -EBADMSG;
        c->p++;
        int slot = -1;
        const char *names[3] = {families[family].label, families[family].label2, "le"};
        for (int i = 0; i < 3; i++)
            if (names[i] && strlen(names[i]) == klen && !strncmp(k, names[i], klen))
                slot = i;
        if (slot < 0 || l->have[slot] || label_value(c, l->v[slot], sizeof(l->v[slot])) < 0)
            return -EBADMSG;
        l->have[slot] = 1;
        if (c->p < c->end && *c->p == ',')
            c->p++;
    }
    if (c->p >= c->end)
        return -EBADMSG;
    c->p++;
    return 0;
}

static int bucket_index(const char *le)
{
    char *end;
    double v = !strcmp(le, "+Inf") ? INFINITY : strtod(le, &end);
    if (strcmp(le, "+Inf") && (*end || end == le))
        return -1;
    for (int i = 0; i < SBX_METRICS_N_BUCKETS; i++)
        if (v == sbx__metrics_bounds[i] || (isfinite(v) && fabs(v - sbx__metrics_bounds[i]) < 1e-9))
            return i;
    return -1;
}

/* name -> family and part (0 counter, 1 _bucket, 2 _sum, 3 _count) */
static int family_of(const char *name, size_t len, int *part)
{
    static const char *const suffix[] = {"", "_bucket", "_sum", "_count"};
    for (int f = 0; f < F__N; f++) {
        size_t n = strlen(families[f].name);
        if (len < n || strncmp(name, families[f].name, n))
            continue;
        for (int s = 0; s < 4; s++)
            if (len - n == strlen(suffix[s]) && !strncmp(name + n, suffix[s], len - n) &&
                ((f == F_DURATION) == (s != 0))) {
                *part = s;
                return f;
            }
    }
    return -1;
}

static int parse_line(struct sbx__metrics *m, const char *p, const char *end)
{
    struct line_ctx c = {p, end};
    while (c.p < end && is_name_char(*c.p))
        c.p++;
    int part;
    int f = family_of(p, (size_t)(c.p - p), &part);
    struct labels l;
    memset(&l, 0, sizeof(l));
    if (f < 0 || parse_labels(&c, f, &l) < 0 || !l.have[0] || (families[f].label2 && !l.have[1]) ||
        l.have[2] != (part == 1))
        return -EBADMSG;
    if (c.p >= end || *c.p != ' ')
        return -EBADMSG;
    char num[64];
    size_t n = (size_t)(end - c.p - 1);
    if (n == 0 || n >= sizeof(num))
        return -EBADMSG;
    memcpy(num, c.p + 1, n);
    num[n] = '\0';
    char *e;
    double v = strtod(num, &e);
    if (*e || !isfinite(v) || v < 0)
        return -EBADMSG;
    struct sbx__metric_series *s = series(m, f, l.v[0], l.have[1] ? l.v[1] : NULL);
    if (!s)
        return -E2BIG;
    if (part == 0)
        s->value = v;
    else if (part == 2)
        s->sum = v;
    else if (part == 3)
        s->count = v;
    else {
        int b = bucket_index(l.v[2]);
        if (b < 0)
            return -EBADMSG;
        s->buckets[b] = v;
    }
    return 0;
}

int sbx__metrics_parse(const char *text, size_t len, struct sbx__metrics *m, unsigned *ret_line)
{
    m->n = 0;
    unsigned line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        if (le > p && *p != '#') {
            int r = parse_line(m, p, le);
            if (r < 0) {
                *ret_line = line;
                return r;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* ---- adding a run, formatting ---- */

int sbx__metrics_add_run(struct sbx__metrics *m, const struct sbx_result *res)
{
    struct sbx__metric_series *s =
        series(m, F_RUNS, res->runtime_name, sbx_status_name(res->status));
    struct sbx__metric_series *h = series(m, F_DURATION, res->runtime_name, NULL);
    if (!s || !h)
        return -E2BIG;
    s->value += 1;
    double d = (double)res->wall_time_us / 1e6;
    for (int i = 0; i < SBX_METRICS_N_BUCKETS; i++)
        if (d <= sbx__metrics_bounds[i])
            h->buckets[i] += 1;
    h->sum += d;
    h->count += 1;
    for (size_t i = 0; i < res->n_events; i++) {
        const char *type = res->events[i].type, *kind = sbx__ev_limit_kind(type);
        struct sbx__metric_series *e = sbx__ev_is_security(type) ? series(m, F_SECURITY, type, NULL)
                                       : kind                    ? series(m, F_LIMITS, kind, NULL)
                                                                 : NULL;
        if (e)
            e->value += 1;
    }
    return 0;
}

static int by_labels(const void *a, const void *b)
{
    const struct sbx__metric_series *x = a, *y = b;
    if (x->family != y->family)
        return x->family - y->family;
    int c = strcmp(x->label, y->label);
    return c ? c : strcmp(x->label2, y->label2);
}

/* label="value" with the format's escapes. */
static void put_label(FILE *f, const char *key, const char *v)
{
    fprintf(f, "%s=\"", key);
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
    fputc('"', f);
}

static void put_series(FILE *f, const struct sbx__metric_series *s)
{
    const char *name = families[s->family].name;
    if (s->family != F_DURATION) {
        fprintf(f, "%s{", name);
        put_label(f, families[s->family].label, s->label);
        if (families[s->family].label2) {
            fputc(',', f);
            put_label(f, families[s->family].label2, s->label2);
        }
        fprintf(f, "} %.17g\n", s->value);
        return;
    }
    for (int i = 0; i < SBX_METRICS_N_BUCKETS; i++) {
        fprintf(f, "%s_bucket{", name);
        put_label(f, "runtime", s->label);
        if (isinf(sbx__metrics_bounds[i]))
            fprintf(f, ",le=\"+Inf\"} %.17g\n", s->buckets[i]);
        else
            fprintf(f, ",le=\"%g\"} %.17g\n", sbx__metrics_bounds[i], s->buckets[i]);
    }
    fprintf(f, "%s_sum{", name);
    put_label(f, "runtime", s->label);
    fprintf(f, "} %.17g\n%s_count{", s->sum, name);
    put_label(f, "runtime", s->label);
    fprintf(f, "} %.17g\n", s->count);
}

char *sbx__metrics_format(const struct sbx__metrics *m)
{
    struct sbx__metric_series *sorted = malloc(sizeof(*sorted) * (m->n ? m->n : 1));
    char *buf = NULL;
    size_t size = 0;
    FILE *f = sorted ? open_memstream(&buf, &size) : NULL;
    if (!f) {
        free(sorted);
        return NULL;
    }
    memcpy(sorted, m->s, sizeof(*sorted) * m->n);
    qsort(sorted, m->n, sizeof(*sorted), by_labels);
    for (int fam = 0; fam < F__N; fam++) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", families[fam].name, families[fam].help,
                families[fam].name, families[fam].type);
        for (size_t i = 0; i < m->n; i++)
            if (sorted[i].family == fam)
                put_series(f, &sorted[i]);
    }
    free(sorted);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- the file ---- */

static int read_existing(const char *path, char **ret, size_t *ret_len)
{
    *ret = NULL;
    *ret_len = 0;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (st.st_size > MAX_FILE_BYTES)
        return -EFBIG;
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return -ENOMEM;
    ssize_t n = sbx__read_full(fd, buf, (size_t)st.st_size);
    if (n < 0) {
        free(buf);
        return (int)n;
    }
    *ret = buf;
    *ret_len = (size_t)n;
    return 0;
}

static int write_atomic(const char *path, const char *text)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (slash == dir)
        snprintf(tmp, sizeof(tmp), "/.%s.tmp", base);
    else if (slash) {
        *slash = '\0';
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, base);
    } else
        snprintf(tmp, sizeof(tmp), ".%s.tmp", base);
    /* 0644: node_exporter runs as another user and must read it. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    int r = fchmod(fd, 0644) < 0 ? -errno : 0;
    if (!r)
        r = sbx__write_all(fd, text, strlen(text));
    if (close(fd) < 0 && !r)
        r = -errno;
    if (!r && rename(tmp, path) < 0)
        r = -errno;
    if (r)
        unlink(tmp);
    return r;
}

int sbx__metrics_update(const char *path, const struct sbx_result *res, struct sbx_error *err)
{
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof(lock), "%s.lock", path);
    _cleanup_close_ int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lfd < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, errno,
                          "telemetry: metrics lock file '%s'", lock);
    if (RETRY_EINTR(flock(lfd, LOCK_EX)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, errno, "telemetry: locking '%s'",
                          lock);
    _cleanup_free_ char *text = NULL;
    size_t len;
    int r = read_existing(path, &text, &len);
    if (r < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, -r,
                          "telemetry: metrics file '%s' cannot be read", path);
    _cleanup_free_ struct sbx__metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_CLEANUP, ENOMEM, "metrics");
    unsigned line = 0;
    if (text && (r = sbx__metrics_parse(text, len, m, &line)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, 0,
                          "telemetry: %s:%u: not a rusty-sandbox metrics line; the file is left "
                          "as it is",
                          path, line);
    if ((r = sbx__metrics_add_run(m, res)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, -r,
                          "telemetry: metrics file '%s' has too many series", path);
    _cleanup_free_ char *out = sbx__metrics_format(m);
    if (!out)
        return sbx__error(err, SBX_ERR_INTERNAL, SBX_STAGE_CLEANUP, ENOMEM, "metrics");
    if ((r = write_atomic(path, out)) < 0)
        return sbx__error(err, SBX_ERR_HOST, SBX_STAGE_CLEANUP, -r,
                          "telemetry: writing the metrics file '%s'", path);
    return 0; /* the lock goes with lfd */
}
