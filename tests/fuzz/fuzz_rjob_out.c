// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: whatever a process prints, in whatever chunks, the
 * runner's line splitter, text clean-up and progress/results parsers
 * neither crash nor produce text that is not valid UTF-8 without NUL.
 */
// fuzz-sources: runner/rjob_out.c
#include "common/compat.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "runner/rjob_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_line(const char *line, size_t len, bool truncated, void *arg)
{
    json_t *outputs = arg;
    char *clean = rjob_text_clean(line, len, 300);
    if (clean != NULL) {
        /* jansson refuses invalid UTF-8: the cleaned text must always be accepted. */
        json_t *s = json_string(clean);
        if (s == NULL || strlen(clean) > 300) {
            __builtin_trap();
        }
        json_decref(s);
        free(clean);
    }
    int p;
    char *msg = NULL;
    if (rjob_parse_progress(line, len, &p, &msg) && (p < 0 || p > 100)) {
        __builtin_trap();
    }
    free(msg);
    char why[256];
    json_t *r = rjob_parse_results(line, len, outputs, why, sizeof why);
    if (r != NULL && !json_is_object(r)) {
        __builtin_trap();
    }
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t chunk = (size_t)data[0] % 17 + 1;
    json_t *outputs = json_pack("{s{}}", "only");
    struct rjob_lines l;
    rjob_lines_init(&l, 64, on_line, outputs);
    for (size_t off = 1; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        rjob_lines_feed(&l, (const char *)data + off, n);
    }
    rjob_lines_finish(&l);
    rjob_lines_cleanup(&l);
    json_decref(outputs);
    return 0;
}
