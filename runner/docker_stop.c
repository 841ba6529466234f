// SPDX-License-Identifier: MIT
/*
 * docker_stop - stopping a job's container: dismiss and timeout (SIGTERM,
 * runner.kill_grace, SIGKILL) and maxResources.cpuTime, the CPU time of
 * the whole container (SIGXCPU, then SIGKILL a second later, as RLIMIT_CPU
 * does to a local process). The engine's wait then reports how the
 * container ended; nothing here calls rjob_exited.
 */
#include "common/compat.h"

#include <stdio.h>

#include "runner/docker_job.h"

/* --- dismiss, timeout ------------------------------------------------------ */

static void on_kill_done(struct docker_xfer *x, void *arg)
{
    struct djob *dj = arg;
    dj->kill = NULL;
    /* 409: not running any more; the wait then reports how it ended. */
    if (!docker_xfer_ok(x) && docker_xfer_status(x) != 409) {
        char msg[sizeof(dj->error)];
        docker_xfer_error(x, "kill", msg, sizeof(msg));
        rjob_note(dj->job, "%s", msg);
    }
    docker_xfer_free(x);
}

static void send_kill(struct djob *dj, const char *sig)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    djob_cancel(&dj->kill);
    if (docker_api_kill(dj->d->ver, dj->cid, sig, &req, &err) != 0) {
        rjob_note(dj->job, "docker kill: %s", err.msg);
        return;
    }
    struct docker_xfer_opts o = {.socket = dj->d->socket,
                                 .timeout_ms = DOCKER_REQ_TIMEOUT_MS,
                                 .body_max = DOCKER_BODY_MAX,
                                 .done = on_kill_done,
                                 .arg = dj};
    dj->kill = docker_xfer_start(dj->d->m, &req, &o, &err);
    if (dj->kill == NULL) {
        rjob_note(dj->job, "docker kill: %s", err.msg);
    }
}

static void on_kill_grace(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct djob *dj = arg;
    dj->kill_t = NULL;
    rjob_note(dj->job, "docker: still running %ld s after SIGTERM: sending SIGKILL",
              dj->d->kill_grace_ms / 1000);
    send_kill(dj, "SIGKILL");
}

void djob_begin_kill(struct djob *dj)
{
    send_kill(dj, dj->d->kill_grace_ms > 0 ? "SIGTERM" : "SIGKILL");
    if (dj->d->kill_grace_ms > 0 && dj->kill_t == NULL) {
        dj->kill_t = ev_timer_add(dj->d->ev, dj->d->kill_grace_ms, 0, on_kill_grace, dj);
    }
}

void djob_stop(void *state, struct rjob *job, enum be_stop_reason why)
{
    struct djob *dj = job->be_state;
    if (dj == NULL || dj->reported || dj->stopping) {
        return;
    }
    dj->stopping = true;
    switch (dj->step) {
    case DJ_PULL:
        /* Nothing exists yet: abandon the pull and end at the next pass. */
        djob_cancel(&dj->x);
        dj->report_t = ev_timer_add(dj->d->ev, 0, 0, djob_on_report_timer, dj);
        break;
    case DJ_RUN:
        djob_begin_kill(dj);
        break;
    default:
        /* create, start, list, inspect: their callbacks see stopping. */
        break;
    }
}

/* --- the CPU time limit ---------------------------------------------------- */

static void on_cpu_grace(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct djob *dj = arg;
    dj->kill_t = NULL;
    send_kill(dj, "SIGKILL");
}

static void on_cpu_over(void *arg, double used_s)
{
    struct djob *dj = arg;
    docker_cpu_free(dj->cpu);
    dj->cpu = NULL;
    if (dj->stopping || dj->reported) {
        return;
    }
    dj->cpu_over = true;
    rjob_note(dj->job, "docker: the container used %.1f s of CPU time, its limit is %ld s "
              "(maxResources.cpuTime): sending SIGXCPU, then SIGKILL after 1 s", used_s,
              dj->job->cpu_seconds);
    send_kill(dj, "SIGXCPU");
    if (dj->kill_t == NULL) {
        dj->kill_t = ev_timer_add(dj->d->ev, 1000, 0, on_cpu_grace, dj);
    }
}

void djob_cpu_watch(struct djob *dj)
{
    struct qerr err = QERR_INIT;
    struct docker_cpu_opts o = {.ev = dj->d->ev,
                                .m = dj->d->m,
                                .socket = dj->d->socket,
                                .ver = dj->d->ver,
                                .cid = dj->cid,
                                .limit_s = dj->job->cpu_seconds,
                                .cpus = dj->job->cpus,
                                .over = on_cpu_over,
                                .arg = dj};
    dj->cpu = docker_cpu_start(&o, &err);
    if (dj->cpu == NULL) {
        rjob_note(dj->job, "docker: the CPU time limit is not enforced: %s", err.msg);
    }
}
