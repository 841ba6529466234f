// SPDX-License-Identifier: MIT
/* http - the client's transport over libcurl; see http.h. */
#include "common/compat.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "client/http.h"
#include "common/log.h"

#define CONNECT_TIMEOUT_S 15L

struct xfer {
    struct http_resp *r;
    FILE *file; /* downloads: where a 2xx body goes */
    CURL *curl;
    struct qerr err; /* why a callback stopped the transfer */
};

static void wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *p = s;
        while (*p != '\0') {
            *p++ = '\0';
        }
        free(s);
    }
}

int http_client_init(struct http_client *c, const char *base, const char *user, const char *token,
                     struct qerr *err)
{
    memset(c, 0, sizeof *c);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        qerr_set(err, QERR_INTERNAL, "libcurl failed to initialise");
        return -1;
    }
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') {
        n--;
    }
    c->base = strndup(base, n);
    c->curl = curl_easy_init();
    if (user != NULL) {
        c->userpwd = strdup(user);
    }
    if (token != NULL) {
        size_t len = strlen(token) + 32;
        c->auth_header = malloc(len);
        if (c->auth_header != NULL) {
            snprintf(c->auth_header, len, "Authorization: Bearer %s", token);
        }
    }
    if (c->base == NULL || c->curl == NULL || (user != NULL && c->userpwd == NULL) ||
        (token != NULL && c->auth_header == NULL)) {
        qerr_set(err, QERR_NOMEM, "out of memory setting up HTTP");
        http_client_cleanup(c);
        return -1;
    }
    return 0;
}

void http_client_cleanup(struct http_client *c)
{
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
        c->curl = NULL;
    }
    QFREE(c->base);
    wipe_free(c->userpwd);
    c->userpwd = NULL;
    wipe_free(c->auth_header);
    c->auth_header = NULL;
}

void http_resp_init(struct http_resp *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, HTTP_BODY_MAX);
}

void http_resp_cleanup(struct http_resp *r)
{
    buf_cleanup(&r->body);
}

static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL) {
        return 0;
    }
    p += 3;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

bool http_same_origin(const char *base, const char *url)
{
    size_t n = origin_len(base);
    return n > 0 && origin_len(url) == n && strncasecmp(base, url, n) == 0;
}

bool http_err_is_network(const struct qerr *err)
{
    return err->code == QERR_BACKEND &&
           strncmp(err->msg, HTTP_NET_ERROR_PREFIX, strlen(HTTP_NET_ERROR_PREFIX)) == 0;
}

char *http_escape(const struct http_client *c, const char *s)
{
    char *e = curl_easy_escape(c->curl, s, 0);
    char *copy = e != NULL ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}

/* Keeps [A-Za-z0-9._-] of a Content-Disposition filename; never a path. */
static void take_filename(const char *v, size_t n, char *out, size_t outsz)
{
    const char *p = NULL;
    for (size_t i = 0; i + 9 <= n; i++) {
        if (strncasecmp(v + i, "filename=", 9) == 0) {
            p = v + i + 9;
            break;
        }
    }
    out[0] = '\0';
    if (p == NULL) {
        return;
    }
    const char *end = v + n;
    const char *slash = NULL;
    for (const char *q = p; q < end; q++) {
        slash = (*q == '/' || *q == '\\') ? q : slash;
    }
    p = slash != NULL ? slash + 1 : p;
    size_t o = 0;
    for (; p < end && *p != ';' && o + 1 < outsz; p++) {
        char ch = *p;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (ok) {
            out[o++] = ch;
        }
    }
    out[o] = '\0';
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || out[0] == '.') {
        out[0] = '\0';
    }
}

static void take_header(char *dst, size_t dstsz, const char *v, size_t n)
{
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) {
        n--;
    }
    while (n > 0 && *v == ' ') {
        v++;
        n--;
    }
    if (n >= dstsz) {
        n = dstsz - 1;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* From a Link header value, the URL of the link whose rel is "monitor". */
static void take_monitor(const char *v, size_t n, char *out, size_t outsz)
{
    const char *end = v + n;
    const char *p = v;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        const char *gt = lt != NULL ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
        if (gt == NULL) {
            return;
        }
        const char *next = memchr(gt, ',', (size_t)(end - gt));
        const char *stop = next != NULL ? next : end;
        bool monitor = false;
        for (const char *q = gt; q < stop && !monitor; q++) {
            size_t left = (size_t)(stop - q);
            monitor = (left >= 12 && strncasecmp(q, "rel=\"monitor", 12) == 0) ||
                      (left >= 11 && strncasecmp(q, "rel=monitor", 11) == 0);
        }
        if (monitor && (size_t)(gt - lt - 1) < outsz) {
            memcpy(out, lt + 1, (size_t)(gt - lt - 1));
            out[gt - lt - 1] = '\0';
            return;
        }
        p = stop + (next != NULL);
    }
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nitems;
    const char *colon = memchr(data, ':', n);
    if (colon == NULL) {
        return n;
    }
    size_t klen = (size_t)(colon - data);
    const char *v = colon + 1;
    size_t vlen = n - klen - 1;
    if (klen == 12 && strncasecmp(data, "Content-Type", 12) == 0) {
        take_header(x->r->content_type, sizeof x->r->content_type, v, vlen);
    } else if (klen == 8 && strncasecmp(data, "Location", 8) == 0) {
        take_header(x->r->location, sizeof x->r->location, v, vlen);
    } else if (klen == 4 && strncasecmp(data, "Link", 4) == 0) {
        take_monitor(v, vlen, x->r->monitor, sizeof x->r->monitor);
    } else if (klen == 19 && strncasecmp(data, "Content-Disposition", 19) == 0) {
        take_filename(v, vlen, x->r->filename, sizeof x->r->filename);
    }
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
    if (x->file != NULL && status >= 200 && status < 300) {
        if (fwrite(data, 1, n, x->file) != n) {
            qerr_set_errno(&x->err, QERR_INTERNAL, "writing the download");
            return 0;
        }
        return n;
    }
    if (buf_append(&x->r->body, data, n, &x->err) < 0) {
        return 0;
    }
    return n;
}

static int join_url(const struct http_client *c, const char *url_or_path, char *out, size_t outsz,
                    struct qerr *err)
{
    bool absolute =
        strncmp(url_or_path, "http://", 7) == 0 || strncmp(url_or_path, "https://", 8) == 0;
    int n = absolute ? snprintf(out, outsz, "%s", url_or_path)
                     : snprintf(out, outsz, "%s%s", c->base, url_or_path);
    if (n < 0 || (size_t)n >= outsz) {
        qerr_set(err, QERR_INVALID, "URL longer than %zu bytes", outsz - 1);
        return -1;
    }
    return 0;
}

/* Appends line (if not NULL) to hdrs; on failure frees the list and returns NULL. */
static struct curl_slist *add_header(struct curl_slist *hdrs, const char *line)
{
    if (hdrs == NULL || line == NULL) {
        return hdrs;
    }
    struct curl_slist *tmp = curl_slist_append(hdrs, line);
    if (tmp == NULL) {
        curl_slist_free_all(hdrs);
    }
    return tmp;
}

/* Options every request shares; credentials only for the server's own origin. */
static struct curl_slist *setup(const struct http_client *c, const char *url, struct xfer *x,
                                const char *accept, const char *prefer, bool json_body)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "quern/" PACKAGE_VERSION);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    char line[256];
    snprintf(line, sizeof line, "Accept: %s", accept);
    struct curl_slist *hdrs = add_header(curl_slist_append(NULL, line),
                                         json_body ? "Content-Type: application/json" : NULL);
    if (prefer != NULL) {
        snprintf(line, sizeof line, "Prefer: %s", prefer);
        hdrs = add_header(hdrs, line);
    }
    if (http_same_origin(c->base, url)) {
        if (c->userpwd != NULL) {
            curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(h, CURLOPT_USERPWD, c->userpwd);
        }
        hdrs = add_header(hdrs, c->auth_header);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    return hdrs;
}

static int perform(const struct http_client *c, const char *method, const char *url, struct xfer *x,
                   struct curl_slist *hdrs, struct qerr *err)
{
    int rc = -1;
    if (hdrs == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory building request headers");
        goto out;
    }
    CURLcode cc = curl_easy_perform(c->curl);
    if (qerr_is_set(&x->err)) {
        qerr_set(err, x->err.code, "%s", x->err.msg);
        goto out;
    }
    if (cc != CURLE_OK) {
        qerr_set(err, QERR_BACKEND, HTTP_NET_ERROR_PREFIX "%s: %s", c->base,
                 curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &x->r->status);
    curl_off_t bytes = 0;
    curl_off_t usec = 0;
    curl_easy_getinfo(c->curl, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
    curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME_T, &usec);
    /* The URL never holds credentials (args refuses them there). */
    log_debug("%s %s status=%ld bytes=%lld ms=%lld", method, url, x->r->status, (long long)bytes,
              (long long)(usec / 1000));
    rc = 0;
out:
    curl_slist_free_all(hdrs);
    return rc;
}

int http_request(struct http_client *c, const char *method, const char *url_or_path,
                 const char *json_body, const char *prefer, long timeout_s, struct http_resp *r,
                 struct qerr *err)
{
    char url[HTTP_URL_MAX];
    struct xfer x = {r, NULL, c->curl, QERR_INIT};
    if (join_url(c, url_or_path, url, sizeof url, err) < 0) {
        return -1;
    }
    struct curl_slist *hdrs = setup(c, url, &x, "application/json", prefer, json_body != NULL);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_s);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
    }
    if (json_body != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
    }
    return perform(c, method, url, &x, hdrs, err);
}

int http_download(struct http_client *c, const char *url_or_path, FILE *f, struct http_resp *r,
                  struct qerr *err)
{
    char url[HTTP_URL_MAX];
    struct xfer x = {r, f, c->curl, QERR_INIT};
    if (join_url(c, url_or_path, url, sizeof url, err) < 0) {
        return -1;
    }
    struct curl_slist *hdrs = setup(c, url, &x, "*/*", NULL, false);
    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c->curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_DOWNLOAD_MAX);
    return perform(c, "GET", url, &x, hdrs, err);
}
