// SPDX-License-Identifier: MIT
/*
 * quern-admin check: validates plugin files without touching the database.
 * Every problem is printed as file:line:column: message; exit 1 if any.
 * With no FILE the configured plugin directories are checked. -p prints
 * what each valid file becomes: one JSON line {"id", "description", "definition"}.
 */
#include "common/compat.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "common/proc_sync.h"

static void print_defs(const struct proc_sync_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        json_t *o = json_pack("{sssOsO}", "id", set->v[i]->id, "description",
                              set->v[i]->description, "definition", set->v[i]->definition);
        char *s = o != NULL ? proc_def_dumps(o) : NULL;
        if (s != NULL) {
            puts(s);
        }
        free(s);
        json_decref(o);
    }
}

int admin_cmd_check(struct admin_ctx *ctx, int argc, char **argv)
{
    bool print = false;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-p") == 0) {
        print = true;
        first = 2;
    }
    for (int i = first; i < argc; i++) {
        if (argv[i][0] == '-') {
            fputs("usage: quern-admin check [-p] [FILE...]\n", stderr);
            return 2;
        }
    }
    struct proc_sync_set set = {0};
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    int rc;
    if (argc > first) {
        rc = proc_sync_load_files(argv + first, (size_t)(argc - first), &set, &diags, &err);
    } else {
        rc = proc_sync_load_dirs(&ctx->cfg.plugins_dirs, &set, &diags, &err);
    }
    proc_diags_print(&diags, stdout);
    if (rc == 0 && print) {
        print_defs(&set);
    }
    if (rc == 0) {
        fprintf(stderr, "quern-admin: %zu process%s ok\n", set.n, set.n == 1 ? "" : "es");
    } else {
        fprintf(stderr, "quern-admin: %s\n", err.msg);
    }
    proc_sync_set_cleanup(&set);
    proc_diags_cleanup(&diags);
    return rc == 0 ? 0 : 1;
}
