// SPDX-License-Identifier: MIT
/*
 * rjob_files - a job's output directory as reference outputs: which output
 * each file belongs to, its media type, SHA-256 and size, and storing it
 * in quern.job_files (content in PostgreSQL, or a filesystem store).
 *
 * rjob_files_scan() runs when the process has ended (only regular files
 * directly in the directory; others are skipped with a reason);
 * rjob_files_store() runs inside the transaction that records the job's end.
 */
#ifndef QUERN_RJOB_FILES_H
#define QUERN_RJOB_FILES_H

#include <jansson.h>

#include "common/cfg.h"
#include "common/db.h"

struct rjob_file {
    char *name;
    char *output_id;
    const char *media_type; /* static string or borrowed from the definition */
    long long bytes;
    /* Set once the file is already in a store (uploaded on the loop, or by the work itself). */
    const char *storage; /* "s3", NULL while the file is only in dir */
    char *location;      /* new string, as quern.job_files.location */
    char sha256[65];
};

/*
 * Lists dir's files. outputs is the definition's outputs map. Skipped
 * entries are reported through note(arg, text). -1 with err when a file
 * fits no output or is larger than max_bytes.
 */
int rjob_files_scan(const char *dir, const json_t *outputs, long long max_bytes,
                    void (*note)(void *arg, const char *text), void *arg, struct rjob_file **files,
                    size_t *n, struct qerr *err) QUERN_MUSTCHECK;
void rjob_files_free(struct rjob_file *files, size_t n);

/*
 * Appends a file that is already stored (location set, e.g. written to S3 by
 * a Batch container): its output is found from its name as for scanned files.
 * -1 with err when it fits no output or is larger than max_bytes.
 */
int rjob_files_add_stored(const json_t *outputs, long long max_bytes, const char *name,
                          long long bytes, const char *sha256, const char *storage,
                          const char *location, struct rjob_file **files, size_t *n,
                          struct qerr *err) QUERN_MUSTCHECK;

/*
 * Moves each value of results whose JSON text is longer than max_inline bytes
 * into dir as a file named <output id>.json (.txt for strings), so that it is
 * stored like any output file instead of in quern.jobs.results. Returns how
 * many moved, -1 with err when a file cannot be written.
 */
int rjob_files_spill(json_t *results, const char *dir, long max_inline,
                     struct qerr *err) QUERN_MUSTCHECK;

/*
 * Stores each file (reads, hashes, inserts); files that already have a
 * location only get their row.
 */
int rjob_files_store(struct db *db, const struct cfg *cfg, const char *job_id, const char *dir,
                     const struct rjob_file *files, size_t n, struct qerr *err) QUERN_MUSTCHECK;

/* The output a file name belongs to (see contracts.md), or NULL. Borrowed from outputs. */
const char *rjob_file_output(const json_t *outputs, const char *name);
/* Media type: the output schema's contentMediaType, else by extension, else octet-stream. */
const char *rjob_file_media_type(const json_t *outputs, const char *output_id, const char *name);

/* Hex SHA-256 of data (out: 65 bytes). */
void rjob_sha256_hex(const void *data, size_t len, char out[65]);

#endif
