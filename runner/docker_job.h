// SPDX-License-Identifier: MIT
/*
 * docker_job - the docker backend's per-job state, shared by be_docker.c
 * (a job's walk through the engine, attach, release) and docker_stop.c
 * (stopping a container: dismiss, timeout, the CPU time limit). Private to
 * the backend: nothing else includes it.
 */
#ifndef QUERN_DOCKER_JOB_H
#define QUERN_DOCKER_JOB_H

#include "common/compat.h"

#include "common/buf.h"
#include "runner/be.h"
#include "runner/docker_cpu.h"
#include "runner/docker_def.h"
#include "runner/docker_logs.h"
#include "runner/docker_rm.h"
#include "runner/docker_xfer.h"
#include "runner/ev.h"
#include "runner/rjob.h"

/* Limits on engine requests: ordinary steps, pulls, response bodies. */
#define DOCKER_REQ_TIMEOUT_MS 60000L
#define DOCKER_PULL_TIMEOUT_MS (30L * 60 * 1000)
#define DOCKER_BODY_MAX (1024 * 1024)
#define DOCKER_PULL_LINE_MAX (256 * 1024)
/*
 * podman ends a followed log stream up to ~400 ms after the container
 * exited, and now and then never. Once wait has returned and the stream
 * has been idle this long, the follow is dropped and the log fetched again
 * without follow, skipping the bytes already passed on.
 */
#define DOCKER_LOGS_DRAIN_MS 100

struct docker {
    struct ev *ev;
    struct curlm *m;
    char *socket;
    char *ver;
    char runner_id[160];
    long kill_grace_ms;
    bool podman;          /* learned from responses: use podman's fast wait */
    struct docker_rm *rm; /* removes the containers of ended jobs */
};

enum dj_step {
    DJ_PULL,
    DJ_CREATE,
    DJ_START,
    DJ_RUN,
    DJ_LIST, /* attach: find the container by label */
    DJ_INSPECT,
    DJ_DONE,
};

struct djob {
    struct docker *d;
    struct rjob *job;
    enum dj_step step;
    struct docker_def def; /* image, pull policy, env, binds */
    bool pulled;
    char *cid;
    struct docker_xfer *x; /* the current step's request */
    struct docker_xfer *logs, *wait, *kill, *img;
    struct docker_cpu *cpu; /* maxResources.cpuTime, while the container runs */
    bool cpu_over;
    struct docker_logs demux;
    struct buf pull_pending;
    bool logs_done, wait_done, have_code;
    unsigned long long seen[3]; /* payload bytes passed on per stream (1, 2) */
    unsigned long long skip[3]; /* bytes of a re-fetched log already passed on */
    long long log_at_ms;        /* when log bytes last arrived */
    long code;
    bool stopping;
    struct ev_timer *kill_t, *report_t, *drain_t;
    bool reported;
    char error[600];
    char img_id[80];      /* image inspect: Id ("sha256:...") */
    char img_digest[300]; /* image inspect: RepoDigests[0], "" for a local-only image */
};

/* be_docker.c: cancels (without callback) and clears a transfer slot. */
void djob_cancel(struct docker_xfer **x);
/* be_docker.c: deletes a timer if set and clears it. */
void djob_timer_off(struct djob *dj, struct ev_timer **t);
/* be_docker.c: timer callback that ends the job as stopped before its container ran. */
void djob_on_report_timer(struct ev *ev, struct ev_timer *t, void *arg);

/* docker_stop.c: SIGTERM now, SIGKILL after the grace; the wait then reports the end. */
void djob_begin_kill(struct djob *dj);
/* docker_stop.c: starts enforcing maxResources.cpuTime on the running container. */
void djob_cpu_watch(struct djob *dj);
/* docker_stop.c: be_ops.stop. */
void djob_stop(void *state, struct rjob *job, enum be_stop_reason why);

#endif
