// SPDX-License-Identifier: MIT
/* libFuzzer harness: schema validation of any value against any schema, and of any
 * inputs against any input descriptions, must answer without crashing or leaking.
 * Input: schema JSON, a NUL byte, value JSON. */
#include "common/compat.h"

#include <stdint.h>
#include <string.h>

#include "common/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (nul == NULL) {
        return 0;
    }
    size_t slen = (size_t)(nul - data);
    json_t *schema = json_loadb((const char *)data, slen, JSON_DECODE_ANY, NULL);
    json_t *value =
        json_loadb((const char *)nul + 1, size - slen - 1, JSON_DECODE_ANY, NULL);
    if (schema != NULL && value != NULL) {
        struct qerr err = QERR_INIT;
        json_t *v = json_incref(value);
        (void)validate_value(schema, &v, "input 'x'", &err);
        json_decref(v);
        qerr_clear(&err);
        json_t *out = validate_inputs(schema, value, &err);
        json_decref(out);
    }
    json_decref(schema);
    json_decref(value);
    return 0;
}
