// SPDX-License-Identifier: MIT
/*
 * validate - checks JSON values against OpenAPI 3.0 schema objects, and an
 * execute request's inputs against a process's input descriptions.
 *
 * Supported keywords: type (+nullable), enum, minimum/maximum with boolean
 * exclusiveMinimum/exclusiveMaximum, multipleOf, minLength/maxLength,
 * pattern (POSIX extended regex; \d \w \s are translated), format byte
 * (base64) and binary, items/minItems/maxItems/uniqueItems,
 * properties/required/additionalProperties/minProperties/maxProperties,
 * oneOf/anyOf/allOf/not, and bounding boxes (format ogc-bbox). Unknown
 * keywords are ignored. A single value where an array is expected becomes
 * a one-element array (the value is replaced). Errors are QERR_INVALID
 * with a message naming the input and what is wrong. Used by quern-api;
 * shared so the CLI and Part 2 deploy can reuse it.
 */
#ifndef QUERN_VALIDATE_H
#define QUERN_VALIDATE_H

#include <jansson.h>

#include "common/compat.h"
#include "common/qerr.h"

/*
 * Validates *value (owned; may be replaced by a coerced value, still owned)
 * against schema (borrowed). where names the value in messages ("input 'x'").
 */
int validate_value(const json_t *schema, json_t **value, const char *where, struct qerr *err)
    QUERN_MUSTCHECK;

/*
 * Validates inputs (borrowed; NULL means none) against descs, the "inputs"
 * map of a process description: unknown ids, minOccurs/maxOccurs, each
 * occurrence against the schema (qualified values {"value": ...} and
 * references {"href": ...} accepted). Returns a new object with coercions
 * applied and the schema default of every absent optional input filled in,
 * or NULL with err.
 */
json_t *validate_inputs(const json_t *descs, const json_t *inputs, struct qerr *err);

/* True when s is valid base64 (standard alphabet, padding optional, whitespace allowed). */
bool validate_is_base64(const char *s, size_t len);

#endif
