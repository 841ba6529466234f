// SPDX-License-Identifier: MIT
/*
 * docker_rm - background removal of ended jobs' containers. See docker_rm.h.
 */
#include "common/compat.h"

#include <string.h>

#include "common/log.h"
#include "runner/docker_api.h"
#include "runner/docker_rm.h"
#include "runner/docker_xfer.h"

struct docker_rm {
    struct curlm *m;
    const char *socket;
    const char *ver;
    struct docker_xfer **x; /* removals in flight */
    size_t n, cap;
};

struct docker_rm *docker_rm_new(struct curlm *m, const char *socket, const char *ver,
                                struct qerr *err)
{
    struct docker_rm *rm = calloc(1, sizeof(*rm));
    if (rm == NULL) {
        qerr_set(err, QERR_NOMEM, "docker container remover");
        return NULL;
    }
    rm->m = m;
    rm->socket = socket;
    rm->ver = ver;
    return rm;
}

static void warn_failed(const struct docker_xfer *x)
{
    char msg[600];
    docker_xfer_error(x, "remove", msg, sizeof(msg));
    log_warn("%s", msg);
}

void docker_rm_free(struct docker_rm *rm)
{
    if (rm == NULL) {
        return;
    }
    for (size_t i = 0; i < rm->n; i++) {
        if (!docker_xfer_finish_now(rm->x[i], 404)) {
            warn_failed(rm->x[i]);
        }
        docker_xfer_free(rm->x[i]);
    }
    free(rm->x);
    free(rm);
}

static void on_removed(struct docker_xfer *x, void *arg)
{
    struct docker_rm *rm = arg;
    /* 404: already gone, which is what removal wants. */
    if (!docker_xfer_ok(x) && docker_xfer_status(x) != 404) {
        warn_failed(x);
    }
    for (size_t i = 0; i < rm->n; i++) {
        if (rm->x[i] == x) {
            rm->x[i] = rm->x[--rm->n];
            break;
        }
    }
    docker_xfer_free(x);
}

void docker_rm_container(struct docker_rm *rm, const char *cid)
{
    struct docker_req req;
    struct qerr err = QERR_INIT;
    if (rm->n == rm->cap) {
        size_t n = rm->cap > 0 ? rm->cap * 2 : 16;
        struct docker_xfer **x = realloc(rm->x, n * sizeof(*x));
        if (x == NULL) {
            log_error("docker: out of memory: container %s not removed", cid);
            return;
        }
        rm->x = x;
        rm->cap = n;
    }
    if (docker_api_delete(rm->ver, cid, &req, &err) != 0) {
        log_error("docker: container %s not removed: %s", cid, err.msg);
        return;
    }
    struct docker_xfer_opts o = {.socket = rm->socket,
                                 .timeout_ms = DOCKER_RM_TIMEOUT_MS,
                                 .body_max = 64 * 1024,
                                 .done = on_removed,
                                 .arg = rm};
    struct docker_xfer *x = docker_xfer_start(rm->m, &req, &o, &err);
    if (x == NULL) {
        log_error("docker: container %s not removed: %s", cid, err.msg);
        return;
    }
    rm->x[rm->n++] = x;
}
