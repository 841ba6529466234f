// SPDX-License-Identifier: MIT
/* api - OGC API - Processes requests and error answers; see api.h. */
#include "common/compat.h"

#include <string.h>

#include "client/api.h"
#include "client/fmt.h"

#define API_TIMEOUT_S 120L

int api_path(const struct cli *cli, const char *prefix, const char *id, const char *suffix,
             char *out, size_t outsz, struct qerr *err)
{
    char *esc = http_escape(&cli->http, id);
    if (esc == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory escaping an id");
        return -1;
    }
    int n = snprintf(out, outsz, "%s%s%s", prefix, esc, suffix != NULL ? suffix : "");
    free(esc);
    if (n < 0 || (size_t)n >= outsz) {
        qerr_set(err, QERR_INVALID, "id too long");
        return -1;
    }
    return 0;
}

void api_print_json(FILE *f, const json_t *doc)
{
    if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_ENCODE_ANY) == 0) {
        fputc('\n', f);
    }
}

/* "title: detail" of an exception document; false when doc is not one. */
static bool exception_text(const json_t *doc, char *out, size_t outsz)
{
    const char *title = json_string_value(json_object_get(doc, "title"));
    const char *detail = json_string_value(json_object_get(doc, "detail"));
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (title == NULL && detail == NULL && type == NULL) {
        return false;
    }
    if (title == NULL && type != NULL) {
        const char *slash = strrchr(type, '/');
        title = slash != NULL ? slash + 1 : type;
    }
    if (title != NULL && detail != NULL) {
        snprintf(out, outsz, "%s: %s", title, detail);
    } else {
        snprintf(out, outsz, "%s", title != NULL ? title : detail);
    }
    return true;
}

void api_fail(struct cli *cli, const struct http_resp *r, struct qerr *err)
{
    enum qerr_code code = r->status == 404 ? QERR_NOTFOUND : QERR_BACKEND;
    char text[200];
    json_t *doc = json_loadb(buf_cstr(&r->body), r->body.len, 0, NULL);
    if (doc != NULL && exception_text(doc, text, sizeof text)) {
        fmt_clean(text);
        qerr_set(err, code, "%s (HTTP %ld)", text, r->status);
        json_decref(cli->exception);
        cli->exception = json_incref(doc);
    } else if (r->status >= 300 && r->status < 400 && r->location[0] != '\0') {
        /* Redirects are not followed (a POST would turn into a GET): say where to go. */
        snprintf(text, sizeof text, "%s", r->location);
        fmt_clean(text);
        qerr_set(err, code, "the server answered HTTP %ld, redirecting to %s: use that as --url",
                 r->status, text);
    } else {
        snprintf(text, sizeof text, "%s", buf_cstr(&r->body));
        text[strcspn(text, "\r\n")] = '\0';
        fmt_clean(text);
        qerr_set(err, code, "the server answered HTTP %ld%s%s", r->status,
                 text[0] != '\0' ? ": " : "", text);
    }
    json_decref(doc);
}

int api_send(struct cli *cli, const char *method, const char *path, const json_t *body,
             const char *prefer, long timeout_s, struct api_answer *ans, struct qerr *err)
{
    int rc = -1;
    char *text = NULL;
    struct http_resp r;
    http_resp_init(&r);
    memset(ans, 0, sizeof *ans);
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory encoding the request");
            goto out;
        }
    }
    if (http_request(&cli->http, method, path, text, prefer, timeout_s, &r, err) < 0) {
        goto out;
    }
    ans->status = r.status;
    snprintf(ans->location, sizeof ans->location, "%s", r.location);
    snprintf(ans->monitor, sizeof ans->monitor, "%s", r.monitor);
    if (r.status < 200 || r.status >= 300) {
        /* Callers may look at an error document (a failed sync job names its job). */
        ans->doc = json_loadb(buf_cstr(&r.body), r.body.len, 0, NULL);
        api_fail(cli, &r, err);
        goto out;
    }
    if (r.body.len > 0) {
        json_error_t jerr;
        ans->doc = json_loadb(buf_cstr(&r.body), r.body.len, 0, &jerr);
        if (ans->doc == NULL) {
            qerr_set(err, QERR_BACKEND, "the server's answer to %s %s is not JSON (%s)", method,
                     path, r.content_type[0] != '\0' ? r.content_type : "no content type");
            goto out;
        }
    }
    rc = 0;
out:
    free(text);
    http_resp_cleanup(&r);
    return rc;
}

void api_answer_cleanup(struct api_answer *ans)
{
    json_decref(ans->doc);
    ans->doc = NULL;
}

int api_get(struct cli *cli, const char *path, json_t **out, struct qerr *err)
{
    struct api_answer ans;
    *out = NULL;
    if (api_send(cli, "GET", path, NULL, NULL, API_TIMEOUT_S, &ans, err) < 0) {
        api_answer_cleanup(&ans);
        return -1;
    }
    if (!json_is_object(ans.doc)) {
        qerr_set(err, QERR_BACKEND, "the server's answer to GET %s is not a JSON object", path);
        api_answer_cleanup(&ans);
        return -1;
    }
    *out = ans.doc;
    return 0;
}

int api_job_status(struct cli *cli, const char *job_id, json_t **out, struct qerr *err)
{
    char path[API_PATH_MAX];
    if (api_path(cli, "/jobs/", job_id, NULL, path, sizeof path, err) < 0) {
        return -1;
    }
    if (api_get(cli, path, out, err) < 0) {
        return -1;
    }
    if (json_string_value(json_object_get(*out, "status")) == NULL) {
        qerr_set(err, QERR_BACKEND, "the server's job status has no status");
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

bool api_status_is_final(const char *status)
{
    return status != NULL && (strcmp(status, "successful") == 0 || strcmp(status, "failed") == 0 ||
                              strcmp(status, "dismissed") == 0);
}
