// SPDX-License-Identifier: MIT
/*
 * aws - credentials, URL building, request preparation and reply
 * classification for SigV4-signed calls; see aws.h.
 *
 * The signature itself is libcurl's (CURLOPT_AWS_SIGV4). What libcurl signs
 * is exactly what it sends, so the request must already be in canonical
 * form: query pairs are encoded and sorted here, header names are unique.
 */
#include "common/compat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "common/aws.h"

static char *dup_or_empty(const char *a, const char *b, const char *c)
{
    const char *v = a != NULL && *a != '\0' ? a : b != NULL && *b != '\0' ? b : c;
    return strdup(v != NULL ? v : "");
}

static void wipe_free(char **p)
{
    if (*p != NULL) {
        volatile char *v = *p;
        for (size_t i = 0; v[i] != '\0'; i++) {
            v[i] = '\0';
        }
        QFREE(*p);
    }
}

int aws_creds_load(const struct cfg *cfg, struct aws_creds *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    out->region = dup_or_empty(cfg->aws_region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"));
    out->endpoint = dup_or_empty(cfg->aws_endpoint, getenv("AWS_ENDPOINT_URL"), NULL);
    out->access_key_id = dup_or_empty(cfg->aws_access_key_id, getenv("AWS_ACCESS_KEY_ID"), NULL);
    out->secret_access_key =
        dup_or_empty(cfg->aws_secret_access_key, getenv("AWS_SECRET_ACCESS_KEY"), NULL);
    out->session_token = dup_or_empty(cfg->aws_session_token, getenv("AWS_SESSION_TOKEN"), NULL);
    if (out->region == NULL || out->endpoint == NULL || out->access_key_id == NULL ||
        out->secret_access_key == NULL || out->session_token == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        aws_creds_cleanup(out);
        return -1;
    }
    if (*out->region == '\0') {
        free(out->region);
        out->region = strdup("us-east-1");
    }
    size_t n = strlen(out->endpoint);
    while (n > 0 && out->endpoint[n - 1] == '/') {
        out->endpoint[--n] = '\0';
    }
    if (n > 0 && strncmp(out->endpoint, "http://", 7) != 0 &&
        strncmp(out->endpoint, "https://", 8) != 0) {
        qerr_set(err, QERR_INVALID, "aws.endpoint must start with http:// or https://");
        aws_creds_cleanup(out);
        return -1;
    }
    for (const char *p = out->region; p != NULL && *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-') {
            qerr_set(err, QERR_INVALID, "aws.region '%s' is not a region name", out->region);
            aws_creds_cleanup(out);
            return -1;
        }
    }
    if (out->region == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        aws_creds_cleanup(out);
        return -1;
    }
    return 0;
}

int aws_creds_check(const struct aws_creds *c, struct qerr *err)
{
    bool no_id = c->access_key_id == NULL || *c->access_key_id == '\0';
    bool no_secret = c->secret_access_key == NULL || *c->secret_access_key == '\0';
    if (no_id || no_secret) {
        qerr_set(err, QERR_BACKEND,
                 "AWS credentials missing: no %s%s%s (set aws.* in the configuration or the "
                 "AWS_* environment variables)",
                 no_id ? "access key id" : "", no_id && no_secret ? " and no " : "",
                 no_secret ? "secret access key" : "");
        return -1;
    }
    return 0;
}

void aws_creds_cleanup(struct aws_creds *c)
{
    if (c == NULL) {
        return;
    }
    QFREE(c->region);
    QFREE(c->endpoint);
    QFREE(c->access_key_id);
    wipe_free(&c->secret_access_key);
    wipe_free(&c->session_token);
}

char *aws_service_url(const struct aws_creds *c, const char *service, const char *region,
                      struct qerr *err)
{
    if (region == NULL || *region == '\0') {
        region = c->region;
    }
    struct buf b;
    buf_init(&b, 1024);
    int rc = *c->endpoint != '\0' ? buf_puts(&b, c->endpoint, err)
             : strcmp(service, "s3") == 0
                 ? buf_printf(&b, err, "https://s3.%s.amazonaws.com", region)
                 : buf_printf(&b, err, "https://%s.%s.amazonaws.com", service, region);
    if (rc < 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int aws_uri_encode(struct buf *b, const char *s, size_t len, bool keep_slash, struct qerr *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
            (keep_slash && ch == '/')) {
            if (buf_append(b, &s[i], 1, err) < 0) {
                return -1;
            }
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            if (buf_append(b, esc, 3, err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

struct enc_pair {
    char *k, *v;
};

static int enc_pair_cmp(const void *a, const void *b)
{
    const struct enc_pair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c != 0 ? c : strcmp(x->v, y->v);
}

static char *encode(const char *s, struct qerr *err)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    if (aws_uri_encode(&b, s, strlen(s), false, err) < 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* Appends "?k=v&..." in canonical order (sorted by encoded key, then value). */
static int append_query(struct buf *url, const struct aws_param *q, size_t n, struct qerr *err)
{
    int rc = -1;
    struct enc_pair *pairs = calloc(n > 0 ? n : 1, sizeof *pairs);
    if (pairs == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        pairs[i].k = encode(q[i].key, err);
        pairs[i].v = encode(q[i].value != NULL ? q[i].value : "", err);
        if (pairs[i].k == NULL || pairs[i].v == NULL) {
            goto out;
        }
    }
    qsort(pairs, n, sizeof *pairs, enc_pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (buf_printf(url, err, "%c%s=%s", i == 0 ? '?' : '&', pairs[i].k, pairs[i].v) < 0) {
            goto out;
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(pairs[i].k);
        free(pairs[i].v);
    }
    free(pairs);
    return rc;
}

static int add_header(struct aws_req *r, struct qerr *err, const char *fmt, ...) QUERN_PRINTF(3, 4);

static int add_header(struct aws_req *r, struct qerr *err, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        qerr_set(err, QERR_TOO_LARGE, "header too long");
        return -1;
    }
    const char *colon = strchr(line, ':');
    if (colon == NULL || colon == line) {
        qerr_set(err, QERR_INVALID, "malformed header");
        return -1;
    }
    size_t name_len = (size_t)(colon - line);
    for (const struct curl_slist *h = r->headers; h != NULL; h = h->next) {
        if (strncasecmp(h->data, line, name_len) == 0 && h->data[name_len] == ':') {
            qerr_set(err, QERR_INVALID,
                     "header %.*s given twice: a signed request cannot repeat it", (int)name_len,
                     line);
            return -1;
        }
    }
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (l == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    r->headers = l;
    return 0;
}

static int sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (SHA256(data, len, md) == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof md; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    return 0;
}

static size_t on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
    struct aws_req *r = arg;
    struct qerr err = QERR_INIT;
    if (r->write_cb != NULL) {
        long status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            return r->write_cb(data, size, nmemb, r->io_arg);
        }
    }
    if (buf_append(&r->reply, data, size * nmemb, &err) < 0) {
        return 0; /* reply too large: the transfer fails with CURLE_WRITE_ERROR */
    }
    return size * nmemb;
}

static int build_headers(struct aws_req *r, const struct aws_creds *creds,
                         const struct aws_call *call, struct qerr *err)
{
    for (size_t i = 0; call->headers != NULL && call->headers[i] != NULL; i++) {
        if (add_header(r, err, "%s", call->headers[i]) < 0) {
            return -1;
        }
    }
    if (call->content_type != NULL &&
        add_header(r, err, "Content-Type: %s", call->content_type) < 0) {
        return -1;
    }
    if (*creds->session_token != '\0' &&
        add_header(r, err, "X-Amz-Security-Token: %s", creds->session_token) < 0) {
        return -1;
    }
    if (call->content_sha256 && call->read_cb != NULL) {
        if (add_header(r, err, "x-amz-content-sha256: UNSIGNED-PAYLOAD") < 0) {
            return -1;
        }
    } else if (call->content_sha256) {
        char hex[65];
        if (sha256_hex(call->body != NULL ? call->body : "", call->body_len, hex) < 0) {
            qerr_set(err, QERR_INTERNAL, "SHA-256 failed");
            return -1;
        }
        if (add_header(r, err, "x-amz-content-sha256: %s", hex) < 0) {
            return -1;
        }
    }
    if (call->amz_date != NULL && add_header(r, err, "X-Amz-Date: %s", call->amz_date) < 0) {
        return -1;
    }
    return 0;
}

static int set_method(struct aws_req *r, const struct aws_call *call, struct qerr *err)
{
    CURL *e = r->easy;
    if (call->read_cb != NULL) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, call->read_cb);
        curl_easy_setopt(e, CURLOPT_READDATA, call->io_arg);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)call->upload_len);
        if (strcmp(call->method, "PUT") != 0) {
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call->method);
        }
        return 0;
    }
    if (call->body_len > 0) {
        r->body = malloc(call->body_len);
        if (r->body == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        memcpy(r->body, call->body, call->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    }
    if (strcmp(call->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(call->method, "GET") != 0 || call->body_len > 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call->method);
    }
    return 0;
}

int aws_req_prepare(struct aws_req *r, const struct aws_creds *creds, const struct aws_call *call,
                    struct qerr *err)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->reply, AWS_REPLY_MAX);
    struct buf url, sig;
    buf_init(&url, 64 * 1024);
    buf_init(&sig, 256);
    if ((call->body_len > 0 || call->read_cb != NULL) && call->content_type == NULL) {
        qerr_set(err, QERR_INVALID, "a request body needs an explicit content type");
        goto fail;
    }
    if (buf_printf(&url, err, "%s%s", call->base_url, call->path) < 0 ||
        append_query(&url, call->query, call->n_query, err) < 0 ||
        buf_printf(&sig, err, "aws:amz:%s:%s",
                   call->region != NULL && *call->region != '\0' ? call->region : creds->region,
                   call->service) < 0) {
        goto fail;
    }
    r->url = buf_steal(&url);
    r->sigv4 = buf_steal(&sig);
    r->easy = curl_easy_init();
    if (r->easy == NULL) {
        qerr_set(err, QERR_NOMEM, "curl_easy_init failed");
        goto fail;
    }
    if (build_headers(r, creds, call, err) < 0 || set_method(r, call, err) < 0) {
        goto fail;
    }
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, r->sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, creds->access_key_id);
    curl_easy_setopt(e, CURLOPT_PASSWORD, creds->secret_access_key);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    r->write_cb = call->write_cb;
    r->io_arg = call->io_arg;
    if (call->read_cb != NULL || call->write_cb != NULL) {
        /* Large objects: no total timeout, but a stalled transfer ends. */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, AWS_STALL_BPS);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, AWS_STALL_S);
    } else {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, call->timeout_ms > 0 ? call->timeout_ms : 30000L);
    }
    return 0;
fail:
    buf_cleanup(&url);
    buf_cleanup(&sig);
    aws_req_cleanup(r);
    return -1;
}

void aws_req_cleanup(struct aws_req *r)
{
    if (r == NULL) {
        return;
    }
    if (r->easy != NULL) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    curl_slist_free_all(r->headers); /* may hold the session token */
    r->headers = NULL;
    QFREE(r->url);
    QFREE(r->sigv4);
    QFREE(r->body);
    buf_cleanup(&r->reply);
}

static bool code_in(const char *code, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(code, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static const char *const throttle_codes[] = {"ThrottlingException",
                                             "TooManyRequestsException",
                                             "Throttling",
                                             "ThrottledException",
                                             "RequestLimitExceeded",
                                             "SlowDown",
                                             "RequestThrottled",
                                             "RequestThrottledException",
                                             "ProvisionedThroughputExceededException",
                                             "LimitExceededException",
                                             NULL};

static const char *const auth_codes[] = {"UnrecognizedClientException",
                                         "InvalidSignatureException",
                                         "SignatureDoesNotMatch",
                                         "InvalidClientTokenId",
                                         "ExpiredToken",
                                         "ExpiredTokenException",
                                         "AccessDeniedException",
                                         "AccessDenied",
                                         "MissingAuthenticationToken",
                                         "MissingAuthenticationTokenException",
                                         "IncompleteSignature",
                                         "IncompleteSignatureException",
                                         "InvalidAccessKeyId",
                                         "UnauthorizedOperation",
                                         "AuthFailure",
                                         NULL};

/* Copies the AWS error code and message of a JSON error body, if it is one. */
static void json_error(const char *body, size_t len, char *code, size_t code_sz, char *msg,
                       size_t msg_sz)
{
    json_error_t jerr;
    json_t *doc = body != NULL && len > 0 ? json_loadb(body, len, 0, &jerr) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return;
    }
    const char *c = json_string_value(json_object_get(doc, "__type"));
    if (c == NULL) {
        c = json_string_value(json_object_get(doc, "code"));
    }
    if (c == NULL) {
        c = json_string_value(json_object_get(doc, "Code"));
    }
    const char *m = json_string_value(json_object_get(doc, "message"));
    if (m == NULL) {
        m = json_string_value(json_object_get(doc, "Message"));
    }
    if (c != NULL) {
        const char *hash = strrchr(c, '#'); /* "com.amazonaws...#Code" */
        const char *colon = strchr(c, ':'); /* "Code:http://..." */
        const char *start = hash != NULL ? hash + 1 : c;
        size_t n = colon != NULL && colon > start ? (size_t)(colon - start) : strlen(start);
        snprintf(code, code_sz, "%.*s", (int)n, start);
    }
    if (m != NULL) {
        snprintf(msg, msg_sz, "%s", m);
    }
    json_decref(doc);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

void aws_classify(long status, const char *body, size_t len, CURLcode rc, struct aws_reply *out)
{
    memset(out, 0, sizeof *out);
    out->status = status;
    if (rc == CURLE_WRITE_ERROR) {
        out->outcome = AWS_FAILED;
        snprintf(out->msg, sizeof out->msg, "reply larger than %d bytes", AWS_REPLY_MAX);
        return;
    }
    if (rc != CURLE_OK) {
        out->outcome = AWS_RETRY;
        out->status = 0;
        snprintf(out->msg, sizeof out->msg, "network: %s", curl_easy_strerror(rc));
        return;
    }
    if (status >= 200 && status < 300) {
        out->outcome = AWS_OK;
        return;
    }
    char amsg[256] = "";
    json_error(body, len, out->code, sizeof out->code, amsg, sizeof amsg);
    if (status == 429 || status >= 500 || code_in(out->code, throttle_codes)) {
        out->outcome = AWS_RETRY;
    } else if (status == 401 || status == 403 || code_in(out->code, auth_codes)) {
        out->outcome = AWS_AUTH;
    } else if (status == 404 || ends_with(out->code, "NotFoundException") ||
               strcmp(out->code, "NoSuchKey") == 0 || strcmp(out->code, "NoSuchBucket") == 0) {
        out->outcome = AWS_NOTFOUND;
    } else {
        out->outcome = AWS_FAILED;
    }
    snprintf(out->msg, sizeof out->msg, "HTTP %ld%s%s%s%s", status, *out->code != '\0' ? " " : "",
             out->code, *amsg != '\0' ? ": " : "", amsg);
    for (char *p = out->msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20) {
            *p = ' ';
        }
    }
}

void aws_req_reply(const struct aws_req *r, CURLcode rc, struct aws_reply *out)
{
    long status = 0;
    if (r->easy != NULL) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    }
    aws_classify(status, r->reply.data, r->reply.len, rc, out);
}

void aws_req_perform(struct aws_req *r, struct aws_reply *out)
{
    buf_reset(&r->reply);
    CURLcode rc = curl_easy_perform(r->easy);
    aws_req_reply(r, rc, out);
}

long aws_backoff_ms(int attempt, long base_ms, long cap_ms)
{
    long d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++) {
        d *= 2;
    }
    if (d > cap_ms) {
        d = cap_ms;
    }
    long half = d / 2;
    return half + (half > 0 ? random() % (half + 1) : 0);
}
