// SPDX-License-Identifier: MIT
/*
 * http - the client's transport: one libcurl easy handle (so connections
 * are reused), the server's base URL, and the credentials.
 *
 * Credentials are sent only to URLs under the base URL's origin, never
 * logged, and wiped from memory at cleanup; libcurl follows redirects only
 * for downloads and drops credentials when a redirect leaves the host.
 * Bodies are bounded (HTTP_BODY_MAX in memory, HTTP_DOWNLOAD_MAX to a file).
 * Use: http_client_init -> http_request / http_download ... -> http_client_cleanup.
 */
#ifndef QUERN_CLIENT_HTTP_H
#define QUERN_CLIENT_HTTP_H

#include "common/compat.h"

#include <stdio.h>

#include "common/buf.h"
#include "common/qerr.h"

#define HTTP_BODY_MAX ((size_t)64 << 20)
#define HTTP_DOWNLOAD_MAX ((long long)16 << 30)
#define HTTP_URL_MAX 4096

struct http_client {
    void *curl;        /* CURL *, opaque to the rest of the client */
    char *base;        /* the server URL without a trailing slash */
    char *userpwd;     /* "user:password" or NULL */
    char *auth_header; /* "Authorization: Bearer ..." or NULL */
};

struct http_resp {
    long status;            /* 0 until the server answered */
    struct buf body;        /* the body (downloads: only an error body) */
    char content_type[128]; /* "" when absent */
    char location[HTTP_URL_MAX];
    char monitor[HTTP_URL_MAX]; /* the URL of a Link header with rel="monitor", "" if none */
    char filename[256]; /* Content-Disposition filename, reduced to [A-Za-z0-9._-]; "" if none */
};

/* base, user ("U:P") and token are copied; user and token may be NULL. */
int http_client_init(struct http_client *c, const char *base, const char *user, const char *token,
                     struct qerr *err) QUERN_MUSTCHECK;
void http_client_cleanup(struct http_client *c);

void http_resp_init(struct http_resp *r);
void http_resp_cleanup(struct http_resp *r);

/*
 * Sends method to url_or_path (a path such as "/jobs" is joined to the base
 * URL). json_body may be NULL; prefer is a Prefer header value or NULL;
 * timeout_s 0 means none. Returns 0 whenever the server answered, whatever
 * the status; -1 with err (QERR_BACKEND) on network failure.
 */
int http_request(struct http_client *c, const char *method, const char *url_or_path,
                 const char *json_body, const char *prefer, long timeout_s, struct http_resp *r,
                 struct qerr *err) QUERN_MUSTCHECK;

/* GETs url_or_path, writing a 2xx body to f and any other body to r->body. Same return. */
int http_download(struct http_client *c, const char *url_or_path, FILE *f, struct http_resp *r,
                  struct qerr *err) QUERN_MUSTCHECK;

/* Every network failure's message starts with this (see http_err_is_network). */
#define HTTP_NET_ERROR_PREFIX "cannot reach "

/* True when err says the server could not be reached (rather than what it answered). */
bool http_err_is_network(const struct qerr *err);

/* Percent-encodes s for a path segment or query value; NULL on no memory. Caller frees. */
char *http_escape(const struct http_client *c, const char *s);

/* True when url (absolute) starts with the base URL's scheme://host[:port]/. */
bool http_same_origin(const char *base, const char *url);

#endif
