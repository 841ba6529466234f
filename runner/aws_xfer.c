// SPDX-License-Identifier: MIT
/* aws_xfer - a retried signed AWS call on curlm; see aws_xfer.h. */
#include "common/compat.h"

#include <string.h>

#include "common/log.h"
#include "runner/aws_xfer.h"

struct aws_xfer {
    struct ev *ev;
    struct curlm *m;
    struct aws_req req;
    struct ev_timer *retry;
    bool in_multi;
    int tries, max_tries;
    char service[16];
    char path[64];
    aws_xfer_cb done;
    void *arg;
    void (*rewind)(void *arg);
    void *rewind_arg;
};

static void xfer_free(struct aws_xfer *x)
{
    if (x->in_multi) {
        curlm_remove(x->m, x->req.easy);
    }
    if (x->retry != NULL) {
        ev_timer_del(x->ev, x->retry);
    }
    aws_req_cleanup(&x->req);
    free(x);
}

static int xfer_send(struct aws_xfer *x, struct qerr *err);

static void on_retry(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct aws_xfer *x = arg;
    x->retry = NULL;
    struct qerr err = QERR_INIT;
    if (x->rewind != NULL) {
        x->rewind(x->rewind_arg);
    }
    if (xfer_send(x, &err) < 0) {
        struct aws_reply r = {.outcome = AWS_FAILED};
        snprintf(r.msg, sizeof r.msg, "%s", err.msg);
        x->done(&r, NULL, 0, x->tries, x->arg);
        xfer_free(x);
    }
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
    struct aws_xfer *x = arg;
    x->in_multi = false;
    struct aws_reply r;
    aws_req_reply(&x->req, rc, &r);
    if (r.outcome == AWS_RETRY && x->tries < x->max_tries) {
        long ms = aws_backoff_ms(x->tries - 1, AWS_XFER_BASE_MS, AWS_XFER_CAP_MS);
        log_warn("aws: %s %s: %s; try %d of %d in %ld ms", x->service, x->path, r.msg, x->tries + 1,
                 x->max_tries, ms);
        x->retry = ev_timer_add(x->ev, ms, 0, on_retry, x);
        if (x->retry != NULL) {
            return;
        }
    }
    x->done(&r, x->req.reply.data, x->req.reply.len, x->tries, x->arg);
    xfer_free(x);
}

static int xfer_send(struct aws_xfer *x, struct qerr *err)
{
    buf_reset(&x->req.reply);
    x->tries++;
    if (curlm_add(x->m, x->req.easy, on_done, x, err) < 0) {
        return -1;
    }
    x->in_multi = true;
    return 0;
}

struct aws_xfer *aws_xfer_start(struct ev *ev, struct curlm *m, const struct aws_creds *creds,
                                const struct aws_call *call, int max_tries, aws_xfer_cb done,
                                void *arg, struct qerr *err)
{
    struct aws_xfer *x = calloc(1, sizeof *x);
    if (x == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    x->ev = ev;
    x->m = m;
    x->max_tries = max_tries > 0 ? max_tries : 1;
    x->done = done;
    x->arg = arg;
    snprintf(x->service, sizeof x->service, "%s", call->service);
    snprintf(x->path, sizeof x->path, "%s", call->path);
    if (aws_req_prepare(&x->req, creds, call, err) < 0) {
        free(x);
        return NULL;
    }
    if (xfer_send(x, err) < 0) {
        xfer_free(x);
        return NULL;
    }
    return x;
}

void aws_xfer_set_rewind(struct aws_xfer *x, void (*rewind)(void *arg), void *arg)
{
    x->rewind = rewind;
    x->rewind_arg = arg;
}

void aws_xfer_cancel(struct aws_xfer *x)
{
    if (x != NULL) {
        xfer_free(x);
    }
}
