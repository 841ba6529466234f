// SPDX-License-Identifier: MIT
/*
 * cmd_run - `quern run ID -i NAME=VALUE...`: read the process description,
 * build the inputs from its schemas (mistakes stop here, exit 2, before
 * anything is submitted), then execute.
 *
 * Without --async or --wait (and when the process allows it) the request
 * is synchronous and the server's results document is shown. --async
 * prints the new job's ID; --wait (with or without --async) submits
 * asynchronously and watches the job to its end. A synchronous request the
 * server turns into a job (201, its wait bound passed) is watched the same
 * way. A job that ends failed or dismissed exits 1.
 */
#include "common/compat.h"

#include <string.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/value.h"

/* Sync execution can take as long as the server lets it; it bounds the wait itself. */
#define RUN_SYNC_TIMEOUT_S 0L
#define RUN_ASYNC_TIMEOUT_S 120L

static bool allows(const json_t *desc, const char *option)
{
    const json_t *jco = json_object_get(desc, "jobControlOptions");
    if (!json_is_array(jco)) {
        return true;
    }
    size_t i;
    const json_t *o;
    json_array_foreach(jco, i, o)
    {
        const char *s = json_string_value(o);
        if (s != NULL && strcmp(s, option) == 0) {
            return true;
        }
    }
    return false;
}

/* The job id of an answer: statusInfo's jobID, else the last segment of Location or monitor. */
static int job_id_of(const struct api_answer *ans, char *out, size_t outsz, struct qerr *err)
{
    const char *id = json_string_value(json_object_get(ans->doc, "jobID"));
    const char *url = ans->location[0] != '\0' ? ans->location : ans->monitor;
    if (id == NULL && url[0] != '\0') {
        const char *slash = strrchr(url, '/');
        id = slash != NULL ? slash + 1 : url;
    }
    if (id == NULL || id[0] == '\0' || strlen(id) >= outsz) {
        qerr_set(err, QERR_BACKEND, "the server created a job but did not say its ID");
        return -1;
    }
    snprintf(out, outsz, "%s", id);
    return 0;
}

static int fetch_results(struct cli *cli, const char *job_id, struct qerr *err)
{
    char path[API_PATH_MAX];
    json_t *results = NULL;
    if (api_path(cli, "/jobs/", job_id, "/results", path, sizeof path, err) < 0 ||
        api_get(cli, path, &results, err) < 0) {
        return -1;
    }
    int rc = cmd_results_show(cli, results, cli->args->output_dir, err);
    json_decref(results);
    return rc < 0 ? -1 : CLI_EXIT_OK;
}

/* Watches an accepted job to its end, then shows its results or its failure. */
static int follow_job(struct cli *cli, const char *job_id, struct qerr *err)
{
    json_t *final = NULL;
    if (cmd_wait_job(cli, job_id, &final, err) < 0) {
        return -1;
    }
    const char *status = json_string_value(json_object_get(final, "status"));
    int rc;
    if (status != NULL && strcmp(status, "successful") == 0) {
        if (!cli->args->json) {
            fprintf(cli->msg, "job %s successful\n", job_id);
        }
        rc = fetch_results(cli, job_id, err);
    } else {
        rc = cmd_job_report(cli, job_id, final);
    }
    json_decref(final);
    return rc;
}

/* A failed sync request may name its job (jobID, Location, Link rel=monitor): then the job failed.
 */
static int sync_failed(struct cli *cli, const struct api_answer *ans, struct qerr *err)
{
    char job_id[256];
    struct qerr ignore = QERR_INIT;
    if (ans->status < 400 || job_id_of(ans, job_id, sizeof job_id, &ignore) < 0) {
        return -1;
    }
    json_t *info = NULL;
    struct qerr serr = QERR_INIT;
    if (api_job_status(cli, job_id, &info, &serr) < 0 ||
        !api_status_is_final(json_string_value(json_object_get(info, "status")))) {
        json_decref(info);
        return -1;
    }
    int rc = cmd_job_report(cli, job_id, info); /* prints the job's exception itself */
    json_decref(info);
    qerr_clear(err);
    return rc;
}

static int submit(struct cli *cli, const char *process_id, json_t *body, bool async,
                  struct qerr *err)
{
    char path[API_PATH_MAX];
    char job_id[256];
    struct api_answer ans;
    int rc = -1;
    memset(&ans, 0, sizeof ans);
    if (api_path(cli, "/processes/", process_id, "/execution", path, sizeof path, err) < 0) {
        return -1;
    }
    if (api_send(cli, "POST", path, body, async ? "respond-async" : NULL,
                 async ? RUN_ASYNC_TIMEOUT_S : RUN_SYNC_TIMEOUT_S, &ans, err) < 0) {
        rc = async ? -1 : sync_failed(cli, &ans, err);
        goto out;
    }
    if (ans.status == 200 && !async) {
        rc = cmd_results_show(cli, ans.doc, cli->args->output_dir, err) < 0 ? -1 : CLI_EXIT_OK;
        goto out;
    }
    if (job_id_of(&ans, job_id, sizeof job_id, err) < 0) {
        goto out;
    }
    if (cli->args->async && !cli->args->wait) {
        if (cli->args->json) {
            api_print_json(cli->out, ans.doc);
        } else {
            fprintf(cli->out, "%s\n", job_id);
        }
        rc = CLI_EXIT_OK;
        goto out;
    }
    rc = follow_job(cli, job_id, err);
out:
    api_answer_cleanup(&ans);
    return rc;
}

int cmd_run(struct cli *cli, struct qerr *err)
{
    const struct args *a = cli->args;
    char path[API_PATH_MAX];
    json_t *desc = NULL;
    json_t *body = NULL;
    int rc = -1;
    if (api_path(cli, "/processes/", a->operand, NULL, path, sizeof path, err) < 0 ||
        api_get(cli, path, &desc, err) < 0) {
        goto out;
    }
    json_t *inputs = value_inputs(json_object_get(desc, "inputs"), a->inputs, a->n_inputs, err);
    if (inputs == NULL) {
        goto out;
    }
    body = json_pack("{s:o, s:s}", "inputs", inputs, "response", "document");
    if (body == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory building the request");
        goto out;
    }
    bool async = a->async || a->wait || !allows(desc, "sync-execute");
    if (async && !allows(desc, "async-execute")) {
        if (a->async) {
            qerr_set(err, QERR_INVALID, "process '%s' only runs synchronously", a->operand);
            goto out;
        }
        async = false;
    }
    rc = submit(cli, a->operand, body, async, err);
out:
    json_decref(body);
    json_decref(desc);
    return rc;
}
