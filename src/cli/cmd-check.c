/*
 * rusty-sandbox check FILE... [--json]: static analysis only, nothing runs. Findings print as
 * `file:line:col: severity: message: detail [rule]`, the format compilers use, so editors and CI
 * jump to them. Exit 0 when no finding reaches the block severity, 1 when one does, 2 when a
 * file is unreadable, has no analyser, or has a syntax error (what could be read is still
 * reported). With --json, one JSON object per file, in an array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Source text in a detail may hold control characters: print them as '?'. */
static void print_clean(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

void cli_print_finding(FILE *f, const char *file, const struct sbx_finding *x)
{
    fprintf(f, "%s:%u:%u: %s: %s", file, x->line, x->column, sbx_severity_name(x->severity),
            x->message);
    if (x->detail[0]) {
        fputs(": ", f);
        print_clean(f, x->detail);
    }
    fprintf(f, " [%s]%s%s\n", x->rule, x->allowed ? " (allowed by allow_rules)" : "",
            x->informational ? " (informational: the network is enabled)" : "");
}

void cli_print_analysis(FILE *f, const char *file, const struct sbx_analysis *a)
{
    bool error_printed = !a->syntax_error;
    for (size_t i = 0; i < a->n_findings; i++) {
        const struct sbx_finding *x = &a->findings[i];
        if (!error_printed && (x->line > a->error_line ||
                               (x->line == a->error_line && x->column > a->error_column))) {
            fprintf(f, "%s:%u:%u: error: syntax error [syntax]\n", file, a->error_line,
                    a->error_column);
            error_printed = true;
        }
        cli_print_finding(f, file, x);
    }
    if (!error_printed)
        fprintf(f, "%s:%u:%u: error: syntax error [syntax]\n", file, a->error_line,
                a->error_column);
    if (a->n_dropped)
        fprintf(f, "%s: %zu more findings not shown (at most %d per file)\n", file, a->n_dropped,
                SBX_ANALYSIS_MAX_FINDINGS);
}

/* The JSON for a file that could not be analysed. */
static void print_error_json(const char *file, const struct sbx_error *err, bool first)
{
    char *msg = NULL;
    FILE *m = open_memstream(&msg, &(size_t){0});
    if (!m)
        return;
    for (const unsigned char *p = (const unsigned char *)err->message; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(m, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(m, "\\u%04x", *p);
        else
            fputc(*p, m);
    }
    fclose(m);
    char *name = NULL;
    m = open_memstream(&name, &(size_t){0});
    if (!m) {
        free(msg);
        return;
    }
    print_clean(m, file);
    fclose(m);
    printf("%s{\"file\":\"", first ? "" : ",");
    for (const char *p = name; *p; p++)
        printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    printf("\",\"error\":\"%s\"}", msg);
    free(msg);
    free(name);
}

/* Analyse one file; returns its exit code (0, 1 or 2). */
static int check_one(struct cli *cli, const char *file, bool first)
{
    struct sbx_analysis *a = NULL;
    struct sbx_error err = {0};
    if (sbx_analyze_file(file, NULL, &cli->policy, &a, &err) < 0) {
        if (cli->json)
            print_error_json(file, &err, first);
        else
            fprintf(stderr, "%s: error: %s\n", file, err.message);
        return CHECK_EXIT_INPUT;
    }
    if (cli->json) {
        char *j = sbx_analysis_to_json(a, file);
        printf("%s%s", first ? "" : ",", j ? j : "null");
        free(j);
    } else {
        cli_print_analysis(stdout, file, a);
    }
    int code = a->syntax_error ? CHECK_EXIT_INPUT : a->blocks ? CHECK_EXIT_FINDINGS : 0;
    sbx_analysis_free(a);
    return code;
}

int cmd_check(struct cli *cli)
{
    int worst = CHECK_EXIT_CLEAN;
    if (cli->json)
        fputs("[", stdout);
    for (size_t i = 0; i < cli->n_check_files; i++) {
        int code = check_one(cli, cli->check_files[i], i == 0);
        if (code > worst)
            worst = code;
    }
    if (cli->json)
        fputs("]\n", stdout);
    fflush(stdout);
    return worst;
}
