// SPDX-License-Identifier: MIT
/* log_archive - finished jobs' logs to S3; see log_archive.h. */
#include "common/compat.h"

#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/s3.h"
#include "runner/aws_xfer.h"
#include "runner/db_runner.h"
#include "runner/log_archive.h"
#include "runner/runner.h"

#define TRIES 6
/* Largest archived log (runner.log_max_lines bounds it before this does, by default). */
#define LOG_ARCHIVE_MAX (512L * 1024 * 1024)

struct log_archive {
    struct runner *r;
    struct log_archive *next;
    char job_id[37];
    struct s3 s3;
    bool s3_open;
    char *location;
    long long last_seq;
    struct aws_xfer *x;
};

static void unlink_free(struct log_archive *a)
{
    for (struct log_archive **p = &a->r->archives; *p != NULL; p = &(*p)->next) {
        if (*p == a) {
            *p = a->next;
            break;
        }
    }
    aws_xfer_cancel(a->x);
    if (a->s3_open) {
        s3_close(&a->s3);
    }
    free(a->location);
    free(a);
}

static void on_put(const struct aws_reply *rep, const char *body, size_t len, int tries, void *arg)
{
    struct log_archive *a = arg;
    a->x = NULL;
    struct qerr err = QERR_INIT;
    if (rep->outcome != AWS_OK) {
        log_warn("job=%s: log not archived (it stays in PostgreSQL): S3 PUT %s: %s", a->job_id,
                 a->location, rep->msg);
    } else if (a->r->db_down ||
               db_runner_logs_archived(a->r->db, a->job_id, a->location, a->last_seq, &err) < 0) {
        log_warn("job=%s: log archived to %s but not recorded (it stays in PostgreSQL): %s",
                 a->job_id, a->location, a->r->db_down ? "database unreachable" : err.msg);
    } else {
        log_debug("job=%s: log archived to %s", a->job_id, a->location);
    }
    unlink_free(a);
}

/* Dumps the log and starts its PUT; -1 with err (nothing to archive is not an error). */
static int start(struct log_archive *a, const struct cfg *cfg, struct qerr *err)
{
    struct buf body, key, base, path;
    buf_init(&body, LOG_ARCHIVE_MAX);
    buf_init(&key, 2048);
    buf_init(&base, 2048);
    buf_init(&path, 8192);
    int rc = -1;
    if (db_runner_logs_dump(a->r->db, a->job_id, &body, &a->last_seq, err) < 0) {
        goto out;
    }
    if (body.len == 0) {
        rc = 0; /* no lines: nothing to archive */
        goto out;
    }
    if (s3_open(cfg, &a->s3, err) < 0) {
        goto out;
    }
    a->s3_open = true;
    if (buf_printf(&key, err, "%s%s/log.jsonl", cfg->storage_s3_prefix, a->job_id) < 0 ||
        s3_object_url(&a->s3, cfg->storage_s3_bucket, key.data, &base, &path, err) < 0 ||
        (a->location = s3_location(cfg->storage_s3_bucket, key.data, err)) == NULL) {
        goto out;
    }
    struct aws_call call = {.service = "s3",
                            .method = "PUT",
                            .base_url = buf_cstr(&base),
                            .path = buf_cstr(&path),
                            .content_type = "application/x-ndjson",
                            .body = body.data,
                            .body_len = body.len,
                            .content_sha256 = true,
                            .timeout_ms = 600000};
    a->x = aws_xfer_start(a->r->ev, a->r->curlm, &a->s3.creds, &call, TRIES, on_put, a, err);
    rc = a->x != NULL ? 0 : -1;
out:
    buf_cleanup(&body);
    buf_cleanup(&key);
    buf_cleanup(&base);
    buf_cleanup(&path);
    return rc;
}

void log_archive_start(struct runner *r, const char *job_id)
{
    const struct cfg *cfg = &r->cfg;
    if (!cfg->storage_log_archive || strcmp(cfg->storage_type, "s3") != 0 ||
        *cfg->storage_s3_bucket == '\0' || r->db_down) {
        return;
    }
    struct log_archive *a = calloc(1, sizeof *a);
    if (a == NULL) {
        log_warn("job=%s: out of memory archiving its log", job_id);
        return;
    }
    a->r = r;
    snprintf(a->job_id, sizeof a->job_id, "%s", job_id);
    a->next = r->archives;
    r->archives = a;
    struct qerr err = QERR_INIT;
    if (start(a, cfg, &err) < 0) {
        log_warn("job=%s: log not archived (it stays in PostgreSQL): %s", job_id, err.msg);
    }
    if (a->x == NULL) {
        unlink_free(a);
    }
}

void log_archive_free_all(struct runner *r)
{
    while (r->archives != NULL) {
        unlink_free(r->archives);
    }
}
