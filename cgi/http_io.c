// SPDX-License-Identifier: MIT
/* http_io - FastCGI or CGI streams behind one small interface; see http_io.h. */
#include "common/compat.h"

#include <stdio.h>
#include <stdlib.h>

#include "cgi/http_io.h"

const char *http_io_getenv(const struct http_io *io, const char *name)
{
    if (io->in == NULL) {
        return getenv(name);
    }
    return FCGX_GetParam(name, io->envp);
}

long http_io_read(struct http_io *io, char *dst, size_t n)
{
    if (n > (size_t)1 << 30) {
        n = (size_t)1 << 30;
    }
    if (io->in == NULL) {
        size_t got = fread(dst, 1, n, stdin);
        if (got == 0 && ferror(stdin)) {
            return -1;
        }
        return (long)got;
    }
    int got = FCGX_GetStr(dst, (int)n, io->in);
    return got < 0 ? -1 : got;
}

int http_io_write(struct http_io *io, const void *src, size_t n)
{
    if (io->in == NULL) {
        return fwrite(src, 1, n, stdout) == n ? 0 : -1;
    }
    const char *p = src;
    while (n > 0) {
        int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
        if (FCGX_PutStr(p, chunk, io->out) != chunk) {
            return -1;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

int http_io_flush(struct http_io *io)
{
    if (io->in == NULL) {
        return fflush(stdout) == 0 ? 0 : -1;
    }
    return FCGX_FFlush(io->out) == 0 ? 0 : -1;
}
