// SPDX-License-Identifier: MIT
/*
 * slurm-drive - runs one job through be_slurm on a real ev_ loop with a
 * recording job sink instead of the runner core, for test_slurm.py.
 *
 * It exists so the Slurm backend is tested against a real cluster through
 * exactly the be_ops calls the runner makes (submit or attach, stop,
 * release, fini), independently of the database. Every sink call becomes
 * one JSON line on stdout, flushed at once (a test may kill -9 the driver
 * and attach again with -a; SIGUSR1 calls stop with BE_STOP_DISMISS):
 *   {"event": "backend_id", "id": ...}   {"event": "note", "text": ...}
 *   {"event": "message", "text": ...}
 *   {"event": "output", "stream": 1|2, "data": ...}
 *   {"event": "exited", "exited": b, "exit_code": n, "term_signal": n, "oom": b, "error": s|null}
 * Usage: slurm-drive -c CONFIG -j JOB_ID -d JOB_DIR -o OUTPUT_DIR [-i INPUTS_JSON]
 *        [-t TIMEOUT_S] [-m MEMORY_MIB] [-p CPUS] [-P PARTITION] [-e K=V]...
 *        [-a SLURM_ID] [-s STOP_MS] [-T TIMEOUT_STOP_MS] -- COMMAND ARGS...
 */
#include "common/compat.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/log.h"
#include "common/qstr.h"
#include "runner/be.h"
#include "runner/ev.h"
#include "runner/rjob.h"
#include "runner/spawn.h"

extern const struct be_ops be_slurm_ops;

static struct ev *loop;
static bool exited;

static void emit(json_t *line)
{
    char *s = json_dumps(line, JSON_COMPACT);
    if (s != NULL) {
        printf("%s\n", s);
        fflush(stdout);
    }
    free(s);
    json_decref(line);
}

void rjob_set_backend_id(struct rjob *job, const char *id)
{
    free(job->backend_job_id);
    job->backend_job_id = strdup(id);
    emit(json_pack("{s:s, s:s}", "event", "backend_id", "id", id));
}

void rjob_output(struct rjob *job, int stream, const char *data, size_t len)
{
    (void)job;
    emit(json_pack("{s:s, s:i, s:s%}", "event", "output", "stream", stream, "data", data, len));
}

void rjob_note(struct rjob *job, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    (void)job;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    emit(json_pack("{s:s, s:s}", "event", "note", "text", text));
}

void rjob_message(struct rjob *job, const char *msg)
{
    (void)job;
    emit(json_pack("{s:s, s:s}", "event", "message", "text", msg));
}

void rjob_exited(struct rjob *job, const struct be_exit *how)
{
    (void)job;
    if (exited) {
        emit(json_pack("{s:s}", "event", "exited-twice"));
        return;
    }
    exited = true;
    emit(json_pack("{s:s, s:b, s:i, s:i, s:b, s:s?}", "event", "exited", "exited", how->exited,
                   "exit_code", how->exit_code, "term_signal", how->term_signal, "oom", how->oom,
                   "error", how->error));
    ev_stop(loop);
}

struct drive {
    void *state;
    struct rjob *job;
    enum be_stop_reason why;
};

static void on_stop_timer(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct drive *d = arg;
    (void)ev;
    (void)t;
    be_slurm_ops.stop(d->state, d->job, d->why);
}

static void on_sigchld(struct ev *ev, int signo, void *arg)
{
    (void)ev;
    (void)signo;
    (void)arg;
    spawn_reap();
}

static struct drive *usr1_drive;

static void on_sigusr1(struct ev *ev, int signo, void *arg)
{
    (void)ev;
    (void)signo;
    (void)arg;
    if (usr1_drive != NULL) {
        be_slurm_ops.stop(usr1_drive->state, usr1_drive->job, BE_STOP_DISMISS);
    }
}

static void on_sigterm(struct ev *ev, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    ev_stop(ev);
}

static void usage(void)
{
    fputs("usage: slurm-drive -c CONFIG -j JOB_ID -d JOB_DIR -o OUTPUT_DIR [-i INPUTS] [-t S] "
          "[-m MIB] [-p CPUS] [-P PARTITION] [-e K=V]... [-a SLURM_ID] [-s MS] [-T MS] "
          "-- COMMAND...\n",
          stderr);
    exit(2);
}

/* A number from 0 to max, or the usage message. */
static long num(const char *s, long max)
{
    long v;
    if (qstr_to_long(s, 0, max, &v) < 0) {
        usage();
    }
    return v;
}

static char *env_kv(const char *k, const char *v)
{
    size_t n = strlen(k) + strlen(v) + 2;
    char *s = malloc(n);
    if (s == NULL) {
        exit(1);
    }
    snprintf(s, n, "%s=%s", k, v);
    return s;
}

/* Submits or attaches job on a fresh loop and runs it to its end; -1 on a start error. */
static int drive_job(struct cfg *cfg, struct rjob *job, const char *attach, long stop_ms,
                     long tstop_ms)
{
    struct qerr err = QERR_INIT;
    spawn_init();
    loop = ev_new(&err);
    if (loop == NULL || ev_signal_watch(loop, SIGCHLD, on_sigchld, NULL, &err) < 0 ||
        ev_signal_watch(loop, SIGTERM, on_sigterm, NULL, &err) < 0 ||
        ev_signal_watch(loop, SIGUSR1, on_sigusr1, NULL, &err) < 0) {
        fprintf(stderr, "slurm-drive: %s\n", err.msg);
        return -1;
    }
    void *state = be_slurm_ops.init(loop, cfg, &err);
    int rc = state == NULL ? -1 : 0;
    if (rc == 0 && attach != NULL) {
        job->backend_job_id = strdup(attach);
        rc = be_slurm_ops.attach(state, job, &err);
    } else if (rc == 0) {
        rc = be_slurm_ops.submit(state, job, &err);
    }
    if (rc < 0) {
        emit(json_pack("{s:s, s:s}", "event", "error", "error", err.msg));
    } else {
        struct drive d = {state, job, BE_STOP_DISMISS}, dt = {state, job, BE_STOP_TIMEOUT};
        usr1_drive = &d;
        if (stop_ms >= 0) {
            ev_timer_add(loop, stop_ms, 0, on_stop_timer, &d);
        }
        if (tstop_ms >= 0) {
            ev_timer_add(loop, tstop_ms, 0, on_stop_timer, &dt);
        }
        ev_run(loop);
        if (exited) {
            be_slurm_ops.release(state, job);
        }
    }
    if (state != NULL) {
        be_slurm_ops.fini(state);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *inputs = "{}", *attach = NULL, *partition = NULL;
    long stop_ms = -1, tstop_ms = -1;
    static struct rjob job;
    char *envp[64] = {"PATH=/usr/local/bin:/usr/bin:/bin"};
    size_t nenv = 1;
    int opt;
    while ((opt = getopt(argc, argv, "c:j:d:o:i:t:m:p:P:e:a:s:T:")) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'j':
            snprintf(job.id, sizeof job.id, "%s", optarg);
            break;
        case 'd':
            job.job_dir = optarg;
            break;
        case 'o':
            job.output_dir = optarg;
            break;
        case 'i':
            inputs = optarg;
            break;
        case 't':
            job.timeout_s = num(optarg, 86400);
            break;
        case 'm':
            job.memory_mib = num(optarg, 1 << 20);
            break;
        case 'p':
            job.cpus = (double)num(optarg, 64);
            break;
        case 'P':
            partition = optarg;
            break;
        case 'e':
            if (nenv + 4 >= QUERN_ARRAY_LEN(envp)) {
                usage();
            }
            envp[nenv++] = optarg;
            break;
        case 'a':
            attach = optarg;
            break;
        case 's':
            stop_ms = num(optarg, 3600000);
            break;
        case 'T':
            tstop_ms = num(optarg, 3600000);
            break;
        default:
            usage();
        }
    }
    if (config == NULL || job.id[0] == '\0' || job.job_dir == NULL || job.output_dir == NULL ||
        optind >= argc) {
        usage();
    }
    log_init("slurm-drive", LOG_LEVEL_INFO);
    envp[nenv++] = env_kv("QUERN_JOB_ID", job.id);
    envp[nenv++] = env_kv("QUERN_JOB_DIR", job.job_dir);
    envp[nenv++] = env_kv("QUERN_OUTPUT_DIR", job.output_dir);
    envp[nenv] = NULL;

    size_t ncmd = (size_t)(argc - optind);
    char **jargv = calloc(ncmd + 2, sizeof *jargv);
    if (jargv == NULL) {
        return 1;
    }
    memcpy(jargv, argv + optind, ncmd * sizeof *jargv);
    jargv[ncmd] = (char *)inputs;
    job.argv = jargv;
    job.envp = envp;
    job.inputs_json = (char *)inputs;
    job.process_id = "slurm-drive";
    job.backend = "slurm";
    job.definition = json_pack("{s:{s:s, s:s?}}", "host", "type", "slurm", "partition", partition);

    struct cfg cfg;
    struct qerr err = QERR_INIT;
    if (cfg_load(config, &cfg, &err) < 0) {
        fprintf(stderr, "slurm-drive: %s\n", err.msg);
        return 1;
    }
    int rc = drive_job(&cfg, &job, attach, stop_ms, tstop_ms);
    ev_free(loop);
    cfg_free(&cfg);
    json_decref(job.definition);
    free(job.backend_job_id);
    free(jargv);
    for (size_t i = nenv - 3; i < nenv; i++) {
        free(envp[i]);
    }
    return rc < 0 ? 1 : 0;
}
