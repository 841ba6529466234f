// SPDX-License-Identifier: MIT
/*
 * http_error - the table from errors to HTTP statuses and OGC exception
 * types, and the exception document. See http_error.h.
 */
#include "common/compat.h"

#include <string.h>

#include "cgi/http_error.h"
#include "cgi/http_resp.h"
#include "common/log.h"

#define OGC_EXC "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
#define OGC_EXC2 "http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/"

struct exc_row {
    int status;
    const char *type;
    const char *title;
};

static const struct exc_row exc_tab[HTTP_EXC__COUNT] = {
    [HTTP_EXC_FROM_CODE] = {0, NULL, NULL},
    [HTTP_EXC_NO_SUCH_PROCESS] = {404, OGC_EXC "no-such-process", "No such process"},
    [HTTP_EXC_NO_SUCH_JOB] = {404, OGC_EXC "no-such-job", "No such job"},
    [HTTP_EXC_NO_SUCH_OUTPUT] = {404, OGC_EXC "no-such-output", "No such output"},
    [HTTP_EXC_RESULT_NOT_READY] = {404, OGC_EXC "result-not-ready", "Result not ready"},
    [HTTP_EXC_NOT_FOUND] = {404, OGC_EXC "not-found", "Not found"},
    [HTTP_EXC_METHOD] = {405, OGC_EXC "method-not-allowed", "Method not allowed"},
    [HTTP_EXC_SYNC_TIMEOUT] = {504, OGC_EXC "timeout", "The job did not finish in time"},
    [HTTP_EXC_NOT_AVAILABLE] = {404, OGC_EXC "no-such-process", "Process no longer available"},
    [HTTP_EXC_DB_DOWN] = {503, OGC_EXC "service-unavailable", "The job database is unavailable"},
    [HTTP_EXC_UNAUTHORIZED] = {401, OGC_EXC "unauthorized", "Authentication required"},
    [HTTP_EXC_FORBIDDEN] = {403, OGC_EXC "forbidden", "Not allowed"},
    [HTTP_EXC_UNSUPPORTED_MEDIA] = {415, OGC_EXC2 "unsupported-media-type",
                                    "Unsupported media type"},
    [HTTP_EXC_DUPLICATED_PROCESS] = {409, OGC_EXC2 "duplicated-process",
                                     "A process with this id exists"},
    [HTTP_EXC_IMMUTABLE_PROCESS] = {403, OGC_EXC2 "immutable-process",
                                    "The process cannot be replaced or undeployed"},
};

static const struct exc_row code_tab[] = {
    [QERR_OK] = {500, OGC_EXC "server-error", "Internal server error"},
    [QERR_NOMEM] = {500, OGC_EXC "server-error", "Out of memory"},
    [QERR_INVALID] = {400, OGC_EXC "invalid-parameter-value", "Invalid request"},
    [QERR_NOTFOUND] = {404, OGC_EXC "not-found", "Not found"},
    [QERR_CONFLICT] = {409, OGC_EXC "conflict", "Conflict"},
    [QERR_DB] = {503, OGC_EXC "service-unavailable", "The job database is unavailable"},
    [QERR_BACKEND] = {502, OGC_EXC "backend-error", "Backend error"},
    [QERR_TIMEOUT] = {503, OGC_EXC "service-unavailable", "The database did not answer in time"},
    [QERR_TOO_LARGE] = {413, OGC_EXC "payload-too-large", "Request too large"},
    [QERR_INTERNAL] = {500, OGC_EXC "server-error", "Internal server error"},
};

static const struct exc_row *row_of(enum http_exc exc, enum qerr_code code)
{
    if (exc != HTTP_EXC_FROM_CODE && (size_t)exc < QUERN_ARRAY_LEN(exc_tab)) {
        return &exc_tab[exc];
    }
    if ((size_t)code >= QUERN_ARRAY_LEN(code_tab)) {
        code = QERR_INTERNAL;
    }
    return &code_tab[code];
}

int http_error_status(enum http_exc exc, enum qerr_code code)
{
    return row_of(exc, code)->status;
}

void http_error_send(struct http_req *r, enum http_exc exc, const struct qerr *err)
{
    enum qerr_code code = err != NULL ? err->code : QERR_INTERNAL;
    const struct exc_row *row = row_of(exc, code);
    const char *detail = err != NULL && err->msg[0] != '\0' ? err->msg : row->title;
    if (row->status >= 500) {
        log_error("%s %s: %d %s", r->method_name, r->path, row->status,
                  err != NULL ? err->msg : "");
        if (code == QERR_DB || exc == HTTP_EXC_DB_DOWN || code == QERR_NOMEM ||
            code == QERR_INTERNAL) {
            detail = row->title; /* never show connection strings or internals */
        }
    }
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", row->type, "title", row->title,
                            "status", row->status, "detail", detail, "instance", r->path);
    if (doc == NULL) {
        http_send(r, row->status, "application/json", "{}", 2);
        return;
    }
    enum http_fmt fmt = r->fmt;
    r->fmt = HTTP_FMT_JSON;
    http_send_json(r, row->status, doc);
    r->fmt = fmt;
    json_decref(doc);
}

void http_error_send_long(struct http_req *r, enum http_exc exc, enum qerr_code code,
                          const char *detail, const json_t *extra)
{
    const struct exc_row *row = row_of(exc, code);
    if (row->status >= 500 || detail == NULL) {
        struct qerr e = QERR_INIT;
        qerr_set(&e, code, "%.200s", detail != NULL ? detail : "");
        http_error_send(r, exc, &e);
        return;
    }
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s%, s:s}", "type", row->type, "title", row->title,
                            "status", row->status, "detail", detail, strnlen(detail, 8192),
                            "instance", r->path);
    if (doc == NULL) {
        http_send(r, row->status, "application/json", "{}", 2);
        return;
    }
    if (json_is_object(extra)) {
        json_object_update_missing(doc, (json_t *)extra);
    }
    enum http_fmt fmt = r->fmt;
    r->fmt = HTTP_FMT_JSON;
    http_send_json(r, row->status, doc);
    r->fmt = fmt;
    json_decref(doc);
}

void http_error_send_job(struct http_req *r, const json_t *exception)
{
    json_t *doc = json_is_object(exception) ? json_deep_copy(exception) : json_object();
    if (doc == NULL) {
        http_send(r, 500, "application/json", "{}", 2);
        return;
    }
    json_int_t status = json_integer_value(json_object_get(doc, "status"));
    if (status < 400 || status > 599) {
        status = 500;
    }
    if (!json_is_string(json_object_get(doc, "type"))) {
        json_object_set_new(doc, "type", json_string(OGC_EXC "job-failed"));
    }
    if (!json_is_string(json_object_get(doc, "title"))) {
        json_object_set_new(doc, "title", json_string("The job failed"));
    }
    json_object_set_new(doc, "status", json_integer(status));
    http_send_json(r, (int)status, doc);
    json_decref(doc);
}
