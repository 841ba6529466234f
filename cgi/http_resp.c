// SPDX-License-Identifier: MIT
/* http_resp - response writing and links; see http_resp.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/http_html.h"
#include "cgi/http_io.h"
#include "cgi/http_resp.h"
#include "common/log.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

void http_send(struct http_req *r, int status, const char *ctype, const void *body, size_t len)
{
    if (r->answered) {
        return;
    }
    r->answered = true;
    r->status = status;
    char head[512];
    int n = snprintf(head, sizeof head,
                     "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Vary: Accept\r\n",
                     status, reason(status), ctype, len);
    if (n < 0 || (size_t)n >= sizeof head) {
        n = snprintf(head, sizeof head, "Status: 500 Internal Server Error\r\n");
    }
    bool ok = http_io_write(r->io, head, (size_t)n) == 0 &&
              http_io_write(r->io, buf_cstr(&r->headers), r->headers.len) == 0 &&
              http_io_write(r->io, "\r\n", 2) == 0;
    if (ok && r->method != HTTP_HEAD && len > 0) {
        ok = http_io_write(r->io, body, len) == 0;
    }
    if (!ok) {
        log_debug("client went away before the response was written");
    }
}

void http_send_json(struct http_req *r, int status, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        static const char oom[] = "{\"type\":\"about:blank\",\"title\":\"out of memory\","
                                  "\"status\":500}";
        http_send(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    http_send(r, status, "application/json", text, strlen(text));
    free(text);
}

void http_send_doc(struct http_req *r, int status, const char *title, const json_t *doc)
{
    if (r->fmt != HTTP_FMT_HTML) {
        http_send_json(r, status, doc);
        return;
    }
    struct buf page;
    buf_init(&page, 64 * 1024 * 1024);
    struct qerr e = QERR_INIT;
    if (http_html_page(r, title, doc, &page, &e) < 0) {
        buf_cleanup(&page);
        http_send_json(r, status, doc);
        return;
    }
    http_send(r, status, "text/html; charset=utf-8", buf_cstr(&page), page.len);
    buf_cleanup(&page);
}

static bool unreserved(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == ',';
}

static void append_enc(char *out, size_t outsz, size_t *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0' && *o + 4 < outsz; s++) {
        unsigned char c = (unsigned char)*s;
        if (unreserved(c)) {
            out[(*o)++] = (char)c;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[c >> 4];
            out[(*o)++] = hex[c & 15];
        }
    }
    out[*o] = '\0';
}

void http_self_url(const struct http_req *r, const char *fmt, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%s", r->base);
    size_t o = n < 0 ? 0 : ((size_t)n < outsz ? (size_t)n : outsz - 1);
    for (int i = 0; i < r->nsegs && o + 2 < outsz; i++) {
        out[o++] = '/';
        append_enc(out, outsz, &o, r->segs[i]);
    }
    if (r->nsegs == 0 && o + 2 < outsz) {
        out[o++] = '/';
        out[o] = '\0';
    }
    char sep = '?';
    for (int i = 0; i < r->nparams; i++) {
        if (strcmp(r->params[i].name, "f") == 0 || o + 2 >= outsz) {
            continue;
        }
        out[o++] = sep;
        sep = '&';
        append_enc(out, outsz, &o, r->params[i].name);
        if (o + 2 < outsz) {
            out[o++] = '=';
            append_enc(out, outsz, &o, r->params[i].value);
        }
    }
    if (fmt != NULL && o + 4 + strlen(fmt) < outsz) {
        snprintf(out + o, outsz - o, "%cf=%s", sep, fmt);
    }
}

void http_link_add(json_t *links, const char *href, const char *rel, const char *type,
                   const char *title)
{
    json_t *l = json_pack("{s:s, s:s}", "href", href, "rel", rel);
    if (l == NULL) {
        return;
    }
    if (type != NULL) {
        json_object_set_new(l, "type", json_string(type));
    }
    if (title != NULL) {
        json_object_set_new(l, "title", json_string(title));
    }
    json_array_append_new(links, l);
}

void http_links_self(const struct http_req *r, json_t *links)
{
    char url[4096];
    bool html = r->fmt == HTTP_FMT_HTML;
    http_self_url(r, html ? "html" : NULL, url, sizeof url);
    http_link_add(links, url, "self", html ? "text/html" : "application/json", "this document");
    http_self_url(r, html ? "json" : "html", url, sizeof url);
    http_link_add(links, url, "alternate", html ? "application/json" : "text/html",
                  html ? "this document as JSON" : "this document as HTML");
}

void http_page_url(const struct http_req *r, const char *drop, const char *value, char *out,
                   size_t outsz)
{
    int n = snprintf(out, outsz, "%s", r->base);
    size_t o = n < 0 ? 0 : ((size_t)n < outsz ? (size_t)n : outsz - 1);
    for (int i = 0; i < r->nsegs && o + 2 < outsz; i++) {
        out[o++] = '/';
        append_enc(out, outsz, &o, r->segs[i]);
    }
    char sep = '?';
    for (int i = 0; i < r->nparams && o + 2 < outsz; i++) {
        const char *name = r->params[i].name;
        if (strcmp(name, "f") == 0 || strcmp(name, drop) == 0) {
            continue;
        }
        out[o++] = sep;
        sep = '&';
        append_enc(out, outsz, &o, name);
        if (o + 2 < outsz) {
            out[o++] = '=';
            append_enc(out, outsz, &o, r->params[i].value);
        }
    }
    if (value != NULL && o + 2 < outsz) {
        out[o++] = sep;
        sep = '&';
        append_enc(out, outsz, &o, drop);
        if (o + 2 < outsz) {
            out[o++] = '=';
            append_enc(out, outsz, &o, value);
        }
    }
    if (r->fmt == HTTP_FMT_HTML && o + 8 < outsz) {
        snprintf(out + o, outsz - o, "%cf=html", sep);
    }
}
