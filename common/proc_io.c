// SPDX-License-Identifier: MIT
/* proc_io - inputs and outputs of a plugin file (map and SEPEX list forms); see proc_io.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "common/proc_io.h"
#include "common/proc_schema.h"
#include "common/qstr.h"

static const char *const input_keys[] = {"title",  "description", "keywords",  "metadata",
                                         "schema", "minOccurs",   "maxOccurs", NULL};
static const char *const output_keys[] = {"title",    "description", "keywords",
                                          "metadata", "schema",      NULL};
static const char *const sepex_input_keys[] = {"id",        "title", "description", "keywords",
                                               "metadata",  "input", "schema",      "minOccurs",
                                               "maxOccurs", NULL};
static const char *const sepex_output_keys[] = {
    "id", "title", "description", "keywords", "metadata", "output", "inputId", "schema", NULL};

const char *proc_io_string(struct proc_yaml *y, const yaml_node_t *n, const char *path)
{
    const char *s = proc_yaml_scalar(n);
    if (s == NULL) {
        proc_yaml_diag(y, n, "%s must be a string, not %s", path, proc_yaml_what(n));
        return NULL;
    }
    if (strlen(s) != n->data.scalar.length) {
        proc_yaml_diag(y, n, "%s must not contain NUL bytes", path);
        return NULL;
    }
    return s;
}

void proc_io_keywords(struct proc_yaml *y, const yaml_node_t *n, const char *path, json_t **out)
{
    *out = NULL;
    if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
        proc_yaml_diag(y, n, "%s must be a list of strings, not %s", path, proc_yaml_what(n));
        return;
    }
    json_t *arr = json_array();
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        const char *s = proc_io_string(y, proc_yaml_node(y, *it), sub);
        if (s != NULL && arr != NULL) {
            json_array_append_new(arr, json_string(s));
        }
    }
    *out = arr;
}

void proc_io_metadata(struct proc_yaml *y, const yaml_node_t *n, const char *path, json_t **out)
{
    static const char *const keys[] = {"title", "role", "href", NULL};
    *out = NULL;
    if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
        proc_yaml_diag(y, n, "%s must be a list of {title, role, href} mappings, not %s", path,
                       proc_yaml_what(n));
        return;
    }
    json_t *arr = json_array();
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        yaml_node_t *m = proc_yaml_node(y, *it);
        if (!proc_yaml_map_check(y, m, sub, keys)) {
            continue;
        }
        json_t *o = json_object();
        for (size_t k = 0; keys[k] != NULL; k++) {
            yaml_node_t *v = proc_yaml_map_get(y, m, keys[k], NULL);
            char vp[300];
            snprintf(vp, sizeof vp, "%s.%s", sub, keys[k]);
            const char *s = v != NULL ? proc_io_string(y, v, vp) : NULL;
            if (s != NULL && o != NULL) {
                json_object_set_new(o, keys[k], json_string(s));
            }
        }
        if (arr != NULL && o != NULL) {
            json_array_append_new(arr, o);
        } else {
            json_decref(o);
        }
    }
    *out = arr;
}

/* --- schemas ------------------------------------------------------------ */

struct schema_ctx {
    struct proc_yaml *y;
    const yaml_node_t *node;
};

static void schema_problem(void *ctx, const json_t *at, const char *key, bool on_key,
                           const char *msg)
{
    struct schema_ctx *sc = ctx;
    unsigned line = (unsigned)sc->node->start_mark.line + 1;
    unsigned col = (unsigned)sc->node->start_mark.column + 1;
    if (at != NULL && !proc_yaml_mark_of(sc->y, at, key, on_key, &line, &col)) {
        proc_yaml_mark_of(sc->y, at, NULL, false, &line, &col);
    }
    proc_yaml_diag_at(sc->y, line, col, "%s", msg);
}

static json_t *read_schema(struct proc_yaml *y, const yaml_node_t *n, const char *path)
{
    json_t *s = proc_yaml_to_json(y, n, path);
    if (s == NULL) {
        return NULL;
    }
    struct schema_ctx sc = {y, n};
    if (proc_schema_check(s, path, schema_problem, &sc) > 0) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* SEPEX: input.literalDataDomain {dataType, valueDefinition {anyValue, possibleValues},
 * defaultValue}. */
static const char *literal_type(struct proc_yaml *y, const yaml_node_t *dom, const char *path)
{
    static const struct {
        const char *name;
        const char *type;
    } map[] = {{"string", "string"}, {"integer", "integer"}, {"int", "integer"},
               {"long", "integer"},  {"number", "number"},   {"double", "number"},
               {"float", "number"},  {"decimal", "number"},  {"boolean", "boolean"},
               {"bool", "boolean"}};
    yaml_node_t *dt = proc_yaml_map_get(y, dom, "dataType", NULL);
    if (dt == NULL) {
        return "string";
    }
    if (dt->type == YAML_MAPPING_NODE) {
        dt = proc_yaml_map_get(y, dt, "name", NULL);
    }
    char sub[300];
    snprintf(sub, sizeof sub, "%s.dataType", path);
    const char *name = proc_io_string(y, dt, sub);
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(map); i++) {
        if (strcmp(map[i].name, name) == 0) {
            return map[i].type;
        }
    }
    proc_yaml_diag(y, dt, "%s: '%s' is not one of string, integer, number, boolean", sub, name);
    return NULL;
}

static bool literal_value_ok(const json_t *v, const char *type)
{
    if (strcmp(type, "integer") == 0) {
        return json_is_integer(v);
    }
    if (strcmp(type, "number") == 0) {
        return json_is_number(v);
    }
    return json_is_boolean(v);
}

/* A value of the literal's type: strings keep the YAML text, others are converted and checked. */
static json_t *literal_value(struct proc_yaml *y, const yaml_node_t *n, const char *type,
                             const char *path)
{
    if (strcmp(type, "string") == 0) {
        const char *s = proc_io_string(y, n, path);
        return s != NULL ? json_string(s) : NULL;
    }
    json_t *v = proc_yaml_to_json(y, n, path);
    if (v != NULL && !literal_value_ok(v, type)) {
        proc_yaml_diag(y, n, "%s must be of type %s", path, type);
        json_decref(v);
        return NULL;
    }
    return v;
}

static json_t *literal_schema(struct proc_yaml *y, const yaml_node_t *input, const char *path)
{
    static const char *const in_keys[] = {"literalDataDomain", NULL};
    static const char *const dom_keys[] = {"dataType", "valueDefinition", "defaultValue", "uom",
                                           NULL};
    static const char *const vd_keys[] = {"anyValue", "possibleValues", NULL};
    char p[300];
    snprintf(p, sizeof p, "%s.input", path);
    if (!proc_yaml_map_check(y, input, p, in_keys)) {
        return NULL;
    }
    yaml_node_t *dom = proc_yaml_map_get(y, input, "literalDataDomain", NULL);
    snprintf(p, sizeof p, "%s.input.literalDataDomain", path);
    if (dom == NULL) {
        proc_yaml_diag(y, input,
                       "%s is required (the only input form quern reads from SEPEX files)", p);
        return NULL;
    }
    if (!proc_yaml_map_check(y, dom, p, dom_keys)) {
        return NULL;
    }
    const char *type = literal_type(y, dom, p);
    if (type == NULL) {
        return NULL;
    }
    json_t *s = json_pack("{ss}", "type", type);
    yaml_node_t *vd = proc_yaml_map_get(y, dom, "valueDefinition", NULL);
    char vp[340];
    snprintf(vp, sizeof vp, "%s.valueDefinition", p);
    if (vd != NULL && !proc_yaml_is_null(vd) && proc_yaml_map_check(y, vd, vp, vd_keys)) {
        yaml_node_t *pv = proc_yaml_map_get(y, vd, "possibleValues", NULL);
        if (pv != NULL && pv->type != YAML_SEQUENCE_NODE) {
            proc_yaml_diag(y, pv, "%s.possibleValues must be a list", vp);
        } else if (pv != NULL && pv->data.sequence.items.top > pv->data.sequence.items.start) {
            json_t *e = json_array();
            size_t i = 0;
            for (yaml_node_item_t *it = pv->data.sequence.items.start;
                 it < pv->data.sequence.items.top; it++, i++) {
                char ip[380];
                snprintf(ip, sizeof ip, "%s.possibleValues[%zu]", vp, i);
                json_t *v = literal_value(y, proc_yaml_node(y, *it), type, ip);
                if (v != NULL) {
                    json_array_append_new(e, v);
                }
            }
            json_object_set_new(s, "enum", e);
        }
    }
    yaml_node_t *dv = proc_yaml_map_get(y, dom, "defaultValue", NULL);
    if (dv != NULL) {
        char dp[340];
        snprintf(dp, sizeof dp, "%s.defaultValue", p);
        json_t *v = literal_value(y, dv, type, dp);
        if (v != NULL) {
            json_object_set_new(s, "default", v);
        }
    }
    return s;
}

/* --- entries ------------------------------------------------------------ */

static bool read_count(struct proc_yaml *y, const yaml_node_t *n, const char *path, long min,
                       bool unbounded_ok, long *out)
{
    const char *s = proc_yaml_scalar(n);
    if (unbounded_ok && s != NULL && strcmp(s, "unbounded") == 0) {
        *out = -1;
        return true;
    }
    if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        qstr_to_long(s, min, 1000000, out) < 0) {
        proc_yaml_diag(y, n, "%s must be an integer >= %ld%s", path, min,
                       unbounded_ok ? " or \"unbounded\"" : "");
        return false;
    }
    return true;
}

/* minOccurs and maxOccurs into desc; false after reporting a problem. */
static bool read_occurs(struct proc_yaml *y, const yaml_node_t *e, const char *path, json_t *desc)
{
    long min = 1;
    long max = 1;
    char p[300];
    yaml_node_t *n = proc_yaml_map_get(y, e, "minOccurs", NULL);
    snprintf(p, sizeof p, "%s.minOccurs", path);
    bool ok = n == NULL || read_count(y, n, p, 0, false, &min);
    yaml_node_t *x = proc_yaml_map_get(y, e, "maxOccurs", NULL);
    snprintf(p, sizeof p, "%s.maxOccurs", path);
    ok = (x == NULL || read_count(y, x, p, 1, true, &max)) && ok;
    if (ok && max >= 0 && max < min) {
        proc_yaml_diag(y, x, "%s (%ld) is less than minOccurs (%ld)", p, max, min);
        ok = false;
    }
    if (!ok) {
        return false;
    }
    json_object_set_new(desc, "minOccurs", json_integer(min));
    json_object_set_new(desc, "maxOccurs", max < 0 ? json_string("unbounded") : json_integer(max));
    return true;
}

/* title, description, keywords, metadata. */
static bool read_describe(struct proc_yaml *y, const yaml_node_t *e, const char *id,
                          const char *path, json_t *desc)
{
    bool ok = true;
    static const char *const texts[] = {"title", "description"};
    for (size_t i = 0; i < 2; i++) {
        yaml_node_t *v = proc_yaml_map_get(y, e, texts[i], NULL);
        char p[300];
        snprintf(p, sizeof p, "%s.%s", path, texts[i]);
        const char *s = v != NULL ? proc_io_string(y, v, p) : (i == 0 ? id : "");
        ok = ok && s != NULL;
        json_object_set_new(desc, texts[i], json_string(s != NULL ? s : ""));
    }
    static const char *const lists[] = {"keywords", "metadata"};
    for (size_t i = 0; i < 2; i++) {
        yaml_node_t *v = proc_yaml_map_get(y, e, lists[i], NULL);
        if (v == NULL) {
            continue;
        }
        char p[300];
        snprintf(p, sizeof p, "%s.%s", path, lists[i]);
        json_t *arr = NULL;
        size_t before = proc_diags_count(y->diags);
        if (i == 0) {
            proc_io_keywords(y, v, p, &arr);
        } else {
            proc_io_metadata(y, v, p, &arr);
        }
        ok = ok && arr != NULL && proc_diags_count(y->diags) == before;
        if (arr != NULL) {
            json_object_set_new(desc, lists[i], arr);
        }
    }
    return ok;
}

/* SEPEX outputs: output.transmissionMode is checked and otherwise ignored. */
static bool check_sepex_output(struct proc_yaml *y, const yaml_node_t *e, const char *path)
{
    static const char *const keys[] = {"transmissionMode", NULL};
    yaml_node_t *o = proc_yaml_map_get(y, e, "output", NULL);
    char p[300];
    snprintf(p, sizeof p, "%s.output", path);
    if (o == NULL || proc_yaml_is_null(o)) {
        return true;
    }
    if (!proc_yaml_map_check(y, o, p, keys)) {
        return false;
    }
    yaml_node_t *tm = proc_yaml_map_get(y, o, "transmissionMode", NULL);
    if (tm == NULL || tm->type != YAML_SEQUENCE_NODE) {
        return tm == NULL;
    }
    bool ok = true;
    for (yaml_node_item_t *it = tm->data.sequence.items.start; it < tm->data.sequence.items.top;
         it++) {
        const char *s = proc_yaml_scalar(proc_yaml_node(y, *it));
        if (s == NULL || (strcmp(s, "value") != 0 && strcmp(s, "reference") != 0)) {
            proc_yaml_diag(y, proc_yaml_node(y, *it),
                           "%s.transmissionMode: items must be value or reference", p);
            ok = false;
        }
    }
    return ok;
}

struct entry_spec {
    bool input;
    bool list_form;
};

static json_t *read_entry(struct proc_yaml *y, const char *id, const yaml_node_t *e,
                          const char *path, const struct entry_spec *spec)
{
    const char *const *keys = spec->input ? (spec->list_form ? sepex_input_keys : input_keys)
                                          : (spec->list_form ? sepex_output_keys : output_keys);
    size_t before = proc_diags_count(y->diags);
    if (!proc_yaml_map_check(y, e, path, keys)) {
        return NULL;
    }
    json_t *desc = json_object();
    if (desc == NULL) {
        return NULL;
    }
    bool ok = read_describe(y, e, id, path, desc);
    yaml_node_t *sn = proc_yaml_map_get(y, e, "schema", NULL);
    yaml_node_t *in = spec->list_form ? proc_yaml_map_get(y, e, "input", NULL) : NULL;
    char p[300];
    snprintf(p, sizeof p, "%s.schema", path);
    json_t *schema = NULL;
    if (sn != NULL) {
        schema = read_schema(y, sn, p);
    } else if (in != NULL) {
        schema = literal_schema(y, in, path);
    } else if (spec->list_form && !spec->input) {
        schema = json_object(); /* a SEPEX output says nothing of its values */
    } else {
        proc_yaml_diag(y, e, "%s is required", p);
    }
    if (sn != NULL && in != NULL) {
        proc_yaml_diag(y, in, "%s: give either schema or input, not both", path);
        ok = false;
    }
    if (spec->list_form && !spec->input) {
        ok = check_sepex_output(y, e, path) && ok;
    }
    ok = schema != NULL && ok;
    if (schema != NULL) {
        json_object_set_new(desc, "schema", schema);
    }
    if (spec->input) {
        ok = read_occurs(y, e, path, desc) && ok;
    }
    if (!ok || proc_diags_count(y->diags) != before) {
        json_decref(desc);
        return NULL;
    }
    return desc;
}

struct io_walk {
    json_t *out;
    const char *section;
    struct entry_spec spec;
};

static bool check_id(struct proc_yaml *y, const yaml_node_t *at, const char *id,
                     const struct io_walk *w)
{
    if (!qstr_is_id(id, PROC_IO_MAX_ID)) {
        proc_yaml_diag(y, at,
                       "%s: '%s' is not a valid id (letters, digits, '.', '_', '-'; at most %d)",
                       w->section, id, PROC_IO_MAX_ID);
        return false;
    }
    return true;
}

static void add_entry(struct proc_yaml *y, struct io_walk *w, const char *id, const yaml_node_t *at,
                      const yaml_node_t *e)
{
    char path[300];
    snprintf(path, sizeof path, "%s.%s", w->section, id);
    json_t *desc = read_entry(y, id, e, path, &w->spec);
    if (desc != NULL && w->out != NULL) {
        json_object_set_new(w->out, id, desc);
    } else {
        json_decref(desc);
    }
    (void)at;
}

static void map_pair(struct proc_yaml *y, yaml_node_t *key, yaml_node_t *value, void *ctx)
{
    struct io_walk *w = ctx;
    const char *id = proc_yaml_scalar(key);
    if (check_id(y, key, id, w)) {
        add_entry(y, w, id, key, value);
    }
}

/* SEPEX list form: - id: x ... */
static void read_list(struct proc_yaml *y, const yaml_node_t *n, struct io_walk *w)
{
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *e = proc_yaml_node(y, *it);
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", w->section, i);
        if (e == NULL || e->type != YAML_MAPPING_NODE) {
            proc_yaml_diag(y, e, "%s must be a mapping, not %s", path, proc_yaml_what(e));
            continue;
        }
        yaml_node_t *idn = proc_yaml_map_get(y, e, "id", NULL);
        if (idn == NULL) {
            proc_yaml_diag(y, e, "%s.id is required", path);
            continue;
        }
        char idp[80];
        snprintf(idp, sizeof idp, "%s.id", path);
        const char *id = proc_io_string(y, idn, idp);
        if (id == NULL || !check_id(y, idn, id, w)) {
            continue;
        }
        bool dup = false;
        for (yaml_node_item_t *jt = n->data.sequence.items.start; jt < it && !dup; jt++) {
            yaml_node_t *o = proc_yaml_map_get(y, proc_yaml_node(y, *jt), "id", NULL);
            const char *oid = proc_yaml_scalar(o);
            if (oid != NULL && strcmp(oid, id) == 0) {
                proc_yaml_diag(y, idn, "%s: duplicate id '%s' (first at line %u)", w->section, id,
                               (unsigned)o->start_mark.line + 1);
                dup = true;
            }
        }
        if (!dup) {
            add_entry(y, w, id, idn, e);
        }
    }
}

static json_t *read_section(struct proc_yaml *y, const yaml_node_t *n, const char *section,
                            bool input)
{
    struct io_walk w = {json_object(), section, {input, false}};
    if (w.out == NULL || n == NULL || proc_yaml_is_null(n)) {
        return w.out;
    }
    if (n->type == YAML_SEQUENCE_NODE &&
        n->data.sequence.items.top - n->data.sequence.items.start > PROC_YAML_MAX_KEYS) {
        proc_yaml_diag(y, n, "%s has more than %d entries", section, PROC_YAML_MAX_KEYS);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        w.spec.list_form = true;
        read_list(y, n, &w);
    } else if (proc_yaml_map_check(y, n, section, NULL)) {
        proc_yaml_map_each(y, n, map_pair, &w);
    }
    return w.out;
}

json_t *proc_io_inputs(struct proc_yaml *y, const yaml_node_t *n)
{
    return read_section(y, n, "inputs", true);
}

json_t *proc_io_outputs(struct proc_yaml *y, const yaml_node_t *n, const yaml_node_t *at)
{
    size_t before = proc_diags_count(y->diags);
    json_t *out = read_section(y, n, "outputs", false);
    if (out != NULL && json_object_size(out) == 0 && proc_diags_count(y->diags) == before) {
        proc_yaml_diag(y, n != NULL ? n : at, "outputs: a process needs at least one output");
    }
    return out;
}
