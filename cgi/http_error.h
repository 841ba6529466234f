// SPDX-License-Identifier: MIT
/*
 * http_error - the only place that maps an error to an HTTP status and an
 * OGC exception type. A handler names what went wrong (enum http_exc, or
 * HTTP_EXC_FROM_CODE to let the qerr code decide) and this module answers
 * with an exception document {type, title, status, detail} as
 * application/json, whatever representation was negotiated.
 */
#ifndef QUERN_CGI_HTTP_ERROR_H
#define QUERN_CGI_HTTP_ERROR_H

#include "cgi/api.h"

enum http_exc {
    HTTP_EXC_FROM_CODE,      /* status and type follow err->code */
    HTTP_EXC_NO_SUCH_PROCESS,
    HTTP_EXC_NO_SUCH_JOB,
    HTTP_EXC_NO_SUCH_OUTPUT,
    HTTP_EXC_RESULT_NOT_READY,
    HTTP_EXC_NOT_FOUND,      /* unknown path */
    HTTP_EXC_METHOD,         /* the path exists, the method does not */
    HTTP_EXC_SYNC_TIMEOUT,   /* a sync-only job outlived its wait */
    HTTP_EXC_NOT_AVAILABLE,  /* process removed from its plugin file */
    HTTP_EXC_DB_DOWN,        /* PostgreSQL cannot be reached */
    HTTP_EXC_UNAUTHORIZED,   /* credentials missing or wrong (http_auth.c adds the challenge) */
    HTTP_EXC_FORBIDDEN,      /* authenticated, not allowed */
    HTTP_EXC_UNSUPPORTED_MEDIA, /* Part 2: a deploy body of a media type quern does not read */
    HTTP_EXC_DUPLICATED_PROCESS, /* Part 2: deploy of an id that exists */
    HTTP_EXC_IMMUTABLE_PROCESS,  /* Part 2: replace/undeploy of a plugin file's process */
    HTTP_EXC__COUNT
};

/* Answers with the exception for exc; detail is err->msg (may be NULL for none). */
void http_error_send(struct http_req *r, enum http_exc exc, const struct qerr *err);
/* Like http_error_send with a detail longer than a qerr holds (copied, bounded to 8 KiB)
 * and the members of extra (an object or NULL, borrowed) added to the document, e.g. the
 * list of problems of a deployed definition. */
void http_error_send_long(struct http_req *r, enum http_exc exc, enum qerr_code code,
                          const char *detail, const json_t *extra);
/* Answers with a failed job's stored exception (borrowed); its status is kept when it is a
 * 4xx/5xx, else 500. */
void http_error_send_job(struct http_req *r, const json_t *exception);
/* The HTTP status http_error_send would use (for tests and logs). */
int http_error_status(enum http_exc exc, enum qerr_code code);

#endif
