// SPDX-License-Identifier: MIT
/* prom - Prometheus text exposition writer; see prom.h. */
#include "common/compat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cgi/prom.h"

static int escape(struct buf *b, const char *s, bool quote, struct qerr *err)
{
    const char *start = s;
    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        if (*s == '\\') {
            rep = "\\\\";
        } else if (*s == '\n') {
            rep = "\\n";
        } else if (quote && *s == '"') {
            rep = "\\\"";
        }
        if (rep == NULL) {
            continue;
        }
        if (buf_append(b, start, (size_t)(s - start), err) < 0 || buf_puts(b, rep, err) < 0) {
            return -1;
        }
        start = s + 1;
    }
    return buf_append(b, start, (size_t)(s - start), err);
}

int prom_escape_label(struct buf *b, const char *s, struct qerr *err)
{
    return escape(b, s, true, err);
}

int prom_family(struct buf *b, const char *name, const char *type, const char *help,
                struct qerr *err)
{
    if (buf_printf(b, err, "# HELP %s ", name) < 0 || escape(b, help, false, err) < 0) {
        return -1;
    }
    return buf_printf(b, err, "\n# TYPE %s %s\n", name, type);
}

static int value(struct buf *b, double v, struct qerr *err)
{
    if (isnan(v)) {
        return buf_puts(b, "NaN", err);
    }
    if (isinf(v)) {
        return buf_puts(b, v > 0 ? "+Inf" : "-Inf", err);
    }
    if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(long long)v) {
        return buf_printf(b, err, "%lld", (long long)v);
    }
    return buf_printf(b, err, "%.15g", v);
}

int prom_sample(struct buf *b, const char *name, const char *const *kv, double v,
                struct qerr *err)
{
    if (buf_puts(b, name, err) < 0) {
        return -1;
    }
    for (int i = 0; kv != NULL && kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
        if (buf_printf(b, err, "%s%s=\"", i == 0 ? "{" : ",", kv[i]) < 0 ||
            escape(b, kv[i + 1], true, err) < 0 || buf_puts(b, "\"", err) < 0) {
            return -1;
        }
    }
    if (kv != NULL && kv[0] != NULL && buf_puts(b, "}", err) < 0) {
        return -1;
    }
    if (buf_puts(b, " ", err) < 0 || value(b, v, err) < 0) {
        return -1;
    }
    return buf_puts(b, "\n", err);
}
