// SPDX-License-Identifier: MIT
/*
 * proc_io - the inputs and outputs sections of a plugin file.
 *
 * Both forms are read: quern's map keyed by id whose entries carry an
 * OpenAPI 3.0 `schema` (what OGC 1.0 process descriptions contain), and
 * SEPEX's list form (`- id: x` with `input.literalDataDomain`), converted
 * to the first. The result is the id-keyed map of the OGC description,
 * defaults filled in (title = id, description "", minOccurs 1, maxOccurs 1).
 * Every problem is reported through proc_yaml with its position; entries
 * with problems are left out. Also owns the descriptive members shared with
 * `info` (keywords, metadata).
 */
#ifndef QUERN_PROC_IO_H
#define QUERN_PROC_IO_H

#include <jansson.h>

#include "common/proc_yaml.h"

#define PROC_IO_MAX_ID 128

/* inputs: n may be NULL (no inputs). Returns a new object, NULL only when out of memory. */
json_t *proc_io_inputs(struct proc_yaml *y, const yaml_node_t *n);
/* outputs: likewise; a process needs at least one output (reported at at when missing). */
json_t *proc_io_outputs(struct proc_yaml *y, const yaml_node_t *n, const yaml_node_t *at);

/* keywords: a list of strings; sets *out (new reference) or reports. */
void proc_io_keywords(struct proc_yaml *y, const yaml_node_t *n, const char *path, json_t **out);
/* metadata: a list of {title, role, href} mappings; sets *out (new reference) or reports. */
void proc_io_metadata(struct proc_yaml *y, const yaml_node_t *n, const char *path, json_t **out);

/* A string member: returns its text (borrowed) or NULL after reporting "path must be a string". */
const char *proc_io_string(struct proc_yaml *y, const yaml_node_t *n, const char *path);

#endif
