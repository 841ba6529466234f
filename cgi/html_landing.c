// SPDX-License-Identifier: MIT
/*
 * html_landing - the landing page: what quern is, where to go (processes,
 * jobs, the API definition, conformance) and every link of the JSON
 * landing document.
 */
#include "common/compat.h"

#include "cgi/html_page.h"
#include "cgi/html_pages.h"

int html_landing(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                 struct qerr *err)
{
    const char *b = r->base;
    if (html_begin(out, r, title, 0, err) < 0 ||
        html_put(out, err, "<p>%s</p>\n<div class=\"cards\">"
                           "<a id=\"to-processes\" href=\"%s/processes?f=html\"><b>Processes</b><br>"
                           "<span class=\"muted\">what can run, and a form to run it</span></a>"
                           "<a id=\"to-jobs\" href=\"%s/jobs?f=html\"><b>Jobs</b><br>"
                           "<span class=\"muted\">what ran or runs, its logs and results</span></a>"
                           "<a href=\"%s/api?f=html\"><b>API</b><br>"
                           "<span class=\"muted\">the OpenAPI definition</span></a>"
                           "<a href=\"%s/conformance?f=html\"><b>Conformance</b><br>"
                           "<span class=\"muted\">the OGC classes implemented</span></a></div>\n"
                           "<h2>Links</h2>\n<table><tr><th>Relation</th><th>Link</th><th>Type</th>"
                           "</tr>\n",
                 json_string_value(json_object_get(doc, "description")), b, b, b, b) < 0) {
        return -1;
    }
    size_t i;
    const json_t *l;
    json_array_foreach (json_object_get(doc, "links"), i, l) {
        const char *href = json_string_value(json_object_get(l, "href"));
        const char *t = json_string_value(json_object_get(l, "title"));
        if (html_put(out, err, "<tr><td><code>%s</code></td><td><a href=\"%s\">%s</a></td>"
                               "<td class=\"muted\">%s</td></tr>\n",
                     json_string_value(json_object_get(l, "rel")), href, t != NULL ? t : href,
                     json_string_value(json_object_get(l, "type"))) < 0) {
            return -1;
        }
    }
    return html_put(out, err, "</table>\n") < 0 ? -1 : html_end(out, err);
}
