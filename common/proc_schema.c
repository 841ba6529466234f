// SPDX-License-Identifier: MIT
/* proc_schema - OpenAPI 3.0 schema object checks; see proc_schema.h. */
#include "common/compat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/proc_schema.h"

#define SCHEMA_MAX_DEPTH 64

struct chk {
    proc_schema_fn fn;
    void *ctx;
    size_t n;
};

enum kw_kind {
    KW_STRING,
    KW_NUMBER,
    KW_POSITIVE,
    KW_COUNT,
    KW_BOOL,
    KW_ANY,
    KW_TYPE,
    KW_REQUIRED,
    KW_ENUM,
    KW_SCHEMA,
    KW_SCHEMA_LIST,
    KW_SCHEMA_MAP,
    KW_SCHEMA_OR_BOOL,
};

struct kw {
    const char *name;
    enum kw_kind kind;
};

/* The OpenAPI 3.0 schema object, as OGC API - Processes 1.0 (schema.yaml) lists it. */
static const struct kw keywords[] = {
    {"title", KW_STRING},
    {"multipleOf", KW_POSITIVE},
    {"maximum", KW_NUMBER},
    {"exclusiveMaximum", KW_BOOL},
    {"minimum", KW_NUMBER},
    {"exclusiveMinimum", KW_BOOL},
    {"maxLength", KW_COUNT},
    {"minLength", KW_COUNT},
    {"pattern", KW_STRING},
    {"maxItems", KW_COUNT},
    {"minItems", KW_COUNT},
    {"uniqueItems", KW_BOOL},
    {"maxProperties", KW_COUNT},
    {"minProperties", KW_COUNT},
    {"required", KW_REQUIRED},
    {"enum", KW_ENUM},
    {"type", KW_TYPE},
    {"not", KW_SCHEMA},
    {"allOf", KW_SCHEMA_LIST},
    {"oneOf", KW_SCHEMA_LIST},
    {"anyOf", KW_SCHEMA_LIST},
    {"items", KW_SCHEMA},
    {"properties", KW_SCHEMA_MAP},
    {"additionalProperties", KW_SCHEMA_OR_BOOL},
    {"description", KW_STRING},
    {"format", KW_STRING},
    {"default", KW_ANY},
    {"nullable", KW_BOOL},
    {"readOnly", KW_BOOL},
    {"writeOnly", KW_BOOL},
    {"example", KW_ANY},
    {"deprecated", KW_BOOL},
    {"contentMediaType", KW_STRING},
    {"contentEncoding", KW_STRING},
    {"contentSchema", KW_STRING},
};

/* JSON Schema keywords people bring along, with what OpenAPI 3.0 wants instead. */
static const struct {
    const char *name;
    const char *hint;
} foreign[] = {
    {"$schema", "OpenAPI 3.0 schema objects do not declare a dialect; remove it"},
    {"const", "use enum with one value"},
    {"examples", "use example with one value"},
    {"$id", "remove it"},
    {"$defs", "put shared schemas inline"},
    {"definitions", "put shared schemas inline"},
    {"patternProperties", "use additionalProperties"},
    {"prefixItems", "OpenAPI 3.0 has no tuples; use items with one schema"},
    {"if", "use oneOf"},
    {"then", "use oneOf"},
    {"else", "use oneOf"},
    {"dependentRequired", "not available in OpenAPI 3.0"},
    {"dependencies", "not available in OpenAPI 3.0"},
    {"contains", "not available in OpenAPI 3.0"},
    {"propertyNames", "not available in OpenAPI 3.0"},
};

static void report(struct chk *c, const json_t *at, const char *key, bool on_key, const char *fmt,
                   ...) QUERN_PRINTF(5, 6);

static void report(struct chk *c, const json_t *at, const char *key, bool on_key, const char *fmt,
                   ...)
{
    c->n++;
    if (c->fn == NULL) {
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->fn(c->ctx, at, key, on_key, msg);
}

static const char *json_what(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static void check_schema(struct chk *c, const json_t *s, const json_t *parent, const char *pkey,
                         const char *path, int depth);

static void check_type(struct chk *c, const json_t *s, const json_t *v, const char *path)
{
    static const char *const types[] = {"array",  "boolean", "integer",
                                        "number", "object",  "string"};
    if (json_is_array(v)) {
        report(c, s, "type", false,
               "%s.type: must be one type name in OpenAPI 3.0, not a list (use nullable: true, or "
               "oneOf)",
               path);
        return;
    }
    const char *t = json_string_value(v);
    for (size_t i = 0; t != NULL && i < QUERN_ARRAY_LEN(types); i++) {
        if (strcmp(t, types[i]) == 0) {
            return;
        }
    }
    if (t != NULL && strcmp(t, "null") == 0) {
        report(c, s, "type", false,
               "%s.type: 'null' is not an OpenAPI 3.0 type (use nullable: true)", path);
        return;
    }
    report(c, s, "type", false,
           "%s.type: must be one of array, boolean, integer, number, object, string", path);
}

static void check_required(struct chk *c, const json_t *s, const json_t *v, const char *path)
{
    if (!json_is_array(v) || json_array_size(v) == 0) {
        report(c, s, "required", false, "%s.required: must be a non-empty list of property names",
               path);
        return;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *a = json_array_get(v, i);
        if (!json_is_string(a)) {
            report(c, s, "required", false, "%s.required[%zu]: must be a string", path, i);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (json_equal(a, json_array_get(v, j))) {
                report(c, s, "required", false, "%s.required: '%s' is listed twice", path,
                       json_string_value(a));
            }
        }
    }
}

/* One case per kind of keyword value (the table above says which keyword has which). */
static void check_kw(struct chk *c, const json_t *s, const char *key, const json_t *v,
                     enum kw_kind kind, const char *path, int depth)
{
    char sub[512];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    switch (kind) {
    case KW_STRING:
        if (!json_is_string(v)) {
            report(c, s, key, false, "%s: must be a string, not %s", sub, json_what(v));
        }
        break;
    case KW_NUMBER:
        if (!json_is_number(v)) {
            report(c, s, key, false, "%s: must be a number, not %s", sub, json_what(v));
        }
        break;
    case KW_POSITIVE:
        if (!json_is_number(v) || json_number_value(v) <= 0) {
            report(c, s, key, false, "%s: must be a number greater than 0", sub);
        }
        break;
    case KW_COUNT:
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            report(c, s, key, false, "%s: must be an integer >= 0", sub);
        }
        break;
    case KW_BOOL:
        if (!json_is_boolean(v)) {
            if (json_is_number(v) && strncmp(key, "exclusiveM", 10) == 0) {
                report(c, s, key, false,
                       "%s: must be a boolean in OpenAPI 3.0 (write %s: %g with %s: true)", sub,
                       strcmp(key, "exclusiveMinimum") == 0 ? "minimum" : "maximum",
                       json_number_value(v), key);
            } else {
                report(c, s, key, false, "%s: must be true or false, not %s", sub, json_what(v));
            }
        }
        break;
    case KW_ANY:
        break;
    case KW_TYPE:
        check_type(c, s, v, path);
        break;
    case KW_REQUIRED:
        check_required(c, s, v, path);
        break;
    case KW_ENUM:
        if (!json_is_array(v) || json_array_size(v) == 0) {
            report(c, s, key, false, "%s: must be a non-empty list of values", sub);
        }
        break;
    case KW_SCHEMA:
        if (json_is_array(v) && strcmp(key, "items") == 0) {
            report(c, s, key, false,
                   "%s: must be one schema in OpenAPI 3.0 (tuples of item schemas are not "
                   "available)",
                   sub);
        } else {
            check_schema(c, v, s, key, sub, depth + 1);
        }
        break;
    case KW_SCHEMA_LIST:
        if (!json_is_array(v) || json_array_size(v) == 0) {
            report(c, s, key, false, "%s: must be a non-empty list of schemas", sub);
            break;
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            char item[560];
            snprintf(item, sizeof item, "%s[%zu]", sub, i);
            check_schema(c, json_array_get(v, i), v, NULL, item, depth + 1);
        }
        break;
    case KW_SCHEMA_MAP:
        if (!json_is_object(v)) {
            report(c, s, key, false, "%s: must be a mapping of property names to schemas", sub);
            break;
        }
        {
            const char *name;
            const json_t *ps;
            json_object_foreach((json_t *)v, name, ps)
            {
                char prop[768];
                snprintf(prop, sizeof prop, "%s.%s", sub, name);
                check_schema(c, ps, v, name, prop, depth + 1);
            }
        }
        break;
    case KW_SCHEMA_OR_BOOL:
        if (!json_is_boolean(v)) {
            check_schema(c, v, s, key, sub, depth + 1);
        }
        break;
    }
}

static const struct kw *find_kw(const char *key)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(keywords); i++) {
        if (strcmp(keywords[i].name, key) == 0) {
            return &keywords[i];
        }
    }
    return NULL;
}

static void check_unknown(struct chk *c, const json_t *s, const char *key, const char *path)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(foreign); i++) {
        if (strcmp(foreign[i].name, key) == 0) {
            report(c, s, key, true, "%s: '%s' is not an OpenAPI 3.0 schema keyword (%s)", path, key,
                   foreign[i].hint);
            return;
        }
    }
    report(c, s, key, true, "%s: '%s' is not an OpenAPI 3.0 schema keyword", path, key);
}

static double num_or(const json_t *s, const char *key, double dflt)
{
    const json_t *v = json_object_get(s, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* Whether v has the JSON type the OpenAPI type name t means. */
static bool type_matches(const json_t *v, const char *t)
{
    if (strcmp(t, "integer") == 0) {
        return json_is_integer(v) ||
               (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v));
    }
    if (strcmp(t, "number") == 0) {
        return json_is_number(v);
    }
    if (strcmp(t, "string") == 0) {
        return json_is_string(v);
    }
    if (strcmp(t, "boolean") == 0) {
        return json_is_boolean(v);
    }
    if (strcmp(t, "array") == 0) {
        return json_is_array(v);
    }
    return strcmp(t, "object") == 0 && json_is_object(v);
}

/* A default must be a value of the schema's type (and of its enum): the API fills it in. */
static void check_default(struct chk *c, const json_t *s, const char *path)
{
    const json_t *d = json_object_get(s, "default");
    if (d == NULL) {
        return;
    }
    if (json_is_null(d)) {
        if (!json_is_true(json_object_get(s, "nullable"))) {
            report(c, s, "default", false, "%s.default: null needs nullable: true", path);
        }
        return;
    }
    const char *t = json_string_value(json_object_get(s, "type"));
    if (t != NULL && !type_matches(d, t)) {
        report(c, s, "default", false, "%s.default: must be of type %s, like the schema", path, t);
        return;
    }
    const json_t *e = json_object_get(s, "enum");
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++) {
            if (json_equal(json_array_get(e, i), d)) {
                return;
            }
        }
        report(c, s, "default", false, "%s.default: must be one of the enum values", path);
    }
}

/* Cross-keyword rules: bounds in order, arrays with items, defaults of the right type. */
static void check_consistency(struct chk *c, const json_t *s, const char *path)
{
    static const char *const pairs[][2] = {{"minimum", "maximum"},
                                           {"minLength", "maxLength"},
                                           {"minItems", "maxItems"},
                                           {"minProperties", "maxProperties"}};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(pairs); i++) {
        if (num_or(s, pairs[i][0], -INFINITY) > num_or(s, pairs[i][1], INFINITY)) {
            report(c, s, pairs[i][1], false, "%s: %s is less than %s", path, pairs[i][1],
                   pairs[i][0]);
        }
    }
    const char *t = json_string_value(json_object_get(s, "type"));
    if (t != NULL && strcmp(t, "array") == 0 && json_object_get(s, "items") == NULL) {
        report(c, s, "type", true, "%s: a schema of type array needs items (OpenAPI 3.0)", path);
    }
    check_default(c, s, path);
}

static void check_schema(struct chk *c, const json_t *s, const json_t *parent, const char *pkey,
                         const char *path, int depth)
{
    if (depth > SCHEMA_MAX_DEPTH) {
        report(c, parent, pkey, false, "%s: nested deeper than %d levels", path, SCHEMA_MAX_DEPTH);
        return;
    }
    if (!json_is_object(s)) {
        report(c, parent, pkey, false, "%s: must be a schema object (a mapping), not %s", path,
               json_what(s));
        return;
    }
    const json_t *ref = json_object_get(s, "$ref");
    if (ref != NULL) {
        if (!json_is_string(ref)) {
            report(c, s, "$ref", false, "%s.$ref: must be a string", path);
        }
        if (json_object_size(s) != 1) {
            report(c, s, "$ref", true, "%s: a reference object has only '$ref'", path);
        }
        return;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)s, key, v)
    {
        const struct kw *kw = find_kw(key);
        if (kw == NULL) {
            check_unknown(c, s, key, path);
            continue;
        }
        check_kw(c, s, key, v, kw->kind, path, depth);
    }
    check_consistency(c, s, path);
}

size_t proc_schema_check(const json_t *schema, const char *path, proc_schema_fn fn, void *ctx)
{
    struct chk c = {fn, ctx, 0};
    check_schema(&c, schema, NULL, NULL, path, 0);
    return c.n;
}

bool proc_schema_is_binary(const json_t *schema)
{
    const char *t = json_string_value(json_object_get(schema, "type"));
    if (t == NULL || strcmp(t, "string") != 0) {
        return false;
    }
    const char *f = json_string_value(json_object_get(schema, "format"));
    return json_object_get(schema, "contentMediaType") != NULL ||
           (f != NULL && strcmp(f, "binary") == 0);
}
