// SPDX-License-Identifier: MIT
/*
 * batch_out - output files of an AWS Batch job. A Batch container cannot
 * write to the runner's output directory, so it gets an S3 prefix instead:
 * QUERN_OUTPUT_URL (s3://bucket/<storage.s3_prefix><job id>/out/),
 * QUERN_OUTPUT_BUCKET and QUERN_OUTPUT_PREFIX (the key prefix). The process
 * uploads its files there (object names follow the output-directory rules).
 * When the job has SUCCEEDED, the backend lists the prefix (ListObjectsV2,
 * paged) and reads every object once to hash it (SHA-256, as for local
 * files), on the runner's loop; the files then become the job's file
 * outputs, kept where the process put them.
 * Use: batch_out_open (once, from cfg) -> batch_out_env per submit ->
 * batch_out_collect -> (done) -> batch_out_collect_free ... batch_out_close.
 */
#ifndef QUERN_BATCH_OUT_H
#define QUERN_BATCH_OUT_H

#include "common/cfg.h"
#include "common/qerr.h"
#include "common/s3.h"
#include "runner/curlm.h"
#include "runner/ev.h"

/* Most objects taken from one job's prefix. */
#define BATCH_OUT_FILES_MAX 1000

struct batch_out {
    bool enabled; /* storage.s3_bucket is set */
    struct s3 s3;
    char *bucket;
    char *prefix;        /* storage.s3_prefix */
    long long max_bytes; /* runner.output_max */
};

/* From cfg; disabled (and 0) when storage.s3_bucket is empty. */
int batch_out_open(const struct cfg *cfg, struct batch_out *o, struct qerr *err) QUERN_MUSTCHECK;
void batch_out_close(struct batch_out *o);

/*
 * envp plus the QUERN_OUTPUT_* lines for job_id: a new NULL-terminated array
 * whose added strings are new too (free with batch_out_env_free(v, envp)).
 */
char **batch_out_env(const struct batch_out *o, const char *job_id, char *const *envp,
                     struct qerr *err);
void batch_out_env_free(char **v, char *const *envp);

struct batch_out_file {
    char *name;     /* the object name under the prefix: a plain file name */
    char *location; /* s3://bucket/key */
    long long bytes;
    char sha256[65];
};

struct batch_out_collect;
/* err NULL: files[0..n) are the outputs (borrowed until the collector is freed). */
typedef void (*batch_out_cb)(void *arg, const struct batch_out_file *files, size_t n,
                             const struct qerr *err);
/* note(arg, text): an object skipped, and why. */
typedef void (*batch_out_note)(void *arg, const char *text);

/* Starts listing and hashing; done fires once from the loop. NULL with err. */
struct batch_out_collect *batch_out_collect(const struct batch_out *o, struct ev *ev,
                                            struct curlm *m, const char *job_id,
                                            batch_out_note note, batch_out_cb done, void *arg,
                                            struct qerr *err);
/* Cancels (no callback) or frees a finished collector. Accepts NULL. */
void batch_out_collect_free(struct batch_out_collect *c);

#endif
