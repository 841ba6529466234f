// SPDX-License-Identifier: MIT
/*
 * slurm_rest - the slurmrestd transport: POST .../job/submit, GET
 * .../job/{id} (one request per followed job, all in flight at once and
 * answered together) and DELETE .../job/{id}, on the runner's loop through
 * its own curlm.
 *
 * slurm.rest_url is "unix:/path/to/socket" (rest_auth/local: jobs run as
 * the user slurmrestd runs as) or "http[s]://host:port" (rest_auth/jwt with
 * slurm.jwt_user and slurm.jwt_token, sent as X-SLURM-USER-NAME and
 * X-SLURM-USER-TOKEN and never logged). Each request owns its easy handle,
 * header list, body and a bounded response buffer. slurmrestd v0.0.38
 * answers an unknown job id with HTTP 500 and error 2017; that id is then
 * simply absent from the query's answer, as with squeue.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "runner/curlm.h"
#include "runner/slurm_tr.h"

#define REST_RESP_MAX (8u << 20)
#define REST_LIST_MAX (64u << 20) /* GET jobs lists the whole cluster */
#define REST_PER_JOB_MAX 16       /* more followed jobs than this: one GET jobs instead */
#define REST_TIMEOUT_MS 60000L
#define SLURM_ERR_INVALID_JOB_ID 2017

struct rest_query {
    slurm_query_cb cb;
    void *arg;
    size_t pending;
    char (*ids)[32]; /* the asked ids */
    size_t nids;
    struct slurm_status *st;
    size_t n;
    char error[256];
};

enum rest_kind { REST_SUBMIT, REST_QUERY, REST_CANCEL };

struct rest_req {
    struct rest *r;
    enum rest_kind kind;
    CURL *easy;
    struct curl_slist *hdrs;
    char *body;
    struct buf resp;
    bool too_large;
    union {
        slurm_submit_cb submit;
        slurm_cancel_cb cancel;
    } cb;
    void *arg;
    struct rest_query *q;
    struct rest_req *next;
};

struct rest {
    struct slurm_tr tr;
    struct curlm *m;
    char *base;        /* http://host:port (no trailing /) */
    char *unix_socket; /* NULL for TCP */
    char *version;
    char *user, *token;
    struct rest_req *reqs;
};

static void req_free(struct rest_req *q)
{
    if (q == NULL) {
        return;
    }
    if (q->easy != NULL) {
        curl_easy_cleanup(q->easy);
    }
    curl_slist_free_all(q->hdrs);
    free(q->body);
    buf_cleanup(&q->resp);
    free(q);
}

static void req_unlink(struct rest_req *q)
{
    for (struct rest_req **p = &q->r->reqs; *p != NULL; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            return;
        }
    }
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    struct rest_req *q = arg;
    struct qerr err = QERR_INIT;
    if (buf_append(&q->resp, data, size * nmemb, &err) < 0) {
        q->too_large = true;
        return 0;
    }
    return size * nmemb;
}

static int add_header(struct rest_req *q, const char *name, const char *value)
{
    char line[4096];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof line) {
        return -1;
    }
    struct curl_slist *l = curl_slist_append(q->hdrs, line);
    if (l == NULL) {
        return -1;
    }
    q->hdrs = l;
    return 0;
}

/* A request for path (after /slurm/<version>/), method GET/POST/DELETE, body or NULL. */
static struct rest_req *req_new(struct rest *r, enum rest_kind kind, const char *method,
                                const char *path, char *body, struct qerr *err)
{
    struct rest_req *q = calloc(1, sizeof *q);
    char url[4096];
    if (q == NULL) {
        free(body);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    q->r = r;
    q->kind = kind;
    q->body = body;
    buf_init(&q->resp, REST_RESP_MAX);
    int n = snprintf(url, sizeof url, "%s/slurm/%s/%s", r->base, r->version, path);
    q->easy = curl_easy_init();
    if (n < 0 || (size_t)n >= sizeof url || q->easy == NULL ||
        add_header(q, "Accept", "application/json") < 0 ||
        (body != NULL && add_header(q, "Content-Type", "application/json") < 0) ||
        (r->token != NULL && (add_header(q, "X-SLURM-USER-NAME", r->user) < 0 ||
                              add_header(q, "X-SLURM-USER-TOKEN", r->token) < 0))) {
        qerr_set(err, QERR_NOMEM, "cannot set up a slurmrestd request");
        req_free(q);
        return NULL;
    }
    CURL *e = q->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (r->unix_socket != NULL) {
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, r->unix_socket);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, REST_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, q);
    return q;
}

/* slurmrestd's first error: *num its error_number, text into msg. False when there is none. */
static bool first_error(const json_t *doc, long *num, char *msg, size_t sz)
{
    const json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
    if (!json_is_object(e)) {
        return false;
    }
    const json_t *n = json_object_get(e, "error_number");
    const char *d = json_string_value(json_object_get(e, "description"));
    const char *t = json_string_value(json_object_get(e, "error"));
    *num = json_is_integer(n) ? (long)json_integer_value(n) : 0;
    snprintf(msg, sz, "%s%s%s", t != NULL ? t : "", t != NULL && d != NULL ? ": " : "",
             d != NULL ? d : "");
    return true;
}

/*
 * Reads the answer of a finished transfer: *doc (new reference or NULL),
 * the HTTP status and, when the exchange failed, a message in msg.
 */
static bool req_result(struct rest_req *q, CURLcode rc, json_t **doc, long *status, long *enum_,
                       char *msg, size_t sz)
{
    *doc = NULL;
    *status = 0;
    *enum_ = 0;
    if (rc != CURLE_OK) {
        snprintf(msg, sz, "slurmrestd: %s", q->too_large ? "response too large"
                                                         : curl_easy_strerror(rc));
        return false;
    }
    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, status);
    *doc = json_loadb(q->resp.data != NULL ? q->resp.data : "", q->resp.len, 0, NULL);
    char e[200] = "";
    bool have = *doc != NULL && first_error(*doc, enum_, e, sizeof e);
    if (*status == 200 && !have && *doc != NULL) {
        return true;
    }
    snprintf(msg, sz, "slurmrestd: HTTP %ld%s%s", *status, have ? ": " : "",
             have ? e : (*doc == NULL ? ": not JSON" : ""));
    return false;
}

static void query_free(struct rest_query *qq)
{
    free(qq->ids);
    free(qq->st);
    free(qq);
}

static void query_finish_one(struct rest_query *qq)
{
    if (--qq->pending > 0) {
        return;
    }
    qq->cb(qq->arg, qq->st, qq->n, qq->error[0] != '\0' ? qq->error : NULL);
    query_free(qq);
}

/*
 * Adds what one answer says: jobs (borrowed, NULL when the request failed)
 * for the asked ids. Jobs not asked about (GET jobs lists them all) are skipped.
 */
static void query_answer(struct rest_query *qq, const json_t *jobs, long enumber, const char *msg)
{
    size_t i;
    const json_t *job;
    if (jobs == NULL && enumber != SLURM_ERR_INVALID_JOB_ID && qq->error[0] == '\0') {
        snprintf(qq->error, sizeof qq->error, "%s", msg);
    }
    json_array_foreach(jobs, i, job)
    {
        struct slurm_status st;
        struct qerr err = QERR_INIT;
        if (slurm_status_from_json(job, &st, &err) < 0) {
            log_warn("slurm: slurmrestd job ignored: %s", err.msg);
            continue;
        }
        for (size_t k = 0; k < qq->nids && qq->n < qq->nids; k++) {
            if (strcmp(qq->ids[k], st.job_id) == 0) {
                qq->st[qq->n++] = st;
                break;
            }
        }
    }
    query_finish_one(qq);
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
    struct rest_req *q = arg;
    json_t *doc;
    long status, enumber;
    char msg[300];
    (void)easy;
    req_unlink(q);
    bool ok = req_result(q, rc, &doc, &status, &enumber, msg, sizeof msg);
    switch (q->kind) {
    case REST_SUBMIT: {
        const json_t *id = json_object_get(doc, "job_id");
        char num[32];
        if (ok && json_is_integer(id)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
            q->cb.submit(q->arg, num, NULL);
        } else {
            q->cb.submit(q->arg, NULL, ok ? "slurmrestd: no job_id in the answer" : msg);
        }
        break;
    }
    case REST_QUERY:
        query_answer(q->q, ok ? json_object_get(doc, "jobs") : NULL, enumber, msg);
        break;
    case REST_CANCEL:
        q->cb.cancel(q->arg, ok || enumber == SLURM_ERR_INVALID_JOB_ID ? NULL : msg);
        break;
    }
    json_decref(doc);
    req_free(q);
}

static int req_start(struct rest *r, struct rest_req *q, struct qerr *err)
{
    if (curlm_add(r->m, q->easy, on_done, q, err) < 0) {
        req_free(q);
        return -1;
    }
    q->next = r->reqs;
    r->reqs = q;
    return 0;
}

static int rest_submit(struct slurm_tr *t, const struct slurm_spec *spec, const char *script,
                       slurm_submit_cb cb, void *arg, struct qerr *err)
{
    struct rest *r = (struct rest *)t;
    json_t *body = slurm_rest_submit_body(spec, script, r->version, err);
    if (body == NULL) {
        return -1;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    struct rest_req *q = req_new(r, REST_SUBMIT, "POST", "job/submit", text, err);
    if (q == NULL) {
        return -1;
    }
    q->cb.submit = cb;
    q->arg = arg;
    return req_start(r, q, err);
}

/* Starts GET path for qq; a failure to start is recorded as the query's error. */
static void query_get(struct rest *r, struct rest_query *qq, const char *path, size_t max)
{
    struct qerr err = QERR_INIT;
    struct rest_req *q = req_new(r, REST_QUERY, "GET", path, NULL, &err);
    if (q != NULL) {
        q->resp.max = max;
        q->q = qq;
        qq->pending++;
        if (req_start(r, q, &err) < 0) {
            qq->pending--;
        }
    }
    if (qerr_is_set(&err)) {
        snprintf(qq->error, sizeof qq->error, "%s", err.msg);
    }
}

static int rest_query(struct slurm_tr *t, const char *const *ids, size_t n, slurm_query_cb cb,
                      void *arg, struct qerr *err)
{
    struct rest *r = (struct rest *)t;
    struct rest_query *qq = calloc(1, sizeof *qq);
    if (qq == NULL || (qq->st = calloc(n + 1, sizeof *qq->st)) == NULL ||
        (qq->ids = calloc(n + 1, sizeof *qq->ids)) == NULL) {
        if (qq != NULL) {
            query_free(qq);
        }
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    qq->cb = cb;
    qq->arg = arg;
    qq->nids = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(qq->ids[i], sizeof qq->ids[i], "%s", ids[i]);
    }
    qq->pending = 1; /* held until every request is started */
    if (n > REST_PER_JOB_MAX) {
        log_debug("slurm: one GET jobs for %zu followed jobs", n);
        query_get(r, qq, "jobs", REST_LIST_MAX);
    }
    for (size_t i = 0; n <= REST_PER_JOB_MAX && i < n && qq->error[0] == '\0'; i++) {
        char path[64];
        snprintf(path, sizeof path, "job/%s", ids[i]);
        query_get(r, qq, path, REST_RESP_MAX);
    }
    query_finish_one(qq); /* answers now if nothing was started */
    return 0;
}

static int rest_cancel(struct slurm_tr *t, const char *id, slurm_cancel_cb cb, void *arg,
                       struct qerr *err)
{
    struct rest *r = (struct rest *)t;
    char path[64];
    snprintf(path, sizeof path, "job/%s", id);
    struct rest_req *q = req_new(r, REST_CANCEL, "DELETE", path, NULL, err);
    if (q == NULL) {
        return -1;
    }
    q->cb.cancel = cb;
    q->arg = arg;
    return req_start(r, q, err);
}

static void rest_free(struct slurm_tr *t)
{
    struct rest *r = (struct rest *)t;
    if (r == NULL) {
        return;
    }
    while (r->reqs != NULL) {
        struct rest_req *q = r->reqs;
        r->reqs = q->next;
        curlm_remove(r->m, q->easy);
        if (q->kind == REST_QUERY && --q->q->pending == 0) {
            query_free(q->q);
        }
        req_free(q);
    }
    curlm_free(r->m);
    free(r->base);
    free(r->unix_socket);
    free(r->version);
    free(r->user);
    free(r->token);
    free(r);
}

static const struct slurm_tr_ops rest_ops = {
    .name = "rest",
    .submit = rest_submit,
    .query = rest_query,
    .cancel = rest_cancel,
    .free = rest_free,
};

static int rest_parse_url(struct rest *r, const char *url, struct qerr *err)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/') {
        len--;
    }
    if (strncmp(url, "unix:", 5) == 0 && url[5] == '/') {
        r->unix_socket = strdup(url + 5);
        r->base = strdup("http://localhost");
    } else if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) {
        r->base = strndup(url, len);
    } else {
        qerr_set(err, QERR_INVALID,
                 "slurm.rest_url: expected unix:/path/to/socket or http(s)://host:port");
        return -1;
    }
    if (r->base == NULL || (strncmp(url, "unix:", 5) == 0 && r->unix_socket == NULL)) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

struct slurm_tr *slurm_rest_new(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct rest *r = calloc(1, sizeof *r);
    if (r == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    r->tr.ops = &rest_ops;
    if (rest_parse_url(r, cfg->slurm_rest_url, err) < 0) {
        goto fail;
    }
    if (strspn(cfg->slurm_rest_version, "v0123456789.") != strlen(cfg->slurm_rest_version) ||
        cfg->slurm_rest_version[0] != 'v') {
        qerr_set(err, QERR_INVALID, "slurm.rest_version: expected a version such as v0.0.38");
        goto fail;
    }
    r->version = strdup(cfg->slurm_rest_version);
    if (cfg->slurm_jwt_token[0] != '\0') {
        if (cfg->slurm_jwt_user[0] == '\0') {
            qerr_set(err, QERR_INVALID, "slurm.jwt_token needs slurm.jwt_user");
            goto fail;
        }
        r->user = strdup(cfg->slurm_jwt_user);
        r->token = strdup(cfg->slurm_jwt_token);
        if (r->user == NULL || r->token == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    r->m = curlm_new(ev, err);
    if (r->version == NULL || r->m == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto fail;
    }
    return &r->tr;
fail:
    rest_free(&r->tr);
    return NULL;
}
