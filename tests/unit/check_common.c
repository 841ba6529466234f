// SPDX-License-Identifier: MIT
/* Unit tests of the small common/ modules: qerr, buf, qstr, log. */
#include "common/compat.h"

#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/qerr.h"
#include "common/qstr.h"

START_TEST(qerr_first_error_wins)
{
    struct qerr err = QERR_INIT;
    ck_assert(!qerr_is_set(&err));
    qerr_set(&err, QERR_DB, "root cause %d", 1);
    qerr_set(&err, QERR_INTERNAL, "later");
    ck_assert_int_eq(err.code, QERR_DB);
    ck_assert_str_eq(err.msg, "root cause 1");
    ck_assert_str_eq(err.func, "qerr_first_error_wins_fn");
    qerr_clear(&err);
    ck_assert(!qerr_is_set(&err));
    qerr_set(NULL, QERR_DB, "ignored");
    ck_assert_str_eq(qerr_code_name(QERR_TOO_LARGE), "too_large");
    ck_assert_str_eq(qerr_code_name((enum qerr_code)999), "unknown");
}
END_TEST

START_TEST(buf_bounded)
{
    struct buf b;
    struct qerr err = QERR_INIT;
    buf_init(&b, 10);
    ck_assert_str_eq(buf_cstr(&b), "");
    ck_assert_int_eq(buf_puts(&b, "hello", &err), 0);
    ck_assert_int_eq(buf_printf(&b, &err, "%d", 1234), 0);
    ck_assert_str_eq(buf_cstr(&b), "hello1234");
    ck_assert_int_eq(buf_puts(&b, "xy", &err), -1);
    ck_assert_int_eq(err.code, QERR_TOO_LARGE);
    ck_assert_str_eq(buf_cstr(&b), "hello1234");
    buf_consume(&b, 5);
    ck_assert_str_eq(buf_cstr(&b), "1234");
    char *s = buf_steal(&b);
    ck_assert_str_eq(s, "1234");
    free(s);
    ck_assert_uint_eq(b.len, 0);
    buf_cleanup(&b);
}
END_TEST

START_TEST(qstr_strict_numbers)
{
    long v = 0;
    double d = 0;
    bool bv = false;
    ck_assert_int_eq(qstr_to_long("42", 0, 100, &v), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(qstr_to_long("101", 0, 100, &v), -1);
    ck_assert_int_eq(qstr_to_long("4x", 0, 100, &v), -1);
    ck_assert_int_eq(qstr_to_long("", 0, 100, &v), -1);
    ck_assert_int_eq(qstr_to_long(" 4", 0, 100, &v), -1);
    ck_assert_int_eq(qstr_to_long("99999999999999999999", 0, 100, &v), -1);
    ck_assert_int_eq(qstr_to_double("2.5", &d), 0);
    ck_assert(d == 2.5);
    ck_assert_int_eq(qstr_to_double("nan", &d), -1);
    ck_assert_int_eq(qstr_to_bool("Yes", &bv), 0);
    ck_assert(bv);
    ck_assert_int_eq(qstr_to_bool("maybe", &bv), -1);
}
END_TEST

START_TEST(qstr_ids)
{
    ck_assert(qstr_is_uuid("0b9f3c1e-8d6a-4f7e-9a53-1c2d3e4f5a6b"));
    ck_assert(!qstr_is_uuid("0b9f3c1e-8d6a-4f7e-9a53-1c2d3e4f5a6"));
    ck_assert(!qstr_is_uuid("0b9f3c1e_8d6a-4f7e-9a53-1c2d3e4f5a6b"));
    ck_assert(!qstr_is_uuid("' OR 1=1 --"));
    ck_assert(qstr_is_id("hello-world.v2_x", 64));
    ck_assert(!qstr_is_id("..", 64));
    ck_assert(!qstr_is_id("a/b", 64));
    ck_assert(!qstr_is_id("", 64));
    ck_assert(!qstr_is_id("abcdef", 3));
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} redact_cases[] = {
    {"postgresql://bob:s3cret@db.example/quern", "postgresql://bob:*****@db.example/quern"},
    {"postgres://bob@db/quern", "postgres://bob@db/quern"},
    {"postgresql://db/quern?user=bob&password=s3cret&sslmode=require",
     "postgresql://db/quern?user=bob&password=*****&sslmode=require"},
    {"host=db password=s3cret dbname=quern", "host=db password=***** dbname=quern"},
    {"host=db password = 'a b\\'c' dbname=quern", "host=db password = ***** dbname=quern"},
    {"dbname=quern", "dbname=quern"},
};

START_TEST(log_redacts_passwords)
{
    char out[256];
    log_redact_conninfo(redact_cases[_i].in, out, sizeof out);
    ck_assert_str_eq(out, redact_cases[_i].out);
    ck_assert_ptr_null(strstr(out, "s3cret"));
}
END_TEST

START_TEST(log_levels_parse)
{
    enum log_level l;
    ck_assert_int_eq(log_level_parse("debug", &l), 0);
    ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
    ck_assert_int_eq(log_level_parse("verbose", &l), -1);
}
END_TEST

/* The href guard: every spelling of a private host is refused, public ones pass. */
START_TEST(netaddr_href_table)
{
    static const struct {
        const char *url;
        int rc;
    } cases[] = {
        {"http://example.com/a.tif", 0},  {"https://8.8.8.8/x", 0},
        {"http://[2001:4860::8888]/", 0}, {"http://127.0.0.1/", -1},
        {"http://2130706433/", -1},       {"http://0x7f.1/", -1},
        {"http://017700000001/", -1},     {"http://127.1:8080/", -1},
        {"http://localhost/", -1},        {"http://LocalHost./", -1},
        {"http://a.b.localhost/", -1},    {"http://[::1]/", -1},
        {"http://[::ffff:10.0.0.1]/", -1}, {"http://[fe80::1%25eth0]/", -1},
        {"http://169.254.169.254/latest/meta-data/", -1}, {"http://192.168.1.1/", -1},
        {"http://10.0.0.1/", -1},         {"file:///etc/passwd", -1},
        {"gopher://example.com/", -1},    {"http://", -1},
        {"not a url", -1},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        struct qerr err = QERR_INIT;
        ck_assert_msg(netaddr_url_check(cases[i].url, false, NULL, &err) == cases[i].rc, "%s: %s",
                      cases[i].url, err.msg);
        if (cases[i].rc < 0) {
            ck_assert_int_eq(err.code, QERR_INVALID);
        }
    }
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(netaddr_url_check("http://127.0.0.1/", true, NULL, &err), 0);
}
END_TEST

START_TEST(netaddr_allowed_networks)
{
    char *items[] = {"10.1.0.0/16", "fd00::/8", "192.0.2.7", "127.0.0.0/8"};
    struct cfg_list nets = {items, 4};
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(netaddr_list_check("k", &nets, &err), 0);
    ck_assert_int_eq(netaddr_url_check("http://10.1.2.3/", false, &nets, &err), 0);
    ck_assert_int_eq(netaddr_url_check("http://10.2.0.1/", false, &nets, &err), -1);
    err = (struct qerr)QERR_INIT;
    ck_assert_int_eq(netaddr_url_check("http://[fd12::1]/", false, &nets, &err), 0);
    ck_assert_int_eq(netaddr_url_check("http://localhost:9/", false, &nets, &err), 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
    ck_assert(netaddr_in_list((struct sockaddr *)&in, &nets));
    inet_pton(AF_INET, "192.0.2.8", &in.sin_addr);
    ck_assert(!netaddr_in_list((struct sockaddr *)&in, &nets));
    char *bad[] = {"10.0.0.0/33"};
    struct cfg_list badl = {bad, 1};
    ck_assert_int_eq(netaddr_list_check("callbacks.allow_networks", &badl, &err), -1);
    char *bad2[] = {"intranet"};
    struct cfg_list bad2l = {bad2, 1};
    err = (struct qerr)QERR_INIT;
    ck_assert_int_eq(netaddr_list_check("callbacks.allow_networks", &bad2l, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "intranet"));
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, qerr_first_error_wins);
    tcase_add_test(tc, buf_bounded);
    tcase_add_test(tc, qstr_strict_numbers);
    tcase_add_test(tc, qstr_ids);
    tcase_add_loop_test(tc, log_redacts_passwords, 0, (int)QUERN_ARRAY_LEN(redact_cases));
    tcase_add_test(tc, log_levels_parse);
    tcase_add_test(tc, netaddr_href_table);
    tcase_add_test(tc, netaddr_allowed_networks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(common_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
