// SPDX-License-Identifier: MIT
/* s3 - blocking S3 object calls and presigned URLs; see s3.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/s3.h"

int s3_open(const struct cfg *cfg, struct s3 *s3, struct qerr *err)
{
    memset(s3, 0, sizeof *s3);
    if (aws_creds_load(cfg, &s3->creds, err) < 0) {
        return -1;
    }
    const char *ep = cfg->storage_s3_endpoint != NULL && *cfg->storage_s3_endpoint != '\0'
                         ? cfg->storage_s3_endpoint
                         : s3->creds.endpoint;
    s3->endpoint = strdup(ep);
    if (s3->endpoint == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        s3_close(s3);
        return -1;
    }
    size_t n = strlen(s3->endpoint);
    while (n > 0 && s3->endpoint[n - 1] == '/') {
        s3->endpoint[--n] = '\0';
    }
    return 0;
}

void s3_close(struct s3 *s3)
{
    if (s3 != NULL) {
        aws_creds_cleanup(&s3->creds);
        QFREE(s3->endpoint);
    }
}

char *s3_location(const char *bucket, const char *key, struct qerr *err)
{
    struct buf b;
    buf_init(&b, 4096);
    if (buf_printf(&b, err, "s3://%s/%s", bucket, key) < 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int s3_location_split(const char *location, char **bucket, char **key, struct qerr *err)
{
    *bucket = *key = NULL;
    const char *p = strncmp(location, "s3://", 5) == 0 ? location + 5 : NULL;
    const char *slash = p != NULL ? strchr(p, '/') : NULL;
    if (slash == NULL || slash == p || slash[1] == '\0') {
        qerr_set(err, QERR_INVALID, "not an s3://bucket/key location");
        return -1;
    }
    *bucket = strndup(p, (size_t)(slash - p));
    *key = strdup(slash + 1);
    if (*bucket == NULL || *key == NULL) {
        QFREE(*bucket);
        QFREE(*key);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

int s3_object_url(const struct s3 *s3, const char *bucket, const char *key, struct buf *base,
                  struct buf *path, struct qerr *err)
{
    int rc = *s3->endpoint != '\0' ? buf_printf(base, err, "%s", s3->endpoint)
                                   : buf_printf(base, err, "https://%s.s3.%s.amazonaws.com", bucket,
                                                s3->creds.region);
    if (rc < 0 || buf_puts(path, "/", err) < 0) {
        return -1;
    }
    if (*s3->endpoint != '\0' && aws_uri_encode(path, bucket, strlen(bucket), false, err) < 0) {
        return -1;
    }
    if (key == NULL) {
        return 0; /* the bucket itself */
    }
    if (*s3->endpoint != '\0' && buf_puts(path, "/", err) < 0) {
        return -1;
    }
    return aws_uri_encode(path, key, strlen(key), true, err);
}

/* Prepares one S3 request on r for the object. */
static int call(struct s3 *s3, struct aws_req *r, const char *method, const char *bucket,
                const char *key, const void *body, size_t len, const char *ctype, struct qerr *err)
{
    struct buf base, path;
    buf_init(&base, 2048);
    buf_init(&path, 4096);
    int rc = -1;
    if (s3_object_url(s3, bucket, key, &base, &path, err) < 0) {
        goto out;
    }
    struct aws_call c = {.service = "s3",
                         .method = method,
                         .base_url = buf_cstr(&base),
                         .path = buf_cstr(&path),
                         .content_type = ctype,
                         .body = body,
                         .body_len = len,
                         .content_sha256 = true,
                         .timeout_ms = 300000};
    rc = aws_req_prepare(r, &s3->creds, &c, err);
out:
    buf_cleanup(&base);
    buf_cleanup(&path);
    return rc;
}

static int check_reply(const struct aws_reply *reply, const char *what, const char *bucket,
                       const char *key, struct qerr *err)
{
    if (reply->outcome == AWS_OK) {
        return 0;
    }
    qerr_set(err, reply->outcome == AWS_NOTFOUND ? QERR_NOTFOUND : QERR_BACKEND,
             "S3 %s s3://%s/%s: %s%s", what, bucket, key,
             reply->outcome == AWS_AUTH ? "credentials refused: " : "", reply->msg);
    return -1;
}

int s3_put(struct s3 *s3, const char *bucket, const char *key, const void *data, size_t len,
           const char *content_type, struct qerr *err)
{
    if ((long long)len > S3_PUT_MAX) {
        qerr_set(err, QERR_TOO_LARGE, "object larger than %lld bytes", S3_PUT_MAX);
        return -1;
    }
    struct aws_req r;
    struct aws_reply reply;
    if (call(s3, &r, "PUT", bucket, key, len > 0 ? data : "", len, content_type, err) < 0) {
        return -1;
    }
    if (len == 0) {
        /* An empty PUT still needs a body of zero bytes, not a GET-like request. */
        curl_easy_setopt(r.easy, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(r.easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    aws_req_perform(&r, &reply);
    aws_req_cleanup(&r);
    return check_reply(&reply, "PUT", bucket, key, err);
}

int s3_head(struct s3 *s3, const char *bucket, const char *key, long long *bytes, struct qerr *err)
{
    struct aws_req r;
    struct aws_reply reply;
    if (call(s3, &r, "HEAD", bucket, key, NULL, 0, NULL, err) < 0) {
        return -1;
    }
    aws_req_perform(&r, &reply);
    curl_off_t cl = -1;
    curl_easy_getinfo(r.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    aws_req_cleanup(&r);
    *bytes = (long long)cl;
    return check_reply(&reply, "HEAD", bucket, key, err);
}

struct get_ctx {
    struct aws_req *r;
    s3_sink sink;
    void *arg;
    bool stopped;
};

static size_t on_get(char *data, size_t size, size_t nmemb, void *arg)
{
    struct get_ctx *g = arg;
    long status = 0;
    curl_easy_getinfo(g->r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) { /* an error document: keep it for the message */
        struct qerr e = QERR_INIT;
        return buf_append(&g->r->reply, data, size * nmemb, &e) < 0 ? 0 : size * nmemb;
    }
    if (g->sink(g->arg, data, size * nmemb) < 0) {
        g->stopped = true;
        return 0;
    }
    return size * nmemb;
}

int s3_get(struct s3 *s3, const char *bucket, const char *key, s3_sink sink, void *arg,
           struct qerr *err)
{
    struct aws_req r;
    struct aws_reply reply;
    if (call(s3, &r, "GET", bucket, key, NULL, 0, NULL, err) < 0) {
        return -1;
    }
    struct get_ctx g = {.r = &r, .sink = sink, .arg = arg};
    curl_easy_setopt(r.easy, CURLOPT_WRITEFUNCTION, on_get);
    curl_easy_setopt(r.easy, CURLOPT_WRITEDATA, &g);
    aws_req_perform(&r, &reply);
    aws_req_cleanup(&r);
    if (g.stopped) {
        qerr_set(err, QERR_BACKEND, "S3 GET s3://%s/%s: the receiver stopped", bucket, key);
        return -1;
    }
    return check_reply(&reply, "GET", bucket, key, err);
}

int s3_delete(struct s3 *s3, const char *bucket, const char *key, struct qerr *err)
{
    struct aws_req r;
    struct aws_reply reply;
    if (call(s3, &r, "DELETE", bucket, key, NULL, 0, NULL, err) < 0) {
        return -1;
    }
    aws_req_perform(&r, &reply);
    aws_req_cleanup(&r);
    return check_reply(&reply, "DELETE", bucket, key, err);
}

static void hex(const unsigned char *md, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

/* The SigV4 signing key chain and final HMAC over sts; out is 65 bytes of hex. */
static void sign_hex(const char *secret, const char *date, const char *region, const char *sts,
                     char out[65])
{
    unsigned char k[EVP_MAX_MD_SIZE];
    unsigned int klen;
    char start[256];
    snprintf(start, sizeof start, "AWS4%s", secret);
    const char *parts[] = {date, region, "s3", "aws4_request"};
    HMAC(EVP_sha256(), start, (int)strlen(start), (const unsigned char *)parts[0], strlen(parts[0]),
         k, &klen);
    for (size_t i = 1; i < QUERN_ARRAY_LEN(parts); i++) {
        HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)parts[i], strlen(parts[i]), k,
             &klen);
    }
    unsigned char sig[EVP_MAX_MD_SIZE];
    unsigned int slen;
    HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)sts, strlen(sts), sig, &slen);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(start, sizeof start);
    hex(sig, slen, out);
}

/* The query of a presigned URL, canonical (sorted) order, without the signature. */
static int presign_query(struct buf *q, const struct aws_creds *c, const char *date,
                         const char *amz_date, long expires_s, struct qerr *err)
{
    struct buf cred;
    buf_init(&cred, 512);
    int rc = -1;
    if (buf_printf(&cred, err, "%s/%s/%s/s3/aws4_request", c->access_key_id, date, c->region) < 0 ||
        buf_puts(q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=", err) < 0 ||
        aws_uri_encode(q, cred.data, cred.len, false, err) < 0 ||
        buf_printf(q, err, "&X-Amz-Date=%s&X-Amz-Expires=%ld", amz_date, expires_s) < 0) {
        goto out;
    }
    if (*c->session_token != '\0' &&
        (buf_puts(q, "&X-Amz-Security-Token=", err) < 0 ||
         aws_uri_encode(q, c->session_token, strlen(c->session_token), false, err) < 0)) {
        goto out;
    }
    rc = buf_puts(q, "&X-Amz-SignedHeaders=host", err);
out:
    buf_cleanup(&cred);
    return rc;
}

char *s3_presign_at(const struct aws_creds *creds, const char *base_url, const char *path,
                    long expires_s, const char *amz_date, struct qerr *err)
{
    const char *host = strstr(base_url, "://");
    if (host == NULL || strlen(amz_date) != 16) {
        qerr_set(err, QERR_INVALID, "presign: bad base URL or date");
        return NULL;
    }
    host += 3;
    char date[9];
    snprintf(date, sizeof date, "%.8s", amz_date);
    struct buf q, creq, sts, url;
    buf_init(&q, 8192);
    buf_init(&creq, 16384);
    buf_init(&sts, 1024);
    buf_init(&url, 16384);
    char *out = NULL;
    unsigned char md[SHA256_DIGEST_LENGTH];
    char md_hex[65], sig[65];
    if (presign_query(&q, creds, date, amz_date, expires_s, err) < 0 ||
        buf_printf(&creq, err, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path, q.data,
                   host) < 0) {
        goto out;
    }
    SHA256((const unsigned char *)creq.data, creq.len, md);
    hex(md, sizeof md, md_hex);
    if (buf_printf(&sts, err, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date, date,
                   creds->region, md_hex) < 0) {
        goto out;
    }
    sign_hex(creds->secret_access_key, date, creds->region, sts.data, sig);
    if (buf_printf(&url, err, "%s%s?%s&X-Amz-Signature=%s", base_url, path, q.data, sig) < 0) {
        goto out;
    }
    out = buf_steal(&url);
out:
    buf_cleanup(&q);
    buf_cleanup(&creq);
    buf_cleanup(&sts);
    buf_cleanup(&url);
    return out;
}

char *s3_presign(struct s3 *s3, const char *bucket, const char *key, long expires_s,
                 struct qerr *err)
{
    struct buf base, path;
    buf_init(&base, 2048);
    buf_init(&path, 4096);
    char *url = NULL;
    char amz_date[17];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    if (aws_creds_check(&s3->creds, err) == 0 &&
        s3_object_url(s3, bucket, key, &base, &path, err) == 0) {
        url = s3_presign_at(&s3->creds, buf_cstr(&base), buf_cstr(&path), expires_s, amz_date, err);
    }
    buf_cleanup(&base);
    buf_cleanup(&path);
    return url;
}
