// SPDX-License-Identifier: MIT
/*
 * db - quern's connection to PostgreSQL (libpq) and its statement table.
 *
 * Every statement is a named entry of sql/queries/ (*.sql) (enum sql_stmt,
 * generated); db_exec() prepares it once per connection and runs it with
 * text parameters. No SQL is ever built from values. The connection sets
 * search_path to quern, application_name and statement_timeout.
 *
 * A PGresult stays inside the db_*.c modules: they copy what callers need
 * into quern structs or jansson values and PQclear on every path.
 * Outside a transaction, a statement that finds the connection broken
 * reconnects once and retries (PostgreSQL restarts cost one retry, not a
 * crash). Use: db_open -> db_exec / db_begin..db_commit -> db_close.
 */
#ifndef QUERN_DB_H
#define QUERN_DB_H

#include <libpq-fe.h>

#include "common/compat.h"
#include "common/qerr.h"
#include "common/sql_stmts.h"

struct db;

struct db_opts {
    const char *conninfo;      /* "" or NULL: libpq's PG* environment */
    const char *appname;       /* application_name */
    long connect_timeout;      /* seconds to keep retrying the first connect; 0: one try */
    long statement_timeout_ms; /* 0: none */
};

/* Connects (retrying until connect_timeout). NULL with err set on failure. */
struct db *db_open(const struct db_opts *opts, struct qerr *err);
void db_close(struct db *db);

/* The underlying connection, for LISTEN sockets (PQsocket) and PQconsumeInput. */
PGconn *db_conn(struct db *db);

/*
 * Runs statement id with params (nparams as the statement declares, NULL
 * entries are SQL NULL). On success returns 0 and, when res is not NULL,
 * the result (caller PQclears; db_*.c modules only). QERR_DB on failure,
 * QERR_CONFLICT for unique violations, QERR_INVALID for invalid input syntax.
 */
int db_exec(struct db *db, enum sql_stmt id, const char *const *params, PGresult **res,
            struct qerr *err) QUERN_MUSTCHECK;

/* Like db_exec with binary-format parameters (lengths given); for bytea content. */
int db_exec_bin(struct db *db, enum sql_stmt id, const char *const *params, const int *lengths,
                const int *formats, PGresult **res, struct qerr *err) QUERN_MUSTCHECK;

/* Runs a fixed utility command with no parameters (BEGIN, COMMIT, LISTEN x, a migration). */
int db_command(struct db *db, const char *sql, struct qerr *err) QUERN_MUSTCHECK;

int db_begin(struct db *db, struct qerr *err) QUERN_MUSTCHECK;
int db_commit(struct db *db, struct qerr *err) QUERN_MUSTCHECK;
/* Rolls back if a transaction is open; never fails loudly. */
void db_rollback(struct db *db);

/* Subscribes to a notification channel (name must be a fixed identifier). */
int db_listen(struct db *db, const char *channel, struct qerr *err) QUERN_MUSTCHECK;

/* True if the connection is usable (after a failure a caller may db_reconnect). */
bool db_ok(struct db *db);
int db_reconnect(struct db *db, struct qerr *err) QUERN_MUSTCHECK;

/* Number of reconnections so far (for tests and metrics). */
unsigned long db_reconnects(const struct db *db);

/* Copies a field into a new string (NULL when SQL NULL). */
char *db_strdup_field(const PGresult *res, int row, int col);

#endif
