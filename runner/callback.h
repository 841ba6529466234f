// SPDX-License-Identifier: MIT
/*
 * callback - subscriber callbacks (OGC "callback" conformance class): a
 * POST of JSON to successUri, failedUri or inProgressUri, sent through
 * curlm on the loop so a slow receiver never blocks anything.
 *
 * Each callback is retried callbacks.retries times with exponential
 * backoff; only http and https, no redirects; a connection to a loopback,
 * link-local, private or otherwise non-public address is refused (checked
 * on the resolved address, right before connecting; common/netaddr) unless
 * callbacks.allow_private is true or callbacks.allow_networks holds it.
 * URLs are logged by host only.
 */
#ifndef QUERN_CALLBACK_H
#define QUERN_CALLBACK_H

#include <jansson.h>
#include <sys/socket.h>

#include "common/cfg.h"
#include "runner/rjob_files.h"

struct runner;
struct callback_q;

/* Queues a POST of body (stolen; NULL is ignored) to url. */
void callback_post(struct runner *r, const char *url, json_t *body);
/* Callbacks queued or in flight. */
int callback_pending(const struct runner *r);
/* Cancels everything (at exit). */
void callback_q_free(struct runner *r);

/* The results document for successUri: values plus links to file outputs. New reference. */
json_t *callback_results_doc(const struct cfg *cfg, const char *job_id, const json_t *results,
                             const struct rjob_file *files, size_t nfiles);

/* True for loopback, link-local, private, shared, multicast, reserved or unspecified addresses. */
bool callback_addr_private(const struct sockaddr *sa);
/* Delay before retry number attempt (1..): 1 s, 2 s, 4 s ... at most 60 s. */
long callback_backoff_ms(int attempt);

#endif
