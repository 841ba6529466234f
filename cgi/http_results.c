// SPDX-License-Identifier: MIT
/*
 * http_results - results of a successful job: /jobs/{id}/results, one
 * output at /jobs/{id}/results/{outputId}, and the body of a successful
 * sync execute. An output is a value from jobs.results or a file of
 * job_files. The results document maps outputId to the value or to a link
 * {href, type}; raw responses are the value itself (one output) or
 * multipart/related with one part per output (RFC 2387). A sync execute
 * answers raw unless its request asked for a document (raw is the 1.0
 * default); /jobs/{id}/results answers raw only when the request said
 * "response": "raw", so clients that never asked get the document.
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
#include "common/storage.h"

#define FILE_MAX (256u * 1024 * 1024)

struct results {
    const struct db_api_job *job;
    json_t *files;  /* [{outputId, name, type, bytes}] */
    json_t *wanted; /* request.outputs (borrowed), {} or NULL: all */
};

static bool wanted(const struct results *rs, const char *id)
{
    return !json_is_object(rs->wanted) || json_object_size(rs->wanted) == 0 ||
           json_object_get(rs->wanted, id) != NULL;
}

static bool by_reference(const struct results *rs, const char *id)
{
    const json_t *o = json_object_get(rs->wanted, id);
    const char *mode = json_string_value(json_object_get(o, "transmissionMode"));
    return mode != NULL && strcmp(mode, "reference") == 0;
}

/* Whether v is a bounding box the official bbox schema accepts as it is (4 or 6 numbers,
 * CRS84 or no crs): such a value is valid bare in a results document, and only bare. */
static bool plain_bbox(const json_t *v)
{
    const json_t *b = json_object_get(v, "bbox");
    const json_t *crs = json_object_get(v, "crs");
    size_t n = json_array_size(b);
    if ((n != 4 && n != 6) || json_object_size(v) != (crs != NULL ? 2u : 1u)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_is_number(json_array_get(b, i))) {
            return false;
        }
    }
    const char *c = json_string_value(crs);
    return crs == NULL || (c != NULL && (strcmp(c, "http://www.opengis.net/def/crs/OGC/1.3/CRS84") == 0 ||
                                         strcmp(c, "http://www.opengis.net/def/crs/OGC/0/CRS84h") == 0));
}

static json_t *output_link(const struct http_req *r, const struct results *rs, const char *id,
                           const char *type)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/jobs/%s/results/%s", r->base, rs->job->id, id);
    return json_pack("{s:s, s:s, s:s}", "href", url, "type", type, "rel",
                     "http://www.opengis.net/def/rel/iana/1.0/item");
}

/* {outputId: value or link} of the wanted outputs. New reference. */
static json_t *results_document(const struct http_req *r, const struct results *rs)
{
    json_t *doc = json_object();
    const char *id;
    json_t *v;
    json_object_foreach (rs->job->results, id, v) {
        if (!wanted(rs, id)) {
            continue;
        }
        bool ref = by_reference(rs, id);
        json_t *item;
        if (ref) {
            item = output_link(r, rs, id, json_is_string(v) ? "text/plain" : "application/json");
        } else if (json_is_object(v) && json_object_get(v, "value") == NULL &&
                   json_object_get(v, "href") == NULL && !plain_bbox(v)) {
            /* Any other object is only unambiguous as a qualified value. */
            item = json_pack("{s:O, s:s}", "value", v, "mediaType", "application/json");
        } else {
            item = json_incref(v);
        }
        json_object_set_new(doc, id, item);
    }
    size_t i;
    const json_t *f;
    json_array_foreach (rs->files, i, f) {
        const char *oid = json_string_value(json_object_get(f, "outputId"));
        if (wanted(rs, oid) && json_object_get(doc, oid) == NULL) {
            json_object_set_new(doc, oid,
                                output_link(r, rs, oid, json_string_value(json_object_get(f, "type"))));
        }
    }
    return doc;
}

/* The bytes and media type of one output; *body is owned by the caller. */
static int output_bytes(struct http_req *r, const struct results *rs, const char *id, char **body,
                        size_t *len, char *ctype, size_t ctsz, struct qerr *err)
{
    *body = NULL;
    const json_t *v = json_object_get(rs->job->results, id);
    if (v != NULL) {
        if (json_is_string(v)) {
            snprintf(ctype, ctsz, "text/plain; charset=utf-8");
            *len = json_string_length(v);
            *body = malloc(*len + 1);
            if (*body != NULL) {
                memcpy(*body, json_string_value(v), *len + 1);
            }
        } else {
            snprintf(ctype, ctsz, "application/json");
            *body = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            *len = *body != NULL ? strlen(*body) : 0;
        }
        if (*body == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        return 0;
    }
    struct db_api_file f;
    struct db *db = api_db(r->ctx, err);
    if (db == NULL || db_api_job_file(db, rs->job->id, id, FILE_MAX, &f, err) < 0) {
        return -1;
    }
    if (f.content == NULL) { /* s3 storage */
        char *data = NULL;
        if (storage_read_all(&r->ctx->cfg, f.storage, f.location, FILE_MAX, &data, &f.len, err) <
            0) {
            db_api_file_cleanup(&f);
            return -1;
        }
        f.content = (unsigned char *)data;
    }
    snprintf(ctype, ctsz, "%s", f.media_type);
    *body = (char *)f.content;
    *len = f.len;
    f.content = NULL;
    db_api_file_cleanup(&f);
    return 0;
}

/*
 * With storage.s3_presign, a file output kept in S3 is answered by a 303 to
 * a presigned URL (the bytes then never pass through quern). Returns true
 * when it answered (redirect or error), false to serve the output here.
 */
static bool try_redirect(struct http_req *r, const struct db_api_job *j, const char *id)
{
    if (r->ctx->cfg.storage_s3_presign <= 0 || json_object_get(j->results, id) != NULL) {
        return false;
    }
    struct qerr err = QERR_INIT;
    struct db_api_file f;
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL || db_api_job_file(db, j->id, id, 1, &f, &err) < 0) {
        return false; /* output_bytes says what is wrong */
    }
    bool done = false;
    if (f.storage != NULL && strcmp(f.storage, "s3") == 0) {
        struct storage_file *sf = storage_open_file(&r->ctx->cfg, f.storage, f.location, &err);
        if (sf == NULL) {
            http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        } else {
            http_header_add(r, "Location", "%s", storage_file_redirect(sf));
            http_header_add(r, "Cache-Control", "private, max-age=%ld",
                            r->ctx->cfg.storage_s3_presign / 2);
            http_send(r, 303, f.media_type, "", 0);
            storage_file_close(sf);
        }
        done = true;
    }
    db_api_file_cleanup(&f);
    return done;
}

static int multipart(struct http_req *r, const struct results *rs, const json_t *doc,
                     struct buf *out, char *boundary, size_t bsz, struct qerr *err)
{
    snprintf(boundary, bsz, "quern-%s", rs->job->id);
    const char *id;
    json_t *v;
    json_object_foreach ((json_t *)doc, id, v) {
        if (by_reference(rs, id)) {
            /* A reference part is empty; Content-Location says where the value is. */
            if (buf_printf(out, err,
                           "--%s\r\nContent-Type: %s\r\nContent-ID: <%s>\r\n"
                           "Content-Location: %s\r\n\r\n\r\n",
                           boundary, json_string_value(json_object_get(v, "type")), id,
                           json_string_value(json_object_get(v, "href"))) < 0) {
                return -1;
            }
            continue;
        }
        char ctype[256], *body = NULL;
        size_t len = 0;
        if (output_bytes(r, rs, id, &body, &len, ctype, sizeof ctype, err) < 0) {
            return -1;
        }
        int rc = buf_printf(out, err, "--%s\r\nContent-Type: %s\r\nContent-ID: <%s>\r\n\r\n",
                            boundary, ctype, id);
        if (rc == 0) {
            rc = buf_append(out, body != NULL ? body : "", len, err);
        }
        free(body);
        if (rc < 0 || buf_puts(out, "\r\n", err) < 0) {
            return -1;
        }
    }
    return buf_printf(out, err, "--%s--\r\n", boundary);
}

static void send_raw(struct http_req *r, const struct results *rs, const json_t *doc, int status)
{
    struct qerr err = QERR_INIT;
    if (json_object_size(doc) == 1) {
        const char *id = json_object_iter_key(json_object_iter((json_t *)doc));
        if (by_reference(rs, id)) {
            const json_t *l = json_object_get(doc, id);
            http_header_add(r, "Link", "<%s>; rel=%s; type=\"%s\"",
                            json_string_value(json_object_get(l, "href")), "item",
                            json_string_value(json_object_get(l, "type")));
            http_send(r, 204, "text/plain", "", 0);
            return;
        }
        char ctype[256], *body = NULL;
        size_t len = 0;
        if (output_bytes(r, rs, id, &body, &len, ctype, sizeof ctype, &err) < 0) {
            http_error_send(r, HTTP_EXC_FROM_CODE, &err);
            return;
        }
        http_send(r, status, ctype, body, len);
        free(body);
        return;
    }
    struct buf out;
    buf_init(&out, FILE_MAX);
    char boundary[80];
    if (multipart(r, rs, doc, &out, boundary, sizeof boundary, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else {
        char ctype[160];
        snprintf(ctype, sizeof ctype, "multipart/related; boundary=%s", boundary);
        http_send(r, status, ctype, buf_cstr(&out), out.len);
    }
    buf_cleanup(&out);
}

void http_results_send(struct http_req *r, const struct db_api_job *j, int status, bool sync)
{
    struct qerr err = QERR_INIT;
    struct results rs = {j, NULL, json_object_get(j->request, "outputs")};
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL || (rs.files = db_api_job_files(db, j->id, &err)) == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    json_t *doc = results_document(r, &rs);
    const char *response = json_string_value(json_object_get(j->request, "response"));
    bool raw = response != NULL ? strcmp(response, "raw") == 0 : sync;
    if (raw && r->fmt != HTTP_FMT_HTML) {
        send_raw(r, &rs, doc, status);
    } else {
        char title[80];
        snprintf(title, sizeof title, "Results of job %s", j->id);
        http_send_doc(r, status, title, doc);
    }
    json_decref(doc);
    json_decref(rs.files);
}

/* Loads job segs[1] and answers the not-successful cases; 0 when j is successful. */
static int load_successful(struct http_req *r, struct db_api_job *j)
{
    struct qerr err = QERR_INIT;
    const char *id = r->segs[1];
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return -1;
    }
    if (http_job_load(r, id, j) == NULL) {
        return -1;
    }
    if (strcmp(j->status, "successful") == 0) {
        return 0;
    }
    if (strcmp(j->status, "failed") == 0) {
        http_error_send_job(r, j->exception);
    } else if (strcmp(j->status, "dismissed") == 0) {
        qerr_set(&err, QERR_NOTFOUND, "job %s was dismissed", id);
        http_error_send(r, HTTP_EXC_NO_SUCH_JOB, &err);
    } else {
        qerr_set(&err, QERR_NOTFOUND, "job %s is %s", id, j->status);
        http_error_send(r, HTTP_EXC_RESULT_NOT_READY, &err);
    }
    db_api_job_cleanup(j);
    return -1;
}

void http_results_get(struct http_req *r)
{
    struct db_api_job j;
    if (load_successful(r, &j) < 0) {
        return;
    }
    http_results_send(r, &j, 200, false);
    db_api_job_cleanup(&j);
}

void http_result_output_get(struct http_req *r)
{
    struct db_api_job j;
    struct qerr err = QERR_INIT;
    const char *oid = r->segs[3];
    if (load_successful(r, &j) < 0) {
        return;
    }
    struct results rs = {&j, json_array(), NULL};
    char ctype[256], *body = NULL;
    size_t len = 0;
    if (!qstr_is_id(oid, 255)) {
        qerr_set(&err, QERR_NOTFOUND, "no such output");
        http_error_send(r, HTTP_EXC_NO_SUCH_OUTPUT, &err);
    } else if (try_redirect(r, &j, oid)) {
        /* answered */
    } else if (output_bytes(r, &rs, oid, &body, &len, ctype, sizeof ctype, &err) < 0) {
        http_error_send(r, err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_OUTPUT : HTTP_EXC_FROM_CODE,
                        &err);
    } else {
        http_send(r, 200, ctype, body, len);
    }
    free(body);
    json_decref(rs.files);
    db_api_job_cleanup(&j);
}
