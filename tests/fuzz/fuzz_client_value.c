// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the client's schema-driven value parsing, schema
 * summaries and progress line must handle any schema a server sends and any
 * text a user types without crashing. Input: schema JSON, a NUL, the text.
 */
// fuzz-sources: client/value.c client/oas.c client/b64.c client/fmt.c
#include "common/compat.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "client/fmt.h"
#include "client/oas.h"
#include "client/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t slen = nul != NULL ? (size_t)(nul - data) : size;
    char *text = nul != NULL ? strndup((const char *)nul + 1, size - slen - 1) : strdup("");
    json_t *schema = json_loadb((const char *)data, slen, JSON_DECODE_ANY, NULL);
    struct qerr err = QERR_INIT;
    struct buf b;
    buf_init(&b, 1 << 16);
    if (text != NULL) {
        json_t *v = value_parse(schema, text, &err);
        json_decref(v);
        qerr_clear(&err);
        (void)oas_summary(schema, &b, &err);
        json_t *desc = json_pack("{s:{s:O}}", "x", "schema", schema != NULL ? schema : json_null());
        /* "@" would read files: the harness keeps to literal values. */
        const char *spec[] = {"x=1", text};
        json_decref(value_inputs(desc, spec, strchr(text, '@') == NULL ? 2 : 1, &err));
        json_decref(desc);
        buf_reset(&b);
        (void)fmt_progress((int)(size % 130) - 10, "running", text, size % 90, &b, &err);
    }
    buf_cleanup(&b);
    json_decref(schema);
    free(text);
    return 0;
}
