// SPDX-License-Identifier: MIT
/*
 * http_req - request parsing with hard limits; see http_req.h.
 *
 * The path is taken from REQUEST_URI (undecoded, so an encoded '/' never
 * splits a segment) minus the prefix the API is mounted at: the path of
 * api.base_url when configured, else SCRIPT_NAME. When REQUEST_URI does not
 * start with that prefix (some servers rewrite it), PATH_INFO is used.
 * Under lighttpd's fix-root-scriptname SCRIPT_NAME is empty and the whole
 * path is the API's.
 */
#include "common/compat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cgi/http_req.h"
#include "common/qstr.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int http_pct_decode(const char *src, size_t n, bool plus_space, char *dst, size_t dstsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= n) {
                return -1;
            }
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hi < 0 ? -1 : hexval((unsigned char)src[i + 2]);
            if (lo < 0) {
                return -1;
            }
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == 0 || o + 1 >= dstsz) {
            return -1;
        }
        dst[o++] = (char)c;
    }
    if (o >= dstsz) {
        return -1;
    }
    dst[o] = '\0';
    return 0;
}

int http_path_split(const char *path, char *buf, size_t bufsz, char **segs, int maxsegs,
                    int *nsegs)
{
    size_t len = strlen(path);
    if (len + 1 > bufsz) {
        return -1;
    }
    memcpy(buf, path, len + 1);
    int n = 0;
    char *p = buf;
    while (*p != '\0') {
        while (*p == '/') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (n == maxsegs) {
            return -1;
        }
        segs[n++] = p;
        while (*p != '\0' && *p != '/') {
            p++;
        }
    }
    *nsegs = n;
    return 0;
}

/* Specificity of range (2 exact, 1 type/ *, 0 * / *) when it covers one of types, else -1. */
static int range_match(const char *range, size_t rlen, const char *const *types)
{
    if (rlen == 3 && strncmp(range, "*/*", 3) == 0) {
        return 0;
    }
    for (int i = 0; types[i] != NULL; i++) {
        const char *t = types[i];
        size_t tl = strlen(t);
        if (rlen == tl && strncasecmp(range, t, tl) == 0) {
            return 2;
        }
        const char *slash = strchr(t, '/');
        size_t major = (size_t)(slash - t);
        if (rlen == major + 2 && strncasecmp(range, t, major + 1) == 0 && range[major + 1] == '*') {
            return 1;
        }
    }
    /* Any +json structured type counts as JSON (e.g. the OpenAPI media type). */
    if (types[0] != NULL && strcmp(types[0], "application/json") == 0 && rlen > 5 &&
        strncasecmp(range + rlen - 5, "+json", 5) == 0) {
        return 2;
    }
    return -1;
}

/* q of the most specific range of accept that covers one of types (0 when none does). */
static double accept_q(const char *accept, const char *const *types)
{
    double best_q = 0;
    int best_spec = -1;
    const char *p = accept;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len > 0 && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        size_t rlen = 0;
        while (rlen < len && s[rlen] != ';' && !isspace((unsigned char)s[rlen])) {
            rlen++;
        }
        double q = 1;
        for (size_t i = rlen; i + 2 < len; i++) {
            if (s[i] == ';') {
                const char *a = s + i + 1;
                while (*a == ' ') {
                    a++;
                }
                if ((a[0] == 'q' || a[0] == 'Q') && a[1] == '=') {
                    q = strtod(a + 2, NULL);
                }
            }
        }
        int spec = range_match(s, rlen, types);
        if (spec > best_spec) {
            best_spec = spec;
            best_q = q;
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return best_q;
}

int http_negotiate(const char *accept, const char *f, enum http_fmt *out)
{
    if (f != NULL) {
        if (strcasecmp(f, "json") == 0) {
            *out = HTTP_FMT_JSON;
        } else if (strcasecmp(f, "html") == 0) {
            *out = HTTP_FMT_HTML;
        } else if (strcasecmp(f, "text") == 0 || strcasecmp(f, "txt") == 0) {
            *out = HTTP_FMT_TEXT;
        } else {
            return -1;
        }
        return 0;
    }
    *out = HTTP_FMT_JSON;
    if (accept == NULL || *accept == '\0') {
        return 0;
    }
    static const char *const json[] = {"application/json", NULL};
    static const char *const html[] = {"text/html", "application/xhtml+xml", NULL};
    static const char *const text[] = {"text/plain", NULL};
    double qj = accept_q(accept, json);
    double qh = accept_q(accept, html);
    double qt = accept_q(accept, text);
    if (qh > qj && qh >= qt) {
        *out = HTTP_FMT_HTML;
    } else if (qt > qj && qt > qh) {
        *out = HTTP_FMT_TEXT;
    }
    return 0;
}

void http_prefer_parse(const char *hdr, struct http_prefer *out)
{
    out->respond_async = false;
    out->wait = -1;
    if (hdr == NULL) {
        return;
    }
    const char *p = hdr;
    while (*p != '\0') {
        while (*p == ',' || isspace((unsigned char)*p)) {
            p++;
        }
        const char *tok = p;
        while (*p != '\0' && *p != ',') {
            p++;
        }
        size_t len = (size_t)(p - tok);
        while (len > 0 && isspace((unsigned char)tok[len - 1])) {
            len--;
        }
        size_t semi = 0; /* preference parameters after ';' are ignored */
        while (semi < len && tok[semi] != ';') {
            semi++;
        }
        while (semi > 0 && isspace((unsigned char)tok[semi - 1])) {
            semi--;
        }
        char one[64];
        if (semi == 0 || semi >= sizeof one) {
            continue;
        }
        memcpy(one, tok, semi);
        one[semi] = '\0';
        if (strcasecmp(one, "respond-async") == 0) {
            out->respond_async = true;
        } else if (strncasecmp(one, "wait", 4) == 0) {
            const char *v = one + 4;
            while (isspace((unsigned char)*v)) {
                v++;
            }
            if (*v == '=') {
                v++;
                while (isspace((unsigned char)*v)) {
                    v++;
                }
                if (*v == '"') {
                    v++;
                }
                char num[24];
                size_t k = 0;
                while (k + 1 < sizeof num && isdigit((unsigned char)v[k])) {
                    num[k] = v[k];
                    k++;
                }
                num[k] = '\0';
                long w;
                if (qstr_to_long(num, 0, 86400 * 365, &w) == 0) {
                    out->wait = w;
                }
            }
        }
    }
}

long http_json_depth(const char *s, size_t n)
{
    long depth = 0, max = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = false;
            }
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                max = depth;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

static int parse_query(struct http_req *r, const char *qs, struct qerr *err)
{
    const char *p = qs;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (r->nparams == HTTP_MAX_PARAMS) {
                qerr_set(err, QERR_INVALID, "too many query parameters (at most %d)",
                         HTTP_MAX_PARAMS);
                return -1;
            }
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq != NULL ? (size_t)(eq - p) : len;
            size_t vlen = eq != NULL ? len - nlen - 1 : 0;
            char *name = malloc(nlen + 1);
            char *value = malloc(vlen + 1);
            struct http_param *hp = &r->params[r->nparams++];
            hp->name = name;
            hp->value = value;
            if (name == NULL || value == NULL) {
                qerr_set(err, QERR_NOMEM, "out of memory");
                return -1;
            }
            if (http_pct_decode(p, nlen, true, name, nlen + 1) < 0 ||
                http_pct_decode(eq != NULL ? eq + 1 : "", vlen, true, value, vlen + 1) < 0) {
                qerr_set(err, QERR_INVALID, "query string: bad percent-encoding or NUL byte");
                return -1;
            }
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

static bool host_ok(const char *h)
{
    if (h == NULL || *h == '\0' || strlen(h) > 255) {
        return false;
    }
    for (const char *p = h; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr(".-:[]_", *p) == NULL) {
            return false;
        }
    }
    return true;
}

/* Sets r->base and returns the path prefix the API is mounted at (may be ""). */
static void make_base(struct http_req *r, char *prefix, size_t prefixsz)
{
    const char *cfg_base = r->ctx->cfg.api_base_url;
    if (cfg_base != NULL && *cfg_base != '\0') {
        snprintf(r->base, sizeof r->base, "%s", cfg_base);
        size_t n = strlen(r->base);
        while (n > 0 && r->base[n - 1] == '/') {
            r->base[--n] = '\0';
        }
        const char *sep = strstr(r->base, "://");
        const char *path = sep != NULL ? strchr(sep + 3, '/') : NULL;
        snprintf(prefix, prefixsz, "%s", path != NULL ? path : "");
        return;
    }
    const char *sn = http_io_getenv(r->io, "SCRIPT_NAME");
    snprintf(prefix, prefixsz, "%s", sn != NULL ? sn : "");
    size_t pn = strlen(prefix);
    while (pn > 0 && prefix[pn - 1] == '/') {
        prefix[--pn] = '\0';
    }
    const char *https = http_io_getenv(r->io, "HTTPS");
    const char *scheme = http_io_getenv(r->io, "REQUEST_SCHEME");
    bool tls = (https != NULL && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0)) ||
               (scheme != NULL && strcasecmp(scheme, "https") == 0);
    const char *host = http_io_getenv(r->io, "HTTP_HOST");
    char hostbuf[300];
    if (!host_ok(host)) {
        const char *name = http_io_getenv(r->io, "SERVER_NAME");
        const char *port = http_io_getenv(r->io, "SERVER_PORT");
        if (!host_ok(name)) {
            name = "localhost";
        }
        bool dflt = port == NULL || (!tls && strcmp(port, "80") == 0) ||
                    (tls && strcmp(port, "443") == 0) || !host_ok(port);
        snprintf(hostbuf, sizeof hostbuf, "%s%s%s", name, dflt ? "" : ":", dflt ? "" : port);
        host = hostbuf;
    }
    snprintf(r->base, sizeof r->base, "%s://%s%s", tls ? "https" : "http", host, prefix);
}

/* Splits the raw path into segments, then decodes each one (an encoded '/' stays inside
 * its segment). */
static int parse_path(struct http_req *r, const char *prefix, struct qerr *err)
{
    const char *uri = http_io_getenv(r->io, "REQUEST_URI");
    const char *pi = http_io_getenv(r->io, "PATH_INFO");
    size_t plen = strlen(prefix);
    bool raw = uri != NULL && strncmp(uri, prefix, plen) == 0 &&
               (uri[plen] == '/' || uri[plen] == '?' || uri[plen] == '\0');
    const char *src = raw ? uri + plen : (pi != NULL ? pi : "/");
    size_t n = raw ? strcspn(src, "?#") : strlen(src);
    if (n >= sizeof r->path) {
        qerr_set(err, QERR_INVALID, "path too long");
        return -1;
    }
    memcpy(r->path, src, n);
    r->path[n] = '\0';
    if (r->path[0] == '\0') {
        snprintf(r->path, sizeof r->path, "/");
    }
    if (http_path_split(r->path, r->segbuf, sizeof r->segbuf, r->segs, HTTP_MAX_SEGS,
                        &r->nsegs) < 0) {
        qerr_set(err, QERR_NOTFOUND, "no such resource");
        return -1;
    }
    for (int i = 0; raw && i < r->nsegs; i++) {
        char *seg = r->segs[i];
        if (http_pct_decode(seg, strlen(seg), false, seg, strlen(seg) + 1) < 0) {
            qerr_set(err, QERR_INVALID, "path: bad percent-encoding or NUL byte");
            return -1;
        }
    }
    if (raw) {
        char decoded[HTTP_MAX_PATH];
        if (http_pct_decode(r->path, strlen(r->path), false, decoded, sizeof decoded) == 0) {
            snprintf(r->path, sizeof r->path, "%s", decoded);
        }
    }
    return 0;
}

static enum http_method method_of(const char *m)
{
    static const struct {
        const char *name;
        enum http_method m;
    } tab[] = {{"GET", HTTP_GET},       {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},
               {"PUT", HTTP_PUT},       {"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
               {"PATCH", HTTP_PATCH}};
    for (size_t i = 0; m != NULL && i < QUERN_ARRAY_LEN(tab); i++) {
        if (strcmp(m, tab[i].name) == 0) {
            return tab[i].m;
        }
    }
    return HTTP_OTHER;
}

static const char *header_or_null(const struct http_io *io, const char *name)
{
    const char *v = http_io_getenv(io, name);
    return v != NULL && *v != '\0' ? v : NULL;
}

int http_req_parse(struct http_req *r, struct http_io *io, struct api_ctx *ctx, struct qerr *err)
{
    memset(r, 0, sizeof *r);
    r->io = io;
    r->ctx = ctx;
    buf_init(&r->headers, 64 * 1024);
    r->method_name = http_io_getenv(io, "REQUEST_METHOD");
    if (r->method_name == NULL) {
        r->method_name = "GET";
    }
    r->method = method_of(r->method_name);
    r->accept = header_or_null(io, "HTTP_ACCEPT");
    r->prefer = header_or_null(io, "HTTP_PREFER");
    r->content_type = header_or_null(io, "CONTENT_TYPE");
    snprintf(r->path, sizeof r->path, "/");
    const char *const bounded[] = {r->accept, r->prefer, r->content_type};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bounded); i++) {
        if (bounded[i] != NULL && strlen(bounded[i]) > HTTP_MAX_HEADER) {
            r->accept = NULL;
            qerr_set(err, QERR_INVALID, "a request header is longer than %d bytes",
                     HTTP_MAX_HEADER);
            return -1;
        }
    }
    char prefix[1024];
    make_base(r, prefix, sizeof prefix);
    if (parse_path(r, prefix, err) < 0) {
        return -1;
    }
    const char *qs = http_io_getenv(io, "QUERY_STRING");
    if (qs != NULL && strlen(qs) > 16 * 1024) {
        qerr_set(err, QERR_INVALID, "query string too long");
        return -1;
    }
    if (parse_query(r, qs, err) < 0) {
        return -1;
    }
    const char *f = http_param(r, "f");
    r->fmt_explicit = f != NULL;
    if (http_negotiate(r->accept, f, &r->fmt) < 0) {
        r->fmt = HTTP_FMT_JSON;
        qerr_set(err, QERR_INVALID, "f must be json or html");
        return -1;
    }
    return 0;
}

void http_req_cleanup(struct http_req *r)
{
    for (int i = 0; i < r->nparams; i++) {
        free(r->params[i].name);
        free(r->params[i].value);
    }
    r->nparams = 0;
    QFREE(r->body);
    buf_cleanup(&r->headers);
    auth_identity_cleanup(&r->auth);
    QFREE(r->auth_roles);
}

const char *http_param(const struct http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++) {
        if (strcmp(r->params[i].name, name) == 0) {
            return r->params[i].value;
        }
    }
    return NULL;
}

void http_header_add(struct http_req *r, const char *name, const char *fmt, ...)
{
    char value[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    /* Header values never carry line breaks from request data. */
    for (char *p = value; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            *p = ' ';
        }
    }
    struct qerr e = QERR_INIT;
    if (buf_printf(&r->headers, &e, "%s: %s\r\n", name, value) < 0) {
        return; /* 64 KiB of headers: the extra header is dropped */
    }
}

int http_req_read_body(struct http_req *r, struct qerr *err)
{
    long max = r->ctx->cfg.api_max_body;
    const char *cl = http_io_getenv(r->io, "CONTENT_LENGTH");
    long want = 0;
    if (cl != NULL && *cl != '\0' && qstr_to_long(cl, 0, 1L << 40, &want) < 0) {
        qerr_set(err, QERR_INVALID, "bad Content-Length");
        return -1;
    }
    if (want > max) {
        qerr_set(err, QERR_TOO_LARGE, "request body of %ld bytes exceeds the limit of %ld", want,
                 max);
        return -1;
    }
    r->body = malloc((size_t)want + 1);
    if (r->body == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)want) {
        long n = http_io_read(r->io, r->body + got, (size_t)want - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    r->body[got] = '\0';
    r->body_len = got;
    return 0;
}

json_t *http_req_json_body(struct http_req *r, struct qerr *err)
{
    if (r->body == NULL && http_req_read_body(r, err) < 0) {
        return NULL;
    }
    if (r->body_len == 0) {
        qerr_set(err, QERR_INVALID, "the request body is empty; a JSON execute request is expected");
        return NULL;
    }
    long depth = http_json_depth(r->body, r->body_len);
    if (depth > r->ctx->cfg.api_max_depth) {
        qerr_set(err, QERR_INVALID, "JSON nested %ld levels deep; at most %ld allowed", depth,
                 r->ctx->cfg.api_max_depth);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        qerr_set(err, QERR_INVALID, "malformed JSON at line %d column %d: %s", je.line, je.column,
                 je.text);
        return NULL;
    }
    return doc;
}
