// SPDX-License-Identifier: MIT
/*
 * http_html - the HTML representation of the JSON documents quern serves.
 * Resources with a page of their own (cgi/html_pages.h: landing, processes,
 * jobs, logs, results) get it, chosen by the request's path; any other
 * document gets the generic page: the title, the document's links as
 * anchors, its fields as nested definition lists. Every page has a
 * <link rel="alternate"> to the JSON; every string from data is escaped.
 */
#ifndef QUERN_CGI_HTTP_HTML_H
#define QUERN_CGI_HTTP_HTML_H

#include "cgi/api.h"

/* Appends the escaped text of s (len bytes) to out. */
int http_html_escape(struct buf *out, const char *s, size_t len, struct qerr *err) QUERN_MUSTCHECK;
/* Renders doc (borrowed) as a complete page into out. */
int http_html_page(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                   struct qerr *err) QUERN_MUSTCHECK;

#endif
