// SPDX-License-Identifier: MIT
/* oas_schema - process schemas as OpenAPI 3.0 schema objects; see oas_schema.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/oas_schema.h"

#define MAX_DEPTH 64 /* deeper schemas are cut (stored descriptions are bounded anyway) */

enum kind { K_STRING, K_BOOL, K_NUMBER, K_POSITIVE, K_COUNT, K_ANY, K_SCHEMA, K_SCHEMA_OR_BOOL,
            K_LIST, K_MAP, K_REQUIRED, K_ENUM, K_TYPE, K_EXCLUSIVE };

static const struct {
    const char *name;
    enum kind kind;
} keywords[] = {
    {"title", K_STRING},        {"multipleOf", K_POSITIVE},
    {"maximum", K_NUMBER},      {"exclusiveMaximum", K_EXCLUSIVE},
    {"minimum", K_NUMBER},      {"exclusiveMinimum", K_EXCLUSIVE},
    {"maxLength", K_COUNT},     {"minLength", K_COUNT},
    {"pattern", K_STRING},      {"maxItems", K_COUNT},
    {"minItems", K_COUNT},      {"uniqueItems", K_BOOL},
    {"maxProperties", K_COUNT}, {"minProperties", K_COUNT},
    {"required", K_REQUIRED},   {"enum", K_ENUM},
    {"type", K_TYPE},           {"not", K_SCHEMA},
    {"allOf", K_LIST},          {"oneOf", K_LIST},
    {"anyOf", K_LIST},          {"items", K_SCHEMA},
    {"properties", K_MAP},      {"additionalProperties", K_SCHEMA_OR_BOOL},
    {"description", K_STRING},  {"format", K_STRING},
    {"default", K_ANY},         {"nullable", K_BOOL},
    {"readOnly", K_BOOL},       {"writeOnly", K_BOOL},
    {"example", K_ANY},         {"deprecated", K_BOOL},
};

static const char *const types[] = {"array", "boolean", "integer", "number", "object", "string"};

static json_t *convert(const json_t *s, int depth);

static bool is_type(const char *t)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(types); i++) {
        if (strcmp(t, types[i]) == 0) {
            return true;
        }
    }
    return false;
}

static void keep_as_extension(json_t *out, const char *key, const json_t *v)
{
    char name[160];
    snprintf(name, sizeof name, "x-%s", key);
    json_object_set_new(out, name, json_deep_copy(v));
}

/* type as a list (["string", "null"]): one type plus nullable, or anyOf of the types. */
static void type_list(json_t *out, const json_t *v)
{
    json_t *alts = json_array();
    size_t i;
    const json_t *t;
    json_array_foreach (v, i, t) {
        if (json_is_string(t) && strcmp(json_string_value(t), "null") == 0) {
            json_object_set_new(out, "nullable", json_true());
        } else if (json_is_string(t) && is_type(json_string_value(t))) {
            json_array_append_new(alts, json_pack("{s:O}", "type", t));
        }
    }
    if (json_array_size(alts) == 1) {
        json_object_set(out, "type", json_object_get(json_array_get(alts, 0), "type"));
    } else if (json_array_size(alts) > 1 && json_object_get(out, "anyOf") == NULL) {
        json_object_set(out, "anyOf", alts);
    }
    json_decref(alts);
}

/* exclusiveMinimum: 3 (JSON Schema) is minimum: 3 with exclusiveMinimum: true. */
static void exclusive(json_t *out, const char *key, const json_t *v, const json_t *src)
{
    if (json_is_boolean(v)) {
        json_object_set(out, key, (json_t *)v);
        return;
    }
    if (!json_is_number(v)) {
        keep_as_extension(out, key, v);
        return;
    }
    const char *bound = strcmp(key, "exclusiveMinimum") == 0 ? "minimum" : "maximum";
    if (json_object_get(src, bound) == NULL) {
        json_object_set(out, bound, (json_t *)v);
        json_object_set_new(out, key, json_true());
    } else {
        keep_as_extension(out, key, v);
    }
}

static bool all_strings(const json_t *v)
{
    size_t i;
    const json_t *x;
    json_array_foreach (v, i, x) {
        if (!json_is_string(x)) {
            return false;
        }
    }
    return json_array_size(v) > 0;
}

/* Copies v under key when it has the kind's shape; true when it did. */
static bool copy_kind(json_t *out, const char *key, enum kind kind, const json_t *v, int depth)
{
    switch (kind) {
    case K_STRING: return json_is_string(v) && json_object_set(out, key, (json_t *)v) == 0;
    case K_BOOL: return json_is_boolean(v) && json_object_set(out, key, (json_t *)v) == 0;
    case K_NUMBER: return json_is_number(v) && json_object_set(out, key, (json_t *)v) == 0;
    case K_POSITIVE:
        return json_is_number(v) && json_number_value(v) > 0 &&
               json_object_set(out, key, (json_t *)v) == 0;
    case K_COUNT:
        return json_is_integer(v) && json_integer_value(v) >= 0 &&
               json_object_set(out, key, (json_t *)v) == 0;
    case K_ANY: return json_object_set(out, key, (json_t *)v) == 0;
    case K_SCHEMA_OR_BOOL:
        if (json_is_boolean(v)) {
            return json_object_set(out, key, (json_t *)v) == 0;
        }
        return !json_is_array(v) && json_object_set_new(out, key, convert(v, depth + 1)) == 0;
    case K_SCHEMA:
        return !json_is_array(v) && json_object_set_new(out, key, convert(v, depth + 1)) == 0;
    case K_LIST: {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            return false;
        }
        json_t *list = json_array();
        size_t i;
        const json_t *x;
        json_array_foreach (v, i, x) {
            json_array_append_new(list, convert(x, depth + 1));
        }
        return json_object_set_new(out, key, list) == 0;
    }
    case K_MAP: {
        if (!json_is_object(v)) {
            return false;
        }
        json_t *map = json_object();
        const char *name;
        const json_t *x;
        json_object_foreach ((json_t *)v, name, x) {
            json_object_set_new(map, name, convert(x, depth + 1));
        }
        return json_object_set_new(out, key, map) == 0;
    }
    case K_REQUIRED: return all_strings(v) && json_object_set(out, key, (json_t *)v) == 0;
    case K_ENUM:
        return json_is_array(v) && json_array_size(v) > 0 &&
               json_object_set(out, key, (json_t *)v) == 0;
    case K_TYPE:
        if (json_is_string(v) && is_type(json_string_value(v))) {
            return json_object_set(out, key, (json_t *)v) == 0;
        }
        if (json_is_array(v)) {
            type_list(out, v);
            return true;
        }
        return false;
    case K_EXCLUSIVE: return false; /* handled by exclusive() */
    }
    return false;
}

/* s without its x- members (new reference). */
static json_t *without_extensions(const json_t *s)
{
    json_t *c = json_deep_copy(s);
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe (c, tmp, key, v) {
        if (strncmp(key, "x-", 2) == 0) {
            json_object_del(c, key);
        }
    }
    return c;
}

/*
 * oneOf alternatives that differ only in what became extensions (two strings
 * with different contentMediaType) would make every such value match twice;
 * quern's validator counts them as one, so the document says anyOf.
 */
static void relax_one_of(json_t *out)
{
    json_t *list = json_object_get(out, "oneOf");
    size_t n = json_array_size(list);
    bool dup = false;
    for (size_t i = 0; i < n && !dup; i++) {
        json_t *a = without_extensions(json_array_get(list, i));
        for (size_t j = i + 1; j < n && !dup; j++) {
            json_t *b = without_extensions(json_array_get(list, j));
            dup = json_equal(a, b);
            json_decref(b);
        }
        json_decref(a);
    }
    if (dup && json_object_get(out, "anyOf") == NULL) {
        json_object_set(out, "anyOf", list);
        json_object_del(out, "oneOf");
    }
}

static void member(json_t *out, const json_t *src, const char *key, const json_t *v, int depth)
{
    if (strncmp(key, "x-", 2) == 0) {
        json_object_set(out, key, (json_t *)v);
        return;
    }
    if (strcmp(key, "const") == 0 && json_object_get(src, "enum") == NULL) {
        json_object_set_new(out, "enum", json_pack("[O]", v));
        return;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(keywords); i++) {
        if (strcmp(key, keywords[i].name) != 0) {
            continue;
        }
        if (keywords[i].kind == K_EXCLUSIVE) {
            exclusive(out, key, v, src);
        } else if (!copy_kind(out, key, keywords[i].kind, v, depth)) {
            keep_as_extension(out, key, v);
        }
        return;
    }
    keep_as_extension(out, key, v);
}

static json_t *convert(const json_t *s, int depth)
{
    if (json_is_false(s)) {
        return json_pack("{s:{}}", "not");
    }
    json_t *out = json_object();
    if (!json_is_object(s) || depth > MAX_DEPTH) {
        return out;
    }
    const char *key;
    const json_t *v;
    json_object_foreach ((json_t *)s, key, v) {
        member(out, s, key, v, depth);
    }
    relax_one_of(out);
    const json_t *type = json_object_get(out, "type");
    if (json_is_string(type) && strcmp(json_string_value(type), "array") == 0 &&
        json_object_get(out, "items") == NULL) {
        json_object_set_new(out, "items", json_object()); /* OpenAPI 3.0 wants items for arrays */
    }
    return out;
}

json_t *oas_schema(const json_t *schema)
{
    return convert(schema, 0);
}
