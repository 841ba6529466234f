// SPDX-License-Identifier: MIT
/*
 * flush - the runner's write-behind to PostgreSQL.
 *
 * Log lines, backend ids and progress collect in memory and are written
 * together at most runner.log_flush_ms after the oldest of them (sooner
 * past runner.log_batch_lines); a job's end is written at once. A batch is
 * one statement (runner_flush), so it commits whole or not at all; jobs
 * with output files get an explicit transaction around their files and
 * the same statement. Nothing is forgotten until its write committed: if
 * the connection is lost, everything stays queued for after the reconnect.
 * A batch that fails for another reason twice is split: its log lines are
 * dropped (logged), files of ending jobs are given up (the jobs fail with
 * the reason), and a third failure retires the ends unwritten, leaving
 * those jobs to the reaper rather than retrying forever.
 */
#include "common/compat.h"

#include <string.h>

#include "common/log.h"
#include "runner/db_runner.h"
#include "runner/runner.h"

void flush_log(struct runner *r, const char *job_id, long long seq, const char *stream,
               const char *line)
{
    if (r->logs == NULL) {
        r->logs = json_array();
    }
    json_t *o = json_pack("{ss sI ss ss}", "j", job_id, "s", (json_int_t)seq, "t", stream, "l",
                          line);
    if (r->logs == NULL || o == NULL || json_array_append_new(r->logs, o) < 0) {
        log_warn("job=%s: out of memory queueing a log line; dropped", job_id);
        return;
    }
    flush_touch(r);
}

void flush_touch(struct runner *r)
{
    if (r->pending_since_ms == 0) {
        r->pending_since_ms = ev_now_ms();
    }
}

static bool any_ended(const struct runner *r)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (rjob_ended(r->jobs[i])) {
            return true;
        }
    }
    return false;
}

bool flush_idle(const struct runner *r)
{
    return r->pending_since_ms == 0 && !any_ended(r);
}

static void on_flush_timer(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct runner *r = arg;
    r->flush_t = NULL; /* the hook after this pass writes what is due */
}

/* Retires dropped jobs (they were not ours) before anything is written. */
static void retire_dropped(struct runner *r)
{
    for (size_t i = 0; i < r->njobs;) {
        if (rjob_end_kind(r->jobs[i]) == 'd') {
            rjob_retire(r->jobs[i], false);
        } else {
            i++;
        }
    }
}

static int store_files(struct runner *r, struct qerr *err)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (rjob_has_files(r->jobs[i]) && rjob_store_files(r->jobs[i], err) < 0) {
            return -1;
        }
    }
    return 0;
}

static bool need_tx(const struct runner *r)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (rjob_has_files(r->jobs[i])) {
            return true;
        }
    }
    return false;
}

/* Builds and runs one batch; *applied is the statement's answer. */
static int write_batch(struct runner *r, json_t **applied, struct qerr *err)
{
    json_t *upd = json_array(), *fin = json_array(), *back = json_array();
    char *s_logs = NULL, *s_upd = NULL, *s_fin = NULL, *s_back = NULL;
    int rc = -1;
    for (size_t i = 0; i < r->njobs; i++) {
        struct rjob *j = r->jobs[i];
        if (rjob_ended(j)) {
            rjob_end_record(j, fin, back);
        } else {
            rjob_take_updates(j, upd);
        }
    }
    s_logs = r->logs != NULL ? json_dumps(r->logs, JSON_COMPACT) : strdup("[]");
    s_upd = json_dumps(upd, JSON_COMPACT);
    s_fin = json_dumps(fin, JSON_COMPACT);
    s_back = json_dumps(back, JSON_COMPACT);
    if (s_logs == NULL || s_upd == NULL || s_fin == NULL || s_back == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    bool tx = need_tx(r);
    if (tx && (db_begin(r->db, err) < 0 || store_files(r, err) < 0)) {
        db_rollback(r->db);
        goto out;
    }
    if (db_runner_flush(r->db, r->id, s_logs, s_upd, s_fin, s_back, applied, err) < 0) {
        if (tx) {
            db_rollback(r->db);
        }
        goto out;
    }
    if (tx && db_commit(r->db, err) < 0) {
        json_decref(*applied);
        *applied = NULL;
        db_rollback(r->db);
        goto out;
    }
    rc = 0;
out:
    free(s_logs);
    free(s_upd);
    free(s_fin);
    free(s_back);
    json_decref(upd);
    json_decref(fin);
    json_decref(back);
    return rc;
}

static void after_commit(struct runner *r, json_t *applied)
{
    json_decref(r->logs);
    r->logs = NULL;
    r->pending_since_ms = 0;
    r->flush_failures = 0;
    bool freed = false;
    for (size_t i = 0; i < r->njobs;) {
        struct rjob *j = r->jobs[i];
        if (!rjob_ended(j)) {
            rjob_updates_done(j);
            i++;
            continue;
        }
        bool ours = json_object_get(applied, j->id) != NULL;
        if (!ours) {
            log_warn("job=%s process=%s ended here but was no longer owned by runner %s: its end "
                     "was not recorded", j->id, j->process_id, r->id);
        }
        r->jobs_done++;
        rjob_retire(j, ours);
        freed = true;
    }
    if (freed && !r->queue_empty) {
        r->want_claim = true;
    }
}

/* A batch failed without losing the connection: degrade step by step (see the header). */
static void degrade(struct runner *r, const struct qerr *err)
{
    r->flush_failures++;
    log_error("writing job updates failed (%d in a row): %s", r->flush_failures, err->msg);
    if (r->flush_failures == 2) {
        size_t n = r->logs != NULL ? json_array_size(r->logs) : 0;
        log_error("dropping %zu pending log lines and the output files of ending jobs", n);
        json_decref(r->logs);
        r->logs = NULL;
        for (size_t i = 0; i < r->njobs; i++) {
            if (rjob_has_files(r->jobs[i])) {
                rjob_drop_files(r->jobs[i], err->msg);
            }
        }
        json_decref(r->logs); /* the failure notes too: they would hit the same error */
        r->logs = NULL;
    } else if (r->flush_failures >= 3) {
        for (size_t i = 0; i < r->njobs;) {
            if (rjob_ended(r->jobs[i])) {
                log_error("job=%s: its end could not be recorded; the reaper will recover it",
                          r->jobs[i]->id);
                rjob_retire(r->jobs[i], false);
            } else {
                i++;
            }
        }
        r->pending_since_ms = 0;
        r->flush_failures = 0;
    }
}

int flush_run(struct runner *r, bool force)
{
    retire_dropped(r);
    bool ended = any_ended(r);
    if (r->pending_since_ms == 0 && !ended) {
        r->flush_asap = false;
        return 0;
    }
    if (r->db_down) {
        return -1;
    }
    long long age = ev_now_ms() - r->pending_since_ms;
    size_t nlogs = r->logs != NULL ? json_array_size(r->logs) : 0;
    if (!force && !ended && age < r->cfg.runner_log_flush_ms &&
        (long)nlogs < r->cfg.runner_log_batch_lines) {
        if (r->flush_t == NULL) {
            r->flush_t = ev_timer_add(r->ev, r->cfg.runner_log_flush_ms - (long)age, 0,
                                      on_flush_timer, r);
        }
        return 0;
    }
    json_t *applied = NULL;
    struct qerr err = QERR_INIT;
    if (write_batch(r, &applied, &err) < 0) {
        if (!db_ok(r->db)) {
            runner_db_lost(r, &err);
            return -1;
        }
        degrade(r, &err);
        return 0;
    }
    runner_db_watch(r);
    r->flush_asap = false;
    after_commit(r, applied);
    json_decref(applied);
    return 0;
}
