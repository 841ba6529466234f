// SPDX-License-Identifier: MIT
/*
 * storage - where job output files live when they are not in PostgreSQL:
 * the filesystem store (storage.path) or the s3 store (storage.s3_bucket,
 * storage.s3_prefix). It owns the naming of stored objects and reading them
 * back; quern.job_files keeps (storage, location) and PostgreSQL keeps the
 * content itself when storage is "postgres" (not handled here).
 *
 * Writer (the runner, before it records the file row):
 *   storage_put_file -> (storage name, location) for quern.job_files.
 * Reader (GET /jobs/{id}/results/{output} in the API):
 *   storage_open_file -> storage_file_size / storage_file_redirect ->
 *   write the response head -> storage_file_send -> storage_file_close,
 *   or storage_read_all for a bounded copy in memory.
 * Blocking: the runner uses storage_put_file only for the filesystem store;
 * its S3 uploads run on its loop instead (runner/rjob_store.c).
 */
#ifndef QUERN_STORAGE_H
#define QUERN_STORAGE_H

#include "common/cfg.h"
#include "common/compat.h"
#include "common/qerr.h"

/*
 * Stores data as the file name of output output_id of job job_id in the
 * store cfg->storage_type selects ("filesystem" or "s3"). *storage gets the
 * static name for quern.job_files.storage, *location a new string for
 * quern.job_files.location. -1 with err (QERR_BACKEND naming the store).
 */
int storage_put_file(const struct cfg *cfg, const char *job_id, const char *output_id,
                     const char *name, const void *data, size_t len, const char *media_type,
                     const char **storage, char **location, struct qerr *err) QUERN_MUSTCHECK;

struct storage_file;

/*
 * Opens a stored file for reading: storage and location as in
 * quern.job_files. NULL with QERR_NOTFOUND when it is gone, QERR_INVALID for
 * an unknown storage, QERR_BACKEND when the store fails.
 */
struct storage_file *storage_open_file(const struct cfg *cfg, const char *storage,
                                       const char *location, struct qerr *err);
/* Size in bytes, -1 when unknown. */
long long storage_file_size(const struct storage_file *f);
/* A presigned URL to redirect the client to (s3 with storage.s3_presign > 0), else NULL. */
const char *storage_file_redirect(const struct storage_file *f);

/* Receives the bytes in order; 0 to go on, -1 to stop. */
typedef int (*storage_sink)(void *arg, const void *data, size_t len);
/* Streams the whole file to sink (in chunks; never held whole in memory). */
int storage_file_send(struct storage_file *f, storage_sink sink, void *arg,
                      struct qerr *err) QUERN_MUSTCHECK;
void storage_file_close(struct storage_file *f);

/*
 * The whole file in memory (at most max bytes, else QERR_TOO_LARGE): for
 * callers that hold responses whole. *data is new (NUL-terminated), *len its size.
 */
int storage_read_all(const struct cfg *cfg, const char *storage, const char *location, size_t max,
                     char **data, size_t *len, struct qerr *err) QUERN_MUSTCHECK;

#endif
