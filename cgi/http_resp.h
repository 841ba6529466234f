// SPDX-License-Identifier: MIT
/*
 * http_resp - writes the one response of a request: status line, headers
 * (Content-Type, Content-Length, those added with http_header_add), body.
 * HEAD requests get the headers only. http_send_doc() renders a JSON
 * document as JSON or as an HTML page, as negotiated.
 */
#ifndef QUERN_CGI_HTTP_RESP_H
#define QUERN_CGI_HTTP_RESP_H

#include "cgi/api.h"

/* Writes the response; later calls for the same request are ignored. */
void http_send(struct http_req *r, int status, const char *ctype, const void *body, size_t len);
/* Serialises doc (borrowed) as compact JSON. */
void http_send_json(struct http_req *r, int status, const json_t *doc);
/* doc (borrowed) as JSON, or as an HTML page titled title when r->fmt is HTML. */
void http_send_doc(struct http_req *r, int status, const char *title, const json_t *doc);

/* The URL of this request with f=fmt ("json"/"html"/NULL to drop f). */
void http_self_url(const struct http_req *r, const char *fmt, char *out, size_t outsz);
/* Appends {"href","rel","type"[,"title"]} to links (new array if *links is NULL). */
void http_link_add(json_t *links, const char *href, const char *rel, const char *type,
                   const char *title);
/* Appends self (JSON) and alternate (HTML) links of this request to links. */
void http_links_self(const struct http_req *r, json_t *links);



/* The URL of this request's resource with every query parameter except drop and f, then
 * drop=value (when value is not NULL), then f=html when the request is HTML. */
void http_page_url(const struct http_req *r, const char *drop, const char *value, char *out,
                   size_t outsz);
#endif
