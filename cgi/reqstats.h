// SPDX-License-Identifier: MIT
/*
 * reqstats - one worker's HTTP request counters, kept in memory and added to
 * quern.api_requests in batches, so GET /metrics can sum over every worker
 * without a database write per request.
 *
 * Keys are (route pattern, method, status code): bounded by the route table,
 * so the set stays small (REQSTATS_MAX_KEYS caps it anyway; past it, requests
 * count under route "overflow", method OTHER, status 500). Latencies go into fixed buckets
 * (reqstats_bounds). A flush sends every pending key in one statement and
 * starts over; when it fails the counts stay and the next flush retries.
 * Use: reqstats_add per request -> reqstats_wait_ms / reqstats_due ->
 * reqstats_flush -> reqstats_cleanup at exit.
 */
#ifndef QUERN_CGI_REQSTATS_H
#define QUERN_CGI_REQSTATS_H

#include <jansson.h>

#include "common/compat.h"
#include "common/db.h"
#include "common/qerr.h"

#define REQSTATS_NBOUNDS 12
#define REQSTATS_MAX_KEYS 2048

/* Upper bounds in seconds of the latency buckets, ascending (+Inf is implicit). */
extern const double reqstats_bounds[REQSTATS_NBOUNDS];

struct reqstats_entry {
    char route[64];
    char method[8];
    int code;
    long long count;
    double seconds;
    long long buckets[REQSTATS_NBOUNDS]; /* not cumulative; slower than every bound: none */
};

struct reqstats {
    struct reqstats_entry *v;
    size_t n, cap;
    long pending;      /* requests counted since the last flush */
    double first_at;   /* monotonic seconds of the oldest unflushed request */
};

/* Monotonic clock in seconds. */
double reqstats_now(void);

/* Counts one answered request; route NULL means no route matched. Never fails. */
void reqstats_add(struct reqstats *s, const char *route, const char *method, int code,
                  double seconds, double now);

/* True when a flush is due: max_requests pending, or the oldest is max_seconds old. */
bool reqstats_due(const struct reqstats *s, long max_requests, long max_seconds, double now);

/* Milliseconds until a time-based flush is due (0: now), -1 when nothing is pending. */
int reqstats_wait_ms(const struct reqstats *s, long max_seconds, double now);

/* The pending counts as api_requests_add rows (new reference), NULL when out of memory. */
json_t *reqstats_rows(const struct reqstats *s);

/* Adds the pending counts to quern.api_requests and starts over; on failure keeps them. */
int reqstats_flush(struct reqstats *s, struct db *db, struct qerr *err) QUERN_MUSTCHECK;

void reqstats_cleanup(struct reqstats *s);

#endif
