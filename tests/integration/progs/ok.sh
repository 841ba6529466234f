#!/bin/sh
# SPDX-License-Identifier: MIT
# Succeeds: reports progress, prints its environment facts and echoes its inputs as results.
echo "starting in $(pwd)"
echo '{"progress": 50, "message": "half way"}'
echo "to stderr" >&2
printf '{"plugin_results": {"echo": %s, "job": "%s", "outdir": "%s", "secret": "%s", "greeting": "%s", "home": "%s"}}\n' \
    "$1" "$QUERN_JOB_ID" "$QUERN_OUTPUT_DIR" "${TEST_SECRET:-}" "${GREETING:-}" "${HOME:-}"
