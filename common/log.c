// SPDX-License-Identifier: MIT
/* log - leveled one-line logging to stderr; see log.h. */
#include "common/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_progname = "quern";
static enum log_level log_level_cur = LOG_LEVEL_INFO;

void log_init(const char *progname, enum log_level level)
{
    log_progname = progname;
    log_level_cur = level;
}

void log_set_level(enum log_level level)
{
    log_level_cur = level;
}

enum log_level log_get_level(void)
{
    return log_level_cur;
}

int log_level_parse(const char *s, enum log_level *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(names); i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char line[2048];
    int n = snprintf(line, sizeof line, "%s[%ld]: %s: ", log_progname, (long)getpid(),
                     names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) {
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    }
    va_end(ap);
    /* One write per event so lines from several processes do not interleave. */
    size_t len = strnlen(line, sizeof line - 2);
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\n' || line[i] == '\r') {
            line[i] = ' ';
        }
    }
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
    fflush(stderr);
}

static void redact_url(const char *s, char *out, size_t outsz)
{
    /* scheme://user:password@host... -> scheme://user:*****@host... */
    const char *auth = strstr(s, "://");
    const char *at = auth != NULL ? strchr(auth + 3, '@') : NULL;
    const char *colon = auth != NULL ? strchr(auth + 3, ':') : NULL;
    if (at == NULL || colon == NULL || colon > at) {
        snprintf(out, outsz, "%s", s);
    } else {
        snprintf(out, outsz, "%.*s*****%s", (int)(colon + 1 - s), s, at);
    }
    /* A password=... query parameter is masked too. */
    char *p = strstr(out, "password=");
    if (p != NULL) {
        char *end = p + strlen("password=");
        char *amp = strchr(end, '&');
        char rest[512];
        snprintf(rest, sizeof rest, "%s", amp != NULL ? amp : "");
        snprintf(end, outsz - (size_t)(end - out), "*****%s", rest);
    }
}

static void redact_keyvalue(const char *s, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", s);
    char *p = strstr(out, "password");
    while (p != NULL) {
        char *q = p + strlen("password");
        while (*q == ' ') {
            q++;
        }
        if (*q == '=') {
            q++;
            while (*q == ' ') {
                q++;
            }
            char *end = q;
            if (*q == '\'') {
                end++;
                while (*end != '\0' && *end != '\'') {
                    end += (*end == '\\' && end[1] != '\0') ? 2 : 1;
                }
                if (*end == '\'') {
                    end++;
                }
            } else {
                while (*end != '\0' && *end != ' ') {
                    end++;
                }
            }
            char rest[512];
            snprintf(rest, sizeof rest, "%s", end);
            snprintf(q, outsz - (size_t)(q - out), "*****%s", rest);
            q += 5;
        }
        p = strstr(q, "password");
    }
}

void log_redact_conninfo(const char *conninfo, char *out, size_t outsz)
{
    if (outsz == 0) {
        return;
    }
    if (conninfo == NULL) {
        out[0] = '\0';
        return;
    }
    if (strncmp(conninfo, "postgres://", 11) == 0 || strncmp(conninfo, "postgresql://", 13) == 0) {
        redact_url(conninfo, out, outsz);
    } else {
        redact_keyvalue(conninfo, out, outsz);
    }
}

void quern_assert_fail(const char *expr, const char *file, int line)
{
    log_write(LOG_LEVEL_ERROR, "assertion failed: %s at %s:%d", expr, file, line);
    abort();
}
