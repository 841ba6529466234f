// SPDX-License-Identifier: MIT
/* libFuzzer harness: quern-api's request-string parsers (percent-decoding, path
 * splitting, Accept negotiation, Prefer, JSON depth) on any bytes.
 * fuzz-sources and fuzz-libs below name what the harness links. */
// fuzz-sources: cgi/http_req.c cgi/http_io.c
// fuzz-libs: -lfcgi
#include "common/compat.h"

#include <stdint.h>
#include <string.h>

#include "cgi/http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[4096], out[4096], buf[4096], *segs[8];
    if (size >= sizeof s) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    (void)http_pct_decode(s, size, size % 2 == 0, out, sizeof out);
    int n;
    (void)http_path_split(s, buf, sizeof buf, segs, 8, &n);
    enum http_fmt fmt;
    (void)http_negotiate(s, NULL, &fmt);
    (void)http_negotiate(NULL, s, &fmt);
    struct http_prefer p;
    http_prefer_parse(s, &p);
    (void)http_json_depth(s, size);
    return 0;
}
