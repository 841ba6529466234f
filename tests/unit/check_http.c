// SPDX-License-Identifier: MIT
/* Unit tests of quern-api's request handling: percent-decoding, path splitting,
 * content negotiation, Prefer, JSON depth, the route table, the error table, and
 * http_req_parse() over CGI variables (base URL, prefix, query). */
#include "common/compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_io.h"
#include "cgi/http_req.h"
#include "cgi/http_route.h"

START_TEST(pct_decode_table)
{
    static const struct {
        const char *in;
        bool plus;
        const char *out; /* NULL: must fail */
    } t[] = {
        {"a%20b", false, "a b"}, {"a+b", false, "a+b"},  {"a+b", true, "a b"},
        {"%2F", false, "/"},     {"%2f%41", false, "/A"}, {"%2", false, NULL},
        {"%", false, NULL},      {"%zz", false, NULL},    {"%00", false, NULL},
        {"x%0", false, NULL},    {"", false, ""},         {"%e2%82%ac", false, "\xe2\x82\xac"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(t); i++) {
        char out[64];
        int rc = http_pct_decode(t[i].in, strlen(t[i].in), t[i].plus, out, sizeof out);
        if (t[i].out == NULL) {
            ck_assert_msg(rc < 0, "%s should fail", t[i].in);
        } else {
            ck_assert_msg(rc == 0, "%s should decode", t[i].in);
            ck_assert_str_eq(out, t[i].out);
        }
    }
    char small[3];
    ck_assert_int_lt(http_pct_decode("abc", 3, false, small, sizeof small), 0);
}
END_TEST

START_TEST(path_split)
{
    char buf[128], *segs[4];
    int n;
    ck_assert_int_eq(http_path_split("/jobs//x/", buf, sizeof buf, segs, 4, &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(segs[0], "jobs");
    ck_assert_str_eq(segs[1], "x");
    ck_assert_int_eq(http_path_split("/", buf, sizeof buf, segs, 4, &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_lt(http_path_split("/a/b/c/d/e", buf, sizeof buf, segs, 4, &n), 0);
}
END_TEST

START_TEST(negotiation_table)
{
    static const struct {
        const char *accept, *f;
        int rc;
        enum http_fmt fmt;
    } t[] = {
        {NULL, NULL, 0, HTTP_FMT_JSON},
        {"", NULL, 0, HTTP_FMT_JSON},
        {"*/*", NULL, 0, HTTP_FMT_JSON},
        {"application/json", NULL, 0, HTTP_FMT_JSON},
        {"text/html", NULL, 0, HTTP_FMT_HTML},
        {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", NULL, 0, HTTP_FMT_HTML},
        {"application/json;q=0.5, text/html;q=0.9", NULL, 0, HTTP_FMT_HTML},
        {"text/html;q=0.1, application/json", NULL, 0, HTTP_FMT_JSON},
        {"text/plain", NULL, 0, HTTP_FMT_TEXT},
        {"image/png", NULL, 0, HTTP_FMT_JSON},
        {"application/vnd.oai.openapi+json;version=3.0", NULL, 0, HTTP_FMT_JSON},
        {"application/*", NULL, 0, HTTP_FMT_JSON},
        {"text/*", NULL, 0, HTTP_FMT_HTML},
        {"text/html", "json", 0, HTTP_FMT_JSON},
        {NULL, "html", 0, HTTP_FMT_HTML},
        {"application/json", "HTML", 0, HTTP_FMT_HTML},
        {NULL, "xml", -1, HTTP_FMT_JSON},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(t); i++) {
        enum http_fmt fmt = HTTP_FMT_JSON;
        int rc = http_negotiate(t[i].accept, t[i].f, &fmt);
        ck_assert_msg(rc == t[i].rc, "row %zu: rc %d", i, rc);
        if (rc == 0) {
            ck_assert_msg(fmt == t[i].fmt, "row %zu (%s, %s): got %d", i, t[i].accept, t[i].f,
                          (int)fmt);
        }
    }
}
END_TEST

START_TEST(prefer_table)
{
    static const struct {
        const char *hdr;
        bool async;
        long wait;
    } t[] = {
        {NULL, false, -1},
        {"respond-async", true, -1},
        {"respond-async ", true, -1},
        {" respond-async , wait=10", true, 10},
        {"wait=5, respond-async", true, 5},
        {"RESPOND-ASYNC", true, -1},
        {"respond-async;foo=bar", true, -1},
        {"return=minimal", false, -1},
        {"wait=abc", false, -1},
        {"wait = 7", false, 7},
        {"wait=\"3\"", false, 3},
        {"respond-asynchronously", false, -1},
        {",,,", false, -1},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(t); i++) {
        struct http_prefer p;
        http_prefer_parse(t[i].hdr, &p);
        ck_assert_msg(p.respond_async == t[i].async, "row %zu async", i);
        ck_assert_msg(p.wait == t[i].wait, "row %zu wait %ld", i, p.wait);
    }
}
END_TEST

START_TEST(json_depth)
{
    ck_assert_int_eq(http_json_depth("[[[]]]", 6), 3);
    ck_assert_int_eq(http_json_depth("\"[[[\"", 5), 0);
    const char *s = "{\"a\":\"\\\"[\"}";
    ck_assert_int_eq(http_json_depth(s, strlen(s)), 1);
    ck_assert_int_eq(http_json_depth("1", 1), 0);
}
END_TEST

static char *segv[8];

static const struct http_route *match(const char *path, int *n)
{
    static char buf[256];
    ck_assert_int_eq(http_path_split(path, buf, sizeof buf, segv, 8, n), 0);
    return http_route_match(segv, *n);
}

START_TEST(route_table)
{
    int n;
    const struct http_route *r = match("/", &n);
    ck_assert_ptr_eq(r->get, http_landing_get);
    ck_assert_ptr_eq(match("/processes/echo", &n)->get, http_process_get);
    r = match("/processes/echo/execution", &n);
    ck_assert_ptr_null(r->get);
    ck_assert_ptr_eq(r->post, http_execute_post);
    char allow[64];
    http_route_allow(r, allow, sizeof allow);
    ck_assert_str_eq(allow, "POST, OPTIONS");
    r = match("/jobs/x", &n);
    ck_assert_ptr_eq(r->del, http_job_delete);
    http_route_allow(r, allow, sizeof allow);
    ck_assert_str_eq(allow, "GET, HEAD, DELETE, OPTIONS");
    ck_assert_ptr_eq(match("/jobs/x/results/y", &n)->get, http_result_output_get);
    ck_assert_ptr_eq(match("/jobs/x/logs", &n)->get, http_logs_get);
    ck_assert_ptr_null(match("/nope", &n));
    ck_assert_ptr_null(match("/processes/a/b", &n));
    ck_assert_ptr_null(match("/jobs/x/results/y/z", &n));
}
END_TEST

START_TEST(error_table)
{
    ck_assert_int_eq(http_error_status(HTTP_EXC_NO_SUCH_PROCESS, QERR_OK), 404);
    ck_assert_int_eq(http_error_status(HTTP_EXC_NO_SUCH_JOB, QERR_NOTFOUND), 404);
    ck_assert_int_eq(http_error_status(HTTP_EXC_RESULT_NOT_READY, QERR_NOTFOUND), 404);
    ck_assert_int_eq(http_error_status(HTTP_EXC_METHOD, QERR_INVALID), 405);
    ck_assert_int_eq(http_error_status(HTTP_EXC_SYNC_TIMEOUT, QERR_TIMEOUT), 504);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, QERR_INVALID), 400);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, QERR_TOO_LARGE), 413);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, QERR_DB), 503);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, QERR_NOMEM), 500);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, QERR_CONFLICT), 409);
    ck_assert_int_eq(http_error_status(HTTP_EXC_FROM_CODE, (enum qerr_code)99), 500);
}
END_TEST

static void clear_env(void)
{
    static const char *const vars[] = {"REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME",
                                       "PATH_INFO",      "QUERY_STRING", "HTTP_HOST",
                                       "SERVER_NAME",    "SERVER_PORT",  "HTTPS",
                                       "HTTP_ACCEPT",    "HTTP_PREFER",  "REMOTE_USER"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(vars); i++) {
        unsetenv(vars[i]);
    }
}

static int parse(struct http_req *r, struct api_ctx *ctx, struct qerr *err)
{
    static struct http_io io = {NULL, NULL, NULL};
    return http_req_parse(r, &io, ctx, err);
}

START_TEST(parse_under_prefix)
{
    struct api_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    struct http_req r;
    struct qerr err = QERR_INIT;
    clear_env();
    setenv("REQUEST_METHOD", "DELETE", 1);
    setenv("REQUEST_URI", "/ogc/processes/a%2Fb?limit=5&f=html&x=%41+b", 1);
    setenv("SCRIPT_NAME", "/ogc", 1);
    setenv("QUERY_STRING", "limit=5&f=html&x=%41+b", 1);
    setenv("HTTP_HOST", "example.org:8080", 1);
    ck_assert_int_eq(parse(&r, &ctx, &err), 0);
    ck_assert_int_eq(r.method, HTTP_DELETE);
    ck_assert_str_eq(r.base, "http://example.org:8080/ogc");
    ck_assert_int_eq(r.nsegs, 2);
    ck_assert_str_eq(r.segs[1], "a/b");
    ck_assert_str_eq(http_param(&r, "limit"), "5");
    ck_assert_str_eq(http_param(&r, "x"), "A b");
    ck_assert_int_eq(r.fmt, HTTP_FMT_HTML);
    http_req_cleanup(&r);
}
END_TEST

START_TEST(parse_root_and_fallbacks)
{
    struct api_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    struct http_req r;
    struct qerr err = QERR_INIT;
    clear_env();
    /* lighttpd fix-root-scriptname: SCRIPT_NAME empty, PATH_INFO the path */
    setenv("REQUEST_URI", "/jobs", 1);
    setenv("SCRIPT_NAME", "", 1);
    setenv("PATH_INFO", "/jobs", 1);
    setenv("HTTP_HOST", "evil<script>", 1);
    setenv("SERVER_NAME", "api.example", 1);
    setenv("SERVER_PORT", "443", 1);
    setenv("HTTPS", "on", 1);
    ck_assert_int_eq(parse(&r, &ctx, &err), 0);
    ck_assert_str_eq(r.base, "https://api.example");
    ck_assert_int_eq(r.nsegs, 1);
    ck_assert_str_eq(r.segs[0], "jobs");
    http_req_cleanup(&r);
    /* configured base URL: its path is the prefix */
    char base[] = "https://x.org/api/";
    ctx.cfg.api_base_url = base;
    setenv("REQUEST_URI", "/api/jobs/1", 1);
    ck_assert_int_eq(parse(&r, &ctx, &err), 0);
    ck_assert_str_eq(r.base, "https://x.org/api");
    ck_assert_int_eq(r.nsegs, 2);
    http_req_cleanup(&r);
    ctx.cfg.api_base_url = NULL;
    /* bad inputs */
    setenv("REQUEST_URI", "/jobs%00", 1);
    ck_assert_int_lt(parse(&r, &ctx, &err), 0);
    ck_assert_int_eq(err.code, QERR_INVALID);
    http_req_cleanup(&r);
    qerr_clear(&err);
    setenv("REQUEST_URI", "/jobs", 1);
    setenv("QUERY_STRING", "f=pdf", 1);
    ck_assert_int_lt(parse(&r, &ctx, &err), 0);
    http_req_cleanup(&r);
    qerr_clear(&err);
    setenv("QUERY_STRING", "a=%zz", 1);
    ck_assert_int_lt(parse(&r, &ctx, &err), 0);
    http_req_cleanup(&r);
    qerr_clear(&err);
    static char longval[HTTP_MAX_HEADER + 2];
    memset(longval, 'a', sizeof longval - 1);
    setenv("QUERY_STRING", "", 1);
    setenv("HTTP_PREFER", longval, 1);
    ck_assert_int_lt(parse(&r, &ctx, &err), 0);
    ck_assert_int_eq(err.code, QERR_INVALID);
    http_req_cleanup(&r);
    clear_env();
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, pct_decode_table);
    tcase_add_test(tc, path_split);
    tcase_add_test(tc, negotiation_table);
    tcase_add_test(tc, prefer_table);
    tcase_add_test(tc, json_depth);
    tcase_add_test(tc, route_table);
    tcase_add_test(tc, error_table);
    tcase_add_test(tc, parse_under_prefix);
    tcase_add_test(tc, parse_root_and_fallbacks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
