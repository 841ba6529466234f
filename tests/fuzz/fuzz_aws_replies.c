// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: whatever AWS (or something posing as it) answers,
 * the reply parsers (DescribeJobs, SubmitJob, GetLogEvents, error
 * classification) reject or accept it without crashing.
 */
// fuzz-sources: runner/batch_api.c runner/cwlogs.c
// fuzz-libs: -lcrypto
#include "common/compat.h"

#include <stdint.h>

#include "common/aws.h"
#include "runner/batch_api.h"
#include "runner/cwlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct qerr err = QERR_INIT;
    struct batch_status *st = NULL;
    size_t n = 0;
    if (batch_api_parse_describe(body, size, &st, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            (void)batch_state_terminal(st[i].state);
        }
    }
    free(st);
    char id[128];
    qerr_clear(&err);
    (void)batch_api_parse_submit(body, size, id, sizeof id, &err);
    struct buf out;
    struct cwlogs_page page;
    buf_init(&out, 1 << 16);
    qerr_clear(&err);
    if (cwlogs_parse(body, size, "f/1", &out, &page, &err) == 0) {
        cwlogs_page_cleanup(&page);
    }
    buf_cleanup(&out);
    struct aws_reply r;
    aws_classify(size > 0 ? 400 + data[0] % 200 : 200, body, size, CURLE_OK, &r);
    return 0;
}
