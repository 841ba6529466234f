// SPDX-License-Identifier: MIT
/* cwlogs - GetLogEvents bodies and pages; see cwlogs.h. */
#include "common/compat.h"

#include <jansson.h>
#include <string.h>

#include "runner/cwlogs.h"

char *cwlogs_request_body(const char *group, const char *stream, const char *token,
                          struct qerr *err)
{
    json_t *doc = json_pack("{s:s, s:s, s:b, s:i}", "logGroupName", group, "logStreamName", stream,
                            "startFromHead", 1, "limit", CWLOGS_LIMIT);
    if (doc != NULL && token != NULL && *token != '\0') {
        json_object_set_new(doc, "nextToken", json_string(token));
    }
    char *s = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (s == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory building GetLogEvents");
    }
    return s;
}

int cwlogs_parse(const char *body, size_t len, const char *prev_token, struct buf *out,
                 struct cwlogs_page *page, struct qerr *err)
{
    memset(page, 0, sizeof *page);
    json_error_t jerr;
    json_t *doc = json_loadb(body != NULL ? body : "", len, 0, &jerr);
    int rc = -1;
    const json_t *events = json_object_get(doc, "events");
    if (!json_is_object(doc) || !json_is_array(events)) {
        qerr_set(err, QERR_BACKEND, "GetLogEvents reply has no events array");
        goto out;
    }
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const char *msg = json_string_value(json_object_get(ev, "message"));
        if (msg == NULL) {
            continue;
        }
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
            n--; /* some agents keep the newline in the event */
        }
        if (buf_append(out, msg, n, err) < 0 || buf_append(out, "\n", 1, err) < 0) {
            goto out;
        }
        page->events++;
    }
    const char *next = json_string_value(json_object_get(doc, "nextForwardToken"));
    if (next != NULL) {
        page->next_token = strdup(next);
        if (page->next_token == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto out;
        }
    }
    page->drained =
        page->events == 0 || next == NULL || (prev_token != NULL && strcmp(prev_token, next) == 0);
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

void cwlogs_page_cleanup(struct cwlogs_page *page)
{
    if (page != NULL) {
        QFREE(page->next_token);
    }
}
