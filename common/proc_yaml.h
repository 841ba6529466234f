// SPDX-License-Identifier: MIT
/*
 * proc_yaml - a plugin file as a libyaml document, with positions.
 *
 * Owns the bounded load of one YAML document (size, depth and node limits
 * against alias bombs), the helpers the plugin loader walks it with, and
 * the conversion of YAML values (schemas, defaults, env) into jansson
 * values that remembers where each key and value came from, so checks run
 * on the JSON can still report "file:line:column". It knows nothing of the
 * plugin format itself (proc_def, proc_io). Plain scalars follow the YAML
 * 1.2 core schema (null, true/false, integers, floats); quoted ones are
 * strings. Use: proc_yaml_load -> walk -> proc_yaml_cleanup.
 */
#ifndef QUERN_PROC_YAML_H
#define QUERN_PROC_YAML_H

#include <jansson.h>
#include <yaml.h>

#include "common/compat.h"
#include "common/proc_diag.h"

#define PROC_YAML_MAX_BYTES (1024 * 1024)
#define PROC_YAML_MAX_DEPTH 64
#define PROC_YAML_MAX_NODES 100000
#define PROC_YAML_MAX_KEYS \
    10000 /* keys of one mapping the loader walks (duplicate checks are quadratic) */

struct proc_yaml_mark {
    const json_t *parent; /* object or array the entry describes */
    char *key;            /* member name, or NULL for the container itself */
    unsigned kline, kcol; /* where the key is (1-based) */
    unsigned vline, vcol; /* where the value (or the container) starts */
};

struct proc_yaml {
    const char *file; /* display name for problems, borrowed */
    yaml_document_t doc;
    bool loaded;
    struct proc_diags *diags; /* borrowed */
    struct proc_yaml_mark *marks;
    size_t nmarks, capmarks;
    size_t nodes;        /* JSON values made so far, all conversions together */
    bool limit_reported; /* the node limit was reported for the current conversion */
};

/*
 * Parses text (len bytes) as one YAML document. Problems go to diags with
 * file as their name (borrowed; must outlive y). Returns 0 when a document
 * was loaded (its root may be NULL for an empty file), -1 after reporting a
 * syntax error. proc_yaml_cleanup is needed in both cases.
 */
int proc_yaml_load(struct proc_yaml *y, const char *file, const char *text, size_t len,
                   struct proc_diags *diags);
/* Frees the document and the marks; y can be loaded again. */
void proc_yaml_cleanup(struct proc_yaml *y);

/* The document's root node, or NULL when the document is empty. */
yaml_node_t *proc_yaml_root(struct proc_yaml *y);
/* The node with id (from a pair or item of the document), borrowed; NULL when out of range. */
yaml_node_t *proc_yaml_node(struct proc_yaml *y, int id);

/* Records a problem at node at (its start), or at line 1 column 1 when at is NULL. */
void proc_yaml_diag(struct proc_yaml *y, const yaml_node_t *at, const char *fmt, ...)
    QUERN_PRINTF(3, 4);
void proc_yaml_diag_at(struct proc_yaml *y, unsigned line, unsigned col, const char *fmt, ...)
    QUERN_PRINTF(4, 5);

/* True for a plain empty/~/null scalar. */
bool proc_yaml_is_null(const yaml_node_t *n);
/* "a mapping", "a list", "a string", "null": for messages. */
const char *proc_yaml_what(const yaml_node_t *n);
/* The text of a non-null scalar (borrowed), else NULL. */
const char *proc_yaml_scalar(const yaml_node_t *n);

/*
 * Checks that n is a mapping whose keys are unique non-empty strings and,
 * when allowed is not NULL, all in allowed (NULL-terminated). path names the
 * mapping in messages ("info", "inputs.x"). Returns false, after reporting,
 * when n is not a mapping; bad keys are reported and skipped by the getters.
 */
bool proc_yaml_map_check(struct proc_yaml *y, const yaml_node_t *n, const char *path,
                         const char *const *allowed);

/* The value of key in mapping map (first occurrence), or NULL; *key_node gets the key if not NULL.
 */
yaml_node_t *proc_yaml_map_get(struct proc_yaml *y, const yaml_node_t *map, const char *key,
                               yaml_node_t **key_node);

/* Calls fn for every pair of mapping map whose key is a scalar, in file order. */
typedef void (*proc_yaml_pair_fn)(struct proc_yaml *y, yaml_node_t *key, yaml_node_t *value,
                                  void *ctx);
void proc_yaml_map_each(struct proc_yaml *y, const yaml_node_t *map, proc_yaml_pair_fn fn,
                        void *ctx);

/*
 * Converts n into a new jansson value (new reference) and records where
 * every member came from. path names n in messages. Returns NULL after
 * reporting (duplicate keys, non-string keys, non-finite numbers, limits).
 */
json_t *proc_yaml_to_json(struct proc_yaml *y, const yaml_node_t *n, const char *path);

/*
 * Where a member of the latest converted value came from: the key itself
 * (on_key) or its value. key NULL: the container's own start. False when
 * unknown. Each proc_yaml_to_json call forgets the marks of the one before.
 */
bool proc_yaml_mark_of(const struct proc_yaml *y, const json_t *parent, const char *key,
                       bool on_key, unsigned *line, unsigned *col);

/* The closest name in names (NULL-terminated) to s within edit distance 2, or NULL. */
const char *proc_yaml_suggest(const char *s, const char *const *names);

#endif
