// SPDX-License-Identifier: MIT
/*
 * be_slurm - runs a job as a Slurm batch job, through the command-line
 * tools or slurmrestd (slurm_tr.h), and follows it until it ends.
 *
 * Per job it owns a directory on the file system shared with the compute
 * nodes (slurm.work_dir/<job id>, or the job's own directory when that
 * key is empty): job.sh, inputs.json, stdout, stderr, output/ and the
 * completion marker `exit` the script writes. Submit writes those files
 * and calls the transport; the Slurm job id is reported the moment it is
 * known. One timer serves every job: each tick tails stdout/stderr into
 * rjob_output and asks Slurm, in one batched query, for the state of every
 * followed job; the pause doubles from 250 ms up to slurm.poll_interval
 * and drops back whenever something changes. A terminal state ends the
 * job (a last read of the files, output files handed to the job's output
 * directory, rjob_exited). When Slurm no longer knows a job (MinJobAge
 * passed), the marker decides: it holds the exit status, and its absence
 * means the job was killed. Stop is scancel / DELETE; attach rebuilds the
 * state from backend_job_id and the directory, so a restarted runner
 * resumes following (output is then replayed from the start of the files).
 */
#include "common/compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/be.h"
#include "runner/rjob.h"
#include "runner/slurm_tr.h"

#define POLL_MIN_MS 250L
#define TAIL_BUDGET (1u << 20) /* bytes per stream per tick */
#define UNKNOWN_LIMIT 2        /* polls without Slurm knowing the job and without a marker */

struct sbe {
    struct ev *ev;
    struct slurm_tr *tr;
    char *work_dir;
    char *partition, *account;
    bool do_chown;
    uid_t uid;
    gid_t gid;
    long poll_max_ms, poll_ms;
    struct ev_timer *timer;
    bool querying;
    struct sj *jobs;
};

enum sj_phase { SJ_SUBMITTING, SJ_ACTIVE, SJ_DONE };

struct sj {
    struct sbe *b;
    struct rjob *job;
    char *dir, *outdir;
    bool own_dir; /* dir is ours (under slurm.work_dir): removed on release */
    char slurm_id[32];
    enum sj_phase phase;
    enum slurm_state last;
    char last_reason[128];
    off_t off[2];
    int unknown;
    bool polled; /* asked about in the query in flight */
    bool stop_requested;
    enum be_stop_reason stop_why;
    struct sj *next;
};

struct cancel_ctx {
    struct sbe *b;
    char id[32];
};

/* --- files ---------------------------------------------------------------- */

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s/%s", dir, name);
    }
    return p;
}

static int give(const struct sbe *b, int fd, const char *path, struct qerr *err)
{
    if (!b->do_chown) {
        return 0;
    }
    int rc = fd >= 0 ? fchown(fd, b->uid, b->gid) : chown(path, b->uid, b->gid);
    if (rc < 0) {
        qerr_set_errno(err, QERR_BACKEND, "chown %s", path);
        return -1;
    }
    return 0;
}

static int make_dir(const struct sbe *b, const char *path, struct qerr *err)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        qerr_set_errno(err, QERR_BACKEND, "mkdir %s", path);
        return -1;
    }
    return give(b, -1, path, err);
}

static int write_file(const struct sbe *b, const char *dir, const char *name, const char *text,
                      mode_t mode, struct qerr *err)
{
    char *path = path_join(dir, name);
    int rc = -1, fd = -1;
    if (path == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        qerr_set_errno(err, QERR_BACKEND, "create %s", path);
        goto out;
    }
    for (size_t done = 0, len = strlen(text); done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            qerr_set_errno(err, QERR_BACKEND, "write %s", path);
            goto out;
        }
        done += (size_t)n;
    }
    if (give(b, fd, path, err) < 0) {
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0 && close(fd) < 0 && rc == 0) {
        qerr_set_errno(err, QERR_BACKEND, "close %s", path);
        rc = -1;
    }
    free(path);
    return rc;
}

/* Reads a small file into a new string; NULL if it does not exist or on error. */
static char *read_small(const char *dir, const char *name)
{
    char *path = path_join(dir, name), *text = NULL;
    int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    free(path);
    if (fd < 0) {
        return NULL;
    }
    text = calloc(1, 64);
    if (text != NULL && read(fd, text, 63) < 0) {
        QFREE(text);
    }
    close(fd);
    return text;
}

/* Sends what stdout/stderr gained since the last read to the job. */
static void tail(struct sj *sj)
{
    static const char *const names[2] = {SLURM_FILE_STDOUT, SLURM_FILE_STDERR};
    for (int i = 0; i < 2; i++) {
        char *path = path_join(sj->dir, names[i]);
        int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        free(path);
        if (fd < 0) {
            continue;
        }
        char chunk[65536];
        size_t budget = TAIL_BUDGET;
        while (budget > 0) {
            ssize_t n = pread(fd, chunk, sizeof chunk, sj->off[i]);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            sj->off[i] += n;
            budget -= (size_t)n < budget ? (size_t)n : budget;
            rjob_output(sj->job, i + 1, chunk, (size_t)n);
        }
        close(fd);
    }
}

/* Copies a regular file (rename across file systems); 0 or -1. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    if (in >= 0) {
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    char chunk[65536];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, chunk, sizeof chunk)) > 0) {
        if (write(out, chunk, (size_t)n) != n) {
            n = -1;
            break;
        }
    }
    rc = out >= 0 && n == 0 ? 0 : -1;
    if (out >= 0 && close(out) < 0) {
        rc = -1;
    }
    if (in >= 0) {
        close(in);
    }
    if (rc == 0) {
        unlink(from);
    }
    return rc;
}

/* Hands the files the job wrote to output/ on the shared path to the job's output directory. */
static void move_outputs(struct sj *sj)
{
    if (strcmp(sj->outdir, sj->job->output_dir) == 0) {
        return;
    }
    DIR *d = opendir(sj->outdir);
    if (d == NULL) {
        return;
    }
    /* after a re-attach on another host the runner's directories may not exist yet */
    if ((mkdir(sj->job->job_dir, 0755) < 0 && errno != EEXIST) ||
        (mkdir(sj->job->output_dir, 0755) < 0 && errno != EEXIST)) {
        rjob_note(sj->job, "cannot create %s: %s", sj->job->output_dir, strerror(errno));
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *from = path_join(sj->outdir, e->d_name);
        char *to = path_join(sj->job->output_dir, e->d_name);
        if (from != NULL && to != NULL && rename(from, to) < 0 &&
            (errno != EXDEV || copy_file(from, to) < 0)) {
            rjob_note(sj->job, "could not move output file %s: %s", e->d_name, strerror(errno));
        }
        free(from);
        free(to);
    }
    closedir(d);
}

/* Removes the files this backend wrote (only when the directory is its own). */
static void remove_dir(const struct sj *sj)
{
    static const char *const names[] = {SLURM_FILE_SCRIPT, SLURM_FILE_INPUTS, SLURM_FILE_STDOUT,
                                        SLURM_FILE_STDERR, SLURM_FILE_MARKER,
                                        SLURM_FILE_MARKER ".tmp"};
    if (!sj->own_dir) {
        return;
    }
    int dfd = open(sj->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(names); i++) {
        unlinkat(dfd, names[i], 0);
    }
    unlinkat(dfd, SLURM_DIR_OUTPUT, AT_REMOVEDIR);
    close(dfd);
    if (rmdir(sj->dir) < 0 && errno != ENOENT) {
        log_warn("slurm: job directory %s left behind: %s", sj->dir, strerror(errno));
    }
}

/* --- per-job state ---------------------------------------------------------- */

static void sj_free(struct sj *sj)
{
    if (sj == NULL) {
        return;
    }
    free(sj->dir);
    free(sj->outdir);
    free(sj);
}

static void sj_unlink(struct sj *sj)
{
    for (struct sj **p = &sj->b->jobs; *p != NULL; p = &(*p)->next) {
        if (*p == sj) {
            *p = sj->next;
            return;
        }
    }
}

/* The job's directory and output directory: shared work_dir/<id> or the job's own. */
static struct sj *sj_new(struct sbe *b, struct rjob *job, struct qerr *err)
{
    struct sj *sj = calloc(1, sizeof *sj);
    if (sj == NULL) {
        goto nomem;
    }
    sj->b = b;
    sj->job = job;
    if (b->work_dir[0] != '\0') {
        sj->own_dir = true;
        sj->dir = path_join(b->work_dir, job->id);
        sj->outdir = sj->dir != NULL ? path_join(sj->dir, SLURM_DIR_OUTPUT) : NULL;
    } else {
        sj->dir = strdup(job->job_dir);
        sj->outdir = strdup(job->output_dir);
    }
    if (sj->dir == NULL || sj->outdir == NULL) {
        goto nomem;
    }
    if (sj->dir[0] != '/') {
        qerr_set(err, QERR_INVALID, "the Slurm job directory must be an absolute path");
        sj_free(sj);
        return NULL;
    }
    sj->next = b->jobs;
    b->jobs = sj;
    return sj;
nomem:
    sj_free(sj);
    qerr_set(err, QERR_NOMEM, "out of memory");
    return NULL;
}

/* --- polling ----------------------------------------------------------------- */

static void on_tick(struct ev *ev, struct ev_timer *t, void *arg);

static void schedule(struct sbe *b, bool soon)
{
    if (soon) {
        b->poll_ms = POLL_MIN_MS;
    }
    if (b->jobs == NULL) {
        return;
    }
    if (b->timer == NULL) {
        b->timer = ev_timer_add(b->ev, b->poll_ms, 0, on_tick, b);
    } else if (soon) {
        ev_timer_reset(b->ev, b->timer, b->poll_ms);
    }
}

/* Ends the job: last output, output files, then rjob_exited (which may release sj). */
static void finish(struct sj *sj, const struct slurm_status *st, const char *error)
{
    char msg[300];
    struct be_exit how = {0};
    sj->phase = SJ_DONE;
    tail(sj);
    move_outputs(sj);
    if (error != NULL) {
        how.error = error;
    } else if (sj->stop_requested && st->state != SLURM_ST_COMPLETED) {
        /* quern asked for the stop (the core knows why); a job killed by the
         * signal may end FAILED rather than CANCELLED, depending on timing */
        how.term_signal = SIGTERM;
    } else if (st->state == SLURM_ST_COMPLETED || st->state == SLURM_ST_FAILED) {
        how.exited = st->term_signal == 0;
        how.exit_code = st->exit_code;
        how.term_signal = st->term_signal;
    } else if (st->state == SLURM_ST_OUT_OF_MEMORY) {
        how.oom = true;
        how.error = "Slurm killed the job for exceeding its memory";
    } else if (st->state == SLURM_ST_TIMEOUT) {
        how.error = "Slurm ended the job at its time limit";
    } else if (st->state == SLURM_ST_CANCELLED) {
        how.error = "the Slurm job was cancelled outside quern";
    } else {
        snprintf(msg, sizeof msg, "Slurm ended the job: %s%s%s", st->state_name,
                 st->reason[0] != '\0' ? ", " : "", st->reason);
        how.error = msg;
    }
    if (st == NULL) {
        rjob_note(sj->job, "the job did not reach Slurm");
    } else if (st->have_exit) {
        rjob_note(sj->job, "Slurm job %s ended: %s, exit code %d, signal %d", sj->slurm_id,
                  st->state_name, st->exit_code, st->term_signal);
    } else {
        rjob_note(sj->job, "Slurm job %s ended: %s", sj->slurm_id, st->state_name);
    }
    sj_unlink(sj);
    sj->next = NULL;
    rjob_exited(sj->job, &how);
}

/* Slurm does not know the job (any more): the marker decides. */
static void on_unknown(struct sj *sj)
{
    char *marker = read_small(sj->dir, SLURM_FILE_MARKER);
    struct slurm_status st;
    struct qerr err = QERR_INIT;
    if (marker != NULL && slurm_status_from_marker(marker, &st, &err) == 0) {
        free(marker);
        rjob_note(sj->job, "Slurm no longer knows job %s; its completion marker says exit %d",
                  sj->slurm_id, st.exit_code);
        finish(sj, &st, NULL);
        return;
    }
    free(marker);
    if (++sj->unknown < UNKNOWN_LIMIT) {
        return;
    }
    memset(&st, 0, sizeof st);
    st.state = SLURM_ST_CANCELLED;
    snprintf(st.state_name, sizeof st.state_name, "gone");
    if (sj->stop_requested) {
        finish(sj, &st, NULL);
    } else {
        finish(sj, &st, "Slurm no longer knows the job and it left no exit status (killed?)");
    }
}

static void on_status(struct sj *sj, const struct slurm_status *st)
{
    sj->unknown = 0;
    if (st->state != sj->last || strcmp(st->reason, sj->last_reason) != 0) {
        sj->last = st->state;
        snprintf(sj->last_reason, sizeof sj->last_reason, "%s", st->reason);
        char msg[200];
        snprintf(msg, sizeof msg, "Slurm job %s: %s%s%s", sj->slurm_id, st->state_name,
                 st->reason[0] != '\0' ? " - " : "", st->reason);
        rjob_note(sj->job, "%s", msg);
        if (!slurm_state_terminal(st->state)) {
            rjob_message(sj->job, msg);
        }
        schedule(sj->b, true);
    }
    if (slurm_state_terminal(st->state)) {
        finish(sj, st, NULL);
    }
}

static void on_query(void *arg, const struct slurm_status *st, size_t n, const char *error)
{
    struct sbe *b = arg;
    b->querying = false;
    if (error != NULL) {
        log_warn("slurm: status query failed (will retry): %s", error);
        return;
    }
    struct sj *next;
    for (struct sj *sj = b->jobs; sj != NULL; sj = next) {
        next = sj->next; /* finish() may release sj */
        if (sj->phase != SJ_ACTIVE || !sj->polled) {
            continue;
        }
        sj->polled = false;
        const struct slurm_status *found = NULL;
        for (size_t i = 0; i < n && found == NULL; i++) {
            if (strcmp(st[i].job_id, sj->slurm_id) == 0) {
                found = &st[i];
            }
        }
        if (found != NULL) {
            on_status(sj, found);
        } else {
            on_unknown(sj);
        }
    }
    schedule(b, false);
}

static void query(struct sbe *b)
{
    size_t n = 0;
    for (struct sj *sj = b->jobs; sj != NULL; sj = sj->next) {
        n += sj->phase == SJ_ACTIVE;
    }
    if (n == 0 || b->querying) {
        return;
    }
    const char **ids = calloc(n, sizeof *ids);
    if (ids == NULL) {
        return;
    }
    size_t i = 0;
    for (struct sj *sj = b->jobs; sj != NULL; sj = sj->next) {
        if (sj->phase == SJ_ACTIVE) {
            ids[i++] = sj->slurm_id;
            sj->polled = true;
        }
    }
    struct qerr err = QERR_INIT;
    b->querying = true;
    if (b->tr->ops->query(b->tr, ids, n, on_query, b, &err) < 0) {
        b->querying = false;
        log_warn("slurm: status query not sent: %s", err.msg);
    }
    free(ids);
}

static void on_tick(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct sbe *b = arg;
    (void)ev;
    (void)t;
    b->timer = NULL;
    for (struct sj *sj = b->jobs; sj != NULL; sj = sj->next) {
        if (sj->phase == SJ_ACTIVE) {
            tail(sj);
        }
    }
    query(b);
    b->poll_ms = b->poll_ms * 2 > b->poll_max_ms ? b->poll_max_ms : b->poll_ms * 2;
    schedule(b, false);
}

/* --- stop ------------------------------------------------------------------------ */

static void on_cancel(void *arg, const char *error)
{
    struct cancel_ctx *c = arg;
    if (error != NULL) {
        log_warn("slurm: cancelling job %s failed: %s", c->id, error);
    }
    schedule(c->b, true);
    free(c);
}

static void send_cancel(struct sj *sj)
{
    struct cancel_ctx *c = calloc(1, sizeof *c);
    struct qerr err = QERR_INIT;
    if (c == NULL) {
        log_error("slurm: out of memory cancelling job %s", sj->slurm_id);
        return;
    }
    c->b = sj->b;
    snprintf(c->id, sizeof c->id, "%s", sj->slurm_id);
    rjob_note(sj->job, "cancelling Slurm job %s", sj->slurm_id);
    if (sj->b->tr->ops->cancel(sj->b->tr, c->id, on_cancel, c, &err) < 0) {
        rjob_note(sj->job, "cancelling Slurm job %s failed: %s", sj->slurm_id, err.msg);
        free(c);
    }
}

static void slurm_stop(void *state, struct rjob *job, enum be_stop_reason why)
{
    struct sj *sj = job->be_state;
    (void)state;
    if (sj == NULL || sj->phase == SJ_DONE || sj->stop_requested) {
        return;
    }
    sj->stop_requested = true;
    sj->stop_why = why;
    if (sj->phase == SJ_ACTIVE) {
        send_cancel(sj);
    } /* SJ_SUBMITTING: cancelled as soon as sbatch/slurmrestd names the job */
}

/* --- submit and attach ------------------------------------------------------------ */

static void on_submitted(void *arg, const char *slurm_id, const char *error)
{
    struct sj *sj = arg;
    if (slurm_id == NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "Slurm refused the job: %s", error);
        finish(sj, NULL, msg);
        return;
    }
    snprintf(sj->slurm_id, sizeof sj->slurm_id, "%s", slurm_id);
    rjob_set_backend_id(sj->job, slurm_id);
    rjob_note(sj->job, "submitted as Slurm job %s", slurm_id);
    sj->phase = SJ_ACTIVE;
    if (sj->stop_requested) {
        send_cancel(sj);
    }
    schedule(sj->b, true);
}

static char *env_entry(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *e = malloc(n);
    if (e != NULL) {
        snprintf(e, n, "%s=%s", name, value);
    }
    return e;
}

/* job's envp with QUERN_JOB_DIR and QUERN_OUTPUT_DIR pointing at the shared directory. */
static char **job_env(const struct sj *sj, char *jobdir, char *outdir)
{
    size_t n = 0;
    while (sj->job->envp != NULL && sj->job->envp[n] != NULL) {
        n++;
    }
    char **env = calloc(n + 3, sizeof *env);
    size_t j = 0;
    for (size_t i = 0; env != NULL && i < n; i++) {
        const char *e = sj->job->envp[i];
        if (strncmp(e, "QUERN_JOB_DIR=", 14) != 0 && strncmp(e, "QUERN_OUTPUT_DIR=", 17) != 0) {
            env[j++] = sj->job->envp[i];
        }
    }
    if (env != NULL) {
        env[j++] = jobdir;
        env[j] = outdir;
    }
    return env;
}

static const char *host_key(const struct rjob *job, const char *key, const char *def)
{
    const json_t *host = json_object_get(job->definition, "host");
    const char *v = json_string_value(json_object_get(host, key));
    return v != NULL && *v != '\0' ? v : def;
}

/* Writes the job's files and hands the job to the transport. */
static int submit_files(struct sj *sj, struct qerr *err)
{
    struct sbe *b = sj->b;
    struct rjob *job = sj->job;
    size_t argc = 0;
    char **env = NULL, *script = NULL, *jd = NULL, *od = NULL;
    int rc = -1;
    while (job->argv != NULL && job->argv[argc] != NULL) {
        argc++;
    }
    if (argc < 2 || job->inputs_json == NULL) { /* the command plus the inputs JSON */
        qerr_set(err, QERR_INVALID, "the definition has no command");
        return -1;
    }
    char **cmd = calloc(argc, sizeof *cmd); /* the command without the inputs JSON */
    if (cmd != NULL) {
        memcpy(cmd, job->argv, (argc - 1) * sizeof *cmd);
    }
    jd = env_entry("QUERN_JOB_DIR", sj->dir);
    od = env_entry("QUERN_OUTPUT_DIR", sj->outdir);
    if (jd != NULL && od != NULL) {
        env = job_env(sj, jd, od);
    }
    struct slurm_spec spec = {
        .job_id = job->id, .dir = sj->dir, .command = cmd, .envp = env,
        .partition = host_key(job, "partition", b->partition),
        .account = host_key(job, "account", b->account), .qos = host_key(job, "qos", NULL),
        .timeout_s = job->timeout_s, .cpus = job->cpus, .memory_mib = job->memory_mib,
    };
    if (env == NULL || cmd == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    script = slurm_script_text(&spec, err);
    if (script == NULL || make_dir(b, sj->dir, err) < 0 || make_dir(b, sj->outdir, err) < 0) {
        goto out;
    }
    char *stale[] = {SLURM_FILE_STDOUT, SLURM_FILE_STDERR, SLURM_FILE_MARKER};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(stale); i++) { /* from an earlier attempt */
        char *p = path_join(sj->dir, stale[i]);
        if (p != NULL) {
            unlink(p);
        }
        free(p);
    }
    if (write_file(b, sj->dir, SLURM_FILE_INPUTS, job->inputs_json, 0600, err) < 0 ||
        write_file(b, sj->dir, SLURM_FILE_SCRIPT, script, 0700, err) < 0) {
        goto out;
    }
    rc = b->tr->ops->submit(b->tr, &spec, script, on_submitted, sj, err);
out:
    free(cmd);
    free(env);
    free(jd);
    free(od);
    free(script);
    return rc;
}

static int slurm_submit(void *state, struct rjob *job, struct qerr *err)
{
    struct sbe *b = state;
    struct sj *sj = sj_new(b, job, err);
    if (sj == NULL) {
        return -1;
    }
    sj->phase = SJ_SUBMITTING;
    if (submit_files(sj, err) < 0) {
        sj_unlink(sj);
        sj_free(sj);
        return -1;
    }
    job->be_state = sj;
    return 0;
}

static int slurm_attach(void *state, struct rjob *job, struct qerr *err)
{
    struct sbe *b = state;
    const char *id = job->backend_job_id;
    if (id == NULL || *id == '\0' || strspn(id, "0123456789_") != strlen(id) || strlen(id) > 30) {
        qerr_set(err, QERR_NOTFOUND, "no usable Slurm job id to re-attach to");
        return -1;
    }
    struct sj *sj = sj_new(b, job, err);
    if (sj == NULL) {
        return -1;
    }
    snprintf(sj->slurm_id, sizeof sj->slurm_id, "%s", id);
    sj->phase = SJ_ACTIVE;
    job->be_state = sj;
    rjob_note(job, "following Slurm job %s again", id);
    schedule(b, true);
    return 0;
}

static void slurm_release(void *state, struct rjob *job)
{
    struct sj *sj = job->be_state;
    (void)state;
    if (sj == NULL) {
        return;
    }
    sj_unlink(sj); /* still linked if the core releases a job that has not ended */
    if (sj->phase == SJ_DONE) {
        remove_dir(sj);
    }
    sj_free(sj);
    job->be_state = NULL;
}

/* Lets a queued or running Slurm job run on when the runner stops: the next runner polls
 * it again from its id (slurm_attach). Not while sbatch is still answering. */
static int slurm_detach(void *state, struct rjob *job)
{
    struct sj *sj = job->be_state;
    (void)state;
    if (sj == NULL || sj->phase != SJ_ACTIVE || sj->stop_requested) {
        return -1;
    }
    rjob_note(job, "leaving Slurm job %s to run on", sj->slurm_id);
    sj_unlink(sj);
    sj_free(sj);
    job->be_state = NULL;
    return 0;
}

/* --- init and fini ------------------------------------------------------------------ */

static void slurm_fini(void *state)
{
    struct sbe *b = state;
    if (b == NULL) {
        return;
    }
    if (b->tr != NULL) {
        b->tr->ops->free(b->tr);
    }
    if (b->timer != NULL) {
        ev_timer_del(b->ev, b->timer);
    }
    while (b->jobs != NULL) {
        struct sj *sj = b->jobs;
        b->jobs = sj->next;
        sj->job->be_state = NULL;
        sj_free(sj);
    }
    free(b->work_dir);
    free(b->partition);
    free(b->account);
    free(b);
}

static int resolve_job_user(struct sbe *b, const char *user, struct qerr *err)
{
    if (*user == '\0') {
        return 0;
    }
    if (geteuid() != 0) {
        log_info("slurm: slurm.job_user=%s ignored: the runner is not root", user);
        return 0;
    }
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwnam_r(user, &pw, buf, sizeof buf, &res) != 0 || res == NULL) {
        qerr_set(err, QERR_INVALID, "slurm.job_user: no user '%s'", user);
        return -1;
    }
    b->do_chown = true;
    b->uid = pw.pw_uid;
    b->gid = pw.pw_gid;
    return 0;
}

static void *slurm_init(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct sbe *b = calloc(1, sizeof *b);
    if (b == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    b->ev = ev;
    b->poll_max_ms = cfg->slurm_poll_interval;
    b->poll_ms = POLL_MIN_MS;
    b->work_dir = strdup(cfg->slurm_work_dir);
    b->partition = strdup(cfg->slurm_partition);
    b->account = strdup(cfg->slurm_account);
    if (b->work_dir == NULL || b->partition == NULL || b->account == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto fail;
    }
    struct stat sb;
    if (b->work_dir[0] != '\0' && b->work_dir[0] != '/') {
        qerr_set(err, QERR_INVALID, "slurm.work_dir must be an absolute path");
        goto fail;
    }
    if (b->work_dir[0] != '\0' && (stat(b->work_dir, &sb) < 0 || !S_ISDIR(sb.st_mode))) {
        qerr_set(err, QERR_INVALID, "slurm.work_dir %s is not a directory", b->work_dir);
        goto fail;
    }
    if (resolve_job_user(b, cfg->slurm_job_user, err) < 0) {
        goto fail;
    }
    b->tr = strcmp(cfg->slurm_transport, "rest") == 0 ? slurm_rest_new(ev, cfg, err)
                                                       : slurm_cli_new(ev, cfg, err);
    if (b->tr == NULL) {
        goto fail;
    }
    return b;
fail:
    slurm_fini(b);
    return NULL;
}

const struct be_ops be_slurm_ops = {
    .name = "slurm",
    .init = slurm_init,
    .fini = slurm_fini,
    .submit = slurm_submit,
    .attach = slurm_attach,
    .stop = slurm_stop,
    .release = slurm_release,
    .detach = slurm_detach,
};
