// SPDX-License-Identifier: MIT
/* qerr - first-error-wins error values; see qerr.h. */
#include "common/compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/qerr.h"

static void qerr_vset(struct qerr *err, enum qerr_code code, const char *func, int sys_errno,
                      const char *fmt, va_list ap)
{
    if (err == NULL || err->code != QERR_OK) {
        return;
    }
    err->code = code;
    err->func = func;
    err->sys_errno = sys_errno;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (sys_errno != 0) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(sys_errno));
    }
}

void qerr_set_at(struct qerr *err, enum qerr_code code, const char *func, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qerr_vset(err, code, func, 0, fmt, ap);
    va_end(ap);
}

void qerr_set_errno_at(struct qerr *err, enum qerr_code code, const char *func, const char *fmt,
                       ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    qerr_vset(err, code, func, saved, fmt, ap);
    va_end(ap);
}

void qerr_clear(struct qerr *err)
{
    if (err == NULL) {
        return;
    }
    err->code = QERR_OK;
    err->sys_errno = 0;
    err->msg[0] = '\0';
    err->func = NULL;
}

bool qerr_is_set(const struct qerr *err)
{
    return err != NULL && err->code != QERR_OK;
}

const char *qerr_code_name(enum qerr_code code)
{
    static const char *const names[] = {
        [QERR_OK] = "ok",           [QERR_NOMEM] = "nomem",       [QERR_INVALID] = "invalid",
        [QERR_NOTFOUND] = "notfound", [QERR_CONFLICT] = "conflict", [QERR_DB] = "db",
        [QERR_BACKEND] = "backend", [QERR_TIMEOUT] = "timeout",   [QERR_TOO_LARGE] = "too_large",
        [QERR_INTERNAL] = "internal",
    };
    if ((size_t)code >= QUERN_ARRAY_LEN(names) || names[code] == NULL) {
        return "unknown";
    }
    return names[code];
}
