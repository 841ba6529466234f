// SPDX-License-Identifier: MIT
/* http_route - the table of quern-api's resources; see http_route.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_resp.h"
#include "cgi/http_route.h"

static const struct http_route routes[] = {
    /* pattern, GET (and HEAD), POST, DELETE, PUT */
    {"/", http_landing_get, NULL, NULL, NULL},
    {"/conformance", http_conformance_get, NULL, NULL, NULL},
    {"/api", http_api_get, NULL, NULL, NULL},
    {"/processes", http_processes_list, http_deploy_post, NULL, NULL},
    {"/processes/*", http_process_get, NULL, http_deploy_delete, http_deploy_put},
    {"/processes/*/package", http_deploy_package_get, NULL, NULL, NULL},
    {"/processes/*/execution", NULL, http_execute_post, NULL, NULL},
    {"/jobs", http_jobs_list, NULL, NULL, NULL},
    {"/jobs/*", http_job_get, NULL, http_job_delete, NULL},
    {"/jobs/*/results", http_results_get, NULL, NULL, NULL},
    {"/jobs/*/results/*", http_result_output_get, NULL, NULL, NULL},
    {"/jobs/*/logs", http_logs_get, NULL, NULL, NULL},
    {"/jobs/*/metadata", http_metadata_get, NULL, NULL, NULL},
};

static bool pattern_match(const char *pattern, char *const *segs, int nsegs)
{
    const char *p = pattern;
    int i = 0;
    while (*p == '/') {
        p++;
    }
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (i >= nsegs) {
            return false;
        }
        bool wild = len == 1 && p[0] == '*';
        if (!wild && (strlen(segs[i]) != len || strncmp(segs[i], p, len) != 0)) {
            return false;
        }
        i++;
        p += len;
        while (*p == '/') {
            p++;
        }
    }
    return i == nsegs;
}

const struct http_route *http_route_match(char *const *segs, int nsegs)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(routes); i++) {
        if (pattern_match(routes[i].pattern, segs, nsegs)) {
            return &routes[i];
        }
    }
    return NULL;
}

void http_route_allow(const struct http_route *route, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s%s%s%sOPTIONS", route->get != NULL ? "GET, HEAD, " : "",
             route->post != NULL ? "POST, " : "", route->put != NULL ? "PUT, " : "",
             route->del != NULL ? "DELETE, " : "");
}

void http_route_dispatch(struct http_req *r)
{
    const struct http_route *route = http_route_match(r->segs, r->nsegs);
    if (route == NULL) {
        struct qerr e = QERR_INIT;
        qerr_set(&e, QERR_NOTFOUND, "no resource at %s", r->path);
        http_error_send(r, HTTP_EXC_NOT_FOUND, &e);
        return;
    }
    http_handler h = NULL;
    switch (r->method) {
    case HTTP_GET:
    case HTTP_HEAD: h = route->get; break;
    case HTTP_POST: h = route->post; break;
    case HTTP_DELETE: h = route->del; break;
    case HTTP_PUT: h = route->put; break;
    default: break;
    }
    char allow[64];
    http_route_allow(route, allow, sizeof allow);
    if (r->method == HTTP_OPTIONS) {
        http_header_add(r, "Allow", "%s", allow);
        http_send(r, 204, "text/plain", "", 0);
        return;
    }
    if (h == NULL) {
        struct qerr e = QERR_INIT;
        qerr_set(&e, QERR_INVALID, "%s is not allowed on %s (allowed: %s)", r->method_name,
                 r->path, allow);
        http_header_add(r, "Allow", "%s", allow);
        http_error_send(r, HTTP_EXC_METHOD, &e);
        return;
    }
    h(r);
}
