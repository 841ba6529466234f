// SPDX-License-Identifier: MIT
/*
 * admin - quern-admin's shared context and its command functions.
 *
 * main.c parses global options, loads the configuration and dispatches to
 * one admin_cmd_* per subcommand (the table in main.c). A command returns
 * the process exit status: 0 ok, 1 the operation failed, 2 usage error.
 */
#ifndef QUERN_ADMIN_H
#define QUERN_ADMIN_H

#include "common/cfg.h"
#include "common/db.h"

struct admin_ctx {
    struct cfg cfg;
    struct db *db; /* opened on demand by admin_db() */
};

/* Opens the database on first use; NULL after printing the reason. */
struct db *admin_db(struct admin_ctx *ctx);

int admin_cmd_init(struct admin_ctx *ctx, int argc, char **argv);
int admin_cmd_migrate(struct admin_ctx *ctx, int argc, char **argv);
int admin_cmd_config(struct admin_ctx *ctx, int argc, char **argv);
int admin_cmd_check(struct admin_ctx *ctx, int argc, char **argv);
int admin_cmd_sync(struct admin_ctx *ctx, int argc, char **argv);
int admin_cmd_user(struct admin_ctx *ctx, int argc, char **argv);

#endif
