// SPDX-License-Identifier: MIT
/*
 * docker_logs - the Docker Engine's multiplexed log stream, demultiplexed
 * as it arrives.
 *
 * When a container has no TTY the engine frames its output: an 8-byte
 * header [stream, 0, 0, 0, length as 32-bit big-endian] then length bytes
 * of payload; stream 1 is stdout, 2 stderr (0, stdin, is reported as 1).
 * docker_logs_feed() takes the HTTP body in any chunking (a header split
 * across calls, many frames in one call) and hands each payload piece to
 * the callback as soon as it is here: payload bytes are never buffered, so
 * memory stays at 8 bytes whatever the frame size.
 * Use: docker_logs_init -> docker_logs_feed ... -> docker_logs_at_boundary.
 */
#ifndef QUERN_DOCKER_LOGS_H
#define QUERN_DOCKER_LOGS_H

#include "common/compat.h"
#include "common/qerr.h"

/* Receives len > 0 payload bytes of stream (1 stdout, 2 stderr). */
typedef void (*docker_logs_cb)(void *arg, int stream, const char *data, size_t len);

struct docker_logs {
    unsigned char hdr[8];
    size_t hdr_len;     /* header bytes collected so far (0..8) */
    int stream;         /* stream of the frame being read */
    uint32_t remaining; /* payload bytes of the current frame still to come */
    bool broken;        /* a bad header was seen: every later feed fails */
};

void docker_logs_init(struct docker_logs *d);

/*
 * Feeds len bytes of the response body; calls cb for each payload piece.
 * Returns -1 with QERR_BACKEND on a header that is not a frame header (a
 * stream byte above 2 or non-zero padding); the stream is then unusable.
 */
int docker_logs_feed(struct docker_logs *d, const char *data, size_t len, docker_logs_cb cb,
                     void *arg, struct qerr *err) QUERN_MUSTCHECK;

/* True when the bytes fed so far end exactly at a frame boundary. */
bool docker_logs_at_boundary(const struct docker_logs *d);

#endif
