// SPDX-License-Identifier: MIT
/* quern-admin init and migrate: bring the database to the schema this build knows. */
#include "common/compat.h"

#include <stdio.h>

#include "admin/admin.h"
#include "common/schema.h"

static int run_migrate(struct admin_ctx *ctx, bool must_be_empty)
{
    struct db *db = admin_db(ctx);
    if (db == NULL) {
        return 1;
    }
    struct qerr err = QERR_INIT;
    int before = schema_version(db, &err);
    if (before < 0) {
        fprintf(stderr, "quern-admin: %s\n", err.msg);
        return 1;
    }
    if (must_be_empty && before > 0) {
        printf("schema already at version %d; nothing to initialise (use migrate to upgrade)\n",
               before);
        return 0;
    }
    int n = schema_migrate(db, stdout, &err);
    if (n < 0) {
        fprintf(stderr, "quern-admin: %s\n", err.msg);
        return 1;
    }
    if (n == 0) {
        printf("schema up to date at version %d\n", before);
    } else {
        printf("schema now at version %d (%d migration%s applied)\n", schema_latest(), n,
               n == 1 ? "" : "s");
    }
    return 0;
}

int admin_cmd_init(struct admin_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fputs("usage: quern-admin init\n", stderr);
        return 2;
    }
    return run_migrate(ctx, true);
}

int admin_cmd_migrate(struct admin_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fputs("usage: quern-admin migrate\n", stderr);
        return 2;
    }
    return run_migrate(ctx, false);
}
