// SPDX-License-Identifier: MIT
/*
 * html_form - the execute form of a process page and its way back.
 *
 * HTML forms cannot send JSON, so the form on /processes/{id}?f=html POSTs
 * application/x-www-form-urlencoded to /processes/{id}/execution, one
 * field per input named by the input id. html_form_decode() turns such a
 * body into the JSON execute request {"inputs": {...}} the JSON path takes,
 * typing each value by the input's schema (html_form_field); quern-api then
 * validates it exactly as a JSON request, creates an async job and answers
 * 303 See Other to the job's page. An empty field is an input left out.
 * The form renders the simple types as inputs (string, number, integer,
 * boolean, enum as a select) and everything else as a JSON textarea.
 */
#ifndef QUERN_CGI_HTML_FORM_H
#define QUERN_CGI_HTML_FORM_H

#include "cgi/api.h"

enum html_field {
    HTML_FIELD_TEXT,     /* string: <input> (or <select> with an enum) */
    HTML_FIELD_LONGTEXT, /* string with a media type or encoding: <textarea>, taken as is */
    HTML_FIELD_NUMBER,
    HTML_FIELD_INTEGER,
    HTML_FIELD_BOOLEAN, /* <select> true/false */
    HTML_FIELD_JSON,    /* anything else, or more than one occurrence: JSON text */
};

#define HTML_FORM_MAX_FIELDS 256

/* How the input description input (borrowed) is filled in on the form. */
enum html_field html_form_field(const json_t *input);
/* Appends the execute form of process id with the given inputs (borrowed). */
int html_form_render(struct buf *out, const struct http_req *r, const char *id,
                     const json_t *inputs, struct qerr *err) QUERN_MUSTCHECK;
/* Whether a Content-Type is application/x-www-form-urlencoded (any parameters). */
bool html_form_is_urlencoded(const char *content_type);
/*
 * The execute request {"inputs": {...}} of a form body of len bytes, typed by
 * inputs (the process description's inputs, borrowed); JSON fields nested at
 * most max_depth. New reference, or NULL with err (QERR_INVALID, actionable).
 */
json_t *html_form_decode(const char *body, size_t len, const json_t *inputs, long max_depth,
                         struct qerr *err);
/*
 * Whether a form POST may act for the asker: true when the browser sent no
 * Origin header or one equal to the scheme://host[:port] of base (a page of
 * another site must not submit jobs with the user's credentials).
 */
bool html_form_origin_ok(const char *origin, const char *base);

#endif
