// SPDX-License-Identifier: MIT
/*
 * rjob_out - what a job's output means: line splitting, text clean-up for
 * storage, progress lines and the plugin_results line.
 *
 * Pure functions over bytes and jansson values, no I/O, so unit tests
 * cover them (tests/unit/check_rjob_out.c). A splitter takes chunks in any
 * size, keeps at most max bytes of the current line (the rest of an
 * over-long line is dropped and the line flagged truncated) and calls back
 * once per complete line without its "\n" (or "\r\n").
 * Use: rjob_lines_init -> rjob_lines_feed ... -> rjob_lines_finish -> rjob_lines_cleanup.
 */
#ifndef QUERN_RJOB_OUT_H
#define QUERN_RJOB_OUT_H

#include <jansson.h>

#include "common/buf.h"
#include "common/compat.h"

typedef void (*rjob_line_cb)(const char *line, size_t len, bool truncated, void *arg);

struct rjob_lines {
    struct buf cur;
    size_t max;
    bool truncated;
    rjob_line_cb cb;
    void *arg;
};

void rjob_lines_init(struct rjob_lines *l, size_t max, rjob_line_cb cb, void *arg);
void rjob_lines_cleanup(struct rjob_lines *l);
/* Splits data; calls cb for each line it completes. */
void rjob_lines_feed(struct rjob_lines *l, const char *data, size_t len);
/* Emits a last line that had no newline, if any. */
void rjob_lines_finish(struct rjob_lines *l);

/*
 * A copy of s[0..len) fit for a PostgreSQL text column and a JSON string:
 * invalid UTF-8 and NUL bytes become '?', and the result is cut at a
 * character boundary to at most max bytes. New string (caller frees); NULL on OOM.
 */
char *rjob_text_clean(const char *s, size_t len, size_t max);

/*
 * True when line is a progress line {"progress": N, "message": "..."}
 * (N a number 0..100, message optional). *message is a new string or NULL.
 */
bool rjob_parse_progress(const char *line, size_t len, int *progress, char **message);

/*
 * Results from the line {"plugin_results": V}. outputs is the definition's
 * outputs map (may be NULL). An object V is the results as is; any other V
 * goes to the only output (an error when there is not exactly one).
 * Returns a new reference, or NULL with a reason in why.
 */
json_t *rjob_parse_results(const char *line, size_t len, const json_t *outputs, char *why,
                           size_t whysz);

#endif
