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

/* Stores each file (reads, hashes, inserts). */
int rjob_files_store(struct db *db, const struct cfg *cfg, const char *job_id, const char *dir,
                     const struct rjob_file *files, size_t n, struct qerr *err) QUERN_MUSTCHECK;

/* The output a file name belongs to (see contracts.md), or NULL. Borrowed from outputs. */
const char *rjob_file_output(const json_t *outputs, const char *name);
/* Media type: the output schema's contentMediaType, else by extension, else octet-stream. */
const char *rjob_file_media_type(const json_t *outputs, const char *output_id, const char *name);

/* Hex SHA-256 of data (out: 65 bytes). */
void rjob_sha256_hex(const void *data, size_t len, char out[65]);

#endif
