// SPDX-License-Identifier: MIT
/* Unit tests of quern-api's HTML pages that need no server: html_put's escaping,
 * the execute form's decoding (typing, empty fields, limits, bad encodings), the
 * form Content-Type test and the Origin check. Pages themselves are checked in a
 * real browser by tests/integration/test_html.py. */
#include "common/compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cgi/html_form.h"
#include "cgi/html_page.h"

START_TEST(put_escapes_by_default)
{
    struct buf b;
    buf_init(&b, 4096);
    struct qerr e = QERR_INIT;
    ck_assert_int_eq(html_put(&b, &e, "<p title=\"%s\">%s %r %d %l 100%%</p>", "a\"b'c",
                              "<script>&", "<i>", -3, 42L),
                     0);
    ck_assert_str_eq(buf_cstr(&b), "<p title=\"a&quot;b&#39;c\">&lt;script&gt;&amp; <i> -3 42 "
                                   "100%</p>");
    buf_reset(&b);
    ck_assert_int_eq(html_put(&b, &e, "[%s]", (const char *)NULL), 0);
    ck_assert_str_eq(buf_cstr(&b), "[]");
    buf_cleanup(&b);
}
END_TEST

static json_t *inputs(void)
{
    json_error_t je;
    json_t *in = json_loads(
        "{\"s\": {\"schema\": {\"type\": \"string\"}},"
        " \"i\": {\"schema\": {\"type\": \"integer\"}},"
        " \"n\": {\"schema\": {\"type\": \"number\"}},"
        " \"b\": {\"schema\": {\"type\": \"boolean\"}},"
        " \"o\": {\"schema\": {\"type\": \"object\"}},"
        " \"m\": {\"schema\": {\"type\": \"string\"}, \"maxOccurs\": 3},"
        " \"t\": {\"schema\": {\"type\": \"string\", \"contentMediaType\": \"text/csv\"}}}",
        0, &je);
    ck_assert_ptr_nonnull(in);
    return in;
}

START_TEST(decode_types)
{
    json_t *in = inputs();
    struct qerr e = QERR_INIT;
    const char *body = "s=+a%26b+&i=+7&n=2.5&b=true&o=%7B%22k%22%3A%5B1%5D%7D&m=%5B%22x%22%5D"
                       "&t=a%2Cb%0D%0A&&";
    json_t *req = html_form_decode(body, strlen(body), in, 8, &e);
    ck_assert_msg(req != NULL, "%s", e.msg);
    char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(text, "{\"inputs\":{\"b\":true,\"i\":7,\"m\":[\"x\"],\"n\":2.5,"
                           "\"o\":{\"k\":[1]},\"s\":\" a&b \",\"t\":\"a,b\\r\\n\"}}");
    free(text);
    json_decref(req);
    req = html_form_decode("s=&i=&o=+", 9, in, 8, &e);
    ck_assert_ptr_nonnull(req);
    ck_assert_int_eq(json_object_size(json_object_get(req, "inputs")), 0);
    json_decref(req);
    req = html_form_decode("", 0, in, 8, &e);
    ck_assert_ptr_nonnull(req);
    json_decref(req);
    json_decref(in);
}
END_TEST

START_TEST(decode_rejects)
{
    static const struct {
        const char *body;
        const char *why;
    } t[] = {
        {"i=1.5", "not an integer"},        {"i=99999999999999999999", "not an integer"},
        {"n=1e999", "not a number"},        {"n=nan", "not a number"},
        {"n=0x1p3", "not a number"},        {"b=on", "not true or false"},
        {"o=%7B", "not JSON"},              {"o=%5B%5B%5B1%5D%5D%5D", "levels deep"},
        {"o=%7B%22a%22%3A1%2C%22a%22%3A2%7D", "not JSON"},
        {"x=1", "unknown input 'x'"},       {"s=a&s=b", "given twice"},
        {"s=%zz", "badly encoded"},         {"s=%00", "badly encoded"},
        {"s=%C3%28", "not valid UTF-8"},    {"s%zz=1", "field name"},
    };
    json_t *in = inputs();
    for (size_t i = 0; i < QUERN_ARRAY_LEN(t); i++) {
        struct qerr e = QERR_INIT;
        json_t *req = html_form_decode(t[i].body, strlen(t[i].body), in, 2, &e);
        ck_assert_msg(req == NULL, "%s should fail", t[i].body);
        ck_assert_int_eq(e.code, QERR_INVALID);
        ck_assert_msg(strstr(e.msg, t[i].why) != NULL, "%s: %s", t[i].body, e.msg);
    }
    char many[3 * HTML_FORM_MAX_FIELDS + 8];
    size_t n = 0;
    for (int i = 0; i <= HTML_FORM_MAX_FIELDS; i++) {
        memcpy(many + n, "&s=", 3);
        n += 3;
    }
    many[n] = '\0';
    struct qerr e = QERR_INIT;
    ck_assert_ptr_null(html_form_decode(many, strlen(many), in, 2, &e));
    ck_assert_msg(strstr(e.msg, "more than") != NULL, "%s", e.msg);
    json_decref(in);
}
END_TEST

START_TEST(content_type_and_origin)
{
    ck_assert(html_form_is_urlencoded("application/x-www-form-urlencoded"));
    ck_assert(html_form_is_urlencoded("Application/X-WWW-Form-URLEncoded; charset=UTF-8"));
    ck_assert(!html_form_is_urlencoded("application/x-www-form-urlencodedx"));
    ck_assert(!html_form_is_urlencoded("application/json"));
    ck_assert(!html_form_is_urlencoded(NULL));
    ck_assert(html_form_origin_ok(NULL, "http://h:8080/api"));
    ck_assert(html_form_origin_ok("http://h:8080", "http://h:8080/api"));
    ck_assert(html_form_origin_ok("https://h", "https://h"));
    ck_assert(!html_form_origin_ok("http://h:8081", "http://h:8080/api"));
    ck_assert(!html_form_origin_ok("http://h:80800", "http://h:8080"));
    ck_assert(!html_form_origin_ok("null", "http://h:8080"));
    ck_assert(!html_form_origin_ok("https://h:8080", "http://h:8080"));
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_escapes_by_default);
    tcase_add_test(tc, decode_types);
    tcase_add_test(tc, decode_rejects);
    tcase_add_test(tc, content_type_and_origin);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(html_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
