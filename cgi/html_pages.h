// SPDX-License-Identifier: MIT
/*
 * html_pages - the resources that have an HTML page of their own, one file
 * per resource: html_landing.c (/), html_processes.c (/processes and
 * /processes/{id}, with the execute form of html_form.c), html_jobs.c
 * (/jobs, /jobs/{id}, its logs and its results). http_html_page() picks
 * the page from the request's path; each renders the JSON document the
 * handler built (borrowed), so the HTML shows exactly what the JSON says.
 * Every renderer appends a complete page to out; -1 with err on failure.
 */
#ifndef QUERN_CGI_HTML_PAGES_H
#define QUERN_CGI_HTML_PAGES_H

#include "cgi/api.h"

typedef int (*html_render_fn)(const struct http_req *r, const char *title, const json_t *doc,
                              struct buf *out, struct qerr *err);

/* html_landing.c */
int html_landing(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                 struct qerr *err) QUERN_MUSTCHECK;
/* html_processes.c */
int html_process_list(const struct http_req *r, const char *title, const json_t *doc,
                      struct buf *out, struct qerr *err) QUERN_MUSTCHECK;
int html_process(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                 struct qerr *err) QUERN_MUSTCHECK;
/* html_jobs.c; the job page reads the job's first log lines from the database. */
int html_job_list(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                  struct qerr *err) QUERN_MUSTCHECK;
int html_job(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
             struct qerr *err) QUERN_MUSTCHECK;
int html_job_logs(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                  struct qerr *err) QUERN_MUSTCHECK;
int html_job_results(const struct http_req *r, const char *title, const json_t *doc,
                     struct buf *out, struct qerr *err) QUERN_MUSTCHECK;

#endif
