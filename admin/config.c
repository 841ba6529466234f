// SPDX-License-Identifier: MIT
/* quern-admin config: show the effective configuration or the key reference. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "admin/admin.h"

int admin_cmd_config(struct admin_ctx *ctx, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--reference") == 0) {
        cfg_print_reference(stdout);
        return 0;
    }
    if (argc != 1) {
        fputs("usage: quern-admin config [--reference]\n", stderr);
        return 2;
    }
    printf("# from %s\n", ctx->cfg.path != NULL ? ctx->cfg.path : "defaults and environment");
    cfg_print_effective(&ctx->cfg, stdout);
    return 0;
}
