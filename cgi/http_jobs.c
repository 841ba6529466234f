// SPDX-License-Identifier: MIT
/*
 * http_jobs - the job list (/jobs with its filters and keyset paging on
 * (created, id), newest first), one job's statusInfo (/jobs/{id}) and
 * dismiss (DELETE /jobs/{id}). When the front server authenticated the
 * request (REMOTE_USER), only that user's jobs exist for it.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"
#include "common/qstr.h"

#define OGC_REL "http://www.opengis.net/def/rel/ogc/1.0/"

bool http_job_id_bad(struct http_req *r, const char *id)
{
    if (qstr_is_uuid(id)) {
        return false;
    }
    struct qerr err = QERR_INIT;
    qerr_set(&err, QERR_NOTFOUND, "no such job");
    http_error_send(r, HTTP_EXC_NO_SUCH_JOB, &err);
    return true;
}

struct db *http_job_load(struct http_req *r, const char *id, struct db_api_job *j)
{
    struct qerr err = QERR_INIT;
    if (http_job_id_bad(r, id)) {
        return NULL;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL || db_api_job_get(db, id, auth_job_scope(&r->auth), j, &err) < 0) {
        http_error_send(r, err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_JOB : HTTP_EXC_FROM_CODE,
                        &err);
        return NULL;
    }
    return db;
}

static void set_opt(json_t *o, const char *key, const char *v)
{
    if (v != NULL) {
        json_object_set_new(o, key, json_string(v));
    }
}

json_t *http_job_status_info(const struct http_req *r, const struct db_api_job *j)
{
    json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "jobID", j->id, "type", "process", "processID",
                          j->process_id, "status", j->status);
    if (s == NULL) {
        return NULL;
    }
    set_opt(s, "message", j->message);
    set_opt(s, "created", j->created);
    set_opt(s, "started", j->started);
    set_opt(s, "finished", j->finished);
    set_opt(s, "updated", j->updated);
    if (j->progress >= 0) {
        json_object_set_new(s, "progress", json_integer(j->progress));
    } else if (strcmp(j->status, "successful") == 0) {
        json_object_set_new(s, "progress", json_integer(100));
    }
    char url[2048];
    json_t *links = json_array();
    snprintf(url, sizeof url, "%s/jobs/%s", r->base, j->id);
    http_link_add(links, url, "self", "application/json", "job status");
    http_link_add(links, url, "monitor", "application/json", "job status");
    snprintf(url, sizeof url, "%s/jobs/%s?f=html", r->base, j->id);
    http_link_add(links, url, "alternate", "text/html", "job status as HTML");
    if (strcmp(j->status, "successful") == 0) {
        snprintf(url, sizeof url, "%s/jobs/%s/results", r->base, j->id);
        http_link_add(links, url, OGC_REL "results", "application/json", "job results");
    }
    snprintf(url, sizeof url, "%s/jobs/%s/logs", r->base, j->id);
    http_link_add(links, url, "related", "application/json", "job logs");
    snprintf(url, sizeof url, "%s/jobs/%s/metadata", r->base, j->id);
    http_link_add(links, url, "describedby", "application/json", "job metadata");
    json_object_set_new(s, "links", links);
    return s;
}

static bool status_ok(const char *v)
{
    static const char *const st[] = {"accepted", "running", "successful", "failed", "dismissed"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(st); i++) {
        if (strcmp(v, st[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool type_ok(const char *v)
{
    return strcmp(v, "process") == 0 || strcmp(v, "wps") == 0;
}

static bool pid_ok(const char *v)
{
    return qstr_is_id(v, 128);
}

/* Splits datetime (instant, or interval a/b with ".." or "" for an open end). */
static int parse_datetime(const char *dt, char *from, char *to, size_t sz, struct qerr *err)
{
    from[0] = to[0] = '\0';
    if (dt == NULL) {
        return 0;
    }
    const char *slash = strchr(dt, '/');
    size_t alen = slash != NULL ? (size_t)(slash - dt) : strlen(dt);
    const char *b = slash != NULL ? slash + 1 : dt;
    if (alen >= sz || strlen(b) >= sz || strchr(b, '/') != NULL || (alen == 0 && slash == NULL)) {
        qerr_set(err, QERR_INVALID, "datetime must be an RFC 3339 instant or interval");
        return -1;
    }
    if (!(alen == 2 && strncmp(dt, "..", 2) == 0) && alen > 0) {
        memcpy(from, dt, alen);
        from[alen] = '\0';
    }
    if (strcmp(b, "..") != 0 && *b != '\0') {
        snprintf(to, sz, "%s", b);
    }
    for (const char *p = dt; *p != '\0'; p++) {
        if (!((*p >= '0' && *p <= '9') || strchr("-:.+TZtz/ ", *p) != NULL)) {
            qerr_set(err, QERR_INVALID, "datetime must be an RFC 3339 instant or interval");
            return -1;
        }
    }
    return 0;
}

struct list_query {
    struct buf pids, statuses;
    char from[64], to[64], mind[24], maxd[24];
    bool none; /* a filter that no job can match (type without "process") */
};

static int build_filter(const struct http_req *r, struct list_query *q,
                        struct db_api_job_filter *f, struct qerr *err)
{
    bool has_pids, has_status, has_type;
    long limit, mind, maxd;
    struct buf types;
    buf_init(&types, 4096);
    int rc = -1;
    if (http_param_list(r, "processID", pid_ok, &q->pids, &has_pids, err) < 0 ||
        http_param_list(r, "status", status_ok, &q->statuses, &has_status, err) < 0 ||
        http_param_list(r, "type", type_ok, &types, &has_type, err) < 0 ||
        http_param_long(r, "limit", 1, 10000, 10, &limit, err) < 0 ||
        http_param_long(r, "minDuration", 0, 1L << 40, -1, &mind, err) < 0 ||
        http_param_long(r, "maxDuration", 0, 1L << 40, -1, &maxd, err) < 0 ||
        parse_datetime(http_param(r, "datetime"), q->from, q->to, sizeof q->from, err) < 0) {
        goto out;
    }
    const char *after = http_param(r, "after");
    if (after != NULL && !qstr_is_uuid(after)) {
        qerr_set(err, QERR_INVALID, "after must be a job id");
        goto out;
    }
    q->none = has_type && strstr(buf_cstr(&types), "\"process\"") == NULL;
    snprintf(q->mind, sizeof q->mind, "%ld", mind);
    snprintf(q->maxd, sizeof q->maxd, "%ld", maxd);
    f->process_ids = has_pids ? buf_cstr(&q->pids) : NULL;
    f->statuses = has_status ? buf_cstr(&q->statuses) : NULL;
    f->created_from = q->from[0] != '\0' ? q->from : NULL;
    f->created_to = q->to[0] != '\0' ? q->to : NULL;
    f->min_duration = mind >= 0 ? q->mind : NULL;
    f->max_duration = maxd >= 0 ? q->maxd : NULL;
    f->submitter = auth_job_scope(&r->auth);
    f->after = after;
    f->limit = limit + 1;
    rc = 0;
out:
    buf_cleanup(&types);
    return rc;
}

void http_jobs_list(struct http_req *r)
{
    static const char *const allowed[] = {"processID", "status",      "type",  "datetime",
                                          "limit",     "minDuration", "maxDuration", "after",
                                          NULL};
    struct qerr err = QERR_INIT;
    struct list_query q;
    memset(&q, 0, sizeof q);
    buf_init(&q.pids, 64 * 1024);
    buf_init(&q.statuses, 4096);
    struct db_api_job_filter f;
    memset(&f, 0, sizeof f);
    struct db_api_job *jobs = NULL;
    size_t n = 0;
    json_t *doc = NULL;
    if (http_params_check(r, allowed, &err) < 0 || build_filter(r, &q, &f, &err) < 0) {
        goto out;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL || (!q.none && db_api_job_list(db, &f, &jobs, &n, &err) < 0)) {
        goto out;
    }
    bool more = n == (size_t)f.limit;
    size_t shown = more ? n - 1 : n;
    json_t *arr = json_array();
    for (size_t i = 0; i < shown; i++) {
        json_array_append_new(arr, http_job_status_info(r, &jobs[i]));
    }
    json_t *links = json_array();
    http_links_self(r, links);
    if (more) {
        char url[4096];
        http_page_url(r, "after", jobs[shown - 1].id, url, sizeof url);
        http_link_add(links, url, "next", r->fmt == HTTP_FMT_HTML ? "text/html" : "application/json",
                      "next page");
    }
    doc = json_pack("{s:o, s:o}", "jobs", arr, "links", links);
    http_send_doc(r, 200, "Jobs", doc);
out:
    if (!r->answered) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    }
    for (size_t i = 0; i < n; i++) {
        db_api_job_cleanup(&jobs[i]);
    }
    free(jobs);
    json_decref(doc);
    buf_cleanup(&q.pids);
    buf_cleanup(&q.statuses);
}

void http_job_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct db_api_job j;
    const char *id = r->segs[1];
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    if (http_job_load(r, id, &j) == NULL) {
        return;
    }
    json_t *doc = http_job_status_info(r, &j);
    char title[80];
    snprintf(title, sizeof title, "Job %s", j.id);
    http_send_doc(r, 200, title, doc);
    json_decref(doc);
    db_api_job_cleanup(&j);
}

void http_job_delete(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct db_api_job j;
    const char *id = r->segs[1];
    if (http_job_id_bad(r, id)) {
        return;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL || db_api_job_dismiss(db, id, auth_job_scope(&r->auth), &j, &err) < 0) {
        http_error_send(r, err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_JOB : HTTP_EXC_FROM_CODE,
                        &err);
        return;
    }
    /* A running job is being stopped by its runner: to the client it is dismissed. */
    free(j.status);
    j.status = strdup("dismissed");
    json_t *doc = j.status != NULL ? http_job_status_info(r, &j) : NULL;
    if (doc == NULL) {
        qerr_set(&err, QERR_NOMEM, "out of memory");
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else {
        http_send_json(r, 200, doc);
    }
    json_decref(doc);
    db_api_job_cleanup(&j);
}
