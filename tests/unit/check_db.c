// SPDX-License-Identifier: MIT
/*
 * Unit tests of common/db and common/schema against the run's real
 * PostgreSQL (QUERN_TEST_PGHOST, set by ./dev test). Without it the suite
 * exits 77, automake's "skipped".
 */
#include "common/compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/schema.h"

static char conninfo[512];

static struct db *open_test_db(void)
{
    struct qerr err = QERR_INIT;
    struct db_opts o = {.conninfo = conninfo, .appname = "check_db", .connect_timeout = 5};
    struct db *db = db_open(&o, &err);
    ck_assert_msg(db != NULL, "%s", err.msg);
    return db;
}

START_TEST(connect_failure_is_clear_and_bounded)
{
    struct qerr err = QERR_INIT;
    struct db_opts o = {.conninfo = "host=/nonexistent-quern dbname=x", .connect_timeout = 1};
    ck_assert_ptr_null(db_open(&o, &err));
    ck_assert_int_eq(err.code, QERR_DB);
    ck_assert_msg(strstr(err.msg, "cannot connect to PostgreSQL") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "/nonexistent-quern") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(migrate_is_idempotent)
{
    struct db *db = open_test_db();
    struct qerr err = QERR_INIT;
    ck_assert_int_ge(schema_migrate(db, NULL, &err), 0);
    ck_assert_int_eq(schema_version(db, &err), schema_latest());
    ck_assert_int_eq(schema_migrate(db, NULL, &err), 0);
    db_close(db);
}
END_TEST

START_TEST(reconnects_once_after_connection_loss)
{
    struct db *db = open_test_db();
    struct db *killer = open_test_db();
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(db_listen(db, "quern_jobs", &err), 0);
    int pid = PQbackendPID(db_conn(db));
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    ck_assert_int_eq(db_command(killer, sql, &err), 0);
    /* The next statement notices, reconnects and succeeds. */
    ck_assert_msg(db_exec(db, SQL_SCHEMA_HAS_VERSION_TABLE, NULL, NULL, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(db_reconnects(db), 1);
    ck_assert_int_ne(PQbackendPID(db_conn(db)), pid);
    db_close(killer);
    db_close(db);
}
END_TEST

START_TEST(errors_map_to_codes)
{
    struct db *db = open_test_db();
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(db_command(db, "SELECT 'x'::uuid", &err), -1);
    ck_assert_int_eq(err.code, QERR_INVALID);
    qerr_clear(&err);
    ck_assert_int_eq(db_begin(db, &err), 0);
    ck_assert_int_eq(db_command(db, "SELECT 1/0", &err), -1);
    db_rollback(db);
    ck_assert_int_eq(db_command(db, "SELECT 1", NULL), 0);
    db_close(db);
}
END_TEST

int main(void)
{
    const char *host = getenv("QUERN_TEST_PGHOST");
    if (host == NULL || *host == '\0') {
        puts("QUERN_TEST_PGHOST not set: skipped (run through ./dev test)");
        return 77;
    }
    snprintf(conninfo, sizeof conninfo, "host=%s dbname=postgres user=quern", host);
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, connect_failure_is_clear_and_bounded);
    tcase_add_test(tc, migrate_is_idempotent);
    tcase_add_test(tc, reconnects_once_after_connection_loss);
    tcase_add_test(tc, errors_map_to_codes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
