// SPDX-License-Identifier: MIT
/*
 * batch_api - the AWS Batch API as quern uses it (rest-json, service
 * "batch"): builders of SubmitJob, DescribeJobs and TerminateJob bodies and
 * parsers of their replies, without any I/O. be_batch.c sends what these
 * build (POST /v1/submitjob, /v1/describejobs, /v1/terminatejob) and hands
 * back what arrives. Every builder returns new JSON text owned by the caller.
 * Use: batch_api_<verb>_body() -> send -> batch_api_parse_<verb>().
 */
#ifndef QUERN_BATCH_API_H
#define QUERN_BATCH_API_H

#include "common/compat.h"
#include "common/qerr.h"

/* DescribeJobs takes at most this many ids per call. */
#define BATCH_DESCRIBE_MAX 100
/* Batch refuses job timeouts below this many seconds. */
#define BATCH_TIMEOUT_MIN 60

/* What a Batch job for a quern job is made of (all borrowed). */
struct batch_spec {
    const char *job_id; /* quern's job id: the jobName and a tag */
    const char *job_queue;
    const char *job_definition;
    char *const *argv; /* containerOverrides.command, NULL-terminated */
    char *const *envp; /* "K=V", NULL-terminated; PATH and QUERN_*_DIR are left out */
    double cpus;       /* 0: the job definition's */
    long memory_mib;   /* 0: the job definition's */
    long timeout_s;    /* 0: none; else raised to BATCH_TIMEOUT_MIN */
};

/* PATH /v1/... of each call. */
#define BATCH_PATH_SUBMIT "/v1/submitjob"
#define BATCH_PATH_DESCRIBE "/v1/describejobs"
#define BATCH_PATH_TERMINATE "/v1/terminatejob"

char *batch_api_submit_body(const struct batch_spec *spec, struct qerr *err);
/* ids: n (1..BATCH_DESCRIBE_MAX) Batch job ids. */
char *batch_api_describe_body(const char *const *ids, size_t n, struct qerr *err);
char *batch_api_terminate_body(const char *batch_id, const char *reason, struct qerr *err);

/* The jobId of a SubmitJob reply, copied into id. */
int batch_api_parse_submit(const char *body, size_t len, char *id, size_t idsz,
                           struct qerr *err) QUERN_MUSTCHECK;

enum batch_state {
    BATCH_UNKNOWN, /* a status this code does not know */
    BATCH_SUBMITTED,
    BATCH_PENDING,
    BATCH_RUNNABLE,
    BATCH_STARTING,
    BATCH_RUNNING,
    BATCH_SUCCEEDED,
    BATCH_FAILED,
};

struct batch_status {
    char id[128];
    enum batch_state state;
    char state_name[32]; /* as Batch spells it */
    char reason[256];    /* statusReason, or the container's reason, "" when none */
    bool has_exit;
    int exit_code;
    char log_stream[512]; /* container.logStreamName, "" until known */
    char log_group[512];  /* from the job's logConfiguration (awslogs-group), "" when default */
};

bool batch_state_terminal(enum batch_state s);

/*
 * Parses a DescribeJobs reply into *out (malloc'd array of *n, caller frees).
 * Ids that Batch omitted (unknown to it) are simply absent.
 */
int batch_api_parse_describe(const char *body, size_t len, struct batch_status **out, size_t *n,
                             struct qerr *err) QUERN_MUSTCHECK;

#endif
