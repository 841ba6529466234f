// SPDX-License-Identifier: MIT
/*
 * b64 - base64 as RFC 4648 defines it: strict decoding of the standard
 * alphabet (HTTP Basic credentials) and encoding in the URL-safe alphabet
 * without padding (API tokens). Decoding rejects anything not canonical:
 * characters outside the alphabet, bad or missing padding, non-zero
 * trailing bits, whitespace. No allocation: callers pass the output buffer.
 */
#ifndef QUERN_B64_H
#define QUERN_B64_H

#include "common/compat.h"

/* Bytes b64_decode needs for n input characters (excluding the NUL it adds). */
#define B64_DECODED_MAX(n) (((n) / 4) * 3 + 3)
/* Characters b64url_encode writes for n bytes (excluding the NUL). */
#define B64URL_ENCODED_LEN(n) (((n)*4 + 2) / 3)

/*
 * Decodes n characters of standard base64 (with '=' padding) from src into
 * dst (dstsz bytes) and NUL-terminates it (binary data may contain NULs:
 * *outlen is the decoded length). -1 on invalid input or when dst is too
 * small (needs *outlen + 1 bytes).
 */
int b64_decode(const char *src, size_t n, unsigned char *dst, size_t dstsz,
               size_t *outlen) QUERN_MUSTCHECK;

/*
 * Encodes n bytes into dst with the URL-safe alphabet ('-', '_'), no
 * padding, NUL-terminated. -1 when dst (dstsz bytes) is too small.
 */
int b64url_encode(const unsigned char *src, size_t n, char *dst, size_t dstsz) QUERN_MUSTCHECK;

/* True when s is n characters of the URL-safe alphabet. */
bool b64url_valid(const char *s, size_t n);

#endif
