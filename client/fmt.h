// SPDX-License-Identifier: MIT
/*
 * fmt - how the client draws things for people: tables, the progress
 * line, terminal widths, and text from the server made safe to print.
 *
 * Every string that came from the server passes through fmt_clean() (or a
 * table, which cleans its cells) before it reaches a terminal, so a
 * process title cannot carry escape sequences. Widths count UTF-8 code
 * points. Use: fmt_table_init -> fmt_table_add... -> fmt_table_render ->
 * fmt_table_cleanup.
 */
#ifndef QUERN_CLIENT_FMT_H
#define QUERN_CLIENT_FMT_H

#include "common/compat.h"

#include <stdio.h>

#include "common/buf.h"
#include "common/qerr.h"

#define FMT_TABLE_MAX_COLS 8
#define FMT_TABLE_MAX_ROWS 100000
#define FMT_CELL_MAX 1024

/* Replaces control characters (C0, DEL, C1) in s with spaces, in place. */
void fmt_clean(char *s);

/* Like fmt_clean but keeps newlines, for multi-line text. */
void fmt_clean_text(char *s);

/* Display width of s in code points. */
size_t fmt_width(const char *s);

/* Columns of stream's terminal, 0 when it is not one ($COLUMNS is honoured). */
size_t fmt_term_width(FILE *stream);

struct fmt_table {
    size_t ncols;
    size_t nrows; /* including the header row */
    size_t cap;
    char **cells; /* row-major, owned, cleaned */
};

/* headers: ncols strings, copied. */
int fmt_table_init(struct fmt_table *t, size_t ncols, const char *const *headers,
                   struct qerr *err) QUERN_MUSTCHECK;
/* cells: ncols strings, copied; NULL shows as "-"; cells are cut at FMT_CELL_MAX bytes. */
int fmt_table_add(struct fmt_table *t, const char *const *cells, struct qerr *err) QUERN_MUSTCHECK;
/*
 * Appends the table to out, columns two spaces apart, no trailing blanks.
 * With width > 0 the last column is cut (ending in "...") so lines fit;
 * the other columns (ids, statuses) are never cut.
 */
int fmt_table_render(const struct fmt_table *t, size_t width, struct buf *out,
                     struct qerr *err) QUERN_MUSTCHECK;
void fmt_table_cleanup(struct fmt_table *t);

/*
 * One progress line: "[#######.............]  35% running: message",
 * fitted to width (0 = no limit). progress < 0 draws an empty bar with
 * "  -%"; message may be NULL. The message is cleaned.
 */
int fmt_progress(int progress, const char *status, const char *message, size_t width,
                 struct buf *out, struct qerr *err) QUERN_MUSTCHECK;

#endif
