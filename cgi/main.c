// SPDX-License-Identifier: MIT
/*
 * quern-api - the OGC API - Processes responder.
 *
 * One process serves requests one at a time: as a FastCGI responder when
 * started with a listening socket on fd 0 (lighttpd bin-path, spawn-fcgi,
 * mod_fcgid) or on the socket of --listen, and as a plain CGI program
 * (one request from the environment and stdin) otherwise, which
 * FCGX_IsCGI() tells. The only state kept between requests is the
 * struct api_ctx: configuration and one database connection whose
 * prepared statements libquern's db module caches. A request never takes
 * the worker down: errors become exception responses.
 */
#include "common/compat.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#include "cgi/api.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_io.h"
#include "cgi/http_req.h"
#include "cgi/http_resp.h"
#include "cgi/http_route.h"
#include "cgi/db_api.h"
#include "cgi/pcache.h"
#include "common/log.h"

static void handle(struct api_ctx *ctx, struct http_io *io, const struct qerr *cfg_err)
{
    struct http_req r;
    struct qerr err = QERR_INIT;
    if (http_req_parse(&r, io, ctx, &err) < 0) {
        http_error_send(&r, err.code == QERR_NOTFOUND ? HTTP_EXC_NOT_FOUND : HTTP_EXC_FROM_CODE,
                        &err);
    } else if (qerr_is_set(cfg_err)) {
        http_error_send(&r, HTTP_EXC_FROM_CODE, cfg_err);
    } else if (http_auth_resolve(&r) == 0) {
        http_route_dispatch(&r);
    }
    if (!r.answered) {
        qerr_set(&err, QERR_INTERNAL, "the handler gave no answer");
        http_error_send(&r, HTTP_EXC_FROM_CODE, &err);
    }
    log_debug("%s %s -> done", r.method_name, r.path);
    http_req_cleanup(&r);
    if (ctx->db != NULL && (ctx->listening || ctx->listening_registry) &&
        db_api_registry_changed(ctx->db)) {
        pcache_clear(ctx);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: quern-api [-c CONFIG] [--listen SOCKET|:PORT|HOST:PORT [--backlog N]]\n"
               "  A FastCGI responder (fd 0 or --listen) or, when run by a web server's CGI\n"
               "  module, a CGI program. Configuration: -c, else $QUERN_CONFIG, else\n"
               "  " SYSCONFDIR "/quern/quern.yaml; QUERN_* variables override keys.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"backlog", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *listen_on = NULL;
    int backlog = 64, c;
    while ((c = getopt_long(argc, argv, "c:l:b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'l': listen_on = optarg; break;
        case 'b': backlog = (int)strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    log_init("quern-api", LOG_LEVEL_INFO);
    signal(SIGPIPE, SIG_IGN);
    struct api_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    struct qerr cfg_err = QERR_INIT;
    if (cfg_load(config, &ctx.cfg, &cfg_err) < 0) {
        log_error("configuration: %s", cfg_err.msg);
    } else {
        enum log_level lvl;
        if (log_level_parse(ctx.cfg.log_level, &lvl) == 0) {
            log_set_level(lvl);
        }
    }
    if (FCGX_Init() != 0) {
        log_error("FCGX_Init failed");
        return 1;
    }
    int sock = 0;
    if (listen_on != NULL) {
        sock = FCGX_OpenSocket(listen_on, backlog < 1 ? 64 : backlog);
        if (sock < 0) {
            log_error("cannot listen on %s", listen_on);
            return 1;
        }
        log_info("listening on %s", listen_on);
    } else if (FCGX_IsCGI()) {
        struct http_io io = {NULL, NULL, NULL};
        ctx.one_shot = true;
        handle(&ctx, &io, &cfg_err);
        pcache_clear(&ctx);
        fflush(stdout);
        db_close(ctx.db);
        cfg_free(&ctx.cfg);
        return 0;
    }
    FCGX_Request req;
    if (FCGX_InitRequest(&req, sock, 0) != 0) {
        log_error("FCGX_InitRequest failed");
        return 1;
    }
    while (FCGX_Accept_r(&req) >= 0) {
        struct http_io io = {req.in, req.out, req.envp};
        handle(&ctx, &io, &cfg_err);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    pcache_clear(&ctx);
    db_close(ctx.db);
    cfg_free(&ctx.cfg);
    return 0;
}
