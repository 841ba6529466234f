// SPDX-License-Identifier: MIT
/*
 * html_form - the execute form: rendering from the input schemas and
 * decoding of its application/x-www-form-urlencoded body; see html_form.h.
 * Decoding is bounded: at most HTML_FORM_MAX_FIELDS fields, names of at
 * most 128 bytes, the body itself already bounded by api.max_body.
 */
#include "common/compat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgi/html_form.h"
#include "cgi/html_page.h"
#include "cgi/http_req.h"

static bool many(const json_t *input)
{
    const json_t *max = json_object_get(input, "maxOccurs");
    return json_is_string(max) || (json_is_integer(max) && json_integer_value(max) > 1);
}

enum html_field html_form_field(const json_t *input)
{
    const json_t *schema = json_object_get(input, "schema");
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (many(input) || type == NULL) {
        return HTML_FIELD_JSON;
    }
    if (strcmp(type, "string") == 0) {
        bool blob = json_object_get(schema, "contentMediaType") != NULL ||
                    json_object_get(schema, "contentEncoding") != NULL;
        return blob ? HTML_FIELD_LONGTEXT : HTML_FIELD_TEXT;
    }
    if (strcmp(type, "number") == 0) {
        return HTML_FIELD_NUMBER;
    }
    if (strcmp(type, "integer") == 0) {
        return HTML_FIELD_INTEGER;
    }
    return strcmp(type, "boolean") == 0 ? HTML_FIELD_BOOLEAN : HTML_FIELD_JSON;
}

/* A scalar as form text ("" for anything else). */
static void scalar_text(const json_t *v, char *out, size_t outsz)
{
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, outsz, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(out, outsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(out, outsz, "%.17g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        snprintf(out, outsz, "%s", json_is_true(v) ? "true" : "false");
    }
}

static bool required(const json_t *input)
{
    const json_t *min = json_object_get(input, "minOccurs");
    return !json_is_integer(min) || json_integer_value(min) >= 1;
}

/* A <select> of the given choices (JSON scalars); an empty choice when the input is optional. */
static int render_select(struct buf *out, const char *id, const json_t *choices, const json_t *dflt,
                         bool req, struct qerr *err)
{
    char dtext[512], text[512];
    scalar_text(dflt, dtext, sizeof dtext);
    if (html_put(out, err, "<select id=\"in-%s\" name=\"%s\"%r>", id, id, req ? " required" : "") <
            0 ||
        (!req && html_put(out, err, "<option value=\"\">(not set)</option>") < 0)) {
        return -1;
    }
    size_t i;
    const json_t *c;
    json_array_foreach (choices, i, c) {
        scalar_text(c, text, sizeof text);
        bool sel = dflt != NULL && strcmp(text, dtext) == 0;
        if (html_put(out, err, "<option%r>%s</option>", sel ? " selected" : "", text) < 0) {
            return -1;
        }
    }
    return html_put(out, err, "</select>");
}

static int render_control(struct buf *out, const char *id, const json_t *input, struct qerr *err)
{
    const json_t *schema = json_object_get(input, "schema");
    const json_t *dflt = json_object_get(schema, "default");
    bool req = required(input) && dflt == NULL;
    const char *reqattr = req ? " required" : "";
    char dtext[512], bound[128];
    scalar_text(dflt, dtext, sizeof dtext);
    enum html_field kind = html_form_field(input);
    const json_t *choices = json_object_get(schema, "enum");
    if (kind != HTML_FIELD_JSON && kind != HTML_FIELD_LONGTEXT && json_is_array(choices)) {
        return render_select(out, id, choices, dflt, req, err);
    }
    switch (kind) {
    case HTML_FIELD_TEXT:
        return html_put(out, err, "<input type=\"text\" size=\"40\" id=\"in-%s\" name=\"%s\" "
                                  "value=\"%s\"%r>",
                        id, id, dtext, reqattr);
    case HTML_FIELD_NUMBER:
    case HTML_FIELD_INTEGER:
        if (html_put(out, err, "<input type=\"number\" id=\"in-%s\" name=\"%s\" value=\"%s\" step=\"%r\"",
                     id, id, dtext, kind == HTML_FIELD_INTEGER ? "1" : "any") < 0) {
            return -1;
        }
        scalar_text(json_object_get(schema, "minimum"), bound, sizeof bound);
        if (bound[0] != '\0' && html_put(out, err, " min=\"%s\"", bound) < 0) {
            return -1;
        }
        scalar_text(json_object_get(schema, "maximum"), bound, sizeof bound);
        if (bound[0] != '\0' && html_put(out, err, " max=\"%s\"", bound) < 0) {
            return -1;
        }
        return html_put(out, err, "%r>", reqattr);
    case HTML_FIELD_BOOLEAN: {
        json_t *tf = json_pack("[b,b]", 1, 0);
        int rc = tf != NULL ? render_select(out, id, tf, dflt, req, err) : -1;
        json_decref(tf);
        return rc;
    }
    case HTML_FIELD_LONGTEXT:
        return html_put(out, err, "<textarea id=\"in-%s\" name=\"%s\" rows=\"3\"%r>%s</textarea>", id,
                        id, reqattr, dtext);
    case HTML_FIELD_JSON:
    default: {
        char *text = dflt != NULL ? json_dumps(dflt, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
        int rc = html_put(out, err, "<textarea id=\"in-%s\" name=\"%s\" rows=\"3\" "
                                    "placeholder=\"JSON\"%r>%s</textarea>",
                          id, id, reqattr, text);
        free(text);
        return rc;
    }
    }
}

int html_form_render(struct buf *out, const struct http_req *r, const char *id,
                     const json_t *inputs, struct qerr *err)
{
    if (html_put(out, err, "<form class=\"exec\" id=\"execute-form\" method=\"post\" "
                           "enctype=\"application/x-www-form-urlencoded\" "
                           "action=\"%s/processes/%s/execution\">\n",
                 r->base, id) < 0) {
        return -1;
    }
    const char *iid;
    const json_t *in;
    json_object_foreach ((json_t *)inputs, iid, in) {
        const char *title = json_string_value(json_object_get(in, "title"));
        bool json = html_form_field(in) == HTML_FIELD_JSON;
        if (html_put(out, err, "<label for=\"in-%s\">%s <code>%s</code> <span class=\"help\">%s%r"
                               "</span></label>\n",
                     iid, title != NULL ? title : iid, iid,
                     required(in) ? "required" : "optional", json ? ", as JSON" : "") < 0 ||
            render_control(out, iid, in, err) < 0 ||
            html_put(out, err, "<div class=\"help\">%s</div>\n",
                     json_string_value(json_object_get(in, "description"))) < 0) {
            return -1;
        }
    }
    return html_put(out, err, "<button type=\"submit\" id=\"execute\">Run as a job</button>\n"
                              "<p class=\"help\">An empty field leaves the input out (its default "
                              "applies). The job runs asynchronously; its page opens.</p>"
                              "</form>\n");
}

bool html_form_is_urlencoded(const char *ct)
{
    static const char want[] = "application/x-www-form-urlencoded";
    size_t n = sizeof want - 1;
    if (ct == NULL || strncasecmp(ct, want, n) != 0) {
        return false;
    }
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

bool html_form_origin_ok(const char *origin, const char *base)
{
    if (origin == NULL) {
        return true;
    }
    const char *host = strstr(base, "://");
    if (host == NULL) {
        return false;
    }
    const char *path = strchr(host + 3, '/');
    size_t n = path != NULL ? (size_t)(path - base) : strlen(base);
    return strlen(origin) == n && strncasecmp(origin, base, n) == 0;
}

static json_t *typed_value(const char *id, const char *v, size_t n, enum html_field kind,
                           long max_depth, struct qerr *err)
{
    char *end = NULL;
    errno = 0;
    switch (kind) {
    case HTML_FIELD_TEXT:
    case HTML_FIELD_LONGTEXT: {
        json_t *s = json_stringn(v, n);
        if (s == NULL) {
            qerr_set(err, QERR_INVALID, "input %.100s: the text is not valid UTF-8", id);
        }
        return s;
    }
    case HTML_FIELD_INTEGER: {
        long long x = strtoll(v, &end, 10);
        if (end == v || *end != '\0' || errno != 0) {
            qerr_set(err, QERR_INVALID, "input %.100s: '%.40s' is not an integer", id, v);
            return NULL;
        }
        return json_integer(x);
    }
    case HTML_FIELD_NUMBER: {
        long long x = strtoll(v, &end, 10);
        if (end != v && *end == '\0' && errno == 0) {
            return json_integer(x);
        }
        errno = 0;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || errno != 0 || !isfinite(d) || strpbrk(v, "xX") != NULL) {
            qerr_set(err, QERR_INVALID, "input %.100s: '%.40s' is not a number", id, v);
            return NULL;
        }
        return json_real(d);
    }
    case HTML_FIELD_BOOLEAN:
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
            return json_boolean(strcmp(v, "true") == 0);
        }
        qerr_set(err, QERR_INVALID, "input %.100s: '%.40s' is not true or false", id, v);
        return NULL;
    case HTML_FIELD_JSON:
    default: break;
    }
    long depth = http_json_depth(v, n);
    if (depth > max_depth) {
        qerr_set(err, QERR_INVALID, "input %.100s: JSON nested %ld levels deep; at most %ld allowed",
                 id, depth, max_depth);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(v, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        qerr_set(err, QERR_INVALID, "input %.100s: not JSON (line %d column %d: %s)", id, je.line,
                 je.column, je.text);
    }
    return doc;
}

/* Decodes one name=value pair (n bytes at p) into inputs. */
static int decode_pair(const char *p, size_t n, const json_t *known, long max_depth, json_t *inputs,
                       char *val, struct qerr *err)
{
    char name[129];
    const char *eq = memchr(p, '=', n);
    size_t nlen = eq != NULL ? (size_t)(eq - p) : n;
    const char *v = eq != NULL ? eq + 1 : p + n;
    size_t vlen = (size_t)(p + n - v);
    if (http_pct_decode(p, nlen, true, name, sizeof name) < 0) {
        qerr_set(err, QERR_INVALID, "form: a field name is badly encoded or longer than 128 bytes");
        return -1;
    }
    const json_t *input = json_object_get(known, name);
    if (input == NULL) {
        qerr_set(err, QERR_INVALID, "form: unknown input '%.100s'", name);
        return -1;
    }
    if (json_object_get(inputs, name) != NULL) {
        qerr_set(err, QERR_INVALID, "form: input '%.100s' given twice", name);
        return -1;
    }
    if (http_pct_decode(v, vlen, true, val, vlen + 1) < 0) {
        qerr_set(err, QERR_INVALID, "form: the value of %.100s is badly encoded or has a NUL byte",
                 name);
        return -1;
    }
    size_t dlen = strlen(val);
    enum html_field kind = html_form_field(input);
    if (kind != HTML_FIELD_TEXT && kind != HTML_FIELD_LONGTEXT) {
        while (dlen > 0 && strchr(" \t\r\n", val[dlen - 1]) != NULL) {
            val[--dlen] = '\0';
        }
        while (*val != '\0' && strchr(" \t\r\n", *val) != NULL) {
            memmove(val, val + 1, dlen--);
        }
    }
    if (dlen == 0) {
        return 0; /* left empty: the input is not given */
    }
    json_t *typed = typed_value(name, val, dlen, kind, max_depth, err);
    if (typed == NULL || json_object_set_new(inputs, name, typed) < 0) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

json_t *html_form_decode(const char *body, size_t len, const json_t *known, long max_depth,
                         struct qerr *err)
{
    json_t *inputs = json_object();
    char *val = malloc(len + 1);
    int fields = 0;
    if (inputs == NULL || val == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < len; i++) {
        fields += body[i] == '&';
    }
    if (fields >= HTML_FORM_MAX_FIELDS) {
        qerr_set(err, QERR_INVALID, "form: more than %d fields", HTML_FORM_MAX_FIELDS);
        goto fail;
    }
    for (size_t i = 0; i < len;) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t n = amp != NULL ? (size_t)(amp - (body + i)) : len - i;
        if (n > 0 && decode_pair(body + i, n, known, max_depth, inputs, val, err) < 0) {
            goto fail;
        }
        i += n + 1;
    }
    free(val);
    json_t *req = json_pack("{s:o}", "inputs", inputs);
    if (req == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
    return req;
fail:
    free(val);
    json_decref(inputs);
    return NULL;
}
