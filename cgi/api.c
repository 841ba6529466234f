// SPDX-License-Identifier: MIT
/* api - the per-worker context's database connection; see api.h. */
#include "common/compat.h"

#include "cgi/api.h"

struct db *api_db(struct api_ctx *ctx, struct qerr *err)
{
    if (ctx->db != NULL) {
        return ctx->db;
    }
    struct db_opts opts = {
        .conninfo = ctx->cfg.database_url,
        .appname = "quern-api",
        .connect_timeout = 0, /* one try: a request never waits for a dead database */
        .statement_timeout_ms = ctx->cfg.database_statement_timeout,
    };
    ctx->db = db_open(&opts, err);
    ctx->listening = false;
    return ctx->db;
}
