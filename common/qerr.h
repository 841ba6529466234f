// SPDX-License-Identifier: MIT
/*
 * qerr - the error value every fallible quern function fills in.
 *
 * The first error recorded wins: qerr_set() is a no-op on an error that is
 * already set, so the root cause survives while the error travels up. The
 * code set is small and closed; cgi/http_error.c alone maps codes to HTTP
 * statuses and OGC exception types.
 */
#ifndef QUERN_QERR_H
#define QUERN_QERR_H

#include "common/compat.h"

enum qerr_code {
    QERR_OK = 0,
    QERR_NOMEM,
    QERR_INVALID,
    QERR_NOTFOUND,
    QERR_CONFLICT,
    QERR_DB,
    QERR_BACKEND,
    QERR_TIMEOUT,
    QERR_TOO_LARGE,
    QERR_INTERNAL,
};

struct qerr {
    enum qerr_code code;
    int sys_errno;
    char msg[256];
    const char *func;
};

#define QERR_INIT {QERR_OK, 0, "", NULL}

/* Records code and message unless err already holds an error. err may be NULL. */
#define qerr_set(err, code, ...) qerr_set_at((err), (code), __func__, __VA_ARGS__)
void qerr_set_at(struct qerr *err, enum qerr_code code, const char *func, const char *fmt, ...)
    QUERN_PRINTF(4, 5);

/* Like qerr_set, and records errno (appending strerror to the message). */
#define qerr_set_errno(err, code, ...) qerr_set_errno_at((err), (code), __func__, __VA_ARGS__)
void qerr_set_errno_at(struct qerr *err, enum qerr_code code, const char *func, const char *fmt,
                       ...) QUERN_PRINTF(4, 5);

void qerr_clear(struct qerr *err);
bool qerr_is_set(const struct qerr *err);

/* Stable lower-case name of a code ("invalid", "db", ...). */
const char *qerr_code_name(enum qerr_code code);

#endif
