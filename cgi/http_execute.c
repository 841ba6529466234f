// SPDX-License-Identifier: MIT
/*
 * http_execute - POST /processes/{id}/execution.
 *
 * parse (body, execute request) -> validate (inputs against the process's
 * input schemas, outputs, response, subscriber) -> choose sync or async
 * (Prefer and jobControlOptions) -> insert the job -> answer: async 201 +
 * Location + statusInfo; sync waits for NOTIFY quern_done of its job,
 * bounded by api.sync_timeout and Prefer wait=, then answers the results
 * (or the job's exception), or, past the bound, as async when the process
 * allows it, else 504. A body from the HTML execute form (urlencoded,
 * cgi/html_form.c) becomes the same JSON request, always runs async and is
 * answered 303 See Other to the job's page.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/html_form.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_io.h"
#include "cgi/http_params.h"
#include "cgi/http_req.h"
#include "cgi/http_resp.h"
#include "cgi/pcache.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/qstr.h"
#include "common/validate.h"

struct exec {
    struct db_api_process proc;
    json_t *desc;      /* parsed description (owned) */
    json_t *request;   /* the request stored on the job (owned) */
    bool sync_ok, async_ok;
    bool sync;         /* the chosen mode */
    bool form;         /* submitted by the HTML form: async, answered 303 to the job's page */
    struct http_prefer prefer;
};

static bool has_str(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach ((json_t *)arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return true;
        }
    }
    return false;
}

static int check_outputs(const json_t *outputs, const json_t *desc, json_t *req, struct qerr *err)
{
    if (outputs == NULL) {
        json_object_set_new(req, "outputs", json_object());
        return 0;
    }
    if (!json_is_object(outputs)) {
        qerr_set(err, QERR_INVALID, "outputs must be an object keyed by output id");
        return -1;
    }
    const json_t *known = json_object_get(desc, "outputs");
    const json_t *modes = json_object_get(desc, "outputTransmission");
    const char *id;
    const json_t *o;
    json_object_foreach ((json_t *)outputs, id, o) {
        if (json_object_get(known, id) == NULL) {
            qerr_set(err, QERR_INVALID, "unknown output '%.100s'", id);
            return -1;
        }
        if (!json_is_object(o)) {
            qerr_set(err, QERR_INVALID, "output '%.100s' must be an object", id);
            return -1;
        }
        const json_t *tm = json_object_get(o, "transmissionMode");
        const char *m = json_string_value(tm);
        if (tm != NULL && (m == NULL || (strcmp(m, "value") != 0 && strcmp(m, "reference") != 0))) {
            qerr_set(err, QERR_INVALID, "output '%.100s': transmissionMode must be value or reference",
                     id);
            return -1;
        }
        if (m != NULL && json_is_array(modes) && !has_str(modes, m)) {
            qerr_set(err, QERR_INVALID, "output '%.100s': transmissionMode %s is not supported", id,
                     m);
            return -1;
        }
    }
    json_object_set(req, "outputs", (json_t *)outputs);
    return 0;
}

static bool http_url(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
           strlen(s) < 2048;
}

static int check_subscriber(const json_t *sub, json_t *req, struct qerr *err)
{
    if (sub == NULL) {
        return 0;
    }
    if (!json_is_object(sub)) {
        qerr_set(err, QERR_INVALID, "subscriber must be an object");
        return -1;
    }
    static const char *const keys[] = {"successUri", "inProgressUri", "failedUri"};
    const char *k;
    const json_t *v;
    json_object_foreach ((json_t *)sub, k, v) {
        bool known = false;
        for (size_t i = 0; i < QUERN_ARRAY_LEN(keys); i++) {
            known = known || strcmp(k, keys[i]) == 0;
        }
        if (!known || !http_url(v)) {
            qerr_set(err, QERR_INVALID, "subscriber.%.40s must be one of successUri, inProgressUri, "
                     "failedUri with an http(s) URL", k);
            return -1;
        }
    }
    if (json_object_get(sub, "successUri") == NULL) {
        qerr_set(err, QERR_INVALID, "subscriber.successUri is required");
        return -1;
    }
    json_object_set(req, "subscriber", (json_t *)sub);
    return 0;
}

/* The SSRF guard on input references: every {"href": ...} occurrence (validated inputs hold
 * them as values or array items) must not point at a private address (common/netaddr). */
static int check_hrefs(const json_t *inputs, const struct cfg *cfg, struct qerr *err)
{
    const char *id;
    const json_t *v;
    json_object_foreach ((json_t *)inputs, id, v) {
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        for (size_t i = 0; i < n; i++) {
            const json_t *one = json_is_array(v) ? json_array_get(v, i) : v;
            const char *href = json_string_value(json_object_get(one, "href"));
            if (href != NULL && netaddr_url_check(href, cfg->api_href_allow_private,
                                                  &cfg->api_href_allow_networks, err) < 0) {
                struct qerr named = QERR_INIT;
                qerr_set(&named, err->code, "input %.60s: %s", id, err->msg);
                *err = named;
                return -1;
            }
        }
    }
    return 0;
}

/* Builds x->request from the execute request body. */
static int build_request(struct exec *x, const json_t *body, struct qerr *err)
{
    if (!json_is_object(body)) {
        qerr_set(err, QERR_INVALID, "the execute request must be a JSON object");
        return -1;
    }
    static const char *const members[] = {"inputs", "outputs", "response", "subscriber"};
    const char *key;
    const json_t *val;
    json_object_foreach ((json_t *)body, key, val) {
        bool known = false;
        for (size_t i = 0; i < QUERN_ARRAY_LEN(members); i++) {
            known = known || strcmp(key, members[i]) == 0;
        }
        if (!known) {
            qerr_set(err, QERR_INVALID,
                     "unknown member '%.60s' in the execute request (inputs, outputs, response, "
                     "subscriber)",
                     key);
            return -1;
        }
    }
    x->request = json_object();
    const json_t *resp = json_object_get(body, "response");
    const char *rs = json_string_value(resp);
    if (resp != NULL && (rs == NULL || (strcmp(rs, "raw") != 0 && strcmp(rs, "document") != 0))) {
        qerr_set(err, QERR_INVALID, "response must be raw or document");
        return -1;
    }
    /* Kept only when given: a sync answer without it is raw (the 1.0 default), while
     * GET /jobs/{id}/results answers raw only to a request that asked for raw. */
    if (rs != NULL) {
        json_object_set_new(x->request, "response", json_string(rs));
    }
    json_t *inputs = validate_inputs(json_object_get(x->desc, "inputs"),
                                     json_object_get(body, "inputs"), err);
    if (inputs == NULL) {
        return -1;
    }
    json_object_set_new(x->request, "inputs", inputs);
    if (check_outputs(json_object_get(body, "outputs"), x->desc, x->request, err) < 0 ||
        check_subscriber(json_object_get(body, "subscriber"), x->request, err) < 0) {
        return -1;
    }
    return 0;
}

static void choose_mode(struct exec *x, const struct http_req *r)
{
    const json_t *jco = json_object_get(x->desc, "jobControlOptions");
    x->sync_ok = !json_is_array(jco) || has_str(jco, "sync-execute");
    x->async_ok = has_str(jco, "async-execute");
    if (!x->sync_ok && !x->async_ok) {
        x->sync_ok = true;
    }
    http_prefer_parse(r->prefer, &x->prefer);
    x->sync = x->prefer.respond_async ? !x->async_ok : x->sync_ok;
}

static int insert_job(struct exec *x, const struct http_req *r, struct db *db,
                      struct db_api_job *job, struct qerr *err)
{
    const json_t *def = x->proc.definition;
    const char *backend = json_string_value(json_object_get(json_object_get(def, "host"), "type"));
    const json_t *config = json_object_get(def, "config");
    const json_t *prio = json_object_get(config, "priority");
    const json_t *att = json_object_get(config, "maxAttempts");
    char *req = json_dumps(x->request, JSON_COMPACT);
    char *deftext = json_dumps(def, JSON_COMPACT);
    int rc = -1;
    if (req == NULL || deftext == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    } else {
        rc = db_api_job_insert(db, &x->proc, x->sync ? "sync" : "async", auth_job_submitter(&r->auth), req,
                               deftext, backend != NULL ? backend : "local",
                               json_is_integer(prio) ? (long)json_integer_value(prio) : 0,
                               json_is_integer(att) && json_integer_value(att) >= 1
                                   ? (long)json_integer_value(att)
                                   : 1,
                               job, err);
    }
    free(req);
    free(deftext);
    return rc;
}

static void answer_async(struct http_req *r, const struct exec *x, const struct db_api_job *job)
{
    json_t *doc = http_job_status_info(r, job);
    http_header_add(r, "Location", "%s/jobs/%s", r->base, job->id);
    if (x->prefer.respond_async && x->async_ok) {
        http_header_add(r, "Preference-Applied", "respond-async");
    }
    http_send_json(r, 201, doc);
    json_decref(doc);
}

static bool terminal(const char *status)
{
    return strcmp(status, "successful") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "dismissed") == 0;
}

/* Waits for the job to end; job is refreshed. 1 ended, 0 timed out, -1 error. */
static int wait_job(struct db *db, struct http_req *r, const struct exec *x,
                    struct db_api_job *job, struct qerr *err)
{
    long limit = r->ctx->cfg.api_sync_timeout;
    if (x->prefer.wait >= 0 && x->prefer.wait < limit) {
        limit = x->prefer.wait;
    }
    long left_ms = limit * 1000;
    char id[40];
    snprintf(id, sizeof id, "%s", job->id);
    while (left_ms > 0) {
        long slice = left_ms < 2000 ? left_ms : 2000;
        bool changed = false;
        int rc = db_api_wait_done(db, id, slice, &changed, err);
        if (changed) {
            pcache_clear(r->ctx);
        }
        if (rc < 0) {
            return -1;
        }
        left_ms -= slice;
        /* Re-read after a notification and every slice: NOTIFY is only a hint. */
        db_api_job_cleanup(job);
        if (db_api_job_get(db, id, NULL, job, err) < 0) {
            return -1;
        }
        if (terminal(job->status)) {
            return 1;
        }
    }
    return 0;
}

static void answer_sync(struct http_req *r, const struct exec *x, struct db *db,
                        struct db_api_job *job)
{
    struct qerr err = QERR_INIT;
    int rc = wait_job(db, r, x, job, &err);
    if (rc < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    if (rc == 0) {
        if (x->async_ok) {
            answer_async(r, x, job);
            return;
        }
        qerr_set(&err, QERR_TIMEOUT, "job %s did not finish within the wait; see %s/jobs/%s",
                 job->id, r->base, job->id);
        http_header_add(r, "Link", "<%s/jobs/%s>; rel=monitor", r->base, job->id);
        http_error_send(r, HTTP_EXC_SYNC_TIMEOUT, &err);
        return;
    }
    /* RFC 8288: rel takes a token or a quoted string; the token form also suits the
     * simple parsers of some clients. */
    http_header_add(r, "Link", "<%s/jobs/%s>; rel=monitor", r->base, job->id);
    if (x->prefer.wait >= 0) {
        http_header_add(r, "Preference-Applied", "wait=%ld", x->prefer.wait);
    }
    if (strcmp(job->status, "successful") == 0) {
        http_results_send(r, job, 200, true);
    } else if (strcmp(job->status, "failed") == 0) {
        http_error_send_job(r, job->exception);
    } else {
        qerr_set(&err, QERR_NOTFOUND, "job %s was dismissed", job->id);
        http_error_send(r, HTTP_EXC_NO_SUCH_JOB, &err);
    }
}

/* The execute request of an HTML form body (html_form.c). New reference or NULL with err. */
static json_t *form_body(struct http_req *r, const json_t *desc, struct qerr *err)
{
    if (desc == NULL || (r->body == NULL && http_req_read_body(r, err) < 0)) {
        return NULL;
    }
    return html_form_decode(r->body, r->body_len, json_object_get(desc, "inputs"),
                            r->ctx->cfg.api_max_depth, err);
}

/* The form's answer: 303 See Other to the new job's page. */
static void answer_form(struct http_req *r, const struct db_api_job *job)
{
    static const char body[] = "The job was created; see its page.\n";
    http_header_add(r, "Location", "%s/jobs/%s?f=html", r->base, job->id);
    http_send(r, 303, "text/plain; charset=utf-8", body, sizeof body - 1);
}

/* Loads the process and parses the body; answers and returns -1 on failure. */
static int prepare(struct http_req *r, struct exec *x, struct db **db)
{
    struct qerr err = QERR_INIT;
    const char *id = r->segs[1];
    enum http_exc exc = HTTP_EXC_FROM_CODE;
    json_t *body = NULL;
    if (http_params_check(r, NULL, &err) < 0) {
        goto fail;
    }
    if (!qstr_is_id(id, 128)) {
        qerr_set(&err, QERR_NOTFOUND, "no process with that id");
        exc = HTTP_EXC_NO_SUCH_PROCESS;
        goto fail;
    }
    *db = api_db(r->ctx, &err);
    if (*db == NULL) {
        goto fail;
    }
    if (!pcache_get(r->ctx, id, true, &x->proc)) {
        if (db_api_process_get(*db, id, true, &x->proc, &err) < 0) {
            exc = err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_PROCESS : HTTP_EXC_FROM_CODE;
            goto fail;
        }
        pcache_put(r->ctx, &x->proc);
    }
    if (!auth_may_execute(&r->auth, x->proc.definition)) {
        http_auth_deny(r, "execute this process");
        return -1;
    }
    if (!x->proc.available) {
        qerr_set(&err, QERR_NOTFOUND, "process %s is no longer available", id);
        exc = HTTP_EXC_NOT_AVAILABLE;
        goto fail;
    }
    x->desc = json_loadb(x->proc.description, x->proc.description_len, 0, NULL);
    x->form = html_form_is_urlencoded(r->content_type);
    if (x->form && !html_form_origin_ok(http_io_getenv(r->io, "HTTP_ORIGIN"), r->base)) {
        qerr_set(&err, QERR_INVALID, "a form of another site cannot run processes here");
        exc = HTTP_EXC_FORBIDDEN;
        goto fail;
    }
    body = x->form ? form_body(r, x->desc, &err) : http_req_json_body(r, &err);
    if (x->desc == NULL || body == NULL || build_request(x, body, &err) < 0 ||
        check_hrefs(json_object_get(x->request, "inputs"), &r->ctx->cfg, &err) < 0) {
        goto fail;
    }
    json_decref(body);
    choose_mode(x, r);
    x->sync = x->sync && !x->form; /* a browser watches the job's page instead */
    return 0;
fail:
    json_decref(body);
    http_error_send(r, exc, &err);
    return -1;
}

void http_execute_post(struct http_req *r)
{
    struct exec x;
    memset(&x, 0, sizeof x);
    struct db *db = NULL;
    struct db_api_job job;
    memset(&job, 0, sizeof job);
    struct qerr err = QERR_INIT;
    if (prepare(r, &x, &db) < 0) {
        goto out;
    }
    if (x.sync && !r->ctx->listening) {
        if (db_listen(db, "quern_done", &err) < 0) {
            http_error_send(r, HTTP_EXC_FROM_CODE, &err);
            goto out;
        }
        r->ctx->listening = true;
    }
    if (insert_job(&x, r, db, &job, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        goto out;
    }
    log_info("job=%s process=%s mode=%s submitted", job.id, job.process_id,
             x.sync ? "sync" : "async");
    if (x.sync) {
        answer_sync(r, &x, db, &job);
    } else if (x.form) {
        answer_form(r, &job);
    } else {
        answer_async(r, &x, &job);
    }
out:
    db_api_job_cleanup(&job);
    db_api_process_cleanup(&x.proc);
    json_decref(x.desc);
    json_decref(x.request);
}
