/* rusty-sandbox list-supported: each runtime, its extensions, interpreter and version. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cmd_list(struct cli *cli)
{
    json_t *arr = cli->json ? json_array() : NULL;
    if (!cli->json)
        printf("%-12s %-18s %-36s %s\n", "RUNTIME", "EXTENSIONS", "INTERPRETER", "VERSION");
    for (size_t i = 0; i < sbx_runtime_count(); i++) {
        const struct sbx_runtime *rt = sbx_runtime_at(i);
        char exts[64] = "";
        for (const char *const *e = sbx_runtime_extensions(rt); *e; e++)
            snprintf(exts + strlen(exts), sizeof(exts) - strlen(exts), "%s%s", exts[0] ? " " : "",
                     *e);
        struct sbx_interpreter interp;
        struct sbx_error err = {0};
        char version[SBX_VERSION_MAX] = "";
        int found = sbx_interpreter_resolve(rt, NULL, NULL, &interp, &err) == 0;
        if (found)
            sbx_interpreter_version(rt, &interp, version);
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "runtime", json_string(sbx_runtime_name(rt)));
            json_t *e = json_array();
            for (const char *const *x = sbx_runtime_extensions(rt); *x; x++)
                json_array_append_new(e, json_string(*x));
            json_object_set_new(o, "extensions", e);
            json_object_set_new(o, "interpreter", found ? json_string(interp.path) : json_null());
            json_object_set_new(o, "version",
                                found && version[0] ? json_string(version) : json_null());
            json_object_set_new(o, "error", found ? json_null() : json_string(err.message));
            json_array_append_new(arr, o);
        } else if (found) {
            printf("%-12s %-18s %-36s %s\n", sbx_runtime_name(rt), exts, interp.path,
                   version[0] ? version : "unknown");
        } else {
            printf("%-12s %-18s %-36s %s\n", sbx_runtime_name(rt), exts, "not found", "-");
            fprintf(stderr, "  %s\n", err.message);
        }
    }
    return arr ? cli_print_json(arr) : 0;
}
