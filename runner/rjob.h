// SPDX-License-Identifier: MIT
/*
 * rjob - a job as the runner holds it while it runs, and the sink through
 * which backends report on it.
 *
 * The core fills the fields from the claimed row; backends read them and
 * call the rjob_* functions below. Everything a backend needs to start the
 * work is here: argv (the definition's command plus the inputs JSON as the
 * last argument), envp (only what the definition grants, plus QUERN_JOB_ID,
 * QUERN_OUTPUT_DIR and QUERN_JOB_DIR), the definition, and the job's
 * working and output directories on this host.
 */
#ifndef QUERN_RJOB_H
#define QUERN_RJOB_H

#include <jansson.h>

#include "common/compat.h"

struct be_exit {
    bool exited;     /* true: exit_code is valid */
    int exit_code;
    int term_signal; /* signal that ended it, 0 if none */
    bool oom;        /* killed for exceeding its memory limit */
    const char *error; /* backend failure (engine error, submit refused...), NULL if none */
    bool gone;         /* the work vanished unseen (container removed): retried while attempts remain */
};

struct rjob {
    char id[37];
    char *process_id;
    char *backend;        /* host type */
    char *backend_job_id; /* NULL until known */
    int attempt;
    json_t *definition;   /* borrowed view of jobs.definition */
    json_t *request;      /* jobs.request: inputs, outputs, response, subscriber */
    char *inputs_json;    /* the last argv element */
    char **argv;          /* NULL-terminated, owned by the core */
    char **envp;          /* NULL-terminated, owned by the core */
    char *job_dir;        /* per-job working directory (QUERN_JOB_DIR) */
    char *output_dir;     /* files here become reference outputs (QUERN_OUTPUT_DIR) */
    long timeout_s;       /* 0: none */
    long memory_mib;      /* 0: unlimited */
    double cpus;          /* 0: unlimited */
    long cpu_seconds;     /* CPU time limit (maxResources.cpuTime); 0: unlimited */
    void *be_state;       /* the backend's per-job state */
    void *core;           /* the core's private state */
};

/* Records the backend's id of the work (stored in jobs.backend_job_id at once). */
void rjob_set_backend_id(struct rjob *job, const char *id);
/* Bytes the work printed; stream is 1 (stdout) or 2 (stderr). */
void rjob_output(struct rjob *job, int stream, const char *data, size_t len);
/* A line quern itself adds to the job's log (stream "system"). */
void rjob_note(struct rjob *job, const char *fmt, ...) QUERN_PRINTF(2, 3);
/*
 * Records what the backend learned about the work (a JSON object, e.g. the
 * image the container ran) in jobs.backend_info, shown by
 * /jobs/{id}/metadata. Takes the reference; a later call replaces it.
 */
void rjob_set_backend_info(struct rjob *job, json_t *info);
/* Sets jobs.message while the work runs (e.g. the Slurm state), progress unchanged. */
void rjob_message(struct rjob *job, const char *msg);
/*
 * A file the work stored itself (a Batch container writing to S3): name as
 * in the output directory, size, hex SHA-256, storage ("s3") and location
 * (as quern.job_files keeps them). Only before rjob_exited; the core maps
 * it to an output like a file of the output directory.
 */
void rjob_stored_file(struct rjob *job, const char *name, long long bytes, const char *sha256,
                      const char *storage, const char *location);
/* The work has ended; called exactly once per submit/attach. */
void rjob_exited(struct rjob *job, const struct be_exit *how);

#endif
