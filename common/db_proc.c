// SPDX-License-Identifier: MIT
/* db_proc - quern.processes rows owned by plugin files; see db_proc.h. */
#include "common/compat.h"

#include <string.h>

#include "common/db_proc.h"
#include "common/proc_def.h"

int db_proc_lock(struct db *db, struct qerr *err)
{
    return db_exec(db, SQL_PROC_SYNC_LOCK, NULL, NULL, err);
}

void db_proc_rows_free(struct db_proc_row *rows, size_t n)
{
    for (size_t i = 0; rows != NULL && i < n; i++) {
        free(rows[i].id);
        free(rows[i].version);
        free(rows[i].source);
        free(rows[i].path);
        json_decref(rows[i].description);
        json_decref(rows[i].definition);
    }
    free(rows);
}

static json_t *json_field(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col)) {
        return NULL;
    }
    return json_loads(PQgetvalue(r, row, col), 0, NULL);
}

int db_proc_list(struct db *db, struct db_proc_row **rows, size_t *n, struct qerr *err)
{
    PGresult *r = NULL;
    *rows = NULL;
    *n = 0;
    if (db_exec(db, SQL_PROC_LIST, NULL, &r, err) < 0) {
        return -1;
    }
    int count = PQntuples(r);
    struct db_proc_row *v = calloc(count > 0 ? (size_t)count : 1, sizeof *v);
    if (v == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory listing processes");
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        v[i].id = db_strdup_field(r, i, 0);
        v[i].version = db_strdup_field(r, i, 1);
        v[i].source = db_strdup_field(r, i, 2);
        v[i].available = strcmp(PQgetvalue(r, i, 3), "t") == 0;
        v[i].path = db_strdup_field(r, i, 4);
        v[i].description = json_field(r, i, 5);
        v[i].definition = json_field(r, i, 6);
        if (v[i].id == NULL || v[i].version == NULL || v[i].source == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory listing processes");
            db_proc_rows_free(v, (size_t)i + 1);
            PQclear(r);
            return -1;
        }
    }
    PQclear(r);
    *rows = v;
    *n = (size_t)count;
    return 0;
}

static int write_row(struct db *db, enum sql_stmt stmt, const char *id, const char *version,
                     const json_t *description, const json_t *definition, const char *path,
                     struct qerr *err)
{
    char *desc = proc_def_dumps(description);
    char *def = proc_def_dumps(definition);
    int rc = -1;
    if (desc == NULL || def == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory writing process %s", id);
        goto out;
    }
    const char *params[] = {id, version, desc, def, path};
    rc = db_exec(db, stmt, params, NULL, err);
out:
    free(desc);
    free(def);
    return rc;
}

int db_proc_insert(struct db *db, const char *id, const char *version, const json_t *description,
                   const json_t *definition, const char *path, struct qerr *err)
{
    return write_row(db, SQL_PROC_INSERT, id, version, description, definition, path, err);
}

int db_proc_update(struct db *db, const char *id, const char *version, const json_t *description,
                   const json_t *definition, const char *path, struct qerr *err)
{
    return write_row(db, SQL_PROC_UPDATE, id, version, description, definition, path, err);
}

int db_proc_job_count(struct db *db, const char *id, long *count, struct qerr *err)
{
    PGresult *r = NULL;
    const char *params[] = {id};
    if (db_exec(db, SQL_PROC_JOB_COUNT, params, &r, err) < 0) {
        return -1;
    }
    *count = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int db_proc_set_unavailable(struct db *db, const char *id, struct qerr *err)
{
    const char *params[] = {id};
    return db_exec(db, SQL_PROC_SET_UNAVAILABLE, params, NULL, err);
}

int db_proc_delete(struct db *db, const char *id, struct qerr *err)
{
    const char *params[] = {id};
    return db_exec(db, SQL_PROC_DELETE, params, NULL, err);
}
