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
 * prepared statements libquern's db module caches, and the request
 * counters (reqstats.c) that are added to the database after an answer has
 * gone out, when metrics.flush_requests have piled up or the oldest is
 * metrics.flush_interval old: an idle worker waits for its next connection
 * in poll(2) on the (non-blocking) listening socket with that deadline.
 * SIGTERM while idle flushes and exits; while busy it kills as before.
 * A request never takes the worker down: errors become exception responses.
 */
#include "common/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
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

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t idle;

/* SIGTERM: an idle worker leaves its accept loop (and flushes); a busy one dies at once. */
static void on_term(int sig)
{
    stop_requested = 1;
    if (!idle) {
        raise(sig); /* SA_RESETHAND restored the default action */
    }
}

static const char *method_label(enum http_method m)
{
    static const char *const names[] = {[HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",
                                        [HTTP_POST] = "POST",       [HTTP_PUT] = "PUT",
                                        [HTTP_DELETE] = "DELETE",   [HTTP_OPTIONS] = "OPTIONS",
                                        [HTTP_PATCH] = "PATCH",     [HTTP_OTHER] = "OTHER"};
    return (size_t)m < QUERN_ARRAY_LEN(names) && names[m] != NULL ? names[m] : "OTHER";
}

/* metrics.flush_interval, or its default when the configuration did not load. */
static long flush_interval(const struct api_ctx *ctx)
{
    return ctx->cfg.metrics_flush_interval > 0 ? ctx->cfg.metrics_flush_interval : 10;
}

/* Adds the counted requests to the database when due (or when force and any are pending). */
static void stats_flush(struct api_ctx *ctx, bool force)
{
    struct reqstats *s = &ctx->reqstats;
    long every = ctx->cfg.metrics_flush_requests > 0 ? ctx->cfg.metrics_flush_requests : 100;
    if (s->pending == 0 ||
        (!force && !reqstats_due(s, every, flush_interval(ctx), reqstats_now()))) {
        return;
    }
    struct qerr err = QERR_INIT;
    struct db *db = api_db(ctx, &err);
    if (db == NULL || reqstats_flush(s, db, &err) < 0) {
        /* Kept for the next try; restart the clock so a dead database is not hammered. */
        s->first_at = reqstats_now();
        log_warn("request counters not saved (kept for the next try): %s", err.msg);
    }
}

static void handle(struct api_ctx *ctx, struct http_io *io, const struct qerr *cfg_err)
{
    double t0 = reqstats_now();
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
    log_debug("%s %s -> %d", r.method_name, r.path, r.status);
    double t1 = reqstats_now();
    reqstats_add(&ctx->reqstats, r.route, method_label(r.method), r.status, t1 - t0, t1);
    http_req_cleanup(&r);
    if (ctx->db != NULL && (ctx->listening || ctx->listening_registry) &&
        db_api_registry_changed(ctx->db)) {
        pcache_clear(ctx);
    }
}

/*
 * Waits for the next FastCGI connection, flushing the counters when their
 * deadline passes first. SIGTERM is blocked here except inside ppoll(2), so
 * it either interrupts the wait (flag, -1) or stays pending until the
 * request has been accepted and then kills as the default action would.
 * FCGX_Accept_r's result, or -1.
 */
static int accept_next(struct api_ctx *ctx, int sock, FCGX_Request *req)
{
    sigset_t term, orig;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &orig);
    idle = 1;
    int rc = -1;
    while (!stop_requested) {
        int wait = reqstats_wait_ms(&ctx->reqstats, flush_interval(ctx), reqstats_now());
        if (wait == 0) {
            stats_flush(ctx, true);
            continue;
        }
        struct pollfd p = {.fd = sock, .events = POLLIN};
        struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (long)(wait % 1000) * 1000000L};
        int n = ppoll(&p, 1, wait < 0 ? NULL : &ts, &orig);
        if (n < 0 && errno != EINTR) {
            log_error("waiting for a connection: %s", strerror(errno));
            break;
        }
        if (n <= 0) {
            continue;
        }
        rc = FCGX_Accept_r(req);
        if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR) {
            break; /* a connection, or a real error */
        }
        rc = -1; /* another worker took the connection */
    }
    idle = 0;
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return rc;
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
    struct sigaction term = {.sa_handler = on_term, .sa_flags = SA_RESETHAND};
    sigemptyset(&term.sa_mask);
    sigaction(SIGTERM, &term, NULL);
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
        fclose(stdout);          /* the web server sees the end of the answer now */
        stats_flush(&ctx, true); /* CGI: this process ends; its one count goes in */
        pcache_clear(&ctx);
        reqstats_cleanup(&ctx.reqstats);
        db_close(ctx.db);
        cfg_free(&ctx.cfg);
        return 0;
    }
    FCGX_Request req;
    if (FCGX_InitRequest(&req, sock, 0) != 0) {
        log_error("FCGX_InitRequest failed");
        return 1;
    }
    /* Non-blocking, so a worker that loses the race for a connection goes back to poll. */
    int fl = fcntl(sock, F_GETFL);
    if (fl < 0 || fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0) {
        log_error("cannot make the listening socket non-blocking: %s", strerror(errno));
        return 1;
    }
    while (accept_next(&ctx, sock, &req) >= 0) {
        struct http_io io = {req.in, req.out, req.envp};
        handle(&ctx, &io, &cfg_err);
        FCGX_Finish_r(&req);
        stats_flush(&ctx, false);
    }
    FCGX_Free(&req, 1);
    stats_flush(&ctx, true);
    reqstats_cleanup(&ctx.reqstats);
    pcache_clear(&ctx);
    db_close(ctx.db);
    cfg_free(&ctx.cfg);
    return 0;
}
