// SPDX-License-Identifier: MIT
/* db_deploy - Part 2's writes to quern.processes; see db_deploy.h. */
#include "common/compat.h"

#include <string.h>

#include "cgi/db_deploy.h"
#include "common/db_proc.h"
#include "common/proc_def.h"

/* Runs stmt on row's fields inside the open transaction; *written: a row came back. */
static int write_row(struct db *db, enum sql_stmt stmt, const struct db_deploy_row *row,
                     bool *written, struct qerr *err)
{
    char *desc = proc_def_dumps(row->description);
    char *def = proc_def_dumps(row->definition);
    PGresult *res = NULL;
    int rc = -1;
    if (desc == NULL || def == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory writing process %s", row->id);
        goto out;
    }
    const char *params[] = {row->id, row->version, desc, def, row->package, row->package_type};
    if (db_exec(db, stmt, params, &res, err) < 0) {
        goto out;
    }
    *written = PQntuples(res) > 0;
    rc = 0;
out:
    PQclear(res);
    free(desc);
    free(def);
    return rc;
}

/* The source of id's row, locked until the transaction ends ("" when there is none). */
static int source_of(struct db *db, const char *id, char *source, size_t sz, struct qerr *err)
{
    PGresult *res = NULL;
    const char *params[] = {id};
    if (db_exec(db, SQL_DEPLOY_SOURCE, params, &res, err) < 0) {
        return -1;
    }
    snprintf(source, sz, "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

static enum db_deploy_outcome outcome_of(const char *source)
{
    if (source[0] == '\0') {
        return DB_DEPLOY_MISSING;
    }
    return strcmp(source, "api") == 0 ? DB_DEPLOY_DONE : DB_DEPLOY_IMMUTABLE;
}

int db_deploy_insert(struct db *db, const struct db_deploy_row *row, enum db_deploy_outcome *out,
                     struct qerr *err)
{
    bool written = false;
    if (db_begin(db, err) < 0) {
        return -1;
    }
    if (db_proc_lock(db, err) < 0 || write_row(db, SQL_DEPLOY_INSERT, row, &written, err) < 0 ||
        db_commit(db, err) < 0) {
        db_rollback(db);
        return -1;
    }
    *out = written ? DB_DEPLOY_DONE : DB_DEPLOY_EXISTS;
    return 0;
}

int db_deploy_replace(struct db *db, const struct db_deploy_row *row, enum db_deploy_outcome *out,
                      struct qerr *err)
{
    char source[16];
    bool written = false;
    if (db_begin(db, err) < 0) {
        return -1;
    }
    if (db_proc_lock(db, err) < 0 || source_of(db, row->id, source, sizeof source, err) < 0) {
        goto fail;
    }
    *out = outcome_of(source);
    if (*out == DB_DEPLOY_DONE && write_row(db, SQL_DEPLOY_REPLACE, row, &written, err) < 0) {
        goto fail;
    }
    if (db_commit(db, err) < 0) {
        goto fail;
    }
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int db_deploy_delete(struct db *db, const char *id, enum db_deploy_outcome *out, struct qerr *err)
{
    char source[16];
    const char *params[] = {id};
    if (db_begin(db, err) < 0) {
        return -1;
    }
    if (db_proc_lock(db, err) < 0 || source_of(db, id, source, sizeof source, err) < 0) {
        goto fail;
    }
    *out = outcome_of(source);
    if (*out == DB_DEPLOY_DONE && db_exec(db, SQL_DEPLOY_DELETE, params, NULL, err) < 0) {
        goto fail;
    }
    if (db_commit(db, err) < 0) {
        goto fail;
    }
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int db_deploy_package(struct db *db, const char *id, char **package, size_t *len, char **type,
                      enum db_deploy_outcome *out, struct qerr *err)
{
    PGresult *res = NULL;
    const char *params[] = {id};
    *package = *type = NULL;
    *len = 0;
    if (db_exec(db, SQL_DEPLOY_PACKAGE, params, &res, err) < 0) {
        return -1;
    }
    *out = outcome_of(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    if (*out == DB_DEPLOY_DONE && !PQgetisnull(res, 0, 1) && !PQgetisnull(res, 0, 2)) {
        *package = db_strdup_field(res, 0, 1);
        *type = db_strdup_field(res, 0, 2);
        *len = (size_t)PQgetlength(res, 0, 1);
        if (*package == NULL || *type == NULL) {
            QFREE(*package);
            QFREE(*type);
            PQclear(res);
            qerr_set(err, QERR_NOMEM, "out of memory reading the package of %s", id);
            return -1;
        }
    } else if (*out == DB_DEPLOY_DONE) {
        *out = DB_DEPLOY_MISSING; /* deployed before packages were kept */
    }
    PQclear(res);
    return 0;
}
