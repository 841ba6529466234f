// SPDX-License-Identifier: MIT
/*
 * http_auth - the request's identity, resolved once before routing
 * (common/auth.c decides; this module only answers). Missing or wrong
 * credentials answer 401 with a WWW-Authenticate challenge, a disabled
 * front-server user 403, and handlers refuse what an identity may not do
 * through http_auth_deny(): 403 for a user, 401 for an anonymous request
 * (which may still log in). Both with an OGC exception document.
 */
#ifndef QUERN_CGI_HTTP_AUTH_H
#define QUERN_CGI_HTTP_AUTH_H

#include "cgi/api.h"

/* Fills r->auth. 0 when the request may go on; -1 when it has been answered. */
int http_auth_resolve(struct http_req *r) QUERN_MUSTCHECK;

/* Answers that r's identity may not do what (e.g. "execute process x"). */
void http_auth_deny(struct http_req *r, const char *what);

/*
 * For admin-only resources (deploy, undeploy, metrics): true when r's
 * identity holds auth.admin_role; otherwise answers as http_auth_deny.
 */
bool http_auth_require_admin(struct http_req *r, const char *what);

/*
 * The role filter of the process statements ($n::jsonb): NULL for admins
 * (every process), else the identity's roles as a JSON array. Borrowed
 * from r; NULL too when out of memory (handlers then see everything they
 * would see as admin, so http_auth_resolve refuses that case up front).
 */
const char *http_auth_roles_filter(const struct http_req *r);

#endif
