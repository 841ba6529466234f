// SPDX-License-Identifier: MIT
/*
 * quern-admin - the operator's tool: schema, plugins, configuration, users.
 *
 * Global options come before the command: -c FILE (configuration), -v
 * (debug logging). Each command lives in its own file; the table below is
 * the whole dispatch and the source of `quern-admin --help`.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "common/log.h"

struct admin_cmd {
    const char *name;
    int (*fn)(struct admin_ctx *ctx, int argc, char **argv);
    bool needs_config;
    const char *usage;
    const char *help;
};

static const struct admin_cmd admin_cmds[] = {
    {"init", admin_cmd_init, true, "init", "create the quern schema in an empty database"},
    {"migrate", admin_cmd_migrate, true, "migrate", "apply missing schema migrations (idempotent)"},
    {"config", admin_cmd_config, false, "config [--reference]",
     "print the effective configuration (secrets masked), or the key reference"},
    {"check", admin_cmd_check, false, "check [-p] [FILE...]",
     "validate plugin files (default: plugins.dirs); -p prints what they become"},
    {"sync", admin_cmd_sync, true, "sync [DIR...]",
     "load plugin files into the process registry (default: plugins.dirs)"},
    {"user", admin_cmd_user, true, "user SUBCOMMAND ...",
     "quern's own users, roles and API tokens: add, passwd, role, token, revoke, list, ..."},
};

static void usage(FILE *f)
{
    fputs("usage: quern-admin [-c CONFIG] [-v] COMMAND [ARGS]\n\ncommands:\n", f);
    for (size_t i = 0; i < QUERN_ARRAY_LEN(admin_cmds); i++) {
        fprintf(f, "  %-28s %s\n", admin_cmds[i].usage, admin_cmds[i].help);
    }
    fputs("\nThe configuration is read from -c, $QUERN_CONFIG or " SYSCONFDIR
          "/quern/quern.yaml;\nQUERN_* environment variables override it (see `quern-admin config "
          "--reference`).\nExit status: 0 success, 1 failure, 2 usage error.\n",
          f);
}

struct db *admin_db(struct admin_ctx *ctx)
{
    if (ctx->db != NULL) {
        return ctx->db;
    }
    struct qerr err = QERR_INIT;
    struct db_opts opts = {
        .conninfo = ctx->cfg.database_url,
        .appname = "quern-admin",
        .connect_timeout = ctx->cfg.database_connect_timeout,
        .statement_timeout_ms = 0,
    };
    ctx->db = db_open(&opts, &err);
    if (ctx->db == NULL) {
        fprintf(stderr, "quern-admin: %s\n", err.msg);
    }
    return ctx->db;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    enum log_level level = LOG_LEVEL_WARN;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    int opt;
    while ((opt = getopt(argc, argv, "+c:vh")) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'v':
            level = LOG_LEVEL_DEBUG;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    log_init("quern-admin", level);
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    const struct admin_cmd *cmd = NULL;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(admin_cmds); i++) {
        if (strcmp(admin_cmds[i].name, name) == 0) {
            cmd = &admin_cmds[i];
        }
    }
    if (cmd == NULL) {
        fprintf(stderr, "quern-admin: unknown command '%s'\n", name);
        usage(stderr);
        return 2;
    }
    struct admin_ctx ctx = {0};
    struct qerr err = QERR_INIT;
    if (cfg_load(config, &ctx.cfg, &err) < 0) {
        if (cmd->needs_config) {
            fprintf(stderr, "quern-admin: %s\n", err.msg);
            return 1;
        }
        fprintf(stderr, "quern-admin: %s\n", err.msg);
        return 1;
    }
    if (config == NULL && ctx.cfg.log_level != NULL) {
        enum log_level l;
        if (level != LOG_LEVEL_DEBUG && log_level_parse(ctx.cfg.log_level, &l) == 0) {
            log_set_level(l < LOG_LEVEL_WARN ? l : LOG_LEVEL_WARN);
        }
    }
    int rc = cmd->fn(&ctx, argc - optind, argv + optind);
    db_close(ctx.db);
    cfg_free(&ctx.cfg);
    return rc;
}
