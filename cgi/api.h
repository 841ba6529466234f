// SPDX-License-Identifier: MIT
/*
 * api - what every part of quern-api shares: the per-worker context and the
 * parsed request a handler receives.
 *
 * One struct api_ctx lives for the whole life of a worker (FastCGI) or of
 * the single request (CGI): configuration, the database connection with its
 * prepared statements, whether it LISTENs for quern_done. One struct
 * http_req lives for one request: it owns everything parsed from it and the
 * response headers a handler adds. Handlers answer through http_send_*()
 * (http_resp.c) and http_error_send() (http_error.c), exactly once.
 */
#ifndef QUERN_CGI_API_H
#define QUERN_CGI_API_H

#include <jansson.h>

#include "cgi/reqstats.h"
#include "common/auth.h"
#include "common/buf.h"
#include "common/cfg.h"
#include "common/compat.h"
#include "common/db.h"
#include "common/qerr.h"

struct http_io; /* http_io.c: FastCGI streams or CGI stdio */

struct pcache_entry; /* pcache.c */
struct pcache_page;  /* pcache.c */

struct api_ctx {
    struct cfg cfg;
    struct db *db;  /* NULL until the first request that needs it connects */
    bool listening; /* LISTEN quern_done issued on db */
    bool one_shot;  /* CGI: this process serves one request (nothing worth caching) */
    bool listening_registry;       /* LISTEN quern_processes issued on db */
    unsigned long pcache_epoch;    /* db_reconnects() when the cache was filled */
    struct pcache_entry *pcache;   /* cached process descriptions (pcache.c) */
    size_t pcache_n;
    struct pcache_page *pages;     /* cached GET /processes responses (pcache.c) */
    size_t pages_n;
    struct reqstats reqstats;      /* request counters not yet in quern.api_requests */
};

enum http_fmt { HTTP_FMT_JSON, HTTP_FMT_HTML, HTTP_FMT_TEXT };

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_OPTIONS,
                   HTTP_PATCH, HTTP_OTHER };

struct http_param {
    char *name;
    char *value;
};

#define HTTP_MAX_PARAMS 64
#define HTTP_MAX_PATH 2048
#define HTTP_MAX_SEGS 8
#define HTTP_MAX_HEADER 8192 /* Accept, Prefer, Content-Type, REMOTE_USER */

struct http_req {
    struct http_io *io;
    struct api_ctx *ctx;
    enum http_method method;
    const char *method_name; /* borrowed from the environment */
    char path[HTTP_MAX_PATH]; /* decoded path below the base, "/" at least */
    char *segs[HTTP_MAX_SEGS]; /* path segments (point into segbuf) */
    int nsegs;
    char segbuf[HTTP_MAX_PATH];
    struct http_param params[HTTP_MAX_PARAMS];
    int nparams;
    char base[1024];          /* absolute base URL, no trailing slash */
    enum http_fmt fmt;        /* negotiated representation */
    bool fmt_explicit;        /* ?f= given */
    const char *accept;       /* borrowed header values, NULL when absent */
    const char *prefer;
    const char *content_type;
    struct auth_identity auth; /* who asks (cgi/http_auth.c), owned */
    char *auth_roles;          /* auth.roles as a JSON array, owned; NULL for admins */
    char *body;               /* request body (NUL-terminated), owned */
    size_t body_len;
    struct buf headers;       /* extra response headers, "Name: value\r\n" each */
    bool answered;
    int status;               /* HTTP status of the answer, once answered */
    const char *route;        /* pattern of the matched route (static), NULL when none */
};

/* Request-scoped helpers (http_req.c). */
/* Value of query parameter name (first occurrence), or NULL. Borrowed. */
const char *http_param(const struct http_req *r, const char *name);
/* Adds a response header; the value is printf-formatted. */
void http_header_add(struct http_req *r, const char *name, const char *fmt, ...)
    QUERN_PRINTF(3, 4);

/*
 * The database connection for this request: connects when there is none.
 * NULL with err set (QERR_DB) when PostgreSQL cannot be reached.
 */
struct db *api_db(struct api_ctx *ctx, struct qerr *err);

#endif
