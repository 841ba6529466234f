// SPDX-License-Identifier: MIT
/* libFuzzer harness: the HTML execute form's body decoder (html_form_decode) on
 * any bytes, against inputs of every field kind, with a small JSON depth bound;
 * plus the form Content-Type test and the Origin check on the same bytes.
 * fuzz-sources and fuzz-libs below name what the harness links (the page code
 * pulls in the rest of the HTML renderers). */
// fuzz-sources: cgi/html_form.c cgi/html_page.c cgi/http_req.c cgi/http_io.c cgi/http_resp.c cgi/http_html.c cgi/html_landing.c cgi/html_processes.c cgi/html_jobs.c cgi/api.c cgi/db_api.c
// fuzz-libs: -lfcgi
#include "common/compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/html_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *known(void)
{
    static json_t *in;
    if (in == NULL) {
        in = json_loads("{\"s\": {\"schema\": {\"type\": \"string\"}},"
                        " \"i\": {\"schema\": {\"type\": \"integer\"}},"
                        " \"n\": {\"schema\": {\"type\": \"number\"}},"
                        " \"b\": {\"schema\": {\"type\": \"boolean\"}},"
                        " \"o\": {\"schema\": {\"type\": \"object\"}},"
                        " \"m\": {\"schema\": {\"type\": \"string\"}, \"maxOccurs\": 3},"
                        " \"t\": {\"schema\": {\"type\": \"string\", \"contentEncoding\": \"base64\"}}}",
                        0, NULL);
    }
    return in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    struct qerr err = QERR_INIT;
    json_t *req = html_form_decode((const char *)data, size, known(), 4, &err);
    if (req == NULL ? err.code != QERR_INVALID && err.code != QERR_NOMEM
                    : !json_is_object(json_object_get(req, "inputs"))) {
        abort();
    }
    json_decref(req);
    char *s = malloc(size + 1);
    if (s != NULL) {
        memcpy(s, data, size);
        s[size] = '\0';
        (void)html_form_is_urlencoded(s);
        (void)html_form_origin_ok(s, "http://127.0.0.1:8080/api");
        free(s);
    }
    return 0;
}
