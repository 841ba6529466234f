// SPDX-License-Identifier: MIT
/*
 * oas - reading the OpenAPI 3.0 schema objects of process inputs and
 * outputs: their type, whether they hold binary data, their occurrences,
 * and a one-line summary for people ("integer [1..10]", "binary string
 * (image/png)"). It never validates a whole document: the server does.
 * Every json_t argument is borrowed.
 */
#ifndef QUERN_CLIENT_OAS_H
#define QUERN_CLIENT_OAS_H

#include "common/compat.h"

#include <jansson.h>

#include "common/buf.h"
#include "common/qerr.h"

#define OAS_UNBOUNDED (-1L)

/* The schema's "type" ("integer", ...), NULL when it has none. */
const char *oas_type(const json_t *schema);

/*
 * True for a string schema whose value is a file's bytes, sent base64:
 * format "binary" or "byte", contentEncoding "base64"/"binary", or a
 * contentMediaType that is not text/... and not JSON or XML.
 */
bool oas_is_binary(const json_t *schema);

/*
 * The alternatives of an untyped oneOf/anyOf schema (a JSON array), NULL
 * when it is not one: a schema with a type takes that type, its oneOf then
 * only constrains (the OGC bounding box's 4 or 6 numbers).
 */
const json_t *oas_alternatives(const json_t *schema);

/* True when value's JSON type is one the schema's type (or one alternative) allows. */
bool oas_type_fits(const json_t *schema, const json_t *value);

/* minOccurs/maxOccurs of an input description (defaults 1 and 1; max may be OAS_UNBOUNDED). */
void oas_occurs(const json_t *input, long *min, long *max);

/* Appends a one-line summary of the schema to out. */
int oas_summary(const json_t *schema, struct buf *out, struct qerr *err) QUERN_MUSTCHECK;

#endif
