// SPDX-License-Identifier: MIT
/*
 * http_metrics - GET /metrics: the Prometheus text exposition of what the
 * database knows (jobs by process and status, the queue, job run times,
 * runners and their slots) and of the HTTP requests every quern-api worker
 * has answered (quern.api_requests, which reqstats.c fills in batches; this
 * worker adds its own pending counts first). metrics.access decides who may
 * read it: admins (default), anyone the API lets in, or nobody (404). Every
 * number is read at scrape time; nothing is cached between requests.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_metrics.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"
#include "cgi/prom.h"
#include "cgi/reqstats.h"
#include "common/log.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_MAX (16 * 1024 * 1024)

/* Run-time buckets of jobs, seconds: a second to a day. */
static const double job_bounds[] = {1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 21600, 86400};
#define NJOB_BOUNDS QUERN_ARRAY_LEN(job_bounds)

static const char *const statuses[] = {"accepted", "running", "successful", "failed",
                                       "dismissed"};

static const char *str_at(const json_t *row, size_t i)
{
    const char *s = json_string_value(json_array_get(row, i));
    return s != NULL ? s : "";
}

static double num_at(const json_t *row, size_t i)
{
    return json_number_value(json_array_get(row, i));
}

static int fmt_le(char *out, size_t outsz, double le)
{
    return snprintf(out, outsz, "%.15g", le) >= (int)outsz ? -1 : 0;
}

/* quern_jobs{process,status}: every status of every process, zeros included. */
static int jobs(struct buf *b, const json_t *rows, struct qerr *err)
{
    if (prom_family(b, "quern_jobs", "gauge",
                    "Jobs in quern.jobs by process and status (purged jobs are gone).", err) < 0) {
        return -1;
    }
    size_t i = 0, n = json_array_size(rows);
    while (i < n) {
        const char *pid = str_at(json_array_get(rows, i), 0);
        double counts[QUERN_ARRAY_LEN(statuses)] = {0};
        for (; i < n && strcmp(str_at(json_array_get(rows, i), 0), pid) == 0; i++) {
            const json_t *row = json_array_get(rows, i);
            for (size_t s = 0; s < QUERN_ARRAY_LEN(statuses); s++) {
                if (strcmp(str_at(row, 1), statuses[s]) == 0) {
                    counts[s] += num_at(row, 2);
                }
            }
        }
        for (size_t s = 0; s < QUERN_ARRAY_LEN(statuses); s++) {
            const char *kv[] = {"process", pid, "status", statuses[s], NULL};
            if (prom_sample(b, "quern_jobs", kv, counts[s], err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int queue(struct buf *b, const json_t *rows, struct qerr *err)
{
    const json_t *row = json_array_get(rows, 0);
    if (prom_family(b, "quern_queue_jobs", "gauge",
                    "Accepted jobs waiting for a runner to claim them.", err) < 0 ||
        prom_sample(b, "quern_queue_jobs", NULL, num_at(row, 0), err) < 0 ||
        prom_family(b, "quern_queue_oldest_age_seconds", "gauge",
                    "How long the oldest accepted job has waited; 0 when none waits.", err) < 0 ||
        prom_sample(b, "quern_queue_oldest_age_seconds", NULL, num_at(row, 1), err) < 0) {
        return -1;
    }
    return 0;
}

/* One histogram series: counts[i] (not cumulative) per bound, counts[nb] above all. */
static int histogram(struct buf *b, const char *name, const char *const *kv, const double *bounds,
                     size_t nb, const double *counts, double sum, struct qerr *err)
{
    char bucket[96], sname[96], cname[96], le[32];
    snprintf(bucket, sizeof bucket, "%s_bucket", name);
    snprintf(sname, sizeof sname, "%s_sum", name);
    snprintf(cname, sizeof cname, "%s_count", name);
    const char *lkv[16];
    size_t k = 0;
    for (; kv[k] != NULL && k < QUERN_ARRAY_LEN(lkv) - 3; k++) {
        lkv[k] = kv[k];
    }
    lkv[k] = "le";
    lkv[k + 2] = NULL;
    double cum = 0;
    for (size_t i = 0; i <= nb; i++) {
        cum += counts[i];
        if (i < nb && fmt_le(le, sizeof le, bounds[i]) < 0) {
            return -1;
        }
        lkv[k + 1] = i < nb ? le : "+Inf";
        if (prom_sample(b, bucket, lkv, cum, err) < 0) {
            return -1;
        }
    }
    if (prom_sample(b, sname, kv, sum, err) < 0 || prom_sample(b, cname, kv, cum, err) < 0) {
        return -1;
    }
    return 0;
}

/* quern_job_duration_seconds{process,status}: rows are (process, status, bucket, n, sum). */
static int durations(struct buf *b, const json_t *rows, struct qerr *err)
{
    if (prom_family(b, "quern_job_duration_seconds", "histogram",
                    "Run time (finished - started) by process and final status of the jobs that "
                    "finished in the last metrics.job_window seconds (0: every job kept).",
                    err) < 0) {
        return -1;
    }
    size_t i = 0, n = json_array_size(rows);
    while (i < n) {
        const json_t *first = json_array_get(rows, i);
        const char *pid = str_at(first, 0), *status = str_at(first, 1);
        double counts[NJOB_BOUNDS + 1] = {0}, sum = 0;
        for (; i < n; i++) {
            const json_t *row = json_array_get(rows, i);
            if (strcmp(str_at(row, 0), pid) != 0 || strcmp(str_at(row, 1), status) != 0) {
                break;
            }
            json_int_t bk = json_integer_value(json_array_get(row, 2));
            counts[bk >= 0 && (size_t)bk <= NJOB_BOUNDS ? (size_t)bk : NJOB_BOUNDS] +=
                num_at(row, 3);
            sum += num_at(row, 4);
        }
        const char *kv[] = {"process", pid, "status", status, NULL};
        if (histogram(b, "quern_job_duration_seconds", kv, job_bounds, NJOB_BOUNDS, counts, sum,
                      err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Runner rows: (id, slots, running, heartbeat age, backends). */
static int runners(struct buf *b, const json_t *rows, long live_within, struct qerr *err)
{
    double live = 0, free_slots = 0;
    size_t i;
    const json_t *row;
    json_array_foreach (rows, i, row) {
        if (num_at(row, 3) <= (double)live_within) {
            live++;
            double f = num_at(row, 1) - num_at(row, 2);
            free_slots += f > 0 ? f : 0;
        }
    }
    if (prom_family(b, "quern_runners", "gauge",
                    "Runners whose last heartbeat is at most runner.lease seconds old.", err) < 0 ||
        prom_sample(b, "quern_runners", NULL, live, err) < 0 ||
        prom_family(b, "quern_runner_free_slots", "gauge",
                    "Job slots of those runners not running a job.", err) < 0 ||
        prom_sample(b, "quern_runner_free_slots", NULL, free_slots, err) < 0) {
        return -1;
    }
    static const struct {
        const char *name, *help;
        size_t col;
    } per[] = {
        {"quern_runner_slots", "Jobs the runner runs at once (quern.runners.slots).", 1},
        {"quern_runner_running", "Jobs the runner ran at its last heartbeat.", 2},
        {"quern_runner_heartbeat_age_seconds", "Seconds since the runner's last heartbeat.", 3},
    };
    for (size_t p = 0; p < QUERN_ARRAY_LEN(per); p++) {
        if (prom_family(b, per[p].name, "gauge", per[p].help, err) < 0) {
            return -1;
        }
        json_array_foreach (rows, i, row) {
            const char *kv[] = {"runner", str_at(row, 0), NULL};
            if (prom_sample(b, per[p].name, kv, num_at(row, per[p].col), err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static bool same_bounds(const json_t *le)
{
    if (json_array_size(le) != REQSTATS_NBOUNDS) {
        return false;
    }
    for (size_t i = 0; i < REQSTATS_NBOUNDS; i++) {
        if (json_number_value(json_array_get(le, i)) != reqstats_bounds[i]) {
            return false;
        }
    }
    return true;
}

/* Request rows: (route, method, code, count, seconds, le, buckets), ordered by route, method. */
static int requests(struct buf *b, const json_t *rows, struct qerr *err)
{
    size_t i;
    const json_t *row;
    if (prom_family(b, "quern_http_requests_total", "counter",
                    "HTTP requests answered by quern-api, by route pattern, method and status.",
                    err) < 0) {
        return -1;
    }
    json_array_foreach (rows, i, row) {
        char code[16];
        snprintf(code, sizeof code, "%d", (int)num_at(row, 2));
        const char *kv[] = {"route", str_at(row, 0), "method", str_at(row, 1), "code", code, NULL};
        if (prom_sample(b, "quern_http_requests_total", kv, num_at(row, 3), err) < 0) {
            return -1;
        }
    }
    if (prom_family(b, "quern_http_request_duration_seconds", "histogram",
                    "Time quern-api took to answer, by route pattern and method.", err) < 0) {
        return -1;
    }
    size_t n = json_array_size(rows);
    i = 0;
    while (i < n) {
        const json_t *first = json_array_get(rows, i);
        const char *route = str_at(first, 0), *method = str_at(first, 1);
        double counts[REQSTATS_NBOUNDS + 1] = {0}, sum = 0;
        for (; i < n; i++) {
            row = json_array_get(rows, i);
            if (strcmp(str_at(row, 0), route) != 0 || strcmp(str_at(row, 1), method) != 0) {
                break;
            }
            if (!same_bounds(json_array_get(row, 5))) {
                continue; /* counted by another quern version: only in requests_total */
            }
            double in_bounds = 0;
            for (size_t k = 0; k < REQSTATS_NBOUNDS; k++) {
                double c = json_number_value(json_array_get(json_array_get(row, 6), k));
                counts[k] += c;
                in_bounds += c;
            }
            counts[REQSTATS_NBOUNDS] += num_at(row, 3) - in_bounds;
            sum += num_at(row, 4);
        }
        const char *kv[] = {"route", route, "method", method, NULL};
        if (histogram(b, "quern_http_request_duration_seconds", kv, reqstats_bounds,
                      REQSTATS_NBOUNDS, counts, sum, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The float8[] literal of job_bounds ("{1,5,...}"). */
static int bounds_literal(char *out, size_t outsz)
{
    size_t used = 0;
    for (size_t i = 0; i < NJOB_BOUNDS; i++) {
        int w = snprintf(out + used, outsz - used, "%s%.15g", i == 0 ? "{" : ",", job_bounds[i]);
        if (w < 0 || (size_t)w >= outsz - used) {
            return -1;
        }
        used += (size_t)w;
    }
    return snprintf(out + used, outsz - used, "}") == 1 ? 0 : -1;
}

static int render(struct http_req *r, const json_t *m, struct buf *b, struct qerr *err)
{
    const char *kv[] = {"version", PACKAGE_VERSION, NULL};
    if (prom_family(b, "quern_info", "gauge", "Version of the quern-api that answered.", err) < 0 ||
        prom_sample(b, "quern_info", kv, 1, err) < 0 ||
        jobs(b, json_object_get(m, "jobs"), err) < 0 ||
        queue(b, json_object_get(m, "queue"), err) < 0 ||
        durations(b, json_object_get(m, "durations"), err) < 0 ||
        runners(b, json_object_get(m, "runners"), r->ctx->cfg.runner_lease, err) < 0 ||
        requests(b, json_object_get(m, "requests"), err) < 0) {
        return -1;
    }
    return 0;
}

/* True when the asker may read /metrics; answers 404/401/403 otherwise. */
static bool allowed(struct http_req *r)
{
    const char *access = r->ctx->cfg.metrics_access != NULL ? r->ctx->cfg.metrics_access : "admin";
    if (strcmp(access, "off") == 0) {
        struct qerr err = QERR_INIT;
        qerr_set(&err, QERR_NOTFOUND, "no resource at %s (metrics.access is off)", r->path);
        http_error_send(r, HTTP_EXC_NOT_FOUND, &err);
        return false;
    }
    if (strcmp(access, "public") == 0) {
        return true;
    }
    return http_auth_require_admin(r, "read /metrics (metrics.access: admin)");
}

void http_metrics_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct buf out;
    json_t *m = NULL;
    char bounds[256];
    buf_init(&out, METRICS_MAX);
    if (!allowed(r)) {
        goto out;
    }
    if (http_params_check(r, NULL, &err) < 0 || bounds_literal(bounds, sizeof bounds) < 0) {
        qerr_set(&err, QERR_INTERNAL, "bucket bounds do not fit");
        goto fail;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL) {
        goto fail;
    }
    struct qerr ferr = QERR_INIT;
    if (reqstats_flush(&r->ctx->reqstats, db, &ferr) < 0) {
        log_warn("metrics: adding this worker's request counts failed: %s", ferr.msg);
    }
    m = db_metrics_read(db, r->ctx->cfg.metrics_job_window, bounds, &err);
    if (m == NULL || render(r, m, &out, &err) < 0) {
        goto fail;
    }
    http_send(r, 200, PROM_TYPE, buf_cstr(&out), out.len);
    goto out;
fail:
    http_error_send(r, HTTP_EXC_FROM_CODE, &err);
out:
    json_decref(m);
    buf_cleanup(&out);
}
