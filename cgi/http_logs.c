// SPDX-License-Identifier: MIT
/*
 * http_logs - quern's own job resources: /jobs/{id}/logs (JSON
 * {jobID, processID, status, logs:[{seq, at, stream, line}]} or text/plain,
 * ?since=seq to follow a running job, ?limit= lines) and /jobs/{id}/metadata
 * (where and how the job ran). A log archived to S3 (storage.log_archive)
 * is read from its object, with the same paging.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"
#include "common/storage.h"

#define LOG_ARCHIVE_MAX (512u * 1024 * 1024)

static void send_text(struct http_req *r, const json_t *lines)
{
    struct buf out;
    buf_init(&out, 512 * 1024 * 1024);
    struct qerr err = QERR_INIT;
    size_t i;
    const json_t *l;
    json_array_foreach ((json_t *)lines, i, l) {
        const json_t *line = json_object_get(l, "line");
        if (buf_printf(&out, &err, "%s %s ", json_string_value(json_object_get(l, "at")),
                       json_string_value(json_object_get(l, "stream"))) < 0 ||
            buf_append(&out, json_string_value(line), json_string_length(line), &err) < 0 ||
            buf_puts(&out, "\n", &err) < 0) {
            break;
        }
    }
    if (qerr_is_set(&err)) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else {
        http_send(r, 200, "text/plain; charset=utf-8", buf_cstr(&out), out.len);
    }
    buf_cleanup(&out);
}

/* Lines of an archived log (JSON lines) with seq > since, at most limit. New reference. */
static json_t *archived_lines(struct http_req *r, const char *location, long since, long limit,
                              struct qerr *err)
{
    char *data = NULL;
    size_t len = 0;
    if (storage_read_all(&r->ctx->cfg, "s3", location, LOG_ARCHIVE_MAX, &data, &len, err) < 0) {
        return NULL;
    }
    json_t *arr = json_array();
    for (char *p = data; arr != NULL && p < data + len && (long)json_array_size(arr) < limit;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(data + len - p);
        json_error_t jerr;
        json_t *o = json_loadb(p, n, 0, &jerr);
        if (!json_is_object(o) || !json_is_integer(json_object_get(o, "seq"))) {
            json_decref(o);
            json_decref(arr);
            free(data);
            qerr_set(err, QERR_BACKEND, "archived log %s is not JSON lines", location);
            return NULL;
        }
        if (json_integer_value(json_object_get(o, "seq")) > since) {
            json_array_append_new(arr, o);
        } else {
            json_decref(o);
        }
        p += n + 1;
    }
    free(data);
    if (arr == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
    return arr;
}

void http_logs_get(struct http_req *r)
{
    static const char *const allowed[] = {"since", "limit", NULL};
    struct qerr err = QERR_INIT;
    struct db_api_job j;
    const char *id = r->segs[1];
    long since, limit;
    if (http_params_check(r, allowed, &err) < 0 ||
        http_param_long(r, "since", 0, 1L << 62, 0, &since, &err) < 0 ||
        http_param_long(r, "limit", 1, 100000, 10000, &limit, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    struct db *db = http_job_load(r, id, &j);
    if (db == NULL) {
        return;
    }
    char *archive = NULL;
    json_t *lines = NULL;
    if (db_api_job_log_location(db, id, &archive, &err) == 0) {
        lines = archive != NULL ? archived_lines(r, archive, since, limit, &err)
                                : db_api_job_logs(db, id, since, limit, &err);
    }
    free(archive);
    if (lines == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else if (r->fmt == HTTP_FMT_TEXT) {
        send_text(r, lines);
    } else {
        json_t *links = json_array();
        http_links_self(r, links);
        json_t *doc = json_pack("{s:s, s:s, s:s, s:O, s:o}", "jobID", j.id, "processID",
                                j.process_id, "status", j.status, "logs", lines, "links", links);
        char title[80];
        snprintf(title, sizeof title, "Logs of job %s", j.id);
        http_send_doc(r, 200, title, doc);
        json_decref(doc);
    }
    json_decref(lines);
    db_api_job_cleanup(&j);
}

void http_metadata_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    const char *id = r->segs[1];
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    if (http_job_id_bad(r, id)) {
        return;
    }
    struct db *db = api_db(r->ctx, &err);
    json_t *doc = db != NULL ? db_api_job_metadata(db, id, auth_job_scope(&r->auth), &err) : NULL;
    if (doc == NULL) {
        http_error_send(r, err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_JOB : HTTP_EXC_FROM_CODE,
                        &err);
        return;
    }
    json_t *links = json_array();
    http_links_self(r, links);
    json_object_set_new(doc, "links", links);
    char title[80];
    snprintf(title, sizeof title, "Metadata of job %s", id);
    http_send_doc(r, 200, title, doc);
    json_decref(doc);
}
