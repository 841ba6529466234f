// SPDX-License-Identifier: MIT
/*
 * docker_logs - streaming demultiplexer of the engine's framed log stream.
 * A two-state machine: collecting a header (hdr_len < 8) or passing on
 * payload (remaining > 0). See docker_logs.h.
 */
#include "common/compat.h"

#include <string.h>

#include "runner/docker_logs.h"

void docker_logs_init(struct docker_logs *d)
{
    memset(d, 0, sizeof(*d));
}

/* Validates the collected header and starts its frame. */
static int header_done(struct docker_logs *d, struct qerr *err)
{
    const unsigned char *h = d->hdr;
    if (h[0] > 2 || h[1] != 0 || h[2] != 0 || h[3] != 0) {
        d->broken = true;
        qerr_set(err, QERR_BACKEND,
                 "log stream: not a frame header (%02x %02x %02x %02x): is the container a TTY?",
                 h[0], h[1], h[2], h[3]);
        return -1;
    }
    d->stream = h[0] == 2 ? 2 : 1;
    d->remaining = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    d->hdr_len = 0;
    return 0;
}

int docker_logs_feed(struct docker_logs *d, const char *data, size_t len, docker_logs_cb cb,
                     void *arg, struct qerr *err)
{
    if (d->broken) {
        qerr_set(err, QERR_BACKEND, "log stream: unusable after a bad frame header");
        return -1;
    }
    while (len > 0) {
        if (d->remaining > 0) {
            size_t n = len < d->remaining ? len : d->remaining;
            cb(arg, d->stream, data, n);
            d->remaining -= (uint32_t)n;
            data += n;
            len -= n;
            continue;
        }
        size_t want = sizeof(d->hdr) - d->hdr_len;
        size_t n = len < want ? len : want;
        memcpy(d->hdr + d->hdr_len, data, n);
        d->hdr_len += n;
        data += n;
        len -= n;
        if (d->hdr_len == sizeof(d->hdr) && header_done(d, err) != 0) {
            return -1;
        }
    }
    return 0;
}

bool docker_logs_at_boundary(const struct docker_logs *d)
{
    return !d->broken && d->hdr_len == 0 && d->remaining == 0;
}
