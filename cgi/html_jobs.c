// SPDX-License-Identifier: MIT
/*
 * html_jobs - the job pages: the list (a filter form on status and
 * process, the next-page link of the JSON document), one job (status,
 * progress bar, message, timestamps, results link once successful, the
 * first log lines), its logs and its results. The pages of a job that is
 * not finished refresh themselves (<meta http-equiv="refresh">), no script.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/html_page.h"
#include "cgi/html_pages.h"
#include "cgi/http_req.h"

#define REFRESH_SECONDS 2
#define PAGE_LOG_LINES 500

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "2026-01-02 03:04:05" of an RFC 3339 timestamp (the list's columns stay narrow). */
static const char *short_time(const char *ts, char *out, size_t outsz)
{
    if (ts == NULL) {
        return NULL;
    }
    snprintf(out, outsz, "%.19s", ts);
    char *t = strchr(out, 'T');
    if (t != NULL) {
        *t = ' ';
    }
    return out;
}

static int status_badge(struct buf *out, const char *status, struct qerr *err)
{
    return html_put(out, err, "<span class=\"status status-%s\">%s</span>", status, status);
}

static int filter_form(struct buf *out, const struct http_req *r, struct qerr *err)
{
    static const char *const st[] = {"accepted", "running", "successful", "failed", "dismissed"};
    const char *cur = http_param(r, "status");
    const char *pid = http_param(r, "processID");
    if (html_put(out, err, "<form class=\"filter\" id=\"job-filter\" method=\"get\" "
                           "action=\"%s/jobs\"><input type=\"hidden\" name=\"f\" value=\"html\">"
                           "<label>Status <select name=\"status\"><option value=\"\">any</option>",
                 r->base) < 0) {
        return -1;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(st); i++) {
        bool sel = cur != NULL && strcmp(cur, st[i]) == 0;
        if (html_put(out, err, "<option%r>%s</option>", sel ? " selected" : "", st[i]) < 0) {
            return -1;
        }
    }
    return html_put(out, err, "</select></label> <label>Process <input type=\"text\" "
                              "name=\"processID\" size=\"16\" value=\"%s\"></label>"
                              "<button type=\"submit\">Filter</button></form>\n",
                    pid);
}

int html_job_list(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                  struct qerr *err)
{
    if (html_begin(out, r, title, 0, err) < 0 || filter_form(out, r, err) < 0 ||
        html_put(out, err, "<table id=\"jobs\"><tr><th>Job</th><th>Process</th><th>Status</th>"
                           "<th>Progress</th><th>Created</th><th>Finished</th><th>Message</th>"
                           "</tr>\n") < 0) {
        return -1;
    }
    size_t i;
    const json_t *j;
    json_array_foreach (json_object_get(doc, "jobs"), i, j) {
        const char *id = str(j, "jobID"), *pid = str(j, "processID");
        const json_t *pr = json_object_get(j, "progress");
        char created[32], finished[32], shortid[9];
        snprintf(shortid, sizeof shortid, "%s", id != NULL ? id : "");
        if (html_put(out, err, "<tr><td><a class=\"job\" title=\"%s\" href=\"%s/jobs/%s?f=html\">"
                               "<code>%s</code></a></td><td><a href=\"%s/processes/%s?f=html\">%s</a>"
                               "</td><td>",
                     id, r->base, id, shortid, r->base, pid, pid) < 0 ||
            status_badge(out, str(j, "status"), err) < 0 ||
            (json_is_integer(pr) &&
             html_put(out, err, "</td><td>%l %%", (long)json_integer_value(pr)) < 0) ||
            (!json_is_integer(pr) && html_put(out, err, "</td><td>") < 0) ||
            html_put(out, err, "</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                     short_time(str(j, "created"), created, sizeof created),
                     short_time(str(j, "finished"), finished, sizeof finished),
                     str(j, "message")) < 0) {
            return -1;
        }
    }
    const char *next = html_link_href(doc, "next");
    if (html_put(out, err, "</table>\n<p class=\"pager\">") < 0 ||
        (json_array_size(json_object_get(doc, "jobs")) == 0 &&
         html_put(out, err, "No job matches.") < 0) ||
        (next != NULL && html_put(out, err, "<a rel=\"next\" href=\"%s\">next &rarr;</a>", next) < 0) ||
        html_put(out, err, "</p>\n") < 0) {
        return -1;
    }
    return html_end(out, err);
}

static int log_lines(struct buf *out, const json_t *lines, struct qerr *err)
{
    size_t i;
    const json_t *l;
    if (html_put(out, err, "<pre id=\"logs\" class=\"log\">") < 0) {
        return -1;
    }
    json_array_foreach (lines, i, l) {
        if (html_put(out, err, "<span class=\"muted\">%s %s</span> %s\n", str(l, "at"),
                     str(l, "stream"), str(l, "line")) < 0) {
            return -1;
        }
    }
    return html_put(out, err, "%r</pre>\n", json_array_size(lines) == 0 ? "(no output yet)" : "");
}

/* The first lines of the job's log, read here: the status document does not carry them. */
static int job_logs(struct buf *out, const struct http_req *r, const char *id, struct qerr *err)
{
    struct qerr e = QERR_INIT;
    struct db *db = api_db(r->ctx, &e);
    json_t *lines = db != NULL ? db_api_job_logs(db, id, 0, PAGE_LOG_LINES, &e) : NULL;
    int rc = html_put(out, err, "<h2>Logs</h2>\n<p><a id=\"logs-link\" href=\"%s/jobs/%s/logs?f=html\">"
                                "the whole log</a></p>\n",
                      r->base, id);
    if (rc == 0) {
        rc = lines != NULL ? log_lines(out, lines, err)
                           : html_put(out, err, "<p class=\"muted\">The logs cannot be read now.</p>");
    }
    json_decref(lines);
    return rc;
}

static int job_progress(struct buf *out, const json_t *doc, struct qerr *err)
{
    const json_t *pr = json_object_get(doc, "progress");
    if (!json_is_integer(pr)) {
        return html_put(out, err, "<tr><th>Progress</th><td class=\"muted\">not reported</td></tr>");
    }
    long p = (long)json_integer_value(pr);
    return html_put(out, err, "<tr><th>Progress</th><td><progress id=\"progress\" max=\"100\" "
                              "value=\"%l\">%l %%</progress> %l %%</td></tr>",
                    p, p, p);
}

int html_job(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
             struct qerr *err)
{
    const char *id = str(doc, "jobID"), *pid = str(doc, "processID"), *status = str(doc, "status");
    bool final = html_status_final(status);
    if (id == NULL || pid == NULL || status == NULL) {
        qerr_set(err, QERR_INTERNAL, "job document without jobID, processID or status");
        return -1;
    }
    if (html_begin(out, r, title, final ? 0 : REFRESH_SECONDS, err) < 0 ||
        html_put(out, err, "<table id=\"job\" class=\"facts\"><tr><th>Status</th><td id=\"status\">") < 0 ||
        status_badge(out, status, err) < 0 ||
        html_put(out, err, "%r</td></tr><tr><th>Process</th><td><a href=\"%s/processes/%s?f=html\">"
                           "%s</a></td></tr>",
                 final ? "" : " <span class=\"muted\">(this page refreshes itself)</span>", r->base,
                 pid, pid) < 0 ||
        job_progress(out, doc, err) < 0 ||
        html_put(out, err, "<tr><th>Message</th><td id=\"message\">%s</td></tr>"
                           "<tr><th>Created</th><td>%s</td></tr><tr><th>Started</th><td>%s</td></tr>"
                           "<tr><th>Finished</th><td>%s</td></tr><tr><th>Updated</th><td>%s</td></tr>"
                           "</table>\n",
                 str(doc, "message"), str(doc, "created"), str(doc, "started"),
                 str(doc, "finished"), str(doc, "updated")) < 0) {
        return -1;
    }
    if (strcmp(status, "successful") == 0 &&
        html_put(out, err, "<h2>Results</h2>\n<p><a id=\"results-link\" "
                           "href=\"%s/jobs/%s/results?f=html\">the results</a> "
                           "(<a href=\"%s/jobs/%s/results?f=json\">as JSON</a>)</p>\n",
                 r->base, id, r->base, id) < 0) {
        return -1;
    }
    if (job_logs(out, r, id, err) < 0 ||
        html_put(out, err, "<p><a href=\"%s/jobs/%s/metadata?f=html\">where and how it ran</a></p>\n",
                 r->base, id) < 0) {
        return -1;
    }
    return html_end(out, err);
}

int html_job_logs(const struct http_req *r, const char *title, const json_t *doc, struct buf *out,
                  struct qerr *err)
{
    const char *id = str(doc, "jobID"), *status = str(doc, "status");
    bool final = html_status_final(status);
    if (html_begin(out, r, title, final ? 0 : REFRESH_SECONDS, err) < 0 ||
        html_put(out, err, "<p>Job <a href=\"%s/jobs/%s?f=html\"><code>%s</code></a> is ", r->base,
                 id, id) < 0 ||
        status_badge(out, status, err) < 0 || html_put(out, err, "</p>\n") < 0 ||
        log_lines(out, json_object_get(doc, "logs"), err) < 0) {
        return -1;
    }
    return html_end(out, err);
}

int html_job_results(const struct http_req *r, const char *title, const json_t *doc,
                     struct buf *out, struct qerr *err)
{
    const char *id = r->segs[1];
    if (html_begin(out, r, title, 0, err) < 0 ||
        html_put(out, err, "<p>Results of job <a href=\"%s/jobs/%s?f=html\"><code>%s</code></a></p>\n"
                           "<table id=\"results\"><tr><th>Output</th><th>Value</th></tr>\n",
                 r->base, id, id) < 0) {
        return -1;
    }
    const char *oid;
    const json_t *v;
    json_object_foreach ((json_t *)doc, oid, v) {
        const char *href = str(v, "href");
        if (html_put(out, err, "<tr><td><code>%s</code></td><td>", oid) < 0 ||
            (href != NULL && html_put(out, err, "<a class=\"output\" href=\"%s\">%s</a> "
                                                "<span class=\"muted\">%s</span>",
                                      href, href, str(v, "type")) < 0) ||
            (href == NULL && html_json(out, v, err) < 0) || html_put(out, err, "</td></tr>\n") < 0) {
            return -1;
        }
    }
    return html_put(out, err, "</table>\n") < 0 ? -1 : html_end(out, err);
}
