// SPDX-License-Identifier: MIT
/*
 * be_local - runs a job's argv as a child process of the runner.
 *
 * Owns, per job, the child pid (its process group id too), the two read
 * ends of its stdout/stderr pipes and the kill and drain timers. The work
 * has ended when the child has been reaped and both pipes are at EOF (or,
 * if a survivor still holds them, a short drain period has passed).
 * Invariants: when the main process exits, the whole group is SIGKILLed, so
 * forked grandchildren never outlive the job; rjob_exited is called once.
 * The work dies with the runner (PDEATHSIG), so there is no attach: the
 * reaper retries or fails such jobs.
 */
#include "common/compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/be.h"
#include "runner/rjob.h"
#include "runner/spawn.h"

/* How long pipes are drained after the main process ended and its group was killed. */
#define LOCAL_DRAIN_MS 2000
/* Bytes read per pipe per readiness event, so one chatty job cannot starve the loop. */
#define LOCAL_READ_BUDGET (256 * 1024)

struct local {
    struct ev *ev;
    long kill_grace_ms;
};

struct local_job {
    struct local *l;
    struct rjob *job;
    pid_t pid;
    int fd[2]; /* stdout, stderr read ends; -1 when closed */
    bool reaped;
    int status;
    bool reported;
    bool stopping;
    struct ev_timer *kill_t;
    struct ev_timer *drain_t;
};

static void *local_init(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct local *l = calloc(1, sizeof *l);
    if (l == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    l->ev = ev;
    l->kill_grace_ms = cfg->runner_kill_grace * 1000;
    return l;
}

static void local_fini(void *state)
{
    free(state);
}

static void close_fd(struct local_job *lj, int i)
{
    if (lj->fd[i] >= 0) {
        ev_fd_del(lj->l->ev, lj->fd[i]);
        close(lj->fd[i]);
        lj->fd[i] = -1;
    }
}

static void maybe_done(struct local_job *lj)
{
    if (lj->reported || !lj->reaped || lj->fd[0] >= 0 || lj->fd[1] >= 0) {
        return;
    }
    lj->reported = true;
    if (lj->kill_t != NULL) {
        ev_timer_del(lj->l->ev, lj->kill_t);
        lj->kill_t = NULL;
    }
    if (lj->drain_t != NULL) {
        ev_timer_del(lj->l->ev, lj->drain_t);
        lj->drain_t = NULL;
    }
    struct be_exit how = {0};
    if (WIFEXITED(lj->status)) {
        how.exited = true;
        how.exit_code = WEXITSTATUS(lj->status);
    } else if (WIFSIGNALED(lj->status)) {
        how.term_signal = WTERMSIG(lj->status);
    }
    rjob_exited(lj->job, &how);
}

static void on_readable(struct ev *ev, int fd, int events, void *arg)
{
    struct local_job *lj = arg;
    int i = fd == lj->fd[0] ? 0 : 1;
    char chunk[65536];
    size_t budget = LOCAL_READ_BUDGET;
    while (budget > 0) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            rjob_output(lj->job, i + 1, chunk, (size_t)n);
            budget -= (size_t)n < budget ? (size_t)n : budget;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close_fd(lj, i); /* EOF or a read error */
        maybe_done(lj);
        return;
    }
}

static void on_drain_timeout(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct local_job *lj = arg;
    lj->drain_t = NULL;
    rjob_note(lj->job, "output pipes still open %d ms after the process ended; closed them",
              LOCAL_DRAIN_MS);
    close_fd(lj, 0);
    close_fd(lj, 1);
    maybe_done(lj);
}

static void on_exit_status(pid_t pid, int status, void *arg)
{
    struct local_job *lj = arg;
    lj->reaped = true;
    lj->status = status;
    /* Whatever the process forked dies with it: no orphans outlive the job. */
    spawn_kill(pid, SIGKILL);
    if (lj->fd[0] >= 0 || lj->fd[1] >= 0) {
        /* Read what is left; a survivor outside the group may hold the pipes. */
        lj->drain_t = ev_timer_add(lj->l->ev, LOCAL_DRAIN_MS, 0, on_drain_timeout, lj);
    }
    maybe_done(lj);
}

static int local_submit(void *state, struct rjob *job, struct qerr *err)
{
    struct local *l = state;
    struct local_job *lj = calloc(1, sizeof *lj);
    if (lj == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    lj->l = l;
    lj->job = job;
    lj->fd[0] = lj->fd[1] = -1;
    if (job->argv == NULL || job->argv[0] == NULL || job->argv[0][0] != '/') {
        qerr_set(err, QERR_INVALID, "the local backend needs an absolute command path");
        free(lj);
        return -1;
    }
    struct spawn_opts o = {
        .argv = job->argv,
        .envp = job->envp,
        .dir = job->job_dir,
        .memory_mib = job->memory_mib,
        .cpu_seconds = job->cpu_seconds,
    };
    if (spawn_child(&o, on_exit_status, lj, &lj->pid, &lj->fd[0], &lj->fd[1], err) < 0) {
        free(lj);
        return -1;
    }
    job->be_state = lj;
    for (int i = 0; i < 2; i++) {
        if (ev_fd_add(l->ev, lj->fd[i], EV_READ, on_readable, lj, err) < 0) {
            /* The child runs; without a watcher its output is lost, so stop it. */
            spawn_kill(lj->pid, SIGKILL);
            return 0;
        }
    }
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)lj->pid);
    rjob_set_backend_id(job, pid);
    return 0;
}

static void on_kill_grace(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct local_job *lj = arg;
    lj->kill_t = NULL;
    if (!lj->reaped) {
        rjob_note(lj->job, "still running %ld s after SIGTERM: sending SIGKILL",
                  lj->l->kill_grace_ms / 1000);
        spawn_kill(lj->pid, SIGKILL);
    }
}

static void local_stop(void *state, struct rjob *job, enum be_stop_reason why)
{
    struct local_job *lj = job->be_state;
    if (lj == NULL || lj->reaped || lj->stopping) {
        return;
    }
    lj->stopping = true;
    spawn_kill(lj->pid, SIGTERM);
    if (lj->l->kill_grace_ms > 0) {
        lj->kill_t = ev_timer_add(lj->l->ev, lj->l->kill_grace_ms, 0, on_kill_grace, lj);
    } else {
        spawn_kill(lj->pid, SIGKILL);
    }
}

static void local_release(void *state, struct rjob *job)
{
    struct local_job *lj = job->be_state;
    if (lj == NULL) {
        return;
    }
    if (!lj->reaped) {
        spawn_kill(lj->pid, SIGKILL);
        spawn_forget(lj->pid);
    }
    close_fd(lj, 0);
    close_fd(lj, 1);
    if (lj->kill_t != NULL) {
        ev_timer_del(lj->l->ev, lj->kill_t);
    }
    if (lj->drain_t != NULL) {
        ev_timer_del(lj->l->ev, lj->drain_t);
    }
    free(lj);
    job->be_state = NULL;
}

const struct be_ops be_local_ops = {
    .name = "local",
    .init = local_init,
    .fini = local_fini,
    .submit = local_submit,
    .attach = NULL,
    .stop = local_stop,
    .release = local_release,
};
