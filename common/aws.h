// SPDX-License-Identifier: MIT
/*
 * aws - signed AWS requests on libcurl easy handles: credentials, endpoint
 * URLs, SigV4 through CURLOPT_AWS_SIGV4, and the classification of replies.
 *
 * libcurl 7.88 signs what it sends, so this module makes what it sends
 * signable: the query is sorted and RFC 3986-encoded before it becomes the
 * URL, header names are never repeated, Content-Type is always explicit,
 * and S3 requests carry x-amz-content-sha256 (curl does not add it).
 * Secrets live only in struct aws_creds and the easy handle; no message this
 * module writes contains them. It performs no I/O except aws_req_perform;
 * the runner drives the easy handle on its own loop (curlm).
 * Use: aws_creds_load -> aws_req_prepare -> transfer -> aws_req_reply ->
 * aws_req_cleanup ... aws_creds_cleanup.
 */
#ifndef QUERN_AWS_H
#define QUERN_AWS_H

#include <curl/curl.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/compat.h"
#include "common/qerr.h"

/* Largest reply body kept from any AWS call. */
#define AWS_REPLY_MAX (8 * 1024 * 1024)

struct aws_creds {
    char *region;
    char *endpoint; /* "" or a base URL without trailing slash, for every service */
    char *access_key_id;
    char *secret_access_key; /* secret */
    char *session_token;     /* secret, "" when none */
};

/*
 * Fills out from the aws.* keys of cfg, each empty one falling back to the
 * standard environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL).
 * Missing keys are not an error here: aws_creds_check says what is missing.
 */
int aws_creds_load(const struct cfg *cfg, struct aws_creds *out, struct qerr *err) QUERN_MUSTCHECK;
/* 0 when a key id and a secret are present; else -1 naming what is missing (never a value). */
int aws_creds_check(const struct aws_creds *c, struct qerr *err) QUERN_MUSTCHECK;
/* Frees and wipes the secrets. Accepts a zeroed struct. */
void aws_creds_cleanup(struct aws_creds *c);

/*
 * The base URL of service ("batch", "logs", "s3") in region (NULL: the
 * credentials'): the endpoint override or AWS's regional one. New string.
 */
char *aws_service_url(const struct aws_creds *c, const char *service, const char *region,
                      struct qerr *err);

/* Appends s to b percent-encoded per RFC 3986 (unreserved kept); keep_slash leaves '/' as is. */
int aws_uri_encode(struct buf *b, const char *s, size_t len, bool keep_slash,
                   struct qerr *err) QUERN_MUSTCHECK;

struct aws_param {
    const char *key;
    const char *value; /* raw (not encoded) */
};

/* One request to describe (all borrowed). */
struct aws_call {
    const char *service;           /* signing service name: "batch", "logs", "s3" */
    const char *region;            /* NULL: the credentials' region */
    const char *method;            /* "GET", "POST", "PUT", "DELETE", "HEAD" */
    const char *base_url;          /* scheme://host[:port], no trailing slash */
    const char *path;              /* already URI-encoded, starts with "/" */
    const struct aws_param *query; /* n_query raw pairs, encoded and sorted here */
    size_t n_query;
    const char *const *headers; /* NULL-terminated "Name: value"; names must be unique */
    const char *content_type;   /* required when body is set */
    const void *body;
    size_t body_len;
    bool content_sha256;  /* add x-amz-content-sha256 (S3) */
    const char *amz_date; /* tests only: fixed X-Amz-Date "YYYYMMDDTHHMMSSZ", else NULL */
    long timeout_ms;      /* 0: 30 s */
    /*
     * Streaming instead of body (for large S3 objects): upload_len bytes come
     * from read_cb (curl's read callback; the payload is signed as
     * UNSIGNED-PAYLOAD), and/or a 2xx reply goes to write_cb instead of the
     * kept reply (error replies are still kept, for the message). io_arg is
     * their argument. Streaming calls have no total timeout, only a stall
     * limit (AWS_STALL_S seconds below AWS_STALL_BPS bytes per second).
     */
    curl_read_callback read_cb;
    long long upload_len;
    curl_write_callback write_cb;
    void *io_arg;
};

#define AWS_STALL_S 60L
#define AWS_STALL_BPS 1024L

/* A prepared request; owns the easy handle, its headers, URL and reply. */
struct aws_req {
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *sigv4;
    void *body;       /* copy of the call's body */
    struct buf reply; /* reply body, at most AWS_REPLY_MAX */
    curl_write_callback write_cb; /* the call's, for 2xx replies */
    void *io_arg;
    void *user;       /* free for the caller */
};

/*
 * Builds the easy handle for call with creds (borrowed; must outlive the
 * transfer). Returns 0, or -1 with QERR_INVALID for a call that cannot be
 * signed faithfully (duplicate header, body without content type).
 */
int aws_req_prepare(struct aws_req *r, const struct aws_creds *creds, const struct aws_call *call,
                    struct qerr *err) QUERN_MUSTCHECK;
void aws_req_cleanup(struct aws_req *r);
enum aws_outcome {
    AWS_OK,       /* 2xx */
    AWS_RETRY,    /* throttled, 5xx, or a network failure: try again later */
    AWS_AUTH,     /* credentials refused: retrying will not help */
    AWS_NOTFOUND, /* 404 or a ...NotFound error */
    AWS_FAILED,   /* any other refusal */
};

struct aws_reply {
    enum aws_outcome outcome;
    long status;   /* HTTP status, 0 on a network failure */
    char code[96]; /* AWS error code ("ThrottlingException"), "" when none */
    char msg[320]; /* one line for people: status, code and AWS's message */
};

/* Classifies a finished transfer (rc from curl) into out. */
void aws_req_reply(const struct aws_req *r, CURLcode rc, struct aws_reply *out);

/* Blocking transfer for callers outside the runner's loop (API, admin, S3 storage). */
void aws_req_perform(struct aws_req *r, struct aws_reply *out);

/* Pure classification, exposed for tests: status + body (may be NULL) + curl code. */
void aws_classify(long status, const char *body, size_t len, CURLcode rc, struct aws_reply *out);

/* Delay before retry number attempt (0..) in ms: capped exponential with jitter in [d/2, d]. */
long aws_backoff_ms(int attempt, long base_ms, long cap_ms);

#endif
