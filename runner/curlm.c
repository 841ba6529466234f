// SPDX-License-Identifier: MIT
/*
 * curlm - the libcurl multi socket API on ev_: curl's socket and timer
 * callbacks become ev_ watchers and one ev_ timer; readiness goes back
 * through curl_multi_socket_action, finished transfers to their callbacks.
 */
#include "common/compat.h"

#include <string.h>

#include "common/log.h"
#include "runner/curlm.h"

struct curlm_xfer {
    CURL *easy;
    curlm_done_cb done;
    void *arg;
};

struct curlm {
    struct ev *ev;
    CURLM *multi;
    struct ev_timer *timer;
    struct curlm_xfer *xf;
    size_t nxf, capxf;
};

static struct curlm_xfer *xfer_find(struct curlm *m, CURL *easy)
{
    for (size_t i = 0; i < m->nxf; i++) {
        if (m->xf[i].easy == easy) {
            return &m->xf[i];
        }
    }
    return NULL;
}

static void check_done(struct curlm *m)
{
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        curl_multi_remove_handle(m->multi, easy);
        struct curlm_xfer *x = xfer_find(m, easy);
        if (x == NULL) {
            continue;
        }
        struct curlm_xfer copy = *x;
        *x = m->xf[--m->nxf];
        copy.done(easy, rc, copy.arg);
    }
}

static void on_socket(struct ev *ev, int fd, int events, void *arg)
{
    struct curlm *m = arg;
    int flags = ((events & EV_READ) ? CURL_CSELECT_IN : 0) | ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(m->multi, fd, flags, &running);
    check_done(m);
}

static void on_timer(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct curlm *m = arg;
    m->timer = NULL;
    int running;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(m);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct curlm *m = userp;
    if (what == CURL_POLL_REMOVE) {
        ev_fd_del(m->ev, s);
        return 0;
    }
    int events = ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    struct qerr err = QERR_INIT;
    if (ev_fd_add(m->ev, s, events, on_socket, m, &err) < 0) {
        log_error("curl socket watch: %s", err.msg);
        return -1;
    }
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct curlm *m = userp;
    if (timeout_ms < 0) {
        if (m->timer != NULL) {
            ev_timer_del(m->ev, m->timer);
            m->timer = NULL;
        }
        return 0;
    }
    if (m->timer != NULL) {
        ev_timer_reset(m->ev, m->timer, timeout_ms);
    } else {
        m->timer = ev_timer_add(m->ev, timeout_ms, 0, on_timer, m);
    }
    return m->timer != NULL ? 0 : -1;
}

struct curlm *curlm_new(struct ev *ev, struct qerr *err)
{
    struct curlm *m = calloc(1, sizeof *m);
    if (m == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    m->ev = ev;
    m->multi = curl_multi_init();
    if (m->multi == NULL) {
        qerr_set(err, QERR_INTERNAL, "curl_multi_init failed");
        free(m);
        return NULL;
    }
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    return m;
}

void curlm_free(struct curlm *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->nxf; i++) {
        curl_multi_remove_handle(m->multi, m->xf[i].easy);
    }
    if (m->timer != NULL) {
        ev_timer_del(m->ev, m->timer);
    }
    curl_multi_cleanup(m->multi);
    free(m->xf);
    free(m);
}

int curlm_add(struct curlm *m, CURL *easy, curlm_done_cb done, void *arg, struct qerr *err)
{
    if (m->nxf == m->capxf) {
        size_t n = m->capxf > 0 ? m->capxf * 2 : 16;
        struct curlm_xfer *x = realloc(m->xf, n * sizeof *x);
        if (x == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        m->xf = x;
        m->capxf = n;
    }
    CURLMcode rc = curl_multi_add_handle(m->multi, easy);
    if (rc != CURLM_OK) {
        qerr_set(err, QERR_INTERNAL, "curl_multi_add_handle: %s", curl_multi_strerror(rc));
        return -1;
    }
    m->xf[m->nxf++] = (struct curlm_xfer){easy, done, arg};
    return 0;
}

void curlm_remove(struct curlm *m, CURL *easy)
{
    struct curlm_xfer *x = xfer_find(m, easy);
    if (x != NULL) {
        curl_multi_remove_handle(m->multi, easy);
        *x = m->xf[--m->nxf];
    }
}

int curlm_running(const struct curlm *m)
{
    return (int)m->nxf;
}
