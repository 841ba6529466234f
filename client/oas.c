// SPDX-License-Identifier: MIT
/* oas - OpenAPI schema objects of process inputs and outputs; see oas.h. */
#include "common/compat.h"

#include <string.h>

#include "client/oas.h"

#define SUMMARY_DEPTH 4

const char *oas_type(const json_t *schema)
{
    return json_string_value(json_object_get(schema, "type"));
}

static bool str_is(const json_t *v, const char *s)
{
    const char *t = json_string_value(v);
    return t != NULL && strcmp(t, s) == 0;
}

bool oas_is_binary(const json_t *schema)
{
    const char *type = oas_type(schema);
    if (type != NULL && strcmp(type, "string") != 0) {
        return false;
    }
    const json_t *format = json_object_get(schema, "format");
    const json_t *enc = json_object_get(schema, "contentEncoding");
    if (str_is(format, "binary") || str_is(format, "byte") || str_is(enc, "base64") ||
        str_is(enc, "binary")) {
        return true;
    }
    const char *media = json_string_value(json_object_get(schema, "contentMediaType"));
    if (media == NULL) {
        return false;
    }
    /* Text, JSON and XML travel as themselves; anything else as base64. */
    return strncmp(media, "text/", 5) != 0 && strstr(media, "json") == NULL &&
           strstr(media, "xml") == NULL;
}

const json_t *oas_alternatives(const json_t *schema)
{
    if (oas_type(schema) != NULL) {
        return NULL; /* a typed schema's oneOf only adds constraints (array lengths...) */
    }
    const json_t *alt = json_object_get(schema, "oneOf");
    if (!json_is_array(alt)) {
        alt = json_object_get(schema, "anyOf");
    }
    return json_is_array(alt) && json_array_size(alt) > 0 ? alt : NULL;
}

bool oas_type_fits(const json_t *schema, const json_t *value)
{
    const json_t *alt = oas_alternatives(schema);
    if (alt != NULL) {
        size_t i;
        const json_t *s;
        json_array_foreach(alt, i, s)
        {
            if (oas_type_fits(s, value)) {
                return true;
            }
        }
        return false;
    }
    const char *type = oas_type(schema);
    if (type == NULL ||
        (json_is_null(value) && json_is_true(json_object_get(schema, "nullable")))) {
        return true;
    }
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return strcmp(type, "object") == 0;
    case JSON_ARRAY:
        return strcmp(type, "array") == 0;
    case JSON_STRING:
        return strcmp(type, "string") == 0;
    case JSON_INTEGER:
        return strcmp(type, "integer") == 0 || strcmp(type, "number") == 0;
    case JSON_REAL:
        return strcmp(type, "number") == 0;
    case JSON_TRUE:
    case JSON_FALSE:
        return strcmp(type, "boolean") == 0;
    case JSON_NULL:
        return false;
    }
    return false;
}

void oas_occurs(const json_t *input, long *min, long *max)
{
    const json_t *mn = json_object_get(input, "minOccurs");
    const json_t *mx = json_object_get(input, "maxOccurs");
    *min = json_is_integer(mn) ? (long)json_integer_value(mn) : 1;
    if (json_is_integer(mx)) {
        *max = (long)json_integer_value(mx);
    } else {
        *max = str_is(mx, "unbounded") ? OAS_UNBOUNDED : 1;
    }
}

static int summary_range(const json_t *schema, struct buf *out, struct qerr *err)
{
    const json_t *mn = json_object_get(schema, "minimum");
    const json_t *mx = json_object_get(schema, "maximum");
    if (!json_is_number(mn) && !json_is_number(mx)) {
        return 0;
    }
    char lo[32] = "";
    char hi[32] = "";
    if (json_is_number(mn)) {
        snprintf(lo, sizeof lo, "%g", json_number_value(mn));
    }
    if (json_is_number(mx)) {
        snprintf(hi, sizeof hi, "%g", json_number_value(mx));
    }
    bool xlo = json_is_true(json_object_get(schema, "exclusiveMinimum"));
    bool xhi = json_is_true(json_object_get(schema, "exclusiveMaximum"));
    return buf_printf(out, err, " %s%s..%s%s", xlo ? "(" : "[", lo, hi, xhi ? ")" : "]");
}

static int summary_enum(const json_t *schema, struct buf *out, struct qerr *err)
{
    const json_t *e = json_object_get(schema, "enum");
    if (!json_is_array(e)) {
        return 0;
    }
    if (buf_puts(out, " one of ", err) < 0) {
        return -1;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(e, i, v)
    {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        int rc = text == NULL ? -1 : buf_printf(out, err, "%s%s", i > 0 ? ", " : "", text);
        free(text);
        if (rc < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int summary_at(const json_t *schema, int depth, struct buf *out, struct qerr *err)
{
    const json_t *alt = oas_alternatives(schema);
    if (depth > SUMMARY_DEPTH) {
        return buf_puts(out, "...", err);
    }
    if (alt != NULL) {
        size_t i;
        const json_t *s;
        json_array_foreach(alt, i, s)
        {
            if ((i > 0 && buf_puts(out, " | ", err) < 0) ||
                summary_at(s, depth + 1, out, err) < 0) {
                return -1;
            }
        }
        return 0;
    }
    const char *type = oas_type(schema);
    const char *media = json_string_value(json_object_get(schema, "contentMediaType"));
    const char *format = json_string_value(json_object_get(schema, "format"));
    int rc;
    if (type == NULL) {
        rc = buf_puts(out, json_object_get(schema, "$ref") != NULL ? "(see the schema)" : "any",
                      err);
    } else if (oas_is_binary(schema)) {
        rc = buf_printf(out, err, "binary string%s%s%s", media != NULL ? " (" : "",
                        media != NULL ? media : "", media != NULL ? ")" : "");
    } else if (strcmp(type, "array") == 0) {
        rc = buf_puts(out, "array of ", err);
        rc = rc < 0 ? rc : summary_at(json_object_get(schema, "items"), depth + 1, out, err);
    } else {
        rc = buf_puts(out, type, err);
        if (rc == 0 && format != NULL) {
            rc = buf_printf(out, err, " (%s)", format);
        }
    }
    if (rc == 0) {
        rc = summary_range(schema, out, err);
    }
    return rc < 0 ? rc : summary_enum(schema, out, err);
}

int oas_summary(const json_t *schema, struct buf *out, struct qerr *err)
{
    return summary_at(schema, 0, out, err);
}
