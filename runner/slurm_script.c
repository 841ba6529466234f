// SPDX-License-Identifier: MIT
/*
 * slurm_script - builds the batch script, sbatch's argv and slurmrestd's
 * submit body from one struct slurm_spec. Pure text; no I/O.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "runner/slurm_script.h"

#define SCRIPT_MAX (4u << 20) /* Slurm's default max_script_size */

int slurm_sh_quote(struct buf *b, const char *s, struct qerr *err)
{
    if (buf_puts(b, "'", err) < 0) {
        return -1;
    }
    for (const char *p = s; *p != '\0';) {
        size_t n = strcspn(p, "'");
        if (n > 0 && buf_append(b, p, n, err) < 0) {
            return -1;
        }
        p += n;
        if (*p == '\'') {
            if (buf_puts(b, "'\\''", err) < 0) {
                return -1;
            }
            p++;
        }
    }
    return buf_puts(b, "'", err);
}

/* Appends the quoted path dir/name. */
static int quote_path(struct buf *b, const char *dir, const char *name, struct qerr *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        qerr_set(err, QERR_TOO_LARGE, "job directory path too long");
        return -1;
    }
    return slurm_sh_quote(b, path, err);
}

char *slurm_script_text(const struct slurm_spec *s, struct qerr *err)
{
    struct buf b;
    buf_init(&b, SCRIPT_MAX);
    if (s->command == NULL || s->command[0] == NULL) {
        qerr_set(err, QERR_INVALID, "the definition has no command");
        goto fail;
    }
    if (buf_printf(&b, err, "#!/bin/sh\n# quern job %s, written by quern-runner\ncd ",
                   s->job_id) < 0 ||
        slurm_sh_quote(&b, s->dir, err) < 0 || buf_puts(&b, " || exit 121\n", err) < 0) {
        goto fail;
    }
    for (char *const *a = s->command; *a != NULL; a++) {
        if (slurm_sh_quote(&b, *a, err) < 0 || buf_puts(&b, " ", err) < 0) {
            goto fail;
        }
    }
    if (buf_puts(&b, "\"$(cat ", err) < 0 || quote_path(&b, s->dir, SLURM_FILE_INPUTS, err) < 0 ||
        buf_puts(&b, ")\" </dev/null\nrc=$?\nprintf 'exit %d\\n' \"$rc\" >", err) < 0 ||
        quote_path(&b, s->dir, SLURM_FILE_MARKER ".tmp", err) < 0 ||
        buf_puts(&b, " && mv -f ", err) < 0 ||
        quote_path(&b, s->dir, SLURM_FILE_MARKER ".tmp", err) < 0 || buf_puts(&b, " ", err) < 0 ||
        quote_path(&b, s->dir, SLURM_FILE_MARKER, err) < 0 ||
        buf_puts(&b, "\nexit \"$rc\"\n", err) < 0) {
        goto fail;
    }
    return buf_steal(&b);
fail:
    buf_cleanup(&b);
    return NULL;
}

long slurm_time_limit_minutes(long timeout_s)
{
    return timeout_s <= 0 ? 0 : (timeout_s + 59) / 60;
}

static long cpus_whole(double cpus)
{
    if (cpus <= 0 || cpus > 4096) {
        return cpus > 4096 ? 4096 : 0;
    }
    long whole = (long)cpus;
    return (double)whole < cpus ? whole + 1 : whole;
}

void slurm_argv_free(char **argv)
{
    if (argv == NULL) {
        return;
    }
    for (char **a = argv; *a != NULL; a++) {
        free(*a);
    }
    free(argv);
}

/* Appends "--opt=value" (value may be NULL/"": nothing appended). */
static int push_opt(char **argv, size_t *n, const char *opt, const char *value, struct qerr *err)
{
    if (value == NULL || *value == '\0') {
        return 0;
    }
    size_t len = strlen(opt) + strlen(value) + 2;
    argv[*n] = malloc(len);
    if (argv[*n] == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    snprintf(argv[*n], len, "%s=%s", opt, value);
    (*n)++;
    return 0;
}

static int push_str(char **argv, size_t *n, const char *s, struct qerr *err)
{
    argv[*n] = strdup(s);
    if (argv[*n] == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    (*n)++;
    return 0;
}

static int push_path(char **argv, size_t *n, const char *opt, const char *dir, const char *name,
                     struct qerr *err)
{
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= sizeof path) {
        qerr_set(err, QERR_TOO_LARGE, "job directory path too long");
        return -1;
    }
    return opt == NULL ? push_str(argv, n, path, err) : push_opt(argv, n, opt, path, err);
}

char **slurm_sbatch_argv(const struct slurm_spec *s, const char *sbatch_path, struct qerr *err)
{
    enum { MAX_ARGS = 20 };
    char **argv = calloc(MAX_ARGS, sizeof *argv);
    size_t n = 0;
    char name[64], num[32], mem[32], cpus[32];
    if (argv == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(name, sizeof name, "quern-%s", s->job_id);
    long minutes = slurm_time_limit_minutes(s->timeout_s);
    snprintf(num, sizeof num, "%ld", minutes);
    snprintf(mem, sizeof mem, "%ldM", s->memory_mib);
    snprintf(cpus, sizeof cpus, "%ld", cpus_whole(s->cpus));
    if (push_str(argv, &n, sbatch_path, err) < 0 || push_str(argv, &n, "--parsable", err) < 0 ||
        push_str(argv, &n, "--no-requeue", err) < 0 || push_str(argv, &n, "--export=ALL", err) < 0) {
        goto fail;
    }
    if (push_opt(argv, &n, "--job-name", name, err) < 0 ||
        push_opt(argv, &n, "--chdir", s->dir, err) < 0 ||
        push_path(argv, &n, "--output", s->dir, SLURM_FILE_STDOUT, err) < 0 ||
        push_path(argv, &n, "--error", s->dir, SLURM_FILE_STDERR, err) < 0 ||
        push_opt(argv, &n, "--partition", s->partition, err) < 0 ||
        push_opt(argv, &n, "--account", s->account, err) < 0 ||
        push_opt(argv, &n, "--qos", s->qos, err) < 0 ||
        push_opt(argv, &n, "--time", minutes > 0 ? num : NULL, err) < 0 ||
        push_opt(argv, &n, "--cpus-per-task", s->cpus > 0 ? cpus : NULL, err) < 0 ||
        push_opt(argv, &n, "--mem", s->memory_mib > 0 ? mem : NULL, err) < 0 ||
        push_path(argv, &n, NULL, s->dir, SLURM_FILE_SCRIPT, err) < 0) {
        goto fail;
    }
    QASSERT(n < MAX_ARGS);
    return argv;
fail:
    slurm_argv_free(argv);
    return NULL;
}

static json_t *env_json(char *const *envp, bool as_object)
{
    json_t *env = as_object ? json_object() : json_array();
    for (char *const *e = envp; env != NULL && e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL || eq == *e) {
            continue;
        }
        int rc;
        if (as_object) {
            char key[256];
            size_t klen = (size_t)(eq - *e);
            if (klen >= sizeof key) {
                continue;
            }
            memcpy(key, *e, klen);
            key[klen] = '\0';
            rc = json_object_set_new(env, key, json_string(eq + 1));
        } else {
            rc = json_array_append_new(env, json_string(*e));
        }
        if (rc < 0) {
            json_decref(env);
            return NULL;
        }
    }
    return env;
}

json_t *slurm_rest_submit_body(const struct slurm_spec *s, const char *script,
                               const char *version, struct qerr *err)
{
    char name[64], out[4096], errf[4096];
    snprintf(name, sizeof name, "quern-%s", s->job_id);
    int n1 = snprintf(out, sizeof out, "%s/%s", s->dir, SLURM_FILE_STDOUT);
    int n2 = snprintf(errf, sizeof errf, "%s/%s", s->dir, SLURM_FILE_STDERR);
    if (n1 < 0 || (size_t)n1 >= sizeof out || n2 < 0 || (size_t)n2 >= sizeof errf) {
        qerr_set(err, QERR_TOO_LARGE, "job directory path too long");
        return NULL;
    }
    json_t *env = env_json(s->envp, strcmp(version, "v0.0.38") == 0);
    json_t *job = json_pack("{s:s, s:s, s:s, s:s, s:o*, s:b}", "name", name,
                            "current_working_directory", s->dir, "standard_output", out,
                            "standard_error", errf, "environment", env, "requeue", 0);
    json_t *body = NULL;
    if (job == NULL) {
        goto nomem;
    }
    long minutes = slurm_time_limit_minutes(s->timeout_s);
    if ((s->partition != NULL && *s->partition != '\0' &&
         json_object_set_new(job, "partition", json_string(s->partition)) < 0) ||
        (s->account != NULL && *s->account != '\0' &&
         json_object_set_new(job, "account", json_string(s->account)) < 0) ||
        (s->qos != NULL && *s->qos != '\0' &&
         json_object_set_new(job, "qos", json_string(s->qos)) < 0) ||
        (minutes > 0 && json_object_set_new(job, "time_limit", json_integer(minutes)) < 0) ||
        (s->cpus > 0 &&
         json_object_set_new(job, "cpus_per_task", json_integer(cpus_whole(s->cpus))) < 0) ||
        (s->memory_mib > 0 &&
         json_object_set_new(job, "memory_per_node", json_integer(s->memory_mib)) < 0)) {
        json_decref(job);
        goto nomem;
    }
    body = json_pack("{s:s, s:o}", "script", script, "job", job);
    if (body == NULL) {
        goto nomem;
    }
    return body;
nomem:
    qerr_set(err, QERR_NOMEM, "out of memory building the slurmrestd request");
    return NULL;
}
