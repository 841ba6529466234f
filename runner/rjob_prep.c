// SPDX-License-Identifier: MIT
/*
 * rjob_prep - turns a claimed row into what a backend needs: argv (the
 * definition's command plus the inputs JSON), the granted environment,
 * limits, and a fresh per-job working and output directory; and removes
 * that directory when the job is retired.
 * Nothing from the runner's own environment reaches a job except PATH
 * (fixed) and the secrets the definition names.
 */
#include "common/compat.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/rjob_prep.h"

struct strv {
    char **v;
    size_t n;
};

static int strv_push(struct strv *s, char *item)
{
    if (item == NULL) {
        return -1;
    }
    char **v = realloc(s->v, (s->n + 2) * sizeof *v);
    if (v == NULL) {
        free(item);
        return -1;
    }
    s->v = v;
    s->v[s->n++] = item;
    s->v[s->n] = NULL;
    return 0;
}

static char *str_printf(const char *fmt, ...) QUERN_PRINTF(1, 2);
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return s;
}

void rjob_strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        free(v[i]);
    }
    free(v);
}

bool rjob_env_name_ok(const char *name)
{
    if (name == NULL || !((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') ||
                          *name == '_')) {
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_')) {
            return false;
        }
    }
    return strlen(name) <= 128 && strncmp(name, "QUERN_", 6) != 0 && strcmp(name, "PATH") != 0;
}

static int build_argv(struct rjob *job, struct qerr *err)
{
    const json_t *cmd = json_object_get(job->definition, "command");
    struct strv a = {0};
    if (!json_is_array(cmd) || json_array_size(cmd) == 0) {
        qerr_set(err, QERR_INVALID, "the process definition has no command");
        return -1;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(cmd, i, v) {
        if (!json_is_string(v) || strv_push(&a, strdup(json_string_value(v))) < 0) {
            rjob_strv_free(a.v);
            qerr_set(err, QERR_INVALID, "command element %zu is not a string", i);
            return -1;
        }
    }
    const json_t *inputs = json_object_get(job->request, "inputs");
    json_t *empty = json_object();
    job->inputs_json = json_dumps(inputs != NULL ? inputs : empty, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(empty);
    if (job->inputs_json == NULL || strv_push(&a, strdup(job->inputs_json)) < 0) {
        rjob_strv_free(a.v);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    job->argv = a.v;
    return 0;
}

static char *env_value(const json_t *v)
{
    if (json_is_string(v)) {
        return strdup(json_string_value(v));
    }
    if (json_is_number(v) || json_is_boolean(v)) {
        return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    }
    return NULL;
}

static int build_envp(struct rjob *job, struct qerr *err)
{
    const json_t *config = json_object_get(job->definition, "config");
    struct strv e = {0};
    bool ok = strv_push(&e, strdup("PATH=/usr/local/bin:/usr/bin:/bin")) == 0 &&
              strv_push(&e, str_printf("QUERN_JOB_ID=%s", job->id)) == 0 &&
              strv_push(&e, str_printf("QUERN_JOB_DIR=%s", job->job_dir)) == 0 &&
              strv_push(&e, str_printf("QUERN_OUTPUT_DIR=%s", job->output_dir)) == 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(config, "env"), k, v) {
        char *val = env_value(v);
        if (!ok || !rjob_env_name_ok(k) || val == NULL) {
            free(val);
            qerr_set(err, QERR_INVALID, "config.env: '%.64s' is not a variable quern may set", k);
            ok = false;
            break;
        }
        ok = strv_push(&e, str_printf("%s=%s", k, val)) == 0;
        free(val);
    }
    size_t i;
    json_array_foreach(json_object_get(config, "secrets"), i, v) {
        const char *name = json_string_value(v);
        if (!ok || !rjob_env_name_ok(name)) {
            qerr_set(err, QERR_INVALID, "config.secrets: entry %zu is not a variable name", i);
            ok = false;
            break;
        }
        const char *val = getenv(name);
        if (val != NULL) { /* a missing secret is simply absent; its value is never logged */
            ok = strv_push(&e, str_printf("%s=%s", name, val)) == 0;
        }
    }
    if (!ok) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        rjob_strv_free(e.v);
        return -1;
    }
    job->envp = e.v;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (remove(path) < 0 && errno != ENOENT) {
        return -1;
    }
    return 0;
}

int rjob_dir_remove(const char *dir)
{
    if (dir == NULL) {
        return 0;
    }
    /* The common case, an empty output directory in an otherwise empty job
     * directory, takes two system calls; anything else walks the tree. */
    char out[4096];
    snprintf(out, sizeof out, "%s/output", dir);
    if ((rmdir(out) == 0 || errno == ENOENT) && rmdir(dir) == 0) {
        return 0;
    }
    if (errno == ENOENT) {
        return 0;
    }
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes dir fresh: created, or emptied of what an earlier attempt left. */
static int dir_fresh(const char *dir)
{
    if (mkdir(dir, 0755) == 0) {
        return 0;
    }
    if (errno != EEXIST || rjob_dir_remove(dir) < 0) {
        return -1;
    }
    return mkdir(dir, 0755);
}

static void limits(struct rjob *job)
{
    const json_t *config = json_object_get(job->definition, "config");
    const json_t *res = json_object_get(config, "maxResources");
    const json_t *t = json_object_get(config, "timeout");
    const json_t *mem = json_object_get(res, "memory");
    const json_t *cpus = json_object_get(res, "cpus");
    job->timeout_s = json_is_number(t) && json_number_value(t) > 0 ? (long)json_number_value(t) : 0;
    job->memory_mib = json_is_number(mem) && json_number_value(mem) > 0
                          ? (long)json_number_value(mem) : 0;
    job->cpus = json_is_number(cpus) && json_number_value(cpus) > 0 ? json_number_value(cpus) : 0;
    const json_t *cpu_time = json_object_get(res, "cpuTime");
    job->cpu_seconds = json_is_integer(cpu_time) ? (long)json_integer_value(cpu_time) : 0;
}

int rjob_prepare(struct rjob *job, const char *work_dir, bool make_dirs, struct qerr *err)
{
    limits(job);
    job->job_dir = str_printf("%s/%s", work_dir, job->id);
    job->output_dir = str_printf("%s/%s/output", work_dir, job->id);
    if (job->job_dir == NULL || job->output_dir == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    if (make_dirs) {
        /* A retry starts from a fresh directory, whatever the last attempt left. */
        if (dir_fresh(job->job_dir) < 0 || mkdir(job->output_dir, 0755) < 0) {
            qerr_set_errno(err, QERR_BACKEND, "cannot make the job directory under %.100s",
                           work_dir);
            return -1;
        }
    }
    if (build_argv(job, err) < 0 || build_envp(job, err) < 0) {
        return -1;
    }
    return 0;
}
