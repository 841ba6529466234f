// SPDX-License-Identifier: MIT
/* Unit tests of common/cfg: defaults, file, environment, and every error message. */
#include "common/compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/quern-cfg-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void teardown(void)
{
    unlink(path);
    unsetenv("QUERN_RUNNER_SLOTS");
    unsetenv("QUERN_RUNNER_BACKENDS");
    unsetenv("QUERN_AUTH_ANONYMOUS");
}

START_TEST(defaults_without_file)
{
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load("/dev/null", &c, &err), 0);
    ck_assert_int_eq(c.api_max_body, 10485760);
    ck_assert_str_eq(c.runner_shutdown, "handback");
    ck_assert_uint_eq(c.runner_backends.n, 1);
    ck_assert_str_eq(c.runner_backends.items[0], "local");
    ck_assert(c.auth_anonymous);
    cfg_free(&c);
}
END_TEST

START_TEST(file_and_env)
{
    write_file("database:\n  url: postgresql:///quern\nrunner:\n  slots: 3\n  backends: [local, docker]\n"
               "callbacks:\n  allow_private: yes\n");
    setenv("QUERN_RUNNER_SLOTS", "7", 1);
    setenv("QUERN_AUTH_ANONYMOUS", "false", 1);
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_msg(cfg_load(path, &c, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(c.database_url, "postgresql:///quern");
    ck_assert_int_eq(c.runner_slots, 7);
    ck_assert_uint_eq(c.runner_backends.n, 2);
    ck_assert_str_eq(c.runner_backends.items[1], "docker");
    ck_assert(c.callbacks_allow_private);
    ck_assert(!c.auth_anonymous);
    ck_assert_str_eq(c.path, path);
    cfg_free(&c);
}
END_TEST

START_TEST(env_list_is_comma_separated)
{
    setenv("QUERN_RUNNER_BACKENDS", " local , slurm,", 1);
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load("/dev/null", &c, &err), 0);
    ck_assert_uint_eq(c.runner_backends.n, 2);
    ck_assert_str_eq(c.runner_backends.items[0], "local");
    ck_assert_str_eq(c.runner_backends.items[1], "slurm");
    cfg_free(&c);
}
END_TEST

/* Each malformed file and the exact message it must produce ("F" stands for the file name). */
static const struct {
    const char *yaml;
    const char *msg;
} bad[] = {
    {"runner:\n  slotz: 3\n", "F:2: unknown key 'runner.slotz'"},
    {"nosuch: 1\n", "F:1: unknown key 'nosuch'"},
    {"runner:\n  slots: many\n", "F:2: key 'runner.slots': expected an integer from 0 to 4096, got 'many'"},
    {"runner:\n  slots: -1\n", "F:2: key 'runner.slots': expected an integer from 0 to 4096, got '-1'"},
    {"runner:\n  shutdown: never\n", "F:2: key 'runner.shutdown': expected one of wait|handback, got 'never'"},
    {"callbacks:\n  allow_private: perhaps\n", "F:2: key 'callbacks.allow_private': expected true or false, got 'perhaps'"},
    {"runner:\n  backends: local\n", "F:2: key 'runner.backends': expected a list, got a scalar"},
    {"runner:\n  slots: [1, 2]\n", "F:2: key 'runner.slots': expected a scalar, got a list"},
    {"- a\n- b\n", "F:1: the configuration must be a mapping"},
    {"runner: {slots: 1\n", "F:2:1: did not find expected ',' or '}'"},
    {"runner:\n  backends: [[local]]\n", "F:2: key 'runner.backends': list items must be scalars"},
};

START_TEST(malformed_files)
{
    write_file(bad[_i].yaml);
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load(path, &c, &err), -1);
    char expect[512];
    const char *f = strchr(bad[_i].msg, 'F');
    snprintf(expect, sizeof expect, "%.*s%s%s", (int)(f - bad[_i].msg), bad[_i].msg, path, f + 1);
    ck_assert_str_eq(err.msg, expect);
    ck_assert_int_eq(err.code, QERR_INVALID);
}
END_TEST

START_TEST(bad_env_value)
{
    setenv("QUERN_RUNNER_SLOTS", "lots", 1);
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load("/dev/null", &c, &err), -1);
    ck_assert_str_eq(err.msg,
                     "QUERN_RUNNER_SLOTS: key 'runner.slots': expected an integer from 0 to 4096, got 'lots'");
}
END_TEST

START_TEST(missing_explicit_file)
{
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load("/nonexistent/quern.yaml", &c, &err), -1);
    ck_assert_str_eq(err.msg, "/nonexistent/quern.yaml: cannot open: No such file or directory");
}
END_TEST

START_TEST(env_names)
{
    char name[64];
    cfg_env_name("database.url", name, sizeof name);
    ck_assert_str_eq(name, "QUERN_DATABASE_URL");
    cfg_env_name("runner.log_max_lines", name, sizeof name);
    ck_assert_str_eq(name, "QUERN_RUNNER_LOG_MAX_LINES");
}
END_TEST

START_TEST(effective_masks_secret)
{
    write_file("database:\n  url: postgresql://u:hunter2@h/d\n");
    struct cfg c;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cfg_load(path, &c, &err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cfg_print_effective(&c, f);
    fclose(f);
    ck_assert_ptr_null(strstr(text, "hunter2"));
    ck_assert_ptr_nonnull(strstr(text, "database.url: '*****'"));
    free(text);
    cfg_free(&c);
}
END_TEST

static Suite *cfg_suite(void)
{
    Suite *s = suite_create("cfg");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, defaults_without_file);
    tcase_add_test(tc, file_and_env);
    tcase_add_test(tc, env_list_is_comma_separated);
    tcase_add_loop_test(tc, malformed_files, 0, (int)QUERN_ARRAY_LEN(bad));
    tcase_add_test(tc, bad_env_value);
    tcase_add_test(tc, missing_explicit_file);
    tcase_add_test(tc, env_names);
    tcase_add_test(tc, effective_masks_secret);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    unsetenv("QUERN_CONFIG");
    SRunner *sr = srunner_create(cfg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
