// SPDX-License-Identifier: MIT
/* Unit tests of runner/batch_api and runner/cwlogs: request bodies and reply parsers. */
#include "common/compat.h"

#include <check.h>
#include <jansson.h>
#include <string.h>

#include "runner/batch_api.h"
#include "runner/cwlogs.h"

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    ck_assert_msg(j != NULL, "not JSON: %s", s);
    return j;
}

START_TEST(submit_body_shape)
{
    char *argv[] = {"/bin/echo", "a b", "{\"x\":1}", NULL};
    char *envp[] = {"QUERN_JOB_ID=j1", "PATH=/usr/bin", "QUERN_OUTPUT_DIR=/var/x",
                    "AWS_BATCH_X=1",   "TOKEN=s=t",     NULL};
    struct batch_spec spec = {.job_id = "0b6e5c1c-0000-4000-8000-000000000001",
                              .job_queue = "q1",
                              .job_definition = "def:3",
                              .argv = argv,
                              .envp = envp,
                              .cpus = 1.5,
                              .memory_mib = 512,
                              .timeout_s = 10};
    struct qerr err = QERR_INIT;
    char *body = batch_api_submit_body(&spec, &err);
    ck_assert_msg(body != NULL, "%s", err.msg);
    json_t *j = parse(body);
    ck_assert_str_eq(json_string_value(json_object_get(j, "jobName")),
                     "quern-0b6e5c1c-0000-4000-8000-000000000001");
    ck_assert_str_eq(json_string_value(json_object_get(j, "jobQueue")), "q1");
    ck_assert_str_eq(json_string_value(json_object_get(j, "jobDefinition")), "def:3");
    json_t *co = json_object_get(j, "containerOverrides");
    json_t *cmd = json_object_get(co, "command");
    ck_assert_uint_eq(json_array_size(cmd), 3);
    ck_assert_str_eq(json_string_value(json_array_get(cmd, 2)), "{\"x\":1}");
    json_t *env = json_object_get(co, "environment");
    ck_assert_uint_eq(json_array_size(env), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(env, 0), "name")),
                     "QUERN_JOB_ID");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(env, 1), "value")), "s=t");
    json_t *rr = json_object_get(co, "resourceRequirements");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rr, 0), "value")), "1.5");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rr, 1), "type")), "MEMORY");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rr, 1), "value")), "512");
    ck_assert_int_eq(json_integer_value(
                         json_object_get(json_object_get(j, "timeout"), "attemptDurationSeconds")),
                     60);
    json_decref(j);
    free(body);

    spec.timeout_s = 0;
    spec.cpus = 0;
    spec.memory_mib = 0;
    body = batch_api_submit_body(&spec, &err);
    j = parse(body);
    ck_assert_ptr_null(json_object_get(j, "timeout"));
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "containerOverrides"),
                                                      "resourceRequirements")),
                      0);
    json_decref(j);
    free(body);

    spec.job_queue = "";
    ck_assert_ptr_null(batch_api_submit_body(&spec, &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
}
END_TEST

START_TEST(describe_and_terminate_bodies)
{
    struct qerr err = QERR_INIT;
    const char *ids[BATCH_DESCRIBE_MAX + 1];
    for (size_t i = 0; i < QUERN_ARRAY_LEN(ids); i++) {
        ids[i] = "id";
    }
    char *b = batch_api_describe_body(ids, 2, &err);
    ck_assert_str_eq(b, "{\"jobs\":[\"id\",\"id\"]}");
    free(b);
    b = batch_api_describe_body(ids, BATCH_DESCRIBE_MAX, &err);
    ck_assert_ptr_nonnull(b);
    free(b);
    ck_assert_ptr_null(batch_api_describe_body(ids, BATCH_DESCRIBE_MAX + 1, &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
    qerr_clear(&err);
    ck_assert_ptr_null(batch_api_describe_body(ids, 0, &err));
    b = batch_api_terminate_body("abc", "dismissed", &err);
    ck_assert_str_eq(b, "{\"jobId\":\"abc\",\"reason\":\"dismissed\"}");
    free(b);
}
END_TEST

START_TEST(parse_submit_reply)
{
    struct qerr err = QERR_INIT;
    char id[128];
    const char *ok = "{\"jobArn\":\"arn:...\",\"jobName\":\"quern-x\",\"jobId\":\"8a03cc11\"}";
    ck_assert_int_eq(batch_api_parse_submit(ok, strlen(ok), id, sizeof id, &err), 0);
    ck_assert_str_eq(id, "8a03cc11");
    ck_assert_int_eq(batch_api_parse_submit("{}", 2, id, sizeof id, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(batch_api_parse_submit("<html>", 6, id, sizeof id, &err), -1);
    ck_assert_int_eq(err.code, QERR_BACKEND);
}
END_TEST

START_TEST(parse_describe_reply)
{
    const char *body =
        "{\"jobs\":["
        "{\"jobId\":\"a\",\"status\":\"RUNNABLE\"},"
        "{\"jobId\":\"b\",\"status\":\"FAILED\",\"statusReason\":\"Essential container exited\","
        " \"container\":{\"exitCode\":3,\"logStreamName\":\"def/default/b\","
        "  "
        "\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/g\"}}}},"
        "{\"jobId\":\"c\",\"status\":\"SUCCEEDED\",\"container\":{},"
        " \"attempts\":[{\"container\":{\"exitCode\":1}},"
        "  {\"container\":{\"exitCode\":0,\"logStreamName\":\"s/c\",\"reason\":\"r\"}}]},"
        "{\"jobId\":\"d\",\"status\":\"NEWSTATE\"},"
        "{\"status\":\"RUNNING\"}]}";
    struct batch_status *st = NULL;
    size_t n = 0;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(batch_api_parse_describe(body, strlen(body), &st, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(st[0].id, "a");
    ck_assert_int_eq(st[0].state, BATCH_RUNNABLE);
    ck_assert(!st[0].has_exit);
    ck_assert(!batch_state_terminal(st[0].state));
    ck_assert_int_eq(st[1].state, BATCH_FAILED);
    ck_assert(batch_state_terminal(st[1].state));
    ck_assert(st[1].has_exit);
    ck_assert_int_eq(st[1].exit_code, 3);
    ck_assert_str_eq(st[1].reason, "Essential container exited");
    ck_assert_str_eq(st[1].log_stream, "def/default/b");
    ck_assert_str_eq(st[1].log_group, "/g");
    ck_assert_int_eq(st[2].state, BATCH_SUCCEEDED);
    ck_assert_int_eq(st[2].exit_code, 0);
    ck_assert_str_eq(st[2].log_stream, "s/c");
    ck_assert_str_eq(st[2].reason, "r");
    ck_assert_int_eq(st[3].state, BATCH_UNKNOWN);
    ck_assert_str_eq(st[3].state_name, "NEWSTATE");
    free(st);
    ck_assert_int_eq(batch_api_parse_describe("{\"jobs\":[]}", 11, &st, &n, &err), 0);
    ck_assert_uint_eq(n, 0);
    free(st);
    ck_assert_int_eq(batch_api_parse_describe("{}", 2, &st, &n, &err), -1);
    ck_assert_ptr_null(st);
}
END_TEST

START_TEST(cwlogs_paging)
{
    struct qerr err = QERR_INIT;
    char *b = cwlogs_request_body("/aws/batch/job", "s/1", NULL, &err);
    json_t *j = parse(b);
    ck_assert(json_is_true(json_object_get(j, "startFromHead")));
    ck_assert_ptr_null(json_object_get(j, "nextToken"));
    json_decref(j);
    free(b);
    b = cwlogs_request_body("/aws/batch/job", "s/1", "f/1", &err);
    j = parse(b);
    ck_assert_str_eq(json_string_value(json_object_get(j, "nextToken")), "f/1");
    json_decref(j);
    free(b);

    struct buf out;
    buf_init(&out, 64);
    struct cwlogs_page p;
    const char *page1 = "{\"events\":[{\"timestamp\":1,\"message\":\"hello\"},"
                        "{\"timestamp\":2,\"message\":\"{\\\"progress\\\": 5}\\n\"}],"
                        "\"nextForwardToken\":\"f/2\",\"nextBackwardToken\":\"b/0\"}";
    ck_assert_int_eq(cwlogs_parse(page1, strlen(page1), NULL, &out, &p, &err), 0);
    ck_assert_uint_eq(p.events, 2);
    ck_assert(!p.drained);
    ck_assert_str_eq(p.next_token, "f/2");
    ck_assert_str_eq(buf_cstr(&out), "hello\n{\"progress\": 5}\n");
    cwlogs_page_cleanup(&p);
    const char *page2 = "{\"events\":[],\"nextForwardToken\":\"f/2\"}";
    ck_assert_int_eq(cwlogs_parse(page2, strlen(page2), "f/2", &out, &p, &err), 0);
    ck_assert(p.drained);
    cwlogs_page_cleanup(&p);
    const char *big = "{\"events\":[{\"message\":\"0123456789012345678901234567890123456789"
                      "0123456789\"}],\"nextForwardToken\":\"f/3\"}";
    ck_assert_int_eq(cwlogs_parse(big, strlen(big), "f/2", &out, &p, &err), -1);
    ck_assert_int_eq(err.code, QERR_TOO_LARGE);
    cwlogs_page_cleanup(&p);
    qerr_clear(&err);
    ck_assert_int_eq(cwlogs_parse("[]", 2, NULL, &out, &p, &err), -1);
    buf_cleanup(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batch_api");
    TCase *tc = tcase_create("batch_api");
    tcase_add_test(tc, submit_body_shape);
    tcase_add_test(tc, describe_and_terminate_bodies);
    tcase_add_test(tc, parse_submit_reply);
    tcase_add_test(tc, parse_describe_reply);
    tcase_add_test(tc, cwlogs_paging);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
