// SPDX-License-Identifier: MIT
/*
 * http_params - checks of query parameters shared by the resources:
 * unknown names (400 naming them), bounded integers such as limit, and
 * list-valued parameters (comma-separated and/or repeated).
 */
#ifndef QUERN_CGI_HTTP_PARAMS_H
#define QUERN_CGI_HTTP_PARAMS_H

#include "cgi/api.h"

/* -1 with QERR_INVALID naming the first parameter not in allowed (NULL-terminated;
 * "f" is always allowed). */
int http_params_check(const struct http_req *r, const char *const *allowed, struct qerr *err)
    QUERN_MUSTCHECK;
/* The integer value of name within [min,max], or dflt when absent; -1 and QERR_INVALID
 * when present and not such an integer. */
int http_param_long(const struct http_req *r, const char *name, long min, long max, long dflt,
                    long *out, struct qerr *err) QUERN_MUSTCHECK;
/* Collects every value of name (repeated and comma-separated) into a PostgreSQL array
 * literal in out ("{"a","b"}"); *present says whether there was any. Values must pass
 * ok() (NULL: any). -1 with QERR_INVALID otherwise. */
int http_param_list(const struct http_req *r, const char *name, bool (*ok)(const char *),
                    struct buf *out, bool *present, struct qerr *err) QUERN_MUSTCHECK;

#endif
