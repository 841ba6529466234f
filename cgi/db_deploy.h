// SPDX-License-Identifier: MIT
/*
 * db_deploy - the rows OGC API - Processes Part 2 writes: deploy inserts,
 * replace updates and undeploy deletes rows of quern.processes with source
 * 'api' (statements in sql/queries/deploy.sql). Each function is one short
 * transaction that first takes the registry's advisory lock (the one
 * quern-admin sync and the runners take), so a sync and a deploy never
 * interleave. Concurrent deploys of one id are decided by the primary key
 * (INSERT ... ON CONFLICT DO NOTHING): exactly one inserts. Rows of plugin
 * files are never written here (DB_DEPLOY_IMMUTABLE).
 */
#ifndef QUERN_CGI_DB_DEPLOY_H
#define QUERN_CGI_DB_DEPLOY_H

#include <jansson.h>

#include "common/compat.h"
#include "common/db.h"
#include "common/qerr.h"

enum db_deploy_outcome {
    DB_DEPLOY_DONE,      /* the row was written (or deleted, or read) */
    DB_DEPLOY_EXISTS,    /* deploy: a process with that id exists */
    DB_DEPLOY_IMMUTABLE, /* replace/undeploy/package: the process comes from a plugin file */
    DB_DEPLOY_MISSING,   /* replace/undeploy/package: no process with that id */
};

struct db_deploy_row {
    const char *id, *version;
    const json_t *description; /* the OGC description without links */
    const json_t *definition;  /* the normalised definition */
    const char *package;       /* the request body as sent (NUL-terminated text) */
    const char *package_type;  /* its media type */
};

/* Deploy (insert) or replace (update) row; *out tells which case happened. -1 with err
 * only when the database failed. */
int db_deploy_insert(struct db *db, const struct db_deploy_row *row, enum db_deploy_outcome *out,
                     struct qerr *err) QUERN_MUSTCHECK;
int db_deploy_replace(struct db *db, const struct db_deploy_row *row, enum db_deploy_outcome *out,
                      struct qerr *err) QUERN_MUSTCHECK;
/* Undeploy: deletes the row of a deployed process (its jobs keep their own definition). */
int db_deploy_delete(struct db *db, const char *id, enum db_deploy_outcome *out,
                     struct qerr *err) QUERN_MUSTCHECK;
/* The stored package of id and its media type (both new strings, caller frees) when *out
 * is DB_DEPLOY_DONE; *len gets the package's length. */
int db_deploy_package(struct db *db, const char *id, char **package, size_t *len, char **type,
                      enum db_deploy_outcome *out, struct qerr *err) QUERN_MUSTCHECK;

#endif
