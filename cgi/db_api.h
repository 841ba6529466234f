// SPDX-License-Identifier: MIT
/*
 * db_api - quern-api's reads and writes of quern.processes, quern.jobs,
 * job_logs and job_files (statements in sql/queries/api_*.sql). Every
 * PGresult stays in here: callers get quern structs or jansson values.
 * Job rows are copied into struct db_api_job; times are RFC 3339 strings
 * made by PostgreSQL. Functions return 0, or -1 with err (QERR_NOTFOUND
 * when the row does not exist or belongs to another submitter).
 */
#ifndef QUERN_CGI_DB_API_H
#define QUERN_CGI_DB_API_H

#include <jansson.h>

#include "common/compat.h"
#include "common/db.h"
#include "common/qerr.h"

struct db_api_process {
    char *id;
    char *version;
    char *description; /* the stored JSON text, served as is */
    size_t description_len;
    bool available;
    json_t *definition; /* only from db_api_process_get(..., true, ...) */
    json_t *access;     /* the definition's access member, NULL when it has none */
};

struct db_api_job {
    char *id, *process_id, *process_version, *status, *mode, *message;
    int progress; /* -1 when unknown */
    char *created, *started, *finished, *updated; /* NULL when not (yet) set */
    bool dismiss_requested;
    json_t *request, *results, *exception; /* NULL when absent or not selected */
};

struct db_api_job_filter {
    const char *process_ids; /* PostgreSQL array literal text or NULL */
    const char *statuses;    /* idem */
    const char *created_from, *created_to; /* RFC 3339 or NULL */
    const char *min_duration, *max_duration; /* seconds as text or NULL */
    const char *submitter;
    const char *after; /* job id of the last row of the previous page, or NULL */
    long limit;
};

struct db_api_file {
    char *name, *media_type, *storage, *location;
    unsigned char *content; /* postgres storage: the bytes (PQfreemem-free: plain malloc) */
    size_t len;
    long long bytes;
};

void db_api_process_cleanup(struct db_api_process *p);
void db_api_job_cleanup(struct db_api_job *j);
void db_api_file_cleanup(struct db_api_file *f);

int db_api_process_get(struct db *db, const char *id, bool with_definition,
                       struct db_api_process *out, struct qerr *err) QUERN_MUSTCHECK;
/* Summaries (description without inputs/outputs) after/before an id, at most limit;
 * before walks backwards but the array is in id order. roles (a JSON array, NULL: every
 * process) leaves out processes whose access.roles names none of them. New reference. */
json_t *db_api_process_page(struct db *db, const char *after, const char *before, long limit,
                            const char *roles, struct qerr *err);
/* {id: description} of every process roles may see (for the OpenAPI document). New ref. */
json_t *db_api_process_all(struct db *db, const char *roles, struct qerr *err);

int db_api_job_insert(struct db *db, const struct db_api_process *p, const char *mode,
                      const char *submitter, const char *request, const char *definition,
                      const char *backend, long priority, long max_attempts,
                      struct db_api_job *out, struct qerr *err) QUERN_MUSTCHECK;
int db_api_job_get(struct db *db, const char *id, const char *submitter, struct db_api_job *out,
                   struct qerr *err) QUERN_MUSTCHECK;
/* Up to f->limit jobs newest first into *out (n of them; free each with cleanup, then free). */
int db_api_job_list(struct db *db, const struct db_api_job_filter *f, struct db_api_job **out,
                    size_t *n, struct qerr *err) QUERN_MUSTCHECK;
int db_api_job_dismiss(struct db *db, const char *id, const char *submitter,
                       struct db_api_job *out, struct qerr *err) QUERN_MUSTCHECK;
/* [{outputId, name, type, bytes}] of a job's files. New reference. */
json_t *db_api_job_files(struct db *db, const char *id, struct qerr *err);
/* The first file of an output (QERR_NOTFOUND when there is none); reads filesystem
 * storage up to max bytes. For s3 storage content stays NULL: read it with
 * storage_read_all (common/storage.h) and out->location. */
int db_api_job_file(struct db *db, const char *id, const char *output_id, size_t max,
                    struct db_api_file *out, struct qerr *err) QUERN_MUSTCHECK;
/* [{seq, at, stream, line}] with seq > since, at most limit. New reference. */
json_t *db_api_job_logs(struct db *db, const char *id, long long since, long limit,
                        struct qerr *err);
/* jobs.log_location of job id (a new string), NULL when its log is in job_logs. */
int db_api_job_log_location(struct db *db, const char *id, char **location,
                            struct qerr *err) QUERN_MUSTCHECK;
/* The metadata document of a job. New reference. */
json_t *db_api_job_metadata(struct db *db, const char *id, const char *submitter,
                            struct qerr *err);

/* Reads pending notifications without blocking and drops them; true when one was
 * quern_processes (the registry changed) or the connection is broken. */
bool db_api_registry_changed(struct db *db);
/* Waits up to timeout_ms for NOTIFY quern_done with payload job_id: 1 when it came,
 * 0 on timeout, -1 with err when the connection failed. *registry_changed is set when
 * a quern_processes notification went by. */
int db_api_wait_done(struct db *db, const char *job_id, long timeout_ms, bool *registry_changed,
                     struct qerr *err);

#endif
