// SPDX-License-Identifier: MIT
/*
 * docker_def - a job's container, as its definition describes it. See
 * docker_def.h.
 */
#include "common/compat.h"

#include <jansson.h>
#include <string.h>

#include "common/buf.h"
#include "runner/docker_def.h"

static void free_strv(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        free(v[i]);
    }
    free(v);
}

/* Env for the container: the job's, with the directories at their container paths. */
static char **container_env(char *const *envp, struct qerr *err)
{
    size_t n = 0;
    while (envp != NULL && envp[n] != NULL) {
        n++;
    }
    char **env = calloc(n + 1, sizeof(*env));
    if (env == NULL) {
        qerr_set(err, QERR_NOMEM, "container environment");
        return NULL;
    }
    for (size_t i = 0, j = 0; i < n; i++) {
        const char *e = envp[i];
        if (strncmp(e, "PATH=", 5) == 0) {
            continue; /* the image knows where its programs are */
        }
        if (strncmp(e, "QUERN_OUTPUT_DIR=", 17) == 0) {
            e = "QUERN_OUTPUT_DIR=" DOCKER_OUTPUT_DIR;
        } else if (strncmp(e, "QUERN_JOB_DIR=", 14) == 0) {
            e = "QUERN_JOB_DIR=" DOCKER_JOB_DIR;
        }
        env[j] = strdup(e);
        if (env[j++] == NULL) {
            free_strv(env);
            qerr_set(err, QERR_NOMEM, "container environment");
            return NULL;
        }
    }
    return env;
}

static int add_bind(char **binds, size_t *n, const char *host, const char *ctr, struct qerr *err)
{
    struct buf b;
    buf_init(&b, 8192);
    if (buf_printf(&b, err, "%s%s%s", host, ctr != NULL ? ":" : "", ctr != NULL ? ctr : "") != 0) {
        buf_cleanup(&b);
        return -1;
    }
    binds[(*n)++] = buf_steal(&b);
    return 0;
}

/* Binds: config.volumes ("host:container[:options]") plus the job's directories. */
static char **container_binds(const struct rjob *job, struct qerr *err)
{
    json_t *vols = json_object_get(json_object_get(job->definition, "config"), "volumes");
    size_t nv = json_array_size(vols);
    if (nv > DOCKER_MAX_VOLUMES) {
        qerr_set(err, QERR_INVALID, "config.volumes: more than %d entries", DOCKER_MAX_VOLUMES);
        return NULL;
    }
    char **binds = calloc(nv + 3, sizeof(*binds));
    size_t n = 0;
    if (binds == NULL) {
        qerr_set(err, QERR_NOMEM, "container binds");
        return NULL;
    }
    for (size_t i = 0; i < nv; i++) {
        const char *v = json_string_value(json_array_get(vols, i));
        const char *colon = v != NULL ? strchr(v, ':') : NULL;
        if (v == NULL || colon == NULL || colon == v || colon[1] != '/' ||
            strncmp(colon + 1, "/quern", 6) == 0) {
            qerr_set(err, QERR_INVALID,
                     "config.volumes[%zu]: expected \"host:/container[:options]\" outside /quern",
                     i);
            goto fail;
        }
        if (add_bind(binds, &n, v, NULL, err) != 0) {
            goto fail;
        }
    }
    if ((job->job_dir != NULL && add_bind(binds, &n, job->job_dir, DOCKER_JOB_DIR, err) != 0) ||
        (job->output_dir != NULL &&
         add_bind(binds, &n, job->output_dir, DOCKER_OUTPUT_DIR, err) != 0)) {
        goto fail;
    }
    return binds;
fail:
    free_strv(binds);
    return NULL;
}

int docker_def_init(struct docker_def *def, const struct rjob *job, struct qerr *err)
{
    memset(def, 0, sizeof(*def));
    json_t *host = json_object_get(job->definition, "host");
    const char *pull = json_string_value(json_object_get(host, "pull"));
    def->image = json_string_value(json_object_get(host, "image"));
    def->network = json_string_value(json_object_get(host, "network"));
    if (def->image == NULL || def->image[0] == '\0') {
        qerr_set(err, QERR_INVALID, "docker: the definition has no host.image");
        return -1;
    }
    if (job->argv == NULL || job->argv[0] == NULL) {
        qerr_set(err, QERR_INVALID, "docker: the job has no command");
        return -1;
    }
    def->pull = DOCKER_PULL_MISSING;
    if (pull != NULL && strcmp(pull, "never") == 0) {
        def->pull = DOCKER_PULL_NEVER;
    } else if (pull != NULL && strcmp(pull, "always") == 0) {
        def->pull = DOCKER_PULL_ALWAYS;
    } else if (pull != NULL && strcmp(pull, "missing") != 0) {
        qerr_set(err, QERR_INVALID, "docker: host.pull must be never, missing or always");
        return -1;
    }
    def->env = container_env(job->envp, err);
    def->binds = def->env != NULL ? container_binds(job, err) : NULL;
    if (def->binds == NULL) {
        docker_def_cleanup(def);
        return -1;
    }
    return 0;
}

void docker_def_cleanup(struct docker_def *def)
{
    free_strv(def->env);
    free_strv(def->binds);
    def->env = NULL;
    def->binds = NULL;
}

void docker_def_spec(const struct docker_def *def, const struct rjob *job, const char *runner_id,
                     struct docker_spec *out)
{
    *out = (struct docker_spec){
        .image = def->image,
        .argv = job->argv,
        .envp = def->env,
        .job_id = job->id,
        .runner_id = runner_id,
        .network = def->network,
        .workdir = DOCKER_JOB_DIR,
        .memory_mib = job->memory_mib,
        .cpus = job->cpus,
        .binds = def->binds,
    };
}
