// SPDX-License-Identifier: MIT
/* reqstats - per-worker request counters flushed in batches; see reqstats.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/db_metrics.h"
#include "cgi/reqstats.h"

const double reqstats_bounds[REQSTATS_NBOUNDS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10,  30};

double reqstats_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct reqstats_entry *find(struct reqstats *s, const char *route, const char *method,
                                   int code)
{
    for (size_t i = 0; i < s->n; i++) {
        struct reqstats_entry *e = &s->v[i];
        if (e->code == code && strcmp(e->route, route) == 0 && strcmp(e->method, method) == 0) {
            return e;
        }
    }
    /* The last slot is kept for "overflow", so requests past the cap are still counted. */
    if (s->n >= REQSTATS_MAX_KEYS - (strcmp(route, "overflow") == 0 ? 0 : 1)) {
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 16 : s->cap * 2;
        cap = cap > REQSTATS_MAX_KEYS ? REQSTATS_MAX_KEYS : cap;
        struct reqstats_entry *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL) {
            return NULL;
        }
        s->v = v;
        s->cap = cap;
    }
    struct reqstats_entry *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->route, sizeof e->route, "%s", route);
    snprintf(e->method, sizeof e->method, "%s", method);
    e->code = code;
    return e;
}

void reqstats_add(struct reqstats *s, const char *route, const char *method, int code,
                  double seconds, double now)
{
    if (code < 100 || code > 599) {
        code = 500;
    }
    if (seconds < 0) {
        seconds = 0;
    }
    struct reqstats_entry *e = find(s, route != NULL ? route : "unmatched", method, code);
    if (e == NULL) {
        /* Out of keys or memory: one catch-all key (status 500 stands for any). */
        e = find(s, "overflow", "OTHER", 500);
        if (e == NULL) {
            return;
        }
    }
    e->count++;
    e->seconds += seconds;
    for (int i = 0; i < REQSTATS_NBOUNDS; i++) {
        if (seconds <= reqstats_bounds[i]) {
            e->buckets[i]++;
            break;
        }
    }
    if (s->pending == 0) {
        s->first_at = now;
    }
    s->pending++;
}

bool reqstats_due(const struct reqstats *s, long max_requests, long max_seconds, double now)
{
    if (s->pending == 0) {
        return false;
    }
    return s->pending >= max_requests || now - s->first_at >= (double)max_seconds;
}

int reqstats_wait_ms(const struct reqstats *s, long max_seconds, double now)
{
    if (s->pending == 0) {
        return -1;
    }
    double left = s->first_at + (double)max_seconds - now;
    if (left <= 0) {
        return 0;
    }
    return (int)(left * 1000.0) + 1;
}

json_t *reqstats_rows(const struct reqstats *s)
{
    json_t *rows = json_array();
    json_t *le = json_array();
    if (rows == NULL || le == NULL) {
        goto fail;
    }
    for (int i = 0; i < REQSTATS_NBOUNDS; i++) {
        if (json_array_append_new(le, json_real(reqstats_bounds[i])) < 0) {
            goto fail;
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct reqstats_entry *e = &s->v[i];
        if (e->count == 0) {
            continue;
        }
        json_t *b = json_array();
        if (b == NULL) {
            goto fail;
        }
        for (int k = 0; k < REQSTATS_NBOUNDS; k++) {
            json_array_append_new(b, json_integer(e->buckets[k]));
        }
        json_t *row = json_pack("{s:s, s:s, s:i, s:I, s:f, s:O, s:o}", "route", e->route,
                                "method", e->method, "code", e->code, "count",
                                (json_int_t)e->count, "seconds", e->seconds, "le", le, "buckets",
                                b);
        if (row == NULL || json_array_append_new(rows, row) < 0) {
            goto fail;
        }
    }
    json_decref(le);
    return rows;
fail:
    json_decref(le);
    json_decref(rows);
    return NULL;
}

int reqstats_flush(struct reqstats *s, struct db *db, struct qerr *err)
{
    if (s->pending == 0) {
        return 0;
    }
    json_t *rows = reqstats_rows(s);
    if (rows == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    int rc = 0;
    if (json_array_size(rows) > 0) {
        rc = db_metrics_requests_add(db, rows, err);
    }
    json_decref(rows);
    if (rc == 0) {
        s->n = 0;
        s->pending = 0;
    }
    return rc;
}

void reqstats_cleanup(struct reqstats *s)
{
    QFREE(s->v);
    s->n = s->cap = 0;
    s->pending = 0;
}
