// SPDX-License-Identifier: MIT
/*
 * be - the backend interface: how the runner core starts, follows, stops
 * and re-attaches the work of a job, without naming any backend.
 *
 * A backend (be_local.c, be_docker.c, be_batch.c, be_slurm.c) fills one
 * struct be_ops and is listed in the registry table of be.c. The core owns
 * each struct rjob; the backend keeps its per-job state in job->be_state
 * and reports through the rjob_* sink (rjob.h):
 *   rjob_set_backend_id()  as soon as the backend's own id is known
 *                          (pid, container id, Batch or Slurm job id);
 *   rjob_output()          bytes the process wrote (stdout or stderr),
 *                          in any chunking: the core splits lines, stores
 *                          logs, reads progress and plugin_results;
 *   rjob_exited()          exactly once, when the work has ended.
 * Backends never touch the database and never block: they use ev_ for
 * fds and timers and curlm_ for HTTP.
 */
#ifndef QUERN_BE_H
#define QUERN_BE_H

#include "common/cfg.h"
#include "common/qerr.h"
#include "runner/ev.h"

struct rjob;
struct be;

enum be_stop_reason {
    BE_STOP_DISMISS,  /* DELETE /jobs/{id} */
    BE_STOP_TIMEOUT,  /* the definition's timeout elapsed */
    BE_STOP_SHUTDOWN, /* runner stopping with handback policy */
};

struct be_ops {
    const char *name; /* host.type it serves: "local", "docker", "aws-batch", "slurm" */
    /* Once at runner start (and after SIGHUP with the new cfg); NULL state on error. */
    void *(*init)(struct ev *ev, const struct cfg *cfg, struct qerr *err);
    void (*fini)(void *state);
    /* Starts new work for job. -1: the job fails with err's message. */
    int (*submit)(void *state, struct rjob *job, struct qerr *err);
    /*
     * Resumes following work started earlier (job's backend_job_id is set),
     * after a runner restart or when reaping an expired lease. -1 with
     * QERR_NOTFOUND: the work is gone (the core then retries or fails the job).
     * NULL: the work cannot outlive its runner (local processes die with it);
     * the reaper then retries or fails such jobs without asking the backend.
     */
    int (*attach)(void *state, struct rjob *job, struct qerr *err);
    /* Stops the work (SIGTERM, grace, SIGKILL or the backend's equivalent); rjob_exited follows. */
    void (*stop)(void *state, struct rjob *job, enum be_stop_reason why);
    /* Frees per-job state after rjob_exited (and removes containers, files...). */
    void (*release)(void *state, struct rjob *job);
    /*
     * Optional. Lets go of running work without stopping it, when the runner stops:
     * frees the per-job state and its watchers and removes nothing, so that a runner
     * (another one, or this one restarted) re-attaches the work through
     * backend_job_id. 0: let go (rjob_exited never follows); -1: not now (the core
     * stops the work instead). NULL: the work cannot outlive its runner.
     */
    int (*detach)(void *state, struct rjob *job);
};

/* The backend serving host type name, or NULL. */
const struct be_ops *be_find(const char *name);

/* The i-th backend compiled in (0..), NULL past the last. */
const struct be_ops *be_at(size_t i);

#endif
