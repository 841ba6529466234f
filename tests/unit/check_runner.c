// SPDX-License-Identifier: MIT
/*
 * Unit tests of the runner's pure parts: line splitting, text clean-up,
 * progress and plugin_results lines, output file mapping and media types,
 * callback backoff and address classification, environment names, job
 * directories kept while a job uses them.
 */
#include "common/compat.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/callback.h"
#include "runner/rjob_files.h"
#include "runner/rjob_out.h"
#include "runner/rjob_prep.h"
#include "runner/daemon.h"
#include "runner/runner.h"

struct seen {
    char lines[16][64];
    bool trunc[16];
    int n;
};

static void collect(const char *line, size_t len, bool truncated, void *arg)
{
    struct seen *s = arg;
    ck_assert_int_lt(s->n, 16);
    snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)len, line);
    s->trunc[s->n++] = truncated;
}

START_TEST(lines_any_chunking)
{
    static const char text[] = "one\ntwo\r\n\nthree";
    /* Every chunk size gives the same lines. */
    for (size_t chunk = 1; chunk <= sizeof text; chunk++) {
        struct seen s = {0};
        struct rjob_lines l;
        rjob_lines_init(&l, 100, collect, &s);
        for (size_t off = 0; off < sizeof text - 1; off += chunk) {
            size_t n = sizeof text - 1 - off < chunk ? sizeof text - 1 - off : chunk;
            rjob_lines_feed(&l, text + off, n);
        }
        ck_assert_int_eq(s.n, 3);
        rjob_lines_finish(&l);
        ck_assert_int_eq(s.n, 4);
        ck_assert_str_eq(s.lines[0], "one");
        ck_assert_str_eq(s.lines[1], "two");
        ck_assert_str_eq(s.lines[2], "");
        ck_assert_str_eq(s.lines[3], "three");
        ck_assert(!s.trunc[0] && !s.trunc[3]);
        rjob_lines_cleanup(&l);
    }
}
END_TEST

START_TEST(lines_long_line_is_cut)
{
    struct seen s = {0};
    struct rjob_lines l;
    rjob_lines_init(&l, 5, collect, &s);
    rjob_lines_feed(&l, "0123456789", 10);
    rjob_lines_feed(&l, "abc\nok\n", 7);
    rjob_lines_finish(&l);
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.lines[0], "01234");
    ck_assert(s.trunc[0]);
    ck_assert_str_eq(s.lines[1], "ok");
    ck_assert(!s.trunc[1]);
    rjob_lines_cleanup(&l);
}
END_TEST

START_TEST(text_clean)
{
    static const struct {
        const char *in;
        size_t len, max;
        const char *out;
    } cases[] = {
        {"plain", 5, 100, "plain"},
        {"a\0b", 3, 100, "a?b"},
        {"caf\xc3\xa9", 5, 100, "caf\xc3\xa9"},
        {"caf\xc3\xa9", 5, 4, "caf"},          /* never cut inside a character */
        {"bad \xff\xfe end", 10, 100, "bad ?? end"},
        {"\xed\xa0\x80", 3, 100, "???"},       /* a UTF-16 surrogate is not UTF-8 */
        {"\xc0\xaf", 2, 100, "??"},            /* overlong */
        {"\xf0\x9f\x98\x80!", 5, 100, "\xf0\x9f\x98\x80!"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        char *o = rjob_text_clean(cases[i].in, cases[i].len, cases[i].max);
        ck_assert_msg(strcmp(o, cases[i].out) == 0, "case %zu: got '%s'", i, o);
        free(o);
    }
}
END_TEST

START_TEST(progress_lines)
{
    static const struct {
        const char *line;
        bool ok;
        int p;
        const char *msg;
    } cases[] = {
        {"{\"progress\": 50, \"message\": \"half\"}", true, 50, "half"},
        {"  {\"progress\": 0}", true, 0, NULL},
        {"{\"progress\": 100.0, \"message\": \"done\"}", true, 100, "done"},
        {"{\"progress\": 101}", false, 0, NULL},
        {"{\"progress\": -1}", false, 0, NULL},
        {"{\"progress\": \"50\"}", false, 0, NULL},
        {"{\"progress\": 5, \"message\": 7}", false, 0, NULL},
        {"{\"message\": \"x\"}", false, 0, NULL},
        {"progress 50", false, 0, NULL},
        {"{\"progress\": 5", false, 0, NULL},
        {"[{\"progress\": 5}]", false, 0, NULL},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        int p = -7;
        char *msg = NULL;
        bool ok = rjob_parse_progress(cases[i].line, strlen(cases[i].line), &p, &msg);
        ck_assert_msg(ok == cases[i].ok, "case %zu", i);
        if (ok) {
            ck_assert_int_eq(p, cases[i].p);
            if (cases[i].msg == NULL) {
                ck_assert_ptr_null(msg);
            } else {
                ck_assert_str_eq(msg, cases[i].msg);
            }
        }
        free(msg);
    }
}
END_TEST

START_TEST(results_lines)
{
    json_t *one = json_pack("{s{}}", "only");
    json_t *two = json_pack("{s{} s{}}", "a", "b");
    char why[256];
    json_t *r = rjob_parse_results("{\"plugin_results\": {\"a\": 1}}", 28, two, why, sizeof why);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "a")), 1);
    json_decref(r);
    r = rjob_parse_results("{\"plugin_results\": 42}", 22, one, why, sizeof why);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "only")), 42);
    json_decref(r);
    r = rjob_parse_results("{\"plugin_results\": 42}", 22, two, why, sizeof why);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(why, "exactly one output"));
    r = rjob_parse_results("{\"results\": {}}", 15, two, why, sizeof why);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(why, "plugin_results"));
    r = rjob_parse_results("not json", 8, two, why, sizeof why);
    ck_assert_ptr_null(r);
    json_decref(one);
    json_decref(two);
}
END_TEST

START_TEST(file_outputs_and_media_types)
{
    json_t *outs = json_loads("{\"table\": {\"schema\": {\"type\": \"string\", \"contentMediaType\": "
                              "\"text/csv\"}}, \"image\": {\"schema\": {\"type\": \"string\", "
                              "\"contentEncoding\": \"binary\"}}, \"n\": {\"schema\": {\"type\": "
                              "\"integer\"}}}",
                              0, NULL);
    ck_assert_ptr_nonnull(outs);
    ck_assert_str_eq(rjob_file_output(outs, "table.csv"), "table");
    ck_assert_str_eq(rjob_file_output(outs, "n.txt"), "n");
    ck_assert_str_eq(rjob_file_output(outs, "whatever.png"), "table"); /* first binary-ish string */
    ck_assert_str_eq(rjob_file_media_type(outs, "table", "x.bin"), "text/csv");
    ck_assert_str_eq(rjob_file_media_type(outs, "image", "a.PNG"), "image/png");
    ck_assert_str_eq(rjob_file_media_type(outs, "image", "a.tif"), "image/tiff");
    ck_assert_str_eq(rjob_file_media_type(outs, "image", "noext"), "application/octet-stream");
    json_t *single = json_loads("{\"out\": {\"schema\": {\"type\": \"object\"}}}", 0, NULL);
    ck_assert_str_eq(rjob_file_output(single, "x.json"), "out");
    json_t *none = json_loads("{\"a\": {\"schema\": {\"type\": \"object\"}}, \"b\": {}}", 0, NULL);
    ck_assert_ptr_null(rjob_file_output(none, "x.json"));
    json_decref(outs);
    json_decref(single);
    json_decref(none);
    char hex[65];
    rjob_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(backoff)
{
    static const long want[] = {1000, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
    for (int a = 0; a < (int)QUERN_ARRAY_LEN(want); a++) {
        ck_assert_int_eq(callback_backoff_ms(a), want[a]);
    }
    ck_assert_int_eq(callback_backoff_ms(1000), 60000);
}
END_TEST

static bool is_private(const char *addr)
{
    struct sockaddr_storage ss = {0};
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
    }
    return callback_addr_private((struct sockaddr *)&ss);
}

START_TEST(address_classes)
{
    static const struct {
        const char *addr;
        bool private;
    } cases[] = {
        {"127.0.0.1", true},     {"127.255.1.2", true},  {"10.1.2.3", true},
        {"172.16.0.1", true},    {"172.31.255.255", true}, {"172.32.0.1", false},
        {"192.168.1.1", true},   {"169.254.169.254", true}, {"100.64.0.1", true},
        {"0.0.0.0", true},       {"224.0.0.1", true},    {"255.255.255.255", true},
        {"8.8.8.8", false},      {"93.184.216.34", false}, {"192.169.0.1", false},
        {"::1", true},           {"::", true},           {"fe80::1", true},
        {"fd12:3456::1", true},  {"fc00::1", true},      {"ff02::1", true},
        {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:8.8.8.8", false},
        {"2001:4860:4860::8888", false}, {"2a00:1450::1", false},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        ck_assert_msg(is_private(cases[i].addr) == cases[i].private, "%s", cases[i].addr);
    }
}
END_TEST

START_TEST(env_names)
{
    ck_assert(rjob_env_name_ok("GDAL_CACHEMAX"));
    ck_assert(rjob_env_name_ok("_x1"));
    ck_assert(!rjob_env_name_ok("PATH"));
    ck_assert(!rjob_env_name_ok("QUERN_JOB_ID"));
    ck_assert(!rjob_env_name_ok("1ABC"));
    ck_assert(!rjob_env_name_ok("A=B"));
    ck_assert(!rjob_env_name_ok(""));
    ck_assert(!rjob_env_name_ok(NULL));
}
END_TEST

/* daemon.c (linked for runner_trash_*) calls this on SIGHUP; main.c defines it. */
void runner_sync_plugins(struct runner *r)
{
    (void)r;
}

/* A retried job claimed again at once on this runner keeps the directory its new attempt made. */
START_TEST(trash_spares_live_job_dirs)
{
    char dir[] = "/tmp/quern-check-trash.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct rjob job = {.job_dir = dir};
    struct rjob *jobs[] = {&job};
    struct runner r = {.jobs = jobs, .njobs = 1, .jobs_cap = 1};
    runner_trash_add(&r, strdup(dir)); /* the first attempt retired */
    runner_trash_empty(&r);
    ck_assert_int_eq(access(dir, F_OK), 0);
    ck_assert_uint_eq(r.ntrash, 0);
    r.njobs = 0; /* the second attempt retired too */
    runner_trash_add(&r, strdup(dir));
    runner_trash_empty(&r);
    ck_assert_int_eq(access(dir, F_OK), -1);
    free(r.trash);
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lines_any_chunking);
    tcase_add_test(tc, lines_long_line_is_cut);
    tcase_add_test(tc, text_clean);
    tcase_add_test(tc, progress_lines);
    tcase_add_test(tc, results_lines);
    tcase_add_test(tc, file_outputs_and_media_types);
    tcase_add_test(tc, backoff);
    tcase_add_test(tc, address_classes);
    tcase_add_test(tc, env_names);
    tcase_add_test(tc, trash_spares_live_job_dirs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(runner_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
