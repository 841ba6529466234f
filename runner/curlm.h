// SPDX-License-Identifier: MIT
/*
 * curlm - runs libcurl transfers on the runner's ev_ loop (multi socket API).
 *
 * One curlm per loop owns a CURLM handle; curl tells it which sockets to
 * watch and when to time out, and it forwards readiness to
 * curl_multi_socket_action. A transfer is an easy handle the caller
 * configured and owns; curlm_add() starts it and its done callback fires
 * exactly once from inside the loop (unless curlm_remove() cancels it first).
 * Nothing here blocks: name resolution uses curl's threaded resolver.
 * Use: curlm_new -> curlm_add ... (done callbacks) -> curlm_free.
 * Backends doing HTTP (docker, aws-batch, slurm-rest) share the runner's.
 */
#ifndef QUERN_CURLM_H
#define QUERN_CURLM_H

#include <curl/curl.h>

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/ev.h"

struct curlm;

/* The transfer ended: rc is curl's result; the caller may now free easy (not before). */
typedef void (*curlm_done_cb)(CURL *easy, CURLcode rc, void *arg);

struct curlm *curlm_new(struct ev *ev, struct qerr *err);
/* Cancels every running transfer (no callbacks) and frees the multi handle. Accepts NULL. */
void curlm_free(struct curlm *m);

/* Starts easy (borrowed until done/removed); done(easy, rc, arg) fires once. */
int curlm_add(struct curlm *m, CURL *easy, curlm_done_cb done, void *arg, struct qerr *err)
    QUERN_MUSTCHECK;
/* Cancels a running transfer without calling its callback. */
void curlm_remove(struct curlm *m, CURL *easy);

/* Transfers in flight. */
int curlm_running(const struct curlm *m);

#endif
