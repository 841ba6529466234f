// SPDX-License-Identifier: MIT
/* rjob_files - output files to quern.job_files; see rjob_files.h. */
#include "common/compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/qstr.h"
#include "common/storage.h"
#include "runner/db_runner.h"
#include "runner/rjob_files.h"

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {"json", "application/json"},      {"geojson", "application/geo+json"},
    {"txt", "text/plain"},             {"csv", "text/csv"},
    {"html", "text/html"},             {"xml", "application/xml"},
    {"gml", "application/gml+xml"},    {"kml", "application/vnd.google-earth.kml+xml"},
    {"png", "image/png"},              {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},            {"gif", "image/gif"},
    {"svg", "image/svg+xml"},          {"webp", "image/webp"},
    {"tif", "image/tiff"},             {"tiff", "image/tiff"},
    {"pdf", "application/pdf"},        {"zip", "application/zip"},
    {"gz", "application/gzip"},        {"tar", "application/x-tar"},
    {"nc", "application/x-netcdf"},    {"gpkg", "application/geopackage+sqlite3"},
    {"parquet", "application/vnd.apache.parquet"},
    {"yaml", "application/yaml"},      {"yml", "application/yaml"},
    {"md", "text/markdown"},           {"las", "application/vnd.las"},
};

static const json_t *output_schema(const json_t *outputs, const char *id)
{
    return json_object_get(json_object_get(outputs, id), "schema");
}

static bool schema_is_binary(const json_t *schema)
{
    const char *type = json_string_value(json_object_get(schema, "type"));
    const char *enc = json_string_value(json_object_get(schema, "contentEncoding"));
    const char *fmt = json_string_value(json_object_get(schema, "format"));
    if (type == NULL || strcmp(type, "string") != 0) {
        return false;
    }
    return (enc != NULL && (strcmp(enc, "binary") == 0 || strcmp(enc, "base64") == 0)) ||
           (fmt != NULL && strcmp(fmt, "binary") == 0) ||
           json_object_get(schema, "contentMediaType") != NULL;
}

const char *rjob_file_output(const json_t *outputs, const char *name)
{
    if (!json_is_object(outputs)) {
        return NULL;
    }
    const char *dot = strrchr(name, '.');
    size_t stem = dot != NULL && dot != name ? (size_t)(dot - name) : strlen(name);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)outputs, key, v) {
        if (strlen(key) == stem && strncmp(key, name, stem) == 0) {
            return key;
        }
    }
    json_object_foreach((json_t *)outputs, key, v) {
        if (schema_is_binary(json_object_get(v, "schema"))) {
            return key;
        }
    }
    if (json_object_size(outputs) == 1) {
        return json_object_iter_key(json_object_iter((json_t *)outputs));
    }
    return NULL;
}

const char *rjob_file_media_type(const json_t *outputs, const char *output_id, const char *name)
{
    const char *t =
        json_string_value(json_object_get(output_schema(outputs, output_id), "contentMediaType"));
    if (t != NULL && *t != '\0') {
        return t;
    }
    const char *dot = strrchr(name, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < QUERN_ARRAY_LEN(media_types); i++) {
            if (strcasecmp(dot + 1, media_types[i].ext) == 0) {
                return media_types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

void rjob_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < mdlen && i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    out[64] = '\0';
}

void rjob_files_free(struct rjob_file *files, size_t n)
{
    for (size_t i = 0; files != NULL && i < n; i++) {
        free(files[i].name);
        free(files[i].output_id);
        free(files[i].location);
    }
    free(files);
}

static int files_push(struct rjob_file **files, size_t *n, const char *name, const char *output,
                      const char *media_type, long long bytes)
{
    struct rjob_file *f = realloc(*files, (*n + 1) * sizeof *f);
    if (f == NULL) {
        return -1;
    }
    *files = f;
    f[*n].name = strdup(name);
    f[*n].output_id = strdup(output);
    f[*n].media_type = media_type;
    f[*n].bytes = bytes;
    f[*n].storage = NULL;
    f[*n].location = NULL;
    f[*n].sha256[0] = '\0';
    (*n)++;
    return f[*n - 1].name != NULL && f[*n - 1].output_id != NULL ? 0 : -1;
}

int rjob_files_scan(const char *dir, const json_t *outputs, long long max_bytes,
                    void (*note)(void *arg, const char *text), void *arg, struct rjob_file **files,
                    size_t *n, struct qerr *err)
{
    *files = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? 0 : (qerr_set_errno(err, QERR_BACKEND, "output directory"), -1);
    }
    int rc = 0;
    struct dirent *e;
    char text[512];
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
            !qstr_is_id(e->d_name, 255)) {
            snprintf(text, sizeof text, "output entry '%.200s' skipped: only regular files "
                     "named with [A-Za-z0-9._-] become outputs", e->d_name);
            note(arg, text);
            continue;
        }
        const char *out = rjob_file_output(outputs, e->d_name);
        if (out == NULL) {
            qerr_set(err, QERR_INVALID, "output file '%.200s' matches no output of the process",
                     e->d_name);
            rc = -1;
        } else if (st.st_size > max_bytes) {
            qerr_set(err, QERR_TOO_LARGE, "output file '%.200s' is %lld bytes, more than "
                     "runner.output_max (%lld)", e->d_name, (long long)st.st_size, max_bytes);
            rc = -1;
        } else if (files_push(files, n, e->d_name, out,
                              rjob_file_media_type(outputs, out, e->d_name), st.st_size) < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            rc = -1;
        }
    }
    closedir(d);
    if (rc < 0) {
        rjob_files_free(*files, *n);
        *files = NULL;
        *n = 0;
    }
    return rc;
}

int rjob_files_add_stored(const json_t *outputs, long long max_bytes, const char *name,
                          long long bytes, const char *sha256, const char *storage,
                          const char *location, struct rjob_file **files, size_t *n,
                          struct qerr *err)
{
    const char *out = rjob_file_output(outputs, name);
    if (out == NULL) {
        qerr_set(err, QERR_INVALID, "output file '%.200s' matches no output of the process", name);
        return -1;
    }
    if (bytes > max_bytes) {
        qerr_set(err, QERR_TOO_LARGE, "output file '%.200s' is %lld bytes, more than "
                 "runner.output_max (%lld)", name, bytes, max_bytes);
        return -1;
    }
    if (files_push(files, n, name, out, rjob_file_media_type(outputs, out, name), bytes) < 0 ||
        ((*files)[*n - 1].location = strdup(location)) == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    struct rjob_file *f = &(*files)[*n - 1];
    f->storage = storage;
    snprintf(f->sha256, sizeof f->sha256, "%s", sha256);
    return 0;
}

static int write_file(const char *path, const char *data, size_t len, struct qerr *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        qerr_set_errno(err, QERR_BACKEND, "writing a large result as a file");
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            qerr_set_errno(err, QERR_BACKEND, "writing a large result as a file");
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd) == 0 ? 0 : (qerr_set_errno(err, QERR_BACKEND, "closing a result file"), -1);
}

int rjob_files_spill(json_t *results, const char *dir, long max_inline, struct qerr *err)
{
    const char *id;
    json_t *v;
    void *tmp;
    int moved = 0;
    json_object_foreach_safe (results, tmp, id, v) {
        bool str = json_is_string(v);
        char *text = str ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *data = str ? json_string_value(v) : text;
        size_t len = str ? json_string_length(v) : text != NULL ? strlen(text) : 0;
        char path[4096];
        int rc = 0;
        if (data != NULL && (long long)len > max_inline && qstr_is_id(id, 200)) {
            snprintf(path, sizeof path, "%s/%s.%s", dir, id, str ? "txt" : "json");
            rc = write_file(path, data, len, err);
            if (rc == 0) {
                json_object_del(results, id);
                moved++;
            }
        }
        free(text);
        if (rc < 0) {
            return -1;
        }
    }
    return moved;
}

static int read_all(const char *path, long long expect, char **data, size_t *len, struct qerr *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        qerr_set_errno(err, QERR_BACKEND, "open output file");
        return -1;
    }
    char *p = malloc((size_t)expect + 1);
    size_t got = 0;
    while (p != NULL && got < (size_t)expect) {
        ssize_t r = read(fd, p + got, (size_t)expect - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (p == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory reading an output file");
        return -1;
    }
    *data = p;
    *len = got;
    return 0;
}

int rjob_files_store(struct db *db, const struct cfg *cfg, const char *job_id, const char *dir,
                     const struct rjob_file *files, size_t n, struct qerr *err)
{
    /* postgres keeps the bytes in the row; filesystem and s3 are common/storage's. */
    bool in_row = strcmp(cfg->storage_type, "postgres") == 0;
    for (size_t i = 0; i < n; i++) {
        if (files[i].location != NULL) { /* already stored: only the row */
            if (db_runner_file_add(db, job_id, files[i].output_id, files[i].name,
                                   files[i].media_type, files[i].bytes, files[i].sha256,
                                   files[i].storage, files[i].location, NULL, 0, err) < 0) {
                return -1;
            }
            continue;
        }
        char path[4096], sha[65];
        char *data = NULL, *loc = NULL;
        const char *storage = "postgres";
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        if (read_all(path, files[i].bytes, &data, &len, err) < 0) {
            return -1;
        }
        rjob_sha256_hex(data, len, sha);
        int rc = 0;
        if (!in_row) {
            rc = storage_put_file(cfg, job_id, files[i].output_id, files[i].name, data, len,
                                  files[i].media_type, &storage, &loc, err);
        }
        if (rc == 0) {
            rc = db_runner_file_add(db, job_id, files[i].output_id, files[i].name,
                                    files[i].media_type, (long long)len, sha, storage, loc,
                                    in_row ? data : NULL, len, err);
        }
        free(loc);
        free(data);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}
