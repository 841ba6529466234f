// SPDX-License-Identifier: MIT
/*
 * log_archive - storage.log_archive: once a job's end is committed, its log
 * lines leave quern.job_logs for one object in the s3 store,
 * <storage.s3_prefix><job id>/log.jsonl (one JSON object {seq, at, stream,
 * line} per line). The upload runs on the loop (curlm); only when S3 has
 * the object does one statement set jobs.log_location and delete the rows
 * it holds, so a failed or interrupted archive leaves the log in
 * PostgreSQL, where /jobs/{id}/logs keeps finding it. The API reads the
 * object when log_location is set.
 * Use: log_archive_start after each committed end; log_archive_free_all at exit.
 */
#ifndef QUERN_LOG_ARCHIVE_H
#define QUERN_LOG_ARCHIVE_H

struct runner;

/* Archives job_id's log when storage.log_archive is on (no-op otherwise). */
void log_archive_start(struct runner *r, const char *job_id);
/* Cancels archives still in flight (their rows stay). */
void log_archive_free_all(struct runner *r);

#endif
