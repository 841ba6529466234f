// SPDX-License-Identifier: MIT
/* http_auth - identity before routing, 401/403 answers; see http_auth.h. */
#include "common/compat.h"

#include <string.h>

#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_io.h"
#include "common/log.h"

static const char *request_var(void *arg, const char *name)
{
    return http_io_getenv(arg, name);
}

static void challenge(struct http_req *r)
{
    char value[512];
    auth_challenge(&r->ctx->cfg, value, sizeof value);
    http_header_add(r, "WWW-Authenticate", "%s", value);
}

int http_auth_resolve(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct qerr dberr = QERR_INIT;
    struct db *db = api_db(r->ctx, &dberr); /* NULL is fine for anonymous requests */
    enum auth_result res = auth_resolve(&r->ctx->cfg, db, request_var, r->io, &r->auth, &err);
    switch (res) {
    case AUTH_OK:
        if (!r->auth.is_admin) {
            r->auth_roles = auth_roles_json(&r->auth);
            if (r->auth_roles == NULL) {
                qerr_set(&err, QERR_NOMEM, "out of memory");
                http_error_send(r, HTTP_EXC_FROM_CODE, &err);
                return -1;
            }
        }
        log_debug("auth: %s %s user=%s source=%s admin=%d", r->method_name, r->path,
                  r->auth.user != NULL ? r->auth.user : "-", auth_source_name(r->auth.source),
                  (int)r->auth.is_admin);
        return 0;
    case AUTH_MISSING:
        qerr_set(&err, QERR_INVALID, "this server needs credentials: HTTP Basic or a bearer token");
        challenge(r);
        http_error_send(r, HTTP_EXC_UNAUTHORIZED, &err);
        return -1;
    case AUTH_BAD:
        qerr_set(&err, QERR_INVALID, "the credentials were not accepted");
        challenge(r);
        http_error_send(r, HTTP_EXC_UNAUTHORIZED, &err);
        return -1;
    case AUTH_FORBIDDEN:
        qerr_set(&err, QERR_INVALID, "this user is disabled");
        http_error_send(r, HTTP_EXC_FORBIDDEN, &err);
        return -1;
    case AUTH_ERROR:
        break;
    }
    http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    return -1;
}

void http_auth_deny(struct http_req *r, const char *what)
{
    struct qerr err = QERR_INIT;
    if (r->auth.anonymous) {
        qerr_set(&err, QERR_INVALID, "log in to %s", what);
        challenge(r);
        http_error_send(r, HTTP_EXC_UNAUTHORIZED, &err);
        return;
    }
    qerr_set(&err, QERR_INVALID, "%s may not %s", r->auth.user != NULL ? r->auth.user : "you",
             what);
    http_error_send(r, HTTP_EXC_FORBIDDEN, &err);
}

bool http_auth_require_admin(struct http_req *r, const char *what)
{
    if (r->auth.is_admin) {
        return true;
    }
    http_auth_deny(r, what);
    return false;
}

const char *http_auth_roles_filter(const struct http_req *r)
{
    return r->auth.is_admin ? NULL : r->auth_roles;
}
