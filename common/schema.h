// SPDX-License-Identifier: MIT
/*
 * schema - applies the compiled-in migrations of sql/schema/ to a database.
 *
 * Each missing migration runs in its own transaction together with its
 * schema_version row, under an advisory lock, so concurrent callers and
 * repeated runs are safe. Used by quern-admin init/migrate and the tests.
 */
#ifndef QUERN_SCHEMA_H
#define QUERN_SCHEMA_H

#include <stdio.h>

#include "common/db.h"

/*
 * Applies every migration newer than the database's version. Prints one
 * line per applied migration to out (may be NULL). Returns the number
 * applied, or -1 with err set (the failing migration is rolled back).
 */
int schema_migrate(struct db *db, FILE *out, struct qerr *err) QUERN_MUSTCHECK;

/* The highest applied version (0 for an empty database), or -1 on error. */
int schema_version(struct db *db, struct qerr *err) QUERN_MUSTCHECK;

/* The highest version this build knows. */
int schema_latest(void);

#endif
