// SPDX-License-Identifier: MIT
/*
 * log - one event per line on stderr (journald and Apache's error log both
 * take it), "quern-runner[pid]: level: message key=value".
 *
 * The level check happens before any argument is evaluated. Callers never
 * print credentials: log_redact_conninfo() masks the password of a libpq
 * connection string or URL for messages that must name the database.
 * The level and program name are the module's only state (log_init()).
 */
#ifndef QUERN_LOG_H
#define QUERN_LOG_H

#include "common/compat.h"

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* progname is borrowed and must outlive the program. */
void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -1 on anything else. */
int log_level_parse(const char *s, enum log_level *out) QUERN_MUSTCHECK;

void log_write(enum log_level level, const char *fmt, ...) QUERN_PRINTF(2, 3);

#define log_at(lvl, ...) \
    do { \
        if ((lvl) <= log_get_level()) { \
            log_write((lvl), __VA_ARGS__); \
        } \
    } while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Job-scoped messages: prefix "job=<id> process=<id> ". */
#define log_job_at(lvl, job_id, process_id, fmt, ...) \
    log_at((lvl), "job=%s process=%s " fmt, (job_id), (process_id), ##__VA_ARGS__)

/*
 * Copies conninfo (key=value form or postgresql:// URL) into out with any
 * password replaced by "*****". Always NUL-terminates; truncates silently.
 */
void log_redact_conninfo(const char *conninfo, char *out, size_t outsz);

#endif
