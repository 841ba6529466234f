// SPDX-License-Identifier: MIT
/*
 * proc_appkg - an OGC application package (application/ogcapppkg+json, OGC
 * API - Processes Part 2) as quern's own definition document.
 *
 * The package's processDescription becomes info, inputs and outputs; its
 * executionUnit, which must be a container image reference (type docker or
 * oci, either flat or as a qualified value), becomes host (type docker),
 * command and config. Nothing is validated beyond the package's own shape:
 * the result goes through the plugin loader (proc_def_load_text) like any
 * plugin file, which reports every remaining problem. CWL and links to
 * packages elsewhere are refused (quern neither fetches nor executes them).
 * Pure: no I/O, no globals. Use: proc_appkg_to_def -> load -> json_decref.
 */
#ifndef QUERN_PROC_APPKG_H
#define QUERN_PROC_APPKG_H

#include <jansson.h>

#include "common/compat.h"
#include "common/qerr.h"

/*
 * Converts pkg into a plugin definition document (new reference: info, host,
 * command, config, inputs, outputs). id is the process id from the URL
 * (replace) or NULL (deploy): when given, processDescription.id may be
 * absent and must otherwise be equal. NULL with err (QERR_INVALID, the
 * message names the offending member, e.g. "executionUnit.image is
 * required") when the package cannot be read; QERR_NOMEM when out of memory.
 */
json_t *proc_appkg_to_def(const json_t *pkg, const char *id, struct qerr *err);

#endif
