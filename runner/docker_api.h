// SPDX-License-Identifier: MIT
/*
 * docker_api - the Docker Engine API as quern uses it: builders of the
 * requests (method, path, JSON body) and parsers of the responses, without
 * any I/O. be_docker.c sends what these build and hands back what arrives.
 *
 * Both docker (API 1.41) and podman's compatible service answer these; the
 * differences that matter are handled here: podman reports a failed pull
 * as HTTP 200 with an "error" inside the progress stream, and its native
 * wait endpoint (docker_api_wait with libpod) answers at once instead of
 * polling every 250 ms.
 * Use: docker_api_<verb>() -> send -> docker_api_parse_<verb>() ->
 * docker_req_cleanup().
 */
#ifndef QUERN_DOCKER_API_H
#define QUERN_DOCKER_API_H

#include "common/compat.h"

#include <jansson.h>
#include "common/qerr.h"

/* Longest engine message quern keeps (it ends up in the job's exception). */
#define DOCKER_API_MSG_MAX 400
/* Labels on every container quern creates. */
#define DOCKER_LABEL_JOB "quern.job"
#define DOCKER_LABEL_RUNNER "quern.runner"

/* One request: method and path are always set; body is JSON text or NULL. */
struct docker_req {
    const char *method; /* static string */
    char *path;         /* "/v1.41/containers/...", owned */
    char *body;         /* owned, NULL when the request has none */
};

void docker_req_cleanup(struct docker_req *r);

/* 0 when ver looks like an API version ("v1.41"), else -1 with QERR_INVALID. */
int docker_api_check_version(const char *ver, struct qerr *err) QUERN_MUSTCHECK;

/* What a container for a job is made of (all borrowed). */
struct docker_spec {
    const char *image;
    char *const *argv;     /* Cmd, NULL-terminated */
    char *const *envp;     /* Env "K=V", NULL-terminated */
    const char *job_id;    /* label quern.job */
    const char *runner_id; /* label quern.runner */
    const char *network;   /* HostConfig.NetworkMode; NULL: "none" */
    const char *workdir;   /* WorkingDir in the container, or NULL */
    long memory_mib;       /* 0: no limit (swap is limited to the same) */
    double cpus;           /* 0: no limit */
    char *const *binds;    /* "host:container[:opts]", NULL-terminated, or NULL */
};

/*
 * Request builders. ver is the API version ("v1.41"); ids are container ids
 * or names, and anything but [A-Za-z0-9_.-] in them is refused (QERR_INVALID).
 * Each returns 0 and fills out (release with docker_req_cleanup), or -1.
 */
int docker_api_create(const char *ver, const struct docker_spec *spec, struct docker_req *out,
                      struct qerr *err) QUERN_MUSTCHECK;
int docker_api_start(const char *ver, const char *id, struct docker_req *out,
                     struct qerr *err) QUERN_MUSTCHECK;
/* libpod: podman's own endpoint, which returns the exit code as soon as the container stops. */
int docker_api_wait(const char *ver, const char *id, bool libpod, struct docker_req *out,
                    struct qerr *err) QUERN_MUSTCHECK;
/* follow: the response lasts until the container stops. */
int docker_api_logs(const char *ver, const char *id, bool follow, struct docker_req *out,
                    struct qerr *err) QUERN_MUSTCHECK;
/* signal is a name such as "SIGTERM". */
int docker_api_kill(const char *ver, const char *id, const char *signal, struct docker_req *out,
                    struct qerr *err) QUERN_MUSTCHECK;
/* Removes the container, stopping it first if it still runs. */
int docker_api_delete(const char *ver, const char *id, struct docker_req *out,
                      struct qerr *err) QUERN_MUSTCHECK;
int docker_api_inspect(const char *ver, const char *id, struct docker_req *out,
                       struct qerr *err) QUERN_MUSTCHECK;
int docker_api_image_inspect(const char *ver, const char *image, struct docker_req *out,
                             struct qerr *err) QUERN_MUSTCHECK;
/* One sample of the container's resource usage (not streamed, no second sample). */
int docker_api_stats(const char *ver, const char *id, struct docker_req *out,
                     struct qerr *err) QUERN_MUSTCHECK;
/* Every container, running or not, that has label key=value. */
int docker_api_list_by_label(const char *ver, const char *key, const char *value,
                             struct docker_req *out, struct qerr *err) QUERN_MUSTCHECK;
int docker_api_pull(const char *ver, const char *image, struct docker_req *out,
                    struct qerr *err) QUERN_MUSTCHECK;

/*
 * The engine's explanation of a failed request: the "message" of its JSON
 * error body, else the body's text, else the status. Always fills out
 * ("engine: HTTP 404: No such image: x"), truncated to outsz.
 */
void docker_api_error(long status, const char *body, size_t len, char *out, size_t outsz);

/* Response of create: the new container's id (owned by the caller). */
int docker_api_parse_created(const char *body, size_t len, char **id,
                             struct qerr *err) QUERN_MUSTCHECK;

/*
 * Response of wait, compatible ({"StatusCode": n, "Error": ...}) or libpod
 * (the bare number). A wait that reports an error returns -1 with it.
 */
int docker_api_parse_wait(const char *body, size_t len, long *status,
                          struct qerr *err) QUERN_MUSTCHECK;

/* What inspect says about a container. */
struct docker_state {
    bool running;
    bool oom_killed;
    long exit_code;
    char status[32];                /* "created", "running", "exited", ... */
    char image_id[80];              /* "sha256:..." */
    char error[DOCKER_API_MSG_MAX]; /* State.Error, "" when none */
};

int docker_api_parse_inspect(const char *body, size_t len, struct docker_state *st,
                             struct qerr *err) QUERN_MUSTCHECK;

/*
 * Response of stats: the CPU time the container used so far, in
 * nanoseconds (cpu_stats.cpu_usage.total_usage, all its processes).
 */
int docker_api_parse_cpu(const char *body, size_t len, unsigned long long *ns,
                         struct qerr *err) QUERN_MUSTCHECK;

/* Response of an image inspect: its id and first repository digest ("" when none). */
int docker_api_parse_image(const char *body, size_t len, char *id, size_t idsz, char *digest,
                           size_t digestsz, struct qerr *err) QUERN_MUSTCHECK;

/* True when two image ids name the same image (with or without "sha256:"). */
bool docker_api_same_image(const char *a, const char *b);

/*
 * What jobs.backend_info records about a container's image: {"container",
 * "image" (the definition's name), "imageId", "imageDigest"}. imageId is the
 * container's own image id when known (ctr_image, else img_id from the
 * image inspect); imageDigest (the repository digest, name@sha256:...) only
 * when the image inspect described that same image and had one. New
 * reference; NULL when no image id is known yet.
 */
json_t *docker_api_image_info(const char *cid, const char *image, const char *ctr_image,
                              const char *img_id, const char *img_digest);

/*
 * Response of list_by_label: the first container's id (owned by the caller,
 * NULL when the list is empty), its state ("running", "exited"...) into
 * state, and the number listed into n.
 */
int docker_api_parse_list(const char *body, size_t len, char **id, char *state, size_t statesz,
                          size_t *n, struct qerr *err) QUERN_MUSTCHECK;

/*
 * Response of a pull: a stream of JSON progress objects. Returns -1 with the
 * engine's message when any object carries "error" (podman answers 200 and
 * reports the failure there) or when the stream is not JSON.
 */
int docker_api_parse_pull(const char *body, size_t len, struct qerr *err) QUERN_MUSTCHECK;

#endif
