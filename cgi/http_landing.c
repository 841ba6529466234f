// SPDX-License-Identifier: MIT
/*
 * http_landing - the landing page (/) and the conformance declaration
 * (/conformance). Neither touches the database.
 */
#include "common/compat.h"

#include <stdio.h>

#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"

#define OGC_REL "http://www.opengis.net/def/rel/ogc/1.0/"
#define OGC_CONF "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
#define OGC_CONF2 "http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/"

/* Answers 400 and returns true when the request carries query parameters other than f. */
static bool params_bad(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return true;
    }
    return false;
}

void http_landing_get(struct http_req *r)
{
    if (params_bad(r)) {
        return;
    }
    json_t *links = json_array();
    char url[2048];
    http_links_self(r, links);
    snprintf(url, sizeof url, "%s/api", r->base);
    http_link_add(links, url, "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                  "the API definition (OpenAPI 3.0)");
    snprintf(url, sizeof url, "%s/api?f=html", r->base);
    http_link_add(links, url, "service-doc", "text/html", "the API documentation");
    snprintf(url, sizeof url, "%s/conformance", r->base);
    http_link_add(links, url, "conformance", "application/json", "conformance classes");
    http_link_add(links, url, OGC_REL "conformance", "application/json", "conformance classes");
    snprintf(url, sizeof url, "%s/processes", r->base);
    http_link_add(links, url, OGC_REL "processes", "application/json", "the processes");
    /* The plain relation too: OGC's conformance suite looks for rel "processes". */
    http_link_add(links, url, "processes", "application/json", "the processes");
    snprintf(url, sizeof url, "%s/jobs", r->base);
    http_link_add(links, url, OGC_REL "job-list", "application/json", "the jobs");
    json_t *doc = json_pack("{s:s, s:s, s:o}", "title", "quern", "description",
                            "OGC API - Processes: run processes as jobs on local, docker, "
                            "AWS Batch and Slurm backends",
                            "links", links);
    http_send_doc(r, 200, "quern", doc);
    json_decref(doc);
}

void http_conformance_get(struct http_req *r)
{
    if (params_bad(r)) {
        return;
    }
    json_t *doc = json_pack("{s:[s,s,s,s,s,s,s,s]}", "conformsTo", OGC_CONF "core",
                            OGC_CONF "ogc-process-description", OGC_CONF "json", OGC_CONF "html",
                            OGC_CONF "oas30", OGC_CONF "job-list", OGC_CONF "callback",
                            OGC_CONF "dismiss");
    /* Part 2 (cgi/http_deploy.c): container images in application packages. */
    static const char *const part2[] = {OGC_CONF2 "deploy-replace-undeploy", OGC_CONF2 "ogcapppkg",
                                        OGC_CONF2 "docker"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(part2); i++) {
        json_array_append_new(json_object_get(doc, "conformsTo"), json_string(part2[i]));
    }
    json_t *links = json_array();
    http_links_self(r, links);
    json_object_set_new(doc, "links", links);
    http_send_doc(r, 200, "Conformance", doc);
    json_decref(doc);
}
