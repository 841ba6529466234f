// SPDX-License-Identifier: MIT
/*
 * http_io - the byte streams of one request, whether it came over FastCGI
 * (FCGX_* streams and parameter array) or plain CGI (environment, stdin,
 * stdout). Everything above this module is the same for both.
 */
#ifndef QUERN_CGI_HTTP_IO_H
#define QUERN_CGI_HTTP_IO_H

#include <fcgiapp.h>

#include "common/compat.h"

struct http_io {
    FCGX_Stream *in;  /* NULL in CGI mode */
    FCGX_Stream *out;
    FCGX_ParamArray envp;
};

/* A request variable (CGI meta-variable or FastCGI parameter), or NULL. Borrowed. */
const char *http_io_getenv(const struct http_io *io, const char *name);
/* Reads up to n bytes of the body; returns bytes read (0 at the end), -1 on error. */
long http_io_read(struct http_io *io, char *dst, size_t n);
/* Writes n bytes of the response; -1 when the client went away. */
int http_io_write(struct http_io *io, const void *src, size_t n);
int http_io_flush(struct http_io *io);

#endif
