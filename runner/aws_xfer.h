// SPDX-License-Identifier: MIT
/*
 * aws_xfer - one signed AWS call run on the runner's loop (curlm), retried
 * with capped, jittered exponential backoff while AWS throttles, answers
 * 5xx or the network fails. Each try is signed anew (fresh X-Amz-Date).
 *
 * The done callback fires exactly once, from inside the loop, with the
 * final classification and the reply body (borrowed for the call); the
 * transfer frees itself when the callback returns. aws_xfer_cancel() before
 * that frees it without a callback.
 * Use: aws_xfer_start -> (done) | aws_xfer_cancel.
 */
#ifndef QUERN_AWS_XFER_H
#define QUERN_AWS_XFER_H

#include "common/aws.h"
#include "runner/curlm.h"
#include "runner/ev.h"

struct aws_xfer;

typedef void (*aws_xfer_cb)(const struct aws_reply *reply, const char *body, size_t len, int tries,
                            void *arg);

/* Retry delays: from this many ms doubling up to the cap. */
#define AWS_XFER_BASE_MS 200
#define AWS_XFER_CAP_MS 20000

/*
 * Starts call (copied as needed; creds borrowed, must outlive the transfer).
 * max_tries >= 1. NULL with err when it cannot even start.
 */
struct aws_xfer *aws_xfer_start(struct ev *ev, struct curlm *m, const struct aws_creds *creds,
                                const struct aws_call *call, int max_tries, aws_xfer_cb done,
                                void *arg, struct qerr *err);
/*
 * For streaming calls (aws_call.read_cb / write_cb): rewind(arg) runs before
 * every retry, so the stream starts again from its first byte.
 */
void aws_xfer_set_rewind(struct aws_xfer *x, void (*rewind)(void *arg), void *arg);
/* Stops and frees a transfer whose callback has not fired. Accepts NULL. */
void aws_xfer_cancel(struct aws_xfer *x);

#endif
