// SPDX-License-Identifier: MIT
/*
 * buf - bounded growable byte buffers, always NUL-terminated.
 *
 * Every buffer has a maximum size fixed at buf_init(); growing past it
 * fails with QERR_TOO_LARGE instead of silently growing. Use:
 * buf_init -> buf_append/buf_printf... -> buf_steal or buf_cleanup.
 */
#ifndef QUERN_BUF_H
#define QUERN_BUF_H

#include "common/compat.h"
#include "common/qerr.h"

struct buf {
    char *data; /* NULL until the first append; NUL-terminated after it */
    size_t len;
    size_t cap;
    size_t max; /* the most bytes len may reach */
};

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b);
/* Forgets the contents, keeps the allocation. */
void buf_reset(struct buf *b);

int buf_append(struct buf *b, const void *data, size_t len, struct qerr *err) QUERN_MUSTCHECK;
int buf_puts(struct buf *b, const char *s, struct qerr *err) QUERN_MUSTCHECK;
int buf_printf(struct buf *b, struct qerr *err, const char *fmt, ...) QUERN_PRINTF(3, 4)
    QUERN_MUSTCHECK;

/* Returns the contents ("" when empty), owned by the caller; the buffer is left empty. */
char *buf_steal(struct buf *b);
/* Borrowed view of the contents, "" when empty. */
const char *buf_cstr(const struct buf *b);

/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);

#endif
