// SPDX-License-Identifier: MIT
/* callback - subscriber callbacks over curlm; see callback.h. */
#include "common/compat.h"

#include <string.h>

#include "common/log.h"
#include "common/netaddr.h"
#include "runner/callback.h"
#include "runner/runner.h"

struct callback {
    struct runner *r;
    char *url;
    char host[256];
    char *body;
    int attempt; /* sends so far */
    bool refused;
    CURL *easy;
    struct curl_slist *hdr;
    struct ev_timer *retry_t;
    struct callback *next;
};

struct callback_q {
    struct callback *head;
    int n;
};

bool callback_addr_private(const struct sockaddr *sa)
{
    return netaddr_private(sa);
}

long callback_backoff_ms(int attempt)
{
    if (attempt < 1) {
        attempt = 1;
    }
    long ms = 1000;
    for (int i = 1; i < attempt && ms < 60000; i++) {
        ms *= 2;
    }
    return ms < 60000 ? ms : 60000;
}

static struct callback_q *queue(struct runner *r)
{
    if (r->callbacks == NULL) {
        r->callbacks = calloc(1, sizeof *r->callbacks);
    }
    return r->callbacks;
}

static void cb_free(struct callback *cb)
{
    struct callback_q *q = cb->r->callbacks;
    for (struct callback **p = &q->head; *p != NULL; p = &(*p)->next) {
        if (*p == cb) {
            *p = cb->next;
            q->n--;
            break;
        }
    }
    if (cb->easy != NULL) {
        curl_easy_cleanup(cb->easy);
    }
    curl_slist_free_all(cb->hdr);
    free(cb->url);
    free(cb->body);
    free(cb);
}

static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct callback *cb = arg;
    if (!cb->r->cfg.callbacks_allow_private && netaddr_private(&addr->addr) &&
        !netaddr_in_list(&addr->addr, &cb->r->cfg.callbacks_allow_networks)) {
        cb->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    return size * n;
}

static void send_now(struct callback *cb);

static void on_retry(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct callback *cb = arg;
    cb->retry_t = NULL;
    send_now(cb);
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
    struct callback *cb = arg;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(cb->easy);
    cb->easy = NULL;
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        log_debug("callback to %s delivered (HTTP %ld)", cb->host, status);
        cb_free(cb);
        return;
    }
    if (cb->refused) {
        log_warn("callback to %s refused: it resolves to a loopback, link-local or private "
                 "address (callbacks.allow_private is false and callbacks.allow_networks does not "
                 "hold it)", cb->host);
        cb_free(cb);
        return;
    }
    if (cb->attempt > cb->r->cfg.callbacks_retries) {
        log_warn("callback to %s failed after %d attempts: %s (HTTP %ld)", cb->host, cb->attempt,
                 rc != CURLE_OK ? curl_easy_strerror(rc) : "bad status", status);
        cb_free(cb);
        return;
    }
    cb->retry_t = ev_timer_add(cb->r->ev, callback_backoff_ms(cb->attempt), 0, on_retry, cb);
}

static void send_now(struct callback *cb)
{
    struct runner *r = cb->r;
    cb->attempt++;
    cb->easy = curl_easy_init();
    struct qerr err = QERR_INIT;
    if (cb->easy == NULL) {
        log_error("callback to %s: curl_easy_init failed", cb->host);
        cb_free(cb);
        return;
    }
    curl_easy_setopt(cb->easy, CURLOPT_URL, cb->url);
    curl_easy_setopt(cb->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cb->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(cb->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cb->easy, CURLOPT_TIMEOUT, r->cfg.callbacks_timeout);
    curl_easy_setopt(cb->easy, CURLOPT_HTTPHEADER, cb->hdr);
    curl_easy_setopt(cb->easy, CURLOPT_POSTFIELDS, cb->body);
    curl_easy_setopt(cb->easy, CURLOPT_USERAGENT, "quern-runner/" PACKAGE_VERSION);
    curl_easy_setopt(cb->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(cb->easy, CURLOPT_OPENSOCKETDATA, cb);
    curl_easy_setopt(cb->easy, CURLOPT_WRITEFUNCTION, discard);
    if (curlm_add(r->curlm, cb->easy, on_done, cb, &err) < 0) {
        log_error("callback to %s: %s", cb->host, err.msg);
        cb_free(cb);
    }
}

static void url_host(const char *url, char *out, size_t outsz)
{
    snprintf(out, outsz, "?");
    CURLU *u = curl_url();
    char *host = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        snprintf(out, outsz, "%s", host);
    }
    curl_free(host);
    curl_url_cleanup(u);
}

void callback_post(struct runner *r, const char *url, json_t *body)
{
    if (body == NULL) {
        return;
    }
    struct callback_q *q = queue(r);
    struct callback *cb = calloc(1, sizeof *cb);
    if (q == NULL || cb == NULL) {
        free(cb);
        json_decref(body);
        return;
    }
    cb->r = r;
    cb->url = strdup(url);
    cb->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    cb->hdr = curl_slist_append(NULL, "Content-Type: application/json");
    cb->next = q->head;
    q->head = cb;
    q->n++;
    if (cb->url == NULL || cb->body == NULL || cb->hdr == NULL) {
        cb_free(cb);
        return;
    }
    url_host(url, cb->host, sizeof cb->host);
    send_now(cb);
}

int callback_pending(const struct runner *r)
{
    return r->callbacks != NULL ? r->callbacks->n : 0;
}

void callback_q_free(struct runner *r)
{
    if (r->callbacks == NULL) {
        return;
    }
    while (r->callbacks->head != NULL) {
        struct callback *cb = r->callbacks->head;
        if (cb->easy != NULL) {
            curlm_remove(r->curlm, cb->easy);
        }
        if (cb->retry_t != NULL) {
            ev_timer_del(r->ev, cb->retry_t);
        }
        cb_free(cb);
    }
    QFREE(r->callbacks);
}

json_t *callback_results_doc(const struct cfg *cfg, const char *job_id, const json_t *results,
                             const struct rjob_file *files, size_t nfiles)
{
    json_t *doc = results != NULL ? json_deep_copy(results) : json_object();
    const char *base = cfg->api_base_url != NULL ? cfg->api_base_url : "";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') {
        blen--;
    }
    for (size_t i = 0; doc != NULL && i < nfiles; i++) {
        char href[2048];
        snprintf(href, sizeof href, "%.*s/jobs/%s/results/%s", (int)blen, base, job_id,
                 files[i].output_id);
        json_object_set_new(doc, files[i].output_id,
                            json_pack("{ss ss}", "href", href, "type", files[i].media_type));
    }
    return doc;
}
