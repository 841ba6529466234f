// SPDX-License-Identifier: MIT
/* db_api - quern-api's statements and row copies; see db_api.h. */
#include "common/compat.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/db_api.h"

static json_t *json_field(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return NULL;
    }
    return json_loadb(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col), 0, NULL);
}

static bool bool_field(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

void db_api_process_cleanup(struct db_api_process *p)
{
    QFREE(p->id);
    QFREE(p->version);
    QFREE(p->description);
    json_decref(p->definition);
    p->definition = NULL;
    json_decref(p->access);
    p->access = NULL;
}

void db_api_job_cleanup(struct db_api_job *j)
{
    char **strs[] = {&j->id, &j->process_id, &j->process_version, &j->status, &j->mode,
                     &j->message, &j->created, &j->started, &j->finished, &j->updated};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(strs); i++) {
        QFREE(*strs[i]);
    }
    json_decref(j->request);
    json_decref(j->results);
    json_decref(j->exception);
    j->request = j->results = j->exception = NULL;
}

void db_api_file_cleanup(struct db_api_file *f)
{
    QFREE(f->name);
    QFREE(f->media_type);
    QFREE(f->storage);
    QFREE(f->location);
    QFREE(f->content);
}

int db_api_process_get(struct db *db, const char *id, bool with_definition,
                       struct db_api_process *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    const char *params[] = {id};
    PGresult *res = NULL;
    int rc = -1;
    if (db_exec(db, with_definition ? SQL_API_PROCESS_GET_FULL : SQL_API_PROCESS_GET, params, &res,
                err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        qerr_set(err, QERR_NOTFOUND, "no process with id '%s'", id);
        goto out;
    }
    out->id = db_strdup_field(res, 0, 0);
    out->version = db_strdup_field(res, 0, 1);
    out->description = db_strdup_field(res, 0, 2);
    out->description_len = (size_t)PQgetlength(res, 0, 2);
    out->available = bool_field(res, 0, 3);
    if (with_definition) {
        out->definition = json_field(res, 0, 4);
        out->access = json_incref(json_object_get(out->definition, "access"));
    } else if (!PQgetisnull(res, 0, 4)) {
        out->access = json_field(res, 0, 4);
    }
    if (out->id == NULL || out->version == NULL || out->description == NULL ||
        (with_definition && out->definition == NULL)) {
        qerr_set(err, QERR_NOMEM, "out of memory copying process %s", id);
        db_api_process_cleanup(out);
        goto out;
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

json_t *db_api_process_page(struct db *db, const char *after, const char *before, long limit,
                            const char *roles, struct qerr *err)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *params[] = {before != NULL ? before : after, lim, roles};
    PGresult *res = NULL;
    json_t *arr = NULL;
    if (db_exec(db, before != NULL ? SQL_API_PROCESS_PAGE_BEFORE : SQL_API_PROCESS_PAGE_AFTER,
                params, &res, err) < 0) {
        goto out;
    }
    arr = json_array();
    int n = PQntuples(res);
    for (int i = 0; i < n && arr != NULL; i++) {
        int row = before != NULL ? n - 1 - i : i;
        json_t *s = json_field(res, row, 1);
        if (s == NULL || json_array_append_new(arr, s) < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
out:
    PQclear(res);
    return arr;
}

json_t *db_api_process_all(struct db *db, const char *roles, struct qerr *err)
{
    PGresult *res = NULL;
    json_t *all = NULL;
    const char *params[] = {roles};
    if (db_exec(db, SQL_API_PROCESS_ALL, params, &res, err) < 0) {
        goto out;
    }
    all = json_object();
    for (int i = 0; i < PQntuples(res) && all != NULL; i++) {
        json_t *d = json_field(res, i, 1);
        if (d != NULL) {
            json_object_set_new(all, PQgetvalue(res, i, 0), d);
        }
    }
    if (all == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
out:
    PQclear(res);
    return all;
}

/* Copies a job row (column order of every api_job_* statement) into out. */
static int job_from_row(const PGresult *res, int row, struct db_api_job *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    out->id = db_strdup_field(res, row, 0);
    out->process_id = db_strdup_field(res, row, 1);
    out->process_version = db_strdup_field(res, row, 2);
    out->status = db_strdup_field(res, row, 3);
    out->mode = db_strdup_field(res, row, 4);
    out->message = db_strdup_field(res, row, 5);
    out->progress = PQgetisnull(res, row, 6) ? -1 : (int)strtol(PQgetvalue(res, row, 6), NULL, 10);
    out->created = db_strdup_field(res, row, 7);
    out->started = db_strdup_field(res, row, 8);
    out->finished = db_strdup_field(res, row, 9);
    out->updated = db_strdup_field(res, row, 10);
    out->dismiss_requested = bool_field(res, row, 11);
    out->request = json_field(res, row, 12);
    out->results = json_field(res, row, 13);
    out->exception = json_field(res, row, 14);
    if (out->id == NULL || out->process_id == NULL || out->status == NULL ||
        out->created == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory copying a job");
        db_api_job_cleanup(out);
        return -1;
    }
    return 0;
}

static int job_one(struct db *db, enum sql_stmt stmt, const char *const *params,
                   const char *id, struct db_api_job *out, struct qerr *err)
{
    PGresult *res = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (db_exec(db, stmt, params, &res, err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        qerr_set(err, QERR_NOTFOUND, "no job with id '%s'", id);
        goto out;
    }
    rc = job_from_row(res, 0, out, err);
out:
    PQclear(res);
    return rc;
}

int db_api_job_insert(struct db *db, const struct db_api_process *p, const char *mode,
                      const char *submitter, const char *request, const char *definition,
                      const char *backend, long priority, long max_attempts,
                      struct db_api_job *out, struct qerr *err)
{
    char prio[24], att[24];
    snprintf(prio, sizeof prio, "%ld", priority);
    snprintf(att, sizeof att, "%ld", max_attempts);
    const char *params[] = {p->id, p->version, mode, submitter, request, definition,
                            backend, prio, att};
    return job_one(db, SQL_API_JOB_INSERT, params, "(new)", out, err);
}

int db_api_job_get(struct db *db, const char *id, const char *submitter, struct db_api_job *out,
                   struct qerr *err)
{
    const char *params[] = {id, submitter};
    return job_one(db, SQL_API_JOB_GET, params, id, out, err);
}

int db_api_job_dismiss(struct db *db, const char *id, const char *submitter,
                       struct db_api_job *out, struct qerr *err)
{
    const char *params[] = {id, submitter};
    return job_one(db, SQL_API_JOB_DISMISS, params, id, out, err);
}

int db_api_job_list(struct db *db, const struct db_api_job_filter *f, struct db_api_job **out,
                    size_t *n, struct qerr *err)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", f->limit);
    const char *params[] = {f->process_ids,  f->statuses,     f->created_from,
                            f->created_to,   f->min_duration, f->max_duration,
                            f->submitter,    f->after,        lim};
    PGresult *res = NULL;
    int rc = -1;
    *out = NULL;
    *n = 0;
    if (db_exec(db, SQL_API_JOB_LIST, params, &res, err) < 0) {
        goto out;
    }
    int rows = PQntuples(res);
    *out = calloc((size_t)rows + 1, sizeof **out);
    if (*out == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        if (job_from_row(res, i, &(*out)[i], err) < 0) {
            goto out;
        }
        (*n)++;
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

json_t *db_api_job_files(struct db *db, const char *id, struct qerr *err)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    json_t *arr = NULL;
    if (db_exec(db, SQL_API_JOB_FILES, params, &res, err) < 0) {
        goto out;
    }
    arr = json_array();
    for (int i = 0; i < PQntuples(res) && arr != NULL; i++) {
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "outputId",
                                             PQgetvalue(res, i, 0), "name", PQgetvalue(res, i, 1),
                                             "type", PQgetvalue(res, i, 2), "bytes",
                                             (json_int_t)strtoll(PQgetvalue(res, i, 3), NULL, 10)));
    }
    if (arr == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
out:
    PQclear(res);
    return arr;
}

static int read_file(const char *path, size_t max, struct db_api_file *out, struct qerr *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        qerr_set_errno(err, QERR_NOTFOUND, "output file is gone");
        return -1;
    }
    out->content = malloc(max + 1);
    size_t got = out->content != NULL ? fread(out->content, 1, max + 1, f) : 0;
    fclose(f);
    if (out->content == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    if (got > max) {
        qerr_set(err, QERR_TOO_LARGE, "output file larger than %zu bytes", max);
        return -1;
    }
    out->len = got;
    return 0;
}

int db_api_job_file(struct db *db, const char *id, const char *output_id, size_t max,
                    struct db_api_file *out, struct qerr *err)
{
    const char *params[] = {id, output_id};
    PGresult *res = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (db_exec(db, SQL_API_JOB_FILE, params, &res, err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        qerr_set(err, QERR_NOTFOUND, "job %s has no file for output '%s'", id, output_id);
        goto out;
    }
    out->name = db_strdup_field(res, 0, 0);
    out->media_type = db_strdup_field(res, 0, 1);
    out->bytes = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    out->storage = db_strdup_field(res, 0, 3);
    out->location = db_strdup_field(res, 0, 4);
    if (out->name == NULL || out->media_type == NULL || out->storage == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    if (strcmp(out->storage, "postgres") == 0) {
        size_t len = 0;
        unsigned char *bytes =
            PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 5), &len);
        if (bytes == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto out;
        }
        out->content = malloc(len + 1);
        if (out->content != NULL) {
            memcpy(out->content, bytes, len);
            out->len = len;
        }
        PQfreemem(bytes);
        if (out->content == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto out;
        }
    } else if (strcmp(out->storage, "filesystem") == 0 && out->location != NULL) {
        if (read_file(out->location, max, out, err) < 0) {
            goto out;
        }
    } else if (strcmp(out->storage, "s3") == 0 && out->location != NULL) {
        /* content stays NULL: the caller reads it with storage_read_all (needs the config) */
    } else {
        qerr_set(err, QERR_BACKEND, "output stored in %s cannot be served here", out->storage);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        db_api_file_cleanup(out);
    }
    PQclear(res);
    return rc;
}

json_t *db_api_job_logs(struct db *db, const char *id, long long since, long limit,
                        struct qerr *err)
{
    char s[32], l[24];
    snprintf(s, sizeof s, "%lld", since);
    snprintf(l, sizeof l, "%ld", limit);
    const char *params[] = {id, s, l};
    PGresult *res = NULL;
    json_t *arr = NULL;
    if (db_exec(db, SQL_API_JOB_LOGS, params, &res, err) < 0) {
        goto out;
    }
    arr = json_array();
    for (int i = 0; i < PQntuples(res) && arr != NULL; i++) {
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s%}", "seq",
                           (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "at",
                           PQgetvalue(res, i, 1), "stream", PQgetvalue(res, i, 2), "line",
                           PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3)));
    }
    if (arr == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
out:
    PQclear(res);
    return arr;
}

int db_api_job_log_location(struct db *db, const char *id, char **location, struct qerr *err)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    *location = NULL;
    int rc = db_exec(db, SQL_API_JOB_LOG_LOCATION, params, &res, err);
    if (rc == 0 && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *location = db_strdup_field(res, 0, 0);
        if (*location == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

static void set_str(json_t *o, const char *key, const PGresult *res, int col)
{
    if (!PQgetisnull(res, 0, col)) {
        json_object_set_new(o, key, json_string(PQgetvalue(res, 0, col)));
    }
}

json_t *db_api_job_metadata(struct db *db, const char *id, const char *submitter,
                            struct qerr *err)
{
    const char *params[] = {id, submitter};
    PGresult *res = NULL;
    json_t *m = NULL;
    if (db_exec(db, SQL_API_JOB_METADATA, params, &res, err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        qerr_set(err, QERR_NOTFOUND, "no job with id '%s'", id);
        goto out;
    }
    m = json_pack("{s:s}", "jobID", id);
    if (m == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    static const char *const keys[] = {"processID", "processVersion", "backend", "backendJobID",
                                       NULL,        NULL,             "runner",  "runnerHost"};
    for (int c = 0; c < 8; c++) {
        if (keys[c] != NULL) {
            set_str(m, keys[c], res, c);
        }
    }
    json_t *host = json_field(res, 0, 4);
    json_t *cmd = json_field(res, 0, 5);
    const char *image = json_string_value(json_object_get(host, "image"));
    if (image != NULL) {
        json_object_set_new(m, "image", json_string(image));
    }
    if (cmd != NULL) {
        json_object_set(m, "command", cmd);
    }
    json_decref(host);
    json_decref(cmd);
    json_object_set_new(m, "attempt", json_integer(strtol(PQgetvalue(res, 0, 8), NULL, 10)));
    json_object_set_new(m, "maxAttempts", json_integer(strtol(PQgetvalue(res, 0, 9), NULL, 10)));
    set_str(m, "mode", res, 10);
    set_str(m, "submitter", res, 11);
    set_str(m, "created", res, 12);
    set_str(m, "started", res, 13);
    set_str(m, "finished", res, 14);
    set_str(m, "inputsDigest", res, 15);
    set_str(m, "status", res, 16);
    json_t *info = json_field(res, 0, 17);
    if (json_is_object(info)) {
        json_object_set(m, "backendInfo", info);
    }
    json_decref(info);
out:
    PQclear(res);
    return m;
}

bool db_api_registry_changed(struct db *db)
{
    PGconn *c = db_conn(db);
    if (c == NULL || PQconsumeInput(c) == 0) {
        return true;
    }
    bool changed = false;
    PGnotify *n;
    while ((n = PQnotifies(c)) != NULL) {
        changed = changed || strcmp(n->relname, "quern_processes") == 0;
        PQfreemem(n);
    }
    /* A connection the server closed may have missed notifications. */
    return changed || PQstatus(c) != CONNECTION_OK;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int db_api_wait_done(struct db *db, const char *job_id, long timeout_ms, bool *registry_changed,
                     struct qerr *err)
{
    PGconn *c = db_conn(db);
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (c == NULL || PQconsumeInput(c) == 0) {
            qerr_set(err, QERR_DB, "lost the database connection while waiting for job %s",
                     job_id);
            return -1;
        }
        PGnotify *n;
        bool done = false;
        while ((n = PQnotifies(c)) != NULL) {
            if (strcmp(n->relname, "quern_done") == 0 && strcmp(n->extra, job_id) == 0) {
                done = true;
            }
            if (strcmp(n->relname, "quern_processes") == 0) {
                *registry_changed = true;
            }
            PQfreemem(n);
        }
        if (done) {
            return 1;
        }
        long left = deadline - now_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
        int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR) {
            qerr_set_errno(err, QERR_DB, "poll");
            return -1;
        }
    }
}
