// SPDX-License-Identifier: MIT
/*
 * be_docker - runs a job in a container through the Docker Engine API
 * (docker or podman's compatible service) over its unix socket.
 *
 * A job walks: [pull] -> create -> start -> run (followed logs and wait in
 * parallel) -> inspect -> rjob_exited; release removes the container. Only
 * one step's request is in flight at a time, plus the logs, wait, kill and
 * image-inspect requests of the run step. attach finds the container by
 * its label quern.job=<id> and joins the walk at start, run or inspect.
 * Invariants: rjob_exited is called once, always from a loop callback
 * (never from inside submit/attach/stop), and always last in that
 * callback; every container this backend created is removed by release,
 * whatever happened. Engine failures (no socket, 404, 409, 500) become the
 * job's error with the engine's message; nothing here ends the runner.
 * The per-job state is in docker_job.h; stopping a container (dismiss,
 * timeout, CPU time limit) is in docker_stop.c.
 */
#include "common/compat.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "runner/be.h"
#include "runner/curlm.h"
#include "runner/docker_api.h"
#include "runner/docker_cpu.h"
#include "runner/docker_def.h"
#include "runner/docker_job.h"
#include "runner/docker_logs.h"
#include "runner/docker_rm.h"
#include "runner/docker_xfer.h"
#include "runner/rjob.h"

static void step_create(struct djob *dj);
static void step_start(struct djob *dj);
static void step_run(struct djob *dj, bool follow);
static void on_logs_drain(struct ev *ev, struct ev_timer *t, void *arg);

/* --- small helpers ------------------------------------------------------- */

void djob_cancel(struct docker_xfer **x)
{
    docker_xfer_free(*x);
    *x = NULL;
}

void djob_timer_off(struct djob *dj, struct ev_timer **t)
{
    if (*t != NULL) {
        ev_timer_del(dj->d->ev, *t);
        *t = NULL;
    }
}

/* Ends the job: cancels what is in flight and reports how. Call it last. */
static void report(struct djob *dj, const struct be_exit *how)
{
    if (dj->reported) {
        return;
    }
    dj->reported = true;
    dj->step = DJ_DONE;
    djob_cancel(&dj->x);
    djob_cancel(&dj->logs);
    djob_cancel(&dj->wait);
    djob_cancel(&dj->kill);
    djob_cancel(&dj->img);
    docker_cpu_free(dj->cpu);
    dj->cpu = NULL;
    djob_timer_off(dj, &dj->kill_t);
    djob_timer_off(dj, &dj->report_t);
    djob_timer_off(dj, &dj->drain_t);
    rjob_exited(dj->job, how);
}

/* The job failed for a reason of quern's or the engine's (the message says which). */
static void fail(struct djob *dj, const char *msg)
{
    snprintf(dj->error, sizeof(dj->error), "%s", msg);
    struct be_exit how = {.error = dj->error};
    report(dj, &how);
}

static void fail_xfer(struct djob *dj, const struct docker_xfer *x, const char *what)
{
    char msg[sizeof(dj->error)];
    docker_xfer_error(x, what, msg, sizeof(msg));
    fail(dj, msg);
}

/* The job was stopped before its container ran. */
static void report_stopped(struct djob *dj)
{
    rjob_note(dj->job, "docker: stopped before the container ran");
    struct be_exit how = {.term_signal = SIGTERM};
    report(dj, &how);
}

void djob_on_report_timer(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct djob *dj = arg;
    dj->report_t = NULL;
    report_stopped(dj);
}

/* Starts req as the job's transfer *slot; on failure ends the job. */
static bool send_req(struct djob *dj, struct docker_xfer **slot, struct docker_req *req,
                     long timeout_ms, docker_xfer_stream_cb stream, docker_xfer_done_cb done)
{
    struct qerr err = QERR_INIT;
    struct docker_xfer_opts o = {.socket = dj->d->socket,
                                 .timeout_ms = timeout_ms,
                                 .body_max = DOCKER_BODY_MAX,
                                 .stream = stream,
                                 .done = done,
                                 .arg = dj};
    *slot = docker_xfer_start(dj->d->m, req, &o, &err);
    if (*slot == NULL) {
        char msg[400];
        snprintf(msg, sizeof(msg), "docker: cannot send a request to the engine: %s", err.msg);
        fail(dj, msg);
        return false;
    }
    return true;
}

/* A request builder failed (bad id or name): the job fails with why. */
static void fail_build(struct djob *dj, const struct qerr *err)
{
    char msg[400];
    snprintf(msg, sizeof(msg), "docker: %s", err->msg);
    fail(dj, msg);
}

static void learn_engine(struct djob *dj, const struct docker_xfer *x)
{
    if (docker_xfer_status(x) != 0) {
        dj->d->podman = docker_xfer_podman(x);
    }
}

/* --- pull ---------------------------------------------------------------- */

/* Checks each complete line of the pull's progress stream for an error. */
static int on_pull_data(void *arg, const char *data, size_t len)
{
    struct djob *dj = arg;
    struct qerr err = QERR_INIT;
    if (buf_append(&dj->pull_pending, data, len, &err) != 0) {
        snprintf(dj->error, sizeof(dj->error), "docker pull: a progress line is too long");
        return -1;
    }
    const char *s = buf_cstr(&dj->pull_pending);
    const char *nl = strrchr(s, '\n');
    if (nl == NULL) {
        return 0;
    }
    size_t n = (size_t)(nl - s) + 1;
    if (docker_api_parse_pull(s, n, &err) != 0) {
        snprintf(dj->error, sizeof(dj->error), "docker %s", err.msg + strlen("engine: "));
        return -1;
    }
    buf_consume(&dj->pull_pending, n);
    return 0;
}

static void on_pull_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    learn_engine(dj, x);
    dj->x = NULL;
    struct qerr err = QERR_INIT;
    size_t rest = dj->pull_pending.len;
    if (dj->error[0] == '\0' && docker_xfer_ok(x) && rest > 0 &&
        docker_api_parse_pull(buf_cstr(&dj->pull_pending), rest, &err) != 0) {
        snprintf(dj->error, sizeof(dj->error), "docker %s", err.msg + strlen("engine: "));
    }
    if (dj->error[0] != '\0') {
        char msg[sizeof(dj->error)];
        snprintf(msg, sizeof(msg), "%s", dj->error);
        docker_xfer_free(x);
        fail(dj, msg);
        return;
    }
    if (!docker_xfer_ok(x)) {
        fail_xfer(dj, x, "pull");
        docker_xfer_free(x);
        return;
    }
    docker_xfer_free(x);
    rjob_note(dj->job, "docker: pulled %s", dj->def.image);
    if (dj->stopping) {
        report_stopped(dj);
        return;
    }
    step_create(dj);
}

static void step_pull(struct djob *dj)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    dj->step = DJ_PULL;
    dj->pulled = true;
    buf_reset(&dj->pull_pending);
    if (docker_api_pull(dj->d->ver, dj->def.image, &req, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    rjob_note(dj->job, "docker: pulling %s", dj->def.image);
    send_req(dj, &dj->x, &req, DOCKER_PULL_TIMEOUT_MS, on_pull_data, on_pull_done);
}

/* --- create, start ----------------------------------------------------- */

static void on_create_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    learn_engine(dj, x);
    dj->x = NULL;
    if (docker_xfer_status(x) == 404 && dj->def.pull == DOCKER_PULL_MISSING && !dj->pulled &&
        !dj->stopping) {
        docker_xfer_free(x);
        step_pull(dj);
        return;
    }
    if (!docker_xfer_ok(x)) {
        char msg[sizeof(dj->error)];
        docker_xfer_error(x, "create", msg, sizeof(msg));
        if (docker_xfer_status(x) == 404 && dj->def.pull == DOCKER_PULL_NEVER) {
            size_t n = strlen(msg);
            snprintf(msg + n, sizeof(msg) - n, " (image %s is not present and pull is never)",
                     dj->def.image);
        }
        docker_xfer_free(x);
        fail(dj, msg);
        return;
    }
    size_t len;
    const char *body = docker_xfer_body(x, &len);
    struct qerr err = QERR_INIT;
    int rc = docker_api_parse_created(body, len, &dj->cid, &err);
    docker_xfer_free(x);
    if (rc != 0) {
        fail_build(dj, &err);
        return;
    }
    rjob_set_backend_id(dj->job, dj->cid);
    if (dj->stopping) {
        report_stopped(dj);
        return;
    }
    step_start(dj);
}

static void step_create(struct djob *dj)
{
    struct docker_spec spec;
    docker_def_spec(&dj->def, dj->job, dj->d->runner_id, &spec);
    struct docker_req req;
    struct qerr err = QERR_INIT;
    dj->step = DJ_CREATE;
    if (docker_api_create(dj->d->ver, &spec, &req, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    send_req(dj, &dj->x, &req, DOCKER_REQ_TIMEOUT_MS, NULL, on_create_done);
}

static void on_start_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    learn_engine(dj, x);
    dj->x = NULL;
    /* 304: already started (an attach that raced with another start). */
    if (!docker_xfer_ok(x) && docker_xfer_status(x) != 304) {
        fail_xfer(dj, x, "start");
        docker_xfer_free(x);
        return;
    }
    docker_xfer_free(x);
    if (dj->stopping) {
        report_stopped(dj);
        return;
    }
    step_run(dj, true);
}

static void step_start(struct djob *dj)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    dj->step = DJ_START;
    if (docker_api_start(dj->d->ver, dj->cid, &req, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    send_req(dj, &dj->x, &req, DOCKER_REQ_TIMEOUT_MS, NULL, on_start_done);
}

/* --- run: followed logs and wait, then inspect ------------------------------ */

static void emit(void *arg, int stream, const char *data, size_t len)
{
    struct djob *dj = arg;
    if (dj->skip[stream] > 0) {
        size_t k = dj->skip[stream] < len ? (size_t)dj->skip[stream] : len;
        dj->skip[stream] -= k;
        data += k;
        len -= k;
        if (len == 0) {
            return;
        }
    }
    dj->seen[stream] += len;
    rjob_output(dj->job, stream, data, len);
}

static int on_log_data(void *arg, const char *data, size_t len)
{
    struct djob *dj = arg;
    struct qerr err = QERR_INIT;
    dj->log_at_ms = ev_now_ms();
    if (docker_logs_feed(&dj->demux, data, len, emit, dj, &err) != 0) {
        rjob_note(dj->job, "docker logs: %s", err.msg);
        return -1;
    }
    return 0;
}

/* Records the image the container ran in jobs.backend_info (see docker_api_image_info). */
static void record_image(struct djob *dj, const char *container_image)
{
    if (dj->cid != NULL && dj->def.image != NULL) {
        rjob_set_backend_info(dj->job, docker_api_image_info(dj->cid, dj->def.image, container_image,
                                                             dj->img_id, dj->img_digest));
    }
}

/* How the container ended, from wait's status code and inspect's state. */
static void report_state(struct djob *dj, const struct docker_state *st)
{
    struct rjob *job = dj->job;
    long code = dj->have_code ? dj->code : st->exit_code;
    struct be_exit how = {.exited = true, .exit_code = (int)code};
    /* podman does not set OOMKilled: a SIGKILL nobody sent under a memory limit is one. */
    bool oom = st->oom_killed || (code == 137 && !dj->stopping && job->memory_mib > 0);
    if (oom) {
        rjob_note(job, "docker: the container exceeded its memory limit (%ld MiB) and was killed",
                  job->memory_mib);
        how = (struct be_exit){.oom = true, .term_signal = SIGKILL};
    } else if (dj->stopping && (code == 128 + SIGTERM || code == 128 + SIGKILL)) {
        how = (struct be_exit){.term_signal = (int)code - 128};
    } else if (dj->cpu_over && (code == 128 + SIGXCPU || code == 128 + SIGKILL)) {
        how = (struct be_exit){.term_signal = (int)code - 128};
    }
    if (st->image_id[0] != '\0' && !docker_api_same_image(st->image_id, dj->img_id)) {
        record_image(dj, st->image_id);
    }
    if (st->error[0] != '\0') {
        rjob_note(job, "docker: engine reports: %s", st->error);
    }
    report(dj, &how);
}

static void on_inspect_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    dj->x = NULL;
    struct docker_state st;
    struct qerr err = QERR_INIT;
    size_t len;
    const char *body = docker_xfer_body(x, &len);
    if (!docker_xfer_ok(x) || docker_api_parse_inspect(body, len, &st, &err) != 0) {
        if (dj->have_code) {
            /* The exit code is known: the state only adds detail. */
            memset(&st, 0, sizeof(st));
            docker_xfer_free(x);
            report_state(dj, &st);
            return;
        }
        fail_xfer(dj, x, "inspect");
        docker_xfer_free(x);
        return;
    }
    docker_xfer_free(x);
    report_state(dj, &st);
}

static void step_inspect(struct djob *dj)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    dj->step = DJ_INSPECT;
    if (docker_api_inspect(dj->d->ver, dj->cid, &req, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    send_req(dj, &dj->x, &req, DOCKER_REQ_TIMEOUT_MS, NULL, on_inspect_done);
}

static void maybe_finished(struct djob *dj)
{
    if (dj->logs_done && dj->wait_done && dj->step == DJ_RUN) {
        docker_cpu_free(dj->cpu);
        dj->cpu = NULL;
        djob_timer_off(dj, &dj->drain_t);
        djob_timer_off(dj, &dj->kill_t);
        djob_cancel(&dj->kill);
        step_inspect(dj);
    }
}

static void on_logs_done(struct docker_xfer *x, void *arg);

/* Starts reading the container's log (from its start), following it or not. */
static bool logs_request(struct djob *dj, bool follow)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    docker_logs_init(&dj->demux);
    if (docker_api_logs(dj->d->ver, dj->cid, follow, &req, &err) != 0) {
        fail_build(dj, &err);
        return false;
    }
    return send_req(dj, &dj->logs, &req, follow ? 0 : DOCKER_REQ_TIMEOUT_MS, on_log_data,
                    on_logs_done);
}

static void on_logs_drain(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct djob *dj = arg;
    dj->drain_t = NULL;
    if (dj->logs_done || dj->logs == NULL) {
        return;
    }
    long long idle = ev_now_ms() - dj->log_at_ms;
    if (idle < DOCKER_LOGS_DRAIN_MS) {
        /* Still streaming what the container wrote before it ended. */
        dj->drain_t = ev_timer_add(ev, DOCKER_LOGS_DRAIN_MS - (long)idle, 0, on_logs_drain, dj);
        return;
    }
    log_debug("job=%s docker: log follow of %.12s idle %d ms after exit: fetching it again",
              dj->job->id, dj->cid, DOCKER_LOGS_DRAIN_MS);
    djob_cancel(&dj->logs);
    dj->skip[1] = dj->seen[1];
    dj->skip[2] = dj->seen[2];
    dj->seen[1] = dj->seen[2] = 0;
    logs_request(dj, false);
}

static void on_logs_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    dj->logs = NULL;
    if (!docker_xfer_ok(x)) {
        char msg[sizeof(dj->error)];
        docker_xfer_error(x, "logs", msg, sizeof(msg));
        rjob_note(dj->job, "%s", msg);
    } else if (!docker_logs_at_boundary(&dj->demux)) {
        rjob_note(dj->job, "docker logs: the stream ended inside a frame");
    }
    docker_xfer_free(x);
    log_debug("job=%s docker: logs of %.12s ended", dj->job->id, dj->cid);
    dj->logs_done = true;
    maybe_finished(dj);
}

static void on_wait_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    dj->wait = NULL;
    size_t len;
    const char *body = docker_xfer_body(x, &len);
    struct qerr err = QERR_INIT;
    if (!docker_xfer_ok(x)) {
        fail_xfer(dj, x, "wait");
        docker_xfer_free(x);
        return;
    }
    if (docker_api_parse_wait(body, len, &dj->code, &err) != 0) {
        docker_xfer_free(x);
        fail_build(dj, &err);
        return;
    }
    docker_xfer_free(x);
    log_debug("job=%s docker: %.12s exited with %ld", dj->job->id, dj->cid, dj->code);
    dj->have_code = true;
    dj->wait_done = true;
    if (!dj->logs_done && dj->drain_t == NULL) {
        dj->drain_t = ev_timer_add(dj->d->ev, DOCKER_LOGS_DRAIN_MS, 0, on_logs_drain, dj);
    }
    maybe_finished(dj);
}

/* Records the image the job ran (name, id and digest) in the job's log and backend_info. */
static void on_image_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    dj->img = NULL;
    size_t len;
    const char *body = docker_xfer_body(x, &len);
    struct qerr err = QERR_INIT;
    if (docker_xfer_ok(x) &&
        docker_api_parse_image(body, len, dj->img_id, sizeof(dj->img_id), dj->img_digest,
                               sizeof(dj->img_digest), &err) == 0) {
        rjob_note(dj->job, "docker: container %.12s image %s id %s digest %s", dj->cid,
                  dj->def.image, dj->img_id,
                  dj->img_digest[0] != '\0' ? dj->img_digest : "none (local image)");
        record_image(dj, NULL);
    }
    docker_xfer_free(x);
}

static void step_run(struct djob *dj, bool follow)
{
    struct docker *d = dj->d;
    struct docker_req wait, img;
    struct qerr err = QERR_INIT;
    dj->step = DJ_RUN;
    if (!logs_request(dj, follow)) {
        return;
    }
    if (docker_api_wait(d->ver, dj->cid, d->podman, &wait, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    if (!send_req(dj, &dj->wait, &wait, 0, NULL, on_wait_done)) {
        return;
    }
    if (dj->def.image != NULL && docker_api_image_inspect(d->ver, dj->def.image, &img, &err) == 0) {
        struct docker_xfer_opts o = {.socket = d->socket,
                                     .timeout_ms = DOCKER_REQ_TIMEOUT_MS,
                                     .body_max = DOCKER_BODY_MAX,
                                     .done = on_image_done,
                                     .arg = dj};
        dj->img = docker_xfer_start(d->m, &img, &o, &err); /* best effort */
    }
    if (dj->job->cpu_seconds > 0 && dj->cpu == NULL) {
        djob_cpu_watch(dj);
    }
    if (dj->stopping) {
        djob_begin_kill(dj); /* a stop that came while the container was being found */
    }
}

/* --- attach ------------------------------------------------------------ */

static void on_list_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    learn_engine(dj, x);
    dj->x = NULL;
    if (!docker_xfer_ok(x)) {
        fail_xfer(dj, x, "find container");
        docker_xfer_free(x);
        return;
    }
    size_t len, n = 0;
    char state[32];
    const char *body = docker_xfer_body(x, &len);
    struct qerr err = QERR_INIT;
    int rc = docker_api_parse_list(body, len, &dj->cid, state, sizeof(state), &n, &err);
    docker_xfer_free(x);
    if (rc != 0) {
        fail_build(dj, &err);
        return;
    }
    if (dj->cid == NULL) {
        /* Removed while no runner followed it: the core retries the job (or fails it). */
        snprintf(dj->error, sizeof(dj->error),
                 "docker: the job's container is gone (no container labelled %s=%s)",
                 DOCKER_LABEL_JOB, dj->job->id);
        struct be_exit how = {.gone = true, .error = dj->error};
        report(dj, &how);
        return;
    }
    if (dj->job->backend_job_id == NULL || strcmp(dj->job->backend_job_id, dj->cid) != 0) {
        rjob_set_backend_id(dj->job, dj->cid);
    }
    rjob_note(dj->job, "docker: re-attached to container %.12s (%s); its output is replayed",
              dj->cid, state);
    if (strcmp(state, "created") == 0) {
        if (dj->stopping) {
            report_stopped(dj);
            return;
        }
        step_start(dj);
        return;
    }
    step_run(dj, strcmp(state, "exited") != 0 && strcmp(state, "dead") != 0);
}

static void step_list(struct djob *dj)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    dj->step = DJ_LIST;
    if (docker_api_list_by_label(dj->d->ver, DOCKER_LABEL_JOB, dj->job->id, &req, &err) != 0) {
        fail_build(dj, &err);
        return;
    }
    send_req(dj, &dj->x, &req, DOCKER_REQ_TIMEOUT_MS, NULL, on_list_done);
}

/* --- submit, attach, release ------------------------------------------- */

static void djob_free(struct djob *dj)
{
    if (dj == NULL) {
        return;
    }
    docker_xfer_free(dj->x);
    docker_xfer_free(dj->logs);
    docker_xfer_free(dj->wait);
    docker_xfer_free(dj->kill);
    docker_xfer_free(dj->img);
    docker_cpu_free(dj->cpu);
    djob_timer_off(dj, &dj->kill_t);
    djob_timer_off(dj, &dj->report_t);
    djob_timer_off(dj, &dj->drain_t);
    buf_cleanup(&dj->pull_pending);
    docker_def_cleanup(&dj->def);
    free(dj->cid);
    free(dj);
}

static struct djob *djob_new(struct docker *d, struct rjob *job, struct qerr *err)
{
    struct djob *dj = calloc(1, sizeof(*dj));
    if (dj == NULL) {
        qerr_set(err, QERR_NOMEM, "docker job");
        return NULL;
    }
    dj->d = d;
    dj->job = job;
    buf_init(&dj->pull_pending, DOCKER_PULL_LINE_MAX);
    if (docker_def_init(&dj->def, job, err) != 0) {
        djob_free(dj);
        return NULL;
    }
    return dj;
}

/* The first step runs from the loop, so rjob_exited never fires inside submit/attach. */
static void on_kick(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct djob *dj = arg;
    dj->report_t = NULL;
    if (dj->stopping && dj->step != DJ_LIST) {
        report_stopped(dj);
    } else if (dj->step == DJ_LIST) {
        step_list(dj);
    } else if (dj->def.pull == DOCKER_PULL_ALWAYS) {
        step_pull(dj);
    } else {
        step_create(dj);
    }
}

static int kick(struct docker *d, struct rjob *job, enum dj_step first, struct qerr *err)
{
    struct djob *dj = djob_new(d, job, err);
    if (dj == NULL) {
        return -1;
    }
    dj->step = first;
    dj->report_t = ev_timer_add(d->ev, 0, 0, on_kick, dj);
    if (dj->report_t == NULL) {
        qerr_set(err, QERR_NOMEM, "docker: timer");
        djob_free(dj);
        return -1;
    }
    job->be_state = dj;
    return 0;
}

static int docker_submit(void *state, struct rjob *job, struct qerr *err)
{
    return kick(state, job, DJ_CREATE, err);
}

static int docker_attach(void *state, struct rjob *job, struct qerr *err)
{
    return kick(state, job, DJ_LIST, err);
}

static void docker_release(void *state, struct rjob *job)
{
    struct docker *d = state;
    struct djob *dj = job->be_state;
    if (dj == NULL) {
        return;
    }
    if (dj->cid != NULL) {
        docker_rm_container(d->rm, dj->cid);
    }
    djob_free(dj);
    job->be_state = NULL;
}

/*
 * Lets the container run on when the runner stops (be_ops.detach): nothing
 * is removed, and a runner re-attaches it by its label. Not before the
 * container exists, nor once it is being stopped or has been reported.
 */
static int docker_detach(void *state, struct rjob *job)
{
    struct djob *dj = job->be_state;
    if (dj == NULL || dj->cid == NULL || dj->reported || dj->stopping) {
        return -1;
    }
    rjob_note(job, "docker: leaving container %.12s to run on", dj->cid);
    djob_free(dj);
    job->be_state = NULL;
    return 0;
}

/* --- init, fini -------------------------------------------------------- */

static void *docker_init(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct docker *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        qerr_set(err, QERR_NOMEM, "docker backend");
        return NULL;
    }
    d->ev = ev;
    d->kill_grace_ms = cfg->runner_kill_grace * 1000;
    d->socket = strdup(cfg->docker_socket != NULL ? cfg->docker_socket : "");
    d->ver = strdup(cfg->docker_api_version != NULL ? cfg->docker_api_version : "");
    if (cfg->runner_name != NULL && cfg->runner_name[0] != '\0') {
        snprintf(d->runner_id, sizeof(d->runner_id), "%s", cfg->runner_name);
    } else if (gethostname(d->runner_id, sizeof(d->runner_id) - 1) != 0) {
        snprintf(d->runner_id, sizeof(d->runner_id), "unknown");
    }
    if (d->socket == NULL || d->ver == NULL) {
        qerr_set(err, QERR_NOMEM, "docker backend");
        goto fail;
    }
    if (d->socket[0] != '/') {
        qerr_set(err, QERR_INVALID, "docker.socket must be an absolute path, got '%s'", d->socket);
        goto fail;
    }
    if (docker_api_check_version(d->ver, err) != 0) {
        goto fail;
    }
    d->m = curlm_new(ev, err);
    if (d->m == NULL) {
        goto fail;
    }
    d->rm = docker_rm_new(d->m, d->socket, d->ver, err);
    if (d->rm == NULL) {
        goto fail;
    }
    return d;
fail:
    curlm_free(d->m);
    free(d->socket);
    free(d->ver);
    free(d);
    return NULL;
}

static void docker_fini(void *state)
{
    struct docker *d = state;
    if (d == NULL) {
        return;
    }
    /* The loop has stopped: the remover finishes its removals now. */
    docker_rm_free(d->rm);
    curlm_free(d->m);
    free(d->socket);
    free(d->ver);
    free(d);
}

const struct be_ops be_docker_ops = {
    .name = "docker",
    .init = docker_init,
    .fini = docker_fini,
    .submit = docker_submit,
    .attach = docker_attach,
    .stop = djob_stop,
    .release = docker_release,
    .detach = docker_detach,
};
