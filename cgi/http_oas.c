// SPDX-License-Identifier: MIT
/*
 * http_oas - /api: the OpenAPI 3.0 document of this server, built per
 * request from the route set and the process registry (one execute request
 * schema per process, components.schemas["execute-<id>"], and one path per
 * process's execution endpoint that uses it); /api?f=html is a page that
 * lists the operations and loads swagger-ui from api.swagger_ui.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_html.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"

#define OAS_TYPE "application/vnd.oai.openapi+json;version=3.0"

static json_t *json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *ref(const char *what)
{
    char buf[160];
    snprintf(buf, sizeof buf, "#/components/%s", what);
    return json_pack("{s:s}", "$ref", buf);
}

static json_t *response(const char *description, json_t *schema)
{
    json_t *r = json_pack("{s:s}", "description", description);
    if (schema != NULL) {
        json_object_set_new(r, "content", json_content(schema));
    }
    return r;
}

static json_t *op(const char *id, const char *summary, json_t *params, json_t *ok_schema,
                  const char *ok_code)
{
    json_t *resps = json_object();
    json_object_set_new(resps, ok_code, response("success", ok_schema));
    json_object_set_new(resps, "400", response("invalid request", ref("schemas/exception")));
    json_object_set_new(resps, "404", response("not found", ref("schemas/exception")));
    json_object_set_new(resps, "500", response("server error", ref("schemas/exception")));
    json_t *o = json_pack("{s:s, s:s, s:o}", "operationId", id, "summary", summary, "responses",
                          resps);
    if (params != NULL) {
        json_object_set_new(o, "parameters", params);
    }
    return o;
}

static json_t *param(const char *name, const char *in, bool required, json_t *schema,
                     const char *description)
{
    return json_pack("{s:s, s:s, s:b, s:o, s:s}", "name", name, "in", in, "required", required,
                     "schema", schema, "description", description);
}

static json_t *str_schema(void)
{
    return json_pack("{s:s}", "type", "string");
}

static json_t *components(void)
{
    json_t *link = json_pack(
        "{s:s, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}", "type", "object",
        "required", "href", "properties", "href", "type", "string", "rel", "type", "string",
        "type", "type", "string", "hreflang", "type", "string", "title", "type", "string");
    json_t *links = json_pack("{s:s, s:O}", "type", "array", "items", link);
    json_t *exception = json_pack("{s:s, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}",
                                  "type", "object", "required", "type", "properties", "type",
                                  "type", "string", "title", "type", "string", "status", "type",
                                  "integer", "detail", "type", "string", "instance", "type",
                                  "string");
    json_t *status_info = json_pack(
        "{s:s, s:[s,s,s], s:{s:{s:s}, s:{s:s}, s:{s:s, s:[s]}, s:{s:s, s:[s,s,s,s,s]}, s:{s:s},"
        " s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s}, s:O}}",
        "type", "object", "required", "jobID", "status", "type", "properties", "processID",
        "type", "string", "jobID", "type", "string", "type", "type", "string", "enum", "process",
        "status", "type", "string", "enum", "accepted", "running", "successful", "failed",
        "dismissed", "message", "type", "string", "created", "type", "string", "format",
        "date-time", "started", "type", "string", "format", "date-time", "finished", "type",
        "string", "format", "date-time", "updated", "type", "string", "format", "date-time",
        "progress", "type", "integer", "links", links);
    json_t *generic = json_pack("{s:s}", "type", "object");
    json_t *schemas = json_pack("{s:o, s:o, s:o, s:o, s:O, s:O, s:O, s:O, s:O}", "link", link,
                                "exception", exception, "statusInfo", status_info, "links",
                                links, "landingPage", generic, "confClasses", generic,
                                "processList", generic, "process", generic, "jobList", generic);
    json_object_set_new(schemas, "results", json_object());
    json_decref(generic);
    return json_pack("{s:o}", "schemas", schemas);
}

/* The execute request schema of one process. New reference. */
static json_t *execute_schema(const json_t *desc)
{
    json_t *props = json_object(), *required = json_array();
    const char *id;
    const json_t *in;
    json_object_foreach (json_object_get(desc, "inputs"), id, in) {
        const json_t *schema = json_object_get(in, "schema");
        const json_t *max = json_object_get(in, "maxOccurs");
        bool many = json_is_string(max) || json_integer_value(max) > 1;
        json_t *s = schema != NULL ? json_deep_copy(schema) : json_object();
        if (many) {
            s = json_pack("{s:[o, {s:s, s:o}]}", "oneOf", s, "type", "array", "items",
                          json_deep_copy(s));
        }
        json_object_set_new(props, id, s);
        const json_t *min = json_object_get(in, "minOccurs");
        if (min == NULL || json_integer_value(min) > 0) {
            json_array_append_new(required, json_string(id));
        }
    }
    json_t *inputs = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
                               "additionalProperties", 0);
    if (json_array_size(required) > 0) {
        json_object_set(inputs, "required", required);
    }
    json_decref(required);
    return json_pack("{s:s, s:{s:o, s:{s:s}, s:{s:s, s:[s,s]}, s:{s:s}}}", "type", "object",
                     "properties", "inputs", inputs, "outputs", "type", "object", "response",
                     "type", "string", "enum", "raw", "document", "subscriber", "type", "object");
}

static json_t *paths(void)
{
    json_t *p = json_object();
    json_t *jobid = param("jobId", "path", true, str_schema(), "job identifier");
    json_t *procid = param("processId", "path", true, str_schema(), "process identifier");
    json_t *limit = param("limit", "query", false,
                          json_pack("{s:s, s:i, s:i, s:i}", "type", "integer", "minimum", 1,
                                    "maximum", 10000, "default", 10),
                          "page size");
    json_object_set_new(p, "/", json_pack("{s:o}", "get",
                                          op("getLandingPage", "landing page", NULL,
                                             ref("schemas/landingPage"), "200")));
    json_object_set_new(p, "/conformance",
                        json_pack("{s:o}", "get",
                                  op("getConformanceClasses", "conformance classes", NULL,
                                     ref("schemas/confClasses"), "200")));
    json_object_set_new(p, "/api", json_pack("{s:o}", "get",
                                             op("getAPI", "this document", NULL, NULL, "200")));
    json_object_set_new(p, "/processes",
                        json_pack("{s:o}", "get",
                                  op("getProcesses", "the processes", json_pack("[O]", limit),
                                     ref("schemas/processList"), "200")));
    json_object_set_new(p, "/processes/{processId}",
                        json_pack("{s:o}", "get",
                                  op("getProcessDescription", "a process description",
                                     json_pack("[O]", procid), ref("schemas/process"), "200")));
    json_t *exec = op("execute", "execute a process", json_pack("[O]", procid),
                      ref("schemas/results"), "200");
    json_object_set_new(json_object_get(exec, "responses"), "201",
                        response("job created (async)", ref("schemas/statusInfo")));
    json_object_set_new(exec, "requestBody",
                        json_pack("{s:b, s:o}", "required", 1, "content",
                                  json_content(json_pack("{s:s}", "type", "object"))));
    json_object_set_new(p, "/processes/{processId}/execution", json_pack("{s:o}", "post", exec));
    json_object_set_new(p, "/jobs", json_pack("{s:o}", "get",
                                              op("getJobs", "the jobs", json_pack("[O]", limit),
                                                 ref("schemas/jobList"), "200")));
    json_object_set_new(p, "/jobs/{jobId}",
                        json_pack("{s:o, s:o}", "get",
                                  op("getStatus", "job status", json_pack("[O]", jobid),
                                     ref("schemas/statusInfo"), "200"),
                                  "delete",
                                  op("dismiss", "dismiss a job", json_pack("[O]", jobid),
                                     ref("schemas/statusInfo"), "200")));
    json_object_set_new(p, "/jobs/{jobId}/results",
                        json_pack("{s:o}", "get",
                                  op("getResult", "job results", json_pack("[O]", jobid),
                                     ref("schemas/results"), "200")));
    json_object_set_new(p, "/jobs/{jobId}/logs",
                        json_pack("{s:o}", "get",
                                  op("getLogs", "job logs", json_pack("[O]", jobid), NULL, "200")));
    json_object_set_new(p, "/jobs/{jobId}/metadata",
                        json_pack("{s:o}", "get",
                                  op("getMetadata", "job metadata", json_pack("[O]", jobid), NULL,
                                     "200")));
    json_decref(jobid);
    json_decref(procid);
    json_decref(limit);
    return p;
}

static void add_processes(json_t *doc, const json_t *all)
{
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *p = json_object_get(doc, "paths");
    const char *id;
    const json_t *desc;
    json_object_foreach ((json_t *)all, id, desc) {
        char name[200], path[200], opid[200];
        snprintf(name, sizeof name, "execute-%s", id);
        json_object_set_new(schemas, name, execute_schema(desc));
        snprintf(path, sizeof path, "/processes/%s/execution", id);
        snprintf(opid, sizeof opid, "execute-%s", id);
        char sref[240];
        snprintf(sref, sizeof sref, "schemas/%s", name);
        json_t *o = op(opid, "execute this process", NULL, ref("schemas/results"), "200");
        json_object_set_new(json_object_get(o, "responses"), "201",
                            response("job created (async)", ref("schemas/statusInfo")));
        json_object_set_new(o, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content",
                                                        json_content(ref(sref))));
        json_object_set_new(p, path, json_pack("{s:o}", "post", o));
    }
}

static void send_html(struct http_req *r, const json_t *doc)
{
    struct buf page;
    struct qerr err = QERR_INIT;
    buf_init(&page, 64 * 1024 * 1024);
    const char *ui = r->ctx->cfg.api_swagger_ui != NULL ? r->ctx->cfg.api_swagger_ui : "";
    char json_url[2048];
    snprintf(json_url, sizeof json_url, "%s/api?f=json", r->base);
    json_t *ops = json_object();
    const char *path;
    const json_t *item;
    json_object_foreach (json_object_get(doc, "paths"), path, item) {
        const char *method;
        const json_t *o;
        json_object_foreach ((json_t *)item, method, o) {
            char key[300];
            snprintf(key, sizeof key, "%s %s", method, path);
            json_object_set(ops, key, json_object_get(o, "summary"));
        }
    }
    json_t *view = json_pack("{s:s, s:o, s:[{s:s, s:s, s:s}]}", "openapi", "3.0.3", "operations",
                             ops, "links", "href", json_url, "rel", "alternate", "type", OAS_TYPE);
    int rc = buf_puts(&page, "", &err);
    if (rc == 0) {
        rc = http_html_page(r, "API definition", view, &page, &err);
    }
    if (rc == 0 && ui[0] != '\0') {
        /* swagger-ui enhances the page when its files are served at api.swagger_ui. */
        rc = buf_puts(&page, "<div id=\"swagger-ui\"></div><script src=\"", &err);
        rc = rc == 0 ? http_html_escape(&page, ui, strlen(ui), &err) : rc;
        rc = rc == 0 ? buf_puts(&page, "swagger-ui-bundle.js\"></script><script>"
                                       "if (window.SwaggerUIBundle) SwaggerUIBundle({url: \"",
                                &err)
                     : rc;
        rc = rc == 0 ? http_html_escape(&page, json_url, strlen(json_url), &err) : rc;
        rc = rc == 0 ? buf_puts(&page, "\", dom_id: \"#swagger-ui\"});</script>\n", &err) : rc;
    }
    if (rc < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else {
        http_send(r, 200, "text/html; charset=utf-8", buf_cstr(&page), page.len);
    }
    json_decref(view);
    buf_cleanup(&page);
}

void http_api_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    struct db *db = api_db(r->ctx, &err);
    json_t *all = db != NULL ? db_api_process_all(db, http_auth_roles_filter(r), &err) : NULL;
    if (all == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:o}", "openapi", "3.0.3",
                            "info", "title", "quern", "version", PACKAGE_VERSION, "description",
                            "OGC API - Processes - Part 1: Core", "servers", "url", r->base,
                            "paths", paths(), "components", components());
    add_processes(doc, all);
    if (r->fmt == HTTP_FMT_HTML) {
        send_html(r, doc);
    } else {
        char *text = json_dumps(doc, JSON_COMPACT);
        if (text == NULL) {
            qerr_set(&err, QERR_NOMEM, "out of memory");
            http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        } else {
            http_send(r, 200, OAS_TYPE, text, strlen(text));
        }
        free(text);
    }
    json_decref(doc);
    json_decref(all);
}
