// SPDX-License-Identifier: MIT
/*
 * be_batch - the aws-batch backend: a job runs as an AWS Batch job.
 *
 * submit: SubmitJob (batch_api) and the Batch job id goes to
 * rjob_set_backend_id at once. One repeating poll follows every job with
 * DescribeJobs, at most BATCH_DESCRIBE_MAX ids per call; the interval grows
 * to 8x aws.batch_poll_ms while nothing changes and snaps back on any
 * change. State changes become notes; while a job runs and once it has
 * ended, its CloudWatch stream is read page by page (cwlogs) into
 * rjob_output, so plugin_results work as on any backend. A terminal state
 * drains the stream, then rjob_exited. attach follows an existing Batch id
 * and never submits. stop: TerminateJob. Every call retries throttling and
 * 5xx (aws_xfer); refused credentials fail the job with AWS's reason, never
 * a secret. With storage.s3_bucket set, the container also gets an S3 output
 * prefix and a SUCCEEDED job's files there become its outputs (batch_out).
 * Per-job phases: SUBMITTING -> FOLLOWING -> DRAINING [-> COLLECTING] -> ENDED.
 */
#include "common/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/aws.h"
#include "common/log.h"
#include "runner/aws_xfer.h"
#include "runner/batch_api.h"
#include "runner/batch_out.h"
#include "runner/be.h"
#include "runner/cwlogs.h"
#include "runner/rjob.h"

#define TRIES 6         /* per call, throttling and 5xx included */
#define MISSING_LIMIT 2 /* DescribeJobs rounds that omit a job before it fails */
#define LOGS_MISSING_LIMIT 5
#define LOG_PAGE_MAX (2 * 1024 * 1024)

enum phase { PH_SUBMITTING, PH_FOLLOWING, PH_DRAINING, PH_COLLECTING, PH_ENDED };

struct bjob {
    struct batch *b;
    struct bjob *prev, *next; /* every live bjob of b, for fini */
    struct rjob *job;
    enum phase phase;
    char batch_id[128];
    char region[32];
    enum batch_state state;
    char log_group[512];
    char log_stream[512];
    char *log_token;
    int logs_missing;
    int missing;
    bool stop_requested;
    const char *stop_reason;
    struct aws_xfer *call; /* submit or logs in flight */
    struct aws_xfer *term; /* TerminateJob in flight */
    struct batch_out_collect *collect; /* output files being listed and read */
    struct be_exit exit;
    char exit_msg[512];
};

struct batch {
    struct ev *ev;
    struct curlm *m;
    struct aws_creds creds;
    struct batch_out out; /* S3 prefix for output files (storage.s3_bucket) */
    char *log_group;
    long poll_ms;
    int idle; /* polls in a row without a change */
    struct ev_timer *poll;
    struct aws_xfer *describe;
    struct bjob *described[BATCH_DESCRIBE_MAX];
    size_t ndescribed;
    size_t turn;        /* where the next DescribeJobs chunk starts */
    bool more;          /* the last chunk left jobs out: describe again at once */
    struct bjob *live;  /* every bjob not yet released */
    struct bjob **jobs; /* followed jobs (FOLLOWING or DRAINING) */
    size_t njobs, capjobs;
};

static void poll_arm(struct batch *b, long ms);
static void logs_fetch(struct bjob *bj);

/* --- the followed list ---------------------------------------------------- */

static int follow(struct batch *b, struct bjob *bj)
{
    if (b->njobs == b->capjobs) {
        size_t n = b->capjobs > 0 ? b->capjobs * 2 : 16;
        struct bjob **j = realloc(b->jobs, n * sizeof *j);
        if (j == NULL) {
            return -1;
        }
        b->jobs = j;
        b->capjobs = n;
    }
    b->jobs[b->njobs++] = bj;
    b->idle = 0;
    poll_arm(b, 0);
    return 0;
}

static void unfollow(struct batch *b, struct bjob *bj)
{
    for (size_t i = 0; i < b->njobs; i++) {
        if (b->jobs[i] == bj) {
            b->jobs[i] = b->jobs[--b->njobs];
            break;
        }
    }
    for (size_t i = 0; i < b->ndescribed; i++) {
        if (b->described[i] == bj) {
            b->described[i] = NULL;
        }
    }
}

static void collect_start(struct bjob *bj);

/* Reports the end once; bj may be freed by the core from here on. */
static void finish(struct bjob *bj)
{
    if (bj->phase == PH_ENDED) {
        return;
    }
    if (bj->phase != PH_COLLECTING && bj->exit_msg[0] == '\0' && bj->state == BATCH_SUCCEEDED &&
        bj->b->out.enabled) {
        collect_start(bj); /* finish again once the output files are known */
        return;
    }
    bj->phase = PH_ENDED;
    unfollow(bj->b, bj);
    bj->exit.error = bj->exit_msg[0] != '\0' ? bj->exit_msg : NULL;
    struct be_exit how = bj->exit;
    rjob_exited(bj->job, &how);
}

static void fail(struct bjob *bj, const char *fmt, ...) QUERN_PRINTF(2, 3);

static void fail(struct bjob *bj, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bj->exit_msg, sizeof bj->exit_msg, fmt, ap);
    va_end(ap);
    bj->exit.exited = false;
    finish(bj);
}

static void on_collect_note(void *arg, const char *text)
{
    struct bjob *bj = arg;
    rjob_note(bj->job, "%s", text);
}

static void on_collected(void *arg, const struct batch_out_file *files, size_t n,
                         const struct qerr *err)
{
    struct bjob *bj = arg;
    if (err != NULL) {
        fail(bj, "the output files of AWS Batch job %s could not be read: %s", bj->batch_id,
             err->msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rjob_stored_file(bj->job, files[i].name, files[i].bytes, files[i].sha256, "s3",
                         files[i].location);
    }
    if (n > 0) {
        rjob_note(bj->job, "%zu output file(s) found in S3", n);
    }
    finish(bj);
}

/* Lists and hashes the files the container wrote under its S3 prefix. */
static void collect_start(struct bjob *bj)
{
    struct qerr err = QERR_INIT;
    unfollow(bj->b, bj);
    aws_xfer_cancel(bj->call);
    bj->call = NULL;
    bj->phase = PH_COLLECTING;
    bj->collect = batch_out_collect(&bj->b->out, bj->b->ev, bj->b->m, bj->job->id,
                                    on_collect_note, on_collected, bj, &err);
    if (bj->collect == NULL) {
        fail(bj, "the output files of AWS Batch job %s could not be read: %s", bj->batch_id,
             err.msg);
    }
}

/* Words for a refusal: credentials problems say so first. */
static const char *refusal(const struct aws_reply *r)
{
    return r->outcome == AWS_AUTH ? "AWS refused the credentials" : "AWS refused the call";
}

static struct aws_xfer *start_call(struct batch *b, const char *service, const char *region,
                                   const char *target, const char *path, const char *body,
                                   aws_xfer_cb done, void *arg, struct qerr *err)
{
    const char *target_hdr[2] = {NULL, NULL};
    char line[128];
    if (target != NULL) {
        snprintf(line, sizeof line, "X-Amz-Target: %s", target);
        target_hdr[0] = line;
    }
    bool logs = strcmp(service, "logs") == 0;
    char *url = aws_service_url(&b->creds, service, region, err);
    if (url == NULL) {
        return NULL;
    }
    struct aws_call call = {
        .service = service,
        .region = region,
        .method = "POST",
        .base_url = url,
        .path = path,
        .headers = target_hdr,
        .content_type = logs ? CWLOGS_CONTENT_TYPE : "application/json",
        .body = body,
        .body_len = strlen(body),
    };
    struct aws_xfer *x = aws_xfer_start(b->ev, b->m, &b->creds, &call, TRIES, done, arg, err);
    free(url);
    return x;
}

/* --- submit ---------------------------------------------------------------- */

static void terminate(struct bjob *bj);

static void on_submitted(const struct aws_reply *r, const char *body, size_t len, int tries,
                         void *arg)
{
    struct bjob *bj = arg;
    bj->call = NULL;
    struct qerr err = QERR_INIT;
    if (r->outcome != AWS_OK) {
        fail(bj, "SubmitJob failed%s: %s: %s", tries > 1 ? " after retries" : "", refusal(r),
             r->msg);
        return;
    }
    if (batch_api_parse_submit(body, len, bj->batch_id, sizeof bj->batch_id, &err) < 0) {
        fail(bj, "SubmitJob: %s", err.msg);
        return;
    }
    rjob_set_backend_id(bj->job, bj->batch_id);
    rjob_note(bj->job, "submitted to AWS Batch as job %s", bj->batch_id);
    bj->phase = PH_FOLLOWING;
    if (follow(bj->b, bj) < 0) {
        fail(bj, "out of memory following Batch job %s", bj->batch_id);
        return;
    }
    if (bj->stop_requested) {
        terminate(bj);
    }
}

static const char *host_str(const struct rjob *job, const char *key)
{
    const json_t *host = json_object_get(job->definition, "host");
    return json_string_value(json_object_get(host, key));
}

static struct bjob *bjob_new(struct batch *b, struct rjob *job, struct qerr *err)
{
    struct bjob *bj = calloc(1, sizeof *bj);
    if (bj == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    bj->b = b;
    bj->job = job;
    bj->next = b->live;
    if (b->live != NULL) {
        b->live->prev = bj;
    }
    b->live = bj;
    const char *region = host_str(job, "region");
    snprintf(bj->region, sizeof bj->region, "%s", region != NULL ? region : "");
    job->be_state = bj;
    return bj;
}

/* Cancels bj's transfers, unlinks and frees it. */
static void bjob_free(struct bjob *bj)
{
    struct batch *b = bj->b;
    unfollow(b, bj);
    aws_xfer_cancel(bj->call);
    aws_xfer_cancel(bj->term);
    batch_out_collect_free(bj->collect);
    if (bj->prev != NULL) {
        bj->prev->next = bj->next;
    } else {
        b->live = bj->next;
    }
    if (bj->next != NULL) {
        bj->next->prev = bj->prev;
    }
    bj->job->be_state = NULL;
    free(bj->log_token);
    free(bj);
}

static int batch_submit(void *state, struct rjob *job, struct qerr *err)
{
    struct batch *b = state;
    if (aws_creds_check(&b->creds, err) < 0) {
        return -1;
    }
    char **envp = batch_out_env(&b->out, job->id, job->envp, err);
    if (envp == NULL) {
        return -1;
    }
    struct batch_spec spec = {
        .job_id = job->id,
        .job_queue = host_str(job, "jobQueue"),
        .job_definition = host_str(job, "jobDefinition"),
        .argv = job->argv,
        .envp = envp,
        .cpus = job->cpus,
        .memory_mib = job->memory_mib,
        .timeout_s = job->timeout_s,
    };
    char *body = batch_api_submit_body(&spec, err);
    batch_out_env_free(envp, job->envp);
    if (body == NULL) {
        return -1;
    }
    struct bjob *bj = bjob_new(b, job, err);
    if (bj != NULL) {
        bj->call = start_call(b, "batch", bj->region, NULL, BATCH_PATH_SUBMIT, body, on_submitted,
                              bj, err);
    }
    free(body);
    if (bj == NULL || bj->call == NULL) {
        if (bj != NULL) {
            bjob_free(bj);
        }
        return -1;
    }
    return 0;
}

static int batch_attach(void *state, struct rjob *job, struct qerr *err)
{
    struct batch *b = state;
    if (job->backend_job_id == NULL || *job->backend_job_id == '\0') {
        qerr_set(err, QERR_NOTFOUND, "no AWS Batch job id to follow");
        return -1;
    }
    if (aws_creds_check(&b->creds, err) < 0) {
        return -1;
    }
    struct bjob *bj = bjob_new(b, job, err);
    if (bj == NULL) {
        return -1;
    }
    snprintf(bj->batch_id, sizeof bj->batch_id, "%s", job->backend_job_id);
    bj->phase = PH_FOLLOWING;
    if (follow(b, bj) < 0) {
        bjob_free(bj);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    rjob_note(job, "following AWS Batch job %s again (its log is read from the start)",
              bj->batch_id);
    return 0;
}

/* --- logs ------------------------------------------------------------------ */

/* The job definition's awslogs-group when DescribeJobs names one, else aws.log_group. */
static const char *log_group_of(const struct bjob *bj)
{
    return bj->log_group[0] != '\0' ? bj->log_group : bj->b->log_group;
}

static void on_logs(const struct aws_reply *r, const char *body, size_t len, int tries, void *arg)
{
    struct bjob *bj = arg;
    bj->call = NULL;
    if (r->outcome == AWS_NOTFOUND) {
        /* The stream may not exist yet; a finished job gets a few more polls. */
        if (bj->phase == PH_DRAINING && ++bj->logs_missing >= LOGS_MISSING_LIMIT) {
            rjob_note(bj->job, "no CloudWatch log stream %s in %s", bj->log_stream,
                      log_group_of(bj));
            finish(bj);
        }
        return;
    }
    if (r->outcome != AWS_OK) {
        rjob_note(bj->job, "reading CloudWatch logs failed: %s: %s", refusal(r), r->msg);
        if (bj->phase == PH_DRAINING) {
            finish(bj);
        }
        return;
    }
    struct buf out;
    struct cwlogs_page page;
    struct qerr err = QERR_INIT;
    buf_init(&out, LOG_PAGE_MAX);
    int rc = cwlogs_parse(body, len, bj->log_token, &out, &page, &err);
    if (rc == 0 && out.len > 0) {
        rjob_output(bj->job, 1, out.data, out.len);
    }
    buf_cleanup(&out);
    if (rc < 0) {
        rjob_note(bj->job, "CloudWatch logs: %s", err.msg);
        cwlogs_page_cleanup(&page);
        if (bj->phase == PH_DRAINING) {
            finish(bj);
        }
        return;
    }
    if (page.next_token != NULL) {
        free(bj->log_token);
        bj->log_token = page.next_token;
        page.next_token = NULL;
    }
    if (!page.drained) {
        logs_fetch(bj); /* the next page at once */
    } else if (bj->phase == PH_DRAINING) {
        finish(bj);
    }
}

static void logs_fetch(struct bjob *bj)
{
    if (bj->call != NULL || bj->log_stream[0] == '\0') {
        return;
    }
    struct qerr err = QERR_INIT;
    char *body = cwlogs_request_body(log_group_of(bj), bj->log_stream, bj->log_token, &err);
    if (body != NULL) {
        bj->call =
            start_call(bj->b, "logs", bj->region, CWLOGS_TARGET, "/", body, on_logs, bj, &err);
        free(body);
    }
    if (bj->call == NULL) {
        log_warn("job=%s batch=%s: cannot read logs: %s", bj->job->id, bj->batch_id, err.msg);
    }
}

/* --- status ---------------------------------------------------------------- */

static void set_exit(struct bjob *bj, const struct batch_status *st)
{
    bj->exit.exited = st->has_exit || st->state == BATCH_SUCCEEDED;
    bj->exit.exit_code = st->has_exit ? st->exit_code : st->state == BATCH_SUCCEEDED ? 0 : 1;
    if (st->state == BATCH_FAILED) {
        char code[32] = " (Batch gave no exit code)";
        if (st->has_exit) {
            snprintf(code, sizeof code, " (exit code %d)", st->exit_code);
        }
        snprintf(bj->exit_msg, sizeof bj->exit_msg, "AWS Batch job %s FAILED%s%s%s%s", bj->batch_id,
                 st->reason[0] != '\0' ? ": " : "", st->reason, code,
                 bj->stop_requested ? " after quern asked to terminate it" : "");
    }
}

/* Applies one job's status; returns true when something changed. */
static bool apply_status(struct bjob *bj, const struct batch_status *st)
{
    bool changed = st->state != bj->state;
    bj->missing = 0;
    if (changed) {
        bj->state = st->state;
        rjob_note(bj->job, "AWS Batch job %s is %s%s%s", bj->batch_id, st->state_name,
                  st->reason[0] != '\0' ? ": " : "", st->reason);
    }
    if (bj->log_stream[0] == '\0' && st->log_stream[0] != '\0') {
        snprintf(bj->log_stream, sizeof bj->log_stream, "%s", st->log_stream);
    }
    if (bj->log_group[0] == '\0' && st->log_group[0] != '\0') {
        snprintf(bj->log_group, sizeof bj->log_group, "%s", st->log_group);
    }
    if (batch_state_terminal(st->state)) {
        set_exit(bj, st);
        bj->phase = PH_DRAINING;
        if (bj->log_stream[0] == '\0') {
            finish(bj);
            return true;
        }
    }
    if (st->state == BATCH_RUNNING || bj->phase == PH_DRAINING) {
        logs_fetch(bj);
    }
    return changed;
}

static struct bjob *described_find(struct batch *b, const char *id)
{
    for (size_t i = 0; i < b->ndescribed; i++) {
        if (b->described[i] != NULL && strcmp(b->described[i]->batch_id, id) == 0) {
            return b->described[i];
        }
    }
    return NULL;
}

/* Jobs DescribeJobs left out: unknown to Batch (purged, wrong region or account). */
static void handle_missing(struct batch *b, const struct batch_status *st, size_t n)
{
    for (size_t i = 0; i < b->ndescribed; i++) {
        struct bjob *bj = b->described[i];
        bool seen = false;
        for (size_t k = 0; bj != NULL && k < n && !seen; k++) {
            seen = strcmp(st[k].id, bj->batch_id) == 0;
        }
        if (bj == NULL || seen || bj->phase != PH_FOLLOWING) {
            continue;
        }
        if (++bj->missing >= MISSING_LIMIT) {
            b->described[i] = NULL;
            fail(bj,
                 "AWS Batch does not know job %s (DescribeJobs omits it: purged, or another "
                 "region or account)",
                 bj->batch_id);
        }
    }
}

static void fail_described(struct batch *b, const struct aws_reply *r)
{
    for (size_t i = 0; i < b->ndescribed; i++) {
        struct bjob *bj = b->described[i];
        if (bj != NULL && bj->phase == PH_FOLLOWING) {
            b->described[i] = NULL;
            fail(bj, "DescribeJobs: %s: %s", refusal(r), r->msg);
        }
    }
}

static void on_described(const struct aws_reply *r, const char *body, size_t len, int tries,
                         void *arg)
{
    struct batch *b = arg;
    b->describe = NULL;
    struct batch_status *st = NULL;
    size_t n = 0;
    struct qerr err = QERR_INIT;
    bool changed = false;
    if (r->outcome == AWS_AUTH) {
        fail_described(b, r);
    } else if (r->outcome != AWS_OK) {
        log_warn("aws-batch: DescribeJobs: %s (jobs stay followed)", r->msg);
    } else if (batch_api_parse_describe(body, len, &st, &n, &err) < 0) {
        log_warn("aws-batch: DescribeJobs: %s", err.msg);
    } else {
        for (size_t i = 0; i < n; i++) {
            struct bjob *bj = described_find(b, st[i].id);
            if (bj != NULL && bj->phase == PH_FOLLOWING) {
                changed |= apply_status(bj, &st[i]);
            } else if (bj != NULL && bj->phase == PH_DRAINING) {
                logs_fetch(bj);
            }
        }
        handle_missing(b, st, n);
    }
    free(st);
    b->ndescribed = 0;
    b->idle = changed ? 0 : b->idle + 1;
    poll_arm(b, b->more ? 0 : -1);
}

/*
 * Describes the next chunk: jobs of one region (the region of the job at
 * b->turn), at most BATCH_DESCRIBE_MAX, scanning round from b->turn.
 */
static void poll_now(struct batch *b)
{
    if (b->describe != NULL || b->njobs == 0) {
        return;
    }
    const char *ids[BATCH_DESCRIBE_MAX];
    size_t n = 0, scanned = 0, start = b->turn % b->njobs;
    const char *region = b->jobs[start]->region;
    for (; scanned < b->njobs && n < BATCH_DESCRIBE_MAX; scanned++) {
        struct bjob *bj = b->jobs[(start + scanned) % b->njobs];
        if (strcmp(bj->region, region) == 0) {
            b->described[n] = bj;
            ids[n++] = bj->batch_id;
        }
    }
    b->more = scanned < b->njobs; /* stopped at the chunk limit */
    b->turn = start + scanned;
    for (size_t k = 1; !b->more && k < b->njobs; k++) {
        if (strcmp(b->jobs[(start + k) % b->njobs]->region, region) != 0) {
            b->turn = start + k; /* another region's turn next time */
            break;
        }
    }
    b->ndescribed = n;
    struct qerr err = QERR_INIT;
    char *body = batch_api_describe_body(ids, n, &err);
    if (body != NULL) {
        b->describe =
            start_call(b, "batch", region, NULL, BATCH_PATH_DESCRIBE, body, on_described, b, &err);
        free(body);
    }
    if (b->describe == NULL) {
        b->ndescribed = 0;
        log_warn("aws-batch: DescribeJobs not sent: %s", err.msg);
        poll_arm(b, -1);
    }
}

static void on_poll(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct batch *b = arg;
    b->poll = NULL;
    poll_now(b);
}

/* ms < 0: the regular interval with idle backoff; 0: now. */
static void poll_arm(struct batch *b, long ms)
{
    if (b->njobs == 0 || b->describe != NULL) {
        return;
    }
    if (ms < 0) {
        int shift = b->idle < 3 ? b->idle : 3;
        ms = b->poll_ms << shift;
    }
    if (b->poll != NULL) {
        ev_timer_reset(b->ev, b->poll, ms);
    } else {
        b->poll = ev_timer_add(b->ev, ms, 0, on_poll, b);
    }
}

/* --- stop, release, init ----------------------------------------------------- */

static void on_terminated(const struct aws_reply *r, const char *body, size_t len, int tries,
                          void *arg)
{
    struct bjob *bj = arg;
    bj->term = NULL;
    if (r->outcome != AWS_OK) {
        rjob_note(bj->job, "TerminateJob failed: %s: %s", refusal(r), r->msg);
        return;
    }
    rjob_note(bj->job, "asked AWS Batch to terminate job %s", bj->batch_id);
    bj->b->idle = 0;
    poll_arm(bj->b, 0);
}

static void terminate(struct bjob *bj)
{
    struct qerr err = QERR_INIT;
    char *body = batch_api_terminate_body(bj->batch_id, bj->stop_reason, &err);
    if (body != NULL && bj->term == NULL) {
        bj->term = start_call(bj->b, "batch", bj->region, NULL, BATCH_PATH_TERMINATE, body,
                              on_terminated, bj, &err);
    }
    free(body);
    if (bj->term == NULL && qerr_is_set(&err)) {
        rjob_note(bj->job, "TerminateJob not sent: %s", err.msg);
    }
}

static void batch_stop(void *state, struct rjob *job, enum be_stop_reason why)
{
    struct bjob *bj = job->be_state;
    if (bj == NULL || bj->phase == PH_ENDED || bj->stop_requested) {
        return; /* one TerminateJob is enough; the core may ask again */
    }
    bj->stop_requested = true;
    bj->stop_reason = why == BE_STOP_DISMISS   ? "quern: dismissed"
                      : why == BE_STOP_TIMEOUT ? "quern: timeout"
                                               : "quern: runner shutting down";
    if (bj->phase == PH_FOLLOWING) {
        terminate(bj);
    }
}

static void batch_release(void *state, struct rjob *job)
{
    struct bjob *bj = job->be_state;
    if (bj != NULL) {
        bjob_free(bj);
    }
}

/* Lets a Batch job that is being followed run on when the runner stops: the next runner
 * follows it again by its id (batch_attach). Not while it is submitted or collected. */
static int batch_detach(void *state, struct rjob *job)
{
    struct bjob *bj = job->be_state;
    (void)state;
    if (bj == NULL || bj->phase != PH_FOLLOWING || bj->stop_requested || bj->collect != NULL) {
        return -1;
    }
    rjob_note(job, "leaving Batch job %s to run on", bj->batch_id);
    bjob_free(bj);
    return 0;
}

static void batch_fini(void *state)
{
    struct batch *b = state;
    if (b == NULL) {
        return;
    }
    aws_xfer_cancel(b->describe);
    while (b->live != NULL) {
        bjob_free(b->live); /* only at exit: the core re-inits idle backends alone */
    }
    if (b->poll != NULL) {
        ev_timer_del(b->ev, b->poll);
    }
    curlm_free(b->m);
    batch_out_close(&b->out);
    aws_creds_cleanup(&b->creds);
    free(b->log_group);
    free(b->jobs);
    free(b);
}

static void *batch_init(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct batch *b = calloc(1, sizeof *b);
    if (b == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    b->ev = ev;
    b->poll_ms = cfg->aws_batch_poll_ms;
    if (aws_creds_load(cfg, &b->creds, err) < 0) {
        free(b);
        return NULL;
    }
    if (batch_out_open(cfg, &b->out, err) < 0) {
        aws_creds_cleanup(&b->creds);
        free(b);
        return NULL;
    }
    b->m = curlm_new(ev, err);
    b->log_group = strdup(cfg->aws_log_group);
    if (b->m == NULL || b->log_group == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        batch_fini(b);
        return NULL;
    }
    if (aws_creds_check(&b->creds, NULL) < 0) {
        log_warn("aws-batch: no AWS credentials configured: Batch jobs will fail until there are");
    }
    return b;
}

const struct be_ops be_batch_ops = {
    .name = "aws-batch",
    .init = batch_init,
    .fini = batch_fini,
    .submit = batch_submit,
    .attach = batch_attach,
    .stop = batch_stop,
    .release = batch_release,
    .detach = batch_detach,
};
