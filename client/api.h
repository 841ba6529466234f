// SPDX-License-Identifier: MIT
/*
 * api - the server's OGC API - Processes resources as the client sees them:
 * JSON in, JSON out, and an error answer turned into a qerr that carries the
 * exception's title and detail (RFC 7807 document) or, for a body that is
 * not one, the status and the start of the body.
 *
 * The last exception document is kept in cli->exception: main() prints it
 * with --json when the command fails, so scripts see the server's own words. Paths are built with
 * api_path(), which percent-encodes the id.
 */
#ifndef QUERN_CLIENT_API_H
#define QUERN_CLIENT_API_H

#include "common/compat.h"

#include <jansson.h>

#include "client/cli.h"
#include "common/qerr.h"

#define API_PATH_MAX 1024

struct api_answer {
    long status;
    char location[HTTP_URL_MAX];
    char monitor[HTTP_URL_MAX]; /* Link rel="monitor": the job a sync answer came from */
    json_t *doc;                /* new reference, NULL when the body was empty */
};

/* Fills out with prefix + escaped id + suffix ("/jobs/" id "/results"). */
int api_path(const struct cli *cli, const char *prefix, const char *id, const char *suffix,
             char *out, size_t outsz, struct qerr *err) QUERN_MUSTCHECK;

/*
 * Sends a request and reads a JSON answer. A 2xx status with a JSON (or
 * empty) body returns 0 and fills ans (release with api_answer_cleanup);
 * anything else returns -1 with err set (QERR_NOTFOUND for 404, otherwise
 * QERR_BACKEND) and ans->doc holding the error document when it was JSON.
 * Always call api_answer_cleanup. body may be NULL; prefer and timeout_s as
 * http_request.
 */
int api_send(struct cli *cli, const char *method, const char *path, const json_t *body,
             const char *prefer, long timeout_s, struct api_answer *ans,
             struct qerr *err) QUERN_MUSTCHECK;
void api_answer_cleanup(struct api_answer *ans);

/* GET path expecting a JSON object; *out is a new reference. */
int api_get(struct cli *cli, const char *path, json_t **out, struct qerr *err) QUERN_MUSTCHECK;

/* Turns a non-2xx answer into err (see above) and keeps its exception in cli->exception. */
void api_fail(struct cli *cli, const struct http_resp *r, struct qerr *err);

/* GET /jobs/{id}: the statusInfo document, new reference. */
int api_job_status(struct cli *cli, const char *job_id, json_t **out,
                   struct qerr *err) QUERN_MUSTCHECK;

/* True for successful, failed and dismissed. */
bool api_status_is_final(const char *status);

/* Prints doc as indented JSON and a newline to f. */
void api_print_json(FILE *f, const json_t *doc);

#endif
