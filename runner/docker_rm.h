// SPDX-License-Identifier: MIT
/*
 * docker_rm - removal of containers whose jobs have ended, which outlives
 * the jobs themselves.
 *
 * docker_rm_container() starts a forced DELETE in the background and
 * forgets about it once the engine answered (404 counts as removed); a
 * failure is logged, never retried. docker_rm_free() runs on the shutdown
 * path, after the loop stopped: it finishes the pending removals there and
 * then (blocking, bounded by DOCKER_RM_TIMEOUT_MS each), so a stopping
 * runner leaves no container behind.
 * Use: docker_rm_new -> docker_rm_container ... -> docker_rm_free.
 */
#ifndef QUERN_DOCKER_RM_H
#define QUERN_DOCKER_RM_H

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/curlm.h"

#define DOCKER_RM_TIMEOUT_MS 15000L

struct docker_rm;

/* m, socket and ver are borrowed and must outlive the remover. */
struct docker_rm *docker_rm_new(struct curlm *m, const char *socket, const char *ver,
                                struct qerr *err);
/* Finishes pending removals (blocking) and frees. Accepts NULL. */
void docker_rm_free(struct docker_rm *rm);

/* Removes container cid, running or not, in the background. */
void docker_rm_container(struct docker_rm *rm, const char *cid);

#endif
