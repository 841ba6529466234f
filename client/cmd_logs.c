// SPDX-License-Identifier: MIT
/*
 * cmd_logs - `quern logs JOB [--follow]` on quern's own endpoint
 * GET /jobs/{id}/logs?since=SEQ, which answers {jobID, processID, status,
 * logs: [{seq, at, stream, line}]} with the lines after SEQ.
 *
 * Lines of the job's stdout go to stdout, its stderr to stderr, and the
 * lines quern itself added ("system") to stderr prefixed "quern: ". Pages
 * are fetched until one comes back empty; --follow keeps polling (with
 * backoff) until the job has ended and no line is left. With --json the
 * document is printed (all pages merged), or with --follow one JSON log
 * entry per line. Entries without a seq advance the cursor by one each.
 */
#include "common/compat.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/fmt.h"

#define FOLLOW_MIN_MS 200
#define FOLLOW_MAX_MS 2000
#define MAX_LOG_PAGES 100000

struct cursor {
    long long since;
    bool tty_out;
    bool tty_err;
};

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void print_line(struct cli *cli, const struct cursor *c, const json_t *entry)
{
    const char *stream = json_string_value(json_object_get(entry, "stream"));
    const char *line = json_string_value(json_object_get(entry, "line"));
    if (line == NULL) {
        return;
    }
    bool is_out = stream == NULL || strcmp(stream, "stdout") == 0;
    bool is_sys = stream != NULL && strcmp(stream, "system") == 0;
    FILE *f = is_out ? cli->out : cli->msg;
    if (cli->args->json) {
        char *text = json_dumps(entry, JSON_COMPACT);
        if (text != NULL) {
            fprintf(cli->out, "%s\n", text);
        }
        free(text);
        return;
    }
    if ((is_out && c->tty_out) || (!is_out && c->tty_err)) {
        /* A terminal gets no escape sequences from a job's output. */
        char *copy = strdup(line);
        if (copy != NULL) {
            fmt_clean(copy);
            fprintf(f, "%s%s\n", is_sys ? "quern: " : "", copy);
        }
        free(copy);
        return;
    }
    fprintf(f, "%s%s\n", is_sys ? "quern: " : "", line);
}

/* Fetches the lines after c->since; *page is the document (new reference). */
static int fetch(struct cli *cli, struct cursor *c, json_t **page, struct qerr *err)
{
    char path[API_PATH_MAX];
    char suffix[64];
    snprintf(suffix, sizeof suffix, "/logs?since=%lld", c->since);
    if (api_path(cli, "/jobs/", cli->args->operand, suffix, path, sizeof path, err) < 0 ||
        api_get(cli, path, page, err) < 0) {
        return -1;
    }
    const json_t *logs = json_object_get(*page, "logs");
    if (!json_is_array(logs)) {
        qerr_set(err, QERR_BACKEND, "the server's log answer has no \"logs\" array");
        json_decref(*page);
        *page = NULL;
        return -1;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(logs, i, e)
    {
        const json_t *seq = json_object_get(e, "seq");
        c->since = json_is_integer(seq) ? (long long)json_integer_value(seq) : c->since + 1;
    }
    return 0;
}

/* Prints every page; for --json (without --follow) merges them into one document. */
static int dump(struct cli *cli, struct cursor *c, struct qerr *err)
{
    json_t *all = NULL;
    for (int n = 0; n < MAX_LOG_PAGES; n++) {
        json_t *page = NULL;
        if (fetch(cli, c, &page, err) < 0) {
            json_decref(all);
            return -1;
        }
        const json_t *logs = json_object_get(page, "logs");
        size_t count = json_array_size(logs);
        if (cli->args->json) {
            if (all == NULL) {
                all = json_incref(page);
            } else {
                json_array_extend(json_object_get(all, "logs"), (json_t *)logs);
                json_object_set(all, "status", json_object_get(page, "status"));
            }
        } else {
            size_t i;
            const json_t *e;
            json_array_foreach(logs, i, e)
            {
                print_line(cli, c, e);
            }
        }
        json_decref(page);
        if (count == 0) {
            break;
        }
    }
    if (all != NULL) {
        api_print_json(cli->out, all);
        json_decref(all);
    }
    return CLI_EXIT_OK;
}

static int follow(struct cli *cli, struct cursor *c, struct qerr *err)
{
    long delay = FOLLOW_MIN_MS;
    while (true) {
        json_t *page = NULL;
        if (fetch(cli, c, &page, err) < 0) {
            return -1;
        }
        const json_t *logs = json_object_get(page, "logs");
        size_t i;
        const json_t *e;
        json_array_foreach(logs, i, e)
        {
            print_line(cli, c, e);
        }
        bool done = api_status_is_final(json_string_value(json_object_get(page, "status")));
        size_t count = json_array_size(logs);
        json_decref(page);
        fflush(cli->out);
        fflush(cli->msg);
        if (count > 0) {
            delay = FOLLOW_MIN_MS;
            continue; /* there may be more right away */
        }
        if (done) {
            return CLI_EXIT_OK;
        }
        pause_ms(delay);
        delay = delay * 3 / 2 > FOLLOW_MAX_MS ? FOLLOW_MAX_MS : delay * 3 / 2;
    }
}

int cmd_logs(struct cli *cli, struct qerr *err)
{
    struct cursor c = {0, isatty(fileno(cli->out)) != 0, isatty(fileno(cli->msg)) != 0};
    return cli->args->follow ? follow(cli, &c, err) : dump(cli, &c, err);
}
