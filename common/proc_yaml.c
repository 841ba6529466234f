// SPDX-License-Identifier: MIT
/* proc_yaml - a plugin file as a bounded YAML document with positions; see proc_yaml.h. */
#include "common/compat.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/proc_yaml.h"

int proc_yaml_load(struct proc_yaml *y, const char *file, const char *text, size_t len,
                   struct proc_diags *diags)
{
    memset(y, 0, sizeof *y);
    y->file = file;
    y->diags = diags;
    if (len > PROC_YAML_MAX_BYTES) {
        proc_yaml_diag_at(y, 1, 1, "file is larger than %d bytes", PROC_YAML_MAX_BYTES);
        return -1;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        proc_yaml_diag_at(y, 1, 1, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &y->doc)) {
        const char *problem = parser.problem != NULL ? parser.problem : "invalid YAML";
        if (parser.context != NULL) {
            proc_yaml_diag_at(y, (unsigned)parser.problem_mark.line + 1,
                              (unsigned)parser.problem_mark.column + 1, "YAML syntax error: %s %s",
                              parser.context, problem);
        } else {
            proc_yaml_diag_at(y, (unsigned)parser.problem_mark.line + 1,
                              (unsigned)parser.problem_mark.column + 1, "YAML syntax error: %s",
                              problem);
        }
        rc = -1;
    } else {
        y->loaded = true;
        yaml_document_t next;
        if (yaml_parser_load(&parser, &next)) {
            yaml_node_t *root = yaml_document_get_root_node(&next);
            if (root != NULL) {
                proc_yaml_diag(y, root,
                               "a plugin file holds one YAML document; found a second one");
            }
            yaml_document_delete(&next);
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

void proc_yaml_cleanup(struct proc_yaml *y)
{
    if (y->loaded) {
        yaml_document_delete(&y->doc);
        y->loaded = false;
    }
    for (size_t i = 0; i < y->nmarks; i++) {
        free(y->marks[i].key);
    }
    QFREE(y->marks);
    y->nmarks = y->capmarks = 0;
}

yaml_node_t *proc_yaml_root(struct proc_yaml *y)
{
    return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *proc_yaml_node(struct proc_yaml *y, int id)
{
    return yaml_document_get_node(&y->doc, id);
}

static void vdiag(struct proc_yaml *y, unsigned line, unsigned col, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    proc_diags_add(y->diags, y->file, line, col, "%s", msg);
}

void proc_yaml_diag(struct proc_yaml *y, const yaml_node_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    unsigned line = at != NULL ? (unsigned)at->start_mark.line + 1 : 1;
    unsigned col = at != NULL ? (unsigned)at->start_mark.column + 1 : 1;
    vdiag(y, line, col, fmt, ap);
    va_end(ap);
}

void proc_yaml_diag_at(struct proc_yaml *y, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(y, line, col, fmt, ap);
    va_end(ap);
}

static bool is_plain(const yaml_node_t *n)
{
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
           n->data.scalar.style == YAML_ANY_SCALAR_STYLE;
}

static bool has_default_tag(const yaml_node_t *n)
{
    return n->tag == NULL || strcmp((const char *)n->tag, YAML_DEFAULT_SCALAR_TAG) == 0;
}

bool proc_yaml_is_null(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        return false;
    }
    if (n->tag != NULL && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0) {
        return true;
    }
    if (!is_plain(n) || !has_default_tag(n)) {
        return false;
    }
    const char *v = (const char *)n->data.scalar.value;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

const char *proc_yaml_what(const yaml_node_t *n)
{
    if (n == NULL || proc_yaml_is_null(n)) {
        return "null";
    }
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

const char *proc_yaml_scalar(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE || proc_yaml_is_null(n)) {
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

/* The key text of a pair, or NULL when the key is not a usable scalar. */
static const char *key_text(const yaml_node_t *k)
{
    const char *s = proc_yaml_scalar(k);
    if (s == NULL || s[0] == '\0' || strlen(s) != k->data.scalar.length) {
        return NULL;
    }
    return s;
}

bool proc_yaml_map_check(struct proc_yaml *y, const yaml_node_t *n, const char *path,
                         const char *const *allowed)
{
    if (n == NULL || n->type != YAML_MAPPING_NODE) {
        proc_yaml_diag(y, n, "%s must be a mapping, not %s", path, proc_yaml_what(n));
        return false;
    }
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > PROC_YAML_MAX_KEYS) {
        proc_yaml_diag(y, n, "%s has more than %d keys", path, PROC_YAML_MAX_KEYS);
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = proc_yaml_node(y, p->key);
        const char *name = key_text(k);
        if (name == NULL) {
            proc_yaml_diag(y, k, "keys of %s must be non-empty strings", path);
            continue;
        }
        bool dup = false;
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p && !dup; q++) {
            yaml_node_t *k2 = proc_yaml_node(y, q->key);
            const char *other = key_text(k2);
            if (other != NULL && strcmp(other, name) == 0) {
                proc_yaml_diag(y, k, "duplicate key '%s' in %s (first at line %u)", name, path,
                               (unsigned)k2->start_mark.line + 1);
                dup = true;
            }
        }
        if (dup || allowed == NULL) {
            continue;
        }
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++) {
            known = strcmp(allowed[i], name) == 0;
        }
        if (!known) {
            const char *hint = proc_yaml_suggest(name, allowed);
            if (hint != NULL) {
                proc_yaml_diag(y, k, "unknown key '%s' in %s (did you mean '%s'?)", name, path,
                               hint);
            } else {
                proc_yaml_diag(y, k, "unknown key '%s' in %s", name, path);
            }
        }
    }
    return true;
}

yaml_node_t *proc_yaml_map_get(struct proc_yaml *y, const yaml_node_t *map, const char *key,
                               yaml_node_t **key_node)
{
    if (key_node != NULL) {
        *key_node = NULL;
    }
    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = proc_yaml_node(y, p->key);
        const char *name = key_text(k);
        if (name != NULL && strcmp(name, key) == 0) {
            if (key_node != NULL) {
                *key_node = k;
            }
            return proc_yaml_node(y, p->value);
        }
    }
    return NULL;
}

void proc_yaml_map_each(struct proc_yaml *y, const yaml_node_t *map, proc_yaml_pair_fn fn,
                        void *ctx)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        return;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = proc_yaml_node(y, p->key);
        const char *name = key_text(k);
        if (name == NULL) {
            continue;
        }
        /* Skip later duplicates: proc_yaml_map_check reported them. */
        bool dup = false;
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p && !dup; q++) {
            const char *other = key_text(proc_yaml_node(y, q->key));
            dup = other != NULL && strcmp(other, name) == 0;
        }
        if (!dup) {
            fn(y, k, proc_yaml_node(y, p->value), ctx);
        }
    }
}

/* --- YAML values to JSON ------------------------------------------------ */

static bool add_mark(struct proc_yaml *y, const json_t *parent, const char *key,
                     const yaml_node_t *kn, const yaml_node_t *vn)
{
    if (y->nmarks == y->capmarks) {
        size_t cap = y->capmarks == 0 ? 64 : y->capmarks * 2;
        struct proc_yaml_mark *m = realloc(y->marks, cap * sizeof *m);
        if (m == NULL) {
            return false;
        }
        y->marks = m;
        y->capmarks = cap;
    }
    struct proc_yaml_mark *m = &y->marks[y->nmarks];
    m->parent = parent;
    m->key = NULL;
    if (key != NULL) {
        m->key = strdup(key);
        if (m->key == NULL) {
            return false;
        }
    }
    m->kline = kn != NULL ? (unsigned)kn->start_mark.line + 1 : 0;
    m->kcol = kn != NULL ? (unsigned)kn->start_mark.column + 1 : 0;
    m->vline = (unsigned)vn->start_mark.line + 1;
    m->vcol = (unsigned)vn->start_mark.column + 1;
    y->nmarks++;
    return true;
}

bool proc_yaml_mark_of(const struct proc_yaml *y, const json_t *parent, const char *key,
                       bool on_key, unsigned *line, unsigned *col)
{
    for (size_t i = 0; i < y->nmarks; i++) {
        const struct proc_yaml_mark *m = &y->marks[i];
        if (m->parent != parent) {
            continue;
        }
        if ((key == NULL) != (m->key == NULL) || (key != NULL && strcmp(key, m->key) != 0)) {
            continue;
        }
        bool use_key = on_key && key != NULL;
        *line = use_key ? m->kline : m->vline;
        *col = use_key ? m->kcol : m->vcol;
        return true;
    }
    return false;
}

static bool all_digits(const char *s, const char *set)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (strchr(set, *s) == NULL) {
            return false;
        }
    }
    return true;
}

/* YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_text(const char *s)
{
    if (*s == '-' || *s == '+') {
        s++;
    }
    size_t intd = strspn(s, "0123456789");
    s += intd;
    size_t fracd = 0;
    if (*s == '.') {
        s++;
        fracd = strspn(s, "0123456789");
        s += fracd;
    }
    if (intd == 0 && fracd == 0) {
        return false;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') {
            s++;
        }
        size_t e = strspn(s, "0123456789");
        if (e == 0) {
            return false;
        }
        s += e;
    }
    return *s == '\0';
}

static json_t *plain_scalar(struct proc_yaml *y, const yaml_node_t *n, const char *path)
{
    const char *v = (const char *)n->data.scalar.value;
    if (proc_yaml_is_null(n)) {
        return json_null();
    }
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0) {
        return json_true();
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0) {
        return json_false();
    }
    const char *digits = (*v == '-' || *v == '+') ? v + 1 : v;
    int base = 0;
    if (all_digits(digits, "0123456789")) {
        base = 10;
    } else if (strncmp(v, "0x", 2) == 0 && all_digits(v + 2, "0123456789abcdefABCDEF")) {
        base = 16;
    } else if (strncmp(v, "0o", 2) == 0 && all_digits(v + 2, "01234567")) {
        base = 8;
    }
    if (base != 0) {
        errno = 0;
        const char *start = base == 10 ? v : v + 2;
        long long i = strtoll(start, NULL, base);
        if (errno == ERANGE) {
            proc_yaml_diag(y, n, "%s: integer %s is out of range", path, v);
            return NULL;
        }
        return json_integer((json_int_t)i);
    }
    if (strcmp(v, ".inf") == 0 || strcmp(v, "-.inf") == 0 || strcmp(v, "+.inf") == 0 ||
        strcmp(v, ".nan") == 0 || strcmp(v, ".NaN") == 0 || strcmp(v, ".Inf") == 0) {
        proc_yaml_diag(y, n, "%s: %s cannot be represented in JSON", path, v);
        return NULL;
    }
    if (is_float_text(v)) {
        double d = strtod(v, NULL);
        if (!isfinite(d)) {
            proc_yaml_diag(y, n, "%s: number %s is out of range", path, v);
            return NULL;
        }
        return json_real(d);
    }
    return json_stringn(v, n->data.scalar.length);
}

static json_t *scalar_json(struct proc_yaml *y, const yaml_node_t *n, const char *path)
{
    const char *v = (const char *)n->data.scalar.value;
    if (has_default_tag(n)) {
        if (is_plain(n)) {
            return plain_scalar(y, n, path);
        }
        return json_stringn(v, n->data.scalar.length);
    }
    const char *tag = (const char *)n->tag;
    if (strcmp(tag, YAML_STR_TAG) == 0) {
        return json_stringn(v, n->data.scalar.length);
    }
    if (strcmp(tag, YAML_NULL_TAG) == 0 || strcmp(tag, YAML_BOOL_TAG) == 0 ||
        strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0) {
        json_t *j = plain_scalar(y, n, path);
        bool ok = j != NULL && ((strcmp(tag, YAML_NULL_TAG) == 0 && json_is_null(j)) ||
                                (strcmp(tag, YAML_BOOL_TAG) == 0 && json_is_boolean(j)) ||
                                (strcmp(tag, YAML_INT_TAG) == 0 && json_is_integer(j)) ||
                                (strcmp(tag, YAML_FLOAT_TAG) == 0 && json_is_number(j)));
        if (!ok && j != NULL) {
            proc_yaml_diag(y, n, "%s: '%s' does not match its tag %s", path, v, tag);
            json_decref(j);
            return NULL;
        }
        if (j != NULL && strcmp(tag, YAML_FLOAT_TAG) == 0 && json_is_integer(j)) {
            json_t *r = json_real((double)json_integer_value(j));
            json_decref(j);
            return r;
        }
        return j;
    }
    proc_yaml_diag(y, n, "%s: unsupported YAML tag %s", path, tag);
    return NULL;
}

static json_t *to_json(struct proc_yaml *y, const yaml_node_t *n, const char *path, int depth);

static json_t *seq_json(struct proc_yaml *y, const yaml_node_t *n, const char *path, int depth)
{
    json_t *arr = json_array();
    bool ok = arr != NULL && add_mark(y, arr, NULL, NULL, n);
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; ok && it < n->data.sequence.items.top;
         it++, i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        json_t *v = to_json(y, proc_yaml_node(y, *it), sub, depth + 1);
        if (v == NULL) {
            ok = false;
            continue;
        }
        if (json_array_append_new(arr, v) < 0) {
            ok = false;
        }
    }
    if (!ok) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *map_json(struct proc_yaml *y, const yaml_node_t *n, const char *path, int depth)
{
    json_t *obj = json_object();
    bool ok = obj != NULL && add_mark(y, obj, NULL, NULL, n);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         obj != NULL && p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = proc_yaml_node(y, p->key);
        yaml_node_t *v = proc_yaml_node(y, p->value);
        const char *name =
            k != NULL && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
        if (name == NULL || strlen(name) != k->data.scalar.length) {
            proc_yaml_diag(y, k, "%s: keys must be strings", path);
            ok = false;
            continue;
        }
        if (json_object_get(obj, name) != NULL) {
            unsigned line = 0;
            unsigned col = 0;
            proc_yaml_mark_of(y, obj, name, true, &line, &col);
            proc_yaml_diag(y, k, "%s: duplicate key '%s' (first at line %u)", path, name, line);
            ok = false;
            continue;
        }
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s", path, name);
        json_t *jv = to_json(y, v, sub, depth + 1);
        if (jv == NULL) {
            ok = false;
            continue;
        }
        if (json_object_set_new(obj, name, jv) < 0 || !add_mark(y, obj, name, k, v)) {
            ok = false;
        }
    }
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *to_json(struct proc_yaml *y, const yaml_node_t *n, const char *path, int depth)
{
    if (n == NULL) {
        return json_null();
    }
    if (depth > PROC_YAML_MAX_DEPTH) {
        proc_yaml_diag(y, n, "%s: nested deeper than %d levels", path, PROC_YAML_MAX_DEPTH);
        return NULL;
    }
    if (++y->nodes > PROC_YAML_MAX_NODES) {
        if (!y->limit_reported) {
            proc_yaml_diag(y, n,
                           "%s: the file has more than %d values (aliases expanding too far?)",
                           path, PROC_YAML_MAX_NODES);
            y->limit_reported = true;
        }
        return NULL;
    }
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return scalar_json(y, n, path);
    case YAML_SEQUENCE_NODE:
        return seq_json(y, n, path, depth);
    case YAML_MAPPING_NODE:
        return map_json(y, n, path, depth);
    default:
        return json_null();
    }
}

json_t *proc_yaml_to_json(struct proc_yaml *y, const yaml_node_t *n, const char *path)
{
    /* Marks describe the latest conversion only: values of earlier ones may have been
     * freed, and their addresses reused. */
    for (size_t i = 0; i < y->nmarks; i++) {
        free(y->marks[i].key);
    }
    y->nmarks = 0;
    y->limit_reported = false; /* once per value converted */
    return to_json(y, n, path, 0);
}

/* --- suggestions ------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la > 63 || lb > 63) {
        return 99;
    }
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *proc_yaml_suggest(const char *s, const char *const *names)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        size_t d = edit_distance(s, names[i]);
        if (d < best_d && 2 * d <= strlen(s)) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}
