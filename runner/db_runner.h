// SPDX-License-Identifier: MIT
/*
 * db_runner - the runner's statements (sql/queries/runner_jobs.sql) and the
 * conversion of their results into plain structs and jansson values, so no
 * PGresult leaves a db_ module. Every call is one round trip on the
 * runner's single connection; none opens a transaction except through
 * db_begin/db_commit by the caller (flush with files).
 */
#ifndef QUERN_DB_RUNNER_H
#define QUERN_DB_RUNNER_H

#include <jansson.h>

#include "common/buf.h"
#include "common/db.h"

struct db_runner_claimed {
    char id[37];
    char *process_id;
    char *backend;
    char *backend_job_id;
    int attempt;
    int max_attempts;
    long long log_seq; /* highest job_logs.seq so far */
    long long replayed[2]; /* re-attach: stdout, stderr lines of this attempt stored already */
    json_t *definition;
    json_t *request;
};

/*
 * Claims (reattach false) or takes over expired remote work (reattach true)
 * for up to limit jobs. *rows (n entries) is new, freed with
 * db_runner_claimed_free; fields may be stolen (set to NULL) before.
 */
int db_runner_claim(struct db *db, bool reattach, const char *me, const char *backends, long limit,
                    long lease, struct db_runner_claimed **rows, int *n, struct qerr *err)
    QUERN_MUSTCHECK;
void db_runner_claimed_free(struct db_runner_claimed *rows, int n);

int db_runner_register(struct db *db, const char *id, const char *host, long pid,
                       const char *version, const char *backends, long slots, struct qerr *err)
    QUERN_MUSTCHECK;
int db_runner_unregister(struct db *db, const char *id, struct qerr *err) QUERN_MUSTCHECK;
/* *found: whether the runner's row still exists. */
int db_runner_heartbeat(struct db *db, const char *id, long running, long slots, bool *found,
                        struct qerr *err) QUERN_MUSTCHECK;
/* *owned: new object job id -> dismiss_requested (bool) for the jobs still ours. */
int db_runner_renew(struct db *db, const char *id, const char *ids_arr, long lease, json_t **owned,
                    struct qerr *err) QUERN_MUSTCHECK;
/* *reaped: number of jobs retried, failed or dismissed; none within lease seconds of the
 * server's start. */
int db_runner_reap(struct db *db, const char *id, const char *dying, long backoff, long lease,
                   int *reaped, struct qerr *err) QUERN_MUSTCHECK;
/* Runs the batch; *applied: new object job id -> "f" or "b" for the ends that were ours. */
int db_runner_flush(struct db *db, const char *id, const char *logs, const char *upd,
                    const char *fin, const char *back, json_t **applied, struct qerr *err)
    QUERN_MUSTCHECK;
/*
 * The whole log of job as JSON lines ({seq, at, stream, line}\n each) appended
 * to out (bounded by its maximum); *last_seq is the last seq (0 when none).
 */
int db_runner_logs_dump(struct db *db, const char *job, struct buf *out, long long *last_seq,
                        struct qerr *err) QUERN_MUSTCHECK;
/* Sets jobs.log_location of a finished job and deletes its rows up to last_seq. */
int db_runner_logs_archived(struct db *db, const char *job, const char *location,
                            long long last_seq, struct qerr *err) QUERN_MUSTCHECK;
int db_runner_file_add(struct db *db, const char *job, const char *output, const char *name,
                       const char *media_type, long long bytes, const char *sha256,
                       const char *storage, const char *location, const void *content,
                       size_t content_len, struct qerr *err) QUERN_MUSTCHECK;

typedef void (*db_runner_notify_cb)(const char *channel, const char *payload, void *arg);
/*
 * Reads what arrived on the connection (read: call PQconsumeInput first) and
 * hands each notification to cb. -1 when the connection is broken.
 */
int db_runner_notifies(struct db *db, bool read, db_runner_notify_cb cb, void *arg);

#endif
