// SPDX-License-Identifier: MIT
/*
 * html_processes - the process list (a table with the paging links of the
 * JSON document) and the process page: what the process is, its inputs
 * (schema, type, default, occurrence bounds), its outputs, and the execute
 * form of html_form.c. A summary's optional "mutable" member tells a
 * process deployed through the API from one read from a plugin file.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/html_form.h"
#include "cgi/html_page.h"
#include "cgi/html_pages.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Appends text (not escaped yet) to the fixed buffer at *o. */
static void add(char *out, size_t outsz, size_t *o, const char *text)
{
    int n = snprintf(out + *o, outsz - *o, "%s", text);
    if (n > 0) {
        *o += (size_t)n < outsz - *o ? (size_t)n : outsz - *o - 1;
    }
}

static void scalar(const json_t *v, char *out, size_t outsz)
{
    if (json_is_integer(v)) {
        snprintf(out, outsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(out, outsz, "%g", json_real_value(v));
    } else if (json_is_string(v)) {
        snprintf(out, outsz, "%s", json_string_value(v));
    } else {
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(out, outsz, "%s", t != NULL ? t : "?");
        free(t);
    }
}

/* A one-line reading of a schema: "number, 0..600", "array of string", "one of: a, b". */
static void type_summary(const json_t *schema, char *out, size_t outsz, int depth)
{
    size_t o = 0;
    char v[128];
    out[0] = '\0';
    const char *type = str(schema, "type");
    const json_t *alts = json_object_get(schema, "oneOf");
    alts = alts != NULL ? alts : json_object_get(schema, "anyOf");
    if (type == NULL && json_is_array(alts) && depth < 2) {
        size_t i;
        const json_t *a;
        json_array_foreach (alts, i, a) {
            char one[128];
            type_summary(a, one, sizeof one, depth + 1);
            add(out, outsz, &o, i > 0 ? " | " : "");
            add(out, outsz, &o, one);
        }
        return;
    }
    add(out, outsz, &o, type != NULL ? type : "any");
    if (type != NULL && strcmp(type, "array") == 0 && depth < 2) {
        char items[128];
        type_summary(json_object_get(schema, "items"), items, sizeof items, depth + 1);
        add(out, outsz, &o, " of ");
        add(out, outsz, &o, items);
    }
    const char *fmt = str(schema, "format");
    const char *media = str(schema, "contentMediaType");
    if (fmt != NULL || media != NULL) {
        add(out, outsz, &o, " (");
        add(out, outsz, &o, media != NULL ? media : fmt);
        add(out, outsz, &o, ")");
    }
    const json_t *min = json_object_get(schema, "minimum"), *max = json_object_get(schema, "maximum");
    if (min != NULL || max != NULL) {
        add(out, outsz, &o, ", ");
        scalar(min, v, sizeof v);
        add(out, outsz, &o, min != NULL ? v : "");
        add(out, outsz, &o, "..");
        scalar(max, v, sizeof v);
        add(out, outsz, &o, max != NULL ? v : "");
    }
    size_t i;
    const json_t *e;
    json_array_foreach (json_object_get(schema, "enum"), i, e) {
        scalar(e, v, sizeof v);
        add(out, outsz, &o, i == 0 ? ", one of: " : ", ");
        add(out, outsz, &o, v);
    }
}

static void occurs(const json_t *in, char *out, size_t outsz)
{
    const json_t *min = json_object_get(in, "minOccurs"), *max = json_object_get(in, "maxOccurs");
    char a[32] = "1", b[32] = "1";
    if (min != NULL) {
        scalar(min, a, sizeof a);
    }
    if (max != NULL) {
        scalar(max, b, sizeof b);
    }
    snprintf(out, outsz, "%s..%s", a, b);
}

/* One table row per input (with_io true) or output. */
static int io_table(struct buf *out, const json_t *ios, bool inputs, struct qerr *err)
{
    if (html_put(out, err, "<table id=\"%r\"><tr><th>Id</th><th>Title</th><th>Type</th>%r"
                           "<th>Description</th></tr>\n",
                 inputs ? "inputs" : "outputs",
                 inputs ? "<th>Default</th><th>Occurs</th>" : "") < 0) {
        return -1;
    }
    const char *id;
    const json_t *io;
    json_object_foreach ((json_t *)ios, id, io) {
        const json_t *schema = json_object_get(io, "schema");
        char type[512], dflt[512] = "", occ[80];
        type_summary(schema, type, sizeof type, 0);
        const json_t *d = json_object_get(schema, "default");
        if (d != NULL) {
            scalar(d, dflt, sizeof dflt);
        }
        occurs(io, occ, sizeof occ);
        if (html_put(out, err, "<tr><td><code>%s</code></td><td>%s</td><td>%s</td>", id,
                     str(io, "title"), type) < 0 ||
            (inputs && html_put(out, err, "<td class=\"dflt\"><code>%s</code></td><td>%s</td>", dflt, occ) < 0) ||
            html_put(out, err, "<td class=\"desc\">%s<details><summary class=\"muted\">schema</summary>",
                     str(io, "description")) < 0 ||
            html_json(out, schema, err) < 0 || html_put(out, err, "</details></td></tr>\n") < 0) {
            return -1;
        }
    }
    return html_put(out, err, "</table>\n");
}

static const char *origin_text(const json_t *p)
{
    const json_t *m = json_object_get(p, "mutable");
    if (!json_is_boolean(m)) {
        return NULL;
    }
    return json_is_true(m) ? "deployed through the API" : "from a plugin file";
}

int html_process_list(const struct http_req *r, const char *title, const json_t *doc,
                      struct buf *out, struct qerr *err)
{
    if (html_begin(out, r, title, 0, err) < 0 ||
        html_put(out, err, "<table id=\"processes\"><tr><th>Process</th><th>Id</th>"
                           "<th>Version</th><th>Description</th><th></th></tr>\n") < 0) {
        return -1;
    }
    size_t i;
    const json_t *p;
    json_array_foreach (json_object_get(doc, "processes"), i, p) {
        const char *id = str(p, "id"), *t = str(p, "title");
        /* The list names the exception only; the process page says it either way. */
        const char *origin = json_is_true(json_object_get(p, "mutable")) ? origin_text(p) : NULL;
        if (html_put(out, err, "<tr><td><a class=\"process\" href=\"%s/processes/%s?f=html\">%s</a>"
                               "</td><td><code>%s</code></td><td>%s</td><td>%s",
                     r->base, id, t != NULL ? t : id, id, str(p, "version"),
                     str(p, "description")) < 0 ||
            (origin != NULL && html_put(out, err, " <span class=\"muted\">(%s)</span>", origin) < 0) ||
            html_put(out, err, "</td><td><a href=\"%s/jobs?processID=%s&amp;f=html\">jobs</a></td>"
                               "</tr>\n",
                     r->base, id) < 0) {
            return -1;
        }
    }
    const char *prev = html_link_href(doc, "prev"), *next = html_link_href(doc, "next");
    if (html_put(out, err, "</table>\n<p class=\"pager\">") < 0 ||
        (prev != NULL && html_put(out, err, "<a rel=\"prev\" href=\"%s\">&larr; previous</a>",
                                  prev) < 0) ||
        (next != NULL && html_put(out, err, "<a rel=\"next\" href=\"%s\">next &rarr;</a>", next) < 0) ||
        html_put(out, err, "</p>\n") < 0) {
        return -1;
    }
    return html_end(out, err);
}

static int process_facts(struct buf *out, const json_t *doc, struct qerr *err)
{
    char jco[256] = "", kw[512] = "";
    size_t i, o = 0, k = 0;
    const json_t *v;
    json_array_foreach (json_object_get(doc, "jobControlOptions"), i, v) {
        add(jco, sizeof jco, &o, i > 0 ? ", " : "");
        add(jco, sizeof jco, &o, json_string_value(v) != NULL ? json_string_value(v) : "?");
    }
    json_array_foreach (json_object_get(doc, "keywords"), i, v) {
        add(kw, sizeof kw, &k, i > 0 ? ", " : "");
        add(kw, sizeof kw, &k, json_string_value(v) != NULL ? json_string_value(v) : "?");
    }
    const char *origin = origin_text(doc);
    return html_put(out, err, "<p id=\"description\">%s</p>\n<table id=\"facts\" class=\"facts\">"
                              "<tr><th>Id</th><td><code>%s</code></td></tr>"
                              "<tr><th>Version</th><td>%s</td></tr>"
                              "<tr><th>Keywords</th><td>%s</td></tr>"
                              "<tr><th>Job control</th><td>%s</td></tr>%r%s%r</table>\n",
                    str(doc, "description"), str(doc, "id"), str(doc, "version"), kw, jco,
                    origin != NULL ? "<tr><th>Origin</th><td id=\"origin\">" : "", origin,
                    origin != NULL ? "</td></tr>" : "");
}

int html_process(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                 struct qerr *err)
{
    const char *id = str(doc, "id");
    const json_t *inputs = json_object_get(doc, "inputs");
    if (id == NULL) {
        id = r->segs[1];
    }
    if (html_begin(out, r, title, 0, err) < 0 || process_facts(out, doc, err) < 0 ||
        html_put(out, err, "<h2>Inputs</h2>\n") < 0 || io_table(out, inputs, true, err) < 0 ||
        html_put(out, err, "<h2>Outputs</h2>\n") < 0 ||
        io_table(out, json_object_get(doc, "outputs"), false, err) < 0 ||
        html_put(out, err, "<h2>Run</h2>\n") < 0 || html_form_render(out, r, id, inputs, err) < 0 ||
        html_put(out, err, "<h2>Jobs</h2>\n<p><a id=\"process-jobs\" "
                           "href=\"%s/jobs?processID=%s&amp;f=html\">the jobs of this process</a></p>\n",
                 r->base, id) < 0) {
        return -1;
    }
    return html_end(out, err);
}
