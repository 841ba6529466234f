// SPDX-License-Identifier: MIT
/*
 * db_proc - the rows of quern.processes that plugin files own.
 *
 * The statements of sql/queries/processes.sql, with their results copied
 * into quern structs (PGresults never leave this file). The caller holds
 * the transaction: proc_sync runs db_proc_lock, db_proc_list, then inserts,
 * updates and removals, and commits. Rows with source 'api' (deployed
 * through the API) are listed but never written here.
 */
#ifndef QUERN_DB_PROC_H
#define QUERN_DB_PROC_H

#include <jansson.h>

#include "common/db.h"

struct db_proc_row {
    char *id;
    char *version;
    char *source; /* "file" or "api" */
    bool available;
    char *path; /* NULL for deployed processes */
    json_t *description;
    json_t *definition;
};

/* Takes the registry's transaction-scoped advisory lock (inside a transaction). */
int db_proc_lock(struct db *db, struct qerr *err) QUERN_MUSTCHECK;

/* Every process row, ordered by id and locked FOR UPDATE; *rows owned by the caller. */
int db_proc_list(struct db *db, struct db_proc_row **rows, size_t *n,
                 struct qerr *err) QUERN_MUSTCHECK;
/* Frees rows from db_proc_list (NULL is fine). */
void db_proc_rows_free(struct db_proc_row *rows, size_t n);

/* Inserts or updates a file process (updated bumped, available set). */
int db_proc_insert(struct db *db, const char *id, const char *version, const json_t *description,
                   const json_t *definition, const char *path, struct qerr *err) QUERN_MUSTCHECK;
int db_proc_update(struct db *db, const char *id, const char *version, const json_t *description,
                   const json_t *definition, const char *path, struct qerr *err) QUERN_MUSTCHECK;

/* How many jobs reference process id (history keeps a removed file's process). */
int db_proc_job_count(struct db *db, const char *id, long *count, struct qerr *err) QUERN_MUSTCHECK;

int db_proc_set_unavailable(struct db *db, const char *id, struct qerr *err) QUERN_MUSTCHECK;
int db_proc_delete(struct db *db, const char *id, struct qerr *err) QUERN_MUSTCHECK;

#endif
