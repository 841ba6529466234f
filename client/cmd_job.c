// SPDX-License-Identifier: MIT
/*
 * cmd_job - one job's status (`quern status`), dismissing it (`quern
 * dismiss`), and the job list as a table (`quern jobs`, with the OGC
 * filters status, processID and limit).
 */
#include "common/compat.h"

#include <string.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/fmt.h"

#define JOBS_QUERY_MAX 2048

static void field(FILE *f, const char *key, const char *value)
{
    char v[1024];
    if (value == NULL) {
        return;
    }
    snprintf(v, sizeof v, "%s", value);
    fmt_clean(v);
    fprintf(f, "%-9s %s\n", key, v);
}

int cmd_status(struct cli *cli, struct qerr *err)
{
    json_t *info = NULL;
    if (api_job_status(cli, cli->args->operand, &info, err) < 0) {
        return -1;
    }
    if (cli->args->json) {
        api_print_json(cli->out, info);
        json_decref(info);
        return CLI_EXIT_OK;
    }
    char status[64];
    const json_t *p = json_object_get(info, "progress");
    snprintf(status, sizeof status, "%s", json_string_value(json_object_get(info, "status")));
    if (json_is_integer(p)) {
        size_t n = strlen(status);
        snprintf(status + n, sizeof status - n, " (%d%%)", (int)json_integer_value(p));
    }
    static const char *const keys[] = {"jobID",   "processID", "message", "created",
                                       "started", "finished",  "updated"};
    static const char *const labels[] = {"job",     "process",  "message", "created",
                                         "started", "finished", "updated"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(keys); i++) {
        field(cli->out, labels[i], json_string_value(json_object_get(info, keys[i])));
        if (i == 1) {
            field(cli->out, "status", status);
        }
    }
    json_decref(info);
    return CLI_EXIT_OK;
}

int cmd_dismiss(struct cli *cli, struct qerr *err)
{
    char path[API_PATH_MAX];
    struct api_answer ans;
    memset(&ans, 0, sizeof ans);
    int rc = -1;
    if (api_path(cli, "/jobs/", cli->args->operand, NULL, path, sizeof path, err) < 0 ||
        api_send(cli, "DELETE", path, NULL, NULL, 60, &ans, err) < 0) {
        goto out;
    }
    if (cli->args->json && ans.doc != NULL) {
        api_print_json(cli->out, ans.doc);
    } else if (!cli->args->json) {
        const char *status = json_string_value(json_object_get(ans.doc, "status"));
        fprintf(cli->out, "job %s %s\n", cli->args->operand, status != NULL ? status : "dismissed");
    }
    rc = CLI_EXIT_OK;
out:
    api_answer_cleanup(&ans);
    return rc;
}

/* Appends "&key=v" (or "?key=v" first) for each comma-separated v of list. */
static int add_filter(struct cli *cli, struct buf *q, const char *key, const char *list,
                      struct qerr *err)
{
    char item[256];
    const char *p = list;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        char *esc = http_escape(&cli->http, item);
        const char *sep = strchr(buf_cstr(q), '?') != NULL ? "&" : "?";
        int rc = esc == NULL ? -1 : buf_printf(q, err, "%s%s=%s", sep, key, esc);
        free(esc);
        if (rc < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        p = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

/* "2026-11-22T14:38:09.123Z" -> "2026-11-22 14:38:09" */
static void short_time(const char *t, char *out, size_t outsz)
{
    snprintf(out, outsz, "%.19s", t != NULL ? t : "-");
    char *tee = strchr(out, 'T');
    if (tee != NULL) {
        *tee = ' ';
    }
}

static int jobs_table(struct cli *cli, const json_t *jobs, struct qerr *err)
{
    static const char *const headers[] = {"JOB",      "PROCESS", "STATUS",
                                          "PROGRESS", "CREATED", "MESSAGE"};
    struct fmt_table t;
    struct buf out;
    int rc = -1;
    buf_init(&out, HTTP_BODY_MAX);
    if (fmt_table_init(&t, 6, headers, err) < 0) {
        goto out;
    }
    size_t i;
    const json_t *j;
    json_array_foreach(jobs, i, j)
    {
        char progress[16] = "-";
        char created[32];
        const json_t *p = json_object_get(j, "progress");
        if (json_is_integer(p)) {
            snprintf(progress, sizeof progress, "%d%%", (int)json_integer_value(p));
        }
        short_time(json_string_value(json_object_get(j, "created")), created, sizeof created);
        const char *row[] = {json_string_value(json_object_get(j, "jobID")),
                             json_string_value(json_object_get(j, "processID")),
                             json_string_value(json_object_get(j, "status")),
                             progress,
                             created,
                             json_string_value(json_object_get(j, "message"))};
        if (fmt_table_add(&t, row, err) < 0) {
            goto out_table;
        }
    }
    if (fmt_table_render(&t, fmt_term_width(cli->out), &out, err) == 0) {
        fputs(buf_cstr(&out), cli->out);
        rc = CLI_EXIT_OK;
    }
out_table:
    fmt_table_cleanup(&t);
out:
    buf_cleanup(&out);
    return rc;
}

int cmd_jobs(struct cli *cli, struct qerr *err)
{
    const struct args *a = cli->args;
    struct buf q;
    json_t *doc = NULL;
    int rc = -1;
    buf_init(&q, JOBS_QUERY_MAX);
    if (buf_puts(&q, "/jobs", err) < 0 ||
        (a->limit > 0 && buf_printf(&q, err, "?limit=%ld", a->limit) < 0) ||
        add_filter(cli, &q, "status", a->status, err) < 0 ||
        add_filter(cli, &q, "processID", a->process, err) < 0 ||
        api_get(cli, buf_cstr(&q), &doc, err) < 0) {
        goto out;
    }
    const json_t *jobs = json_object_get(doc, "jobs");
    if (!json_is_array(jobs)) {
        qerr_set(err, QERR_BACKEND, "the server's job list has no \"jobs\" array");
        goto out;
    }
    if (a->json) {
        api_print_json(cli->out, doc);
        rc = CLI_EXIT_OK;
    } else {
        rc = jobs_table(cli, jobs, err);
    }
out:
    json_decref(doc);
    buf_cleanup(&q);
    return rc;
}
