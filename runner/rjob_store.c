// SPDX-License-Identifier: MIT
/* rjob_store - a job's output files to S3 on the loop; see rjob_store.h. */
#include "common/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/s3.h"
#include "runner/aws_xfer.h"
#include "runner/rjob_store.h"

#define TRIES 6

struct rjob_store {
    struct ev *ev;
    struct curlm *m;
    struct s3 s3;
    char *bucket, *prefix, *dir;
    char job_id[37];
    struct rjob_file *files;
    size_t n, i;
    int fd;
    long long size, sent;
    EVP_MD_CTX *md;
    char *key;
    struct aws_xfer *x;
    struct ev_timer *kick; /* first step from the loop, never from start */
    rjob_store_cb done;
    void *arg;
};

bool rjob_store_needed(const struct cfg *cfg, const struct rjob_file *files, size_t n)
{
    if (strcmp(cfg->storage_type, "s3") != 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (files[i].location == NULL) {
            return true;
        }
    }
    return false;
}

static void close_current(struct rjob_store *st)
{
    if (st->fd >= 0) {
        close(st->fd);
        st->fd = -1;
    }
    QFREE(st->key);
}

static void end(struct rjob_store *st, const struct qerr *err)
{
    close_current(st);
    st->done(st->arg, err);
}

static size_t on_read(char *out, size_t size, size_t nmemb, void *arg)
{
    struct rjob_store *st = arg;
    for (;;) {
        ssize_t r = read(st->fd, out, size * nmemb);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return CURL_READFUNC_ABORT;
        }
        EVP_DigestUpdate(st->md, out, (size_t)r);
        st->sent += r;
        return (size_t)r;
    }
}

static void on_rewind(void *arg)
{
    struct rjob_store *st = arg;
    if (lseek(st->fd, 0, SEEK_SET) == 0) {
        EVP_DigestInit_ex(st->md, EVP_sha256(), NULL);
        st->sent = 0;
    }
}

static void next(struct rjob_store *st);

static void on_put(const struct aws_reply *r, const char *body, size_t len, int tries, void *arg)
{
    struct rjob_store *st = arg;
    st->x = NULL;
    struct qerr err = QERR_INIT;
    struct rjob_file *f = &st->files[st->i];
    if (r->outcome != AWS_OK) {
        qerr_set(&err, QERR_BACKEND, "S3 PUT s3://%s/%s%s: %s%s", st->bucket, st->key,
                 tries > 1 ? " (after retries)" : "",
                 r->outcome == AWS_AUTH ? "credentials refused: " : "", r->msg);
        end(st, &err);
        return;
    }
    if (st->sent != st->size) {
        qerr_set(&err, QERR_BACKEND, "output file %s changed while it was uploaded", f->name);
        end(st, &err);
        return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(st->md, md, &mdlen);
    for (unsigned k = 0; k < mdlen && k < 32; k++) {
        snprintf(f->sha256 + 2 * k, 3, "%02x", md[k]);
    }
    f->location = s3_location(st->bucket, st->key, &err);
    if (f->location == NULL) {
        end(st, &err);
        return;
    }
    f->storage = "s3";
    f->bytes = st->size;
    close_current(st);
    st->i++;
    next(st);
}

/* Opens file i and starts its PUT. */
static int put_one(struct rjob_store *st, struct qerr *err)
{
    const struct rjob_file *f = &st->files[st->i];
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", st->dir, f->name);
    st->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (st->fd < 0 || fstat(st->fd, &sb) < 0) {
        qerr_set_errno(err, QERR_BACKEND, "open output file %s", f->name);
        return -1;
    }
    st->size = (long long)sb.st_size;
    if (st->size > S3_PUT_MAX) {
        qerr_set(err, QERR_TOO_LARGE, "output file %s is larger than %lld bytes", f->name,
                 S3_PUT_MAX);
        return -1;
    }
    struct buf key, base, upath;
    buf_init(&key, 2048);
    buf_init(&base, 2048);
    buf_init(&upath, 8192);
    int rc = -1;
    if (buf_printf(&key, err, "%s%s/%s/%s", st->prefix, st->job_id, f->output_id, f->name) < 0 ||
        s3_object_url(&st->s3, st->bucket, key.data, &base, &upath, err) < 0) {
        goto out;
    }
    st->key = buf_steal(&key);
    on_rewind(st);
    struct aws_call call = {.service = "s3",
                            .method = "PUT",
                            .base_url = buf_cstr(&base),
                            .path = buf_cstr(&upath),
                            .content_type = f->media_type,
                            .content_sha256 = true,
                            .read_cb = on_read,
                            .upload_len = st->size,
                            .io_arg = st};
    st->x = aws_xfer_start(st->ev, st->m, &st->s3.creds, &call, TRIES, on_put, st, err);
    if (st->x != NULL) {
        aws_xfer_set_rewind(st->x, on_rewind, st);
        rc = 0;
    }
out:
    buf_cleanup(&key);
    buf_cleanup(&base);
    buf_cleanup(&upath);
    return rc;
}

static void next(struct rjob_store *st)
{
    while (st->i < st->n && st->files[st->i].location != NULL) {
        st->i++;
    }
    if (st->i == st->n) {
        end(st, NULL);
        return;
    }
    struct qerr err = QERR_INIT;
    if (put_one(st, &err) < 0) {
        end(st, &err);
    }
}

static void on_kick(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct rjob_store *st = arg;
    st->kick = NULL;
    next(st);
}

struct rjob_store *rjob_store_start(struct ev *ev, struct curlm *m, const struct cfg *cfg,
                                    const char *job_id, const char *dir, struct rjob_file *files,
                                    size_t n, rjob_store_cb done, void *arg, struct qerr *err)
{
    if (*cfg->storage_s3_bucket == '\0') {
        qerr_set(err, QERR_INVALID, "storage.type is s3 but storage.s3_bucket is empty");
        return NULL;
    }
    struct rjob_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    st->fd = -1;
    st->ev = ev;
    st->m = m;
    st->files = files;
    st->n = n;
    st->done = done;
    st->arg = arg;
    snprintf(st->job_id, sizeof st->job_id, "%s", job_id);
    if (s3_open(cfg, &st->s3, err) < 0) {
        free(st);
        return NULL;
    }
    st->bucket = strdup(cfg->storage_s3_bucket);
    st->prefix = strdup(cfg->storage_s3_prefix);
    st->dir = strdup(dir);
    st->md = EVP_MD_CTX_new();
    if (st->bucket == NULL || st->prefix == NULL || st->dir == NULL || st->md == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        rjob_store_free(st);
        return NULL;
    }
    if (aws_creds_check(&st->s3.creds, err) < 0 ||
        (st->kick = ev_timer_add(ev, 0, 0, on_kick, st)) == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        rjob_store_free(st);
        return NULL;
    }
    return st;
}

void rjob_store_free(struct rjob_store *st)
{
    if (st == NULL) {
        return;
    }
    aws_xfer_cancel(st->x);
    if (st->kick != NULL) {
        ev_timer_del(st->ev, st->kick);
    }
    close_current(st);
    s3_close(&st->s3);
    EVP_MD_CTX_free(st->md);
    free(st->bucket);
    free(st->prefix);
    free(st->dir);
    free(st);
}
