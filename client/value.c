// SPDX-License-Identifier: MIT
/*
 * value - input values from the command line, driven by the input schemas;
 * see value.h. Each JSON type has one parse function; value_parse() picks
 * one from the schema's type, or tries the oneOf/anyOf alternatives in
 * order and keeps the first that accepts the text.
 */
#include "common/compat.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "client/b64.h"
#include "client/oas.h"
#include "client/value.h"
#include "common/buf.h"
#include "common/qstr.h"

#define NAME_MAX_LEN 255
#define QFREE_JSON(v)   \
    do {                \
        json_decref(v); \
        (v) = NULL;     \
    } while (0)

static json_t *check_bounds(const json_t *schema, json_t *v, const char *text, struct qerr *err)
{
    double x = json_number_value(v);
    const json_t *mn = json_object_get(schema, "minimum");
    const json_t *mx = json_object_get(schema, "maximum");
    bool xlo = json_is_true(json_object_get(schema, "exclusiveMinimum"));
    bool xhi = json_is_true(json_object_get(schema, "exclusiveMaximum"));
    bool low = json_is_number(mn) && (xlo ? x <= json_number_value(mn) : x < json_number_value(mn));
    bool high =
        json_is_number(mx) && (xhi ? x >= json_number_value(mx) : x > json_number_value(mx));
    if (low || high) {
        qerr_set(err, QERR_INVALID, "'%s' is %s the %s of %g", text, low ? "below" : "above",
                 low ? "minimum" : "maximum", json_number_value(low ? mn : mx));
        json_decref(v);
        return NULL;
    }
    return v;
}

static json_t *parse_integer(const json_t *schema, const char *text, struct qerr *err)
{
    long l;
    if (qstr_to_long(text, LONG_MIN, LONG_MAX, &l) < 0) {
        qerr_set(err, QERR_INVALID, "'%s' is not an integer", text);
        return NULL;
    }
    json_t *v = json_integer(l);
    return v == NULL ? NULL : check_bounds(schema, v, text, err);
}

static json_t *parse_number(const json_t *schema, const char *text, struct qerr *err)
{
    long l;
    double d;
    json_t *v = NULL;
    if (qstr_to_long(text, LONG_MIN, LONG_MAX, &l) == 0) {
        v = json_integer(l);
    } else if (qstr_to_double(text, &d) == 0) {
        v = json_real(d);
    } else {
        qerr_set(err, QERR_INVALID, "'%s' is not a number", text);
        return NULL;
    }
    return v == NULL ? NULL : check_bounds(schema, v, text, err);
}

static json_t *parse_boolean(const char *text, struct qerr *err)
{
    bool b;
    if (qstr_to_bool(text, &b) < 0) {
        qerr_set(err, QERR_INVALID, "'%s' is not a boolean (true or false)", text);
        return NULL;
    }
    return json_boolean(b);
}

static json_t *parse_json(const char *text, const char *what, struct qerr *err)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        qerr_set(err, QERR_INVALID, "not %s: %s at column %d", what, jerr.text, jerr.column);
    }
    return v;
}

static json_t *parse_string(const json_t *schema, const char *text, struct qerr *err)
{
    if (oas_is_binary(schema)) {
        char *enc = b64_encode((const unsigned char *)text, strlen(text));
        json_t *v = enc != NULL ? json_string(enc) : NULL;
        free(enc);
        if (v == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory encoding a value");
        }
        return v;
    }
    json_t *v = json_string(text);
    if (v == NULL) {
        qerr_set(err, QERR_INVALID, "value is not valid UTF-8");
    }
    return v;
}

/* A comma-separated list for arrays of numbers or booleans; one item otherwise. */
static json_t *parse_array(const json_t *schema, const char *text, struct qerr *err)
{
    if (text[0] == '[') {
        json_t *v = parse_json(text, "a JSON array", err);
        if (v != NULL && !json_is_array(v)) {
            qerr_set(err, QERR_INVALID, "'%s' is not a JSON array", text);
            QFREE_JSON(v);
        }
        return v;
    }
    const json_t *items = json_object_get(schema, "items");
    const char *it = oas_type(items);
    bool split = it != NULL && (strcmp(it, "number") == 0 || strcmp(it, "integer") == 0 ||
                                strcmp(it, "boolean") == 0);
    json_t *arr = json_array();
    char *copy = strdup(text);
    char *p = copy;
    while (arr != NULL && p != NULL) {
        char *comma = split ? strchr(p, ',') : NULL;
        if (comma != NULL) {
            *comma = '\0';
        }
        json_t *item = value_parse(items, p, err);
        if (item == NULL || json_array_append_new(arr, item) < 0) {
            QFREE_JSON(arr);
        }
        p = comma != NULL ? comma + 1 : NULL;
    }
    free(copy);
    if (arr == NULL || copy == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *parse_object(const char *text, struct qerr *err)
{
    json_t *v = parse_json(text, "a JSON object", err);
    if (v != NULL && !json_is_object(v)) {
        qerr_set(err, QERR_INVALID, "'%s' is not a JSON object", text);
        QFREE_JSON(v);
    }
    return v;
}

static bool in_enum(const json_t *schema, const json_t *v)
{
    const json_t *e = json_object_get(schema, "enum");
    if (!json_is_array(e)) {
        return true;
    }
    size_t i;
    const json_t *x;
    json_array_foreach(e, i, x)
    {
        if (json_equal(x, v)) {
            return true;
        }
    }
    return false;
}

static json_t *parse_alternatives(const json_t *alt, const char *text, struct qerr *err)
{
    struct qerr first = QERR_INIT;
    size_t i;
    const json_t *s;
    json_array_foreach(alt, i, s)
    {
        struct qerr e = QERR_INIT;
        json_t *v = value_parse(s, text, &e);
        if (v != NULL) {
            return v;
        }
        if (!qerr_is_set(&first)) {
            first = e;
        }
    }
    qerr_set(err, QERR_INVALID, "'%s' fits none of the schema's alternatives (%s)", text,
             first.msg);
    return NULL;
}

json_t *value_parse(const json_t *schema, const char *text, struct qerr *err)
{
    const json_t *alt = oas_alternatives(schema);
    if (alt != NULL) {
        return parse_alternatives(alt, text, err);
    }
    const char *type = oas_type(schema);
    json_t *v;
    if (type == NULL) {
        /* No type: JSON when it parses, otherwise the text itself. */
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        v = v != NULL ? v : json_string(text);
    } else if (strcmp(type, "integer") == 0) {
        v = parse_integer(schema, text, err);
    } else if (strcmp(type, "number") == 0) {
        v = parse_number(schema, text, err);
    } else if (strcmp(type, "boolean") == 0) {
        v = parse_boolean(text, err);
    } else if (strcmp(type, "array") == 0) {
        v = parse_array(schema, text, err);
    } else if (strcmp(type, "object") == 0) {
        v = parse_object(text, err);
    } else {
        v = parse_string(schema, text, err);
    }
    if (v == NULL) {
        qerr_set(err, QERR_INVALID, "cannot read '%s'", text);
        return NULL;
    }
    if (!in_enum(schema, v)) {
        qerr_set(err, QERR_INVALID, "'%s' is not one of the allowed values", text);
        QFREE_JSON(v);
    }
    return v;
}

/* Reads path ("-": standard input) whole into out, at most VALUE_FILE_MAX bytes. */
static int read_file(const char *path, struct buf *out, struct qerr *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        qerr_set_errno(err, QERR_INVALID, "cannot open %s", path);
        return -1;
    }
    char chunk[65536];
    int rc = 0;
    while (rc == 0) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0) {
            break;
        }
        rc = buf_append(out, chunk, n, err);
    }
    if (rc == 0 && ferror(f)) {
        qerr_set_errno(err, QERR_INVALID, "cannot read %s", is_stdin ? "standard input" : path);
        rc = -1;
    }
    if (!is_stdin) {
        fclose(f);
    }
    if (rc < 0 && err != NULL && err->code == QERR_TOO_LARGE) {
        err->code = QERR_INVALID;
        snprintf(err->msg, sizeof err->msg, "%s is larger than %zu bytes",
                 is_stdin ? "standard input" : path, VALUE_FILE_MAX);
    }
    return rc;
}

json_t *value_from_file(const json_t *schema, const char *path, struct qerr *err)
{
    struct buf b;
    json_t *v = NULL;
    buf_init(&b, VALUE_FILE_MAX);
    if (read_file(path, &b, err) < 0) {
        goto out;
    }
    if (oas_is_binary(schema)) {
        char *enc = b64_encode((const unsigned char *)buf_cstr(&b), b.len);
        v = enc != NULL ? json_string(enc) : NULL;
        free(enc);
        if (v == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory encoding %s", path);
        }
        goto out;
    }
    v = json_loadb(buf_cstr(&b), b.len, JSON_DECODE_ANY, NULL);
    if (v != NULL && oas_type_fits(schema, v)) {
        goto out;
    }
    QFREE_JSON(v);
    const char *type = oas_type(schema);
    if (type != NULL && strcmp(type, "string") == 0) {
        v = json_stringn(buf_cstr(&b), b.len);
        if (v == NULL) {
            qerr_set(err, QERR_INVALID, "%s is not UTF-8 text", path);
        }
        goto out;
    }
    qerr_set(err, QERR_INVALID, "%s does not hold JSON of the input's type (%s)", path,
             type != NULL ? type : "any");
out:
    buf_cleanup(&b);
    return v;
}

/* Lists the input names into out, for "unknown input" errors. */
static void input_names(const json_t *inputs_desc, char *out, size_t outsz)
{
    size_t o = 0;
    const char *name;
    const json_t *d;
    out[0] = '\0';
    json_object_foreach((json_t *)inputs_desc, name, d)
    {
        int n = snprintf(out + o, outsz - o, "%s%s", o > 0 ? ", " : "", name);
        if (n < 0 || (size_t)n >= outsz - o) {
            break;
        }
        o += (size_t)n;
    }
}

/* The value of one spec's text: literal, "@@literal" or "@file". */
static json_t *spec_value(const json_t *schema, const char *text, struct qerr *err)
{
    if (text[0] == '@' && text[1] == '@') {
        return value_parse(schema, text + 1, err);
    }
    if (text[0] == '@') {
        return value_from_file(schema, text + 1, err);
    }
    return value_parse(schema, text, err);
}

/*
 * Adds v (stolen) as one more occurrence of name. An array schema gathers
 * the items of every occurrence; maxOccurs > 1 turns the second occurrence
 * into an array of occurrences; counts tracks how many each input has.
 */
static int add_occurrence(json_t *inputs, json_t *counts, const char *name, const json_t *desc,
                          json_t *v, struct qerr *err)
{
    long min;
    long max;
    oas_occurs(desc, &min, &max);
    const char *type = oas_type(json_object_get(desc, "schema"));
    json_int_t count = json_integer_value(json_object_get(counts, name)) + 1;
    json_t *have = json_object_get(inputs, name);
    int rc = json_object_set_new(counts, name, json_integer(count));
    if (have == NULL) {
        rc = rc < 0 ? rc : json_object_set(inputs, name, v);
    } else if (type != NULL && strcmp(type, "array") == 0 && max <= 1) {
        rc = rc < 0 ? rc : json_array_extend(have, v);
    } else if (max != OAS_UNBOUNDED && count > max) {
        qerr_set(err, QERR_INVALID, "input '%s' takes at most %ld value%s", name, max,
                 max == 1 ? "" : "s");
        rc = -1;
    } else if (count == 2) {
        json_t *arr = json_pack("[OO]", have, v);
        rc = arr == NULL ? -1 : json_object_set_new(inputs, name, arr);
    } else {
        rc = rc < 0 ? rc : json_array_append(have, v);
    }
    json_decref(v);
    if (rc < 0) {
        qerr_set(err, QERR_NOMEM, "out of memory building inputs");
    }
    return rc;
}

static int check_required(const json_t *inputs_desc, const json_t *inputs, struct qerr *err)
{
    const char *name;
    const json_t *d;
    json_object_foreach((json_t *)inputs_desc, name, d)
    {
        long min;
        long max;
        oas_occurs(d, &min, &max);
        const json_t *schema = json_object_get(d, "schema");
        if (min > 0 && json_object_get(inputs, name) == NULL &&
            json_object_get(schema, "default") == NULL) {
            qerr_set(err, QERR_INVALID, "missing required input '%s' (-i %s=VALUE)", name, name);
            return -1;
        }
    }
    return 0;
}

static int add_spec(const json_t *inputs_desc, const char *spec, json_t *inputs, json_t *counts,
                    struct qerr *err)
{
    const char *eq = strchr(spec, '=');
    char name[NAME_MAX_LEN + 1];
    size_t n = eq != NULL ? (size_t)(eq - spec) : 0;
    if (n == 0 || n > NAME_MAX_LEN) {
        qerr_set(err, QERR_INVALID, "-i wants NAME=VALUE, not '%s'", spec);
        return -1;
    }
    memcpy(name, spec, n);
    name[n] = '\0';
    const json_t *desc = json_object_get(inputs_desc, name);
    if (desc == NULL) {
        char names[200];
        input_names(inputs_desc, names, sizeof names);
        qerr_set(err, QERR_INVALID, "the process has no input '%s' (its inputs: %s)", name,
                 names[0] != '\0' ? names : "none");
        return -1;
    }
    struct qerr verr = QERR_INIT;
    json_t *v = spec_value(json_object_get(desc, "schema"), eq + 1, &verr);
    if (v == NULL) {
        qerr_set(err, verr.code, "input '%s': %s", name, verr.msg);
        return -1;
    }
    return add_occurrence(inputs, counts, name, desc, v, err);
}

json_t *value_inputs(const json_t *inputs_desc, const char *const *specs, size_t n,
                     struct qerr *err)
{
    json_t *inputs = json_object();
    json_t *counts = json_object();
    if (inputs == NULL || counts == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory building inputs");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (add_spec(inputs_desc, specs[i], inputs, counts, err) < 0) {
            goto fail;
        }
    }
    if (check_required(inputs_desc, inputs, err) < 0) {
        goto fail;
    }
    json_decref(counts);
    return inputs;
fail:
    json_decref(counts);
    json_decref(inputs);
    return NULL;
}
