// SPDX-License-Identifier: MIT
/*
 * http_oas - /api: the OpenAPI 3.0 document of this server, built per
 * request from the route set and the process registry (one execute request
 * schema per process, components.schemas["execute-<id>"], and one path per
 * process's execution endpoint that uses it; input schemas pass through
 * oas_schema.c so the document stays valid OpenAPI 3.0 whatever a process
 * declares). /api?f=html (or Accept: text/html) is a page that loads Swagger
 * UI from api.swagger_ui on the JSON document and, without it, still links
 * the document and lists the operations.
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
#include "cgi/oas_schema.h"

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

static json_t *parameters(void);

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
    json_object_set(schemas, "jobMetadata", generic);
    json_decref(generic);
    json_object_set_new(
        schemas, "jobLogs",
        json_pack("{s:s, s:[s,s], s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s},"
                  " s:{s:s, s:s}, s:{s:s, s:[s,s,s]}, s:{s:s}}}}, s:{s:s}}}",
                  "type", "object", "required", "jobID", "logs", "properties", "jobID", "type",
                  "string", "processID", "type", "string", "status", "type", "string", "logs",
                  "type", "array", "items", "type", "object", "properties", "seq", "type",
                  "integer", "at", "type", "string", "format", "date-time", "stream", "type",
                  "string", "enum", "stdout", "stderr", "system", "line", "type", "string",
                  "links", "$ref", "#/components/schemas/links"));
    return json_pack("{s:o, s:o}", "schemas", schemas, "parameters", parameters());
}

/*
 * What one input admits: its value, a qualified value ({"value": ...}) or a
 * reference ({"href": ...}); several when maxOccurs allows (new reference).
 */
static json_t *input_schema(const json_t *in)
{
    json_t *s = oas_schema(json_object_get(in, "schema"));
    json_t *alts = json_pack("[o, {s:s, s:[s], s:{s:O}}, {s:s}]", s, "type", "object", "required",
                             "value", "properties", "value", s, "$ref",
                             "#/components/schemas/link");
    const json_t *max = json_object_get(in, "maxOccurs");
    if (json_is_string(max) || json_integer_value(max) > 1) {
        json_t *arr = json_pack("{s:s, s:{s:o}}", "type", "array", "items", "anyOf",
                                json_deep_copy(alts));
        if (json_is_integer(max)) {
            json_object_set(arr, "maxItems", (json_t *)max);
        }
        json_array_append_new(alts, arr);
    }
    json_t *out = json_pack("{s:o}", "anyOf", alts);
    const char *d = json_string_value(json_object_get(in, "description"));
    const char *t = json_string_value(json_object_get(in, "title"));
    if (d != NULL || t != NULL) {
        json_object_set_new(out, "description", json_string(d != NULL ? d : t));
    }
    return out;
}

/* The execute request schema of one process. New reference. */
static json_t *execute_schema(const json_t *desc)
{
    json_t *props = json_object(), *required = json_array();
    const char *id;
    const json_t *in;
    json_object_foreach (json_object_get(desc, "inputs"), id, in) {
        json_object_set_new(props, id, input_schema(in));
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

/* A parameter of components.parameters (shared by reference). */
static json_t *pref(const char *name)
{
    char what[80];
    snprintf(what, sizeof what, "parameters/%s", name);
    return ref(what);
}

static json_t *parameters(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "processId",
                        param("processId", "path", true, str_schema(), "process identifier"));
    json_object_set_new(p, "jobId", param("jobId", "path", true, str_schema(), "job identifier"));
    json_object_set_new(p, "outputId",
                        param("outputId", "path", true, str_schema(), "output identifier"));
    json_object_set_new(p, "f", param("f", "query", false,
                                      json_pack("{s:s, s:[s,s,s]}", "type", "string", "enum",
                                                "json", "html", "text"),
                                      "representation (overrides Accept)"));
    json_object_set_new(p, "limit",
                        param("limit", "query", false,
                              json_pack("{s:s, s:i, s:i, s:i}", "type", "integer", "minimum", 1,
                                        "maximum", 10000, "default", 10),
                              "page size"));
    return p;
}

/* Adds GET (f included) at path with extra parameters (array, new reference or NULL). */
static json_t *get_op(const char *id, const char *summary, json_t *extra, json_t *ok_schema)
{
    json_t *ps = extra != NULL ? extra : json_array();
    json_array_insert_new(ps, 0, pref("f"));
    return op(id, summary, ps, ok_schema, "200");
}

static json_t *query(const char *name, json_t *schema, const char *description)
{
    return param(name, "query", false, schema, description);
}

static json_t *jobs_params(void)
{
    json_t *st = json_pack("{s:s, s:{s:s, s:[s,s,s,s,s]}}", "type", "array", "items", "type",
                           "string", "enum", "accepted", "running", "successful", "failed",
                           "dismissed");
    json_t *ids = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
    json_t *dur = json_pack("{s:s, s:i}", "type", "integer", "minimum", 0);
    return json_pack("[o, o, o, o, o, o, o, o]", pref("limit"),
                     query("processID", ids, "only jobs of these processes"),
                     query("status", st, "only jobs with these statuses"),
                     query("type", json_pack("{s:s, s:[s]}", "type", "string", "enum", "process"),
                           "job type (always process)"),
                     query("datetime", str_schema(), "created at or in this RFC 3339 interval"),
                     query("minDuration", json_deep_copy(dur), "run at least this many seconds"),
                     query("maxDuration", dur, "run at most this many seconds"),
                     query("after", str_schema(), "the job id ending the previous page"));
}

/* A Part 2 deploy or replace body: an application package or quern's own definition. */
static json_t *deploy_body(void)
{
    json_t *obj = json_pack("{s:s}", "type", "object");
    json_t *content = json_pack("{s:{s:O}, s:{s:O}, s:{s:{s:s}}}", "application/ogcapppkg+json",
                                "schema", obj, "application/json", "schema", obj,
                                "application/yaml", "schema", "type", "string");
    json_decref(obj);
    return json_pack("{s:b, s:o}", "required", 1, "content", content);
}

/* Adds the 401/403 answers of an admin-only operation o. */
static void admin_only(json_t *o)
{
    json_t *resps = json_object_get(o, "responses");
    json_object_set_new(resps, "401", response("credentials needed", ref("schemas/exception")));
    json_object_set_new(resps, "403", response("not an admin, or a process from a plugin file",
                                               ref("schemas/exception")));
}

/* OGC API - Processes Part 2: deploy, replace, undeploy, and the stored package. */
static void deploy_paths(json_t *p)
{
    json_t *post = op("deploy", "deploy a process (admins)", NULL, ref("schemas/process"), "201");
    json_object_set_new(post, "requestBody", deploy_body());
    json_object_set_new(json_object_get(post, "responses"), "409",
                        response("a process with this id exists", ref("schemas/exception")));
    json_object_set_new(json_object_get(post, "responses"), "415",
                        response("not a deployable media type", ref("schemas/exception")));
    admin_only(post);
    json_object_set_new(json_object_get(p, "/processes"), "post", post);
    json_t *put = op("replace", "replace a deployed process (admins)",
                     json_pack("[o]", pref("processId")), NULL, "204");
    json_object_set_new(put, "requestBody", deploy_body());
    admin_only(put);
    json_t *del = op("undeploy", "undeploy a process (admins)",
                     json_pack("[o]", pref("processId")), NULL, "204");
    admin_only(del);
    json_t *item = json_object_get(p, "/processes/{processId}");
    json_object_set_new(item, "put", put);
    json_object_set_new(item, "delete", del);
    json_t *pkg = op("getPackage", "the package a process was deployed with (admins)",
                     json_pack("[o]", pref("processId")), NULL, "200");
    json_object_set_new(json_object_get(json_object_get(pkg, "responses"), "200"), "content",
                        json_pack("{s:{s:{s:s}}, s:{s:{s:s}}, s:{s:{s:s}}}",
                                  "application/ogcapppkg+json", "schema", "type", "object",
                                  "application/json", "schema", "type", "object",
                                  "application/yaml", "schema", "type", "string"));
    admin_only(pkg);
    json_object_set_new(p, "/processes/{processId}/package", json_pack("{s:o}", "get", pkg));
}

/* A response whose body is text/plain (logs, metrics). */
static json_t *text_response(const char *description)
{
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
                     "text/plain", "schema", "type", "string");
}

static json_t *paths(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "/", json_pack("{s:o}", "get",
                                          get_op("getLandingPage", "landing page", NULL,
                                                 ref("schemas/landingPage"))));
    json_object_set_new(p, "/conformance",
                        json_pack("{s:o}", "get",
                                  get_op("getConformanceClasses", "conformance classes", NULL,
                                         ref("schemas/confClasses"))));
    json_t *api = get_op("getAPI", "this document (f=html: Swagger UI)", NULL, NULL);
    json_object_set_new(json_object_get(api, "responses"), "200",
                        json_pack("{s:s, s:{s:{s:{s:s}}, s:{s:{s:s}}}}", "description",
                                  "the OpenAPI 3.0 document", "content", OAS_TYPE, "schema",
                                  "type", "object", "text/html", "schema", "type", "string"));
    json_object_set_new(p, "/api", json_pack("{s:o}", "get", api));
    json_object_set_new(
        p, "/processes",
        json_pack("{s:o}", "get",
                  get_op("getProcesses", "the processes",
                         json_pack("[o, o, o]", pref("limit"),
                                   query("after", str_schema(), "the id ending the previous page"),
                                   query("before", str_schema(), "the id starting the next page")),
                         ref("schemas/processList"))));
    json_object_set_new(p, "/processes/{processId}",
                        json_pack("{s:o}", "get",
                                  get_op("getProcessDescription", "a process description",
                                         json_pack("[o]", pref("processId")),
                                         ref("schemas/process"))));
    json_t *exec = op("execute", "execute a process", json_pack("[o]", pref("processId")),
                      ref("schemas/results"), "200");
    json_object_set_new(json_object_get(exec, "responses"), "201",
                        response("job created (async)", ref("schemas/statusInfo")));
    json_object_set_new(exec, "requestBody",
                        json_pack("{s:b, s:o}", "required", 1, "content",
                                  json_content(json_pack("{s:s}", "type", "object"))));
    json_object_set_new(p, "/processes/{processId}/execution", json_pack("{s:o}", "post", exec));
    json_object_set_new(p, "/jobs", json_pack("{s:o}", "get",
                                              get_op("getJobs", "the jobs", jobs_params(),
                                                     ref("schemas/jobList"))));
    json_object_set_new(p, "/jobs/{jobId}",
                        json_pack("{s:o, s:o}", "get",
                                  get_op("getStatus", "job status",
                                         json_pack("[o]", pref("jobId")),
                                         ref("schemas/statusInfo")),
                                  "delete",
                                  op("dismiss", "dismiss a job", json_pack("[o]", pref("jobId")),
                                     ref("schemas/statusInfo"), "200")));
    json_object_set_new(p, "/jobs/{jobId}/results",
                        json_pack("{s:o}", "get",
                                  get_op("getResult", "job results",
                                         json_pack("[o]", pref("jobId")),
                                         ref("schemas/results"))));
    json_object_set_new(p, "/jobs/{jobId}/results/{outputId}",
                        json_pack("{s:o}", "get",
                                  get_op("getResultOutput", "one output of a job",
                                         json_pack("[o, o]", pref("jobId"), pref("outputId")),
                                         NULL)));
    json_t *logs = get_op(
        "getLogs", "job logs (f=text: plain lines)",
        json_pack("[o, o, o]", pref("jobId"),
                  query("since", json_pack("{s:s, s:i}", "type", "integer", "minimum", 0),
                        "only lines after this sequence number"),
                  query("limit", json_pack("{s:s, s:i, s:i}", "type", "integer", "minimum", 1,
                                           "maximum", 100000),
                        "at most this many lines")),
        ref("schemas/jobLogs"));
    json_object_set_new(json_object_get(json_object_get(json_object_get(logs, "responses"), "200"),
                                        "content"),
                        "text/plain", json_pack("{s:{s:s}}", "schema", "type", "string"));
    json_object_set_new(p, "/jobs/{jobId}/logs", json_pack("{s:o}", "get", logs));
    json_object_set_new(p, "/jobs/{jobId}/metadata",
                        json_pack("{s:o}", "get",
                                  get_op("getMetadata", "where and how the job ran",
                                         json_pack("[o]", pref("jobId")),
                                         ref("schemas/jobMetadata"))));
    json_t *metrics = op("getMetrics", "Prometheus metrics (metrics.access decides who)", NULL,
                         NULL, "200");
    json_t *mresps = json_object_get(metrics, "responses");
    json_object_set_new(mresps, "200", text_response("text exposition format 0.0.4"));
    json_object_set_new(mresps, "401", response("credentials needed", ref("schemas/exception")));
    json_object_set_new(mresps, "403", response("not an admin", ref("schemas/exception")));
    json_object_set_new(p, "/metrics", json_pack("{s:o}", "get", metrics));
    deploy_paths(p);
    return p;
}

static void add_processes(json_t *doc, const json_t *all)
{
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *p = json_object_get(doc, "paths");
    const char *id;
    const json_t *desc;
    json_object_foreach ((json_t *)all, id, desc) {
        char name[200], path[200], sref[240];
        snprintf(name, sizeof name, "execute-%s", id);
        json_object_set_new(schemas, name, execute_schema(desc));
        snprintf(path, sizeof path, "/processes/%s/execution", id);
        snprintf(sref, sizeof sref, "schemas/%s", name);
        json_t *o = op(name, "execute this process", NULL, ref("schemas/results"), "200");
        json_object_set_new(json_object_get(o, "responses"), "201",
                            response("job created (async)", ref("schemas/statusInfo")));
        json_object_set_new(o, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content",
                                                        json_content(ref(sref))));
        const char *title = json_string_value(json_object_get(desc, "title"));
        if (title != NULL) {
            json_object_set_new(o, "summary", json_string(title));
        }
        json_object_set_new(p, path, json_pack("{s:o}", "post", o));
    }
}

/*
 * Groups the operations for readers (Swagger UI shows one section per tag):
 * the service, processes (Part 1 and 2), one section for the per-process
 * execute paths, jobs, and monitoring.
 */
static void add_tags(json_t *doc)
{
    static const struct {
        const char *prefix, *tag, *description;
    } groups[] = {
        {"/metrics", "Monitoring", "Prometheus metrics"},
        {"/jobs", "Jobs", "status, results, logs and dismissal of jobs"},
        {"/processes/{processId}", "Processes", "the process registry (Part 1 and Part 2)"},
        {"/processes/", "Execute", "one execute operation per process, with its request schema"},
        {"/processes", "Processes", NULL},
        {"/", "Service", "landing page, conformance and this document"},
    };
    const char *path;
    json_t *item;
    json_object_foreach (json_object_get(doc, "paths"), path, item) {
        for (size_t g = 0; g < QUERN_ARRAY_LEN(groups); g++) {
            if (strncmp(path, groups[g].prefix, strlen(groups[g].prefix)) != 0) {
                continue;
            }
            const char *method;
            json_t *o;
            json_object_foreach (item, method, o) {
                json_object_set_new(o, "tags", json_pack("[s]", groups[g].tag));
            }
            break;
        }
    }
    static const size_t order[] = {5, 2, 3, 1, 0};
    json_t *tags = json_array();
    for (size_t i = 0; i < QUERN_ARRAY_LEN(order); i++) {
        json_array_append_new(tags, json_pack("{s:s, s:s}", "name", groups[order[i]].tag,
                                              "description", groups[order[i]].description));
    }
    json_object_set_new(doc, "tags", tags);
}

/* Appends the escaped s. */
static int esc(struct buf *b, const char *s, struct qerr *err)
{
    return http_html_escape(b, s, strlen(s), err);
}

/* The operations as a list, the fallback inside Swagger UI's container. */
static int op_list(struct buf *b, const json_t *doc, struct qerr *err)
{
    int rc = buf_puts(b, "<ul id=\"operations\">\n", err);
    const char *path;
    const json_t *item;
    json_object_foreach (json_object_get(doc, "paths"), path, item) {
        const char *method;
        const json_t *o;
        json_object_foreach ((json_t *)item, method, o) {
            char m[16];
            size_t i = 0;
            for (; method[i] != '\0' && i < sizeof m - 1; i++) {
                m[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ? method[i] - 32 : method[i]);
            }
            m[i] = '\0';
            const char *summary = json_string_value(json_object_get(o, "summary"));
            rc = rc == 0 ? buf_printf(b, err, "<li><code>%s ", m) : rc;
            rc = rc == 0 ? esc(b, path, err) : rc;
            rc = rc == 0 ? buf_puts(b, "</code> ", err) : rc;
            rc = rc == 0 ? esc(b, summary != NULL ? summary : "", err) : rc;
            rc = rc == 0 ? buf_puts(b, "</li>\n", err) : rc;
        }
    }
    return rc == 0 ? buf_puts(b, "</ul>\n", err) : rc;
}

/*
 * The /api page: Swagger UI from api.swagger_ui on the JSON document; inside
 * its container (replaced once it runs) a link to the document, the list of
 * operations and a note saying why no Swagger UI shows when it cannot load.
 * Only constant script text: the document's URL travels in a data attribute.
 */
static void send_html(struct http_req *r, const json_t *doc)
{
    struct buf page;
    struct qerr err = QERR_INIT;
    buf_init(&page, 64 * 1024 * 1024);
    const char *ui = r->ctx->cfg.api_swagger_ui != NULL ? r->ctx->cfg.api_swagger_ui : "";
    const char *slash = ui[0] != '\0' && ui[strlen(ui) - 1] != '/' ? "/" : "";
    char json_url[1200];
    snprintf(json_url, sizeof json_url, "%s/api?f=json", r->base);
    int rc = buf_puts(&page, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                             "<title>quern API definition</title>\n<link rel=\"alternate\" type=\"",
                      &err);
    rc = rc == 0 ? buf_printf(&page, &err, "%s\" href=\"", OAS_TYPE) : rc;
    rc = rc == 0 ? esc(&page, json_url, &err) : rc;
    rc = rc == 0 ? buf_puts(&page, "\">\n", &err) : rc;
    if (ui[0] != '\0') {
        rc = rc == 0 ? buf_puts(&page, "<link rel=\"stylesheet\" href=\"", &err) : rc;
        rc = rc == 0 ? esc(&page, ui, &err) : rc;
        rc = rc == 0 ? buf_printf(&page, &err, "%sswagger-ui.css\">\n", slash) : rc;
    }
    rc = rc == 0 ? buf_puts(&page, "</head><body>\n<div id=\"swagger-ui\" data-url=\"", &err) : rc;
    rc = rc == 0 ? esc(&page, json_url, &err) : rc;
    rc = rc == 0 ? buf_puts(&page, "\">\n<h1>quern API definition</h1>\n<p>The OpenAPI 3.0 "
                                   "document of this server: <a id=\"openapi-json\" href=\"",
                            &err)
                 : rc;
    rc = rc == 0 ? esc(&page, json_url, &err) : rc;
    rc = rc == 0 ? buf_puts(&page, "\">JSON</a>.</p>\n<p id=\"swagger-note\">", &err) : rc;
    if (ui[0] == '\0') {
        rc = rc == 0 ? buf_puts(&page, "Swagger UI is not configured on this server "
                                       "(api.swagger_ui is empty).", &err)
                     : rc;
    } else {
        rc = rc == 0 ? buf_puts(&page, "Swagger UI did not load from <code>", &err) : rc;
        rc = rc == 0 ? esc(&page, ui, &err) : rc;
        rc = rc == 0 ? buf_puts(&page, "</code> (api.swagger_ui): install swagger-ui-dist "
                                       "there, or open the JSON document in any OpenAPI tool.",
                                &err)
                     : rc;
    }
    rc = rc == 0 ? buf_puts(&page, "</p>\n", &err) : rc;
    rc = rc == 0 ? op_list(&page, doc, &err) : rc;
    rc = rc == 0 ? buf_puts(&page, "</div>\n", &err) : rc;
    if (ui[0] != '\0') {
        rc = rc == 0 ? buf_puts(&page, "<script src=\"", &err) : rc;
        rc = rc == 0 ? esc(&page, ui, &err) : rc;
        rc = rc == 0 ? buf_printf(&page, &err, "%sswagger-ui-bundle.js\"></script>\n", slash) : rc;
        rc = rc == 0 ? buf_puts(&page, "<script>if (window.SwaggerUIBundle) { var e = "
                                       "document.getElementById(\"swagger-ui\"); "
                                       "SwaggerUIBundle({url: e.dataset.url, dom_id: "
                                       "\"#swagger-ui\"}); }</script>\n",
                                &err)
                     : rc;
    }
    rc = rc == 0 ? buf_puts(&page, "</body></html>\n", &err) : rc;
    if (rc < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else {
        http_send(r, 200, "text/html; charset=utf-8", buf_cstr(&page), page.len);
    }
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
                            "OGC API - Processes: Part 1 (Core) and Part 2 (Deploy, Replace, "
                            "Undeploy), with quern's job logs, metadata and metrics", "servers", "url", r->base,
                            "paths", paths(), "components", components());
    add_processes(doc, all);
    add_tags(doc);
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
