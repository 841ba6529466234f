// SPDX-License-Identifier: MIT
/* b64 - strict base64 decoding and URL-safe encoding; see b64.h. */
#include "common/compat.h"

#include "common/b64.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of a standard-alphabet character, -1 for anything else (including '='). */
static int std_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

int b64_decode(const char *src, size_t n, unsigned char *dst, size_t dstsz, size_t *outlen)
{
    if (n % 4 != 0) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)src[i + j];
            if (c == '=' && last && j >= 2) {
                pad++;
                v[j] = 0;
                continue;
            }
            if (pad > 0) {
                return -1; /* a character after padding */
            }
            v[j] = std_value(c);
            if (v[j] < 0) {
                return -1;
            }
        }
        /* The bits padding leaves over must be zero: one canonical text per value. */
        if ((pad == 1 && (v[2] & 0x03) != 0) || (pad == 2 && (v[1] & 0x0f) != 0)) {
            return -1;
        }
        size_t bytes = (size_t)(3 - pad);
        if (o + bytes + 1 > dstsz) {
            return -1;
        }
        unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                          ((unsigned long)v[2] << 6) | (unsigned long)v[3];
        dst[o++] = (unsigned char)(w >> 16);
        if (bytes > 1) {
            dst[o++] = (unsigned char)(w >> 8);
        }
        if (bytes > 2) {
            dst[o++] = (unsigned char)w;
        }
    }
    if (o + 1 > dstsz) {
        return -1;
    }
    dst[o] = '\0';
    *outlen = o;
    return 0;
}

int b64url_encode(const unsigned char *src, size_t n, char *dst, size_t dstsz)
{
    if (B64URL_ENCODED_LEN(n) + 1 > dstsz) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        unsigned long w = (unsigned long)src[i] << 16;
        if (left > 1) {
            w |= (unsigned long)src[i + 1] << 8;
        }
        if (left > 2) {
            w |= src[i + 2];
        }
        dst[o++] = b64url_alphabet[(w >> 18) & 63];
        dst[o++] = b64url_alphabet[(w >> 12) & 63];
        if (left > 1) {
            dst[o++] = b64url_alphabet[(w >> 6) & 63];
        }
        if (left > 2) {
            dst[o++] = b64url_alphabet[w & 63];
        }
    }
    dst[o] = '\0';
    return 0;
}

bool b64url_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}
