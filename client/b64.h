// SPDX-License-Identifier: MIT
/*
 * b64 - standard base64 (RFC 4648, with padding) for binary input values.
 */
#ifndef QUERN_CLIENT_B64_H
#define QUERN_CLIENT_B64_H

#include "common/compat.h"

/* Encodes len bytes; returns a NUL-terminated string owned by the caller, NULL on no memory. */
char *b64_encode(const unsigned char *data, size_t len);

#endif
