/*
 * sbx-bench-analysis: how long static analysis takes and how much memory it needs (issue 5,
 * item 6). Generates a 10,000-line Python file and a 10,000-line JavaScript file of ordinary
 * code (classes, functions, comprehensions, strings, comments, a few findings), analyses each
 * --runs times and prints the median and the spread; then analyses a --big-mb (10) MB Python
 * and JavaScript input in a child process and prints the child's peak resident set. Beside each
 * analysis time it prints tree-sitter's parse alone of the same file (a parser, the grammar,
 * ts_parser_parse_string, nothing else): the floor under any analysis that parses with it.
 *
 * Usage: sbx-bench-analysis [--runs N] [--big-mb N] [--only python|javascript] [--json]
 * (--big-mb 0 skips the big input; --only runs one language, e.g. under perf.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tree_sitter/api.h>

#include "sbx/analysis.h"

const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);

static const char py_head[] = "import os\nimport json\nimport re\nimport subprocess\n";
static const char py_chunk[] = "\n"
                               "class Handler%d(object):\n"
                               "    \"\"\"Handle requests of kind %d.\"\"\"\n"
                               "    def __init__(self, name, size=%d):\n"
                               "        self.name = name\n"
                               "        self.items = [x * 2 for x in range(size) if x %% 3 == 0]\n"
                               "\n"
                               "    def process(self, data):\n"
                               "        # sum the values and format a report\n"
                               "        total = 0\n"
                               "        for key, value in data.items():\n"
                               "            if isinstance(value, int) and value > %d:\n"
                               "                total += value\n"
                               "            elif key.startswith(\"skip\"):\n"
                               "                continue\n"
                               "        return f\"{self.name}: {total}\"\n"
                               "\n"
                               "def helper_%d(a, b=None, *args, **kwargs):\n"
                               "    result = {\"a\": a, \"b\": b, \"n\": len(args)}\n"
                               "    with open(\"data/input_%d.txt\") as fh:\n"
                               "        lines = fh.read().splitlines()\n"
                               "    if kwargs.get(\"run\"):\n"
                               "        subprocess.run([\"echo\", str(a)])\n"
                               "    return sorted(result.items(), key=lambda kv: kv[0]), lines\n";
static const int py_chunk_lines = 24;

static const char js_head[] = "'use strict';\nconst fs = require('fs');\n"
                              "const path = require('path');\n";
static const char js_chunk[] =
    "\n"
    "class Handler%d {\n"
    "  constructor(name, size = %d) {\n"
    "    this.name = name;\n"
    "    this.items = Array.from({ length: size }, (_, i) => i * 2).filter((x) => x %% 3 === 0);\n"
    "  }\n"
    "\n"
    "  process(data) {\n"
    "    // sum the values and format a report\n"
    "    let total = 0;\n"
    "    for (const [key, value] of Object.entries(data)) {\n"
    "      if (typeof value === 'number' && value > %d) {\n"
    "        total += value;\n"
    "      } else if (key.startsWith('skip')) {\n"
    "        continue;\n"
    "      }\n"
    "    }\n"
    "    return `${this.name}: ${total}`;\n"
    "  }\n"
    "}\n"
    "\n"
    "function helper%d(a, b = null, ...args) {\n"
    "  const result = { a, b, n: args.length };\n"
    "  const lines = fs.readFileSync(path.join('data', 'input_%d.txt'), 'utf8').split('\\n');\n"
    "  if (args.length > 3) require('child_process').execFile('echo', [String(a)]);\n"
    "  return [Object.entries(result).sort(), lines];\n"
    "}\n";
static const int js_chunk_lines = 27;

/* A file of at least `lines` lines (or `bytes` bytes when lines is 0). */
static char *generate(const char *head, const char *chunk, int chunk_lines, int lines, size_t bytes,
                      size_t *ret_len)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    len = (size_t)snprintf(buf, cap, "%s", head);
    for (int i = 0, done = 4; lines ? done < lines : len < bytes; i++, done += chunk_lines) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        len += (size_t)snprintf(buf + len, cap - len, chunk, i, i, i, i, i, i);
#pragma GCC diagnostic pop
    }
    *ret_len = len;
    return buf;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max analysis time in microseconds over `runs`; -1 on failure. */
static int time_analysis(const char *lang, const char *src, size_t len, int runs, uint64_t ret[3],
                         size_t *ret_findings)
{
    uint64_t *t = calloc((size_t)runs, sizeof(*t));
    if (!t)
        return -1;
    for (int i = 0; i < runs; i++) {
        struct sbx_analysis *a = NULL;
        struct sbx_error err;
        if (sbx_analyze_buffer(lang, src, len, NULL, &a, &err) < 0) {
            fprintf(stderr, "sbx-bench-analysis: %s: %s\n", lang, err.message);
            free(t);
            return -1;
        }
        t[i] = a->elapsed_us;
        *ret_findings = a->n_findings;
        sbx_analysis_free(a);
    }
    qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
    ret[0] = t[runs / 2];
    ret[1] = t[0];
    ret[2] = t[runs - 1];
    free(t);
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Median time in microseconds of tree-sitter's parse alone over `runs`; 0 on failure. */
static uint64_t time_parse(bool py, const char *src, size_t len, int runs)
{
    uint64_t *t = calloc((size_t)runs, sizeof(*t));
    TSParser *parser = ts_parser_new();
    uint64_t median = 0;
    if (t && parser &&
        ts_parser_set_language(parser, py ? tree_sitter_python() : tree_sitter_javascript())) {
        int i;
        for (i = 0; i < runs; i++) {
            uint64_t t0 = now_ns();
            TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
            t[i] = (now_ns() - t0) / 1000;
            if (!tree)
                break;
            ts_tree_delete(tree);
        }
        if (i == runs) {
            qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
            median = t[runs / 2];
        }
    }
    if (parser)
        ts_parser_delete(parser);
    free(t);
    return median;
}

/* Peak RSS (KiB) of a child that generates a `mb` MB input and analyses it once. */
static long big_input_rss(const char *lang, size_t mb, uint64_t *ret_us)
{
    int pipefd[2];
    if (pipe(pipefd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        size_t len;
        bool py = !strcmp(lang, "python");
        char *src =
            generate(py ? py_head : js_head, py ? py_chunk : js_chunk, 0, 0, mb << 20, &len);
        struct sbx_analysis *a = NULL;
        struct sbx_error err;
        uint64_t us = 0;
        bool ok = src && sbx_analyze_buffer(lang, src, len, NULL, &a, &err) == 0;
        if (ok)
            us = a->elapsed_us;
        if (write(pipefd[1], &us, sizeof(us)) != (ssize_t)sizeof(us))
            _exit(1);
        _exit(ok ? 0 : 1);
    }
    close(pipefd[1]);
    if (pid < 0 || read(pipefd[0], ret_us, sizeof(*ret_us)) != (ssize_t)sizeof(*ret_us))
        *ret_us = 0;
    close(pipefd[0]);
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    int runs = 21;
    size_t big_mb = 10;
    bool json = false;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--big-mb") && i + 1 < argc)
            big_mb = (size_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            fprintf(stderr, "usage: sbx-bench-analysis [--runs N] [--big-mb N] "
                            "[--only python|javascript] [--json]\n");
            return 64;
        }
    }
    if (runs < 1 || big_mb > 60 ||
        (only && strcmp(only, "python") != 0 && strcmp(only, "javascript") != 0)) {
        fprintf(stderr, "sbx-bench-analysis: --runs >= 1, --big-mb from 0 to 60, --only "
                        "python or javascript\n");
        return 64;
    }
    const char *langs[] = {"python", "javascript"};
    if (json)
        printf("{\"runs\":%d,\"big_mb\":%zu,", runs, big_mb);
    else
        printf("static analysis: %d runs of a generated 10,000-line file%s", runs,
               big_mb ? "; peak RSS of one analysis of a big file (in a child)\n" : "\n");
    bool first = true;
    for (size_t l = 0; l < 2; l++) {
        bool py = l == 0;
        if (only && strcmp(only, langs[l]) != 0)
            continue;
        size_t len, findings = 0;
        char *src = generate(py ? py_head : js_head, py ? py_chunk : js_chunk,
                             py ? py_chunk_lines : js_chunk_lines, 10000, 0, &len);
        uint64_t t[3] = {0, 0, 0}, big_us = 0;
        if (!src || time_analysis(langs[l], src, len, runs, t, &findings) < 0)
            return 1;
        uint64_t parse_us = time_parse(py, src, len, runs);
        long rss = big_mb ? big_input_rss(langs[l], big_mb, &big_us) : 0;
        if (json)
            printf("%s\"%s\":{\"bytes\":%zu,\"findings\":%zu,\"median_ms\":%.3f,\"min_ms\":%.3f,"
                   "\"max_ms\":%.3f,\"parse_only_median_ms\":%.3f,\"big_peak_rss_kb\":%ld,"
                   "\"big_ms\":%.1f}",
                   first ? "" : ",", langs[l], len, findings, (double)t[0] / 1e3,
                   (double)t[1] / 1e3, (double)t[2] / 1e3, (double)parse_us / 1e3, rss,
                   (double)big_us / 1e3);
        else {
            printf("  %-10s 10k lines (%zu KB, %zu findings): median %.2f ms (min %.2f, max "
                   "%.2f), of which tree-sitter's parse alone %.2f ms (%.1f MB/s)",
                   langs[l], len >> 10, findings, (double)t[0] / 1e3, (double)t[1] / 1e3,
                   (double)t[2] / 1e3, (double)parse_us / 1e3,
                   parse_us ? (double)len / (double)parse_us : 0.0);
            if (big_mb)
                printf("; %zu MB: %.0f ms, peak RSS %.1f MiB", big_mb, (double)big_us / 1e3,
                       (double)rss / 1024.0);
            printf("\n");
        }
        free(src);
        first = false;
    }
    if (json)
        printf("}\n");
    return 0;
}
