// SPDX-License-Identifier: MIT
/*
 * http_handlers - the resource handlers the route table dispatches to, one
 * file per resource. Each answers exactly once through http_send_* or
 * http_error_send; segs[] of the request hold the path's {id} parts.
 */
#ifndef QUERN_CGI_HTTP_HANDLERS_H
#define QUERN_CGI_HTTP_HANDLERS_H

#include "cgi/api.h"
#include "cgi/db_api.h"

/* http_landing.c */
void http_landing_get(struct http_req *r);
void http_conformance_get(struct http_req *r);
/* http_oas.c */
void http_api_get(struct http_req *r);
/* http_processes.c */
void http_processes_list(struct http_req *r);
void http_process_get(struct http_req *r);
/* http_deploy.c (OGC API - Processes Part 2) */
void http_deploy_post(struct http_req *r);
void http_deploy_put(struct http_req *r);
void http_deploy_delete(struct http_req *r);
void http_deploy_package_get(struct http_req *r);
/* http_execute.c */
void http_execute_post(struct http_req *r);
/* http_jobs.c */
void http_jobs_list(struct http_req *r);
void http_job_get(struct http_req *r);
void http_job_delete(struct http_req *r);
/* The statusInfo document of j (new reference); links are absolute. */
json_t *http_job_status_info(const struct http_req *r, const struct db_api_job *j);
/* Answers 404 no-such-job unless id is a canonical UUID; true when it answered. */
bool http_job_id_bad(struct http_req *r, const char *id);
/*
 * Loads job id as the asker may see it into j (a job of someone else is "no such
 * job"). Returns the request's connection, or NULL after answering 404 or 503.
 */
struct db *http_job_load(struct http_req *r, const char *id, struct db_api_job *j);
/* http_results.c */
void http_results_get(struct http_req *r);
void http_result_output_get(struct http_req *r);
/* Answers with the results of successful job j and the given status: raw when
 * request->response is "raw", or absent and sync (a sync execute's answer); else the
 * document. request->outputs selects the outputs and their transmission. */
void http_results_send(struct http_req *r, const struct db_api_job *j, int status, bool sync);
/* http_logs.c */
void http_logs_get(struct http_req *r);
void http_metadata_get(struct http_req *r);

#endif
