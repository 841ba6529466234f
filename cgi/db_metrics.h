// SPDX-License-Identifier: MIT
/*
 * db_metrics - the statements of sql/queries/api_metrics.sql: adding a
 * worker's request counts to quern.api_requests, and the reads behind
 * GET /metrics. Results leave as jansson arrays (one array per row, columns
 * in statement order, numbers as numbers, JSON columns parsed); the
 * PGresults stay in here.
 */
#ifndef QUERN_CGI_DB_METRICS_H
#define QUERN_CGI_DB_METRICS_H

#include <jansson.h>

#include "common/compat.h"
#include "common/db.h"
#include "common/qerr.h"

/* Adds rows (reqstats_rows() shape) to quern.api_requests in one statement. */
int db_metrics_requests_add(struct db *db, const json_t *rows, struct qerr *err) QUERN_MUSTCHECK;

/*
 * Everything /metrics shows from the database, as a new object with members
 * "requests", "jobs", "queue", "durations" and "runners" (each an array of
 * rows). window: seconds of finished jobs the duration histogram covers (0:
 * all); bounds: its bucket bounds as a float8[] literal ("{1,10,60}").
 * NULL with err set on failure.
 */
json_t *db_metrics_read(struct db *db, long window, const char *bounds, struct qerr *err);

#endif
