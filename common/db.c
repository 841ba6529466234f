// SPDX-License-Identifier: MIT
/*
 * db - libpq connection, lazy prepared statements, one reconnect on loss.
 * See db.h for the contract.
 */
#include "common/compat.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"

struct db {
    PGconn *conn;
    char *conninfo;
    char *appname;
    long statement_timeout_ms;
    bool prepared[SQL__COUNT];
    unsigned long reconnects;
    char listen[8][32]; /* channels to LISTEN again after a reconnect */
    int nlisten;
};

static PGconn *connect_once(const struct db *db, struct qerr *err)
{
    const char *keys[] = {"dbname", "application_name", "options", NULL};
    char options[128];
    snprintf(options, sizeof options, "-c search_path=quern,public -c statement_timeout=%ld",
             db->statement_timeout_ms);
    const char *vals[] = {db->conninfo, db->appname, options, NULL};
    /* expand_dbname=1: dbname may be a full connection string or URL. */
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory connecting to PostgreSQL");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        /* libpq's message names host and reason; it never includes the password. */
        char msg[200];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        qerr_set(err, QERR_DB, "cannot connect to PostgreSQL: %s", msg);
        PQfinish(c);
        return NULL;
    }
    return c;
}

struct db *db_open(const struct db_opts *opts, struct qerr *err)
{
    struct db *db = calloc(1, sizeof *db);
    if (db == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    db->conninfo = strdup(opts->conninfo != NULL ? opts->conninfo : "");
    db->appname = strdup(opts->appname != NULL ? opts->appname : "quern");
    db->statement_timeout_ms = opts->statement_timeout_ms;
    if (db->conninfo == NULL || db->appname == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        db_close(db);
        return NULL;
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned attempt = 0;; attempt++) {
        struct qerr e = QERR_INIT;
        db->conn = connect_once(db, &e);
        if (db->conn != NULL) {
            return db;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= opts->connect_timeout) {
            qerr_set(err, e.code, "%s", e.msg);
            db_close(db);
            return NULL;
        }
        if (attempt == 0) {
            log_warn("%s; retrying for up to %ld s", e.msg, opts->connect_timeout);
        }
        usleep(attempt < 10 ? 100000 : 500000);
    }
}

void db_close(struct db *db)
{
    if (db == NULL) {
        return;
    }
    if (db->conn != NULL) {
        PQfinish(db->conn);
    }
    free(db->conninfo);
    free(db->appname);
    free(db);
}

PGconn *db_conn(struct db *db)
{
    return db->conn;
}

bool db_ok(struct db *db)
{
    return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

unsigned long db_reconnects(const struct db *db)
{
    return db->reconnects;
}

int db_reconnect(struct db *db, struct qerr *err)
{
    if (db->conn != NULL) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    memset(db->prepared, 0, sizeof db->prepared);
    db->conn = connect_once(db, err);
    if (db->conn == NULL) {
        return -1;
    }
    db->reconnects++;
    for (int i = 0; i < db->nlisten; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "LISTEN %s", db->listen[i]);
        PGresult *r = PQexec(db->conn, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            qerr_set(err, QERR_DB, "LISTEN %s failed after reconnect", db->listen[i]);
            return -1;
        }
    }
    return 0;
}

static enum qerr_code code_of(const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state == NULL) {
        return QERR_DB;
    }
    if (strcmp(state, "23505") == 0) {
        return QERR_CONFLICT; /* unique_violation */
    }
    if (strncmp(state, "22", 2) == 0) {
        return QERR_INVALID; /* data exception: bad uuid, bad json, out of range */
    }
    if (strcmp(state, "57014") == 0) {
        return QERR_TIMEOUT; /* query_canceled (statement_timeout) */
    }
    return QERR_DB;
}

static bool status_ok(ExecStatusType st)
{
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static int prepare(struct db *db, enum sql_stmt id, struct qerr *err)
{
    if (db->prepared[id]) {
        return 0;
    }
    PGresult *r = PQprepare(db->conn, sql_stmts[id].name, sql_stmts[id].text, 0, NULL);
    if (r == NULL || !status_ok(PQresultStatus(r))) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", r != NULL ? PQresultErrorMessage(r) : "no result");
        msg[strcspn(msg, "\n")] = '\0';
        qerr_set(err, r != NULL ? code_of(r) : QERR_DB, "prepare %s: %s", sql_stmts[id].name, msg);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    db->prepared[id] = true;
    return 0;
}

static int exec_once(struct db *db, enum sql_stmt id, const char *const *params,
                     const int *lengths, const int *formats, PGresult **res, struct qerr *err)
{
    if (prepare(db, id, err) < 0) {
        return -1;
    }
    PGresult *r = PQexecPrepared(db->conn, sql_stmts[id].name, sql_stmts[id].nparams, params,
                                 lengths, formats, 0);
    if (r == NULL || !status_ok(PQresultStatus(r))) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", r != NULL ? PQresultErrorMessage(r) : "no result");
        msg[strcspn(msg, "\n")] = '\0';
        qerr_set(err, r != NULL ? code_of(r) : QERR_DB, "%s: %s", sql_stmts[id].name, msg);
        PQclear(r);
        return -1;
    }
    if (res != NULL) {
        *res = r;
    } else {
        PQclear(r);
    }
    return 0;
}

static bool in_transaction(const struct db *db)
{
    PGTransactionStatusType t = PQtransactionStatus(db->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

int db_exec_bin(struct db *db, enum sql_stmt id, const char *const *params, const int *lengths,
                const int *formats, PGresult **res, struct qerr *err)
{
    QASSERT((int)id >= 0 && id < SQL__COUNT);
    if (res != NULL) {
        *res = NULL;
    }
    if (!db_ok(db)) {
        if (db_reconnect(db, err) < 0) {
            return -1;
        }
    }
    bool was_in_tx = in_transaction(db);
    struct qerr first = QERR_INIT;
    if (exec_once(db, id, params, lengths, formats, res, &first) == 0) {
        return 0;
    }
    /* A broken connection outside a transaction is retried once on a new one. */
    if (!was_in_tx && PQstatus(db->conn) == CONNECTION_BAD) {
        struct qerr e2 = QERR_INIT;
        if (db_reconnect(db, &e2) == 0) {
            return exec_once(db, id, params, lengths, formats, res, err);
        }
        qerr_set(err, QERR_DB, "%s (reconnect failed: %s)", first.msg, e2.msg);
        return -1;
    }
    qerr_set(err, first.code, "%s", first.msg);
    return -1;
}

int db_exec(struct db *db, enum sql_stmt id, const char *const *params, PGresult **res,
            struct qerr *err)
{
    return db_exec_bin(db, id, params, NULL, NULL, res, err);
}

int db_command(struct db *db, const char *sql, struct qerr *err)
{
    if (!db_ok(db) && !in_transaction(db)) {
        if (db_reconnect(db, err) < 0) {
            return -1;
        }
    }
    PGresult *r = PQexec(db->conn, sql);
    if (r == NULL || !status_ok(PQresultStatus(r))) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", r != NULL ? PQresultErrorMessage(r) : "no result");
        msg[strcspn(msg, "\n")] = '\0';
        qerr_set(err, r != NULL ? code_of(r) : QERR_DB, "%s", msg);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

int db_begin(struct db *db, struct qerr *err)
{
    return db_command(db, "BEGIN", err);
}

int db_commit(struct db *db, struct qerr *err)
{
    return db_command(db, "COMMIT", err);
}

void db_rollback(struct db *db)
{
    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK && in_transaction(db)) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        PQclear(r);
    }
}

int db_listen(struct db *db, const char *channel, struct qerr *err)
{
    /* Channel names are fixed identifiers from the code, never from input. */
    for (const char *p = channel; *p != '\0'; p++) {
        QASSERT((*p >= 'a' && *p <= 'z') || *p == '_');
    }
    char sql[64];
    snprintf(sql, sizeof sql, "LISTEN %s", channel);
    if (db_command(db, sql, err) < 0) {
        return -1;
    }
    if (db->nlisten < (int)QUERN_ARRAY_LEN(db->listen)) {
        snprintf(db->listen[db->nlisten++], sizeof db->listen[0], "%s", channel);
    }
    return 0;
}

char *db_strdup_field(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return NULL;
    }
    return strdup(PQgetvalue(res, row, col));
}
