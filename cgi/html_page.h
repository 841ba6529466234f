// SPDX-License-Identifier: MIT
/*
 * html_page - what every server-rendered page of quern-api shares: the
 * layout (head with the inline style sheet and the <link rel="alternate">
 * to the JSON, the navigation bar, the footer) and html_put(), a small
 * formatter that HTML-escapes every string argument unless told otherwise,
 * so escaping is the default and raw markup the visible exception.
 * Use: html_begin -> html_put ... -> html_end. Pages never load anything
 * from elsewhere: no scripts, no external style sheets, no fonts.
 */
#ifndef QUERN_CGI_HTML_PAGE_H
#define QUERN_CGI_HTML_PAGE_H

#include "cgi/api.h"

/*
 * Appends fmt to out. Conversions: %s a string, HTML-escaped (NULL prints
 * nothing); %r a string copied raw (markup the caller wrote, never request or
 * database data); %d an int; %l a long; %% a percent sign.
 */
int html_put(struct buf *out, struct qerr *err, const char *fmt, ...) QUERN_MUSTCHECK;
/* Appends len bytes of s HTML-escaped (also quotes: safe in attribute values). */
int html_escape(struct buf *out, const char *s, size_t len, struct qerr *err) QUERN_MUSTCHECK;
/* Appends v as indented JSON text, escaped, inside <pre class="json">. */
int html_json(struct buf *out, const json_t *v, struct qerr *err) QUERN_MUSTCHECK;

/*
 * Opens a page: doctype, head (title, style, alternate JSON link; a meta
 * refresh every refresh seconds when refresh > 0), navigation, <main><h1>.
 */
int html_begin(struct buf *out, const struct http_req *r, const char *title, int refresh,
               struct qerr *err) QUERN_MUSTCHECK;
/* Closes what html_begin opened. */
int html_end(struct buf *out, struct qerr *err) QUERN_MUSTCHECK;

/* The href of the first link of doc's "links" with relation rel, or NULL. Borrowed. */
const char *html_link_href(const json_t *doc, const char *rel);
/* Whether a job status is final (successful, failed, dismissed). */
bool html_status_final(const char *status);

#endif
