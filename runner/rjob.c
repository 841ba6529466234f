// SPDX-License-Identifier: MIT
/*
 * rjob - a job's life on this runner, and the sink backends report through.
 *
 * rjob_start (claimed row -> prepared job -> backend submit/attach) ->
 * rjob_output / rjob_note (lines to logs, progress, last stdout line) ->
 * rjob_exited (decide the end: finish, hand back, or drop) -> flush.c writes
 * it -> rjob_retire (callbacks, backend release, directory removal, free).
 * Invariant: a job's end is decided exactly once, and nothing about it is
 * written except through flush.c's guarded statements.
 */
#include "common/compat.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "runner/callback.h"
#include "runner/log_archive.h"
#include "runner/rjob_files.h"
#include "runner/rjob_out.h"
#include "runner/rjob_prep.h"
#include "runner/rjob_store.h"
#include "runner/runner.h"

#define RJOB_TAIL 20       /* stderr lines kept for the exception */
#define RJOB_TAIL_LINE 400 /* bytes kept per stderr line */

struct rjob_lctx {
    struct rjob *job;
    int stream; /* 1 stdout, 2 stderr */
};

struct rjob_core {
    struct runner *r;
    const struct runner_be *be;
    int max_attempts;
    long long seq;
    long lines_logged;
    bool capped;
    struct rjob_lines split[2];
    struct rjob_lctx lctx[2];
    char *last_out;
    char *tail[RJOB_TAIL];
    int tail_next;
    long long replay[2]; /* stdout, stderr lines still to skip: stored before a re-attach */
    bool submitted, exited, stop_requested, lost;
    enum be_stop_reason why;
    struct ev_timer *timeout_t;
    bool dirty;
    bool bid_dirty;
    json_t *binfo; /* jobs.backend_info */
    bool binfo_dirty;
    int progress;
    char *pmsg;
    bool progress_dirty;
    long long last_cb_ms;
    char kind; /* 0 while running; 'f' finish, 'b' hand back, 'l' left running, 'd' drop */
    const char *st;
    char *end_msg;
    json_t *results, *exception;
    bool retry;
    struct rjob_file *files;
    size_t nfiles;
    struct rjob_file *stored; /* files the work stored itself (rjob_stored_file) */
    size_t nstored;
    struct rjob_store *upload; /* output files going to S3 before the end is written */
};

static struct rjob_core *C(const struct rjob *job)
{
    return job->core;
}

/* --- logs and lines --- */

static void log_line(struct rjob *job, const char *stream, const char *text)
{
    struct rjob_core *c = C(job);
    flush_log(c->r, job->id, ++c->seq, stream, text);
}

void rjob_note(struct rjob *job, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *clean = rjob_text_clean(text, strlen(text), sizeof text);
    if (clean != NULL) {
        log_line(job, "system", clean);
        free(clean);
    }
    log_debug("job=%s process=%s note: %s", job->id, job->process_id, text);
}

static void progress_line(struct rjob *job, const char *line, size_t len)
{
    struct rjob_core *c = C(job);
    int p;
    char *msg = NULL;
    if (!rjob_parse_progress(line, len, &p, &msg)) {
        return;
    }
    c->progress = p;
    free(c->pmsg);
    c->pmsg = msg;
    c->progress_dirty = c->dirty = true;
    flush_touch(c->r);
    long long now = ev_now_ms();
    const char *uri = json_string_value(
        json_object_get(json_object_get(job->request, "subscriber"), "inProgressUri"));
    if (uri != NULL && now - c->last_cb_ms >= 1000) {
        c->last_cb_ms = now;
        callback_post(c->r, uri, json_pack("{ss ss ss ss si ss?}", "jobID", job->id, "processID",
                                           job->process_id, "type", "process", "status",
                                           "running", "progress", p, "message", msg));
    }
}

void rjob_message(struct rjob *job, const char *msg)
{
    struct rjob_core *c = C(job);
    char *copy = rjob_text_clean(msg, strlen(msg), 1000);
    if (copy == NULL) {
        return;
    }
    free(c->pmsg);
    c->pmsg = copy;
    c->progress_dirty = c->dirty = true;
    flush_touch(c->r);
}

static void on_line(const char *line, size_t len, bool truncated, void *arg)
{
    const struct rjob_lctx *lc = arg;
    struct rjob *job = lc->job;
    int stream = lc->stream;
    struct rjob_core *c = C(job);
    const struct cfg *cfg = &c->r->cfg;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    if (stream == 1 && len > 0) {
        bool object = i < len && line[i] == '{';
        QFREE(c->last_out);
        if (object && !truncated) {
            c->last_out = strndup(line, len);
            progress_line(job, line, len);
        }
    } else if (stream == 2 && len > 0) {
        free(c->tail[c->tail_next]);
        c->tail[c->tail_next] = rjob_text_clean(line, len, RJOB_TAIL_LINE);
        c->tail_next = (c->tail_next + 1) % RJOB_TAIL;
    }
    if (c->replay[stream - 1] > 0) { /* parsed again above, stored before the re-attach */
        c->replay[stream - 1]--;
        return;
    }
    if (c->lines_logged < cfg->runner_log_max_lines) {
        char *clean = rjob_text_clean(line, len, (size_t)cfg->runner_log_line_max);
        if (clean != NULL) {
            log_line(job, stream == 1 ? "stdout" : "stderr", clean);
            free(clean);
        }
        c->lines_logged++;
    } else if (!c->capped) {
        c->capped = true;
        rjob_note(job, "log truncated: only the first %ld lines are kept (runner.log_max_lines)",
                  cfg->runner_log_max_lines);
    }
}

void rjob_output(struct rjob *job, int stream, const char *data, size_t len)
{
    if (stream == 1 || stream == 2) {
        rjob_lines_feed(&C(job)->split[stream - 1], data, len);
    }
}

void rjob_set_backend_id(struct rjob *job, const char *id)
{
    struct rjob_core *c = C(job);
    free(job->backend_job_id);
    job->backend_job_id = strdup(id);
    c->bid_dirty = c->dirty = true;
    flush_touch(c->r);
    if (c->be != NULL && c->be->ops->attach != NULL) {
        /* Re-attachable work must be findable at once if this runner dies. */
        c->r->flush_asap = true;
    }
}

void rjob_set_backend_info(struct rjob *job, json_t *info)
{
    struct rjob_core *c = C(job);
    if (!json_is_object(info)) {
        json_decref(info);
        return;
    }
    json_decref(c->binfo);
    c->binfo = info;
    c->binfo_dirty = c->dirty = true;
    flush_touch(c->r);
}

void rjob_stored_file(struct rjob *job, const char *name, long long bytes, const char *sha256,
                      const char *storage, const char *location)
{
    struct rjob_core *c = C(job);
    struct rjob_file *f = realloc(c->stored, (c->nstored + 1) * sizeof *f);
    if (f == NULL) {
        rjob_note(job, "out of memory recording stored file %s", name);
        return;
    }
    c->stored = f;
    f += c->nstored;
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    f->location = strdup(location);
    f->storage = storage;
    f->bytes = bytes;
    snprintf(f->sha256, sizeof f->sha256, "%s", sha256);
    c->nstored++;
}

/* --- the end --- */

static json_t *exception_new(const char *type, const char *title, const char *detail)
{
    return json_pack("{ss ss si ss}", "type", type, "title", title, "status", 500, "detail",
                     detail);
}

static void end_fail(struct rjob *job, const char *type, const char *title, const char *detail)
{
    struct rjob_core *c = C(job);
    c->kind = 'f';
    c->st = "failed";
    free(c->end_msg);
    c->end_msg = rjob_text_clean(detail, strlen(detail), 1000);
    json_decref(c->exception);
    c->exception = exception_new(type, title, c->end_msg != NULL ? c->end_msg : "failed");
    rjob_note(job, "failed: %s", detail);
}

/* "exited with code N" / "killed by signal N", then the last stderr lines. */
static void end_exit_failure(struct rjob *job, const struct be_exit *how)
{
    struct rjob_core *c = C(job);
    char detail[4096];
    size_t off;
    if (how->exited) {
        off = (size_t)snprintf(detail, sizeof detail, "the process exited with code %d",
                               how->exit_code);
    } else {
        off = (size_t)snprintf(detail, sizeof detail, "the process was killed by signal %d (%s)",
                               how->term_signal, strsignal(how->term_signal));
    }
    if (how->oom || (job->memory_mib > 0 && (!how->exited || how->exit_code != 0))) {
        off += (size_t)snprintf(detail + off, sizeof detail - off, "%s (memory limit %ld MiB)",
                                how->oom ? " after exceeding its memory limit" : "",
                                job->memory_mib);
    }
    if (!how->exited && job->cpu_seconds > 0 &&
        (how->term_signal == SIGXCPU || how->term_signal == SIGKILL) && off < sizeof detail) {
        off += (size_t)snprintf(detail + off, sizeof detail - off, " (CPU time limit %ld s)",
                                job->cpu_seconds);
    }
    bool first = true;
    for (int k = 0; k < RJOB_TAIL && off < sizeof detail; k++) {
        const char *l = c->tail[(c->tail_next + k) % RJOB_TAIL];
        if (l != NULL) {
            off += (size_t)snprintf(detail + off, sizeof detail - off, "%s%s",
                                    first ? "; stderr: " : "\n", l);
            first = false;
        }
    }
    end_fail(job, "urn:quern:process-failed", "Process failed", detail);
}

static void file_note(void *arg, const char *text)
{
    rjob_note(arg, "%s", text);
}

/* The uploads of rjob_store ended: the job's end can now be written. */
static void on_stored(void *arg, const struct qerr *err)
{
    struct rjob *job = arg;
    struct rjob_core *c = C(job);
    if (err != NULL) {
        rjob_drop_files(job, err->msg);
    } else {
        c->kind = 'f';
    }
    c->dirty = true;
    flush_touch(c->r);
}

/*
 * Large results to files (stores other than postgres), the output directory,
 * and the files the work stored itself, into c->files.
 */
static int gather_files(struct rjob *job, json_t *res, const json_t *outputs, struct qerr *err)
{
    struct rjob_core *c = C(job);
    const struct cfg *cfg = &c->r->cfg;
    if (res != NULL && strcmp(cfg->storage_type, "postgres") != 0) {
        int moved = rjob_files_spill(res, job->output_dir, cfg->storage_inline_max, err);
        if (moved < 0) {
            return -1;
        }
        if (moved > 0) {
            rjob_note(job, "%d result value(s) larger than storage.inline_max (%ld bytes) "
                      "stored as files", moved, cfg->storage_inline_max);
        }
    }
    if (rjob_files_scan(job->output_dir, outputs, cfg->runner_output_max, file_note, job,
                        &c->files, &c->nfiles, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < c->nstored; i++) {
        const struct rjob_file *f = &c->stored[i];
        if (rjob_files_add_stored(outputs, cfg->runner_output_max, f->name, f->bytes, f->sha256,
                                  f->storage, f->location, &c->files, &c->nfiles, err) < 0) {
            return -1;
        }
    }
    return 0;
}

static void end_success_or_not(struct rjob *job)
{
    struct rjob_core *c = C(job);
    const json_t *outputs = json_object_get(job->definition, "outputs");
    char why[256] = "";
    json_t *res = NULL;
    if (c->last_out != NULL) {
        res = rjob_parse_results(c->last_out, strlen(c->last_out), outputs, why, sizeof why);
    } else {
        snprintf(why, sizeof why, "the last line on stdout must be a JSON object "
                 "{\"plugin_results\": ...}");
    }
    struct qerr err = QERR_INIT;
    if (gather_files(job, res, outputs, &err) < 0) {
        json_decref(res);
        end_fail(job, "urn:quern:process-failed", "Invalid outputs", err.msg);
        return;
    }
    if (res == NULL && c->nfiles == 0) {
        char detail[400];
        snprintf(detail, sizeof detail, "the process exited 0 without results: %s", why);
        end_fail(job, "urn:quern:no-results", "No results", detail);
        return;
    }
    c->st = "successful";
    c->results = res != NULL ? res : json_object();
    c->end_msg = strdup("successful");
    if (!rjob_store_needed(&c->r->cfg, c->files, c->nfiles)) {
        c->kind = 'f';
        return;
    }
    c->upload = rjob_store_start(c->r->ev, c->r->curlm, &c->r->cfg, job->id, job->output_dir,
                                 c->files, c->nfiles, on_stored, job, &err);
    if (c->upload == NULL) {
        on_stored(job, &err);
    }
}

/* The work vanished without an end seen: queued again while attempts remain, else failed. */
static void work_gone(struct rjob *job, const char *why)
{
    struct rjob_core *c = C(job);
    if (job->attempt < c->max_attempts) {
        char m[700];
        snprintf(m, sizeof m, "%s; queued again for attempt %d of %d", why, job->attempt + 1,
                 c->max_attempts);
        c->kind = 'b';
        c->retry = true;
        free(c->end_msg);
        c->end_msg = rjob_text_clean(m, strlen(m), 1000);
        rjob_note(job, "%s", m);
        return;
    }
    char d[700];
    snprintf(d, sizeof d, "%s during attempt %d of %d, and no attempts are left", why,
             job->attempt, c->max_attempts);
    end_fail(job, "urn:quern:work-lost", "Work lost", d);
}

void rjob_exited(struct rjob *job, const struct be_exit *how)
{
    struct rjob_core *c = C(job);
    QASSERT(!c->exited);
    c->exited = true;
    rjob_lines_finish(&c->split[0]);
    rjob_lines_finish(&c->split[1]);
    if (c->timeout_t != NULL) {
        ev_timer_del(c->r->ev, c->timeout_t);
        c->timeout_t = NULL;
    }
    if (c->lost) {
        c->kind = 'd';
    } else if (c->stop_requested && c->why == BE_STOP_SHUTDOWN) {
        c->kind = 'b';
        char m[256];
        snprintf(m, sizeof m, "handed back by runner %s at shutdown", c->r->id);
        c->end_msg = strdup(m);
        rjob_note(job, "%s", m);
    } else if (c->stop_requested && c->why == BE_STOP_DISMISS) {
        c->kind = 'f';
        c->st = "dismissed";
        c->end_msg = strdup("dismissed");
        rjob_note(job, "dismissed: the process was stopped");
    } else if (c->stop_requested && c->why == BE_STOP_TIMEOUT) {
        char d[128];
        snprintf(d, sizeof d, "timed out after %ld s", job->timeout_s);
        end_fail(job, "urn:quern:timeout", "Timed out", d);
    } else if (how->gone) {
        work_gone(job, how->error != NULL ? how->error : "the work is gone");
    } else if (how->error != NULL) {
        end_fail(job, "urn:quern:backend-failed", "Backend failed", how->error);
    } else if (!how->exited || how->exit_code != 0) {
        end_exit_failure(job, how);
    } else {
        end_success_or_not(job);
    }
    c->dirty = true;
    flush_touch(c->r);
}

/* --- start and stop --- */

static void on_timeout(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct rjob *job = arg;
    C(job)->timeout_t = NULL;
    rjob_note(job, "timeout of %ld s reached: stopping the process", job->timeout_s);
    rjob_stop(job, BE_STOP_TIMEOUT);
}

static int runner_job_add(struct runner *r, struct rjob *job)
{
    if (r->njobs == r->jobs_cap) {
        size_t n = r->jobs_cap > 0 ? r->jobs_cap * 2 : 16;
        struct rjob **j = realloc(r->jobs, n * sizeof *j);
        if (j == NULL) {
            return -1;
        }
        r->jobs = j;
        r->jobs_cap = n;
    }
    r->jobs[r->njobs++] = job;
    return 0;
}

static void start_failed(struct rjob *job, const char *what, const struct qerr *err)
{
    struct rjob_core *c = C(job);
    c->exited = true;
    char d[400];
    snprintf(d, sizeof d, "%s: %s", what, err->msg);
    end_fail(job, "urn:quern:start-failed", "Process could not start", d);
    c->dirty = true;
    flush_touch(c->r);
}

/* Re-attach failed: queue again while attempts remain, else fail. */
static void attach_failed(struct rjob *job, const struct qerr *err)
{
    struct rjob_core *c = C(job);
    c->exited = true;
    if (job->attempt < c->max_attempts) {
        char m[400];
        snprintf(m, sizeof m, "the work could not be re-attached (%s); queued again", err->msg);
        c->kind = 'b';
        c->retry = true;
        c->end_msg = strdup(m);
        rjob_note(job, "%s", m);
        c->dirty = true;
        flush_touch(c->r);
    } else {
        start_failed(job, "the work could not be re-attached", err);
    }
}

void rjob_start(struct runner *r, struct rjob *job, int max_attempts, long long log_seq,
                const long long *replayed)
{
    bool attach = replayed != NULL;
    struct rjob_core *c = calloc(1, sizeof *c);
    if (c == NULL || runner_job_add(r, job) < 0) {
        log_error("out of memory starting job %s", job->id);
        exit(1);
    }
    job->core = c;
    c->r = r;
    c->max_attempts = max_attempts;
    c->seq = log_seq;
    if (attach) {
        c->replay[0] = replayed[0];
        c->replay[1] = replayed[1];
        c->lines_logged = replayed[0] + replayed[1];
    }
    for (int s = 0; s < 2; s++) {
        c->lctx[s].job = job;
        c->lctx[s].stream = s + 1;
        rjob_lines_init(&c->split[s], (size_t)r->cfg.runner_results_max, on_line, &c->lctx[s]);
    }
    struct qerr err = QERR_INIT;
    c->be = runner_be_find(r, job->backend);
    if (c->be == NULL) {
        qerr_set(&err, QERR_BACKEND, "backend '%s' is not served by runner %s", job->backend, r->id);
        start_failed(job, "cannot start", &err);
        return;
    }
    if (rjob_prepare(job, r->cfg.runner_work_dir, !attach, &err) < 0) {
        start_failed(job, "cannot prepare the job", &err);
        return;
    }
    if (attach) {
        if (c->be->ops->attach == NULL) {
            qerr_set(&err, QERR_NOTFOUND, "the %s backend cannot re-attach", job->backend);
        }
        if (c->be->ops->attach == NULL || c->be->ops->attach(c->be->state, job, &err) < 0) {
            attach_failed(job, &err);
            return;
        }
        rjob_note(job, "re-attached by runner %s", r->id);
    } else if (c->be->ops->submit(c->be->state, job, &err) < 0) {
        start_failed(job, "the backend refused the job", &err);
        return;
    }
    c->submitted = true;
    log_debug("job=%s process=%s started attempt=%d backend=%s", job->id, job->process_id,
              job->attempt, job->backend);
    if (job->timeout_s > 0 && !c->exited) {
        c->timeout_t = ev_timer_add(r->ev, job->timeout_s * 1000, 0, on_timeout, job);
    }
}

void rjob_stop(struct rjob *job, enum be_stop_reason why)
{
    struct rjob_core *c = C(job);
    if (c->exited || c->stop_requested || !c->submitted) {
        return;
    }
    c->stop_requested = true;
    c->why = why;
    c->be->ops->stop(c->be->state, job, why);
}

bool rjob_leave(struct rjob *job)
{
    struct rjob_core *c = C(job);
    const struct be_ops *ops = c->be != NULL ? c->be->ops : NULL;
    if (c->exited || c->stop_requested || !c->submitted || ops == NULL || ops->detach == NULL ||
        job->backend_job_id == NULL || ops->detach(c->be->state, job) < 0) {
        return false;
    }
    rjob_lines_finish(&c->split[0]);
    rjob_lines_finish(&c->split[1]);
    if (c->timeout_t != NULL) {
        ev_timer_del(c->r->ev, c->timeout_t);
        c->timeout_t = NULL;
    }
    c->kind = 'l';
    char m[256];
    snprintf(m, sizeof m, "left running by runner %s at shutdown (%s job %s); a runner re-attaches it",
             c->r->id, job->backend, job->backend_job_id);
    c->end_msg = strdup(m);
    rjob_note(job, "%s", m);
    c->dirty = true;
    flush_touch(c->r);
    return true;
}

void rjob_lost(struct rjob *job)
{
    struct rjob_core *c = C(job);
    log_warn("job=%s process=%s is no longer owned by this runner: stopping it", job->id,
             job->process_id);
    c->lost = true;
    if (c->exited) {
        rjob_store_free(c->upload);
        c->upload = NULL;
        c->kind = 'd';
    } else {
        rjob_stop(job, BE_STOP_DISMISS);
    }
}

/* --- flush.c's view --- */

bool rjob_ended(const struct rjob *job)
{
    return C(job)->kind != 0;
}

char rjob_end_kind(const struct rjob *job)
{
    return C(job)->kind;
}

void rjob_end_record(const struct rjob *job, json_t *fin, json_t *back)
{
    const struct rjob_core *c = C(job);
    if (c->kind == 'b' || c->kind == 'l') {
        json_array_append_new(back, json_pack("{ss sb sb ss?}", "id", job->id, "retry", c->retry,
                                              "leave", c->kind == 'l', "m", c->end_msg));
        return;
    }
    json_t *o = json_pack("{ss ss ss?}", "id", job->id, "st", c->st, "m", c->end_msg);
    if (o == NULL) {
        return;
    }
    if (job->backend_job_id != NULL) {
        json_object_set_new(o, "bid", json_string(job->backend_job_id));
    }
    if (c->binfo != NULL) {
        json_object_set(o, "bi", c->binfo);
    }
    if (c->results != NULL) {
        json_object_set(o, "r", c->results);
    }
    if (c->exception != NULL) {
        json_object_set(o, "e", c->exception);
    }
    json_array_append_new(fin, o);
}

void rjob_take_updates(struct rjob *job, json_t *upd)
{
    struct rjob_core *c = C(job);
    if (!c->dirty || c->kind != 0) {
        return;
    }
    json_t *o = json_pack("{ss}", "id", job->id);
    if (o == NULL) {
        return;
    }
    if (c->bid_dirty && job->backend_job_id != NULL) {
        json_object_set_new(o, "bid", json_string(job->backend_job_id));
    }
    if (c->binfo_dirty && c->binfo != NULL) {
        json_object_set(o, "bi", c->binfo);
    }
    if (c->progress_dirty) {
        json_object_set_new(o, "p", json_integer(c->progress));
        if (c->pmsg != NULL) {
            json_object_set_new(o, "m", json_string(c->pmsg));
        }
    }
    json_array_append_new(upd, o);
}

void rjob_updates_done(struct rjob *job)
{
    struct rjob_core *c = C(job);
    c->dirty = c->bid_dirty = c->binfo_dirty = c->progress_dirty = false;
}

bool rjob_has_files(const struct rjob *job)
{
    return C(job)->kind == 'f' && C(job)->nfiles > 0;
}

int rjob_store_files(struct rjob *job, struct qerr *err)
{
    struct rjob_core *c = C(job);
    return rjob_files_store(c->r->db, &c->r->cfg, job->id, job->output_dir, c->files, c->nfiles,
                            err);
}

void rjob_drop_files(struct rjob *job, const char *why)
{
    struct rjob_core *c = C(job);
    rjob_files_free(c->files, c->nfiles);
    c->files = NULL;
    c->nfiles = 0;
    json_decref(c->results);
    c->results = NULL;
    char d[400];
    snprintf(d, sizeof d, "the output files could not be stored: %s", why);
    end_fail(job, "urn:quern:store-failed", "Outputs not stored", d);
}

/* --- retire --- */

static void send_end_callbacks(struct rjob *job)
{
    struct rjob_core *c = C(job);
    const json_t *sub = json_object_get(job->request, "subscriber");
    if (strcmp(c->st, "successful") == 0) {
        const char *uri = json_string_value(json_object_get(sub, "successUri"));
        if (uri != NULL) {
            callback_post(c->r, uri, callback_results_doc(&c->r->cfg, job->id, c->results,
                                                          c->files, c->nfiles));
        }
    } else if (strcmp(c->st, "failed") == 0) {
        const char *uri = json_string_value(json_object_get(sub, "failedUri"));
        if (uri != NULL) {
            callback_post(c->r, uri, json_pack("{ss ss ss ss ss? sO?}", "jobID", job->id,
                                               "processID", job->process_id, "type", "process",
                                               "status", "failed", "message", c->end_msg,
                                               "exception", c->exception));
        }
    }
}

void rjob_retire(struct rjob *job, bool committed)
{
    struct rjob_core *c = C(job);
    struct runner *r = c->r;
    if (committed && c->kind == 'f') {
        log_info("job=%s process=%s %s attempt=%d", job->id, job->process_id, c->st,
                 job->attempt);
        send_end_callbacks(job);
        log_archive_start(r, job->id);
    } else if (committed && c->kind == 'b') {
        log_info("job=%s process=%s handed back", job->id, job->process_id);
    } else if (committed && c->kind == 'l') {
        log_info("job=%s process=%s left running for re-attach (%s job %s)", job->id,
                 job->process_id, job->backend, job->backend_job_id);
    }
    if (c->submitted && c->be != NULL && c->kind != 'l') {
        c->be->ops->release(c->be->state, job); /* 'l': detach freed the state already */
    }
    if (c->timeout_t != NULL) {
        ev_timer_del(r->ev, c->timeout_t);
    }
    if (!r->cfg.runner_keep_job_dirs && job->job_dir != NULL && c->kind != 'l') {
        runner_trash_add(r, job->job_dir);
        job->job_dir = NULL;
    }
    runner_job_remove(r, job);
    for (int s = 0; s < 2; s++) {
        rjob_lines_cleanup(&c->split[s]);
    }
    for (int k = 0; k < RJOB_TAIL; k++) {
        free(c->tail[k]);
    }
    free(c->last_out);
    free(c->pmsg);
    free(c->end_msg);
    json_decref(c->results);
    json_decref(c->exception);
    json_decref(c->binfo);
    rjob_store_free(c->upload);
    rjob_files_free(c->files, c->nfiles);
    rjob_files_free(c->stored, c->nstored);
    free(c);
    rjob_free(job);
}

void rjob_free(struct rjob *job)
{
    if (job == NULL) {
        return;
    }
    free(job->process_id);
    free(job->backend);
    free(job->backend_job_id);
    json_decref(job->definition);
    json_decref(job->request);
    free(job->inputs_json);
    rjob_strv_free(job->argv);
    rjob_strv_free(job->envp);
    free(job->job_dir);
    free(job->output_dir);
    free(job);
}
