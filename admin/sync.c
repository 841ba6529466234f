// SPDX-License-Identifier: MIT
/*
 * quern-admin sync: loads plugin files into quern.processes in one
 * transaction and prints what changed. DIRs default to plugins.dirs. An
 * invalid file prints its problems and changes nothing (exit 1).
 */
#include "common/compat.h"

#include <stdio.h>

#include "admin/admin.h"
#include "common/proc_sync.h"

int admin_cmd_sync(struct admin_ctx *ctx, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            fputs("usage: quern-admin sync [DIR...]\n", stderr);
            return 2;
        }
    }
    struct cfg_list dirs = ctx->cfg.plugins_dirs;
    if (argc > 1) {
        dirs.items = argv + 1;
        dirs.n = (size_t)(argc - 1);
    }
    struct db *db = admin_db(ctx);
    if (db == NULL) {
        return 1;
    }
    struct qerr err = QERR_INIT;
    if (proc_sync_dirs(db, &dirs, stdout, &err) < 0) {
        fflush(stdout);
        fprintf(stderr, "quern-admin: %s\n", err.msg);
        return 1;
    }
    return 0;
}
