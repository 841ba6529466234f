// SPDX-License-Identifier: MIT
/* cred - password hashes, tokens, SHA-256, constant-time comparison; see cred.h. */
#include "common/compat.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

#include "common/b64.h"
#include "common/cred.h"

/*
 * Verifying against this costs what verifying a real default-cost yescrypt
 * hash costs; no password produces it that anyone knows.
 */
_Static_assert(CRED_PASSWORD_MAX < CRYPT_MAX_PASSPHRASE_SIZE, "crypt(3) takes shorter passwords");

static const char cred_dummy_hash[] =
    "$y$j9T$zj0vcw90wv7fl2QKWmqM1.$BsUeZJV1J9rstV.WVDJ97D8JgomgFQY9aBvXGqbigo9";

int cred_random(void *buf, size_t n, struct qerr *err)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            qerr_set_errno(err, QERR_INTERNAL, "getrandom");
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

bool cred_hash_supported(const char *hash)
{
    return hash != NULL && (strncmp(hash, "$y$", 3) == 0 || strncmp(hash, "$6$", 3) == 0);
}

bool cred_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++) {
        diff |= (unsigned char)(x[i] ^ y[i]);
    }
    return diff == 0;
}

void cred_wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}

static bool password_acceptable(const char *password)
{
    size_t n = password != NULL ? strnlen(password, CRED_PASSWORD_MAX + 1) : 0;
    return n > 0 && n <= CRED_PASSWORD_MAX;
}

char *cred_password_hash(const char *password, struct qerr *err)
{
    char *setting = NULL, *hash = NULL;
    struct crypt_data *data = NULL;
    if (!password_acceptable(password)) {
        qerr_set(err, QERR_INVALID, "a password must have 1 to %d bytes", CRED_PASSWORD_MAX);
        return NULL;
    }
    setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
    if (setting == NULL) {
        setting = crypt_gensalt_ra("$6$", 0, NULL, 0);
    }
    data = calloc(1, sizeof *data);
    if (setting == NULL || data == NULL) {
        qerr_set_errno(err, QERR_INTERNAL, "cannot make a password salt");
        goto out;
    }
    const char *h = crypt_r(password, setting, data);
    if (h == NULL || !cred_hash_supported(h)) {
        qerr_set(err, QERR_INTERNAL, "crypt(3) failed to hash the password");
        goto out;
    }
    hash = strdup(h);
    if (hash == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
out:
    if (data != NULL) {
        cred_wipe(data, sizeof *data);
    }
    free(data);
    free(setting);
    return hash;
}

bool cred_password_verify(const char *password, const char *hash)
{
    bool real = cred_hash_supported(hash) && password_acceptable(password);
    const char *setting = real ? hash : cred_dummy_hash;
    struct crypt_data *data = calloc(1, sizeof *data);
    if (data == NULL) {
        return false;
    }
    const char *h = crypt_r(password_acceptable(password) ? password : "", setting, data);
    bool ok = false;
    if (real && h != NULL && h[0] != '*') {
        size_t n = strlen(hash);
        ok = strlen(h) == n && cred_equal(h, hash, n);
    }
    cred_wipe(data, sizeof *data);
    free(data);
    return ok;
}

void cred_sha256_hex(const void *data, size_t n, char out[CRED_SHA256_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32) {
        /* Only an OpenSSL without SHA-256 gets here: make a value no stored hash equals. */
        memset(out, 'x', CRED_SHA256_HEX_LEN);
        out[CRED_SHA256_HEX_LEN] = '\0';
        return;
    }
    for (unsigned int i = 0; i < len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[CRED_SHA256_HEX_LEN] = '\0';
}

int cred_token_new(struct cred_token *out, struct qerr *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[CRED_TOKEN_ID_LEN / 2 + CRED_TOKEN_SECRET_BYTES];
    char secret[CRED_TOKEN_SECRET_LEN + 1];
    memset(out, 0, sizeof *out);
    if (cred_random(raw, sizeof raw, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < CRED_TOKEN_ID_LEN / 2; i++) {
        out->id[2 * i] = hex[raw[i] >> 4];
        out->id[2 * i + 1] = hex[raw[i] & 15];
    }
    int rc =
        b64url_encode(raw + CRED_TOKEN_ID_LEN / 2, CRED_TOKEN_SECRET_BYTES, secret, sizeof secret);
    QASSERT(rc == 0);
    int n = snprintf(out->text, sizeof out->text, CRED_TOKEN_PREFIX "%s_%s", out->id, secret);
    QASSERT(n == CRED_TOKEN_LEN);
    cred_sha256_hex(out->text, CRED_TOKEN_LEN, out->hash);
    cred_wipe(raw, sizeof raw);
    cred_wipe(secret, sizeof secret);
    return 0;
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

int cred_token_parse(const char *text, char id[CRED_TOKEN_ID_LEN + 1])
{
    const size_t pre = sizeof CRED_TOKEN_PREFIX - 1;
    if (text == NULL || strnlen(text, CRED_TOKEN_LEN + 1) != CRED_TOKEN_LEN ||
        strncmp(text, CRED_TOKEN_PREFIX, pre) != 0 ||
        !is_lower_hex(text + pre, CRED_TOKEN_ID_LEN) || text[pre + CRED_TOKEN_ID_LEN] != '_' ||
        !b64url_valid(text + pre + CRED_TOKEN_ID_LEN + 1, CRED_TOKEN_SECRET_LEN)) {
        return -1;
    }
    memcpy(id, text + pre, CRED_TOKEN_ID_LEN);
    id[CRED_TOKEN_ID_LEN] = '\0';
    return 0;
}
