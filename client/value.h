// SPDX-License-Identifier: MIT
/*
 * value - turning `-i NAME=VALUE` and `-i NAME=@FILE` into the "inputs"
 * object of an execute request, driven by the process's input schemas.
 *
 * Text becomes the schema's type: integers and numbers (strictly parsed),
 * booleans (true/false/yes/no/on/off/1/0), arrays (a JSON array, a
 * comma-separated list of numbers or booleans, or one item per repeated
 * -i), objects (JSON), strings as typed. "@FILE" reads a file ("@-":
 * standard input): base64 for a binary string schema, else JSON, else (for a
 * string schema) its text; "@@" starts a literal "@". An input given more times than maxOccurs,
 * an unknown name or a missing required input is an error (QERR_INVALID)
 * that names the input. Returned documents are new references.
 */
#ifndef QUERN_CLIENT_VALUE_H
#define QUERN_CLIENT_VALUE_H

#include "common/compat.h"

#include <jansson.h>

#include "common/qerr.h"

#define VALUE_FILE_MAX ((size_t)32 << 20)

/* Parses literal text against schema (NULL: any); new reference or NULL with err. */
json_t *value_parse(const json_t *schema, const char *text, struct qerr *err);

/* Reads path as a value for schema; new reference or NULL with err. */
json_t *value_from_file(const json_t *schema, const char *path, struct qerr *err);

/*
 * Builds the inputs object from n specs "NAME=VALUE" against inputs_desc
 * (the process description's "inputs" map); new reference or NULL with err.
 */
json_t *value_inputs(const json_t *inputs_desc, const char *const *specs, size_t n,
                     struct qerr *err);

#endif
