// SPDX-License-Identifier: MIT
/*
 * rjob_store - uploads a job's output files to the s3 store on the
 * runner's loop, so that a large upload never stalls other jobs.
 *
 * When a job with output files ends and storage.type is s3, the core
 * starts one rjob_store; it PUTs the files that have no location yet, one
 * after the other, streamed from the output directory through curlm
 * (aws_xfer: retried on throttling and 5xx, stalled transfers end), and
 * hashes them on the way. Each stored file gets storage "s3", its location
 * and SHA-256; the flush transaction then only inserts rows. The done
 * callback fires once, from the loop, never from rjob_store_start.
 * Use: rjob_store_needed -> rjob_store_start -> (done) -> rjob_store_free,
 * or rjob_store_free before done to cancel.
 */
#ifndef QUERN_RJOB_STORE_H
#define QUERN_RJOB_STORE_H

#include "common/cfg.h"
#include "common/qerr.h"
#include "runner/curlm.h"
#include "runner/ev.h"
#include "runner/rjob_files.h"

struct rjob_store;

/* err is NULL when every file is stored, else why the upload failed. */
typedef void (*rjob_store_cb)(void *arg, const struct qerr *err);

/* True when files must be uploaded on the loop before the job's end is written. */
bool rjob_store_needed(const struct cfg *cfg, const struct rjob_file *files, size_t n);

/*
 * Starts uploading files (borrowed; filled in as they are stored) from dir.
 * cfg is copied from as needed. NULL with err when it cannot start.
 */
struct rjob_store *rjob_store_start(struct ev *ev, struct curlm *m, const struct cfg *cfg,
                                    const char *job_id, const char *dir, struct rjob_file *files,
                                    size_t n, rjob_store_cb done, void *arg, struct qerr *err);
/* Cancels a running upload (no callback) or frees a finished one. Accepts NULL. */
void rjob_store_free(struct rjob_store *st);

#endif
