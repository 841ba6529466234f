// SPDX-License-Identifier: MIT
/*
 * cred - the secrets behind quern's own logins: password hashes (crypt(3),
 * yescrypt "$y$" for new hashes, SHA-512 "$6$" accepted), API tokens,
 * SHA-256, constant-time comparison and the kernel's randomness.
 *
 * A token reads "qrn_<id>_<secret>": id is 12 hex digits (public, the
 * row's key in quern.api_tokens, what `quern-admin user revoke` takes),
 * secret 43 URL-safe base64 characters (256 random bits). Only the SHA-256
 * of the whole text is stored. Nothing here touches the database or logs
 * a secret; identity and authorisation live in auth.c.
 */
#ifndef QUERN_CRED_H
#define QUERN_CRED_H

#include "common/compat.h"
#include "common/qerr.h"

#define CRED_PASSWORD_MAX 511 /* longest password accepted, in bytes (libxcrypt's limit) */
#define CRED_TOKEN_PREFIX "qrn_"
#define CRED_TOKEN_ID_LEN 12
#define CRED_TOKEN_SECRET_BYTES 32
#define CRED_TOKEN_SECRET_LEN 43
#define CRED_TOKEN_LEN (4 + CRED_TOKEN_ID_LEN + 1 + CRED_TOKEN_SECRET_LEN)
#define CRED_SHA256_HEX_LEN 64

/* Fills buf with n bytes from getrandom(2). QERR_INTERNAL when the kernel refuses. */
int cred_random(void *buf, size_t n, struct qerr *err) QUERN_MUSTCHECK;

/*
 * Hashes password with a fresh salt: yescrypt, or SHA-512 crypt when this
 * libcrypt lacks yescrypt. New string, or NULL with err (QERR_INVALID for
 * an empty or over-long password).
 */
char *cred_password_hash(const char *password, struct qerr *err);

/*
 * True when password matches hash (compared in constant time). A NULL or
 * unsupported hash still costs one yescrypt computation, so an unknown user
 * answers as slowly as a wrong password, and is false.
 */
bool cred_password_verify(const char *password, const char *hash);

/* True for the hash formats quern accepts ("$y$...", "$6$..."). */
bool cred_hash_supported(const char *hash);

/* Compares n bytes without an early exit: the time does not depend on where they differ. */
bool cred_equal(const void *a, const void *b, size_t n);

/* SHA-256 of n bytes as 64 lower-case hex digits and a NUL. */
void cred_sha256_hex(const void *data, size_t n, char out[CRED_SHA256_HEX_LEN + 1]);

struct cred_token {
    char id[CRED_TOKEN_ID_LEN + 1];
    char text[CRED_TOKEN_LEN + 1];      /* shown once to the operator, never stored */
    char hash[CRED_SHA256_HEX_LEN + 1]; /* what quern.api_tokens keeps */
};

/* Makes a new random token. Wipe out->text with cred_wipe once shown. */
int cred_token_new(struct cred_token *out, struct qerr *err) QUERN_MUSTCHECK;

/* Checks text has the token format and copies its id into id. -1 when it has not. */
int cred_token_parse(const char *text, char id[CRED_TOKEN_ID_LEN + 1]) QUERN_MUSTCHECK;

/* Overwrites n bytes with zeros in a way the compiler keeps. */
void cred_wipe(void *p, size_t n);

#endif
