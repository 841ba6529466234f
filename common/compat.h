// SPDX-License-Identifier: MIT
/*
 * compat.h - included first by every .c file of quern.
 *
 * Pulls in config.h, fixes the feature-test macros, and defines the few
 * project-wide helpers every module uses: QUERN_MUSTCHECK for fallible
 * functions, QUERN_STATIC for static helpers that unit tests reach,
 * QASSERT (always on, reports file:line) and QFREE. Platform #ifs live here
 * and nowhere else.
 */
#ifndef QUERN_COMPAT_H
#define QUERN_COMPAT_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define QUERN_MUSTCHECK __attribute__((warn_unused_result))
#define QUERN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define QUERN_NORETURN __attribute__((noreturn))

#ifdef QUERN_TESTING
#define QUERN_STATIC
#else
#define QUERN_STATIC static
#endif

#define QUERN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void quern_assert_fail(const char *expr, const char *file, int line) QUERN_NORETURN;

/* Programmer errors only; stays on in release builds. */
#define QASSERT(e) ((e) ? (void)0 : quern_assert_fail(#e, __FILE__, __LINE__))

/* Linux process-control helpers for the runner; no-ops where prctl(2) is missing. */
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
/* Orphaned descendants are re-parented to this process (so it can reap and count them). */
static inline int compat_set_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}
/* The calling process receives sig when its parent dies. */
static inline int compat_set_pdeathsig(int sig)
{
    return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0);
}
#else
static inline int compat_set_subreaper(void)
{
    return 0;
}
static inline int compat_set_pdeathsig(int sig)
{
    (void)sig;
    return 0;
}
#endif

/* strerror for a vforked child: no locale, no allocation. */
#ifdef HAVE_STRERRORDESC_NP
#include <string.h>
static inline const char *compat_strerror_safe(int e)
{
    const char *s = strerrordesc_np(e);
    return s != NULL ? s : "unknown error";
}
#else
static inline const char *compat_strerror_safe(int e)
{
    (void)e;
    return "system error";
}
#endif

#define QFREE(p) \
    do { \
        free(p); \
        (p) = NULL; \
    } while (0)

#endif
