// SPDX-License-Identifier: MIT
/*
 * http_route - the route table: path pattern -> handler per method.
 * Patterns are segment lists where "*" matches any one segment. GET
 * handlers also answer HEAD; a path whose pattern exists without the
 * method answers 405 with Allow; an unknown path 404.
 */
#ifndef QUERN_CGI_HTTP_ROUTE_H
#define QUERN_CGI_HTTP_ROUTE_H

#include "cgi/api.h"

typedef void (*http_handler)(struct http_req *r);

struct http_route {
    const char *pattern; /* "/jobs/x/results" with x as "*" */
    http_handler get;
    http_handler post;
    http_handler del;
    http_handler put;
};

/* The route whose pattern matches segs, or NULL. */
const struct http_route *http_route_match(char *const *segs, int nsegs);
/* Writes the Allow value of route into out ("GET, HEAD, POST"...). */
void http_route_allow(const struct http_route *route, char *out, size_t outsz);
/* Finds the handler of r and runs it, or answers 404/405 (and OPTIONS). */
void http_route_dispatch(struct http_req *r);

#endif
