// SPDX-License-Identifier: MIT
/*
 * validate - OpenAPI 3.0 schema-object checks; see validate.h.
 *
 * One function per keyword family, called in order by check(); each
 * returns 0 or -1 with err. Recursion is bounded by MAX_DEPTH, which the
 * API's body depth limit keeps well clear of.
 */
#include "common/compat.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/validate.h"

#define MAX_DEPTH 64

static int check(const json_t *schema, json_t **value, const char *where, int depth,
                 struct qerr *err);

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "value";
}

static bool is_integral(const json_t *v)
{
    if (json_is_integer(v)) {
        return true;
    }
    double d = json_real_value(v);
    return json_is_real(v) && d > -9.0e15 && d < 9.0e15 && (double)(long long)d == d;
}

static bool type_matches(const char *type, const json_t *v)
{
    if (strcmp(type, "string") == 0) {
        return json_is_string(v);
    }
    if (strcmp(type, "integer") == 0) {
        return is_integral(v);
    }
    if (strcmp(type, "number") == 0) {
        return json_is_number(v);
    }
    if (strcmp(type, "boolean") == 0) {
        return json_is_boolean(v);
    }
    if (strcmp(type, "array") == 0) {
        return json_is_array(v);
    }
    if (strcmp(type, "object") == 0) {
        return json_is_object(v);
    }
    if (strcmp(type, "null") == 0) {
        return json_is_null(v);
    }
    return true; /* unknown type names are not ours to reject */
}

static int check_type(const json_t *schema, json_t **value, const char *where, struct qerr *err)
{
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (json_is_null(*value) && json_is_true(json_object_get(schema, "nullable"))) {
        return 0;
    }
    if (type == NULL) {
        return 0;
    }
    if (strcmp(type, "array") == 0 && !json_is_array(*value)) {
        json_t *arr = json_array();
        if (arr == NULL || json_array_append_new(arr, *value) < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        *value = arr;
        return 0;
    }
    if (!type_matches(type, *value)) {
        qerr_set(err, QERR_INVALID, "%s: expected %s, got %s", where, type, type_name(*value));
        return -1;
    }
    return 0;
}

static int check_enum(const json_t *schema, const json_t *value, const char *where,
                      struct qerr *err)
{
    const json_t *e = json_object_get(schema, "enum");
    if (!json_is_array(e)) {
        return 0;
    }
    size_t i;
    const json_t *item;
    json_array_foreach ((json_t *)e, i, item) {
        if (json_equal((json_t *)item, (json_t *)value)) {
            return 0;
        }
        if (json_is_number(item) && json_is_number(value) &&
            json_number_value(item) == json_number_value(value)) {
            return 0;
        }
    }
    qerr_set(err, QERR_INVALID, "%s: not one of the allowed values", where);
    return -1;
}

static int check_number(const json_t *schema, const json_t *value, const char *where,
                        struct qerr *err)
{
    if (!json_is_number(value)) {
        return 0;
    }
    double v = json_number_value(value);
    const json_t *min = json_object_get(schema, "minimum");
    const json_t *max = json_object_get(schema, "maximum");
    const json_t *xmin = json_object_get(schema, "exclusiveMinimum");
    const json_t *xmax = json_object_get(schema, "exclusiveMaximum");
    if (json_is_number(min)) {
        double m = json_number_value(min);
        bool ex = json_is_true(xmin);
        if (ex ? !(v > m) : !(v >= m)) {
            qerr_set(err, QERR_INVALID, "%s: must be %s %g", where, ex ? ">" : ">=", m);
            return -1;
        }
    }
    if (json_is_number(xmin) && !(v > json_number_value(xmin))) {
        qerr_set(err, QERR_INVALID, "%s: must be > %g", where, json_number_value(xmin));
        return -1;
    }
    if (json_is_number(max)) {
        double m = json_number_value(max);
        bool ex = json_is_true(xmax);
        if (ex ? !(v < m) : !(v <= m)) {
            qerr_set(err, QERR_INVALID, "%s: must be %s %g", where, ex ? "<" : "<=", m);
            return -1;
        }
    }
    if (json_is_number(xmax) && !(v < json_number_value(xmax))) {
        qerr_set(err, QERR_INVALID, "%s: must be < %g", where, json_number_value(xmax));
        return -1;
    }
    const json_t *mult = json_object_get(schema, "multipleOf");
    if (json_is_number(mult) && json_number_value(mult) > 0) {
        double q = v / json_number_value(mult);
        double frac = q > -9.0e15 && q < 9.0e15 ? q - (double)(long long)q : 0;
        frac = frac < 0 ? -frac : frac;
        if (frac > 1e-9 && frac < 1 - 1e-9) {
            qerr_set(err, QERR_INVALID, "%s: must be a multiple of %g", where,
                     json_number_value(mult));
            return -1;
        }
    }
    return 0;
}

static size_t utf8_len(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            chars++;
        }
    }
    return chars;
}

bool validate_is_base64(const char *s, size_t len)
{
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c)) {
            continue;
        }
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0 || !(isalnum(c) || c == '+' || c == '/')) {
            return false;
        }
        n++;
    }
    return pad <= 2 && (pad == 0 || (n + pad) % 4 == 0) && n % 4 != 1;
}

/* ECMA-262 patterns as POSIX ERE: \d \w \s and their negations become bracket classes. */
static int translate_pattern(const char *p, struct buf *out, struct qerr *err)
{
    for (; *p != '\0'; p++) {
        const char *rep = NULL;
        if (p[0] == '\\' && p[1] != '\0') {
            switch (p[1]) {
            case 'd': rep = "[0-9]"; break;
            case 'D': rep = "[^0-9]"; break;
            case 'w': rep = "[A-Za-z0-9_]"; break;
            case 'W': rep = "[^A-Za-z0-9_]"; break;
            case 's': rep = "[[:space:]]"; break;
            case 'S': rep = "[^[:space:]]"; break;
            default: break;
            }
        }
        if (rep != NULL) {
            if (buf_puts(out, rep, err) < 0) {
                return -1;
            }
            p++;
        } else if (buf_append(out, p, 1, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/*
 * Whether a pattern is safe to hand to regcomp(): glibc expands repetition
 * into copies of the tree, so long patterns, stacked quantifiers ("a++++")
 * and large counted repeats ("{5000}") can take gigabytes. Such patterns are
 * not enforced (a description with one is the registry's to reject).
 */
static bool pattern_tame(const char *p)
{
    if (strlen(p) > 512) {
        return false;
    }
    /* An upper bound of the copies regcomp may make: every '+' doubles a subtree,
     * every {n,m} repeats one up to max(n,m) times, as if all were nested. */
    long weight = 1;
    int run = 0; /* quantifiers in a row */
    for (; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
            run = 0;
            continue;
        }
        if (*p == '+') {
            weight *= 2;
        } else if (*p == '{') {
            char *end = NULL;
            long n = strtol(p + 1, &end, 10);
            long m = end != NULL && *end == ',' ? strtol(end + 1, NULL, 10) : 0;
            long k = n > m ? n : m;
            if (k > 4096) {
                return false; /* over the bound on its own; multiplying could overflow */
            }
            weight *= k > 1 ? k : 2;
        }
        if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
            run++;
        } else if (*p != '}' && *p != ',' && !(*p >= '0' && *p <= '9')) {
            run = 0;
        }
        if (run > 2 || weight > 4096) {
            return false;
        }
    }
    return true;
}

static int check_pattern(const char *pattern, const char *s, const char *where, struct qerr *err)
{
    if (!pattern_tame(pattern)) {
        return 0;
    }
    struct buf ere;
    buf_init(&ere, 16 * 1024);
    regex_t re;
    int rc = -1;
    if (translate_pattern(pattern, &ere, err) < 0) {
        buf_cleanup(&ere);
        return -1;
    }
    if (regcomp(&re, buf_cstr(&ere), REG_EXTENDED | REG_NOSUB) != 0) {
        buf_cleanup(&ere);
        return 0; /* a pattern we cannot compile is the process's problem, not the client's */
    }
    if (regexec(&re, s, 0, NULL, 0) == 0) {
        rc = 0;
    } else {
        qerr_set(err, QERR_INVALID, "%s: does not match the pattern %.80s", where, pattern);
    }
    regfree(&re);
    buf_cleanup(&ere);
    return rc;
}

static int check_string(const json_t *schema, const json_t *value, const char *where,
                        struct qerr *err)
{
    if (!json_is_string(value)) {
        return 0;
    }
    const char *s = json_string_value(value);
    size_t n = json_string_length(value);
    size_t chars = utf8_len(s, n);
    const json_t *minl = json_object_get(schema, "minLength");
    const json_t *maxl = json_object_get(schema, "maxLength");
    if (json_is_integer(minl) && (json_int_t)chars < json_integer_value(minl)) {
        qerr_set(err, QERR_INVALID, "%s: shorter than %" JSON_INTEGER_FORMAT " characters", where,
                 json_integer_value(minl));
        return -1;
    }
    if (json_is_integer(maxl) && (json_int_t)chars > json_integer_value(maxl)) {
        qerr_set(err, QERR_INVALID, "%s: longer than %" JSON_INTEGER_FORMAT " characters", where,
                 json_integer_value(maxl));
        return -1;
    }
    const char *fmt = json_string_value(json_object_get(schema, "format"));
    if (fmt != NULL && strcmp(fmt, "byte") == 0 && !validate_is_base64(s, n)) {
        qerr_set(err, QERR_INVALID, "%s: not valid base64", where);
        return -1;
    }
    const char *pattern = json_string_value(json_object_get(schema, "pattern"));
    if (pattern != NULL && strlen(s) == n) {
        return check_pattern(pattern, s, where, err);
    }
    return 0;
}

static int check_array(const json_t *schema, json_t *value, const char *where, int depth,
                       struct qerr *err)
{
    if (!json_is_array(value)) {
        return 0;
    }
    size_t n = json_array_size(value);
    const json_t *mini = json_object_get(schema, "minItems");
    const json_t *maxi = json_object_get(schema, "maxItems");
    if (json_is_integer(mini) && (json_int_t)n < json_integer_value(mini)) {
        qerr_set(err, QERR_INVALID, "%s: fewer than %" JSON_INTEGER_FORMAT " items", where,
                 json_integer_value(mini));
        return -1;
    }
    if (json_is_integer(maxi) && (json_int_t)n > json_integer_value(maxi)) {
        qerr_set(err, QERR_INVALID, "%s: more than %" JSON_INTEGER_FORMAT " items", where,
                 json_integer_value(maxi));
        return -1;
    }
    if (json_is_true(json_object_get(schema, "uniqueItems"))) {
        for (size_t i = 0; i < n; i++) {
            for (size_t k = i + 1; k < n; k++) {
                if (json_equal(json_array_get(value, i), json_array_get(value, k))) {
                    qerr_set(err, QERR_INVALID, "%s: items %zu and %zu are equal", where, i, k);
                    return -1;
                }
            }
        }
    }
    const json_t *items = json_object_get(schema, "items");
    if (!json_is_object(items)) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s[%zu]", where, i);
        json_t *item = json_incref(json_array_get(value, i));
        json_t *orig = item;
        int rc = check(items, &item, sub, depth + 1, err);
        if (rc == 0 && item != orig) {
            json_array_set(value, i, item);
        }
        json_decref(item);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int check_properties(const json_t *schema, json_t *value, const char *where, int depth,
                            struct qerr *err)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *addl = json_object_get(schema, "additionalProperties");
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe (value, tmp, key, v) {
        const json_t *ps = json_object_get(props, key);
        char sub[200];
        snprintf(sub, sizeof sub, "%s.%.60s", where, key);
        if (ps == NULL && json_is_false(addl)) {
            qerr_set(err, QERR_INVALID, "%s: property '%.60s' is not allowed", where, key);
            return -1;
        }
        if (ps == NULL) {
            ps = json_is_object(addl) ? addl : NULL;
        }
        if (ps == NULL) {
            continue;
        }
        json_t *item = json_incref(v);
        json_t *orig = item;
        int rc = check(ps, &item, sub, depth + 1, err);
        if (rc == 0 && item != orig) {
            json_object_set(value, key, item);
        }
        json_decref(item);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int check_object(const json_t *schema, json_t *value, const char *where, int depth,
                        struct qerr *err)
{
    if (!json_is_object(value)) {
        return 0;
    }
    const json_t *req = json_object_get(schema, "required");
    size_t i;
    const json_t *name;
    json_array_foreach ((json_t *)req, i, name) {
        if (json_is_string(name) && json_object_get(value, json_string_value(name)) == NULL) {
            qerr_set(err, QERR_INVALID, "%s: property '%.60s' is required", where,
                     json_string_value(name));
            return -1;
        }
    }
    size_t n = json_object_size(value);
    const json_t *minp = json_object_get(schema, "minProperties");
    const json_t *maxp = json_object_get(schema, "maxProperties");
    if ((json_is_integer(minp) && (json_int_t)n < json_integer_value(minp)) ||
        (json_is_integer(maxp) && (json_int_t)n > json_integer_value(maxp))) {
        qerr_set(err, QERR_INVALID, "%s: wrong number of properties", where);
        return -1;
    }
    return check_properties(schema, value, where, depth, err);
}

static int check_bbox(const json_t *schema, const json_t *value, const char *where,
                      struct qerr *err)
{
    const char *fmt = json_string_value(json_object_get(schema, "format"));
    if (fmt == NULL || strcmp(fmt, "ogc-bbox") != 0) {
        return 0;
    }
    const json_t *b = json_object_get(value, "bbox");
    size_t n = json_array_size(b);
    const json_t *crs = json_object_get(value, "crs");
    bool ok = json_is_object(value) && (n == 4 || n == 6) && (crs == NULL || json_is_string(crs));
    for (size_t i = 0; ok && i < n; i++) {
        ok = json_is_number(json_array_get(b, i));
    }
    if (!ok) {
        qerr_set(err, QERR_INVALID, "%s: expected {\"bbox\": [4 or 6 numbers], \"crs\": \"...\"}",
                 where);
        return -1;
    }
    return 0;
}

/*
 * Whether two schemas check the same things: equal once annotations quern
 * cannot check (contentMediaType, contentEncoding, title, description,
 * example) are dropped. oneOf alternatives that differ only there (an
 * image as TIFF or as JPEG 2000) both match one value; that is not an error.
 */
static bool same_checks(const json_t *a, const json_t *b)
{
    static const char *const notes[] = {"contentMediaType", "contentEncoding", "title",
                                        "description", "example"};
    json_t *ca = json_copy((json_t *)a), *cb = json_copy((json_t *)b);
    for (size_t i = 0; i < QUERN_ARRAY_LEN(notes) && ca != NULL && cb != NULL; i++) {
        json_object_del(ca, notes[i]);
        json_object_del(cb, notes[i]);
    }
    bool same = ca != NULL && cb != NULL && json_equal(ca, cb);
    json_decref(ca);
    json_decref(cb);
    return same;
}

/* Runs check on a copy; on success the copy replaces *value. */
static int try_branch(const json_t *schema, json_t **value, const char *where, int depth,
                      struct qerr *err)
{
    json_t *copy = json_deep_copy(*value);
    if (copy == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    if (check(schema, &copy, where, depth + 1, err) < 0) {
        json_decref(copy);
        return -1;
    }
    json_decref(*value);
    *value = copy;
    return 0;
}

static int check_combinators(const json_t *schema, json_t **value, const char *where, int depth,
                             struct qerr *err)
{
    size_t i;
    const json_t *sub;
    json_array_foreach (json_object_get(schema, "allOf"), i, sub) {
        if (try_branch(sub, value, where, depth, err) < 0) {
            return -1;
        }
    }
    const json_t *any = json_object_get(schema, "anyOf");
    if (json_is_array(any) && json_array_size(any) > 0) {
        struct qerr first = QERR_INIT;
        bool ok = false;
        json_array_foreach (any, i, sub) {
            struct qerr e = QERR_INIT;
            if (try_branch(sub, value, where, depth, &e) == 0) {
                ok = true;
                break;
            }
            qerr_set(&first, e.code, "%s", e.msg);
        }
        if (!ok) {
            qerr_set(err, QERR_INVALID, "%s (and no other alternative fits)", first.msg);
            return -1;
        }
    }
    const json_t *one = json_object_get(schema, "oneOf");
    if (json_is_array(one) && json_array_size(one) > 0) {
        size_t matches = 0;
        const json_t *chosen_schema = NULL;
        bool distinct = false;
        json_t *chosen = NULL;
        struct qerr first = QERR_INIT;
        json_array_foreach (one, i, sub) {
            struct qerr e = QERR_INIT;
            json_t *copy = json_deep_copy(*value);
            if (copy != NULL && check(sub, &copy, where, depth + 1, &e) == 0) {
                matches++;
                distinct = distinct || (chosen_schema != NULL && !same_checks(chosen_schema, sub));
                if (chosen == NULL) {
                    chosen = copy;
                    chosen_schema = sub;
                } else {
                    json_decref(copy);
                }
            } else {
                qerr_set(&first, e.code, "%s", e.msg);
                json_decref(copy);
            }
        }
        if (matches == 0 || distinct) {
            json_decref(chosen);
            if (matches == 0) {
                qerr_set(err, QERR_INVALID, "%s (and no other alternative fits)", first.msg);
            } else {
                qerr_set(err, QERR_INVALID, "%s: matches more than one alternative of oneOf",
                         where);
            }
            return -1;
        }
        json_decref(*value);
        *value = chosen;
    }
    const json_t *not = json_object_get(schema, "not");
    if (json_is_object(not)) {
        json_t *copy = json_deep_copy(*value);
        struct qerr e = QERR_INIT;
        int rc = copy != NULL ? check(not, &copy, where, depth + 1, &e) : -1;
        json_decref(copy);
        if (rc == 0) {
            qerr_set(err, QERR_INVALID, "%s: matches a schema it must not", where);
            return -1;
        }
    }
    return 0;
}

static int check(const json_t *schema, json_t **value, const char *where, int depth,
                 struct qerr *err)
{
    if (!json_is_object(schema)) {
        return 0;
    }
    if (depth > MAX_DEPTH) {
        qerr_set(err, QERR_INVALID, "%s: nested too deeply", where);
        return -1;
    }
    if (check_type(schema, value, where, err) < 0) {
        return -1;
    }
    if (json_is_null(*value) && json_is_true(json_object_get(schema, "nullable"))) {
        return 0;
    }
    if (check_enum(schema, *value, where, err) < 0 || check_number(schema, *value, where, err) < 0 ||
        check_string(schema, *value, where, err) < 0 ||
        check_array(schema, *value, where, depth, err) < 0 ||
        check_object(schema, *value, where, depth, err) < 0 ||
        check_bbox(schema, *value, where, err) < 0) {
        return -1;
    }
    return check_combinators(schema, value, where, depth, err);
}

int validate_value(const json_t *schema, json_t **value, const char *where, struct qerr *err)
{
    return check(schema, value, where, 0, err);
}

/* One occurrence of an input: a plain value, a qualified value {"value": v, ...} or a
 * reference {"href": "..."}. Replaces *value with the checked form. */
static int check_occurrence(const json_t *schema, json_t **value, const char *where,
                            struct qerr *err)
{
    struct qerr direct = QERR_INIT;
    if (try_branch(schema, value, where, 0, &direct) == 0) {
        return 0;
    }
    if (direct.code == QERR_NOMEM) {
        qerr_set(err, direct.code, "%s", direct.msg);
        return -1;
    }
    if (json_is_object(*value)) {
        const json_t *href = json_object_get(*value, "href");
        if (json_is_string(href)) {
            const char *h = json_string_value(href);
            if (strncmp(h, "http://", 7) == 0 || strncmp(h, "https://", 8) == 0) {
                return 0;
            }
            qerr_set(err, QERR_INVALID, "%s: href must be an http(s) URL", where);
            return -1;
        }
        json_t *inner = json_object_get(*value, "value");
        if (inner != NULL) {
            json_t *v = json_incref(inner);
            if (check(schema, &v, where, 0, err) < 0) {
                json_decref(v);
                return -1;
            }
            json_object_set_new(*value, "value", v);
            return 0;
        }
    }
    qerr_set(err, direct.code, "%s", direct.msg);
    return -1;
}

static long occurs(const json_t *desc, const char *key, long dflt)
{
    const json_t *v = json_object_get(desc, key);
    if (json_is_integer(v)) {
        return (long)json_integer_value(v);
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "unbounded") == 0) {
        return -1; /* no upper bound */
    }
    return dflt;
}

static bool schema_is_array(const json_t *schema)
{
    const char *t = json_string_value(json_object_get(schema, "type"));
    return t != NULL && strcmp(t, "array") == 0;
}

/* Validates the given input id (value owned, replaced when coerced). */
static int check_input(const char *id, const json_t *desc, json_t **value, struct qerr *err)
{
    const json_t *schema = json_object_get(desc, "schema");
    long min = occurs(desc, "minOccurs", 1), max = occurs(desc, "maxOccurs", 1);
    char where[160];
    snprintf(where, sizeof where, "input '%.100s'", id);
    bool several = json_is_array(*value) &&
                   !(schema_is_array(schema) && !json_is_array(json_array_get(*value, 0))) &&
                   (max != 1 || !schema_is_array(schema));
    if (!several) {
        if (min > 1) {
            qerr_set(err, QERR_INVALID, "%s: at least %ld values are required", where, min);
            return -1;
        }
        return check_occurrence(schema, value, where, err);
    }
    size_t n = json_array_size(*value);
    if ((long)n < min || (max >= 0 && (long)n > max)) {
        qerr_set(err, QERR_INVALID, "%s: %zu values given; %ld to %s allowed", where, n, min,
                 max < 0 ? "unbounded" : (max == 1 ? "1" : "maxOccurs"));
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s[%zu]", where, i);
        json_t *item = json_incref(json_array_get(*value, i));
        int rc = check_occurrence(schema, &item, sub, err);
        if (rc == 0) {
            json_array_set(*value, i, item);
        }
        json_decref(item);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

json_t *validate_inputs(const json_t *descs, const json_t *inputs, struct qerr *err)
{
    if (inputs != NULL && !json_is_object(inputs)) {
        qerr_set(err, QERR_INVALID, "inputs must be an object keyed by input id");
        return NULL;
    }
    json_t *out = json_object();
    if (out == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    const char *id;
    json_t *v;
    json_object_foreach ((json_t *)inputs, id, v) {
        if (json_object_get(descs, id) == NULL) {
            qerr_set(err, QERR_INVALID, "unknown input '%.100s'", id);
            goto fail;
        }
    }
    const json_t *desc;
    json_object_foreach ((json_t *)descs, id, desc) {
        json_t *given = json_object_get(inputs, id);
        if (given == NULL) {
            const json_t *dflt = json_object_get(json_object_get(desc, "schema"), "default");
            if (occurs(desc, "minOccurs", 1) > 0) {
                qerr_set(err, QERR_INVALID, "input '%.100s' is required", id);
                goto fail;
            }
            if (dflt != NULL) {
                json_object_set_new(out, id, json_deep_copy(dflt));
            }
            continue;
        }
        json_t *value = json_deep_copy(given);
        if (value == NULL || check_input(id, desc, &value, err) < 0) {
            json_decref(value);
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto fail;
        }
        json_object_set_new(out, id, value);
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}
