// SPDX-License-Identifier: MIT
/*
 * proc_schema - checks that a value is an OpenAPI 3.0 schema object, the
 * form OGC API - Processes 1.0 requires for input and output schemas.
 *
 * Only the keywords of the OpenAPI 3.0 schema object are allowed, each with
 * its type (exclusiveMinimum/exclusiveMaximum are booleans, type is one
 * string), so OGC's conformance suite, which validates process descriptions
 * against that meta-schema, accepts what quern serves. JSON Schema keywords
 * OpenAPI 3.0 lacks ($schema, const, examples, ...) are reported with what to
 * write instead. It reports; it never changes the schema. Used by the plugin
 * loader (positions come back through the callback) and usable by the API
 * for deployed processes.
 */
#ifndef QUERN_PROC_SCHEMA_H
#define QUERN_PROC_SCHEMA_H

#include <jansson.h>

#include "common/compat.h"

/*
 * One problem: at is the object holding the offending member key (key NULL:
 * the value at itself is wrong), on_key tells whether the key (unknown
 * keyword) or its value (wrong type) is at fault; msg already names the
 * path ("inputs.x.schema.minimum: ...").
 */
typedef void (*proc_schema_fn)(void *ctx, const json_t *at, const char *key, bool on_key,
                               const char *msg);

/*
 * Checks schema, named path in messages, calling fn (may be NULL) for
 * every problem. Returns the number of problems (0: valid).
 */
size_t proc_schema_check(const json_t *schema, const char *path, proc_schema_fn fn, void *ctx);

/* True when schema describes binary content: a string with contentMediaType or format binary. */
bool proc_schema_is_binary(const json_t *schema);

#endif
