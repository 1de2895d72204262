/* rusty-sandbox doctor: what this host enforces, and how to fix what it cannot; and
 * rusty-sandbox cleanup: remove what is kept on the host between runs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sbx/doctor.h"

static int exit_of(const struct sbx_doctor *d)
{
    for (size_t i = 0; i < d->n_checks; i++)
        if (d->checks[i].status == SBX_CHECK_FAIL)
            return 1;
    return 0;
}

static int print_json(const struct sbx_doctor *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n_checks; i++) {
        const struct sbx_check *c = &d->checks[i];
        json_t *o = json_object();
        json_object_set_new(o, "check", json_string(c->name));
        json_object_set_new(o, "status", json_string(sbx_check_status_name(c->status)));
        json_object_set_new(o, "detail", json_string(c->detail));
        json_object_set_new(o, "fix", c->fix[0] ? json_string(c->fix) : json_null());
        json_array_append_new(arr, o);
    }
    int r = cli_print_json(arr);
    return r ? r : exit_of(d);
}

int cmd_doctor(struct cli *cli)
{
    struct sbx_doctor d;
    sbx_doctor_run(&d);
    if (cli->json)
        return print_json(&d);
    for (size_t i = 0; i < d.n_checks; i++) {
        const struct sbx_check *c = &d.checks[i];
        printf("%-5s %-22s %s\n", sbx_check_status_name(c->status), c->name, c->detail);
        if (c->fix[0])
            printf("      %-22s fix: %s\n", "", c->fix);
    }
    int r = exit_of(&d);
    printf("\n%s\n", r ? "Some runs will be refused on this host: see the fixes above."
                       : "This host can run rusty-sandbox with every layer on.");
    return r;
}

int cmd_cleanup(struct cli *cli)
{
    struct sbx_cleanup c;
    struct sbx_error err = {0};
    if (sbx_cleanup(&c, &err) < 0) {
        cli_err("cleanup: %s", err.message);
        return 1;
    }
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "netns_removed", json_integer(c.netns_removed));
        json_object_set_new(o, "netns_busy", json_integer(c.netns_busy));
        return cli_print_json(o);
    }
    if (geteuid() != 0) {
        printf("nothing to remove: only root's runs keep pre-made network namespaces\n");
        return 0;
    }
    printf("removed %u pre-made network namespace%s", c.netns_removed,
           c.netns_removed == 1 ? "" : "s");
    if (c.netns_busy)
        printf("; %u in use by live runs, left alone", c.netns_busy);
    printf("\n");
    return 0;
}
