// SPDX-License-Identifier: MIT
/* Unit tests of runner/slurm_state and runner/slurm_script: parsers, wait statuses, quoting. */
#include "common/compat.h"

#include <check.h>
#include <string.h>

#include "runner/slurm_script.h"
#include "runner/slurm_state.h"

/* --- wait statuses ---------------------------------------------------- */

static const struct {
    long raw;
    int code, sig;
} waits[] = {
    {0, 0, 0}, {256, 1, 0}, {512, 2, 0}, {768, 3, 0}, {255 << 8, 255, 0},
    {9, 0, 9}, {15, 0, 15}, {0x80 | 11, 0, 11}, {-1, 0, 0},
};

START_TEST(wait_status)
{
    int code = -1, sig = -1;
    slurm_wait_status_decode(waits[_i].raw, &code, &sig);
    ck_assert_int_eq(code, waits[_i].code);
    ck_assert_int_eq(sig, waits[_i].sig);
}
END_TEST

/* --- state names -------------------------------------------------------- */

START_TEST(state_names)
{
    ck_assert_int_eq(slurm_state_parse("PENDING"), SLURM_ST_PENDING);
    ck_assert_int_eq(slurm_state_parse("running"), SLURM_ST_RUNNING);
    ck_assert_int_eq(slurm_state_parse("CANCELLED by 0"), SLURM_ST_CANCELLED);
    ck_assert_int_eq(slurm_state_parse("CD"), SLURM_ST_COMPLETED);
    ck_assert_int_eq(slurm_state_parse("OUT_OF_MEMORY"), SLURM_ST_OUT_OF_MEMORY);
    ck_assert_int_eq(slurm_state_parse("TIMEOUT"), SLURM_ST_TIMEOUT);
    ck_assert_int_eq(slurm_state_parse("SOMETHING_NEW"), SLURM_ST_UNKNOWN);
    ck_assert_int_eq(slurm_state_parse(""), SLURM_ST_UNKNOWN);
    ck_assert(!slurm_state_terminal(SLURM_ST_COMPLETING));
    ck_assert(!slurm_state_terminal(SLURM_ST_UNKNOWN));
    ck_assert(slurm_state_terminal(SLURM_ST_NODE_FAIL));
    ck_assert_str_eq(slurm_state_name(SLURM_ST_FAILED), "FAILED");
}
END_TEST

/* --- squeue lines -------------------------------------------------------- */

static const struct {
    const char *line;
    int ok;
    const char *id;
    enum slurm_state st;
    const char *reason;
    bool have_exit;
    int code, sig;
} squeue_lines[] = {
    {"1|FAILED|NonZeroExitCode|768|", 1, "1", SLURM_ST_FAILED, "NonZeroExitCode", true, 3, 0},
    {"2|PENDING|Resources|0|", 1, "2", SLURM_ST_PENDING, "Resources", false, 0, 0},
    {"17|RUNNING|None|0|", 1, "17", SLURM_ST_RUNNING, "", false, 0, 0},
    {"3|COMPLETED|None|0|", 1, "3", SLURM_ST_COMPLETED, "", true, 0, 0},
    {"4|CANCELLED|None|15|", 1, "4", SLURM_ST_CANCELLED, "", true, 0, 15},
    {"5|F|NonZeroExitCode|512                 ", 0, "", 0, "", false, 0, 0},
    {"6|TIMEOUT   |TimeLimit |0 |", 1, "6", SLURM_ST_TIMEOUT, "TimeLimit", true, 0, 0},
    {"x|RUNNING|None|0|", 0, "", 0, "", false, 0, 0},
    {"7|RUNNING|None|abc|", 0, "", 0, "", false, 0, 0},
    {"", 0, "", 0, "", false, 0, 0},
    {"8|RUNNING", 0, "", 0, "", false, 0, 0},
};

START_TEST(squeue_parse)
{
    struct slurm_status s;
    struct qerr err = QERR_INIT;
    int rc = slurm_status_from_squeue(squeue_lines[_i].line, &s, &err);
    ck_assert_int_eq(rc, squeue_lines[_i].ok ? 0 : -1);
    if (!squeue_lines[_i].ok) {
        ck_assert_int_eq(err.code, QERR_INVALID);
        return;
    }
    ck_assert_str_eq(s.job_id, squeue_lines[_i].id);
    ck_assert_int_eq(s.state, squeue_lines[_i].st);
    ck_assert_str_eq(s.reason, squeue_lines[_i].reason);
    ck_assert_int_eq(s.have_exit, squeue_lines[_i].have_exit);
    ck_assert_int_eq(s.exit_code, squeue_lines[_i].code);
    ck_assert_int_eq(s.term_signal, squeue_lines[_i].sig);
}
END_TEST

/* --- scontrol -o lines ------------------------------------------------- */

START_TEST(scontrol_parse)
{
    const char *line =
        "JobId=42 JobName=quern-a b UserId=root(0) GroupId=root(0) Priority=1 "
        "Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) "
        "Requeue=0 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=2:0 RunTime=00:00:01 "
        "WorkDir=/shared/x StdOut=/shared/x/stdout\n";
    struct slurm_status s;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(slurm_status_from_scontrol(line, &s, &err), 0);
    ck_assert_str_eq(s.job_id, "42");
    ck_assert_int_eq(s.state, SLURM_ST_FAILED);
    ck_assert_str_eq(s.reason, "NonZeroExitCode");
    ck_assert(s.have_exit);
    ck_assert_int_eq(s.exit_code, 2);

    ck_assert_int_eq(slurm_status_from_scontrol("JobId=43 JobState=CANCELLED Reason=None "
                                                "ExitCode=0:15",
                                                &s, &err),
                     0);
    ck_assert_int_eq(s.state, SLURM_ST_CANCELLED);
    ck_assert_int_eq(s.term_signal, 15);
    ck_assert_str_eq(s.reason, "");

    /* "OldJobId=" must not be taken for "JobId=" */
    ck_assert_int_eq(slurm_status_from_scontrol("OldJobId=9 JobState=RUNNING", &s, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(slurm_status_from_scontrol("JobId=44 JobState=RUNNING ExitCode=x:0", &s, &err),
                     -1);
    qerr_clear(&err);
    ck_assert_int_eq(slurm_status_from_scontrol("slurm_load_jobs error: Invalid job id", &s, &err),
                     -1);
}
END_TEST

/* --- slurmrestd JSON ---------------------------------------------------- */

static const struct {
    const char *json;
    int ok;
    enum slurm_state st;
    bool have_exit;
    int code, sig;
    const char *reason;
} rest_jobs[] = {
    /* v0.0.38: exit_code is a raw wait status */
    {"{\"job_id\": 1, \"job_state\": \"FAILED\", \"exit_code\": 512, \"state_reason\": "
     "\"NonZeroExitCode\"}",
     1, SLURM_ST_FAILED, true, 2, 0, "NonZeroExitCode"},
    {"{\"job_id\": 2, \"job_state\": \"RUNNING\", \"exit_code\": 0, \"state_reason\": \"None\"}", 1,
     SLURM_ST_RUNNING, false, 0, 0, ""},
    {"{\"job_id\": 3, \"job_state\": \"CANCELLED\", \"exit_code\": 9}", 1, SLURM_ST_CANCELLED, true,
     0, 9, ""},
    /* v0.0.40 shapes */
    {"{\"job_id\": 4, \"job_state\": [\"COMPLETED\"], \"exit_code\": {\"status\": [\"SUCCESS\"], "
     "\"return_code\": {\"set\": true, \"number\": 0}}}",
     1, SLURM_ST_COMPLETED, true, 0, 0, ""},
    {"{\"job_id\": 5, \"job_state\": [\"FAILED\"], \"exit_code\": {\"return_code\": 7}}", 1,
     SLURM_ST_FAILED, true, 7, 0, ""},
    {"{\"job_state\": \"FAILED\"}", 0, 0, false, 0, 0, ""},
    {"{\"job_id\": \"6\", \"job_state\": \"FAILED\"}", 0, 0, false, 0, 0, ""},
    {"{\"job_id\": 7, \"job_state\": 3}", 0, 0, false, 0, 0, ""},
};

START_TEST(rest_parse)
{
    json_t *j = json_loads(rest_jobs[_i].json, 0, NULL);
    ck_assert_ptr_nonnull(j);
    struct slurm_status s;
    struct qerr err = QERR_INIT;
    int rc = slurm_status_from_json(j, &s, &err);
    json_decref(j);
    ck_assert_int_eq(rc, rest_jobs[_i].ok ? 0 : -1);
    if (!rest_jobs[_i].ok) {
        return;
    }
    ck_assert_int_eq(s.state, rest_jobs[_i].st);
    ck_assert_int_eq(s.have_exit, rest_jobs[_i].have_exit);
    ck_assert_int_eq(s.exit_code, rest_jobs[_i].code);
    ck_assert_int_eq(s.term_signal, rest_jobs[_i].sig);
    ck_assert_str_eq(s.reason, rest_jobs[_i].reason);
}
END_TEST

/* --- completion marker ---------------------------------------------------- */

START_TEST(marker_parse)
{
    struct slurm_status s;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(slurm_status_from_marker("exit 0\n", &s, &err), 0);
    ck_assert_int_eq(s.state, SLURM_ST_COMPLETED);
    ck_assert_int_eq(slurm_status_from_marker("exit 3\n", &s, &err), 0);
    ck_assert_int_eq(s.state, SLURM_ST_FAILED);
    ck_assert_int_eq(s.exit_code, 3);
    ck_assert(s.have_exit);
    const char *bad[] = {"", "exit \n", "exit 256\n", "exit -1", "exi 0", "exit 1x"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bad); i++) {
        qerr_clear(&err);
        ck_assert_msg(slurm_status_from_marker(bad[i], &s, &err) == -1, "%s", bad[i]);
    }
}
END_TEST

/* --- the script, sbatch argv and REST body --------------------------------- */

START_TEST(sh_quoting)
{
    static const struct {
        const char *in, *out;
    } q[] = {
        {"", "''"},
        {"abc", "'abc'"},
        {"it's", "'it'\\''s'"},
        {"$(rm -rf /) `x` \"y\" \\ ;|&", "'$(rm -rf /) `x` \"y\" \\ ;|&'"},
        {"''", "''\\'''\\'''"},
        {"a\nb", "'a\nb'"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(q); i++) {
        struct buf b;
        struct qerr err = QERR_INIT;
        buf_init(&b, 1024);
        ck_assert_int_eq(slurm_sh_quote(&b, q[i].in, &err), 0);
        ck_assert_str_eq(buf_cstr(&b), q[i].out);
        buf_cleanup(&b);
    }
}
END_TEST

static char *const cmd[] = {"/usr/bin/env", "it's", "$HOME", NULL};
static char *const envp[] = {"PATH=/usr/bin:/bin", "QUERN_JOB_ID=abc", "SECRET=x=y", NULL};

static struct slurm_spec spec(void)
{
    struct slurm_spec s = {.job_id = "0b7e", .dir = "/shared/q/0b7e", .command = cmd,
                           .envp = envp, .partition = "debug", .account = NULL, .qos = "",
                           .timeout_s = 61, .cpus = 1.5, .memory_mib = 512};
    return s;
}

START_TEST(script_text)
{
    struct slurm_spec s = spec();
    struct qerr err = QERR_INIT;
    char *text = slurm_script_text(&s, &err);
    ck_assert_ptr_nonnull(text);
    ck_assert(strncmp(text, "#!/bin/sh\n", 10) == 0);
    ck_assert_ptr_nonnull(strstr(text, "cd '/shared/q/0b7e' || exit 121\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "'/usr/bin/env' 'it'\\''s' '$HOME' \"$(cat '/shared/q/0b7e/inputs.json')\" </dev/null\n"));
    ck_assert_ptr_nonnull(strstr(text, ">'/shared/q/0b7e/exit.tmp' && mv -f"));
    ck_assert_ptr_null(strstr(text, "SECRET")); /* the environment is never in the script */
    free(text);

    char *const none[] = {NULL};
    s.command = none;
    ck_assert_ptr_null(slurm_script_text(&s, &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
}
END_TEST

START_TEST(time_limits)
{
    ck_assert_int_eq(slurm_time_limit_minutes(0), 0);
    ck_assert_int_eq(slurm_time_limit_minutes(1), 1);
    ck_assert_int_eq(slurm_time_limit_minutes(60), 1);
    ck_assert_int_eq(slurm_time_limit_minutes(61), 2);
    ck_assert_int_eq(slurm_time_limit_minutes(3600), 60);
}
END_TEST

START_TEST(sbatch_argv)
{
    struct slurm_spec s = spec();
    struct qerr err = QERR_INIT;
    char **argv = slurm_sbatch_argv(&s, "/usr/bin/sbatch", &err);
    ck_assert_ptr_nonnull(argv);
    const char *want[] = {"/usr/bin/sbatch", "--parsable", "--no-requeue", "--export=ALL",
                          "--job-name=quern-0b7e", "--chdir=/shared/q/0b7e",
                          "--output=/shared/q/0b7e/stdout", "--error=/shared/q/0b7e/stderr",
                          "--partition=debug", "--time=2", "--cpus-per-task=2", "--mem=512M",
                          "/shared/q/0b7e/job.sh", NULL};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(want); i++) {
        if (want[i] == NULL) {
            ck_assert_ptr_null(argv[i]);
        } else {
            ck_assert_ptr_nonnull(argv[i]);
            ck_assert_str_eq(argv[i], want[i]);
        }
    }
    slurm_argv_free(argv);

    s.partition = NULL;
    s.timeout_s = 0;
    s.cpus = 0;
    s.memory_mib = 0;
    s.account = "proj1";
    argv = slurm_sbatch_argv(&s, "sbatch", &err);
    ck_assert_str_eq(argv[8], "--account=proj1");
    ck_assert_str_eq(argv[9], "/shared/q/0b7e/job.sh");
    ck_assert_ptr_null(argv[10]);
    slurm_argv_free(argv);
}
END_TEST

START_TEST(rest_body)
{
    struct slurm_spec s = spec();
    struct qerr err = QERR_INIT;
    json_t *b = slurm_rest_submit_body(&s, "#!/bin/sh\n", "v0.0.38", &err);
    ck_assert_ptr_nonnull(b);
    json_t *job = json_object_get(b, "job");
    ck_assert_str_eq(json_string_value(json_object_get(b, "script")), "#!/bin/sh\n");
    ck_assert_str_eq(json_string_value(json_object_get(job, "name")), "quern-0b7e");
    ck_assert_str_eq(json_string_value(json_object_get(job, "standard_output")),
                     "/shared/q/0b7e/stdout");
    ck_assert_int_eq(json_integer_value(json_object_get(job, "time_limit")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(job, "cpus_per_task")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(job, "memory_per_node")), 512);
    ck_assert_ptr_null(json_object_get(job, "qos"));
    ck_assert(json_is_false(json_object_get(job, "requeue")));
    json_t *env = json_object_get(job, "environment");
    ck_assert_str_eq(json_string_value(json_object_get(env, "SECRET")), "x=y");
    json_decref(b);

    b = slurm_rest_submit_body(&s, "x", "v0.0.39", &err);
    env = json_object_get(json_object_get(b, "job"), "environment");
    ck_assert(json_is_array(env));
    ck_assert_str_eq(json_string_value(json_array_get(env, 2)), "SECRET=x=y");
    json_decref(b);
}
END_TEST

static Suite *slurm_suite(void)
{
    Suite *s = suite_create("slurm");
    TCase *tc = tcase_create("state");
    tcase_add_loop_test(tc, wait_status, 0, (int)QUERN_ARRAY_LEN(waits));
    tcase_add_test(tc, state_names);
    tcase_add_loop_test(tc, squeue_parse, 0, (int)QUERN_ARRAY_LEN(squeue_lines));
    tcase_add_test(tc, scontrol_parse);
    tcase_add_loop_test(tc, rest_parse, 0, (int)QUERN_ARRAY_LEN(rest_jobs));
    tcase_add_test(tc, marker_parse);
    suite_add_tcase(s, tc);
    tc = tcase_create("script");
    tcase_add_test(tc, sh_quoting);
    tcase_add_test(tc, script_text);
    tcase_add_test(tc, time_limits);
    tcase_add_test(tc, sbatch_argv);
    tcase_add_test(tc, rest_body);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slurm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
