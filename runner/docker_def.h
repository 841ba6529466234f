// SPDX-License-Identifier: MIT
/*
 * docker_def - what a job asks of its container, read from the job's
 * definition and runner-side fields: image, pull policy, network, the
 * environment and the bind mounts.
 *
 * Inside the container the job's directories are at fixed paths
 * (DOCKER_JOB_DIR, DOCKER_OUTPUT_DIR) and QUERN_JOB_DIR / QUERN_OUTPUT_DIR
 * name those paths; PATH is left to the image. config.volumes entries are
 * "host:/container[:options]" and may not shadow /quern. Validation
 * happens here, before anything reaches the engine.
 * Use: docker_def_init -> docker_def_spec -> docker_def_cleanup.
 */
#ifndef QUERN_DOCKER_DEF_H
#define QUERN_DOCKER_DEF_H

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/docker_api.h"
#include "runner/rjob.h"

#define DOCKER_OUTPUT_DIR "/quern/output"
#define DOCKER_JOB_DIR "/quern/job"
#define DOCKER_MAX_VOLUMES 64

enum docker_pull { DOCKER_PULL_NEVER, DOCKER_PULL_MISSING, DOCKER_PULL_ALWAYS };

struct docker_def {
    const char *image;     /* host.image, borrowed from the definition */
    const char *network;   /* host.network or NULL (then "none") */
    enum docker_pull pull; /* host.pull, default missing */
    char **env;            /* owned, NULL-terminated */
    char **binds;          /* owned, NULL-terminated */
};

/* Reads job (borrowed; must outlive def). -1 with QERR_INVALID on a bad definition. */
int docker_def_init(struct docker_def *def, const struct rjob *job,
                    struct qerr *err) QUERN_MUSTCHECK;
void docker_def_cleanup(struct docker_def *def);

/* The create request's contents for job (pointers borrowed from def and job). */
void docker_def_spec(const struct docker_def *def, const struct rjob *job, const char *runner_id,
                     struct docker_spec *out);

#endif
