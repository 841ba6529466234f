// SPDX-License-Identifier: MIT
/* libFuzzer harness: what the container engine sends back (the framed log stream in any
 * chunking, and every JSON response parser) is handled without crashing, whatever it is.
 * The first byte picks the parser and, for logs, the chunk size. */
// fuzz-sources: runner/docker_api.c runner/docker_logs.c
#include "common/compat.h"

#include <stdint.h>

#include "runner/docker_api.h"
#include "runner/docker_logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, int stream, const char *d, size_t len)
{
    size_t *total = arg;
    (void)stream;
    (void)d;
    *total += len;
}

static void parse_all(const char *body, size_t len)
{
    struct qerr err = QERR_INIT;
    char *id = NULL;
    long st;
    struct docker_state s;
    char a[80], b[200], msg[500];
    size_t n;
    if (docker_api_parse_created(body, len, &id, &err) == 0) {
        free(id);
    }
    qerr_clear(&err);
    (void)docker_api_parse_wait(body, len, &st, &err);
    qerr_clear(&err);
    (void)docker_api_parse_inspect(body, len, &s, &err);
    qerr_clear(&err);
    (void)docker_api_parse_image(body, len, a, sizeof(a), b, sizeof(b), &err);
    qerr_clear(&err);
    if (docker_api_parse_list(body, len, &id, a, sizeof(a), &n, &err) == 0) {
        free(id);
    }
    qerr_clear(&err);
    (void)docker_api_parse_pull(body, len, &err);
    docker_api_error(500, body, len, msg, sizeof(msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 0x80) {
        parse_all(body, len);
        return 0;
    }
    size_t chunk = (size_t)(data[0] & 0x7f) + 1, total = 0;
    struct docker_logs d;
    struct qerr err = QERR_INIT;
    docker_logs_init(&d);
    for (size_t off = 0; off < len; off += chunk) {
        size_t k = len - off < chunk ? len - off : chunk;
        if (docker_logs_feed(&d, body + off, k, sink, &total, &err) != 0) {
            break;
        }
    }
    return 0;
}
