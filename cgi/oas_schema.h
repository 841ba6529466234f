// SPDX-License-Identifier: MIT
/*
 * oas_schema - a process's input or output schema made into a valid
 * OpenAPI 3.0 schema object for /api. Process descriptions may carry
 * keywords OGC API - Processes allows but the OpenAPI 3.0 meta-schema does
 * not (contentMediaType, contentEncoding, contentSchema), and processes
 * stored by other means than the plugin loader may carry JSON Schema
 * spellings (const, type lists, numeric exclusiveMinimum, boolean schemas).
 * Each is rewritten to its OpenAPI 3.0 equivalent where one exists and
 * otherwise kept under an "x-" extension key, so nothing is lost and the
 * document validates. The stored descriptions are never changed.
 */
#ifndef QUERN_CGI_OAS_SCHEMA_H
#define QUERN_CGI_OAS_SCHEMA_H

#include <jansson.h>

#include "common/compat.h"

/* The OpenAPI 3.0 form of schema (new reference; {} for NULL). NULL only when out of memory. */
json_t *oas_schema(const json_t *schema);

#endif
