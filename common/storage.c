// SPDX-License-Identifier: MIT
/*
 * storage - the filesystem and s3 stores of job files; see storage.h.
 * Layout in both: <root or prefix>/<job id>/<output id>/<file name>; the
 * parts are checked ids, so no name can leave its job's directory.
 */
#include "common/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/qstr.h"
#include "common/s3.h"
#include "common/storage.h"

#define PART_MAX 255

struct storage_file {
    bool is_s3;
    int fd;
    long long size;
    struct s3 s3;
    char *bucket, *key;
    char *redirect;
};

static int check_parts(const char *job_id, const char *output_id, const char *name,
                       struct qerr *err)
{
    if (!qstr_is_id(job_id, PART_MAX) || !qstr_is_id(output_id, PART_MAX) ||
        !qstr_is_id(name, PART_MAX)) {
        qerr_set(err, QERR_INVALID, "job file names must be plain ids");
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

static int put_fs(const struct cfg *cfg, const char *job_id, const char *output_id,
                  const char *name, const void *data, size_t len, char **location, struct qerr *err)
{
    char path[4096];
    const char *parts[] = {cfg->storage_path, job_id, output_id};
    size_t off = 0;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(parts); i++) {
        off += (size_t)snprintf(path + off, sizeof path - off, "%s%s", i > 0 ? "/" : "", parts[i]);
        if (off >= sizeof path || (mkdir(path, 0755) < 0 && errno != EEXIST)) {
            qerr_set_errno(err, QERR_BACKEND, "file store: %s", path);
            return -1;
        }
    }
    snprintf(path + off, sizeof path - off, "/%s", name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        qerr_set_errno(err, QERR_BACKEND, "file store: %s", path);
        return -1;
    }
    if (write_all(fd, data, len) < 0 || close(fd) < 0) {
        qerr_set_errno(err, QERR_BACKEND, "file store write: %s", path);
        return -1;
    }
    *location = strdup(path);
    if (*location == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static int put_s3(const struct cfg *cfg, const char *job_id, const char *output_id,
                  const char *name, const void *data, size_t len, const char *media_type,
                  char **location, struct qerr *err)
{
    if (*cfg->storage_s3_bucket == '\0') {
        qerr_set(err, QERR_INVALID, "storage.type is s3 but storage.s3_bucket is empty");
        return -1;
    }
    struct s3 s3;
    if (s3_open(cfg, &s3, err) < 0) {
        return -1;
    }
    struct buf key;
    buf_init(&key, 2048);
    int rc = -1;
    if (buf_printf(&key, err, "%s%s/%s/%s", cfg->storage_s3_prefix, job_id, output_id, name) == 0 &&
        s3_put(&s3, cfg->storage_s3_bucket, key.data, data, len,
               media_type != NULL ? media_type : "application/octet-stream", err) == 0) {
        *location = s3_location(cfg->storage_s3_bucket, key.data, err);
        rc = *location != NULL ? 0 : -1;
    }
    buf_cleanup(&key);
    s3_close(&s3);
    return rc;
}

int storage_put_file(const struct cfg *cfg, const char *job_id, const char *output_id,
                     const char *name, const void *data, size_t len, const char *media_type,
                     const char **storage, char **location, struct qerr *err)
{
    *location = NULL;
    if (check_parts(job_id, output_id, name, err) < 0) {
        return -1;
    }
    if (strcmp(cfg->storage_type, "s3") == 0) {
        *storage = "s3";
        return put_s3(cfg, job_id, output_id, name, data, len, media_type, location, err);
    }
    if (strcmp(cfg->storage_type, "filesystem") == 0) {
        *storage = "filesystem";
        return put_fs(cfg, job_id, output_id, name, data, len, location, err);
    }
    qerr_set(err, QERR_INVALID, "storage.type %s keeps files in PostgreSQL, not in a store",
             cfg->storage_type);
    return -1;
}

static int open_fs(struct storage_file *f, const char *location, struct qerr *err)
{
    f->fd = open(location, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        qerr_set(err, errno == ENOENT ? QERR_NOTFOUND : QERR_BACKEND,
                 "stored file is missing or unreadable");
        return -1;
    }
    f->size = (long long)st.st_size;
    return 0;
}

static int open_s3(struct storage_file *f, const struct cfg *cfg, const char *location,
                   struct qerr *err)
{
    f->is_s3 = true;
    if (s3_open(cfg, &f->s3, err) < 0 ||
        s3_location_split(location, &f->bucket, &f->key, err) < 0) {
        return -1;
    }
    if (cfg->storage_s3_presign > 0) {
        f->redirect = s3_presign(&f->s3, f->bucket, f->key, cfg->storage_s3_presign, err);
        return f->redirect != NULL ? 0 : -1;
    }
    return s3_head(&f->s3, f->bucket, f->key, &f->size, err);
}

struct storage_file *storage_open_file(const struct cfg *cfg, const char *storage,
                                       const char *location, struct qerr *err)
{
    struct storage_file *f = calloc(1, sizeof *f);
    if (f == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    f->fd = -1;
    f->size = -1;
    int rc;
    if (location == NULL) {
        qerr_set(err, QERR_NOTFOUND, "stored file has no location");
        rc = -1;
    } else if (strcmp(storage, "filesystem") == 0) {
        rc = open_fs(f, location, err);
    } else if (strcmp(storage, "s3") == 0) {
        rc = open_s3(f, cfg, location, err);
    } else {
        qerr_set(err, QERR_INVALID, "unknown storage '%s'", storage);
        rc = -1;
    }
    if (rc < 0) {
        storage_file_close(f);
        return NULL;
    }
    return f;
}

long long storage_file_size(const struct storage_file *f)
{
    return f->size;
}

const char *storage_file_redirect(const struct storage_file *f)
{
    return f->redirect;
}

int storage_file_send(struct storage_file *f, storage_sink sink, void *arg, struct qerr *err)
{
    if (f->is_s3) {
        return s3_get(&f->s3, f->bucket, f->key, sink, arg, err);
    }
    char chunk[65536];
    for (;;) {
        ssize_t n = read(f->fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            qerr_set_errno(err, QERR_BACKEND, "reading a stored file");
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        if (sink(arg, chunk, (size_t)n) < 0) {
            qerr_set(err, QERR_BACKEND, "the receiver stopped");
            return -1;
        }
    }
}

void storage_file_close(struct storage_file *f)
{
    if (f == NULL) {
        return;
    }
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->is_s3) {
        s3_close(&f->s3);
    }
    free(f->bucket);
    free(f->key);
    free(f->redirect);
    free(f);
}

struct read_ctx {
    struct buf b;
    bool overflow;
};

static int append_sink(void *arg, const void *data, size_t len)
{
    struct read_ctx *r = arg;
    struct qerr e = QERR_INIT;
    if (buf_append(&r->b, data, len, &e) < 0) {
        r->overflow = true;
        return -1;
    }
    return 0;
}

int storage_read_all(const struct cfg *cfg, const char *storage, const char *location, size_t max,
                     char **data, size_t *len, struct qerr *err)
{
    *data = NULL;
    *len = 0;
    struct storage_file *f = storage_open_file(cfg, storage, location, err);
    if (f == NULL) {
        return -1;
    }
    struct read_ctx r = {.overflow = false};
    buf_init(&r.b, max);
    struct qerr inner = QERR_INIT;
    int rc = f->redirect != NULL ? s3_get(&f->s3, f->bucket, f->key, append_sink, &r, &inner)
                                 : storage_file_send(f, append_sink, &r, &inner);
    storage_file_close(f);
    if (rc < 0) {
        if (r.overflow) {
            qerr_set(err, QERR_TOO_LARGE, "stored file larger than %zu bytes", max);
        } else {
            qerr_set(err, inner.code, "%s", inner.msg);
        }
        buf_cleanup(&r.b);
        return -1;
    }
    *len = r.b.len;
    *data = buf_steal(&r.b);
    return 0;
}
