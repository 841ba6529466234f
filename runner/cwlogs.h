// SPDX-License-Identifier: MIT
/*
 * cwlogs - CloudWatch Logs GetLogEvents as quern reads a Batch job's output
 * (awsJson 1.1: POST /, X-Amz-Target Logs_20140328.GetLogEvents, service
 * "logs"). Paging: the first call starts from the head; each next call
 * passes the previous nextForwardToken; the stream is drained when the
 * token comes back unchanged. No I/O here: be_batch.c sends the body.
 * Use: cwlogs_request_body() -> send -> cwlogs_parse() -> repeat.
 */
#ifndef QUERN_CWLOGS_H
#define QUERN_CWLOGS_H

#include "common/buf.h"
#include "common/compat.h"
#include "common/qerr.h"

#define CWLOGS_TARGET "Logs_20140328.GetLogEvents"
#define CWLOGS_CONTENT_TYPE "application/x-amz-json-1.1"
/* Events asked for per call (GetLogEvents returns at most 10,000 or 1 MB). */
#define CWLOGS_LIMIT 1000

/* token NULL or "": from the head of the stream. New JSON text, owned by the caller. */
char *cwlogs_request_body(const char *group, const char *stream, const char *token,
                          struct qerr *err);

struct cwlogs_page {
    char *next_token; /* nextForwardToken, owned; NULL when absent */
    size_t events;    /* events in this page */
    bool drained;     /* the token came back unchanged: nothing more for now */
};

/*
 * Appends each event's message plus "\n" to out (bounded: QERR_TOO_LARGE
 * past its max). prev_token is the token sent (NULL for the first call).
 */
int cwlogs_parse(const char *body, size_t len, const char *prev_token, struct buf *out,
                 struct cwlogs_page *page, struct qerr *err) QUERN_MUSTCHECK;
void cwlogs_page_cleanup(struct cwlogs_page *page);

#endif
