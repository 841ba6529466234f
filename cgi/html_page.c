// SPDX-License-Identifier: MIT
/* html_page - page layout and escaping; see html_page.h. */
#include "common/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgi/html_page.h"
#include "cgi/http_resp.h"

/* The one style sheet, inline so a page is a single self-contained response. */
static const char style[] =
    "<style>\n"
    "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}\n"
    "nav{background:#1f3a5f;padding:.6em 1.2em}nav a{color:#fff;margin-right:1.2em;"
    "text-decoration:none}nav a.brand{font-weight:bold}nav a.alt{float:right;margin:0;"
    "opacity:.8}\n"
    "main{max-width:1100px;margin:0 auto;padding:.5em 1.2em 2em}\n"
    "h1{font-size:1.6em;margin:.6em 0 .3em}h2{font-size:1.2em;margin:1.4em 0 .4em}\n"
    "table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;"
    "padding:.35em .6em;border-bottom:1px solid #dde1e6;vertical-align:top}th{background:#eef1f4}\n"
    "pre{background:#fff;border:1px solid #dde1e6;padding:.6em;overflow:auto;max-height:32em;"
    "margin:.2em 0}pre.json{max-height:14em;font-size:.85em}\n"
    "code{font-size:.95em}.muted{color:#5b6672}.pager a{margin-right:1em}\n"
    ".status{display:inline-block;padding:.05em .55em;border-radius:.8em;font-size:.9em;"
    "background:#e3e7ec}.status-successful{background:#c9f0d3}.status-failed{background:#f8d0cf}"
    ".status-running{background:#cfe3fb}.status-accepted{background:#fbefc4}\n"
    "progress{width:22em;height:1.1em;vertical-align:middle}\n"
    "form.exec label{display:block;font-weight:600;margin-top:.8em}form.exec .help{font-weight:"
    "normal;color:#5b6672;font-size:.9em}\n"
    "input,select,textarea{font:inherit;padding:.25em;border:1px solid #b8c0c9;border-radius:3px}"
    "textarea{width:100%;max-width:40em;font-family:monospace}\n"
    "button{font:inherit;padding:.35em 1.2em;margin-top:1em;background:#1f3a5f;color:#fff;"
    "border:0;border-radius:3px;cursor:pointer}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:.8em}.cards a{flex:1;background:#fff;"
    "border:1px solid #dde1e6;padding:.8em 1.2em;border-radius:4px;text-decoration:none}\n"
    "td.desc{width:40%}td.dflt{max-width:14em;overflow-wrap:anywhere}table.facts th{width:10em}pre.log{white-space:pre-wrap;"
    "overflow-wrap:anywhere}\n"
    "form.filter{margin:.6em 0}form.filter button{margin:0 0 0 .5em}\n"
    "footer{color:#5b6672;font-size:.85em;margin-top:2em}\n"
    "</style>\n";

int html_escape(struct buf *out, const char *s, size_t len, struct qerr *err)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep == NULL) {
            continue;
        }
        if (buf_append(out, s + start, i - start, err) < 0 || buf_puts(out, rep, err) < 0) {
            return -1;
        }
        start = i + 1;
    }
    return buf_append(out, s + start, len - start, err);
}

int html_put(struct buf *out, struct qerr *err, const char *fmt, ...)
{
    va_list ap;
    int rc = 0;
    va_start(ap, fmt);
    const char *p = fmt;
    while (*p != '\0' && rc == 0) {
        const char *pct = strchr(p, '%');
        size_t lit = pct != NULL ? (size_t)(pct - p) : strlen(p);
        rc = buf_append(out, p, lit, err);
        if (pct == NULL || rc < 0) {
            break;
        }
        char conv = pct[1];
        p = pct + (conv != '\0' ? 2 : 1);
        const char *s;
        switch (conv) {
        case 's':
            s = va_arg(ap, const char *);
            rc = s != NULL ? html_escape(out, s, strlen(s), err) : 0;
            break;
        case 'r':
            s = va_arg(ap, const char *);
            rc = s != NULL ? buf_puts(out, s, err) : 0;
            break;
        case 'd': rc = buf_printf(out, err, "%d", va_arg(ap, int)); break;
        case 'l': rc = buf_printf(out, err, "%ld", va_arg(ap, long)); break;
        default: rc = buf_puts(out, "%", err); break;
        }
    }
    va_end(ap);
    return rc;
}

int html_json(struct buf *out, const json_t *v, struct qerr *err)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    int rc = html_put(out, err, "<pre class=\"json\">%s</pre>", text);
    free(text);
    return rc;
}

int html_begin(struct buf *out, const struct http_req *r, const char *title, int refresh,
               struct qerr *err)
{
    char json_url[4096];
    http_self_url(r, "json", json_url, sizeof json_url);
    const char *b = r->base;
    if (html_put(out, err,
                 "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>%s - quern</title>\n"
                 "<link rel=\"alternate\" type=\"application/json\" href=\"%s\">\n",
                 title, json_url) < 0 ||
        (refresh > 0 &&
         html_put(out, err, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh) < 0) ||
        html_put(out, err, "%r</head><body>\n<nav><a class=\"brand\" href=\"%s/?f=html\">quern</a>"
                           "<a href=\"%s/processes?f=html\">Processes</a>"
                           "<a href=\"%s/jobs?f=html\">Jobs</a>"
                           "<a href=\"%s/api?f=html\">API</a>"
                           "<a class=\"alt\" rel=\"alternate\" type=\"application/json\" "
                           "href=\"%s\">JSON</a></nav>\n<main>\n<h1>%s</h1>\n",
                 style, b, b, b, b, json_url, title) < 0) {
        return -1;
    }
    return 0;
}

int html_end(struct buf *out, struct qerr *err)
{
    return buf_puts(out,
                    "\n<footer>quern &middot; OGC API - Processes &middot; every page is also "
                    "JSON: follow the JSON link or add <code>?f=json</code></footer>\n"
                    "</main></body></html>\n",
                    err);
}

const char *html_link_href(const json_t *doc, const char *rel)
{
    size_t i;
    const json_t *l;
    json_array_foreach (json_object_get(doc, "links"), i, l) {
        const char *lr = json_string_value(json_object_get(l, "rel"));
        if (lr != NULL && strcmp(lr, rel) == 0) {
            return json_string_value(json_object_get(l, "href"));
        }
    }
    return NULL;
}

bool html_status_final(const char *status)
{
    return status != NULL && (strcmp(status, "successful") == 0 || strcmp(status, "failed") == 0 ||
                              strcmp(status, "dismissed") == 0);
}
