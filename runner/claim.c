// SPDX-License-Identifier: MIT
/*
 * claim - the runner's ownership of jobs in PostgreSQL.
 *
 * claim_register (quern.runners row) -> claim_jobs (on NOTIFY quern_jobs,
 * after slots free up, and on the slow safety-net timer) -> claim_renew
 * (every third of runner.lease: leases, heartbeat, missed dismissals) ->
 * claim_reap (every runner, one at a time through an advisory lock) ->
 * claim_unregister at a clean exit.
 * A claim takes at most the free slots in one statement (runner_claim), so
 * the hot path is one round trip for any number of new jobs.
 */
#include "common/compat.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/db_runner.h"
#include "runner/runner.h"

int claim_register(struct runner *r, struct qerr *err)
{
    return db_runner_register(r->db, r->id, r->host, (long)getpid(), PACKAGE_VERSION,
                              r->served_arr, r->slots, err);
}

void claim_unregister(struct runner *r)
{
    struct qerr err = QERR_INIT;
    if (db_runner_unregister(r->db, r->id, &err) < 0) {
        log_warn("could not remove runner %s from quern.runners: %s", r->id, err.msg);
    }
}

static struct rjob *job_from_row(struct db_runner_claimed *c)
{
    struct rjob *job = calloc(1, sizeof *job);
    if (job == NULL) {
        return NULL;
    }
    memcpy(job->id, c->id, sizeof job->id);
    job->process_id = c->process_id;
    job->backend = c->backend;
    job->backend_job_id = c->backend_job_id;
    job->attempt = c->attempt;
    job->definition = c->definition != NULL ? c->definition : json_object();
    job->request = c->request != NULL ? c->request : json_object();
    c->process_id = c->backend = c->backend_job_id = NULL;
    c->definition = c->request = NULL;
    return job;
}

static int start_rows(struct runner *r, bool reattach, long limit, struct qerr *err)
{
    struct db_runner_claimed *rows = NULL;
    int n = 0;
    const char *backends = reattach ? r->reattach_arr : r->served_arr;
    if (db_runner_claim(r->db, reattach, r->id, backends, limit, r->cfg.runner_lease, &rows, &n,
                        err) < 0) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int max_attempts = rows[i].max_attempts;
        long long seq = rows[i].log_seq;
        long long replayed[2] = {rows[i].replayed[0], rows[i].replayed[1]};
        struct rjob *job = job_from_row(&rows[i]);
        if (job == NULL) {
            log_error("out of memory starting claimed jobs");
            exit(1);
        }
        rjob_start(r, job, max_attempts, seq, reattach ? replayed : NULL);
    }
    db_runner_claimed_free(rows, n);
    return n;
}

int claim_jobs(struct runner *r)
{
    long free_slots = r->slots - (long)r->njobs;
    r->want_claim = false;
    if (free_slots <= 0 || r->stopping || r->db_down) {
        return 0;
    }
    if (ev_signal_pending(r->ev, SIGTERM) || ev_signal_pending(r->ev, SIGINT)) {
        return 0; /* a stop arrived during this pass: no claim after it */
    }
    struct qerr err = QERR_INIT;
    int n = start_rows(r, false, free_slots, &err);
    if (n < 0) {
        if (!db_ok(r->db)) {
            runner_db_lost(r, &err);
        } else {
            log_error("claim failed: %s", err.msg);
        }
        return -1;
    }
    runner_db_watch(r);
    r->queue_empty = n < free_slots;
    if (n > 0) {
        log_debug("claimed %d job(s)", n);
    }
    return n;
}

/* Builds "{id,id,...}" of the jobs still running here (uuids need no quoting). */
static char *job_ids_literal(const struct runner *r)
{
    size_t cap = 3 + r->njobs * 37;
    char *s = malloc(cap);
    if (s == NULL) {
        return NULL;
    }
    size_t off = 0;
    s[off++] = '{';
    for (size_t i = 0; i < r->njobs; i++) {
        if (rjob_ended(r->jobs[i])) {
            continue;
        }
        if (off > 1) {
            s[off++] = ',';
        }
        memcpy(s + off, r->jobs[i]->id, 36);
        off += 36;
    }
    s[off++] = '}';
    s[off] = '\0';
    return s;
}

static void renew_jobs(struct runner *r)
{
    char *ids = job_ids_literal(r);
    json_t *owned = NULL;
    struct qerr err = QERR_INIT;
    if (ids == NULL || db_runner_renew(r->db, r->id, ids, r->cfg.runner_lease, &owned, &err) < 0) {
        free(ids);
        if (!db_ok(r->db)) {
            runner_db_lost(r, &err);
        } else {
            log_error("lease renewal failed: %s", err.msg);
        }
        return;
    }
    free(ids);
    for (size_t i = 0; i < r->njobs; i++) {
        struct rjob *j = r->jobs[i];
        if (rjob_ended(j)) {
            continue;
        }
        json_t *d = json_object_get(owned, j->id);
        if (d == NULL) {
            rjob_lost(j);
        } else if (json_is_true(d)) {
            rjob_note(j, "dismiss requested");
            rjob_stop(j, BE_STOP_DISMISS);
        }
    }
    json_decref(owned);
}

void claim_renew(struct runner *r)
{
    if (r->db_down) {
        return;
    }
    if (r->njobs > 0) {
        renew_jobs(r);
    }
    bool found = true;
    struct qerr err = QERR_INIT;
    if (!r->db_down && db_runner_heartbeat(r->db, r->id, (long)r->njobs, r->slots, &found, &err) < 0) {
        if (!db_ok(r->db)) {
            runner_db_lost(r, &err);
        }
        return;
    }
    if (!found) {
        log_warn("runner %s was missing from quern.runners: registering again", r->id);
        if (claim_register(r, &err) < 0) {
            log_error("%s", err.msg);
        }
    }
    runner_db_watch(r);
}

void claim_reap(struct runner *r)
{
    if (r->db_down || r->stopping) {
        return;
    }
    struct qerr err = QERR_INIT;
    int reaped = 0;
    if (db_runner_reap(r->db, r->id, r->dying_arr, r->cfg.runner_retry_backoff,
                       r->cfg.runner_lease, &reaped, &err) < 0) {
        if (!db_ok(r->db)) {
            runner_db_lost(r, &err);
        } else {
            log_error("reaper failed: %s", err.msg);
        }
        return;
    }
    if (reaped > 0) {
        log_info("reaper recovered %d job(s) whose runner was lost", reaped);
        r->want_claim = true;
    }
    long free_slots = r->slots - (long)r->njobs;
    if (strcmp(r->reattach_arr, "{}") != 0 && free_slots > 0) {
        int n = start_rows(r, true, free_slots, &err);
        if (n > 0) {
            log_info("re-attached %d job(s) whose runner was lost", n);
        } else if (n < 0) {
            log_error("re-attach failed: %s", err.msg);
        }
    }
}

static void on_notify(const char *channel, const char *payload, void *arg)
{
    struct runner *r = arg;
    if (strcmp(channel, "quern_jobs") == 0) {
        r->want_claim = true;
        return;
    }
    if (strcmp(channel, "quern_dismiss") != 0) {
        return;
    }
    /* payload: "<job id> <runner id>" */
    const char *sp = strchr(payload, ' ');
    if (sp == NULL || sp - payload != 36 || strcmp(sp + 1, r->id) != 0) {
        return;
    }
    char id[37];
    memcpy(id, payload, 36);
    id[36] = '\0';
    struct rjob *job = runner_job_find(r, id);
    if (job != NULL && !rjob_ended(job)) {
        rjob_note(job, "dismiss requested");
        rjob_stop(job, BE_STOP_DISMISS);
    }
}

void claim_notifies(struct runner *r, bool read)
{
    if (r->db_down) {
        return;
    }
    if (db_runner_notifies(r->db, read, on_notify, r) < 0) {
        struct qerr err = QERR_INIT;
        qerr_set(&err, QERR_DB, "connection lost");
        runner_db_lost(r, &err);
    }
}
