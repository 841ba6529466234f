// SPDX-License-Identifier: MIT
/* rjob_out - line splitting and the meaning of output lines; see rjob_out.h. */
#include "common/compat.h"

#include <string.h>

#include "runner/rjob_out.h"

void rjob_lines_init(struct rjob_lines *l, size_t max, rjob_line_cb cb, void *arg)
{
    /* +1: room for a pending "\r" that a following "\n" strips. */
    buf_init(&l->cur, max + 1);
    l->max = max;
    l->truncated = false;
    l->cb = cb;
    l->arg = arg;
}

void rjob_lines_cleanup(struct rjob_lines *l)
{
    buf_cleanup(&l->cur);
}

static void emit(struct rjob_lines *l)
{
    size_t len = l->cur.len;
    if (len > 0 && l->cur.data[len - 1] == '\r') {
        len--;
    }
    if (len > l->max) {
        len = l->max;
    }
    l->cb(len > 0 ? l->cur.data : "", len, l->truncated, l->arg);
    buf_reset(&l->cur);
    l->truncated = false;
}

static void keep(struct rjob_lines *l, const char *p, size_t n)
{
    size_t room = l->cur.max - l->cur.len;
    if (n > room) {
        n = room;
        l->truncated = true;
    }
    struct qerr err = QERR_INIT;
    if (n > 0 && buf_append(&l->cur, p, n, &err) < 0) {
        l->truncated = true; /* out of memory: the line is cut, the job goes on */
    }
}

void rjob_lines_feed(struct rjob_lines *l, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl != NULL ? (size_t)(nl - data) : len;
        keep(l, data, n);
        if (nl == NULL) {
            return;
        }
        emit(l);
        data += n + 1;
        len -= n + 1;
    }
}

void rjob_lines_finish(struct rjob_lines *l)
{
    if (l->cur.len > 0 || l->truncated) {
        emit(l);
    }
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        return c == 0 ? 0 : 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000;
    } else {
        return 0;
    }
    if (left < n) {
        return 0;
    }
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

char *rjob_text_clean(const char *s, size_t len, size_t max)
{
    size_t cap = len < max ? len : max;
    char *out = malloc(cap + 1);
    if (out == NULL) {
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        size_t w = n > 0 ? n : 1;
        if (o + w > cap) {
            break;
        }
        if (n == 0) {
            out[o++] = '?';
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += w;
    }
    out[o] = '\0';
    return out;
}

/* Parses line as a JSON object if it looks like one; NULL otherwise. */
static json_t *load_object(const char *line, size_t len)
{
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    if (len < 2 || line[0] != '{') {
        return NULL;
    }
    json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

bool rjob_parse_progress(const char *line, size_t len, int *progress, char **message)
{
    *message = NULL;
    if (len > 65536) {
        return false;
    }
    json_t *o = load_object(line, len);
    if (o == NULL) {
        return false;
    }
    bool ok = false;
    json_t *p = json_object_get(o, "progress");
    json_t *m = json_object_get(o, "message");
    if (json_is_number(p) && json_number_value(p) >= 0 && json_number_value(p) <= 100 &&
        (m == NULL || json_is_string(m)) && json_object_get(o, "plugin_results") == NULL) {
        *progress = (int)json_number_value(p);
        if (m != NULL) {
            *message = rjob_text_clean(json_string_value(m), json_string_length(m), 1024);
        }
        ok = true;
    }
    json_decref(o);
    return ok;
}

json_t *rjob_parse_results(const char *line, size_t len, const json_t *outputs, char *why,
                           size_t whysz)
{
    json_t *o = load_object(line, len);
    json_t *v = o != NULL ? json_object_get(o, "plugin_results") : NULL;
    if (v == NULL) {
        snprintf(why, whysz, "the last line on stdout must be a JSON object {\"plugin_results\": ...}");
        json_decref(o);
        return NULL;
    }
    json_t *res = NULL;
    if (json_is_object(v)) {
        res = json_incref(v);
    } else if (json_is_object(outputs) && json_object_size(outputs) == 1) {
        const char *only = json_object_iter_key(json_object_iter((json_t *)outputs));
        res = json_pack("{sO}", only, v);
    } else {
        snprintf(why, whysz,
                 "plugin_results is not an object and the process does not have exactly one output");
    }
    json_decref(o);
    return res;
}
