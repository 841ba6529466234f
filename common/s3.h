// SPDX-License-Identifier: MIT
/*
 * s3 - the few S3 calls quern needs, blocking (API handlers, admin, tests):
 * PutObject from memory, HeadObject, GetObject streamed to a sink,
 * DeleteObject, and presigned GET URLs; s3_object_url for the runner, which
 * runs its S3 calls on its own loop (rjob_store, batch_out, log_archive).
 *
 * Objects are named by "s3://bucket/key" locations (s3_location_*). With
 * an endpoint (storage.s3_endpoint, else aws.endpoint) requests are
 * path-style (endpoint/bucket/key: moto, MinIO, s3rver); without one they
 * go to AWS virtual-hosted style (bucket.s3.region.amazonaws.com/key).
 * Signing is common/aws's (x-amz-content-sha256 included); presigning is
 * done here with libcrypto's HMAC, since libcurl only signs headers.
 * Use: s3_open -> s3_put / s3_head / s3_get / s3_presign -> s3_close.
 */
#ifndef QUERN_S3_H
#define QUERN_S3_H

#include "common/aws.h"
#include "common/cfg.h"
#include "common/compat.h"
#include "common/qerr.h"

/* Largest object quern puts in one request (S3's single-PUT limit is 5 GiB). */
#define S3_PUT_MAX (1024LL * 1024 * 1024)

struct s3 {
    struct aws_creds creds;
    char *endpoint; /* "" for AWS */
};

/* Loads credentials and the endpoint from cfg. */
int s3_open(const struct cfg *cfg, struct s3 *s3, struct qerr *err) QUERN_MUSTCHECK;
void s3_close(struct s3 *s3);

/* "s3://bucket/key" (new string). key is used as is (already built from safe parts). */
char *s3_location(const char *bucket, const char *key, struct qerr *err);
/* Splits a location into bucket and key (both new strings). */
int s3_location_split(const char *location, char **bucket, char **key,
                      struct qerr *err) QUERN_MUSTCHECK;

/*
 * Base URL (scheme://host[:port]) and URI-encoded path of object key in
 * bucket, appended to base and path; key NULL: the bucket itself (for
 * ListObjectsV2). For callers that run the request themselves (the runner).
 */
int s3_object_url(const struct s3 *s3, const char *bucket, const char *key, struct buf *base,
                  struct buf *path, struct qerr *err) QUERN_MUSTCHECK;

/* PutObject. */
int s3_put(struct s3 *s3, const char *bucket, const char *key, const void *data, size_t len,
           const char *content_type, struct qerr *err) QUERN_MUSTCHECK;
/* HeadObject: size in *bytes. QERR_NOTFOUND when the object is absent. */
int s3_head(struct s3 *s3, const char *bucket, const char *key, long long *bytes,
            struct qerr *err) QUERN_MUSTCHECK;

/* Receives object bytes in order; returns 0 to go on, -1 to stop the transfer. */
typedef int (*s3_sink)(void *arg, const void *data, size_t len);
/* GetObject streamed to sink (never held whole in memory). */
int s3_get(struct s3 *s3, const char *bucket, const char *key, s3_sink sink, void *arg,
           struct qerr *err) QUERN_MUSTCHECK;
int s3_delete(struct s3 *s3, const char *bucket, const char *key, struct qerr *err) QUERN_MUSTCHECK;

/* A presigned GET URL valid for expires_s seconds (new string). */
char *s3_presign(struct s3 *s3, const char *bucket, const char *key, long expires_s,
                 struct qerr *err);
/*
 * The presigning itself, for tests: base_url is scheme://host[:port],
 * path the encoded canonical path, amz_date "YYYYMMDDTHHMMSSZ".
 */
char *s3_presign_at(const struct aws_creds *creds, const char *base_url, const char *path,
                    long expires_s, const char *amz_date, struct qerr *err);

#endif
