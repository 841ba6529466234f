// SPDX-License-Identifier: MIT
/* http_params - query parameter checks; see http_params.h. */
#include "common/compat.h"

#include <string.h>

#include "cgi/http_params.h"
#include "common/qstr.h"

int http_params_check(const struct http_req *r, const char *const *allowed, struct qerr *err)
{
    for (int i = 0; i < r->nparams; i++) {
        const char *name = r->params[i].name;
        bool known = strcmp(name, "f") == 0;
        for (int k = 0; !known && allowed != NULL && allowed[k] != NULL; k++) {
            known = strcmp(name, allowed[k]) == 0;
        }
        if (!known) {
            char shown[64];
            size_t n = strlen(name);
            snprintf(shown, sizeof shown, "%.40s%s", name, n > 40 ? "..." : "");
            for (char *p = shown; *p != '\0'; p++) {
                if ((unsigned char)*p < 0x20) {
                    *p = '?';
                }
            }
            qerr_set(err, QERR_INVALID, "unknown query parameter '%s'", shown);
            return -1;
        }
    }
    return 0;
}

int http_param_long(const struct http_req *r, const char *name, long min, long max, long dflt,
                    long *out, struct qerr *err)
{
    const char *v = http_param(r, name);
    if (v == NULL) {
        *out = dflt;
        return 0;
    }
    if (qstr_to_long(v, min, max, out) < 0) {
        qerr_set(err, QERR_INVALID, "%s must be an integer from %ld to %ld", name, min, max);
        return -1;
    }
    return 0;
}

static int add_item(struct buf *out, const char *s, size_t n, bool first, struct qerr *err)
{
    if (buf_puts(out, first ? "\"" : ",\"", err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == '"' || s[i] == '\\') && buf_append(out, "\\", 1, err) < 0) {
            return -1;
        }
        if (buf_append(out, s + i, 1, err) < 0) {
            return -1;
        }
    }
    return buf_puts(out, "\"", err);
}

int http_param_list(const struct http_req *r, const char *name, bool (*ok)(const char *),
                    struct buf *out, bool *present, struct qerr *err)
{
    *present = false;
    if (buf_puts(out, "{", err) < 0) {
        return -1;
    }
    for (int i = 0; i < r->nparams; i++) {
        if (strcmp(r->params[i].name, name) != 0) {
            continue;
        }
        const char *p = r->params[i].value;
        while (*p != '\0') {
            size_t n = strcspn(p, ",");
            char item[256];
            if (n == 0 || n >= sizeof item) {
                qerr_set(err, QERR_INVALID, "%s: empty or overlong value", name);
                return -1;
            }
            memcpy(item, p, n);
            item[n] = '\0';
            if (ok != NULL && !ok(item)) {
                qerr_set(err, QERR_INVALID, "%s: invalid value '%.64s'", name, item);
                return -1;
            }
            if (add_item(out, item, n, !*present, err) < 0) {
                return -1;
            }
            *present = true;
            p += n;
            if (*p == ',') {
                p++;
            }
        }
    }
    return buf_puts(out, "}", err);
}
