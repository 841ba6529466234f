// SPDX-License-Identifier: MIT
/* db_metrics - the /metrics statements; see db_metrics.h. */
#include "common/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/db_metrics.h"

int db_metrics_requests_add(struct db *db, const json_t *rows, struct qerr *err)
{
    char *text = json_dumps(rows, JSON_COMPACT);
    if (text == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    const char *params[] = {text};
    int rc = db_exec(db, SQL_API_REQUESTS_ADD, params, NULL, err);
    free(text);
    return rc;
}

/* One field as JSON by its type letter: s text, i integer, f real, j JSON text. */
static json_t *field(const PGresult *res, int row, int col, char type)
{
    if (PQgetisnull(res, row, col)) {
        return json_null();
    }
    const char *v = PQgetvalue(res, row, col);
    switch (type) {
    case 'i': return json_integer((json_int_t)strtoll(v, NULL, 10));
    case 'f': return json_real(strtod(v, NULL));
    case 'j': return json_loads(v, 0, NULL);
    default: return json_string(v);
    }
}

/* Runs statement id and appends its rows to out[member] as arrays typed by types. */
static int read_rows(struct db *db, enum sql_stmt id, const char *const *params,
                     const char *types, json_t *out, const char *member, struct qerr *err)
{
    PGresult *res = NULL;
    if (db_exec(db, id, params, &res, err) < 0) {
        return -1;
    }
    int rc = 0;
    json_t *rows = json_array();
    int ncols = (int)strlen(types);
    for (int r = 0; rows != NULL && r < PQntuples(res) && rc == 0; r++) {
        json_t *row = json_array();
        for (int c = 0; row != NULL && c < ncols && c < PQnfields(res); c++) {
            json_t *v = field(res, r, c, types[c]);
            if (v == NULL || json_array_append_new(row, v) < 0) {
                json_decref(row);
                row = NULL;
            }
        }
        if (row == NULL || json_array_append_new(rows, row) < 0) {
            rc = -1;
        }
    }
    PQclear(res);
    if (rows == NULL || rc < 0 || json_object_set_new(out, member, rows) < 0) {
        qerr_set(err, QERR_NOMEM, "out of memory reading %s", member);
        return -1;
    }
    return 0;
}

json_t *db_metrics_read(struct db *db, long window, const char *bounds, struct qerr *err)
{
    json_t *out = json_object();
    if (out == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    char win[32];
    snprintf(win, sizeof win, "%ld", window);
    const char *dparams[] = {win, bounds};
    if (read_rows(db, SQL_API_METRICS_REQUESTS, NULL, "ssiifjj", out, "requests", err) < 0 ||
        read_rows(db, SQL_API_METRICS_JOBS, NULL, "ssi", out, "jobs", err) < 0 ||
        read_rows(db, SQL_API_METRICS_QUEUE, NULL, "if", out, "queue", err) < 0 ||
        read_rows(db, SQL_API_METRICS_DURATIONS, dparams, "ssiif", out, "durations", err) < 0 ||
        read_rows(db, SQL_API_METRICS_RUNNERS, NULL, "siifj", out, "runners", err) < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
