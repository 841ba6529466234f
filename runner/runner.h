// SPDX-License-Identifier: MIT
/*
 * runner - the daemon's one context (struct runner) and the core modules
 * that share it: claim.c (ownership in the database: register, claim,
 * leases, reaper), rjob.c (a job's life on this runner), flush.c (batched
 * writes back), callback.c (subscriber callbacks), main.c (lifecycle).
 *
 * Invariants: every job in jobs[] is running in the database with this
 * runner's id and a lease this runner renews; a job leaves jobs[] only
 * after its end (terminal status, hand-back or loss) was committed or it
 * was found to belong to someone else. Only the loop thread touches any
 * of it. Backends never see this struct.
 */
#ifndef QUERN_RUNNER_H
#define QUERN_RUNNER_H

#include <jansson.h>

#include "common/cfg.h"
#include "common/db.h"
#include "runner/be.h"
#include "runner/curlm.h"
#include "runner/ev.h"
#include "runner/rjob.h"

#define RUNNER_MAX_BACKENDS 8

struct runner_be {
    const struct be_ops *ops;
    void *state;
};

struct runner {
    struct cfg cfg; /* current snapshot, replaced whole on SIGHUP */
    const char *config_path;
    struct ev *ev;
    struct db *db;
    struct curlm *curlm;
    char id[160];
    char host[128];
    bool once;

    struct runner_be be[RUNNER_MAX_BACKENDS]; /* served backends */
    size_t nbe;
    char *served_arr;   /* text[] literal of served backend names */
    char *reattach_arr; /* served backends that can re-attach work */
    char *dying_arr;    /* compiled-in backends whose work dies with its runner */
    long slots;

    struct rjob **jobs; /* jobs this runner owns */
    size_t njobs, jobs_cap;

    /* Pending writes (flush.c). */
    json_t *logs; /* array of {j, s, t, l} */
    long long pending_since_ms; /* oldest unwritten line or change; 0: none */
    int flush_failures;        /* consecutive failures not due to a lost connection */
    bool flush_asap;           /* write at the end of this pass (a re-attachable backend id) */
    struct ev_timer *flush_t;

    bool want_claim;
    bool queue_empty; /* the last claim found fewer jobs than free slots */
    bool stopping;
    bool stop_now;   /* a second SIGTERM: no more waiting */
    long long stop_deadline_ms;
    bool db_down;
    int db_fd;
    unsigned long db_gen;
    struct ev_timer *poll_t, *lease_t, *reap_t, *db_retry_t, *grace_t;
    unsigned long jobs_done;
    char **trash; /* job directories to remove after the next claim (off the hot path) */
    size_t ntrash, trash_cap;
    struct callback_q *callbacks;
    struct log_archive *archives; /* logs going to S3 (log_archive.c) */
};

/* --- claim.c: the runner's ownership of jobs in PostgreSQL --- */
int claim_register(struct runner *r, struct qerr *err) QUERN_MUSTCHECK;
void claim_unregister(struct runner *r);
/* Claims up to the free slots and starts the jobs; returns how many, -1 on a db error. */
int claim_jobs(struct runner *r);
/* Renews this runner's leases and heartbeat; stops jobs it no longer owns or that were dismissed. */
void claim_renew(struct runner *r);
/* One reaper pass over expired leases (retry, fail or re-attach). */
void claim_reap(struct runner *r);
/* Handles pending notifications (new jobs, dismiss requests); read: from the socket first. */
void claim_notifies(struct runner *r, bool read);

/* --- rjob.c: a job's life on this runner --- */
/* Starts a claimed job, or re-attaches it when replayed is not NULL: replayed[0] and [1]
 * are the stdout and stderr lines already stored, which the backend's replay of the
 * output repeats (parsed again, not stored again). Takes ownership of job. */
void rjob_start(struct runner *r, struct rjob *job, int max_attempts, long long log_seq,
                const long long *replayed);
/* Asks the backend to stop the job; the end follows through rjob_exited. */
void rjob_stop(struct rjob *job, enum be_stop_reason why);
/* At shutdown: lets the job's remote work run on (backend detach) and gives up the lease
 * so that a runner re-attaches it; false when the work cannot be left (stop it then). */
bool rjob_leave(struct rjob *job);
/* The job was taken over by someone else: stop it and forget it without writing. */
void rjob_lost(struct rjob *job);
/* True once the job's end is decided and waits to be written. */
bool rjob_ended(const struct rjob *job);
/* The end as a flush record: "f" finish, "b" hand back, "l" left running, "d" drop. */
char rjob_end_kind(const struct rjob *job);
/* Appends the job's finish ({id, st, bid, m, r, e}) or hand-back record to arr. */
void rjob_end_record(const struct rjob *job, json_t *fin, json_t *back);
/* Appends pending backend id / progress changes to upd and clears them. */
void rjob_take_updates(struct rjob *job, json_t *upd);
/* The updates taken were committed. */
void rjob_updates_done(struct rjob *job);
/* Storing the files failed for good: the job fails instead, saying why. */
void rjob_drop_files(struct rjob *job, const char *why);
/* Frees a job the core never started (and, from rjob_retire, every job). */
void rjob_free(struct rjob *job);
/* Writes the job's output files (inside the flush transaction). */
int rjob_store_files(struct rjob *job, struct qerr *err) QUERN_MUSTCHECK;
bool rjob_has_files(const struct rjob *job);
/* After the end was committed (committed: it was ours): callbacks, release, free. */
void rjob_retire(struct rjob *job, bool committed);
struct rjob *runner_job_find(struct runner *r, const char *id);
void runner_job_remove(struct runner *r, struct rjob *job);
const struct runner_be *runner_be_find(const struct runner *r, const char *name);
/* Queues a job directory for removal (takes dir); runner_trash_empty removes them all. */
void runner_trash_add(struct runner *r, char *dir);
void runner_trash_empty(struct runner *r);

/* --- flush.c: batched writes of logs, progress, ends --- */
/* Queues a log line (stream "stdout", "stderr" or "system"); text already clean. */
void flush_log(struct runner *r, const char *job_id, long long seq, const char *stream,
               const char *line);
/* Notes that a job has a change to write (starts the batching clock). */
void flush_touch(struct runner *r);
/* Writes what is due (force: everything now). Returns -1 when the database is unreachable. */
int flush_run(struct runner *r, bool force);
/* True when nothing waits to be written. */
bool flush_idle(const struct runner *r);

/* --- main.c --- */
/* Marks the database unreachable and schedules reconnection. */
void runner_db_lost(struct runner *r, const struct qerr *why);
/* Re-watches the connection's socket if a reconnect replaced it. */
void runner_db_watch(struct runner *r);

#endif
