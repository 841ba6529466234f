// SPDX-License-Identifier: MIT
/*
 * cmd_wait - watching a job to its end: `quern wait JOB`, and the loop
 * `run --wait` uses.
 *
 * The job is polled with backoff (from POLL_MIN_MS, times 1.5, up to
 * POLL_MAX_MS, back to the minimum whenever something changes). On a
 * terminal the progress is one line redrawn in place; otherwise a plain
 * line is written each time the status, progress or message changes. A few
 * network failures in a row are tolerated (the server may be restarting);
 * more end the wait with exit 3.
 */
#include "common/compat.h"

#include <string.h>
#include <time.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/fmt.h"

#define POLL_MIN_MS 200
#define POLL_MAX_MS 3000
#define MAX_NET_FAILURES 5

struct watch {
    char status[32];
    int progress;
    char message[512];
    bool drawn; /* a progress line is on the terminal */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Records info in w; true when anything shown changed. */
static bool watch_update(struct watch *w, const json_t *info)
{
    const char *status = json_string_value(json_object_get(info, "status"));
    const char *msg = json_string_value(json_object_get(info, "message"));
    const json_t *p = json_object_get(info, "progress");
    int progress = json_is_integer(p) ? (int)json_integer_value(p) : -1;
    char m[sizeof w->message];
    snprintf(m, sizeof m, "%s", msg != NULL ? msg : "");
    bool changed =
        strcmp(w->status, status) != 0 || w->progress != progress || strcmp(w->message, m) != 0;
    snprintf(w->status, sizeof w->status, "%s", status);
    snprintf(w->message, sizeof w->message, "%s", m);
    w->progress = progress;
    return changed;
}

static void watch_draw(struct cli *cli, struct watch *w, const char *job_id, bool changed)
{
    struct buf line;
    struct qerr ignore = QERR_INIT;
    if (cli->args->json || (!changed && !cli->msg_is_tty)) {
        return;
    }
    buf_init(&line, 4096);
    if (cli->msg_is_tty) {
        size_t width = fmt_term_width(cli->msg);
        if (fmt_progress(w->progress, w->status, w->message, width > 1 ? width - 1 : 0, &line,
                         &ignore) == 0) {
            fprintf(cli->msg, "\r%s\033[K", buf_cstr(&line));
            w->drawn = true;
        }
    } else if (fmt_progress(w->progress, w->status, w->message, 0, &line, &ignore) == 0) {
        /* Plain lines: no bar, just "job ID: status 40%: message". */
        const char *text = strchr(buf_cstr(&line), ']');
        fprintf(cli->msg, "job %s:%s\n", job_id, text != NULL ? text + 1 : buf_cstr(&line));
    }
    fflush(cli->msg);
    buf_cleanup(&line);
}

int cmd_wait_job(struct cli *cli, const char *job_id, json_t **final, struct qerr *err)
{
    struct watch w = {"", -2, "", false};
    long delay = POLL_MIN_MS;
    int net_failures = 0;
    *final = NULL;
    while (true) {
        json_t *info = NULL;
        struct qerr perr = QERR_INIT;
        if (api_job_status(cli, job_id, &info, &perr) < 0) {
            /* The network may come back; a server's answer (404...) ends the wait. */
            if (!http_err_is_network(&perr) || ++net_failures > MAX_NET_FAILURES) {
                qerr_set(err, perr.code, "%s", perr.msg);
                break;
            }
            sleep_ms(POLL_MAX_MS);
            continue;
        }
        net_failures = 0;
        bool changed = watch_update(&w, info);
        watch_draw(cli, &w, job_id, changed);
        if (api_status_is_final(w.status)) {
            *final = info;
            break;
        }
        json_decref(info);
        delay = changed ? POLL_MIN_MS : (delay * 3 / 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 3 / 2);
        sleep_ms(delay);
    }
    if (w.drawn) {
        fputc('\n', cli->msg);
    }
    return *final != NULL ? 0 : -1;
}

/* Prints the exception of a failed job's results, when the server has one. */
static void print_exception(struct cli *cli, const char *job_id)
{
    char path[API_PATH_MAX];
    struct api_answer ans;
    struct qerr e = QERR_INIT;
    memset(&ans, 0, sizeof ans);
    if (api_path(cli, "/jobs/", job_id, "/results", path, sizeof path, &e) == 0 &&
        api_send(cli, "GET", path, NULL, NULL, 60, &ans, &e) < 0 && ans.doc != NULL) {
        fprintf(cli->msg, "quern: %s\n", e.msg);
    }
    api_answer_cleanup(&ans);
}

int cmd_job_report(struct cli *cli, const char *job_id, const json_t *info)
{
    const char *status = json_string_value(json_object_get(info, "status"));
    const char *msg = json_string_value(json_object_get(info, "message"));
    bool ok = status != NULL && strcmp(status, "successful") == 0;
    if (cli->args->json) {
        api_print_json(cli->out, info);
    } else {
        char m[512];
        snprintf(m, sizeof m, "%s", msg != NULL ? msg : "");
        fmt_clean(m);
        if (status != NULL && strcmp(m, status) == 0) {
            m[0] = '\0'; /* "job ID successful", not "successful: successful" */
        }
        fprintf(cli->out, "job %s %s%s%s\n", job_id, status != NULL ? status : "?",
                m[0] != '\0' ? ": " : "", m);
    }
    if (status != NULL && strcmp(status, "failed") == 0 && !cli->args->json) {
        print_exception(cli, job_id);
    }
    return ok ? CLI_EXIT_OK : CLI_EXIT_JOB_FAILED;
}

int cmd_wait(struct cli *cli, struct qerr *err)
{
    json_t *final = NULL;
    if (cmd_wait_job(cli, cli->args->operand, &final, err) < 0) {
        return -1;
    }
    int rc = cmd_job_report(cli, cli->args->operand, final);
    json_decref(final);
    return rc;
}
