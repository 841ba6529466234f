// SPDX-License-Identifier: MIT
/* http_html - the HTML page of a JSON document: a page of its own or the generic one; see http_html.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/html_page.h"
#include "cgi/html_pages.h"
#include "cgi/http_html.h"
#include "cgi/http_resp.h"

int http_html_escape(struct buf *out, const char *s, size_t len, struct qerr *err)
{
    return html_escape(out, s, len, err);
}

static int esc(struct buf *out, const char *s, struct qerr *err)
{
    return http_html_escape(out, s, strlen(s), err);
}

static bool is_link(const json_t *v)
{
    return json_is_object(v) && json_is_string(json_object_get(v, "href"));
}

static int render_link(struct buf *out, const json_t *l, struct qerr *err)
{
    const char *href = json_string_value(json_object_get(l, "href"));
    const char *rel = json_string_value(json_object_get(l, "rel"));
    const char *title = json_string_value(json_object_get(l, "title"));
    const char *type = json_string_value(json_object_get(l, "type"));
    if (buf_puts(out, "<a href=\"", err) < 0 || esc(out, href, err) < 0 ||
        buf_puts(out, "\"", err) < 0) {
        return -1;
    }
    if (rel != NULL && (buf_puts(out, " rel=\"", err) < 0 || esc(out, rel, err) < 0 ||
                        buf_puts(out, "\"", err) < 0)) {
        return -1;
    }
    if (type != NULL && (buf_puts(out, " type=\"", err) < 0 || esc(out, type, err) < 0 ||
                         buf_puts(out, "\"", err) < 0)) {
        return -1;
    }
    if (buf_puts(out, ">", err) < 0 || esc(out, title != NULL ? title : href, err) < 0 ||
        buf_puts(out, "</a>", err) < 0) {
        return -1;
    }
    if (rel != NULL && (buf_puts(out, " <small>(", err) < 0 || esc(out, rel, err) < 0 ||
                        buf_puts(out, ")</small>", err) < 0)) {
        return -1;
    }
    return 0;
}

static int render(struct buf *out, const json_t *v, int depth, struct qerr *err);

static int render_object(struct buf *out, const json_t *v, int depth, struct qerr *err)
{
    const char *key;
    const json_t *val;
    if (buf_puts(out, "<dl>", err) < 0) {
        return -1;
    }
    json_object_foreach ((json_t *)v, key, val) {
        if (depth == 0 && strcmp(key, "links") == 0) {
            continue; /* shown at the top */
        }
        if (buf_puts(out, "<dt>", err) < 0 || esc(out, key, err) < 0 ||
            buf_puts(out, "</dt><dd>", err) < 0 || render(out, val, depth + 1, err) < 0 ||
            buf_puts(out, "</dd>", err) < 0) {
            return -1;
        }
    }
    return buf_puts(out, "</dl>", err);
}

static int render(struct buf *out, const json_t *v, int depth, struct qerr *err)
{
    char num[64];
    if (depth > 32) {
        return buf_puts(out, "&hellip;", err);
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (is_link(v)) {
            return render_link(out, v, err);
        }
        return render_object(out, v, depth, err);
    case JSON_ARRAY: {
        size_t i;
        const json_t *item;
        if (buf_puts(out, "<ul>", err) < 0) {
            return -1;
        }
        json_array_foreach ((json_t *)v, i, item) {
            if (buf_puts(out, "<li>", err) < 0 || render(out, item, depth + 1, err) < 0 ||
                buf_puts(out, "</li>", err) < 0) {
                return -1;
            }
        }
        return buf_puts(out, "</ul>", err);
    }
    case JSON_STRING:
        return http_html_escape(out, json_string_value(v), json_string_length(v), err);
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf_puts(out, num, err);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return buf_puts(out, num, err);
    case JSON_TRUE: return buf_puts(out, "true", err);
    case JSON_FALSE: return buf_puts(out, "false", err);
    case JSON_NULL: return buf_puts(out, "null", err);
    }
    return 0;
}

/* The page of its own the addressed resource has, or NULL for the generic page. */
static html_render_fn renderer_of(const struct http_req *r)
{
    char *const *s = r->segs;
    if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
        return NULL; /* e.g. the results of a sync execution: a document, not the page */
    }
    if (r->nsegs == 0) {
        return html_landing;
    }
    if (strcmp(s[0], "processes") == 0) {
        return r->nsegs == 1 ? html_process_list : r->nsegs == 2 ? html_process : NULL;
    }
    if (strcmp(s[0], "jobs") != 0) {
        return NULL;
    }
    if (r->nsegs <= 2) {
        return r->nsegs == 1 ? html_job_list : html_job;
    }
    if (r->nsegs == 3 && strcmp(s[2], "logs") == 0) {
        return html_job_logs;
    }
    return r->nsegs == 3 && strcmp(s[2], "results") == 0 ? html_job_results : NULL;
}

int http_html_page(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                   struct qerr *err)
{
    html_render_fn fn = renderer_of(r);
    if (fn != NULL) {
        return fn(r, title, doc, out, err);
    }
    if (html_begin(out, r, title, 0, err) < 0) {
        return -1;
    }
    const json_t *links = json_is_object(doc) ? json_object_get(doc, "links") : NULL;
    if (json_is_array(links) && json_array_size(links) > 0) {
        size_t i;
        const json_t *l;
        if (buf_puts(out, "<h2>Links</h2><ul>", err) < 0) {
            return -1;
        }
        json_array_foreach ((json_t *)links, i, l) {
            if (is_link(l) && (buf_puts(out, "<li>", err) < 0 || render_link(out, l, err) < 0 ||
                               buf_puts(out, "</li>", err) < 0)) {
                return -1;
            }
        }
        if (buf_puts(out, "</ul>\n", err) < 0) {
            return -1;
        }
    }
    if (render(out, doc, 0, err) < 0) {
        return -1;
    }
    return html_end(out, err);
}
