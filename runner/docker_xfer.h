// SPDX-License-Identifier: MIT
/*
 * docker_xfer - one HTTP request to the container engine over its unix
 * socket, run by curlm on the runner's loop.
 *
 * A transfer owns its easy handle, header list, request (path and body)
 * and response buffer; docker_xfer_free() releases all of them. A 2xx
 * response body either goes to a stream callback as it arrives (logs,
 * pulls) or is kept, bounded, for a parser; an error body is always kept
 * so that the engine's message reaches the job. Whether the engine is
 * podman (it sends Libpod-Api-Version) is recorded per response.
 * Use: docker_xfer_start -> done callback (read status/body) ->
 * docker_xfer_free; or docker_xfer_free at any time to cancel (no callback).
 */
#ifndef QUERN_DOCKER_XFER_H
#define QUERN_DOCKER_XFER_H

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/curlm.h"
#include "runner/docker_api.h"

struct docker_xfer;

/* 2xx body bytes of a streaming transfer; return -1 to abort it (the done callback follows). */
typedef int (*docker_xfer_stream_cb)(void *arg, const char *data, size_t len);
/* The transfer ended (any outcome); x stays valid until docker_xfer_free. */
typedef void (*docker_xfer_done_cb)(struct docker_xfer *x, void *arg);

struct docker_xfer_opts {
    const char *socket;           /* engine socket path (borrowed, copied by curl) */
    long timeout_ms;              /* whole transfer; 0: none (followed logs, wait) */
    size_t body_max;              /* most response bytes kept */
    docker_xfer_stream_cb stream; /* NULL: keep the body */
    docker_xfer_done_cb done;
    void *arg;
};

/*
 * Starts req on m; takes over req's contents whatever the outcome (req is
 * left empty). Returns NULL with err set when it cannot start (no callback).
 */
struct docker_xfer *docker_xfer_start(struct curlm *m, struct docker_req *req,
                                      const struct docker_xfer_opts *o, struct qerr *err);

/*
 * Finishes a running transfer now, blocking (bounded by its timeout), with
 * no callback; for the shutdown path only, where the loop no longer runs.
 * Returns true when it ended with a 2xx (or one of the ok statuses given).
 */
bool docker_xfer_finish_now(struct docker_xfer *x, long ok_status);

/* Cancels (without callback) if still running, then frees. Accepts NULL. */
void docker_xfer_free(struct docker_xfer *x);

/* True when the request reached the engine and it answered 2xx. */
bool docker_xfer_ok(const struct docker_xfer *x);
/* HTTP status, 0 when no response came (engine unreachable, aborted). */
long docker_xfer_status(const struct docker_xfer *x);
/* The kept body (NUL-terminated, "" when none) and its length. */
const char *docker_xfer_body(const struct docker_xfer *x, size_t *len);
/* True when the response came from podman. */
bool docker_xfer_podman(const struct docker_xfer *x);
/*
 * Why the transfer failed, for the job: the engine's message for a non-2xx
 * status, else curl's ("cannot reach the engine at <socket>: ..."). what
 * names the step ("create", "start", ...).
 */
void docker_xfer_error(const struct docker_xfer *x, const char *what, char *out, size_t outsz);

#endif
