// SPDX-License-Identifier: MIT
/* db_runner - the runner's statements and their results; see db_runner.h. */
#include "common/compat.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/qstr.h"
#include "runner/db_runner.h"

static long long field_ll(const PGresult *res, int row, int col)
{
    long v = 0;
    if (qstr_to_long(PQgetvalue(res, row, col), 0, LONG_MAX, &v) < 0) {
        return 0;
    }
    return v;
}

void db_runner_claimed_free(struct db_runner_claimed *rows, int n)
{
    if (rows == NULL) {
        return;
    }
    for (int i = 0; i < n; i++) {
        free(rows[i].process_id);
        free(rows[i].backend);
        free(rows[i].backend_job_id);
        json_decref(rows[i].definition);
        json_decref(rows[i].request);
    }
    free(rows);
}

int db_runner_claim(struct db *db, bool reattach, const char *me, const char *backends, long limit,
                    long lease, struct db_runner_claimed **rows, int *n, struct qerr *err)
{
    char lim[24], ls[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(ls, sizeof ls, "%ld", lease);
    const char *p[] = {me, backends, lim, ls};
    PGresult *res = NULL;
    *rows = NULL;
    *n = 0;
    if (db_exec(db, reattach ? SQL_RUNNER_REATTACH : SQL_RUNNER_CLAIM, p, &res, err) < 0) {
        return -1;
    }
    int nt = PQntuples(res);
    struct db_runner_claimed *out = calloc(nt > 0 ? (size_t)nt : 1, sizeof *out);
    if (out == NULL) {
        PQclear(res);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    for (int i = 0; i < nt; i++) {
        struct db_runner_claimed *c = &out[i];
        snprintf(c->id, sizeof c->id, "%s", PQgetvalue(res, i, 0));
        c->process_id = db_strdup_field(res, i, 1);
        c->backend = db_strdup_field(res, i, 2);
        c->backend_job_id = db_strdup_field(res, i, 3);
        c->attempt = (int)field_ll(res, i, 4);
        c->max_attempts = (int)field_ll(res, i, 5);
        c->definition = json_loads(PQgetvalue(res, i, 6), 0, NULL);
        c->request = json_loads(PQgetvalue(res, i, 7), 0, NULL);
        c->log_seq = field_ll(res, i, 8);
        c->replayed[0] = field_ll(res, i, 9);
        c->replayed[1] = field_ll(res, i, 10);
    }
    PQclear(res);
    *rows = out;
    *n = nt;
    return 0;
}

int db_runner_register(struct db *db, const char *id, const char *host, long pid,
                       const char *version, const char *backends, long slots, struct qerr *err)
{
    char ps[24], ss[24];
    snprintf(ps, sizeof ps, "%ld", pid);
    snprintf(ss, sizeof ss, "%ld", slots);
    const char *p[] = {id, host, ps, version, backends, ss};
    return db_exec(db, SQL_RUNNER_REGISTER, p, NULL, err);
}

int db_runner_unregister(struct db *db, const char *id, struct qerr *err)
{
    const char *p[] = {id};
    return db_exec(db, SQL_RUNNER_UNREGISTER, p, NULL, err);
}

int db_runner_heartbeat(struct db *db, const char *id, long running, long slots, bool *found,
                        struct qerr *err)
{
    char rs[24], ss[24];
    snprintf(rs, sizeof rs, "%ld", running);
    snprintf(ss, sizeof ss, "%ld", slots);
    const char *p[] = {id, rs, ss};
    PGresult *res = NULL;
    if (db_exec(db, SQL_RUNNER_HEARTBEAT, p, &res, err) < 0) {
        return -1;
    }
    *found = strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    return 0;
}

int db_runner_renew(struct db *db, const char *id, const char *ids_arr, long lease, json_t **owned,
                    struct qerr *err)
{
    char ls[24];
    snprintf(ls, sizeof ls, "%ld", lease);
    const char *p[] = {id, ids_arr, ls};
    PGresult *res = NULL;
    *owned = NULL;
    if (db_exec(db, SQL_RUNNER_RENEW, p, &res, err) < 0) {
        return -1;
    }
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < PQntuples(res); i++) {
        json_object_set_new(o, PQgetvalue(res, i, 0),
                            json_boolean(strcmp(PQgetvalue(res, i, 1), "t") == 0));
    }
    PQclear(res);
    if (o == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    *owned = o;
    return 0;
}

int db_runner_reap(struct db *db, const char *id, const char *dying, long backoff, long lease,
                   int *reaped, struct qerr *err)
{
    char bs[24], ls[24];
    snprintf(bs, sizeof bs, "%ld", backoff);
    snprintf(ls, sizeof ls, "%ld", lease);
    const char *p[] = {id, dying, bs, ls};
    PGresult *res = NULL;
    if (db_exec(db, SQL_RUNNER_REAP, p, &res, err) < 0) {
        return -1;
    }
    *reaped = PQntuples(res);
    PQclear(res);
    return 0;
}

int db_runner_flush(struct db *db, const char *id, const char *logs, const char *upd,
                    const char *fin, const char *back, json_t **applied, struct qerr *err)
{
    const char *p[] = {id, logs, upd, fin, back};
    PGresult *res = NULL;
    *applied = NULL;
    if (db_exec(db, SQL_RUNNER_FLUSH, p, &res, err) < 0) {
        return -1;
    }
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < PQntuples(res); i++) {
        json_object_set_new(o, PQgetvalue(res, i, 1), json_string(PQgetvalue(res, i, 0)));
    }
    PQclear(res);
    if (o == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    *applied = o;
    return 0;
}

int db_runner_logs_dump(struct db *db, const char *job, struct buf *out, long long *last_seq,
                        struct qerr *err)
{
    const char *params[] = {job};
    PGresult *res = NULL;
    int rc = -1;
    *last_seq = 0;
    if (db_exec(db, SQL_RUNNER_LOGS_DUMP, params, &res, err) < 0) {
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        *last_seq = field_ll(res, i, 0);
        json_t *o = json_pack("{sI ss ss ss}", "seq", (json_int_t)*last_seq, "at",
                              PQgetvalue(res, i, 1), "stream", PQgetvalue(res, i, 2), "line",
                              PQgetvalue(res, i, 3));
        char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (text == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto out;
        }
        int r = buf_puts(out, text, err);
        free(text);
        if (r < 0 || buf_puts(out, "\n", err) < 0) {
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

int db_runner_logs_archived(struct db *db, const char *job, const char *location,
                            long long last_seq, struct qerr *err)
{
    char seq[24];
    snprintf(seq, sizeof seq, "%lld", last_seq);
    const char *params[] = {job, location, seq};
    return db_exec(db, SQL_RUNNER_LOGS_ARCHIVED, params, NULL, err);
}

int db_runner_file_add(struct db *db, const char *job, const char *output, const char *name,
                       const char *media_type, long long bytes, const char *sha256,
                       const char *storage, const char *location, const void *content,
                       size_t content_len, struct qerr *err)
{
    char bs[24];
    snprintf(bs, sizeof bs, "%lld", bytes);
    const char *p[] = {job, output, name, media_type, bs, sha256, storage, location, content};
    int lengths[9] = {0};
    int formats[9] = {0};
    lengths[8] = (int)content_len;
    formats[8] = 1; /* bytea as binary: no escaping, no doubling */
    return db_exec_bin(db, SQL_RUNNER_FILE_ADD, p, lengths, formats, NULL, err);
}

int db_runner_notifies(struct db *db, bool read, db_runner_notify_cb cb, void *arg)
{
    PGconn *c = db_conn(db);
    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        return -1;
    }
    if (read && PQconsumeInput(c) == 0) {
        return -1;
    }
    PGnotify *n;
    while ((n = PQnotifies(c)) != NULL) {
        cb(n->relname, n->extra, arg);
        PQfreemem(n);
    }
    return PQstatus(c) == CONNECTION_OK ? 0 : -1;
}
