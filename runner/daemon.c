// SPDX-License-Identifier: MIT
/*
 * daemon - the running runner: what happens on each loop pass, on each
 * signal and timer, and around the database connection.
 *
 * After every pass (hook): hand buffered notifications to claim.c, write
 * what is due (flush.c), claim while there are free slots and a reason to
 * (a NOTIFY, slots freed while the queue was non-empty, the safety-net
 * timer), and check whether shutdown or --once is complete.
 * Signals: SIGCHLD reaps; SIGTERM/SIGINT stop claiming and wait or hand
 * back (runner.shutdown), a second one hands back at once; SIGHUP reloads
 * the configuration and re-syncs the plugins.
 * Database loss: everything pending stays queued, running jobs go on, and
 * a timer reconnects; then leases are renewed and claiming resumes.
 * Use: runner_daemon_start -> ev_run -> runner_daemon_finish.
 */
#include "common/compat.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/log.h"
#include "runner/callback.h"
#include "runner/daemon.h"
#include "runner/db_runner.h"
#include "runner/rjob_prep.h"
#include "runner/spawn.h"

#define DB_RETRY_MS 500
/* After stop was asked, the longest the runner waits for the database to take the last writes. */
#define STOP_WRITE_GRACE_MS 30000

struct rjob *runner_job_find(struct runner *r, const char *id)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (strcmp(r->jobs[i]->id, id) == 0) {
            return r->jobs[i];
        }
    }
    return NULL;
}

void runner_job_remove(struct runner *r, struct rjob *job)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (r->jobs[i] == job) {
            memmove(&r->jobs[i], &r->jobs[i + 1], (r->njobs - i - 1) * sizeof r->jobs[0]);
            r->njobs--;
            return;
        }
    }
}

const struct runner_be *runner_be_find(const struct runner *r, const char *name)
{
    for (size_t i = 0; i < r->nbe; i++) {
        if (strcmp(r->be[i].ops->name, name) == 0) {
            return &r->be[i];
        }
    }
    return NULL;
}

void runner_trash_add(struct runner *r, char *dir)
{
    if (r->ntrash == r->trash_cap) {
        size_t n = r->trash_cap > 0 ? r->trash_cap * 2 : 64;
        char **t = realloc(r->trash, n * sizeof *t);
        if (t == NULL) {
            rjob_dir_remove(dir);
            free(dir);
            return;
        }
        r->trash = t;
        r->trash_cap = n;
    }
    r->trash[r->ntrash++] = dir;
}

/* True when a job this runner holds works in dir (a retried job claimed again at once). */
static bool trash_in_use(const struct runner *r, const char *dir)
{
    for (size_t k = 0; k < r->njobs; k++) {
        if (r->jobs[k]->job_dir != NULL && strcmp(r->jobs[k]->job_dir, dir) == 0) {
            return true;
        }
    }
    return false;
}

void runner_trash_empty(struct runner *r)
{
    for (size_t i = 0; i < r->ntrash; i++) {
        if (trash_in_use(r, r->trash[i])) {
            log_debug("job directory %s is in use again: kept", r->trash[i]);
        } else if (rjob_dir_remove(r->trash[i]) < 0) {
            log_warn("cannot remove job directory %s: %s", r->trash[i], strerror(errno));
        }
        free(r->trash[i]);
    }
    r->ntrash = 0;
}

/* --- the database connection --- */

static void on_db_readable(struct ev *ev, int fd, int events, void *arg)
{
    struct runner *r = arg;
    if (r->db_down) {
        return;
    }
    claim_notifies(r, true);
}

void runner_db_watch(struct runner *r)
{
    if (r->db_down || !db_ok(r->db)) {
        return;
    }
    int fd = PQsocket(db_conn(r->db));
    unsigned long gen = db_reconnects(r->db);
    if (fd == r->db_fd && gen == r->db_gen) {
        return;
    }
    if (r->db_fd >= 0 && r->db_fd != fd) {
        ev_fd_del(r->ev, r->db_fd);
    }
    if (gen != r->db_gen) {
        log_info("reconnected to PostgreSQL");
        r->want_claim = true;
    }
    r->db_fd = fd;
    r->db_gen = gen;
    struct qerr err = QERR_INIT;
    if (fd >= 0 && ev_fd_add(r->ev, fd, EV_READ, on_db_readable, r, &err) < 0) {
        log_error("cannot watch the database socket: %s", err.msg);
    }
}

static void on_db_retry(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct runner *r = arg;
    struct qerr err = QERR_INIT;
    if (db_reconnect(r->db, &err) < 0) {
        log_debug("reconnect: %s", err.msg);
        return;
    }
    ev_timer_del(ev, t);
    r->db_retry_t = NULL;
    r->db_down = false;
    runner_db_watch(r);
    r->want_claim = true;
    claim_renew(r); /* finds jobs taken over meanwhile, and missed dismissals */
}

void runner_db_lost(struct runner *r, const struct qerr *why)
{
    if (r->db_down) {
        return;
    }
    log_error("lost the connection to PostgreSQL (%s): jobs keep running, writes are queued, "
              "reconnecting every %d ms", why->msg, DB_RETRY_MS);
    r->db_down = true;
    if (r->db_fd >= 0) {
        ev_fd_del(r->ev, r->db_fd);
        r->db_fd = -1;
    }
    r->db_retry_t = ev_timer_add(r->ev, DB_RETRY_MS, DB_RETRY_MS, on_db_retry, r);
}

/* --- timers --- */

static void on_poll(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct runner *r = arg;
    r->want_claim = true;
}

static void on_lease(struct ev *ev, struct ev_timer *t, void *arg)
{
    claim_renew(arg);
}

static void on_reap(struct ev *ev, struct ev_timer *t, void *arg)
{
    claim_reap(arg);
}

/* --- shutdown --- */

/* Remote work (containers, Batch and Slurm jobs) is left running for a runner to
 * re-attach rather than stopped: a restart never costs a long job its progress. */
static void stop_all(struct runner *r, enum be_stop_reason why)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (!rjob_ended(r->jobs[i]) && !(why == BE_STOP_SHUTDOWN && rjob_leave(r->jobs[i]))) {
            rjob_stop(r->jobs[i], why);
        }
    }
}

static void on_grace(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct runner *r = arg;
    r->grace_t = NULL;
    if (r->njobs > 0) {
        log_info("shutdown grace of %ld s over: handing back %zu running job(s)",
                 r->cfg.runner_shutdown_grace, r->njobs);
        stop_all(r, BE_STOP_SHUTDOWN);
    }
}

static void on_stop_signal(struct ev *ev, int signo, void *arg)
{
    struct runner *r = arg;
    if (r->stopping) {
        log_info("second stop signal: handing back every running job now");
        r->stop_now = true;
        stop_all(r, BE_STOP_SHUTDOWN);
        return;
    }
    r->stopping = true;
    r->stop_deadline_ms = ev_now_ms() + (r->cfg.runner_shutdown_grace + r->cfg.runner_kill_grace) * 1000 +
                          STOP_WRITE_GRACE_MS;
    bool wait = strcmp(r->cfg.runner_shutdown, "wait") == 0 && r->cfg.runner_shutdown_grace > 0;
    log_info("stopping (signal %d): no more claims; %s %zu running job(s)", signo,
             wait ? "waiting for" : "handing back", r->njobs);
    ev_timer_del(ev, r->poll_t);
    ev_timer_del(ev, r->reap_t);
    r->poll_t = r->reap_t = NULL;
    if (wait) {
        r->grace_t = ev_timer_add(ev, r->cfg.runner_shutdown_grace * 1000, 0, on_grace, r);
    } else {
        stop_all(r, BE_STOP_SHUTDOWN);
    }
}

static void on_child(struct ev *ev, int signo, void *arg)
{
    spawn_reap();
}

/* --- SIGHUP --- */

static void reinit_idle_backends(struct runner *r)
{
    for (size_t b = 0; b < r->nbe; b++) {
        bool busy = false;
        for (size_t i = 0; i < r->njobs && !busy; i++) {
            busy = strcmp(r->jobs[i]->backend, r->be[b].ops->name) == 0;
        }
        struct qerr err = QERR_INIT;
        void *st = busy ? NULL : r->be[b].ops->init(r->ev, &r->cfg, &err);
        if (st != NULL) {
            r->be[b].ops->fini(r->be[b].state);
            r->be[b].state = st;
        } else if (!busy) {
            log_error("backend %s: keeping the old settings: %s", r->be[b].ops->name, err.msg);
        } else {
            log_info("backend %s is busy: its new settings apply after a restart",
                     r->be[b].ops->name);
        }
    }
}

static void on_hup(struct ev *ev, int signo, void *arg)
{
    struct runner *r = arg;
    struct cfg n;
    struct qerr err = QERR_INIT;
    if (cfg_load(r->config_path, &n, &err) < 0) {
        log_error("SIGHUP: configuration not reloaded: %s", err.msg);
        return;
    }
    enum log_level lvl;
    if (log_level_parse(n.log_level, &lvl) == 0) {
        log_set_level(lvl);
    }
    struct cfg old = r->cfg;
    /* The database, identity and served backends are fixed for the process's life. */
    QFREE(n.database_url);
    n.database_url = old.database_url;
    old.database_url = NULL;
    struct cfg_list keep = n.runner_backends;
    n.runner_backends = old.runner_backends;
    old.runner_backends = keep;
    r->cfg = n;
    cfg_free(&old);
    r->slots = cfg_runner_slots(&r->cfg);
    reinit_idle_backends(r);
    log_info("SIGHUP: configuration reloaded (slots %ld)", r->slots);
    runner_sync_plugins(r);
    r->want_claim = true;
}

/* --- the hook --- */

static void check_done(struct runner *r)
{
    bool idle = r->njobs == 0 && flush_idle(r);
    if (r->stopping) {
        if (idle || (r->stop_deadline_ms > 0 && ev_now_ms() > r->stop_deadline_ms)) {
            ev_stop(r->ev);
        }
        return;
    }
    if (r->once && idle && r->queue_empty && !r->want_claim && callback_pending(r) == 0) {
        ev_stop(r->ev);
    }
}

static void on_pass(struct ev *ev, void *arg)
{
    struct runner *r = arg;
    claim_notifies(r, false);
    flush_run(r, r->flush_asap);
    if (r->want_claim && !r->stopping && !r->db_down) {
        if (claim_jobs(r) > 0 || !flush_idle(r)) {
            flush_run(r, r->flush_asap);
        }
    }
    runner_trash_empty(r);
    check_done(r);
}

int runner_daemon_start(struct runner *r, struct qerr *err)
{
    spawn_init();
    r->db_fd = -1;
    r->db_gen = db_reconnects(r->db);
    if (ev_signal_watch(r->ev, SIGTERM, on_stop_signal, r, err) < 0 ||
        ev_signal_watch(r->ev, SIGINT, on_stop_signal, r, err) < 0 ||
        ev_signal_watch(r->ev, SIGHUP, on_hup, r, err) < 0 ||
        ev_signal_watch(r->ev, SIGCHLD, on_child, r, err) < 0) {
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (db_listen(r->db, "quern_jobs", err) < 0 || db_listen(r->db, "quern_dismiss", err) < 0) {
        return -1;
    }
    r->db_gen = db_reconnects(r->db);
    runner_db_watch(r);
    long lease_ms = r->cfg.runner_lease * 1000;
    r->poll_t = ev_timer_add(r->ev, r->cfg.runner_poll_interval * 1000,
                             r->cfg.runner_poll_interval * 1000, on_poll, r);
    r->lease_t = ev_timer_add(r->ev, lease_ms / 3, lease_ms / 3, on_lease, r);
    r->reap_t = ev_timer_add(r->ev, 100, lease_ms / 2, on_reap, r);
    if (r->poll_t == NULL || r->lease_t == NULL || r->reap_t == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    ev_hook_set(r->ev, on_pass, r);
    r->want_claim = true;
    ev_timer_add(r->ev, 0, 0, on_poll, r); /* a first pass at once: claim what is queued */
    return 0;
}

void runner_daemon_finish(struct runner *r)
{
    if (r->njobs > 0) {
        /* Only reached past the stop deadline: the reaper will recover these. */
        log_error("exiting with %zu job(s) whose end could not be recorded", r->njobs);
        stop_all(r, BE_STOP_SHUTDOWN);
    }
    if (callback_pending(r) > 0) {
        log_warn("exiting with %d callback(s) not delivered", callback_pending(r));
    }
    if (!r->db_down) {
        claim_unregister(r);
    }
}
