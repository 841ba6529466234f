// SPDX-License-Identifier: MIT
/* b64 - base64 encoding; see b64.h. */
#include "common/compat.h"

#include "client/b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const unsigned char *data, size_t len)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3) {
        return NULL;
    }
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        v |= i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0;
        v |= i + 2 < len ? (uint32_t)data[i + 2] : 0;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}
