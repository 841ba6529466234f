// SPDX-License-Identifier: MIT
/*
 * batch_drive - runs one job on the aws-batch backend (runner/be_batch.c)
 * on a real ev_ loop with a stand-in for the runner core's rjob sink, and
 * prints what the backend reports, one event per line:
 *   backend_id <id> | note <text> | out <line> | file <name> <bytes> <sha256> <location> |
 *   exited <exited> <code> <error>
 * tests/integration/test_batch_backend.py drives it against moto, so the
 * backend is tested end to end without the database and runner core.
 *
 * Usage: batch_drive JOB_ID DEFINITION_JSON INPUTS_JSON [attach BATCH_ID]
 *        [stop-on-id] ; configuration from QUERN_CONFIG / QUERN_* as usual.
 */
#include "common/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/log.h"
#include "runner/be.h"
#include "runner/ev.h"
#include "runner/rjob.h"

extern const struct be_ops be_batch_ops;

static struct ev *loop;
static bool stop_on_id;
static void *be_state;
static struct buf partial; /* output not yet ended by a newline */

void rjob_set_backend_id(struct rjob *job, const char *id)
{
    free(job->backend_job_id);
    job->backend_job_id = strdup(id);
    printf("backend_id %s\n", id);
    if (stop_on_id) {
        be_batch_ops.stop(be_state, job, BE_STOP_DISMISS);
    }
}

void rjob_output(struct rjob *job, int stream, const char *data, size_t len)
{
    struct qerr err = QERR_INIT;
    if (buf_append(&partial, data, len, &err) < 0) {
        printf("note output overflow\n");
        buf_reset(&partial);
        return;
    }
    char *nl;
    while ((nl = memchr(partial.data, '\n', partial.len)) != NULL) {
        printf("out %.*s\n", (int)(nl - partial.data), partial.data);
        buf_consume(&partial, (size_t)(nl - partial.data) + 1);
    }
}

void rjob_note(struct rjob *job, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("note ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    va_end(ap);
}

void rjob_stored_file(struct rjob *job, const char *name, long long bytes, const char *sha256,
                      const char *storage, const char *location)
{
    printf("file %s %lld %s %s\n", name, bytes, sha256, location);
}

void rjob_exited(struct rjob *job, const struct be_exit *how)
{
    printf("exited %d %d %s\n", how->exited ? 1 : 0, how->exit_code,
           how->error != NULL ? how->error : "-");
    be_batch_ops.release(be_state, job);
    ev_stop(loop);
}

/* argv = definition.command + inputs; envp = config.env + QUERN_JOB_ID. */
static char **strv_from(const json_t *arr, const char *last)
{
    size_t n = json_array_size(arr);
    char **v = calloc(n + 2, sizeof *v);
    for (size_t i = 0; v != NULL && i < n; i++) {
        v[i] = strdup(json_string_value(json_array_get(arr, i)));
    }
    if (v != NULL && last != NULL) {
        v[n] = strdup(last);
    }
    return v;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        free(v[i]);
    }
    free(v);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: batch_drive JOB_ID DEFINITION_JSON INPUTS_JSON [attach ID] [stop-on-id]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    log_init("batch_drive", LOG_LEVEL_DEBUG);
    buf_init(&partial, 1 << 20);
    const char *attach_id = NULL;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "attach") == 0 && i + 1 < argc) {
            attach_id = argv[++i];
        } else if (strcmp(argv[i], "stop-on-id") == 0) {
            stop_on_id = true;
        }
    }
    struct cfg cfg;
    struct qerr err = QERR_INIT;
    if (cfg_load(NULL, &cfg, &err) < 0) {
        fprintf(stderr, "config: %s\n", err.msg);
        return 1;
    }
    json_error_t jerr;
    json_t *def = json_loads(argv[2], 0, &jerr);
    struct rjob job = {.process_id = "drive", .backend = "aws-batch", .definition = def};
    snprintf(job.id, sizeof job.id, "%s", argv[1]);
    job.argv = strv_from(json_object_get(def, "command"), argv[3]);
    char envbuf[64];
    snprintf(envbuf, sizeof envbuf, "QUERN_JOB_ID=%s", job.id);
    char *envp[] = {envbuf, "PATH=/usr/bin:/bin", NULL};
    job.envp = envp;
    job.memory_mib = 64;
    job.timeout_s = 30;
    loop = ev_new(&err);
    be_state = loop != NULL ? be_batch_ops.init(loop, &cfg, &err) : NULL;
    int rc = 1;
    if (be_state == NULL) {
        printf("init-failed %s\n", err.msg);
        goto out;
    }
    if (attach_id != NULL) {
        job.backend_job_id = strdup(attach_id);
    }
    rc = attach_id != NULL ? be_batch_ops.attach(be_state, &job, &err)
                           : be_batch_ops.submit(be_state, &job, &err);
    if (rc < 0) {
        printf("refused %s %s\n", qerr_code_name(err.code), err.msg);
        rc = 0;
        goto out;
    }
    rc = ev_run(loop) == 0 ? 0 : 1;
out:
    if (be_state != NULL) {
        be_batch_ops.fini(be_state);
    }
    ev_free(loop);
    strv_free(job.argv);
    free(job.backend_job_id);
    json_decref(def);
    cfg_free(&cfg);
    buf_cleanup(&partial);
    return rc;
}
