// SPDX-License-Identifier: MIT
/* s3_list - one page of a ListObjectsV2 reply; see s3_list.h. */
#include "common/compat.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/qstr.h"
#include "common/s3_list.h"

#define TEXT_MAX 4096 /* longest element text kept (S3 keys are at most 1024 bytes) */

/* The first "<tag>" in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *tag)
{
    size_t n = strlen(tag);
    while (p != NULL && p + n <= end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL || lt + n > end) {
            return NULL;
        }
        if (memcmp(lt, tag, n) == 0) {
            return lt;
        }
        p = lt + 1;
    }
    return NULL;
}

/* Appends the UTF-8 encoding of code point cp. */
static int put_utf8(struct buf *b, unsigned long cp, struct qerr *err)
{
    char u[4];
    size_t n;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        qerr_set(err, QERR_BACKEND, "S3 listing: bad character reference");
        return -1;
    }
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(b, u, n, err);
}

/* Decodes one entity at p (just after '&'); *used is its length up to and with ';'. */
static int entity(const char *p, const char *end, struct buf *b, size_t *used, struct qerr *err)
{
    static const struct {
        const char *name;
        char ch;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(named); i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - p) >= n && memcmp(p, named[i].name, n) == 0) {
            *used = n;
            return buf_append(b, &named[i].ch, 1, err);
        }
    }
    const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
    if (semi != NULL && *p == '#' && semi > p + 1) {
        bool hexa = p[1] == 'x';
        unsigned long cp = 0;
        const char *q = p + (hexa ? 2 : 1);
        for (; q < semi; q++) {
            int d = *q >= '0' && *q <= '9'           ? *q - '0'
                    : hexa && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
                    : hexa && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10
                                                     : -1;
            if (d < 0) {
                break;
            }
            cp = cp * (hexa ? 16 : 10) + (unsigned long)d;
        }
        if (q == semi) {
            *used = (size_t)(semi - p) + 1;
            return put_utf8(b, cp, err);
        }
    }
    qerr_set(err, QERR_BACKEND, "S3 listing: unknown entity");
    return -1;
}

/*
 * The decoded text of the first <name>...</name> in [p, end) into a new
 * string (*out; NULL when absent). *after points past the closing tag.
 */
static int element(const char *p, const char *end, const char *name, char **out, const char **after,
                   struct qerr *err)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    *out = NULL;
    const char *s = find(p, end, open);
    if (s == NULL) {
        return 0;
    }
    s += strlen(open);
    const char *e = find(s, end, close);
    if (e == NULL) {
        qerr_set(err, QERR_BACKEND, "S3 listing: <%s> is not closed", name);
        return -1;
    }
    struct buf b;
    buf_init(&b, TEXT_MAX);
    for (const char *q = s; q < e;) {
        const char *amp = memchr(q, '&', (size_t)(e - q));
        const char *stop = amp != NULL ? amp : e;
        if (buf_append(&b, q, (size_t)(stop - q), err) < 0) {
            goto fail;
        }
        q = stop;
        if (amp != NULL) {
            size_t used = 0;
            if (entity(amp + 1, e, &b, &used, err) < 0) {
                goto fail;
            }
            q = amp + 1 + used;
        }
    }
    if (after != NULL) {
        *after = e + strlen(close);
    }
    *out = buf_steal(&b);
    return 0;
fail:
    buf_cleanup(&b);
    return -1;
}

static int one_object(const char *p, const char *end, struct s3_list_page *page, struct qerr *err)
{
    char *key = NULL, *size = NULL;
    long size_v = -1;
    int rc = -1;
    if (element(p, end, "Key", &key, NULL, err) < 0 ||
        element(p, end, "Size", &size, NULL, err) < 0) {
        goto out;
    }
    if (key == NULL || size == NULL || qstr_to_long(size, 0, LONG_MAX, &size_v) < 0) {
        qerr_set(err, QERR_BACKEND, "S3 listing: an object without a key or size");
        goto out;
    }
    page->objs[page->n].key = key;
    page->objs[page->n].size = size_v;
    page->n++;
    key = NULL;
    rc = 0;
out:
    free(key);
    free(size);
    return rc;
}

int s3_list_parse(const char *xml, size_t len, struct s3_list_page *page, struct qerr *err)
{
    memset(page, 0, sizeof *page);
    const char *end = xml + len;
    if (xml == NULL || find(xml, end, "<ListBucketResult") == NULL) {
        qerr_set(err, QERR_BACKEND, "S3 listing: not a ListBucketResult");
        return -1;
    }
    page->objs = calloc(S3_LIST_PAGE_MAX, sizeof *page->objs);
    if (page->objs == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    const char *p = xml;
    for (;;) {
        const char *c = find(p, end, "<Contents>");
        const char *ce = c != NULL ? find(c, end, "</Contents>") : NULL;
        if (c == NULL) {
            break;
        }
        if (ce == NULL || page->n == S3_LIST_PAGE_MAX) {
            qerr_set(err, QERR_BACKEND, "S3 listing: unreadable or too many <Contents>");
            goto fail;
        }
        if (one_object(c, ce, page, err) < 0) {
            goto fail;
        }
        p = ce;
    }
    char *trunc = NULL;
    if (element(xml, end, "IsTruncated", &trunc, NULL, err) < 0 ||
        element(xml, end, "NextContinuationToken", &page->next_token, NULL, err) < 0) {
        free(trunc);
        goto fail;
    }
    page->truncated = trunc != NULL && strcmp(trunc, "true") == 0;
    free(trunc);
    if (page->truncated && page->next_token == NULL) {
        qerr_set(err, QERR_BACKEND, "S3 listing: truncated without a continuation token");
        goto fail;
    }
    return 0;
fail:
    s3_list_page_cleanup(page);
    return -1;
}

void s3_list_page_cleanup(struct s3_list_page *page)
{
    if (page == NULL) {
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        free(page->objs[i].key);
    }
    QFREE(page->objs);
    QFREE(page->next_token);
    page->n = 0;
}
