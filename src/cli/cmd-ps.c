/*
 * rusty-sandbox ps [--json]: the runs that are live now, from the live registry (sbx/live.h).
 * One line per run; --json prints an array of schema-1 objects. Entries whose supervisor died
 * are not listed (and are removed from our own registry by the reader).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/live-format.h"
#include "sbx/live.h"

static int print_json(const struct sbx_live_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n_live; i++)
        json_array_append_new(arr, live_entry_json(&l->live[i]));
    return cli_print_json(arr);
}

static void print_row(const struct sbx_live_entry *e)
{
    char id[16], user[20], runtime[16], file[SBX_LIVE_FILE_MAX], elapsed[16], cpu[16], mem[40],
        pids[24];
    live_short_id(id, sizeof(id), e->id);
    if (e->user[0])
        live_sanitize(user, sizeof(user), e->user);
    else
        snprintf(user, sizeof(user), "%u", e->uid);
    live_sanitize(runtime, sizeof(runtime), e->runtime[0] ? e->runtime : "-");
    live_sanitize(file, sizeof(file), e->file[0] ? e->file : "-");
    live_fmt_duration(elapsed, sizeof(elapsed), live_elapsed_ms(e));
    live_fmt_mem(mem, sizeof(mem), e);
    if (e->has_sample) {
        snprintf(cpu, sizeof(cpu), "%.1f", e->sample.cpu_percent);
        snprintf(pids, sizeof(pids), "%llu", (unsigned long long)e->sample.pids);
    } else {
        snprintf(cpu, sizeof(cpu), "-");
        snprintf(pids, sizeof(pids), "-");
    }
    printf("%-8s  %-10.10s %-10.10s %8s %6s %-13s %5s %-8s %6llu  %s\n", id, user, runtime, elapsed,
           cpu, mem, pids, sbx_live_state_name(e->state), (unsigned long long)e->n_events, file);
}

int cmd_ps(struct cli *cli)
{
    struct sbx_live_list *l = NULL;
    struct sbx_error err = {0};
    if (sbx_live_list(0, &l, &err) < 0) {
        cli_err("ps: %s", err.message);
        return cli_exit_for_error(&err);
    }
    if (l->n_skipped) {
        char why[sizeof(l->skipped_reason)]; /* may quote bytes of a hostile file */
        live_sanitize(why, sizeof(why), l->skipped_reason);
        cli_err("ps: %zu registry entr%s ignored; first: %s", l->n_skipped,
                l->n_skipped == 1 ? "y" : "ies", why);
    }
    int r = 0;
    if (cli->json) {
        r = print_json(l);
    } else if (l->n_live == 0) {
        printf("no live runs\n");
    } else {
        printf("%-8s  %-10s %-10s %8s %6s %-13s %5s %-8s %6s  %s\n", "ID", "USER", "RUNTIME",
               "ELAPSED", "CPU%", "MEM/LIMIT", "PIDS", "STATE", "EVENTS", "FILE");
        for (size_t i = 0; i < l->n_live; i++)
            print_row(&l->live[i]);
    }
    sbx_live_list_free(l);
    return r;
}
