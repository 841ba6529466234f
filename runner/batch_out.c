// SPDX-License-Identifier: MIT
/* batch_out - a Batch job's output files in S3; see batch_out.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/qstr.h"
#include "common/s3_list.h"
#include "runner/aws_xfer.h"
#include "runner/batch_out.h"

#define TRIES 6

int batch_out_open(const struct cfg *cfg, struct batch_out *o, struct qerr *err)
{
    memset(o, 0, sizeof *o);
    if (*cfg->storage_s3_bucket == '\0') {
        return 0;
    }
    if (s3_open(cfg, &o->s3, err) < 0) {
        return -1;
    }
    o->bucket = strdup(cfg->storage_s3_bucket);
    o->prefix = strdup(cfg->storage_s3_prefix);
    o->max_bytes = cfg->runner_output_max;
    if (o->bucket == NULL || o->prefix == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        batch_out_close(o);
        return -1;
    }
    o->enabled = true;
    return 0;
}

void batch_out_close(struct batch_out *o)
{
    if (o->enabled) {
        s3_close(&o->s3);
    }
    QFREE(o->bucket);
    QFREE(o->prefix);
    o->enabled = false;
}

/* "<prefix><job id>/out/" (new string). */
static char *key_prefix(const struct batch_out *o, const char *job_id, struct qerr *err)
{
    struct buf b;
    buf_init(&b, 2048);
    if (buf_printf(&b, err, "%s%s/out/", o->prefix, job_id) < 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b);
}

char **batch_out_env(const struct batch_out *o, const char *job_id, char *const *envp,
                     struct qerr *err)
{
    size_t n = 0;
    while (envp != NULL && envp[n] != NULL) {
        n++;
    }
    char **v = calloc(n + 4, sizeof *v);
    char *kp = o->enabled ? key_prefix(o, job_id, err) : NULL;
    if (v == NULL || (o->enabled && kp == NULL)) {
        free(v);
        free(kp);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(v, envp, n * sizeof *v);
    if (o->enabled) {
        struct buf b[3];
        for (int i = 0; i < 3; i++) {
            buf_init(&b[i], 4096);
        }
        if (buf_printf(&b[0], err, "QUERN_OUTPUT_URL=s3://%s/%s", o->bucket, kp) == 0 &&
            buf_printf(&b[1], err, "QUERN_OUTPUT_BUCKET=%s", o->bucket) == 0 &&
            buf_printf(&b[2], err, "QUERN_OUTPUT_PREFIX=%s", kp) == 0) {
            for (int i = 0; i < 3; i++) {
                v[n + (size_t)i] = buf_steal(&b[i]);
            }
        }
        for (int i = 0; i < 3; i++) {
            buf_cleanup(&b[i]);
        }
    }
    free(kp);
    if (o->enabled && (v[n] == NULL || v[n + 1] == NULL || v[n + 2] == NULL)) {
        batch_out_env_free(v, envp);
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    return v;
}

void batch_out_env_free(char **v, char *const *envp)
{
    if (v == NULL) {
        return;
    }
    size_t n = 0;
    while (envp != NULL && envp[n] != NULL) {
        n++;
    }
    for (size_t i = n; i < n + 3; i++) {
        free(v[i]);
    }
    free(v);
}

/* --- collecting ----------------------------------------------------------- */

struct batch_out_collect {
    const struct batch_out *o;
    struct ev *ev;
    struct curlm *m;
    char *prefix; /* key prefix of this job */
    char *token;  /* continuation token of the next page */
    struct batch_out_file files[BATCH_OUT_FILES_MAX];
    char *keys[BATCH_OUT_FILES_MAX];
    size_t n, i;
    EVP_MD_CTX *md;
    long long got;
    struct aws_xfer *x;
    struct ev_timer *kick;
    batch_out_note note;
    batch_out_cb done;
    void *arg;
};

static void end(struct batch_out_collect *c, const struct qerr *err)
{
    c->done(c->arg, c->files, err == NULL ? c->n : 0, err);
}

static void fail_reply(struct batch_out_collect *c, const char *what, const struct aws_reply *r)
{
    struct qerr err = QERR_INIT;
    qerr_set(&err, QERR_BACKEND, "S3 %s under s3://%s/%s: %s%s", what, c->o->bucket, c->prefix,
             r->outcome == AWS_AUTH ? "credentials refused: " : "", r->msg);
    end(c, &err);
}

static void fetch_next(struct batch_out_collect *c);
static void list_page(struct batch_out_collect *c);

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    struct batch_out_collect *c = arg;
    EVP_DigestUpdate(c->md, data, size * nmemb);
    c->got += (long long)(size * nmemb);
    return c->got > c->files[c->i].bytes ? 0 : size * nmemb;
}

static void on_rewind(void *arg)
{
    struct batch_out_collect *c = arg;
    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
    c->got = 0;
}

static void on_fetched(const struct aws_reply *r, const char *body, size_t len, int tries,
                       void *arg)
{
    struct batch_out_collect *c = arg;
    c->x = NULL;
    struct batch_out_file *f = &c->files[c->i];
    if (r->outcome != AWS_OK || c->got != f->bytes) {
        struct qerr err = QERR_INIT;
        qerr_set(&err, QERR_BACKEND, "S3 GET %s: %s", f->location,
                 r->outcome != AWS_OK ? r->msg : "the object changed while it was read");
        end(c, &err);
        return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(c->md, md, &mdlen);
    for (unsigned k = 0; k < mdlen && k < 32; k++) {
        snprintf(f->sha256 + 2 * k, 3, "%02x", md[k]);
    }
    c->i++;
    fetch_next(c);
}

/* Starts a signed GET (S3, object key or the bucket with query q). */
static int s3_call(struct batch_out_collect *c, const char *key, const struct aws_param *q,
                   size_t nq, aws_xfer_cb done, bool stream, struct qerr *err)
{
    struct buf base, path;
    buf_init(&base, 2048);
    buf_init(&path, 8192);
    int rc = -1;
    if (s3_object_url(&c->o->s3, c->o->bucket, key, &base, &path, err) == 0) {
        struct aws_call call = {.service = "s3",
                                .method = "GET",
                                .base_url = buf_cstr(&base),
                                .path = buf_cstr(&path),
                                .query = q,
                                .n_query = nq,
                                .content_sha256 = true,
                                .write_cb = stream ? on_data : NULL,
                                .io_arg = c};
        c->x = aws_xfer_start(c->ev, c->m, &c->o->s3.creds, &call, TRIES, done, c, err);
        if (c->x != NULL && stream) {
            aws_xfer_set_rewind(c->x, on_rewind, c);
        }
        rc = c->x != NULL ? 0 : -1;
    }
    buf_cleanup(&base);
    buf_cleanup(&path);
    return rc;
}

static void fetch_next(struct batch_out_collect *c)
{
    if (c->i == c->n) {
        end(c, NULL);
        return;
    }
    struct qerr err = QERR_INIT;
    on_rewind(c);
    if (s3_call(c, c->keys[c->i], NULL, 0, on_fetched, true, &err) < 0) {
        end(c, &err);
    }
}

/* Keeps one listed object, or notes why not. */
static int take(struct batch_out_collect *c, const struct s3_object *ob, struct qerr *err)
{
    const char *name = ob->key + strlen(c->prefix);
    char text[400];
    if (strncmp(ob->key, c->prefix, strlen(c->prefix)) != 0 || !qstr_is_id(name, 255) ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        snprintf(text, sizeof text,
                 "S3 object '%.200s' skipped: only plain names [A-Za-z0-9._-] "
                 "directly under the output prefix become outputs",
                 ob->key);
        c->note(c->arg, text);
        return 0;
    }
    if (c->n == BATCH_OUT_FILES_MAX) {
        qerr_set(err, QERR_TOO_LARGE, "more than %d objects under s3://%s/%s", BATCH_OUT_FILES_MAX,
                 c->o->bucket, c->prefix);
        return -1;
    }
    if (ob->size > c->o->max_bytes) {
        qerr_set(err, QERR_TOO_LARGE,
                 "output file '%s' is %lld bytes, more than "
                 "runner.output_max (%lld)",
                 name, ob->size, c->o->max_bytes);
        return -1;
    }
    struct batch_out_file *f = &c->files[c->n];
    f->bytes = ob->size;
    f->name = strdup(name);
    c->keys[c->n] = strdup(ob->key);
    f->location = c->keys[c->n] != NULL ? s3_location(c->o->bucket, ob->key, err) : NULL;
    c->n++;
    if (f->name == NULL || f->location == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static void on_listed(const struct aws_reply *r, const char *body, size_t len, int tries, void *arg)
{
    struct batch_out_collect *c = arg;
    c->x = NULL;
    if (r->outcome != AWS_OK) {
        fail_reply(c, "ListObjectsV2", r);
        return;
    }
    struct s3_list_page page;
    struct qerr err = QERR_INIT;
    if (s3_list_parse(body, len, &page, &err) < 0) {
        end(c, &err);
        return;
    }
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < page.n; k++) {
        rc = take(c, &page.objs[k], &err);
    }
    QFREE(c->token);
    c->token = page.truncated ? page.next_token : NULL;
    if (page.truncated) {
        page.next_token = NULL;
    }
    s3_list_page_cleanup(&page);
    if (rc < 0) {
        end(c, &err);
    } else if (c->token != NULL) {
        list_page(c);
    } else {
        fetch_next(c);
    }
}

static void list_page(struct batch_out_collect *c)
{
    struct aws_param q[3] = {{"list-type", "2"}, {"prefix", c->prefix}, {NULL, NULL}};
    size_t nq = 2;
    if (c->token != NULL) {
        q[nq++] = (struct aws_param){"continuation-token", c->token};
    }
    struct qerr err = QERR_INIT;
    if (s3_call(c, NULL, q, nq, on_listed, false, &err) < 0) {
        end(c, &err);
    }
}

static void on_kick(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct batch_out_collect *c = arg;
    c->kick = NULL;
    list_page(c);
}

struct batch_out_collect *batch_out_collect(const struct batch_out *o, struct ev *ev,
                                            struct curlm *m, const char *job_id,
                                            batch_out_note note, batch_out_cb done, void *arg,
                                            struct qerr *err)
{
    struct batch_out_collect *c = calloc(1, sizeof *c);
    if (c == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    c->o = o;
    c->ev = ev;
    c->m = m;
    c->note = note;
    c->done = done;
    c->arg = arg;
    c->prefix = key_prefix(o, job_id, err);
    c->md = EVP_MD_CTX_new();
    if (c->prefix == NULL || c->md == NULL ||
        (c->kick = ev_timer_add(ev, 0, 0, on_kick, c)) == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        batch_out_collect_free(c);
        return NULL;
    }
    return c;
}

void batch_out_collect_free(struct batch_out_collect *c)
{
    if (c == NULL) {
        return;
    }
    aws_xfer_cancel(c->x);
    if (c->kick != NULL) {
        ev_timer_del(c->ev, c->kick);
    }
    for (size_t i = 0; i < c->n; i++) {
        free(c->files[i].name);
        free(c->files[i].location);
        free(c->keys[i]);
    }
    free(c->prefix);
    free(c->token);
    EVP_MD_CTX_free(c->md);
    free(c);
}
