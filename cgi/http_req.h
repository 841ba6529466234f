// SPDX-License-Identifier: MIT
/*
 * http_req - turns the CGI/FastCGI variables of one request into a struct
 * http_req: method, decoded path below the base (split into segments),
 * query parameters, the absolute base URL, the negotiated representation,
 * and, on demand, the body (bounded by api.max_body) and its JSON (bounded
 * by api.max_depth). Nothing here writes a response.
 * Use: http_req_parse -> [http_req_json_body] -> ... -> http_req_cleanup.
 */
#ifndef QUERN_CGI_HTTP_REQ_H
#define QUERN_CGI_HTTP_REQ_H

#include "cgi/api.h"
#include "cgi/http_io.h"

struct http_prefer {
    bool respond_async; /* "respond-async" present */
    long wait;          /* "wait=N" seconds, -1 when absent */
};

/*
 * Fills r from io. QERR_INVALID for a path or query that cannot be decoded
 * (bad %-escape, NUL byte, too long, too many parameters, unknown f=).
 */
int http_req_parse(struct http_req *r, struct http_io *io, struct api_ctx *ctx,
                   struct qerr *err) QUERN_MUSTCHECK;
void http_req_cleanup(struct http_req *r);

/* Reads the body into r->body; QERR_TOO_LARGE past api.max_body. */
int http_req_read_body(struct http_req *r, struct qerr *err) QUERN_MUSTCHECK;
/* Reads and parses a JSON body. New reference, or NULL with err (QERR_INVALID/TOO_LARGE). */
json_t *http_req_json_body(struct http_req *r, struct qerr *err);

/* Percent-decodes n bytes of src into dst (plus_space: '+' is a space). -1 on a bad
 * escape, an encoded or raw NUL, or when dst (dstsz bytes with the NUL) is too small. */
int http_pct_decode(const char *src, size_t n, bool plus_space, char *dst, size_t dstsz);
/* Chooses JSON, HTML or text from ?f= (wins when given) and Accept. -1 for an unknown f. */
int http_negotiate(const char *accept, const char *f, enum http_fmt *out);
/* Parses a Prefer header: comma-separated preferences, whitespace trimmed. */
void http_prefer_parse(const char *hdr, struct http_prefer *out);
/* Deepest [ / { nesting of a JSON text (strings skipped). */
long http_json_depth(const char *s, size_t n);
/* Splits path on '/' into segs (pointing into buf); -1 when there are too many. */
int http_path_split(const char *path, char *buf, size_t bufsz, char **segs, int maxsegs,
                    int *nsegs);

#endif
