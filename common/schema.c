// SPDX-License-Identifier: MIT
/* schema - forward-only migrations; see schema.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "common/schema.h"
#include "common/sql_migrations.h"

int schema_latest(void)
{
    return sql_migrations_count > 0 ? sql_migrations[sql_migrations_count - 1].version : 0;
}

static bool has_version_table(struct db *db, struct qerr *err, bool *out)
{
    PGresult *r = NULL;
    if (db_exec(db, SQL_SCHEMA_HAS_VERSION_TABLE, NULL, &r, err) < 0) {
        return false;
    }
    *out = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return true;
}

static bool is_applied(struct db *db, int version, struct qerr *err, bool *out)
{
    bool have = false;
    if (!has_version_table(db, err, &have)) {
        return false;
    }
    *out = false;
    if (!have) {
        return true;
    }
    PGresult *r = NULL;
    if (db_exec(db, SQL_SCHEMA_VERSIONS, NULL, &r, err) < 0) {
        return false;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        if (strtol(PQgetvalue(r, i, 0), NULL, 10) == version) {
            *out = true;
        }
    }
    PQclear(r);
    return true;
}

static int apply_one(struct db *db, const struct sql_migration *m, bool *applied, struct qerr *err)
{
    *applied = false;
    if (db_begin(db, err) < 0) {
        return -1;
    }
    bool done = false;
    if (db_exec(db, SQL_SCHEMA_LOCK, NULL, NULL, err) < 0 || !is_applied(db, m->version, err, &done)) {
        goto fail;
    }
    if (!done) {
        char version[16];
        snprintf(version, sizeof version, "%d", m->version);
        const char *params[] = {version, m->name};
        if (db_command(db, m->text, err) < 0 ||
            db_exec(db, SQL_SCHEMA_VERSION_ADD, params, NULL, err) < 0) {
            goto fail;
        }
        *applied = true;
    }
    if (db_commit(db, err) < 0) {
        goto fail;
    }
    return 0;
fail:
    db_rollback(db);
    if (err != NULL) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        snprintf(err->msg, sizeof err->msg, "migration %04d_%s: %s", m->version, m->name, msg);
    }
    return -1;
}

int schema_migrate(struct db *db, FILE *out, struct qerr *err)
{
    int count = 0;
    for (int i = 0; i < sql_migrations_count; i++) {
        bool applied = false;
        if (apply_one(db, &sql_migrations[i], &applied, err) < 0) {
            return -1;
        }
        if (applied) {
            count++;
            if (out != NULL) {
                fprintf(out, "applied %04d_%s\n", sql_migrations[i].version, sql_migrations[i].name);
            }
        }
    }
    return count;
}

int schema_version(struct db *db, struct qerr *err)
{
    bool have = false;
    if (!has_version_table(db, err, &have)) {
        return -1;
    }
    if (!have) {
        return 0;
    }
    PGresult *r = NULL;
    if (db_exec(db, SQL_SCHEMA_VERSIONS, NULL, &r, err) < 0) {
        return -1;
    }
    int n = PQntuples(r);
    int v = n > 0 ? (int)strtol(PQgetvalue(r, n - 1, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}
