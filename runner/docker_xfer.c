// SPDX-License-Identifier: MIT
/*
 * docker_xfer - an Engine API request on curlm. See docker_xfer.h.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "runner/docker_xfer.h"

/* The engine waits this long at most for a connection to its socket. */
#define XFER_CONNECT_TIMEOUT_MS 5000

struct docker_xfer {
    struct curlm *m;
    CURL *easy;
    struct curl_slist *hdrs;
    struct docker_req req;
    char *socket;
    struct buf body;
    long status;
    CURLcode rc;
    bool running;
    bool podman;
    bool aborted; /* the stream callback refused data */
    char errbuf[CURL_ERROR_SIZE];
    docker_xfer_stream_cb stream;
    docker_xfer_done_cb done;
    void *arg;
};

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct docker_xfer *x = arg;
    size_t len = size * n;
    static const char libpod[] = "Libpod-Api-Version:";
    if (len >= sizeof(libpod) - 1 && strncasecmp(data, libpod, sizeof(libpod) - 1) == 0) {
        x->podman = true;
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct docker_xfer *x = arg;
    size_t len = size * n;
    if (x->status == 0) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    }
    if (x->stream != NULL && x->status >= 200 && x->status < 300) {
        if (x->stream(x->arg, data, len) != 0) {
            x->aborted = true;
            return 0;
        }
        return len;
    }
    struct qerr err = QERR_INIT;
    if (buf_append(&x->body, data, len, &err) != 0) {
        x->aborted = true;
        return 0; /* too large: curl ends the transfer with a write error */
    }
    return len;
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
    struct docker_xfer *x = arg;
    x->running = false;
    x->rc = rc;
    long st = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &st);
    if (st != 0) {
        x->status = st;
    }
    x->done(x, x->arg);
}

static int setup(struct docker_xfer *x, const struct docker_xfer_opts *o, struct qerr *err)
{
    char url[4200];
    int n = snprintf(url, sizeof(url), "http://localhost%s", x->req.path);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        qerr_set(err, QERR_TOO_LARGE, "docker request path too long");
        return -1;
    }
    CURL *e = x->easy;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, x->socket);
    rc |= curl_easy_setopt(e, CURLOPT_URL, url);
    rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)XFER_CONNECT_TIMEOUT_MS);
    rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    rc |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    rc |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    if (strcmp(x->req.method, "POST") == 0) {
        const char *body = x->req.body != NULL ? x->req.body : "";
        rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(x->req.method, "GET") != 0) {
        rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->req.method);
    }
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    if (h != NULL && x->req.body != NULL) {
        struct curl_slist *h2 = curl_slist_append(h, "Content-Type: application/json");
        if (h2 == NULL) {
            curl_slist_free_all(h);
            h = NULL;
        }
    }
    if (h == NULL) {
        qerr_set(err, QERR_NOMEM, "docker request headers");
        return -1;
    }
    x->hdrs = h;
    rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    if (rc != CURLE_OK) {
        qerr_set(err, QERR_INTERNAL, "curl_easy_setopt failed for the engine request");
        return -1;
    }
    return 0;
}

struct docker_xfer *docker_xfer_start(struct curlm *m, struct docker_req *req,
                                      const struct docker_xfer_opts *o, struct qerr *err)
{
    struct docker_xfer *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        qerr_set(err, QERR_NOMEM, "docker transfer");
        docker_req_cleanup(req);
        return NULL;
    }
    x->req = *req;
    memset(req, 0, sizeof(*req));
    x->m = m;
    x->stream = o->stream;
    x->done = o->done;
    x->arg = o->arg;
    buf_init(&x->body, o->body_max);
    x->socket = strdup(o->socket);
    x->easy = curl_easy_init();
    if (x->socket == NULL || x->easy == NULL) {
        qerr_set(err, QERR_NOMEM, "docker transfer");
        goto fail;
    }
    if (setup(x, o, err) != 0) {
        goto fail;
    }
    if (curlm_add(m, x->easy, on_done, x, err) != 0) {
        goto fail;
    }
    x->running = true;
    return x;
fail:
    docker_xfer_free(x);
    return NULL;
}

void docker_xfer_free(struct docker_xfer *x)
{
    if (x == NULL) {
        return;
    }
    if (x->running) {
        curlm_remove(x->m, x->easy);
    }
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->hdrs);
    docker_req_cleanup(&x->req);
    buf_cleanup(&x->body);
    free(x->socket);
    free(x);
}

bool docker_xfer_finish_now(struct docker_xfer *x, long ok_status)
{
    if (x->running) {
        curlm_remove(x->m, x->easy);
        x->running = false;
        buf_reset(&x->body);
        x->status = 0;
        x->rc = curl_easy_perform(x->easy);
        long st = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
        x->status = st;
    }
    return docker_xfer_ok(x) || (x->rc == CURLE_OK && ok_status != 0 && x->status == ok_status);
}

bool docker_xfer_ok(const struct docker_xfer *x)
{
    return x->rc == CURLE_OK && x->status >= 200 && x->status < 300;
}

long docker_xfer_status(const struct docker_xfer *x)
{
    return x->status;
}

const char *docker_xfer_body(const struct docker_xfer *x, size_t *len)
{
    if (len != NULL) {
        *len = x->body.len;
    }
    return buf_cstr(&x->body);
}

bool docker_xfer_podman(const struct docker_xfer *x)
{
    return x->podman;
}

void docker_xfer_error(const struct docker_xfer *x, const char *what, char *out, size_t outsz)
{
    if (x->status >= 300 || (x->status >= 200 && x->rc == CURLE_OK)) {
        char msg[DOCKER_API_MSG_MAX + 40];
        docker_api_error(x->status, x->body.data, x->body.len, msg, sizeof(msg));
        snprintf(out, outsz, "docker %s: %s", what, msg);
        return;
    }
    if (x->aborted) {
        snprintf(out, outsz, "docker %s: response refused (too large or malformed)", what);
        return;
    }
    const char *why = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(x->rc);
    if (x->status == 0 && (x->rc == CURLE_COULDNT_CONNECT || x->rc == CURLE_OPERATION_TIMEDOUT)) {
        /* curl's own text names "localhost port 80", which says nothing about a socket. */
        snprintf(out, outsz, "docker %s: cannot reach the engine at %s: %s", what, x->socket,
                 x->rc == CURLE_COULDNT_CONNECT ? "no engine listening on that socket"
                                                : "timed out");
        return;
    }
    snprintf(out, outsz, "docker %s: engine connection failed: %s", what, why);
}
