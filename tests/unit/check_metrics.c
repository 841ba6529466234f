// SPDX-License-Identifier: MIT
/* Unit tests of /metrics' and /api's pure parts: the Prometheus text writer (label and
 * help escaping, value spelling), the per-worker request counters (buckets, flush
 * deadlines, the bounded key set) and the OpenAPI 3.0 rewrite of process schemas. */
#include "common/compat.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "cgi/oas_schema.h"
#include "cgi/prom.h"
#include "cgi/reqstats.h"

START_TEST(prom_escaping_and_values)
{
    struct buf b;
    struct qerr err = QERR_INIT;
    buf_init(&b, 4096);
    const char *kv[] = {"runner", "a\"b\\c\nd", "x", "", NULL};
    ck_assert_int_eq(prom_family(&b, "m", "gauge", "help with \\ and\nnewline \"quoted\"", &err), 0);
    ck_assert_int_eq(prom_sample(&b, "m", kv, 3, &err), 0);
    ck_assert_int_eq(prom_sample(&b, "m", NULL, 0.25, &err), 0);
    ck_assert_int_eq(prom_sample(&b, "m", NULL, INFINITY, &err), 0);
    ck_assert_int_eq(prom_sample(&b, "m", NULL, NAN, &err), 0);
    ck_assert_int_eq(prom_sample(&b, "m", NULL, -2, &err), 0);
    ck_assert_str_eq(buf_cstr(&b), "# HELP m help with \\\\ and\\nnewline \"quoted\"\n"
                                   "# TYPE m gauge\n"
                                   "m{runner=\"a\\\"b\\\\c\\nd\",x=\"\"} 3\n"
                                   "m 0.25\nm +Inf\nm NaN\nm -2\n");
    buf_cleanup(&b);
}
END_TEST

START_TEST(reqstats_buckets_and_deadlines)
{
    struct reqstats s;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(reqstats_wait_ms(&s, 10, 100.0), -1);
    ck_assert(!reqstats_due(&s, 1, 10, 100.0));
    reqstats_add(&s, "/jobs", "GET", 200, 0.005, 100.0); /* on a bound: that bucket */
    reqstats_add(&s, "/jobs", "GET", 200, 0.0051, 101.0);
    reqstats_add(&s, "/jobs", "GET", 200, 1000, 102.0); /* above every bound */
    reqstats_add(&s, NULL, "GET", 404, 0.001, 103.0);
    reqstats_add(&s, "/jobs", "GET", 7, 0.001, 103.0); /* nonsense status: counted as 500 */
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(s.v[0].count, 3);
    ck_assert_int_eq(s.v[0].buckets[0], 1);
    ck_assert_int_eq(s.v[0].buckets[1], 1);
    long long in_buckets = 0;
    for (int i = 0; i < REQSTATS_NBOUNDS; i++) {
        in_buckets += s.v[0].buckets[i];
    }
    ck_assert_int_eq(in_buckets, 2);
    ck_assert_str_eq(s.v[1].route, "unmatched");
    ck_assert_int_eq(s.v[2].code, 500);
    ck_assert_int_eq(s.pending, 5);
    ck_assert(reqstats_due(&s, 5, 60, 100.5));
    ck_assert(!reqstats_due(&s, 6, 60, 100.5));
    ck_assert(reqstats_due(&s, 6, 60, 160.0)); /* the oldest (t=100) is 60 s old */
    ck_assert_int_eq(reqstats_wait_ms(&s, 60, 159.0), 1001);
    ck_assert_int_eq(reqstats_wait_ms(&s, 60, 170.0), 0);
    json_t *rows = reqstats_rows(&s);
    ck_assert_uint_eq(json_array_size(rows), 3);
    const json_t *r0 = json_array_get(rows, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r0, "count")), 3);
    ck_assert_uint_eq(json_array_size(json_object_get(r0, "le")), REQSTATS_NBOUNDS);
    ck_assert_uint_eq(json_array_size(json_object_get(r0, "buckets")), REQSTATS_NBOUNDS);
    json_decref(rows);
    reqstats_cleanup(&s);
}
END_TEST

START_TEST(reqstats_key_set_is_bounded)
{
    struct reqstats s;
    memset(&s, 0, sizeof s);
    char route[32];
    for (int i = 0; i < REQSTATS_MAX_KEYS + 50; i++) {
        snprintf(route, sizeof route, "/r%d", i);
        reqstats_add(&s, route, "GET", 200, 0.01, 1.0);
    }
    ck_assert_uint_eq(s.n, REQSTATS_MAX_KEYS);
    long long total = 0;
    for (size_t i = 0; i < s.n; i++) {
        total += s.v[i].count;
    }
    /* Past the cap requests land in the one "overflow" key: none lost, none twice. */
    ck_assert_int_eq(total, REQSTATS_MAX_KEYS + 50);
    ck_assert_int_eq(s.pending, total);
    ck_assert_str_eq(s.v[s.n - 1].route, "overflow");
    ck_assert_int_eq(s.v[s.n - 1].count, 51);
    reqstats_cleanup(&s);
}
END_TEST

START_TEST(oas_schema_table)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"{\"type\": \"string\", \"contentMediaType\": \"image/png\"}",
         "{\"type\": \"string\", \"x-contentMediaType\": \"image/png\"}"},
        {"{\"type\": [\"integer\", \"null\"]}", "{\"type\": \"integer\", \"nullable\": true}"},
        {"{\"type\": [\"integer\", \"string\"]}",
         "{\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"string\"}]}"},
        {"{\"const\": 3}", "{\"enum\": [3]}"},
        {"{\"exclusiveMaximum\": 9}", "{\"maximum\": 9, \"exclusiveMaximum\": true}"},
        {"{\"minimum\": 1, \"exclusiveMinimum\": 2}", "{\"minimum\": 1, \"x-exclusiveMinimum\": 2}"},
        {"{\"type\": \"array\"}", "{\"type\": \"array\", \"items\": {}}"},
        {"{\"properties\": {\"a\": false, \"b\": true}, \"required\": []}",
         "{\"properties\": {\"a\": {\"not\": {}}, \"b\": {}}, \"x-required\": []}"},
        {"{\"oneOf\": [{\"type\": \"string\", \"contentMediaType\": \"a/b\"},"
         " {\"type\": \"string\", \"contentMediaType\": \"c/d\"}]}",
         "{\"anyOf\": [{\"type\": \"string\", \"x-contentMediaType\": \"a/b\"},"
         " {\"type\": \"string\", \"x-contentMediaType\": \"c/d\"}]}"},
        {"{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}",
         "{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}"},
        {"{\"minLength\": -1, \"maxLength\": 3, \"x-keep\": 1, \"$ref\": \"#/x\"}",
         "{\"x-minLength\": -1, \"maxLength\": 3, \"x-keep\": 1, \"x-$ref\": \"#/x\"}"},
        {"7", "{}"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(t); i++) {
        json_t *in = json_loads(t[i].in, JSON_DECODE_ANY, NULL);
        json_t *want = json_loads(t[i].out, 0, NULL);
        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(want);
        json_t *got = oas_schema(in);
        char *g = json_dumps(got, JSON_SORT_KEYS);
        ck_assert_msg(json_equal(got, want), "case %zu: got %s", i, g);
        free(g);
        json_decref(got);
        json_decref(want);
        json_decref(in);
    }
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, prom_escaping_and_values);
    tcase_add_test(tc, reqstats_buckets_and_deadlines);
    tcase_add_test(tc, reqstats_key_set_is_bounded);
    tcase_add_test(tc, oas_schema_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
