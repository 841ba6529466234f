// SPDX-License-Identifier: MIT
/* fmt - tables, progress lines and safe text for people; see fmt.h. */
#include "common/compat.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/fmt.h"
#include "common/qstr.h"

#define BAR_WIDTH 24
#define COL_GAP "  "

static void clean(char *s, bool keep_newlines)
{
    for (unsigned char *p = (unsigned char *)s; *p != '\0'; p++) {
        if (keep_newlines && *p == '\n') {
            continue;
        }
        if (*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p[0] = ' ';
            p[1] = ' ';
            p++;
        }
    }
}

void fmt_clean(char *s)
{
    clean(s, false);
}

void fmt_clean_text(char *s)
{
    clean(s, true);
}

size_t fmt_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

size_t fmt_term_width(FILE *stream)
{
    if (!isatty(fileno(stream))) {
        return 0;
    }
    long cols = 0;
    const char *env = getenv("COLUMNS");
    if (env != NULL && qstr_to_long(env, 20, 10000, &cols) == 0) {
        return (size_t)cols;
    }
    struct winsize ws;
    if (ioctl(fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
        return ws.ws_col;
    }
    return 80;
}

/* Byte length of the first w code points of s. */
static size_t prefix_bytes(const char *s, size_t w)
{
    size_t n = 0;
    size_t cp = 0;
    while (s[n] != '\0') {
        if (((unsigned char)s[n] & 0xc0) != 0x80) {
            if (cp == w) {
                break;
            }
            cp++;
        }
        n++;
    }
    return n;
}

static char *cell_copy(const char *s)
{
    if (s == NULL) {
        s = "-";
    }
    size_t n = strlen(s);
    if (n > FMT_CELL_MAX) {
        n = FMT_CELL_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
            n--; /* never split a UTF-8 sequence */
        }
    }
    char *c = strndup(s, n);
    if (c != NULL) {
        fmt_clean(c);
    }
    return c;
}

int fmt_table_init(struct fmt_table *t, size_t ncols, const char *const *headers, struct qerr *err)
{
    QASSERT(ncols > 0 && ncols <= FMT_TABLE_MAX_COLS);
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    return fmt_table_add(t, headers, err);
}

int fmt_table_add(struct fmt_table *t, const char *const *cells, struct qerr *err)
{
    if (t->nrows >= FMT_TABLE_MAX_ROWS) {
        qerr_set(err, QERR_TOO_LARGE, "table over %d rows", FMT_TABLE_MAX_ROWS);
        return -1;
    }
    if (t->nrows == t->cap) {
        size_t cap = t->cap == 0 ? 16 : t->cap * 2;
        char **p = realloc(t->cells, cap * t->ncols * sizeof *p);
        if (p == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory growing a table");
            return -1;
        }
        t->cells = p;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = cell_copy(cells[i]);
        if (row[i] == NULL) {
            for (size_t j = 0; j < i; j++) {
                QFREE(row[j]);
            }
            qerr_set(err, QERR_NOMEM, "out of memory filling a table");
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

void fmt_table_cleanup(struct fmt_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        free(t->cells[i]);
    }
    QFREE(t->cells);
    t->nrows = 0;
    t->cap = 0;
}

static int render_row(const struct fmt_table *t, const char *const *row, const size_t *w,
                      size_t last_max, struct buf *out, struct qerr *err)
{
    size_t start = out->len;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = row[c];
        bool last = c + 1 == t->ncols;
        if (last && last_max > 0 && fmt_width(s) > last_max) {
            size_t keep = last_max > 3 ? last_max - 3 : 0;
            if (buf_append(out, s, prefix_bytes(s, keep), err) < 0 ||
                buf_puts(out, "...", err) < 0) {
                return -1;
            }
            break;
        }
        if (buf_puts(out, s, err) < 0) {
            return -1;
        }
        for (size_t pad = fmt_width(s); !last && pad < w[c] + strlen(COL_GAP); pad++) {
            if (buf_append(out, " ", 1, err) < 0) {
                return -1;
            }
        }
    }
    while (out->len > start && out->data[out->len - 1] == ' ') {
        out->len--;
    }
    return buf_append(out, "\n", 1, err);
}

int fmt_table_render(const struct fmt_table *t, size_t width, struct buf *out, struct qerr *err)
{
    size_t w[FMT_TABLE_MAX_COLS] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = fmt_width(t->cells[r * t->ncols + c]);
            w[c] = cw > w[c] ? cw : w[c];
        }
    }
    size_t last_max = 0;
    if (width > 0) {
        size_t used = 0;
        for (size_t c = 0; c + 1 < t->ncols; c++) {
            used += w[c] + strlen(COL_GAP);
        }
        /* The last column keeps at least 10 columns even on a narrow terminal. */
        last_max = used + 10 < width ? width - used : 10;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (render_row(t, (const char *const *)t->cells + r * t->ncols, w, last_max, out, err) <
            0) {
            return -1;
        }
    }
    return 0;
}

int fmt_progress(int progress, const char *status, const char *message, size_t width,
                 struct buf *out, struct qerr *err)
{
    char bar[BAR_WIDTH + 1];
    int pct = progress > 100 ? 100 : progress;
    size_t filled = pct > 0 ? (size_t)pct * BAR_WIDTH / 100 : 0;
    for (size_t i = 0; i < BAR_WIDTH; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[BAR_WIDTH] = '\0';
    char head[128];
    if (pct < 0) {
        snprintf(head, sizeof head, "[%s]    - %s", bar, status);
    } else {
        snprintf(head, sizeof head, "[%s] %3d%% %s", bar, pct, status);
    }
    fmt_clean(head);
    size_t start = out->len;
    if (buf_puts(out, head, err) < 0) {
        return -1;
    }
    if (message == NULL || message[0] == '\0' || strcmp(message, status) == 0) {
        return 0; /* "running", not "running: running" */
    }
    char *msg = cell_copy(message);
    if (msg == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    int rc = buf_puts(out, ": ", err);
    size_t used = fmt_width(out->data + start);
    if (rc == 0 && width > 0 && used + fmt_width(msg) > width) {
        size_t room = width > used + 3 ? width - used - 3 : 0;
        if (room == 0) {
            out->len -= 2; /* no room for any of the message: drop the ": " too */
            out->data[out->len] = '\0';
        } else {
            rc = buf_append(out, msg, prefix_bytes(msg, room), err);
            rc = rc < 0 ? rc : buf_puts(out, "...", err);
        }
    } else if (rc == 0) {
        rc = buf_puts(out, msg, err);
    }
    free(msg);
    return rc;
}
